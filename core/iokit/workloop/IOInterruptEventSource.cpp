// SPDX-License-Identifier: GPL-2.0-or-later
// Interrupt event sources. The primary handler runs on the interrupt
// controller's thread in primary-interrupt context; the action runs on the work
// loop. Counting is lock-free: the primary side bumps m_producerCount, the loop
// side catches m_consumerCount up and passes the difference as `count`.
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOService.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/ExecutionContext.h>
#include <iolab/Trace.h>

OSDefineMetaClassAndStructors(IOInterruptEventSource, IOEventSource)
OSDefineMetaClassAndStructors(IOFilterInterruptEventSource, IOInterruptEventSource)

namespace {
void primaryHandler(OSObject* target, void* refCon, IOService* nub, int source)
{
    static_cast<IOInterruptEventSource*>(target)->interruptOccurred(refCon, nub, source);
}
} // namespace

IOInterruptEventSource* IOInterruptEventSource::interruptEventSource(OSObject* inOwner, Action inAction,
                                                                     IOService* provider, int intIndex)
{
    auto* me = new IOInterruptEventSource;
    if (!me->init(inOwner, inAction, provider, intIndex)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool IOInterruptEventSource::init(OSObject* inOwner, Action inAction, IOService* provider, int intIndex)
{
    if (!IOEventSource::init(inOwner, reinterpret_cast<IOEventSource::Action>(inAction)))
        return false;
    enabled.store(false); // delivers nothing until enable()
    if (!provider)
        return true; // a software-only source, driven by signalling
    int type = kIOInterruptTypeEdge;
    if (provider->getInterruptType(intIndex, &type) != kIOReturnSuccess)
        return false;
    // Level lines stay masked from the primary handler until the action returns.
    m_autoDisable = (type & kIOInterruptTypeLevel) != 0;
    provider->retain();
    m_provider = provider;
    m_intIndex = intIndex;
    if (provider->registerInterrupt(intIndex, this, primaryHandler, nullptr) != kIOReturnSuccess) {
        OSSafeReleaseNULL(m_provider);
        return false;
    }
    return true;
}

void IOInterruptEventSource::free()
{
    if (m_provider) {
        m_provider->disableInterrupt(m_intIndex);
        m_provider->unregisterInterrupt(m_intIndex);
        OSSafeReleaseNULL(m_provider);
    }
    IOEventSource::free();
}

void IOInterruptEventSource::enable()
{
    IOEventSource::enable();
    if (m_provider)
        m_provider->enableInterrupt(m_intIndex);
}

void IOInterruptEventSource::disable()
{
    if (m_provider)
        m_provider->disableInterrupt(m_intIndex);
    IOEventSource::disable();
}

void IOInterruptEventSource::interruptOccurred(void* refCon, IOService* nub, int index)
{
    if (m_autoDisable)
        disableInterruptOccurred(refCon, nub, index);
    else
        normalInterruptOccurred(refCon, nub, index);
}

void IOInterruptEventSource::normalInterruptOccurred(void*, IOService*, int)
{
    noteInterrupt(false);
}

void IOInterruptEventSource::disableInterruptOccurred(void*, IOService*, int)
{
    noteInterrupt(true);
}

void IOInterruptEventSource::noteInterrupt(bool mask)
{
    // The order matters: the line is disabled, the interrupt counted, and only
    // then m_masked set. checkForWork reads m_masked before the count, so when
    // it sees the mask it also sees the interrupt behind it (the action runs
    // before the unmask), and its unmask always comes after this disable. (A
    // filter only runs while the line is enabled, so the disable is never redundant.)
    const bool masking = mask && m_provider;
    if (masking)
        m_provider->disableInterrupt(m_intIndex);
    if (const uint64_t raised = iolab::currentContext().interruptRaisedNs) {
        uint64_t expected = 0;
        m_raisedAtNs.compare_exchange_strong(expected, raised); // the first since the action last ran
    }
    m_producerCount.fetch_add(1, std::memory_order_release);
    if (masking)
        m_masked.store(true, std::memory_order_release);
    signalWorkAvailable();
}

bool IOInterruptEventSource::checkForWork()
{
    // Read before the count (see noteInterrupt): a mask seen here belongs to an
    // interrupt this call delivers.
    const bool masked = m_masked.load(std::memory_order_acquire);
    const uint32_t produced = m_producerCount.load(std::memory_order_acquire);
    const int count = static_cast<int>(produced - m_consumerCount);
    if (count > 0 && isEnabled()) {
        m_consumerCount = produced;
        const uint64_t raised = m_raisedAtNs.exchange(0);
        const uint64_t latency = raised ? iolab::trace::nowNs() - raised : 0;
        iolab::trace::record(iolab::trace::Kind::InterruptDispatched, ownerID, static_cast<uint64_t>(m_intIndex),
                             static_cast<uint64_t>(count), latency);
        iolab::trace::record(iolab::trace::Kind::WorkLoopBegin, ownerID, 2);
        if (action)
            reinterpret_cast<Action>(action)(owner, this, count);
        iolab::trace::record(iolab::trace::Kind::WorkLoopEnd, ownerID, 2);
    }
    // The line masked by the primary handler opens again once the action is done.
    if (masked && isEnabled() && m_masked.exchange(false) && m_provider)
        m_provider->enableInterrupt(m_intIndex);
    return m_producerCount.load(std::memory_order_acquire) != m_consumerCount && isEnabled();
}

// --- IOFilterInterruptEventSource ----------------------------------------------------------------

IOFilterInterruptEventSource* IOFilterInterruptEventSource::filterInterruptEventSource(
    OSObject* inOwner, IOInterruptEventSource::Action inAction, Filter filter, IOService* provider, int intIndex)
{
    auto* me = new IOFilterInterruptEventSource;
    if (!me->init(inOwner, inAction, filter, provider, intIndex)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool IOFilterInterruptEventSource::init(OSObject* inOwner, IOInterruptEventSource::Action inAction, Filter filter,
                                        IOService* provider, int intIndex)
{
    if (!filter || !IOInterruptEventSource::init(inOwner, inAction, provider, intIndex))
        return false;
    m_filter = filter;
    return true;
}

void IOFilterInterruptEventSource::signalInterrupt()
{
    m_producerCount.fetch_add(1, std::memory_order_release);
    signalWorkAvailable();
}

void IOFilterInterruptEventSource::normalInterruptOccurred(void*, IOService*, int)
{
    const bool claimed = m_filter(owner, this);
    const uint64_t raised = iolab::currentContext().interruptRaisedNs;
    iolab::trace::record(iolab::trace::Kind::InterruptFiltered, ownerID, static_cast<uint64_t>(m_intIndex), claimed,
                         raised ? iolab::trace::nowNs() - raised : 0);
    // Claimed: masked until the action returns, whatever the line's trigger.
    if (claimed)
        noteInterrupt(true);
}

void IOFilterInterruptEventSource::disableInterruptOccurred(void* refCon, IOService* nub, int index)
{
    normalInterruptOccurred(refCon, nub, index);
}
