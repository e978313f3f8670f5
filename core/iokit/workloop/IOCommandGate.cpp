// SPDX-License-Identifier: GPL-2.0-or-later
// IOCommandGate: actions on the caller's thread, gate held.
// Re-entrancy: the gate is the work loop's recursive lock, so an action may
// call runAction on the same gate (or another source of the same loop).
#include <IOKit/IOCommandGate.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/ExecutionContext.h>
#include <iolab/Trace.h>

OSDefineMetaClassAndStructors(IOCommandGate, IOEventSource)

namespace {
// The default action lives in IOEventSource's generic slot. Going through
// void (*)() tells the compiler the type change is deliberate: the pointer is
// only ever called after being cast back to IOCommandGate::Action.
IOEventSource::Action toGeneric(IOCommandGate::Action action)
{
    return reinterpret_cast<IOEventSource::Action>(reinterpret_cast<void (*)()>(action));
}

IOCommandGate::Action fromGeneric(IOEventSource::Action action)
{
    return reinterpret_cast<IOCommandGate::Action>(reinterpret_cast<void (*)()>(action));
}
} // namespace

IOCommandGate* IOCommandGate::commandGate(OSObject* inOwner, Action inAction)
{
    auto* me = new IOCommandGate;
    if (!me->init(inOwner, inAction)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool IOCommandGate::init(OSObject* inOwner, Action inAction)
{
    return IOEventSource::init(inOwner, toGeneric(inAction));
}

bool IOCommandGate::checkForWork()
{
    return false; // a gate has no deferred work: its actions run on the callers' threads
}

void IOCommandGate::enable()
{
    IOEventSource::enable();
    if (workLoop) {
        closeGate();
        wakeupGate(&enabled, false); // callers waiting for a disabled gate
        openGate();
    }
}

void IOCommandGate::disable()
{
    IOEventSource::disable();
}

IOReturn IOCommandGate::runCommand(void* arg0, void* arg1, void* arg2, void* arg3)
{
    return runAction(fromGeneric(action), arg0, arg1, arg2, arg3);
}

IOReturn IOCommandGate::attemptCommand(void* arg0, void* arg1, void* arg2, void* arg3)
{
    return attemptAction(fromGeneric(action), arg0, arg1, arg2, arg3);
}

IOReturn IOCommandGate::runAction(Action inAction, void* arg0, void* arg1, void* arg2, void* arg3)
{
    if (!inAction)
        return kIOReturnBadArgument;
    IOWorkLoop* loop = workLoop;
    if (!loop)
        return kIOReturnNotReady;
    loop->closeGate();
    while (!enabled.load() && !loop->onThread())
        loop->sleepGate(&enabled, THREAD_ABORTSAFE);
    const IOReturn result = runInGate(inAction, arg0, arg1, arg2, arg3);
    loop->openGate();
    return result;
}

IOReturn IOCommandGate::runInGate(Action inAction, void* arg0, void* arg1, void* arg2, void* arg3)
{
    const uint32_t depth = iolab::currentContext().gateDepth;
    iolab::trace::record(iolab::trace::Kind::GateBegin, ownerID, depth);
    const IOReturn result = inAction(owner, arg0, arg1, arg2, arg3);
    iolab::trace::record(iolab::trace::Kind::GateEnd, ownerID, depth);
    return result;
}

IOReturn IOCommandGate::attemptAction(Action inAction, void* arg0, void* arg1, void* arg2, void* arg3)
{
    if (!inAction)
        return kIOReturnBadArgument;
    IOWorkLoop* loop = workLoop;
    if (!loop)
        return kIOReturnNotReady;
    if (!loop->tryCloseGate())
        return kIOReturnCannotLock;
    if (!enabled.load() && !loop->onThread()) {
        loop->openGate();
        return kIOReturnNotPermitted;
    }
    const IOReturn result = runInGate(inAction, arg0, arg1, arg2, arg3);
    loop->openGate();
    return result;
}

IOReturn IOCommandGate::commandSleep(void* event, UInt32 interruptible)
{
    return commandSleep(event, UINT64_MAX, interruptible);
}

IOReturn IOCommandGate::commandSleep(void* event, AbsoluteTime deadline, UInt32 interruptible)
{
    iolab::checkMayBlock("commandSleep");
    if (!workLoop || !workLoop->inGate())
        return kIOReturnNotPermitted;
    return workLoop->sleepGate(event, deadline, interruptible);
}

void IOCommandGate::commandWakeup(void* event, bool oneThread)
{
    if (workLoop)
        workLoop->wakeupGate(event, oneThread);
}
