// SPDX-License-Identifier: GPL-2.0-or-later
// OSIterator: the abstract iterator protocol.
#pragma once

#include <libkern/c++/OSObject.h>

class OSIterator : public OSObject {
    OSDeclareAbstractStructors(OSIterator)

public:
    /// Starts again from the first object.
    virtual void reset() = 0;
    /// False once the underlying collection changed since the last reset.
    virtual bool isValid() = 0;
    /// The next object (not retained), or NULL at the end or when invalid.
    virtual OSObject* getNextObject() = 0;
};
