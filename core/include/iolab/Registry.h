// SPDX-License-Identifier: GPL-2.0-or-later
// The I/O Registry as a whole: its root, its planes, its lock, its generation
// count and its change feed. One registry is booted at a time (by iolab::Runtime,
// or directly by tests); IORegistryEntry's static functions use the current one.
#pragma once

#include <IOKit/IORegistryEntry.h>
#include <iolab/RegistryFeed.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <vector>

extern const IORegistryPlane* gIOServicePlane;
extern const IORegistryPlane* gIOPowerPlane;
extern const IORegistryPlane* gIODTPlane;
extern const IORegistryPlane* gIOUSBPlane;
extern const IORegistryPlane* gIOACPIPlane;

namespace iolab {

class Registry {
public:
    /// Creates the root entry and the standard planes and makes this the current registry.
    Registry();
    /// Detaches every entry from every plane and releases the root and the planes.
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// The booted registry, or NULL.
    static Registry* current();

    IORegistryEntry* root() const { return m_root; }
    const IORegistryPlane* plane(const char* name) const;
    const IORegistryPlane* makePlane(const char* name);
    std::vector<const IORegistryPlane*> planes() const;

    /// The registry lock: shared to read topology, exclusive to change it.
    std::shared_mutex& lock() { return m_lock; }
    SInt32 generation() const { return m_generation.load(std::memory_order_acquire); }
    SInt32 bumpGeneration() { return m_generation.fetch_add(1, std::memory_order_acq_rel) + 1; }
    RegistryFeed& feed() { return m_feed; }
    /// Bumps the generation, stamps `event` with it and publishes it, as one
    /// step: subscribers see events in generation order whatever thread made them.
    void publishChange(RegistryEvent event);

    /// Entry IDs: unique for the process, never reused.
    static uint64_t nextEntryID();

private:
    mutable std::shared_mutex m_lock;
    std::atomic<SInt32> m_generation{1};
    IORegistryEntry* m_root = nullptr;
    std::vector<IORegistryPlane*> m_planes; // retained; guarded by m_lock
    RegistryFeed m_feed;
    std::mutex m_publishLock; // orders generation bumps with publishing; before the feed's own locks
};

} // namespace iolab
