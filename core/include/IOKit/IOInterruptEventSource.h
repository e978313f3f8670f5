// SPDX-License-Identifier: GPL-2.0-or-later
// IOInterruptEventSource: an interrupt of the provider delivered to an action on
// the work loop. The primary handler (primary-interrupt context) masks a level
// line and counts; the action gets the number of interrupts since it last ran,
// and the line is unmasked when it returns.
#pragma once

#include <IOKit/IOEventSource.h>
#include <IOKit/IOInterrupts.h>

#include <atomic>

class IOService;

class IOInterruptEventSource : public IOEventSource {
    OSDeclareDefaultStructors(IOInterruptEventSource)

public:
    typedef void (*Action)(OSObject* owner, IOInterruptEventSource* sender, int count);

    static IOInterruptEventSource* interruptEventSource(OSObject* owner, Action action, IOService* provider = nullptr,
                                                        int intIndex = 0);
    virtual bool init(OSObject* owner, Action action, IOService* provider = nullptr, int intIndex = 0);
    void free() override;

    void enable() override;
    void disable() override;
    virtual IOService* getProvider() const { return m_provider; }
    virtual int getIntIndex() const { return m_intIndex; }
    virtual bool getAutoDisable() const { return m_autoDisable; }
    /// The primary handler: counts the interrupt and wakes the loop.
    virtual void interruptOccurred(void* refCon, IOService* nub, int index);
    virtual void normalInterruptOccurred(void* refCon, IOService* nub, int index);
    virtual void disableInterruptOccurred(void* refCon, IOService* nub, int index);

protected:
    bool checkForWork() override;
    /// Counts one interrupt (masking the line first when `mask`) and wakes the loop.
    void noteInterrupt(bool mask);

    IOService* m_provider = nullptr; // retained
    int m_intIndex = 0;
    bool m_autoDisable = false;
    std::atomic<bool> m_masked{false};
    std::atomic<uint32_t> m_producerCount{0};
    uint32_t m_consumerCount = 0; // loop thread only
    std::atomic<uint64_t> m_raisedAtNs{0};
};
