// SPDX-License-Identifier: GPL-2.0-or-later
// IOEventSource: work that a work loop runs serially on its thread with the gate
// held. Timers and command gates start enabled; interrupt sources start
// disabled until enable(). checkForWork() is called by the loop and returns
// true when the source has more work right away.
#pragma once

#include <IOKit/IOLib.h>
#include <libkern/c++/OSObject.h>

class IOWorkLoop;

class IOEventSource : public OSObject {
    OSDeclareAbstractStructors(IOEventSource)
    friend class IOWorkLoop;

public:
    typedef void (*Action)(OSObject* owner, ...);

    virtual void setAction(Action action);
    virtual Action getAction() const;
    /// Lets the source deliver work (sources start disabled).
    virtual void enable();
    virtual void disable();
    virtual bool isEnabled() const;
    virtual IOWorkLoop* getWorkLoop() const;
    virtual bool onThread() const;
    OSObject* getOwner() const { return owner; }

protected:
    virtual bool init(OSObject* owner, IOEventSource::Action action = nullptr);
    using OSObject::init;
    /// Runs pending work on the loop thread, gate held. True if more is pending.
    virtual bool checkForWork() = 0;
    virtual void setWorkLoop(IOWorkLoop* workLoop);
    virtual void setNext(IOEventSource* next);
    virtual IOEventSource* getNext() const;
    /// Wakes the work loop to call checkForWork.
    void signalWorkAvailable();
    void openGate();
    void closeGate();
    bool tryCloseGate();
    int sleepGate(void* event, UInt32 type);
    int sleepGate(void* event, AbsoluteTime deadline, UInt32 type);
    void wakeupGate(void* event, bool oneThread);
    void free() override;

    IOEventSource* eventChainNext = nullptr;
    OSObject* owner = nullptr;
    Action action = nullptr;
    std::atomic<bool> enabled{true}; // interrupt sources start disabled
    IOWorkLoop* workLoop = nullptr;  // not retained: the loop holds its sources
    uint64_t ownerID = 0;            // registry ID of the owner, for the trace
};
