// SPDX-License-Identifier: GPL-2.0-or-later
// Test drivers and nubs for the registry and matching unit tests.
//
// Every class here records its lifecycle calls ("TestDriverA::probe") in one
// thread-safe global log, so a test can compare the exact sequence of calls the
// runtime made. How a driver behaves (probe score, declining, failing start…)
// comes from keys in its personality, so a test describes a scenario as data:
// the personality is the instance's property table, as on I/O Kit.
//
// The classes are compiled into each test executable (TestDrivers.cpp), where
// their metaclasses register by name, so personalities can name them in IOClass.
#pragma once

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOService.h>
#include <iolab/Runtime.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iolab::test {

using namespace std::chrono_literals;

/// How long a test waits for something asynchronous before it fails. Generous:
/// the sanitizer builds are slow, and a passing test never waits this long.
inline constexpr std::chrono::milliseconds kDeadline = 20s;
inline constexpr uint64_t kDeadlineNs = 20'000'000'000ull;

// --- personality keys that steer the recording drivers ------------------------------
/// OSNumber: probe() sets *score to this value.
inline constexpr const char* kTestProbeScoreKey = "TestProbeScore";
/// OSBoolean true: probe() returns NULL.
inline constexpr const char* kTestProbeDeclineKey = "TestProbeDecline";
/// OSBoolean true: start() returns false.
inline constexpr const char* kTestStartFailsKey = "TestStartFails";
/// OSBoolean true: init() returns false.
inline constexpr const char* kTestInitFailsKey = "TestInitFails";
/// OSBoolean true: start() calls registerService() on the driver.
inline constexpr const char* kTestRegisterKey = "TestRegister";
/// OSNumber: how many TestChildNub children TestBusDriver::start creates.
inline constexpr const char* kTestChildCountKey = "TestChildCount";

/// The thread-safe global log of calls, one "Class::method" string per call.
class CallLog {
public:
    static void record(std::string entry);
    static void clear();
    /// Turns recording off (for load tests that make thousands of calls).
    static void setEnabled(bool enabled);

    static std::vector<std::string> entries();
    /// The entries of the given classes only, in order.
    static std::vector<std::string> entriesOf(std::initializer_list<std::string_view> classes);
    /// The entries whose method is one of `methods`, in order.
    static std::vector<std::string> entriesWithMethods(std::initializer_list<std::string_view> methods);
    /// How many times `entry` was recorded.
    static size_t count(std::string_view entry);
    /// Waits until `entry` was recorded at least `times` times; false after `timeout`.
    static bool waitFor(std::string_view entry, size_t times = 1, std::chrono::milliseconds timeout = kDeadline);
};

/// Called on every recorded call, on the thread that made it: the service, the
/// method ("probe") and the provider argument (NULL where the method has none).
using CallHook = std::function<void(IOService* self, std::string_view method, IOService* provider)>;
/// Installs (or, with an empty function, removes) the hook.
void setCallHook(CallHook hook);

/// The base of every test class: records init, attach, probe, detach, start,
/// stop, terminate, willTerminate, didTerminate and free, and behaves as its
/// property table (the personality) says.
class RecordingService : public IOService {
    OSDeclareDefaultStructors(RecordingService)

public:
    bool init(OSDictionary* dictionary = nullptr) override;
    void free() override;
    IOService* probe(IOService* provider, SInt32* score) override;
    bool start(IOService* provider) override;
    void stop(IOService* provider) override;
    bool attach(IOService* provider) override;
    void detach(IOService* provider) override;
    bool terminate(IOOptionBits options = 0) override;
    bool willTerminate(IOService* provider, IOOptionBits options) override;
    bool didTerminate(IOService* provider, IOOptionBits options, bool* defer) override;

protected:
    void note(std::string_view method, IOService* provider);
    bool flag(const char* key) const;
};

/// Interchangeable drivers, distinct only by class name, so logs tell them apart.
class TestDriverA : public RecordingService {
    OSDeclareDefaultStructors(TestDriverA)
};
class TestDriverB : public RecordingService {
    OSDeclareDefaultStructors(TestDriverB)
};
class TestDriverC : public RecordingService {
    OSDeclareDefaultStructors(TestDriverC)
};
class TestDriverD : public RecordingService {
    OSDeclareDefaultStructors(TestDriverD)
};

