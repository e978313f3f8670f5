// SPDX-License-Identifier: GPL-2.0-or-later
// The booted registry: planes, root, lock, generation, feed.
#include "RegistryInternals.h"

#include <iolab/Registry.h>

#include <cstdio>
#include <cstdlib>
#include <string>

const IORegistryPlane* gIOServicePlane = nullptr;
const IORegistryPlane* gIOPowerPlane = nullptr;
const IORegistryPlane* gIODTPlane = nullptr;
const IORegistryPlane* gIOUSBPlane = nullptr;
const IORegistryPlane* gIOACPIPlane = nullptr;

namespace iolab {

namespace {
std::atomic<Registry*> s_current{nullptr};
std::atomic<uint64_t> s_nextEntryID{0x100000100ull};
} // namespace

Registry::Registry()
{
    Registry* expected = nullptr;
    if (!s_current.compare_exchange_strong(expected, this)) {
        std::fprintf(stderr, "iolab: a registry is already booted in this process\n");
        std::abort();
    }
    gIOServicePlane = makePlane(kIOServicePlane);
    gIOPowerPlane = makePlane(kIOPowerPlane);
    gIODTPlane = makePlane(kIODeviceTreePlane);
    gIOUSBPlane = makePlane(kIOUSBPlane);
    gIOACPIPlane = makePlane(kIOACPIPlane);
    m_root = new IORegistryEntry;
    m_root->init();
    m_root->setName("Root");
}

Registry::~Registry()
{
    IORegistryInternals::detachEverything(m_root);
    m_root->release();
    m_root = nullptr;
    gIOServicePlane = gIOPowerPlane = gIODTPlane = gIOUSBPlane = gIOACPIPlane = nullptr;
    std::vector<IORegistryPlane*> planes;
    {
        std::unique_lock lock(m_lock);
        planes.swap(m_planes);
    }
    for (IORegistryPlane* plane : planes)
        plane->release();
    s_current.store(nullptr);
}

Registry* Registry::current()
{
    return s_current.load(std::memory_order_acquire);
}

uint64_t Registry::nextEntryID()
{
    return s_nextEntryID.fetch_add(1, std::memory_order_relaxed);
}

const IORegistryPlane* Registry::plane(const char* name) const
{
    if (!name)
        return nullptr;
    std::shared_lock lock(m_lock);
    for (IORegistryPlane* plane : m_planes) {
        if (plane->nameKey->isEqualTo(name))
            return plane;
    }
    return nullptr;
}

const IORegistryPlane* Registry::makePlane(const char* name)
{
    if (const IORegistryPlane* existing = plane(name))
        return existing;
    auto* plane = new IORegistryPlane;
    plane->init();
    plane->nameKey = OSSymbol::withCString(name);
    plane->pathNameKey = OSSymbol::withCString((std::string(name) + "Name").c_str());
    plane->pathLocationKey = OSSymbol::withCString((std::string(name) + "Location").c_str());
    std::unique_lock lock(m_lock);
    plane->index = static_cast<unsigned>(m_planes.size());
    m_planes.push_back(plane);
    return plane;
}

void Registry::publishChange(RegistryEvent event)
{
    std::lock_guard lock(m_publishLock);
    event.generation = static_cast<uint64_t>(bumpGeneration());
    m_feed.publish(event);
}

std::vector<const IORegistryPlane*> Registry::planes() const
{
    std::shared_lock lock(m_lock);
    return {m_planes.begin(), m_planes.end()};
}

} // namespace iolab
