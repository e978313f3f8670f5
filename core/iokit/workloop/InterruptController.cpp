// SPDX-License-Identifier: GPL-2.0-or-later
#include <IOKit/IOService.h>
#include <iolab/ExecutionContext.h>
#include <iolab/InterruptController.h>
#include <iolab/Trace.h>

#include <algorithm>
#include <chrono>
#include <pthread.h>

namespace iolab {

InterruptController::InterruptController(std::string name) : m_name(std::move(name))
{
    m_thread = std::thread([this] { run(); });
}

InterruptController::~InterruptController()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_signal.fetch_add(1);
    m_signal.notify_one();
    m_thread.join();
}

unsigned InterruptController::addLine(Trigger trigger, bool shareable)
{
    std::lock_guard lock(m_mutex);
    m_lines.push_back({trigger, shareable, false, {}});
    return static_cast<unsigned>(m_lines.size() - 1);
}

unsigned InterruptController::lineCount() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<unsigned>(m_lines.size());
}

InterruptController::Trigger InterruptController::trigger(unsigned line) const
{
    std::lock_guard lock(m_mutex);
    return line < m_lines.size() ? m_lines[line].trigger : Trigger::Edge;
}

void InterruptController::queueLocked(unsigned line, uint64_t raisedNs, int onlyHandler, bool dispatchHere)
{
    // Requires m_mutex.
    Line& target = m_lines[line];
    if (target.handlers.empty()) {
        ++m_statistics.unclaimed;
        return;
    }
    bool queued = false;
    for (Handler& handler : target.handlers) {
        if (onlyHandler && handler.id != onlyHandler)
            continue;
        if (!handler.enabled) {
            if (target.trigger == Trigger::Edge)
                handler.pending = true;
            ++m_statistics.latched;
            continue;
        }
        m_queue.push_back({line, handler.id, raisedNs});
        queued = true;
    }
    if (queued && !dispatchHere) {
        m_signal.fetch_add(1, std::memory_order_release);
        m_signal.notify_one();
    }
}

void InterruptController::assertLine(unsigned line)
{
    const uint64_t now = trace::nowNs();
    trace::record(trace::Kind::InterruptRaised, 0, line);
    std::unique_lock lock(m_mutex);
    if (line >= m_lines.size())
        return;
    ++m_statistics.raised;
    Line& target = m_lines[line];
    if (target.trigger == Trigger::Level) {
        if (target.asserted)
            return; // still asserted: already delivered
        target.asserted = true;
    }
    // Taken on the raising thread, as a CPU takes an interrupt, unless that
    // thread cannot be interrupted now (it runs a handler already, masked
    // interrupts or holds a spin lock a filter may want): then the primary
    // thread takes it. Either way handlers never overlap.
    const ExecutionContext& context = currentContext();
    const bool inlineAllowed = m_inlineDispatch && !m_dispatching && !context.primaryInterrupt &&
                               !context.interruptsMasked && !context.simpleLocksHeld;
    queueLocked(line, now, 0, inlineAllowed);
    if (inlineAllowed && !m_queue.empty())
        dispatchQueued(lock);
}

void InterruptController::deassertLine(unsigned line)
{
    std::lock_guard lock(m_mutex);
    if (line < m_lines.size() && m_lines[line].trigger == Trigger::Level)
        m_lines[line].asserted = false;
}

bool InterruptController::isAsserted(unsigned line) const
{
    std::lock_guard lock(m_mutex);
    return line < m_lines.size() && m_lines[line].asserted;
}

int InterruptController::attach(unsigned line, IOInterruptAction handler, OSObject* target, void* refCon,
                                IOService* nub, int source)
{
    std::lock_guard lock(m_mutex);
    if (line >= m_lines.size() || !handler)
        return -1;
    Line& entry = m_lines[line];
    if (!entry.shareable && !entry.handlers.empty())
        return -1;
    const int id = m_nextHandlerID++;
    entry.handlers.push_back({id, handler, target, refCon, nub, source});
    return id;
}

void InterruptController::detach(unsigned line, int handlerID)
{
    std::unique_lock lock(m_mutex);
    if (line >= m_lines.size())
        return;
    std::erase_if(m_lines[line].handlers, [&](const Handler& handler) { return handler.id == handlerID; });
    std::erase_if(m_queue, [&](const Delivery& delivery) { return delivery.handlerID == handlerID; });
    // A handler being called right now finishes before detach returns
    // (unless a handler detaches itself on the primary thread).
    if (!m_dispatching || m_dispatchingThread != std::this_thread::get_id())
        m_idle.wait(lock, [&] { return !m_dispatching; });
}

