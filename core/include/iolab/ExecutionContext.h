// SPDX-License-Identifier: GPL-2.0-or-later
// What the current thread is doing, as I/O Kit's rules care: running a filter
// in primary-interrupt context, running a work loop, holding a gate. Calls that
// may block (IOLog, IOMalloc, IOLockLock, commandSleep…) check it and report a
// violation (logged and traced, naming the driver) instead of silently working.
#pragma once

#include <cstdint>

class IOWorkLoop;

namespace iolab {

struct ExecutionContext {
    bool primaryInterrupt = false;
    const IOWorkLoop* workLoop = nullptr; ///< the loop whose thread this is
    uint32_t gateDepth = 0;               ///< gates held by this thread
    uint32_t interruptsMasked = 0;        ///< IOSimpleLockLockDisableInterrupt depth
    uint32_t simpleLocksHeld = 0;         ///< IOSimpleLocks held by this thread
    uint64_t driverID = 0;                ///< registry ID of the driver whose code runs (0: unknown)
    uint64_t interruptRaisedNs = 0;       ///< in primary context: when the device raised it
    const char* driverName = nullptr;
};

namespace detail {
extern thread_local ExecutionContext t_executionContext;
void reportContextViolation(const char* call);
} // namespace detail

/// The calling thread's context.
inline ExecutionContext& currentContext()
{
    return detail::t_executionContext;
}
inline bool inPrimaryInterrupt()
{
    return currentContext().primaryInterrupt;
}

/// Marks the thread as running a primary-interrupt handler for `driverID` while in scope.
class PrimaryInterruptScope {
public:
    PrimaryInterruptScope(uint64_t driverID, const char* driverName);
    ~PrimaryInterruptScope();

private:
    ExecutionContext m_saved;
};

/// Reports that `call` was made where it is not allowed (see above). Returns
/// true if a violation was reported (the caller still performs the call).
inline bool checkMayBlock(const char* call)
{
    if (__builtin_expect(!currentContext().primaryInterrupt, 1))
        return false;
    detail::reportContextViolation(call);
    return true;
}
/// Violations reported since the process started.
uint64_t contextViolationCount();

} // namespace iolab
