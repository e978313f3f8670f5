// SPDX-License-Identifier: GPL-2.0-or-later
// IOService: a registry entry that takes part in matching and the driver
// lifecycle (init → attach → probe → start … stop → detach → free), with busy
// state, termination in phases, open/close arbitration, messages and
// notifications.
//
// Threads: registerService() queues the service for the runtime's matching
// thread (iolab:matching), which probes and starts drivers; terminate() marks
// services inactive on the caller's thread and runs the later phases on the
// termination thread (iolab:termination). Each service's state, busy count and
// open clients are guarded by its m_serviceLock; no driver method is called
// with that lock or the registry lock held.
#pragma once

#include <IOKit/IOInterrupts.h>
#include <IOKit/IOMessage.h>
#include <IOKit/IORegistryEntry.h>

#include <atomic>
#include <cstdint>
#include <vector>

class IOService;
class IOWorkLoop;
namespace iolab {
struct InterruptSource;
void setInterruptSources(IOService* nub, std::vector<InterruptSource> sources);
} // namespace iolab
class IONotifier;

enum {
    kIOServiceInactiveState = 0x00000001,
    kIOServiceRegisteredState = 0x00000002,
    kIOServiceMatchedState = 0x00000004,
    kIOServiceFirstPublishState = 0x00000008,
    kIOServiceFirstMatchState = 0x00000010,
};

enum {
    // registerService and terminate options
    kIOServiceExclusive = 0x00000001,
    kIOServiceRequired = 0x00000001,
    kIOServiceSynchronous = 0x00000002,
    kIOServiceTerminate = 0x00000004,
    kIOServiceAsynchronous = 0x00000008,
    kIOServiceRecursing = 0x00100000,
};

enum {
    // open options
    kIOServiceSeize = 0x00000001,
    kIOServiceFamilyOpenOptions = 0xffff0000,
};

typedef bool (*IOServiceMatchingNotificationHandler)(void* target, void* refCon, IOService* newService,
                                                     IONotifier* notifier);
typedef bool (*IOServiceNotificationHandler)(void* target, void* refCon, IOService* newService);
typedef IOReturn (*IOServiceInterestHandler)(void* target, void* refCon, UInt32 messageType, IOService* provider,
                                             void* messageArgument, vm_size_t argSize);

/// A registered notification; remove() ends it (and releases it).
class IONotifier : public OSObject {
    OSDeclareAbstractStructors(IONotifier)

public:
    /// Stops the notification for good and drops the reference the caller got.
    virtual void remove() = 0;
    /// Suspends delivery; returns whether it was enabled.
    virtual bool disable() = 0;
    virtual void enable(bool was) = 0;
};

class IOService : public IORegistryEntry {
    OSDeclareDefaultStructors(IOService)

public:
    // --- lifecycle (drivers override these) ---------------------------------------
    bool init(OSDictionary* dictionary = nullptr) override;
    void free() override;
    /// Active matching: inspect the provider; return this (or another service) to
    /// stay a candidate, possibly changing *score, or NULL to decline.
    virtual IOService* probe(IOService* provider, SInt32* score);
    /// Only the winner of its match category is started. False hands the
    /// provider to the next candidate; stop() is then never called.
    virtual bool start(IOService* provider);
    /// Called on unload or device removal only, after the service was started.
    virtual void stop(IOService* provider);
    virtual bool attach(IOService* provider);
    virtual void detach(IOService* provider);

    // --- registration, matching and busy state ----------------------------------
    /// Publishes the service and starts matching it against the catalogue on the
    /// matching thread (or on the caller's with kIOServiceSynchronous).
    virtual void registerService(IOOptionBits options = 0);
    /// The family's check of keys it owns; *score may be raised. Default: true.
    virtual bool matchPropertyTable(OSDictionary* table, SInt32* score);
    virtual bool matchPropertyTable(OSDictionary* table);
    /// True if `key` is absent from `matching` or equals this service's property.
    virtual bool compareProperty(OSDictionary* matching, const char* key);
    virtual bool compareProperty(OSDictionary* matching, const OSString* key);
    virtual bool compareProperties(OSDictionary* matching, OSCollection* keys);
    virtual IOService* matchLocation(IOService* client);
    virtual void adjustBusy(SInt32 delta);
    virtual UInt32 getBusyState();
    /// Waits until this service and everything below it is quiet.
    /// kIOReturnSuccess, or kIOReturnTimeout after `timeout` nanoseconds.
    virtual IOReturn waitQuiet(uint64_t timeout = UINT64_MAX);
    IOOptionBits getState() const { return m_state.load(std::memory_order_acquire); }
    bool isInactive() const { return getState() & kIOServiceInactiveState; }
    /// Milliseconds this service has spent busy (what ioreg prints after "busy N").
    uint64_t getAccumulatedBusyTime() const;

    // --- termination ---------------------------------------------------------
    /// Marks this service and every client that has no other active provider
    /// inactive, tells interested parties, then (on the termination thread, or
    /// now with kIOServiceSynchronous) calls willTerminate top-down,
    /// didTerminate bottom-up, stop and detach. False if already terminating.
    virtual bool terminate(IOOptionBits options = 0);
    virtual bool terminateClient(IOService* client, IOOptionBits options);
    virtual bool requestTerminate(IOService* provider, IOOptionBits options);
    virtual bool willTerminate(IOService* provider, IOOptionBits options);
    virtual bool didTerminate(IOService* provider, IOOptionBits options, bool* defer);
    virtual bool finalize(IOOptionBits options);

    // --- providers and clients --------------------------------------------------
    virtual IOService* getProvider() const;
    virtual OSIterator* getProviderIterator() const;
    virtual OSIterator* getOpenProviderIterator() const;
    virtual IOService* getClient() const;
    virtual OSIterator* getClientIterator() const;
    virtual OSIterator* getOpenClientIterator() const;
    /// The work loop this service's work runs on: the provider's, unless a
    /// driver overrides this to return its own.
    virtual IOWorkLoop* getWorkLoop() const;

