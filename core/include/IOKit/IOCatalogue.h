// SPDX-License-Identifier: GPL-2.0-or-later
// IOCatalogue: the personalities (matching dictionaries) of every loaded driver,
// indexed by IOProviderClass. Adding or removing personalities re-runs matching
// on the services they concern.
#pragma once

#include <IOKit/IOService.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

class IOCatalogue : public OSObject {
    OSDeclareDefaultStructors(IOCatalogue)

public:
    bool init() override;
    void free() override;

    /// Adds personalities (an array of dictionaries). A personality without
    /// IOClass or IOProviderClass is skipped with a log line naming it. With
    /// `doNubMatching`, registered services that could match are matched again.
    virtual bool addDrivers(OSArray* personalities, bool doNubMatching = true);
    /// Removes every personality matching `matching` (all its keys equal) and
    /// terminates the driver instances made from them.
    virtual bool removeDrivers(OSDictionary* matching, bool doNubMatching = true);
    /// Personalities whose IOProviderClass is the service's class or one of its
    /// superclasses, highest IOProbeScore first (retained for the caller).
    virtual OSOrderedSet* findDrivers(IOService* service, SInt32* generationCount = nullptr) const;
    /// Personalities that contain every key/value of `matching`.
    virtual OSOrderedSet* findDrivers(OSDictionary* matching, SInt32* generationCount = nullptr) const;
    virtual SInt32 getGenerationCount() const;
    /// Matches again every registered service that `matching` describes.
    virtual bool startMatching(OSDictionary* matching);
    /// A copy of every personality, in the order they were added.
    OSArray* copyPersonalities() const;
    unsigned personalityCount() const;

private:
    mutable std::mutex m_lock;
    std::map<std::string, std::vector<OSDictionary*>> m_byProviderClass; // retained
    std::vector<OSDictionary*> m_all;                                      // retained
    SInt32 m_generation = 1;
};

/// The catalogue of the booted runtime (NULL when none is booted).
extern IOCatalogue* gIOCatalogue;
