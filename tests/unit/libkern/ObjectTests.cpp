// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

TEST(OSObject, NewObjectHasRetainCountOne)
{
    OSString* string = OSString::withCString("hello");
    ASSERT_NE(string, nullptr);
    EXPECT_EQ(string->getRetainCount(), 1);
    string->release();
}
