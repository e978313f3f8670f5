// SPDX-License-Identifier: GPL-2.0-or-later
// IOCommandGate: runs actions on the caller's thread with the work loop's gate
// held, and lets them sleep in the gate (releasing it) until woken.
#pragma once

#include <IOKit/IOEventSource.h>

class IOCommandGate : public IOEventSource {
    OSDeclareDefaultStructors(IOCommandGate)

public:
    typedef IOReturn (*Action)(OSObject* owner, void* arg0, void* arg1, void* arg2, void* arg3);

    static IOCommandGate* commandGate(OSObject* owner, Action action = nullptr);
    virtual bool init(OSObject* owner, Action action = nullptr);

    /// The default action with these arguments.
    virtual IOReturn runCommand(void* arg0 = nullptr, void* arg1 = nullptr, void* arg2 = nullptr, void* arg3 = nullptr);
    /// Runs `action` with the gate held on this thread (re-entrant). While the
    /// gate is disabled, callers off the loop thread wait until it is enabled.
    /// kIOReturnNotReady when the gate is not on a work loop.
    virtual IOReturn runAction(Action action, void* arg0 = nullptr, void* arg1 = nullptr, void* arg2 = nullptr,
                               void* arg3 = nullptr);
    /// Like runAction but fails with kIOReturnCannotLock instead of waiting for the gate.
    virtual IOReturn attemptAction(Action action, void* arg0 = nullptr, void* arg1 = nullptr, void* arg2 = nullptr,
                                   void* arg3 = nullptr);
    virtual IOReturn attemptCommand(void* arg0 = nullptr, void* arg1 = nullptr, void* arg2 = nullptr,
                                    void* arg3 = nullptr);
    /// Only inside the gate (kIOReturnNotPermitted otherwise). THREAD_AWAKENED
    /// or THREAD_TIMED_OUT (deadline on the runtime clock).
    virtual IOReturn commandSleep(void* event, UInt32 interruptible = THREAD_ABORTSAFE);
    virtual IOReturn commandSleep(void* event, AbsoluteTime deadline, UInt32 interruptible);
    virtual void commandWakeup(void* event, bool oneThread = false);
    void enable() override;
    void disable() override;

protected:
    bool checkForWork() override;

private:
    /// Runs and traces `action`; the caller holds the gate.
    IOReturn runInGate(Action action, void* arg0, void* arg1, void* arg2, void* arg3);
};
