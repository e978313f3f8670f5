// SPDX-License-Identifier: GPL-2.0-or-later
// IOWorkLoop and IOEventSource. The loop thread sleeps on a futex word
// (m_workSignal) that signalWorkAvailable bumps; it then takes the gate and
// calls checkForWork on each enabled source until none has more.
// Thread: the loop's own, and callers of runAction/addEventSource (gate held).
#include <IOKit/IOInterruptEventSource.h>
#include <IOKit/IORegistryEntry.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/ExecutionContext.h>
#include <iolab/Trace.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <pthread.h>

OSDefineMetaClassAndAbstractStructors(IOEventSource, OSObject)
OSDefineMetaClassAndStructors(IOWorkLoop, OSObject)

// --- IOEventSource ----------------------------------------------------------------------------

bool IOEventSource::init(OSObject* inOwner, IOEventSource::Action inAction)
{
    if (!OSObject::init() || !inOwner)
        return false;
    owner = inOwner;
    action = inAction;
    if (auto* entry = OSDynamicCast(IORegistryEntry, inOwner))
        ownerID = entry->getRegistryEntryID();
    return true;
}

void IOEventSource::free()
{
    OSObject::free();
}

void IOEventSource::setAction(Action inAction)
{
    action = inAction;
}

IOEventSource::Action IOEventSource::getAction() const
{
    return action;
}

void IOEventSource::enable()
{
    enabled.store(true);
    if (workLoop)
        signalWorkAvailable();
}

void IOEventSource::disable()
{
    enabled.store(false);
}

bool IOEventSource::isEnabled() const
{
    return enabled.load();
}

IOWorkLoop* IOEventSource::getWorkLoop() const
{
    return workLoop;
}

bool IOEventSource::onThread() const
{
    return workLoop && workLoop->onThread();
}

void IOEventSource::setWorkLoop(IOWorkLoop* inWorkLoop)
{
    // Atomic: primary-interrupt handlers and the timer service read it (in
    // signalWorkAvailable) while a driver removes the source from its loop.
    std::atomic_ref(workLoop).store(inWorkLoop, std::memory_order_release);
}

void IOEventSource::setNext(IOEventSource* next)
{
    eventChainNext = next;
}

IOEventSource* IOEventSource::getNext() const
{
    return eventChainNext;
}

void IOEventSource::signalWorkAvailable()
{
    if (IOWorkLoop* loop = std::atomic_ref(workLoop).load(std::memory_order_acquire))
        loop->signalWorkAvailable();
}

void IOEventSource::openGate()
{
    workLoop->openGate();
}

void IOEventSource::closeGate()
{
    workLoop->closeGate();
}

bool IOEventSource::tryCloseGate()
{
    return workLoop->tryCloseGate();
}

int IOEventSource::sleepGate(void* event, UInt32 type)
{
    return workLoop->sleepGate(event, type);
}

int IOEventSource::sleepGate(void* event, AbsoluteTime deadline, UInt32 type)
{
    return workLoop->sleepGate(event, deadline, type);
}

void IOEventSource::wakeupGate(void* event, bool oneThread)
{
    workLoop->wakeupGate(event, oneThread);
}

namespace {
bool isInterruptSource(const IOEventSource* source)
{
    return OSDynamicCast(IOInterruptEventSource, source) != nullptr;
}
} // namespace

// --- IOWorkLoop -----------------------------------------------------------------------------------

IOWorkLoop* IOWorkLoop::workLoop()
{
    return workLoopWithOptions(0);
}

IOWorkLoop* IOWorkLoop::workLoopWithOptions(IOOptionBits)
{
    auto* me = new IOWorkLoop;
    if (!me->init()) {
        me->release();
        return nullptr;
    }
    return me;
}

bool IOWorkLoop::init()
{
    if (!OSObject::init())
        return false;
    m_gate = IORecursiveLockAlloc();
    m_thread = std::thread([this] { threadMain(); });
    return true;
}

void IOWorkLoop::setName(const char* name)
{
    if (!name)
        return;
    m_name = std::string("IOWorkLoop:") + name;
    // Linux limits thread names to 15 characters: keep the distinctive end.
    std::string shown = m_name.size() > 15 ? m_name.substr(m_name.size() - 15) : m_name;
    pthread_setname_np(m_thread.native_handle(), shown.c_str());
}

void IOWorkLoop::free()
{
    m_terminating.store(true);
    signalWorkAvailable();
    if (m_thread.joinable()) {
        if (m_thread.get_id() == std::this_thread::get_id())
            m_thread.detach(); // the last reference went away in one of our own actions
        else
            m_thread.join();
    }
    // Sources still on the loop are released (and told they have no loop).
    closeGate();
    IOEventSource* source = m_eventChain;
    m_eventChain = nullptr;
    openGate();
    while (source) {
        IOEventSource* next = source->getNext();
        source->setNext(nullptr);
        source->setWorkLoop(nullptr);
        source->release();
        source = next;
    }
    IORecursiveLockFree(m_gate);
    m_gate = nullptr;
    OSObject::free();
}

IOReturn IOWorkLoop::addEventSource(IOEventSource* newEvent)
{
    if (!newEvent)
        return kIOReturnBadArgument;
    if (newEvent->getWorkLoop())
        return newEvent->getWorkLoop() == this ? kIOReturnSuccess : kIOReturnExclusiveAccess;
    closeGate();
    newEvent->retain();
    newEvent->setWorkLoop(this);
    newEvent->setNext(nullptr);
    // Appended: sources run in the order they were added.
    IOEventSource** link = &m_eventChain;
    while (*link)
        link = &(*link)->eventChainNext;
    *link = newEvent;
    openGate();
    if (newEvent->isEnabled())
        signalWorkAvailable();
    return kIOReturnSuccess;
}

