// SPDX-License-Identifier: GPL-2.0-or-later
// IOFilterInterruptEventSource: the filter runs in primary-interrupt context
// and decides. True: the provider's interrupt is masked, the action runs on
// the work loop and the line is unmasked when it returns, so the two never
// overlap. False: nothing happens (shared line, not this device's), unless the
// filter called signalInterrupt(), which schedules the action without masking.
#pragma once

#include <IOKit/IOInterruptEventSource.h>

class IOFilterInterruptEventSource : public IOInterruptEventSource {
    OSDeclareDefaultStructors(IOFilterInterruptEventSource)

public:
    typedef bool (*Filter)(OSObject* owner, IOFilterInterruptEventSource* sender);

    static IOFilterInterruptEventSource* filterInterruptEventSource(OSObject* owner, IOInterruptEventSource::Action action,
                                                                    Filter filter, IOService* provider, int intIndex = 0);
    virtual bool init(OSObject* owner, IOInterruptEventSource::Action action, Filter filter, IOService* provider,
                      int intIndex = 0);
    virtual void signalInterrupt();
    virtual Filter getFilterAction() const { return m_filter; }
    void normalInterruptOccurred(void* refCon, IOService* nub, int index) override;
    void disableInterruptOccurred(void* refCon, IOService* nub, int index) override;

private:
    using IOInterruptEventSource::init;
    Filter m_filter = nullptr;
};
