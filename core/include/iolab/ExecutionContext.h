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
    uint64_t driverID = 0;                ///< registry ID of the driver whose code runs (0: unknown)
    uint64_t interruptRaisedNs = 0;       ///< in primary context: when the device raised it
    const char* driverName = nullptr;
};

/// The calling thread's context.
ExecutionContext& currentContext();
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
bool checkMayBlock(const char* call);
/// Violations reported since the process started.
uint64_t contextViolationCount();

} // namespace iolab
