// SPDX-License-Identifier: GPL-2.0-or-later
// A nub's interrupt sources: each maps to a line of a simulated (or, later, a
// host) interrupt controller. Thread: any; the table is under m_serviceLock.
#include <IOKit/IOService.h>
#include <iolab/InterruptController.h>

struct IOService::InterruptTable {
    struct Entry {
        iolab::InterruptSource source;
        int handlerID = -1;
    };
    std::vector<Entry> entries;
};

namespace iolab {

void setInterruptSources(IOService* nub, std::vector<InterruptSource> sources)
{
    // No sources: no table (what IOService::free relies on to free the old one).
    auto* table = sources.empty() ? nullptr : new IOService::InterruptTable;
    for (InterruptSource& source : sources)
        table->entries.push_back({std::move(source), -1});
    IOService::InterruptTable* old;
    {
        std::lock_guard lock(nub->m_serviceLock);
        old = nub->m_interrupts;
        nub->m_interrupts = table;
    }
    if (old) {
        for (auto& entry : old->entries) {
            if (entry.handlerID >= 0)
                entry.source.controller->detach(entry.source.line, entry.handlerID);
        }
        delete old;
    }
}

} // namespace iolab

namespace {
/// The entry for `source`, or NULL. Requires the service lock.
template <class Table>
auto* entryFor(Table* table, int source)
{
    using Entry = typename std::remove_pointer_t<Table>::Entry;
    if (!table || source < 0 || static_cast<size_t>(source) >= table->entries.size())
        return static_cast<Entry*>(nullptr);
    return &table->entries[static_cast<size_t>(source)];
}
} // namespace

IOReturn IOService::registerInterrupt(int source, OSObject* target, IOInterruptAction handler, void* refCon)
{
    if (!handler)
        return kIOReturnBadArgument;
    std::lock_guard lock(m_serviceLock);
    auto* entry = entryFor(m_interrupts, source);
    if (!entry)
        return kIOReturnNoInterrupt;
    if (entry->handlerID >= 0)
        return kIOReturnNoResources;
    const int id = entry->source.controller->attach(entry->source.line, handler, target, refCon, this, source);
    if (id < 0)
        return kIOReturnNoResources;
    entry->handlerID = id;
    return kIOReturnSuccess;
}

IOReturn IOService::unregisterInterrupt(int source)
{
    std::shared_ptr<iolab::InterruptController> controller;
    unsigned line = 0;
    int id = -1;
    {
        std::lock_guard lock(m_serviceLock);
        auto* entry = entryFor(m_interrupts, source);
        if (!entry)
            return kIOReturnNoInterrupt;
        controller = entry->source.controller;
        line = entry->source.line;
        id = std::exchange(entry->handlerID, -1);
    }
    if (id < 0)
        return kIOReturnNoInterrupt;
    // Not under the service lock: detach waits for a running handler.
    controller->detach(line, id);
    return kIOReturnSuccess;
}

IOReturn IOService::getInterruptType(int source, int* interruptType)
{
    if (!interruptType)
        return kIOReturnBadArgument;
    std::lock_guard lock(m_serviceLock);
    auto* entry = entryFor(m_interrupts, source);
    if (!entry)
        return kIOReturnNoInterrupt;
    *interruptType = entry->source.type;
    return kIOReturnSuccess;
}

namespace {
/// Enables or disables `source`'s handler. Requires the service lock.
template <class Table>
IOReturn setSourceEnabled(Table* table, int source, bool enabled)
{
    auto* entry = entryFor(table, source);
    if (!entry || entry->handlerID < 0)
        return kIOReturnNoInterrupt;
    entry->source.controller->setEnabled(entry->source.line, entry->handlerID, enabled);
    return kIOReturnSuccess;
}
} // namespace

IOReturn IOService::enableInterrupt(int source)
{
    std::lock_guard lock(m_serviceLock);
    return setSourceEnabled(m_interrupts, source, true);
}

IOReturn IOService::disableInterrupt(int source)
{
    std::lock_guard lock(m_serviceLock);
    return setSourceEnabled(m_interrupts, source, false);
}

IOReturn IOService::causeInterrupt(int source)
{
    std::shared_ptr<iolab::InterruptController> controller;
    unsigned line = 0;
    {
        std::lock_guard lock(m_serviceLock);
        auto* entry = entryFor(m_interrupts, source);
        if (!entry)
            return kIOReturnNoInterrupt;
        controller = entry->source.controller;
        line = entry->source.line;
    }
    controller->assertLine(line);
    if (controller->trigger(line) == iolab::InterruptController::Trigger::Level)
        controller->deassertLine(line);
    return kIOReturnSuccess;
}
