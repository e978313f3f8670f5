// SPDX-License-Identifier: GPL-2.0-or-later
// OSSharedPtr: adopting vs retaining, copies and moves, detach, casts.
#include "TestClasses.h"

#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

#include <utility>

namespace {

class SharedPtrTest : public ::testing::Test {
protected:
    int freeCallsSinceStart() const { return LibkernTestObject::s_freeCalls.load() - m_freeBaseline; }

private:
    int m_freeBaseline = LibkernTestObject::s_freeCalls.load();
};

} // namespace

TEST_F(SharedPtrTest, AdoptTakesOverTheReference)
{
    LibkernTestObject* raw = LibkernTestObject::create();
    ASSERT_NE(raw, nullptr);
    {
        OSSharedPtr<LibkernTestObject> owner(raw, OSNoRetain);
        EXPECT_EQ(owner.get(), raw);
        EXPECT_EQ(raw->getRetainCount(), 1) << "adopting does not retain";
        EXPECT_TRUE(owner);
        EXPECT_EQ(&*owner, raw);
        EXPECT_EQ(owner->getRetainCount(), 1);
    }
    EXPECT_EQ(freeCallsSinceStart(), 1) << "the destructor dropped the adopted reference";
}

TEST_F(SharedPtrTest, RetainTakesANewReference)
{
    LibkernTestObject* raw = LibkernTestObject::create();
    ASSERT_NE(raw, nullptr);
    {
        OSSharedPtr<LibkernTestObject> owner(raw, OSRetain);
        EXPECT_EQ(raw->getRetainCount(), 2);
    }
    EXPECT_EQ(raw->getRetainCount(), 1);
    EXPECT_EQ(freeCallsSinceStart(), 0);
    raw->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);
}

TEST_F(SharedPtrTest, CopyAndMoveCounts)
{
    OSSharedPtr<LibkernTestObject> first(LibkernTestObject::create(), OSNoRetain);
    ASSERT_TRUE(first);
    LibkernTestObject* raw = first.get();

    OSSharedPtr<LibkernTestObject> copy(first);
    EXPECT_EQ(raw->getRetainCount(), 2);
    EXPECT_EQ(copy, first);

    OSSharedPtr<LibkernTestObject> assigned;
    EXPECT_FALSE(assigned);
    EXPECT_TRUE(assigned == nullptr);
    assigned = copy;
    EXPECT_EQ(raw->getRetainCount(), 3);
    assigned = assigned; // self-assignment keeps the count
    EXPECT_EQ(raw->getRetainCount(), 3);

    OSSharedPtr<LibkernTestObject> moved(std::move(copy));
    EXPECT_EQ(raw->getRetainCount(), 3) << "a move transfers the reference";
    EXPECT_EQ(copy.get(), nullptr);
    EXPECT_EQ(moved.get(), raw);

    OSSharedPtr<LibkernTestObject> moveAssigned;
    moveAssigned = std::move(moved);
    EXPECT_EQ(raw->getRetainCount(), 3);
    EXPECT_EQ(moved.get(), nullptr);

    // Converting to a base-class pointer copies or moves the same way.
    OSSharedPtr<OSObject> base(first);
    EXPECT_EQ(raw->getRetainCount(), 4);
    OSSharedPtr<OSObject> movedBase(std::move(moveAssigned));
    EXPECT_EQ(raw->getRetainCount(), 4);
    EXPECT_EQ(moveAssigned.get(), nullptr);

    assigned = nullptr;
    EXPECT_EQ(raw->getRetainCount(), 3);
    base.reset();
    movedBase.reset();
    EXPECT_EQ(raw->getRetainCount(), 1);
    EXPECT_EQ(freeCallsSinceStart(), 0);
    first.reset();
    EXPECT_EQ(freeCallsSinceStart(), 1);
}

