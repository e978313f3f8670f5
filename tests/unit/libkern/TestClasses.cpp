// SPDX-License-Identifier: GPL-2.0-or-later
#include "TestClasses.h"

OSDefineMetaClassAndStructors(LibkernTestObject, OSObject)
OSDefineMetaClassAndStructors(LibkernTestSubObject, LibkernTestObject)
OSDefineMetaClassAndAbstractStructors(LibkernTestAbstract, OSObject)

std::atomic<int> LibkernTestObject::s_freeCalls{0};
std::atomic<int> LibkernTestObject::s_initCalls{0};

LibkernTestObject* LibkernTestObject::create()
{
    auto* object = new LibkernTestObject;
    if (!object->init()) {
        object->release();
        return nullptr;
    }
    return object;
}

bool LibkernTestObject::init()
{
    ++s_initCalls;
    return OSObject::init();
}

bool LibkernTestObject::init(bool succeed)
{
    return init() && succeed;
}

void LibkernTestObject::free()
{
    ++s_freeCalls;
    OSObject::free();
}

LibkernTestSubObject* LibkernTestSubObject::create()
{
    auto* object = new LibkernTestSubObject;
    if (!object->init()) {
        object->release();
        return nullptr;
    }
    return object;
}
