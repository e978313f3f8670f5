// SPDX-License-Identifier: GPL-2.0-or-later
#include "TimerService.h"

#include <IOKit/IOTimerEventSource.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <pthread.h>
#include <vector>

OSDefineMetaClassAndStructors(IOTimerEventSource, IOEventSource)

namespace iolab {

TimerService::TimerService(RuntimeClock& clock) : m_clock(clock)
{
    if (clock.isVirtual())
        m_listener = clock.addAdvanceListener([this](uint64_t now) { expire(now); });
    m_thread = std::thread([this] { run(); });
}

TimerService::~TimerService()
{
    if (m_listener)
        m_clock.removeAdvanceListener(m_listener);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
    std::vector<IOTimerEventSource*> left;
    {
        std::lock_guard lock(m_mutex);
        for (auto& [deadline, entry] : m_queue)
            left.push_back(entry.timer);
        m_queue.clear();
    }
    for (IOTimerEventSource* timer : left)
        timer->release();
}

TimerService& TimerService::current()
{
    if (Runtime* runtime = Runtime::current())
        return runtime->timers();
    static TimerService* fallback = new TimerService(RuntimeClock::current());
    return *fallback;
}

void TimerService::arm(IOTimerEventSource* timer, uint64_t deadline, uint64_t generation)
{
    timer->retain();
    IOTimerEventSource* replaced = nullptr;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
            if (it->second.timer == timer) {
                replaced = timer;
                m_queue.erase(it);
                break;
            }
        }
        m_queue.emplace(deadline, Entry{timer, generation});
    }
    if (replaced)
        replaced->release();
    m_changed.notify_all();
    if (deadline <= m_clock.now())
        expire(m_clock.now());
}

void TimerService::cancel(IOTimerEventSource* timer)
{
    IOTimerEventSource* removed = nullptr;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
            if (it->second.timer == timer) {
                removed = timer;
                m_queue.erase(it);
                break;
            }
        }
    }
    if (removed)
        removed->release();
}

size_t TimerService::armedCount() const
{
    std::lock_guard lock(m_mutex);
    return m_queue.size();
}

void TimerService::expire(uint64_t now)
{
    // One expiry at a time, from taking the due entries to firing them: when
    // advance() returns, every timer it made due has fired, even if this
    // service's thread took them off the queue first.
    std::lock_guard expiring(m_expireMutex);
    std::vector<std::pair<uint64_t, Entry>> due;
    {
        std::lock_guard lock(m_mutex);
        while (!m_queue.empty() && m_queue.begin()->first <= now) {
            due.emplace_back(m_queue.begin()->first, m_queue.begin()->second);
            m_queue.erase(m_queue.begin());
        }
    }
    for (auto& [deadline, entry] : due) {
        entry.timer->fire(entry.generation, deadline, now);
        entry.timer->release();
    }
}

void TimerService::run()
{
    pthread_setname_np(pthread_self(), "iolab:timers");
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        const uint64_t earliest = m_queue.empty() ? UINT64_MAX : m_queue.begin()->first;
        const size_t size = m_queue.size();
        const uint64_t firstBefore = earliest;
        m_clock.waitUntil(lock, m_changed, earliest, [&] {
            return m_stopping || m_queue.size() != size ||
                   (!m_queue.empty() && m_queue.begin()->first != firstBefore);
        });
        if (m_stopping)
            break;
        lock.unlock();
        expire(m_clock.now());
        lock.lock();
    }
}

} // namespace iolab

// --- IOTimerEventSource ---------------------------------------------------------------------

