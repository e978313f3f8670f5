// SPDX-License-Identifier: GPL-2.0-or-later
#include <iolab/ExecutionContext.h>
#include <iolab/LogRing.h>
#include <iolab/Trace.h>

#include <atomic>
#include <string>

namespace iolab {

namespace detail {
thread_local ExecutionContext t_executionContext;
} // namespace detail

namespace {
std::atomic<uint64_t> s_violations{0};
} // namespace

PrimaryInterruptScope::PrimaryInterruptScope(uint64_t driverID, const char* driverName) : m_saved(detail::t_executionContext)
{
    ExecutionContext& context = detail::t_executionContext;
    context.primaryInterrupt = true;
    context.driverID = driverID;
    context.driverName = driverName;
}

PrimaryInterruptScope::~PrimaryInterruptScope()
{
    detail::t_executionContext = m_saved;
}

void detail::reportContextViolation(const char* call)
{
    const ExecutionContext& context = detail::t_executionContext;
    s_violations.fetch_add(1, std::memory_order_relaxed);
    // Reported straight into the ring: going through IOLog would report again.
    std::string line = std::string("context violation: ") + call + " called in primary-interrupt context";
    if (context.driverName)
        line += std::string(" by ") + context.driverName;
    LogRing::global().append(line, context.driverID);
    trace::recordText(trace::Kind::ContextViolation, context.driverID, call);
}

uint64_t contextViolationCount()
{
    return s_violations.load(std::memory_order_relaxed);
}

} // namespace iolab