void InterruptController::setEnabled(unsigned line, int handlerID, bool enabled)
{
    std::lock_guard lock(m_mutex);
    if (line >= m_lines.size())
        return;
    Line& entry = m_lines[line];
    for (Handler& handler : entry.handlers) {
        if (handler.id != handlerID)
            continue;
        const bool wasEnabled = handler.enabled;
        handler.enabled = enabled;
        if (!enabled || wasEnabled)
            return;
        // Delivered now what arrived while it was disabled.
        const bool deliver = entry.trigger == Trigger::Edge ? handler.pending : entry.asserted;
        handler.pending = false;
        if (deliver)
            queueLocked(line, trace::nowNs(), handlerID, false);
        return;
    }
}

bool InterruptController::isEnabled(unsigned line, int handlerID) const
{
    std::lock_guard lock(m_mutex);
    if (line >= m_lines.size())
        return false;
    for (const Handler& handler : m_lines[line].handlers) {
        if (handler.id == handlerID)
            return handler.enabled;
    }
    return false;
}

bool InterruptController::waitIdle(uint64_t timeoutNs)
{
    std::unique_lock lock(m_mutex);
    auto idle = [&] { return m_queue.empty() && !m_dispatching; };
    if (timeoutNs == UINT64_MAX) {
        m_idle.wait(lock, idle);
        return true;
    }
    return m_idle.wait_for(lock, std::chrono::nanoseconds(timeoutNs), idle);
}

InterruptController::Statistics InterruptController::statistics() const
{
    std::lock_guard lock(m_mutex);
    return m_statistics;
}

void InterruptController::dispatchQueued(std::unique_lock<std::mutex>& lock)
{
    // Requires m_mutex (held by `lock`); handlers run with it released.
    // One dispatcher at a time: while another thread runs a handler (a raise
    // taken inline), that thread drains the queue when the handler returns;
    // dispatching here as well would run two handlers at once, e.g. a filter
    // that has not masked its line yet and a second call of the same filter.
    if (m_dispatching && m_dispatchingThread != std::this_thread::get_id())
        return;
    while (!m_queue.empty()) {
        const Delivery delivery = m_queue.front();
        m_queue.pop_front();
        Handler* handler = nullptr;
        for (Handler& candidate : m_lines[delivery.line].handlers) {
            if (candidate.id == delivery.handlerID)
                handler = &candidate;
        }
        if (!handler)
            continue;
        if (!handler->enabled) {
            if (m_lines[delivery.line].trigger == Trigger::Edge)
                handler->pending = true;
            ++m_statistics.latched;
            continue;
        }
        const Handler call = *handler;
        ++m_statistics.delivered;
        m_dispatching = true;
        m_dispatchingThread = std::this_thread::get_id();
        lock.unlock();
        {
            const uint64_t nubID = call.nub ? call.nub->getRegistryEntryID() : 0;
            PrimaryInterruptScope scope(nubID, call.nub ? call.nub->getName() : m_name.c_str());
            currentContext().interruptRaisedNs = delivery.raisedNs;
            call.action(call.target, call.refCon, call.nub, call.source);
        }
        lock.lock();
        m_dispatching = false;
        m_idle.notify_all();
    }
}

void InterruptController::run()
{
    const std::string threadName = ("iolab:irq:" + m_name).substr(0, 15);
    pthread_setname_np(pthread_self(), threadName.c_str());
    uint32_t seen = 0;
    for (;;) {
        // Sleep until a delivery is queued (optionally spinning first).
        uint32_t current = m_signal.load(std::memory_order_acquire);
        if (current == seen) {
            const uint64_t spin = m_spinNs.load(std::memory_order_relaxed);
            const uint64_t until = spin ? trace::nowNs() + spin : 0;
            while (spin && current == seen && trace::nowNs() < until)
                current = m_signal.load(std::memory_order_acquire);
            if (current == seen) {
                m_signal.wait(seen, std::memory_order_acquire);
                current = m_signal.load(std::memory_order_acquire);
            }
        }
        seen = current;
        std::unique_lock lock(m_mutex);
        dispatchQueued(lock);
        m_idle.notify_all();
        if (m_stopping)
            return;
    }
}

} // namespace iolab
