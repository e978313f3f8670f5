// SPDX-License-Identifier: GPL-2.0-or-later
// IOWorkLoop: one thread that runs its event sources' actions serially, and a
// gate (a recursive lock) that every action and runAction caller holds.
// The thread is named "IOWorkLoop:<owner>" so top -H and gdb show whose it is.
#pragma once

#include <IOKit/IOEventSource.h>
#include <IOKit/IOLocks.h>

#include <atomic>
#include <string>
#include <thread>

class IOCommandGate;

class IOWorkLoop : public OSObject {
    OSDeclareDefaultStructors(IOWorkLoop)
    friend class IOEventSource;

public:
    typedef IOReturn (*Action)(OSObject* target, void* arg0, void* arg1, void* arg2, void* arg3);

    /// A new work loop with its thread started (retained for the caller).
    static IOWorkLoop* workLoop();
    static IOWorkLoop* workLoopWithOptions(IOOptionBits options);
    bool init() override;
    void free() override;

    /// Adds a source (retained) to the loop; it stays disabled until enable().
    virtual IOReturn addEventSource(IOEventSource* newEvent);
    virtual IOReturn removeEventSource(IOEventSource* toRemove);
    virtual void enableAllEventSources() const;
    virtual void disableAllEventSources() const;
    virtual void enableAllInterrupts() const;
    virtual void disableAllInterrupts() const;

    /// True on the loop's own thread.
    virtual bool onThread() const;
    /// True if the calling thread holds the gate.
    virtual bool inGate() const;
    virtual void closeGate();
    virtual void openGate();
    virtual bool tryCloseGate();
    /// Releases the gate (all levels) while asleep; THREAD_AWAKENED or THREAD_TIMED_OUT.
    virtual int sleepGate(void* event, UInt32 interuptibleType);
    virtual int sleepGate(void* event, AbsoluteTime deadline, UInt32 interuptibleType);
    virtual void wakeupGate(void* event, bool oneThread);
    /// Runs `action` on the calling thread with the gate held (re-entrant).
    virtual IOReturn runAction(Action action, OSObject* target, void* arg0 = nullptr, void* arg1 = nullptr,
                               void* arg2 = nullptr, void* arg3 = nullptr);

    // --- IOLab additions ----------------------------------------------------------
    /// Names the thread "IOWorkLoop:<name>" (the owner's class or name).
    void setName(const char* name);
    const std::string& name() const { return m_name; }
    /// Spins up to `nanoseconds` for new work before the thread sleeps (0: off, the default).
    void setAdaptiveSpin(uint64_t nanoseconds) { m_spinNs.store(nanoseconds); }
    /// Waits until the loop has nothing pending and is not running an action.
    /// False on timeout (real time).
    bool waitIdle(uint64_t timeoutNs = UINT64_MAX);
    /// The registry ID of the service the loop works for (tags its trace events).
    void setOwnerID(uint64_t registryID) { m_ownerID = registryID; }
    unsigned eventSourceCount() const;

protected:
    /// Runs every enabled source until none has work. Loop thread, gate held.
    virtual bool runEventSources();
    void signalWorkAvailable();

private:
    void threadMain();
    IORecursiveLock* m_gate = nullptr;
    IOEventSource* m_eventChain = nullptr; // retained members, guarded by the gate
    std::thread m_thread;
    std::atomic<uint32_t> m_workSignal{0};
    std::atomic<uint32_t> m_consumedSignal{0};
    std::atomic<bool> m_terminating{false};
    std::atomic<bool> m_running{false};
    std::atomic<uint64_t> m_spinNs{0};
    std::string m_name = "IOWorkLoop";
    uint64_t m_ownerID = 0;
};