IOReturn IOWorkLoop::removeEventSource(IOEventSource* toRemove)
{
    if (!toRemove)
        return kIOReturnBadArgument;
    closeGate();
    IOEventSource** link = &m_eventChain;
    while (*link && *link != toRemove)
        link = &(*link)->eventChainNext;
    if (!*link) {
        openGate();
        return kIOReturnNoResources;
    }
    *link = toRemove->getNext();
    toRemove->setNext(nullptr);
    toRemove->setWorkLoop(nullptr);
    openGate();
    toRemove->release();
    return kIOReturnSuccess;
}

void IOWorkLoop::enableAllEventSources() const
{
    auto* self = const_cast<IOWorkLoop*>(this);
    self->closeGate();
    for (IOEventSource* source = m_eventChain; source; source = source->getNext())
        source->enable();
    self->openGate();
}

void IOWorkLoop::disableAllEventSources() const
{
    auto* self = const_cast<IOWorkLoop*>(this);
    self->closeGate();
    for (IOEventSource* source = m_eventChain; source; source = source->getNext())
        source->disable();
    self->openGate();
}

void IOWorkLoop::enableAllInterrupts() const
{
    auto* self = const_cast<IOWorkLoop*>(this);
    self->closeGate();
    for (IOEventSource* source = m_eventChain; source; source = source->getNext()) {
        if (isInterruptSource(source))
            source->enable();
    }
    self->openGate();
}

void IOWorkLoop::disableAllInterrupts() const
{
    auto* self = const_cast<IOWorkLoop*>(this);
    self->closeGate();
    for (IOEventSource* source = m_eventChain; source; source = source->getNext()) {
        if (isInterruptSource(source))
            source->disable();
    }
    self->openGate();
}

unsigned IOWorkLoop::eventSourceCount() const
{
    auto* self = const_cast<IOWorkLoop*>(this);
    self->closeGate();
    unsigned count = 0;
    for (IOEventSource* source = m_eventChain; source; source = source->getNext())
        ++count;
    self->openGate();
    return count;
}

bool IOWorkLoop::onThread() const
{
    return std::this_thread::get_id() == m_thread.get_id();
}

bool IOWorkLoop::inGate() const
{
    return IORecursiveLockHaveLock(m_gate);
}

void IOWorkLoop::closeGate()
{
    IORecursiveLockLock(m_gate);
    ++iolab::currentContext().gateDepth;
}

void IOWorkLoop::openGate()
{
    --iolab::currentContext().gateDepth;
    IORecursiveLockUnlock(m_gate);
}

bool IOWorkLoop::tryCloseGate()
{
    if (!IORecursiveLockTryLock(m_gate))
        return false;
    ++iolab::currentContext().gateDepth;
    return true;
}

int IOWorkLoop::sleepGate(void* event, UInt32 type)
{
    return IORecursiveLockSleep(m_gate, event, type);
}

int IOWorkLoop::sleepGate(void* event, AbsoluteTime deadline, UInt32 type)
{
    return IORecursiveLockSleepDeadline(m_gate, event, deadline, type);
}

void IOWorkLoop::wakeupGate(void* event, bool oneThread)
{
    IORecursiveLockWakeup(m_gate, event, oneThread);
}

IOReturn IOWorkLoop::runAction(Action inAction, OSObject* target, void* arg0, void* arg1, void* arg2, void* arg3)
{
    if (!inAction)
        return kIOReturnBadArgument;
    closeGate();
    const IOReturn result = inAction(target, arg0, arg1, arg2, arg3);
    openGate();
    return result;
}

void IOWorkLoop::signalWorkAvailable()
{
    m_workSignal.fetch_add(1, std::memory_order_release);
    m_workSignal.notify_one();
}

bool IOWorkLoop::runEventSources()
{
    bool more = false;
    for (IOEventSource* source = m_eventChain; source && !m_terminating.load(std::memory_order_relaxed);
         source = source->getNext()) {
        if (source->isEnabled() && source->checkForWork())
            more = true;
    }
    return more;
}

void IOWorkLoop::threadMain()
{
    pthread_setname_np(pthread_self(), "IOWorkLoop");
    iolab::currentContext().workLoop = this;
    uint32_t seen = 0;
    for (;;) {
        uint32_t current = m_workSignal.load(std::memory_order_acquire);
        if (current == seen && !m_terminating.load()) {
            m_running.store(false, std::memory_order_release);
            const uint64_t spin = m_spinNs.load(std::memory_order_relaxed);
            if (spin) {
                const uint64_t until = iolab::trace::nowNs() + spin;
                while (current == seen && iolab::trace::nowNs() < until)
                    current = m_workSignal.load(std::memory_order_acquire);
            }
            if (current == seen) {
                m_workSignal.wait(seen, std::memory_order_acquire);
                current = m_workSignal.load(std::memory_order_acquire);
            }
        }
        m_running.store(true, std::memory_order_release);
        seen = current;
        m_consumedSignal.store(current, std::memory_order_release);
        if (m_terminating.load())
            break;
        closeGate();
        while (runEventSources() && !m_terminating.load()) {
        }
        openGate();
    }
    m_running.store(false);
}

bool IOWorkLoop::waitIdle(uint64_t timeoutNs)
{
    // Idle: the thread has consumed every signal and is not running sources.
    const auto deadline = timeoutNs == UINT64_MAX ? std::chrono::steady_clock::time_point::max()
                                                  : std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeoutNs);
    for (;;) {
        const uint32_t signal = m_workSignal.load(std::memory_order_acquire);
        if (m_consumedSignal.load(std::memory_order_acquire) == signal && !m_running.load(std::memory_order_acquire))
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
}
