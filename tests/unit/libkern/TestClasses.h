// SPDX-License-Identifier: GPL-2.0-or-later
// Test-only libkern classes shared by the libkern unit tests. They are real
// OSObject subclasses declared with the SDK macros, so the macros themselves
// are exercised, and they count their free() calls.
#pragma once

#include <libkern/c++/OSObject.h>

#include <atomic>

/// A concrete OSObject subclass whose free() calls are counted.
class LibkernTestObject : public OSObject {
    OSDeclareDefaultStructors(LibkernTestObject)

public:
    /// free() calls on any LibkernTestObject (or subclass) since program start.
    static std::atomic<int> s_freeCalls;
    /// init() calls since program start.
    static std::atomic<int> s_initCalls;

    /// new + init; NULL if init fails.
    static LibkernTestObject* create();

    bool init() override;
    /// Lets OSMakeShared exercise a failing init.
    virtual bool init(bool succeed);
    void free() override;
};

/// A subclass, for casts and superclass chains.
class LibkernTestSubObject : public LibkernTestObject {
    OSDeclareDefaultStructors(LibkernTestSubObject)

public:
    static LibkernTestSubObject* create();
};

/// An abstract class: its metaclass cannot allocate instances.
class LibkernTestAbstract : public OSObject {
    OSDeclareAbstractStructors(LibkernTestAbstract)

public:
    virtual int pureHook() const = 0;
};
