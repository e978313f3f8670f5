// SPDX-License-Identifier: GPL-2.0-or-later
// IOReturn values, their names and texts, and IOResult.
#include <IOKit/IOLib.h>
#include <IOKit/IOReturn.h>
#include <iolab/IOResult.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

TEST(IOReturn, ValuesMatchApple)
{
    EXPECT_EQ(kIOReturnSuccess, 0);
    EXPECT_EQ(kIOReturnError, static_cast<int>(0xe00002bcu));
    EXPECT_EQ(kIOReturnNoMemory, static_cast<int>(0xe00002bdu));
    EXPECT_EQ(kIOReturnNoDevice, static_cast<int>(0xe00002c0u));
    EXPECT_EQ(kIOReturnBadArgument, static_cast<int>(0xe00002c2u));
    EXPECT_EQ(kIOReturnUnsupported, static_cast<int>(0xe00002c7u));
    EXPECT_EQ(kIOReturnBusy, static_cast<int>(0xe00002d5u));
    EXPECT_EQ(kIOReturnTimeout, static_cast<int>(0xe00002d6u));
    EXPECT_EQ(kIOReturnNotPermitted, static_cast<int>(0xe00002e2u));
    EXPECT_EQ(kIOReturnNotFound, static_cast<int>(0xe00002f0u));
    EXPECT_EQ(kIOReturnInvalid, static_cast<int>(0xe0000001u));
    EXPECT_EQ(iokit_family_err(sub_iokit_usb, 0x61), static_cast<int>(0xe0004061u));
    static_assert(sizeof(IOReturn) == 4);
}

TEST(IOReturn, StringsAndNames)
{
    EXPECT_STREQ(iolab::ioReturnString(kIOReturnBadArgument), "invalid argument");
    EXPECT_STREQ(iolab::ioReturnString(kIOReturnSuccess), "success");
    EXPECT_STREQ(iolab::ioReturnString(kIOReturnNoMemory), "memory allocation error");
    EXPECT_STREQ(iolab::ioReturnString(kIOReturnUnsupported), "unsupported function");
    EXPECT_STREQ(iolab::ioReturnName(kIOReturnBadArgument), "kIOReturnBadArgument");
    EXPECT_STREQ(iolab::ioReturnName(kIOReturnNotPermitted), "kIOReturnNotPermitted");
    EXPECT_STREQ(iolab::ioReturnName(kIOReturnSuccess), "kIOReturnSuccess");
    EXPECT_STREQ(IOStringFromReturn(kIOReturnBadArgument), "invalid argument");
}

TEST(IOReturn, DescriptionNamesTheCodeAndItsValue)
{
    const std::string description = iolab::ioReturnDescription(kIOReturnBadArgument);
    EXPECT_NE(description.find("invalid argument"), std::string::npos) << description;
    EXPECT_NE(description.find("kIOReturnBadArgument"), std::string::npos) << description;
    EXPECT_NE(description.find("0xe00002c2"), std::string::npos) << description;

    const std::string timeout = iolab::ioReturnDescription(kIOReturnTimeout);
    EXPECT_NE(timeout.find("kIOReturnTimeout"), std::string::npos) << timeout;
    EXPECT_NE(timeout.find("0xe00002d6"), std::string::npos) << timeout;
}

TEST(IOReturn, UnknownCodes)
{
    for (IOReturn unknown : {static_cast<IOReturn>(0x12345), static_cast<IOReturn>(0xe00002cbu),
                             static_cast<IOReturn>(0xe0004061u), -1}) {
        EXPECT_STREQ(iolab::ioReturnString(unknown), "unknown error") << unknown;
        EXPECT_EQ(iolab::ioReturnName(unknown), nullptr) << unknown;
        EXPECT_STREQ(IOStringFromReturn(unknown), "unknown error");
    }
    const std::string description = iolab::ioReturnDescription(0x12345);
    EXPECT_NE(description.find("unknown error"), std::string::npos) << description;
    EXPECT_NE(description.find("0x00012345"), std::string::npos) << description;
}