IOTimerEventSource* IOTimerEventSource::timerEventSource(OSObject* inOwner, Action inAction)
{
    auto* me = new IOTimerEventSource;
    if (!me->init(inOwner, inAction)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool IOTimerEventSource::init(OSObject* inOwner, Action inAction)
{
    return IOEventSource::init(inOwner, reinterpret_cast<IOEventSource::Action>(inAction));
}

void IOTimerEventSource::free()
{
    cancelTimeout();
    IOEventSource::free();
}

IOReturn IOTimerEventSource::setTimeoutTicks(UInt32 ticks)
{
    return setTimeout(ticks, kTickScale);
}

IOReturn IOTimerEventSource::setTimeoutMS(UInt32 ms)
{
    return setTimeout(ms, kMillisecondScale);
}

IOReturn IOTimerEventSource::setTimeoutUS(UInt32 us)
{
    return setTimeout(us, kMicrosecondScale);
}

IOReturn IOTimerEventSource::setTimeout(UInt32 interval, UInt32 scaleFactor)
{
    return setTimeout(static_cast<AbsoluteTime>(interval) * scaleFactor);
}

IOReturn IOTimerEventSource::setTimeout(AbsoluteTime interval)
{
    return wakeAtTime(iolab::TimerService::current().clock().now() + interval);
}

IOReturn IOTimerEventSource::wakeAtTimeTicks(UInt32 ticks)
{
    return wakeAtTime(ticks, kTickScale);
}

IOReturn IOTimerEventSource::wakeAtTimeMS(UInt32 ms)
{
    return wakeAtTime(ms, kMillisecondScale);
}

IOReturn IOTimerEventSource::wakeAtTimeUS(UInt32 us)
{
    return wakeAtTime(us, kMicrosecondScale);
}

IOReturn IOTimerEventSource::wakeAtTime(UInt32 abstime, UInt32 scaleFactor)
{
    return wakeAtTime(static_cast<AbsoluteTime>(abstime) * scaleFactor);
}

IOReturn IOTimerEventSource::wakeAtTime(AbsoluteTime abstime)
{
    if (!action)
        return kIOReturnNoResources;
    const uint64_t generation = m_generation.fetch_add(1) + 1;
    m_deadline.store(abstime);
    iolab::TimerService::current().arm(this, abstime, generation);
    return kIOReturnSuccess;
}

void IOTimerEventSource::cancelTimeout()
{
    m_generation.fetch_add(1);
    m_deadline.store(0);
    iolab::TimerService::current().cancel(this);
    // A synchronisation point: an action already running finishes before we
    // return, and whatever it armed meanwhile (a periodic timer re-arming
    // itself) is cancelled too, so no action runs after this returns.
    if (IOWorkLoop* loop = workLoop; loop && !loop->inGate()) {
        loop->closeGate();
        m_generation.fetch_add(1);
        m_deadline.store(0);
        iolab::TimerService::current().cancel(this);
        loop->openGate();
    }
}

void IOTimerEventSource::enable()
{
    IOEventSource::enable();
}

void IOTimerEventSource::disable()
{
    // As on I/O Kit, disabling cancels the pending timeout: a deadline that
    // passes while disabled is not delivered later by enable().
    cancelTimeout();
    IOEventSource::disable();
}

void IOTimerEventSource::fire(uint64_t generation, uint64_t deadlineNs, uint64_t now)
{
    if (m_generation.load() != generation)
        return; // cancelled or re-armed meanwhile
    m_firedGeneration.store(generation);
    m_fired.store(true);
    iolab::trace::record(iolab::trace::Kind::TimerFired, ownerID, deadlineNs, now - deadlineNs);
    signalWorkAvailable();
}

bool IOTimerEventSource::checkForWork()
{
    if (!m_fired.exchange(false))
        return false;
    if (m_firedGeneration.load() != m_generation.load() || !isEnabled())
        return false; // cancelled or re-armed since it fired
    m_deadline.store(0);
    iolab::trace::record(iolab::trace::Kind::WorkLoopBegin, ownerID, 1);
    reinterpret_cast<Action>(action)(owner, this);
    iolab::trace::record(iolab::trace::Kind::WorkLoopEnd, ownerID, 1);
    return false;
}
