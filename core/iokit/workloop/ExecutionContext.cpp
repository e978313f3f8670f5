// SPDX-License-Identifier: GPL-2.0-or-later
#include <iolab/ExecutionContext.h>
#include <iolab/LogRing.h>
#include <iolab/Trace.h>

#include <atomic>
#include <string>

namespace iolab {

namespace {
thread_local ExecutionContext t_context;
std::atomic<uint64_t> s_violations{0};
} // namespace

ExecutionContext& currentContext()
{
    return t_context;
}

PrimaryInterruptScope::PrimaryInterruptScope(uint64_t driverID, const char* driverName) : m_saved(t_context)
{
    t_context.primaryInterrupt = true;
    t_context.driverID = driverID;
    t_context.driverName = driverName;
}

PrimaryInterruptScope::~PrimaryInterruptScope()
{
    t_context = m_saved;
}

bool checkMayBlock(const char* call)
{
    const ExecutionContext& context = t_context;
    if (!context.primaryInterrupt)
        return false;
    s_violations.fetch_add(1, std::memory_order_relaxed);
    // Reported straight into the ring: going through IOLog would report again.
    std::string line = std::string("context violation: ") + call + " called in primary-interrupt context";
    if (context.driverName)
        line += std::string(" by ") + context.driverName;
    LogRing::global().append(line, context.driverID);
    trace::recordText(trace::Kind::ContextViolation, context.driverID, call);
    return true;
}

uint64_t contextViolationCount()
{
    return s_violations.load(std::memory_order_relaxed);
}

} // namespace iolab
