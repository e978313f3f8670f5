// SPDX-License-Identifier: GPL-2.0-or-later
// OSBoolean: the two singletons kOSBooleanTrue and kOSBooleanFalse.
#pragma once

#include <libkern/c++/OSObject.h>

class OSBoolean final : public OSObject {
    OSDeclareDefaultStructors(OSBoolean)

public:
    /// kOSBooleanTrue or kOSBooleanFalse (not retained; the singletons are never freed).
    static OSBoolean* withBoolean(bool value);

    bool isTrue() const { return m_value; }
    bool isFalse() const { return !m_value; }
    bool getValue() const { return m_value; }

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    bool isEqualTo(const OSBoolean* aBoolean) const { return this == aBoolean; }

    // The singletons ignore reference counting.
    void retain() const override {}
    void release() const override {}
    void release(int) const override {}
    void taggedRetain(const void* = nullptr) const override {}
    void taggedRelease(const void* = nullptr) const override {}
    int getRetainCount() const override { return 1; }
    void free() override {}

protected:
    void taggedRelease(const void*, const int) const override {}

private:
    friend struct OSBooleanSingletons;
    bool m_value = false;
};

extern OSBoolean* const& kOSBooleanTrue;
extern OSBoolean* const& kOSBooleanFalse;