TEST(IOReturn, EveryCommonCodeHasAUniqueNameAndText)
{
    const IOReturn codes[] = {
        kIOReturnSuccess,        kIOReturnError,         kIOReturnNoMemory,        kIOReturnNoResources,
        kIOReturnIPCError,       kIOReturnNoDevice,      kIOReturnNotPrivileged,   kIOReturnBadArgument,
        kIOReturnLockedRead,     kIOReturnLockedWrite,   kIOReturnExclusiveAccess, kIOReturnBadMessageID,
        kIOReturnUnsupported,    kIOReturnVMError,       kIOReturnInternalError,   kIOReturnIOError,
        kIOReturnCannotLock,     kIOReturnNotOpen,       kIOReturnNotReadable,     kIOReturnNotWritable,
        kIOReturnNotAligned,     kIOReturnBadMedia,      kIOReturnStillOpen,       kIOReturnRLDError,
        kIOReturnDMAError,       kIOReturnBusy,          kIOReturnTimeout,         kIOReturnOffline,
        kIOReturnNotReady,       kIOReturnNotAttached,   kIOReturnNoChannels,      kIOReturnNoSpace,
        kIOReturnPortExists,     kIOReturnCannotWire,    kIOReturnNoInterrupt,     kIOReturnNoFrames,
        kIOReturnMessageTooLarge, kIOReturnNotPermitted, kIOReturnNoPower,         kIOReturnNoMedia,
        kIOReturnUnformattedMedia, kIOReturnUnsupportedMode, kIOReturnUnderrun,    kIOReturnOverrun,
        kIOReturnDeviceError,    kIOReturnNoCompletion,  kIOReturnAborted,         kIOReturnNoBandwidth,
        kIOReturnNotResponding,  kIOReturnIsoTooOld,     kIOReturnIsoTooNew,       kIOReturnNotFound,
        kIOReturnInvalid,
    };
    std::set<std::string> names;
    std::set<std::string> texts;
    for (IOReturn code : codes) {
        const char* name = iolab::ioReturnName(code);
        ASSERT_NE(name, nullptr) << std::hex << code;
        EXPECT_EQ(std::string(name).rfind("kIOReturn", 0), 0u) << name;
        EXPECT_STRNE(iolab::ioReturnString(code), "unknown error") << name;
        names.insert(name);
        texts.insert(iolab::ioReturnString(code));
    }
    EXPECT_EQ(names.size(), std::size(codes));
    EXPECT_EQ(texts.size(), std::size(codes));
}

namespace {

iolab::IOResult<int> parsePositive(int value)
{
    if (value <= 0)
        return iolab::IOError{kIOReturnBadArgument, "value must be positive"};
    return value;
}

iolab::IOResult<int> doubledPositive(int value)
{
    const int parsed = IOLAB_TRY(parsePositive(value));
    return parsed * 2;
}

iolab::IOResult<void> checkPositive(int value)
{
    (void)IOLAB_TRY(parsePositive(value));
    return {};
}

} // namespace

TEST(IOResult, ValueOrError)
{
    auto good = parsePositive(3);
    ASSERT_TRUE(good.ok());
    EXPECT_TRUE(static_cast<bool>(good));
    EXPECT_EQ(good.value(), 3);
    EXPECT_EQ(good.code(), kIOReturnSuccess);

    auto bad = parsePositive(-1);
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.code(), kIOReturnBadArgument);
    EXPECT_EQ(bad.error().message, "value must be positive");
}

TEST(IOResult, TryPropagatesErrors)
{
    auto doubled = doubledPositive(21);
    ASSERT_TRUE(doubled.ok());
    EXPECT_EQ(doubled.value(), 42);

    auto failed = doubledPositive(0);
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(failed.code(), kIOReturnBadArgument);

    EXPECT_TRUE(checkPositive(1).ok());
    auto voidFailure = checkPositive(-5);
    EXPECT_FALSE(voidFailure.ok());
    EXPECT_EQ(voidFailure.code(), kIOReturnBadArgument);
    EXPECT_EQ(voidFailure.error().message, "value must be positive");
}