/// A nub that tests create and register by hand.
class TestNub : public RecordingService {
    OSDeclareDefaultStructors(TestNub)
};
/// A subclass of TestNub: matched by personalities for TestNub too.
class TestNubSub : public TestNub {
    OSDeclareDefaultStructors(TestNubSub)
};
/// A family nub: its matchPropertyTable checks "idVendor" and "idProduct"
/// against its own properties (absent keys match), as USB's nubs do, and
/// raises the score by 1000 for a product match.
class TestFamilyNub : public TestNub {
    OSDeclareDefaultStructors(TestFamilyNub)

public:
    bool matchPropertyTable(OSDictionary* table, SInt32* score) override;
    /// matchPropertyTable calls since the last reset.
    static std::atomic<int> s_matchCalls;
};

/// A bus driver: start() creates kTestChildCountKey TestChildNub clients
/// ("child@<index>"), attaches and registers each, and stops early if the bus
/// is terminated meanwhile.
class TestBusDriver : public RecordingService {
    OSDeclareDefaultStructors(TestBusDriver)

public:
    bool start(IOService* provider) override;
};
class TestChildNub : public RecordingService {
    OSDeclareDefaultStructors(TestChildNub)
};
class TestLeafDriver : public RecordingService {
    OSDeclareDefaultStructors(TestLeafDriver)
};

/// Instance counts of every class above, by name.
std::map<std::string, unsigned> testInstanceCounts();
/// Names (with counts) of test classes that still have instances; empty when none.
std::string liveTestInstances();

// --- building dictionaries ------------------------------------------------------------

/// A tiny builder: Dict().string("IOClass", "TestDriverA").number("IOProbeScore", 5).
class Dict {
public:
    Dict();
    Dict& string(const char* key, const char* value);
    Dict& symbol(const char* key, const char* value);
    Dict& number(const char* key, unsigned long long value, unsigned bits = 32);
    Dict& boolean(const char* key, bool value);
    Dict& data(const char* key, const void* bytes, unsigned length);
    Dict& object(const char* key, OSObject* value);
    Dict& object(const char* key, const Dict& value) { return object(key, value.get()); }
    OSDictionary* get() const { return m_dict.get(); }
    OSSharedPtr<OSDictionary> ptr() const { return m_dict; }

private:
    OSSharedPtr<OSDictionary> m_dict;
};

/// A personality for `ioClass` on `providerClass`, with IOProbeScore and
/// IOMatchCategory when given (score < 0 / NULL category: no key).
Dict personality(const char* ioClass, const char* providerClass, long score = -1, const char* category = nullptr);
/// An XML plist dictionary; NULL (and a test failure) if it does not parse.
OSSharedPtr<OSDictionary> plistDict(const char* xml);
/// An OSArray of the given objects.
OSSharedPtr<OSArray> arrayOf(std::initializer_list<OSObject*> objects);
OSSharedPtr<OSArray> stringArray(std::initializer_list<const char*> strings);

/// Adds personalities to the booted catalogue; returns addDrivers' result.
bool addPersonalities(std::initializer_list<OSDictionary*> personalities);

/// A new nub of class T: named, optionally located, with extra properties,
/// attached to `provider` and (with `registerIt`) registered.
template <class T>
OSSharedPtr<T> makeNub(IOService* provider, const char* name, const char* location = nullptr,
                       OSDictionary* properties = nullptr, bool registerIt = true)
{
    OSSharedPtr<T> nub(new T, OSNoRetain);
    OSSharedPtr<OSDictionary> table(properties ? OSDictionary::withDictionary(properties)
                                               : OSDictionary::withCapacity(4),
                                    OSNoRetain);
    if (!nub->init(table.get()))
        return nullptr;
    nub->setName(name);
    if (location)
        nub->setLocation(location);
    if (provider && !nub->attach(provider))
        return nullptr;
    if (registerIt)
        nub->registerService();
    return nub;
}

/// The active clients of `provider` in the service plane that are of class
/// `className` (exactly), retained.
std::vector<OSSharedPtr<IOService>> clientsOfClass(IOService* provider, const char* className);
/// Every active client, retained.
std::vector<OSSharedPtr<IOService>> clientsOf(IOService* provider);
/// The class names of the active clients, sorted.
std::vector<std::string> clientClassNames(IOService* provider);

/// Boots a runtime per test and checks afterwards that no test object is left.
class RuntimeTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    /// Waits for the runtime to be quiet (fails the test after kDeadline).
    ::testing::AssertionResult quiet();
    IOService* platform() const { return runtime->platformDevice(); }
    IOService* resources() const { return runtime->resources(); }

    std::unique_ptr<iolab::Runtime> runtime;
};

} // namespace iolab::test
