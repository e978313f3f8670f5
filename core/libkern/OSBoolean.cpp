// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSBoolean.h>

OSDefineMetaClassAndStructors(OSBoolean, OSObject)

struct OSBooleanSingletons {
    static OSBoolean* make(bool value)
    {
        auto* boolean = new OSBoolean;
        boolean->m_value = value;
        return boolean;
    }
    static OSBoolean* const trueValue;
    static OSBoolean* const falseValue;
};

OSBoolean* const OSBooleanSingletons::trueValue = OSBooleanSingletons::make(true);
OSBoolean* const OSBooleanSingletons::falseValue = OSBooleanSingletons::make(false);
OSBoolean* const& kOSBooleanTrue = OSBooleanSingletons::trueValue;
OSBoolean* const& kOSBooleanFalse = OSBooleanSingletons::falseValue;

OSBoolean* OSBoolean::withBoolean(bool value)
{
    return value ? kOSBooleanTrue : kOSBooleanFalse;
}

bool OSBoolean::isEqualTo(const OSMetaClassBase* anObject) const
{
    return this == anObject;
}