TEST_F(SharedPtrTest, ResetAndSwap)
{
    LibkernTestObject* a = LibkernTestObject::create();
    LibkernTestObject* b = LibkernTestObject::create();
    ASSERT_TRUE(a && b);
    OSSharedPtr<LibkernTestObject> pa(a, OSNoRetain);
    OSSharedPtr<LibkernTestObject> pb(b, OSRetain);
    EXPECT_EQ(b->getRetainCount(), 2);
    pa.swap(pb);
    EXPECT_EQ(pa.get(), b);
    EXPECT_EQ(pb.get(), a);
    EXPECT_EQ(a->getRetainCount(), 1);
    EXPECT_EQ(b->getRetainCount(), 2);

    pa.reset(a, OSRetain); // drops b, takes a second reference to a
    EXPECT_EQ(b->getRetainCount(), 1);
    EXPECT_EQ(a->getRetainCount(), 2);
    b->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);

    pb.reset();
    EXPECT_EQ(a->getRetainCount(), 1);
    a->retain();
    pb.reset(a, OSNoRetain);
    EXPECT_EQ(a->getRetainCount(), 2);
    pa.reset();
    pb.reset();
    EXPECT_EQ(freeCallsSinceStart(), 2);
}

TEST_F(SharedPtrTest, DetachHandsTheReferenceToTheCaller)
{
    OSSharedPtr<LibkernTestObject> owner(LibkernTestObject::create(), OSNoRetain);
    ASSERT_TRUE(owner);
    LibkernTestObject* raw = owner.detach();
    EXPECT_EQ(owner.get(), nullptr);
    EXPECT_EQ(raw->getRetainCount(), 1);
    owner.reset();
    EXPECT_EQ(freeCallsSinceStart(), 0) << "detach does not release";
    raw->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);
}

TEST_F(SharedPtrTest, DynamicPtrCast)
{
    OSSharedPtr<OSObject> object(LibkernTestSubObject::create(), OSNoRetain);
    ASSERT_TRUE(object);
    OSObject* raw = object.get();

    OSSharedPtr<LibkernTestObject> asBase = OSDynamicPtrCast<LibkernTestObject>(object);
    ASSERT_TRUE(asBase);
    EXPECT_EQ(asBase.get(), raw);
    EXPECT_EQ(raw->getRetainCount(), 2) << "a successful cast from an lvalue retains";

    OSSharedPtr<OSString> wrong = OSDynamicPtrCast<OSString>(object);
    EXPECT_FALSE(wrong);
    EXPECT_EQ(raw->getRetainCount(), 2) << "a failed cast takes nothing";

    OSSharedPtr<OSString> wrongMoved = OSDynamicPtrCast<OSString>(std::move(asBase));
    EXPECT_FALSE(wrongMoved);
    EXPECT_EQ(asBase.get(), raw) << "a failed cast from an rvalue leaves the source alone";

    OSSharedPtr<LibkernTestSubObject> asSub = OSDynamicPtrCast<LibkernTestSubObject>(std::move(asBase));
    ASSERT_TRUE(asSub);
    EXPECT_EQ(asBase.get(), nullptr) << "a successful cast from an rvalue moves the reference";
    EXPECT_EQ(raw->getRetainCount(), 2);

    OSSharedPtr<OSObject> statically = OSStaticPtrCast<OSObject>(asSub);
    EXPECT_EQ(statically.get(), raw);
    EXPECT_EQ(raw->getRetainCount(), 3);

    OSSharedPtr<OSObject> none;
    EXPECT_FALSE(OSDynamicPtrCast<OSString>(none));

    statically.reset();
    asSub.reset();
    EXPECT_EQ(freeCallsSinceStart(), 0);
    object.reset();
    EXPECT_EQ(freeCallsSinceStart(), 1);
}

TEST_F(SharedPtrTest, MakeShared)
{
    OSSharedPtr<LibkernTestObject> made = OSMakeShared<LibkernTestObject>();
    ASSERT_TRUE(made);
    EXPECT_EQ(made->getRetainCount(), 1);
    made.reset();
    EXPECT_EQ(freeCallsSinceStart(), 1);

    OSSharedPtr<LibkernTestObject> succeeded = OSMakeShared<LibkernTestObject>(true);
    EXPECT_TRUE(succeeded);
    OSSharedPtr<LibkernTestObject> failed = OSMakeShared<LibkernTestObject>(false);
    EXPECT_FALSE(failed);
    EXPECT_EQ(freeCallsSinceStart(), 2) << "a failed init is released at once";
    succeeded.reset();
    EXPECT_EQ(freeCallsSinceStart(), 3);
}