    // --- open/close arbitration -----------------------------------------------------
    virtual bool open(IOService* forClient, IOOptionBits options = 0, void* arg = nullptr);
    virtual void close(IOService* forClient, IOOptionBits options = 0);
    virtual bool isOpen(const IOService* forClient = nullptr) const;
    /// Default: one client at a time.
    virtual bool handleOpen(IOService* forClient, IOOptionBits options, void* arg);
    virtual void handleClose(IOService* forClient, IOOptionBits options);
    virtual bool handleIsOpen(const IOService* forClient) const;

    // --- interrupts (sources are the nub's, see iolab::setInterruptSources) ----------------
    /// Registers a primary-interrupt handler for source `source`, disabled.
    /// kIOReturnNoInterrupt for a source the nub does not have; kIOReturnNoResources
    /// if the source is taken and not shareable.
    virtual IOReturn registerInterrupt(int source, OSObject* target, IOInterruptAction handler, void* refCon = nullptr);
    virtual IOReturn unregisterInterrupt(int source);
    /// kIOInterruptTypeLevel, kIOInterruptTypeEdge or kIOInterruptTypePCIMessaged;
    /// kIOReturnNoInterrupt past the last source.
    virtual IOReturn getInterruptType(int source, int* interruptType);
    virtual IOReturn enableInterrupt(int source);
    virtual IOReturn disableInterrupt(int source);
    virtual IOReturn causeInterrupt(int source);

    // --- messages and interest -------------------------------------------------------------
    virtual IOReturn message(UInt32 type, IOService* provider, void* argument = nullptr);
    virtual IOReturn messageClient(UInt32 messageType, OSObject* client, void* messageArgument = nullptr,
                                   vm_size_t argSize = 0);
    /// Sends to every client and to every general-interest notifier.
    virtual IOReturn messageClients(UInt32 type, void* argument = nullptr, vm_size_t argSize = 0);
    /// Interest in this service's messages: kIOGeneralInterest or kIOBusyInterest.
    /// The notifier is returned retained; remove() it to stop.
    virtual IONotifier* registerInterest(const OSSymbol* typeOfInterest, IOServiceInterestHandler handler,
                                         void* target, void* ref = nullptr);

    // --- matching notifications and lookups (static) ---------------------------------------
    /// kIOPublishNotification, kIOFirstPublishNotification, kIOMatchedNotification,
    /// kIOFirstMatchNotification or kIOTerminatedNotification for services
    /// matching `matching` (retained by the notifier). Services that already
    /// qualify are delivered before this returns (not for terminated).
    static IONotifier* addMatchingNotification(const OSSymbol* type, OSDictionary* matching,
                                               IOServiceMatchingNotificationHandler handler, void* target,
                                               void* ref = nullptr, SInt32 priority = 0);
    /// The registered, active services matching `matching` now (a snapshot).
    static OSIterator* getMatchingServices(OSDictionary* matching);
    static IOService* copyMatchingService(OSDictionary* matching);
    static IOService* waitForMatchingService(OSDictionary* matching, uint64_t timeout = UINT64_MAX);
    static OSDictionary* serviceMatching(const char* className, OSDictionary* table = nullptr);
    static OSDictionary* serviceMatching(const OSString* className, OSDictionary* table = nullptr);
    static OSDictionary* nameMatching(const char* name, OSDictionary* table = nullptr);
    static OSDictionary* nameMatching(const OSString* name, OSDictionary* table = nullptr);
    static OSDictionary* resourceMatching(const char* name, OSDictionary* table = nullptr);
    static OSDictionary* propertyMatching(const OSSymbol* key, const OSObject* value, OSDictionary* table = nullptr);
    static OSDictionary* registryEntryIDMatching(uint64_t entryID, OSDictionary* table = nullptr);
    /// The full match of this service against a matching dictionary: the
    /// generic keys, then the family's matchPropertyTable. With `changesOK`, a
    /// score the family changed is stored in `matching` as its IOProbeScore.
    bool passiveMatch(OSDictionary* matching, bool changesOK = false);

    // --- resources ------------------------------------------------------------------
    static IOService* getResourceService();
    static IOService* getServiceRoot();
    /// Sets `key` on IOResources (value defaults to IOResources itself's class
    /// name) and matches drivers waiting for it.
    static void publishResource(const char* key, OSObject* value = nullptr);
    static void publishResource(const OSSymbol* key, OSObject* value = nullptr);

protected:
    void setStateBits(IOOptionBits set, IOOptionBits clear);

private:
    friend struct IOServiceInternals;
    /// The generic matching keys (IOProviderClass, IONameMatch, IOPropertyMatch…).
    bool matchGenericKeys(OSDictionary* matching);
    mutable std::mutex m_serviceLock;
    std::atomic<IOOptionBits> m_state{0};
    std::atomic<SInt32> m_busy{0};
    uint64_t m_busySince = 0;   // runtime clock when busy last went 0 → 1; under m_serviceLock
    uint64_t m_busyTotalNs = 0; // under m_serviceLock
    std::vector<IOService*> m_openClients; // not retained (clients are attached); under m_serviceLock
    std::vector<IONotifier*> m_interest;   // retained; under m_serviceLock
    std::vector<IOService*> m_deferredStops; // clients whose stop waits for close(); under m_serviceLock
    bool m_started = false;
    struct InterruptTable;
    InterruptTable* m_interrupts = nullptr; // under m_serviceLock; owned
    friend void iolab::setInterruptSources(IOService*, std::vector<iolab::InterruptSource>);
};
