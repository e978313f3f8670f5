// SPDX-License-Identifier: GPL-2.0-or-later
#include "TestDrivers.h"

#include <libkern/c++/OSUnserialize.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <sstream>

namespace iolab::test {

namespace {

struct LogState {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> entries;
    bool enabled = true;
    CallHook hook;
};

LogState& logState()
{
    static LogState* state = new LogState; // never destroyed: drivers may log during exit
    return *state;
}

std::string_view methodOf(std::string_view entry)
{
    size_t colons = entry.find("::");
    return colons == std::string_view::npos ? entry : entry.substr(colons + 2);
}

std::string_view classOf(std::string_view entry)
{
    return entry.substr(0, entry.find("::"));
}

} // namespace

// --- CallLog ---------------------------------------------------------------------------

void CallLog::record(std::string entry)
{
    LogState& state = logState();
    {
        std::lock_guard lock(state.mutex);
        if (!state.enabled)
            return;
        state.entries.push_back(std::move(entry));
    }
    state.changed.notify_all();
}

void CallLog::clear()
{
    LogState& state = logState();
    std::lock_guard lock(state.mutex);
    state.entries.clear();
    state.enabled = true;
}

void CallLog::setEnabled(bool enabled)
{
    LogState& state = logState();
    std::lock_guard lock(state.mutex);
    state.enabled = enabled;
}

std::vector<std::string> CallLog::entries()
{
    LogState& state = logState();
    std::lock_guard lock(state.mutex);
    return state.entries;
}

std::vector<std::string> CallLog::entriesOf(std::initializer_list<std::string_view> classes)
{
    std::vector<std::string> result;
    for (std::string& entry : entries()) {
        if (std::find(classes.begin(), classes.end(), classOf(entry)) != classes.end())
            result.push_back(std::move(entry));
    }
    return result;
}

std::vector<std::string> CallLog::entriesWithMethods(std::initializer_list<std::string_view> methods)
{
    std::vector<std::string> result;
    for (std::string& entry : entries()) {
        if (std::find(methods.begin(), methods.end(), methodOf(entry)) != methods.end())
            result.push_back(std::move(entry));
    }
    return result;
}

size_t CallLog::count(std::string_view entry)
{
    LogState& state = logState();
    std::lock_guard lock(state.mutex);
    return static_cast<size_t>(std::count(state.entries.begin(), state.entries.end(), entry));
}

bool CallLog::waitFor(std::string_view entry, size_t times, std::chrono::milliseconds timeout)
{
    LogState& state = logState();
    std::unique_lock lock(state.mutex);
    return state.changed.wait_for(lock, timeout, [&] {
        return static_cast<size_t>(std::count(state.entries.begin(), state.entries.end(), entry)) >= times;
    });
}

void setCallHook(CallHook hook)
{
    LogState& state = logState();
    std::lock_guard lock(state.mutex);
    state.hook = std::move(hook);
}

// --- RecordingService ----------------------------------------------------------------------

OSDefineMetaClassAndStructors(RecordingService, IOService)
OSDefineMetaClassAndStructors(TestDriverA, RecordingService)
OSDefineMetaClassAndStructors(TestDriverB, RecordingService)
OSDefineMetaClassAndStructors(TestDriverC, RecordingService)
OSDefineMetaClassAndStructors(TestDriverD, RecordingService)
OSDefineMetaClassAndStructors(TestNub, RecordingService)
OSDefineMetaClassAndStructors(TestNubSub, TestNub)
OSDefineMetaClassAndStructors(TestFamilyNub, TestNub)
OSDefineMetaClassAndStructors(TestBusDriver, RecordingService)
OSDefineMetaClassAndStructors(TestChildNub, RecordingService)
OSDefineMetaClassAndStructors(TestLeafDriver, RecordingService)

std::atomic<int> TestFamilyNub::s_matchCalls{0};

void RecordingService::note(std::string_view method, IOService* provider)
{
    CallLog::record(std::string(getMetaClass()->getClassName()) + "::" + std::string(method));
    CallHook hook;
    {
        LogState& state = logState();
        std::lock_guard lock(state.mutex);
        hook = state.hook;
    }
    if (hook)
        hook(this, method, provider);
}

bool RecordingService::flag(const char* key) const
{
    OSSharedPtr<OSObject> value(copyProperty(key), OSNoRetain);
    return value.get() == kOSBooleanTrue;
}

bool RecordingService::init(OSDictionary* dictionary)
{
    note("init", nullptr);
    if (dictionary && dictionary->getObject(kTestInitFailsKey) == kOSBooleanTrue)
        return false;
    return IOService::init(dictionary);
}

void RecordingService::free()
{
    note("free", nullptr);
    IOService::free();
}

IOService* RecordingService::probe(IOService* provider, SInt32* score)
{
    note("probe", provider);
    if (!IOService::probe(provider, score))
        return nullptr;
    if (flag(kTestProbeDeclineKey))
        return nullptr;
    OSSharedPtr<OSObject> wanted(copyProperty(kTestProbeScoreKey), OSNoRetain);
    if (auto* number = OSDynamicCast(OSNumber, wanted.get()))
        *score = static_cast<SInt32>(number->unsigned32BitValue());
    return this;
}

bool RecordingService::start(IOService* provider)
{
    note("start", provider);
    if (!IOService::start(provider))
        return false;
    if (flag(kTestStartFailsKey))
        return false;
    if (flag(kTestRegisterKey))
        registerService();
    return true;
}

void RecordingService::stop(IOService* provider)
{
    note("stop", provider);
    IOService::stop(provider);
}

bool RecordingService::attach(IOService* provider)
{
    note("attach", provider);
    return IOService::attach(provider);
}

void RecordingService::detach(IOService* provider)
{
    note("detach", provider);
    IOService::detach(provider);
}

bool RecordingService::terminate(IOOptionBits options)
{
    note("terminate", nullptr);
    return IOService::terminate(options);
}

bool RecordingService::willTerminate(IOService* provider, IOOptionBits options)
{
    note("willTerminate", provider);
    return IOService::willTerminate(provider, options);
}

bool RecordingService::didTerminate(IOService* provider, IOOptionBits options, bool* defer)
{
    note("didTerminate", provider);
    return IOService::didTerminate(provider, options, defer);
}

// --- TestFamilyNub ---------------------------------------------------------------------------

bool TestFamilyNub::matchPropertyTable(OSDictionary* table, SInt32* score)
{
    ++s_matchCalls;
    for (const char* key : {"idVendor", "idProduct"}) {
        OSObject* wanted = table->getObject(key);
        if (!wanted)
            continue;
        OSSharedPtr<OSObject> mine(copyProperty(key), OSNoRetain);
        if (!mine || !mine->isEqualTo(wanted))
            return false;
    }
    if (table->getObject("idProduct") && score)
        *score += 1000;
    return true;
}

// --- TestBusDriver ------------------------------------------------------------------------------

bool TestBusDriver::start(IOService* provider)
{
    if (!RecordingService::start(provider))
        return false;
    OSSharedPtr<OSObject> value(copyProperty(kTestChildCountKey), OSNoRetain);
    auto* count = OSDynamicCast(OSNumber, value.get());
    const unsigned children = count ? count->unsigned32BitValue() : 4;
    for (unsigned i = 0; i < children; ++i) {
        OSSharedPtr<TestChildNub> child(new TestChildNub, OSNoRetain);
        if (!child->init())
            return true;
        child->setName("child");
        child->setLocation(std::to_string(i).c_str());
        // attach fails once this bus is terminating: a real bus stops enumerating then.
        if (!child->attach(this))
            return true;
        child->registerService();
    }
    return true;
}

// --- bookkeeping -------------------------------------------------------------------------------------

std::map<std::string, unsigned> testInstanceCounts()
{
    std::map<std::string, unsigned> counts;
    for (const OSMetaClass* meta :
         {RecordingService::metaClass, TestDriverA::metaClass, TestDriverB::metaClass, TestDriverC::metaClass,
          TestDriverD::metaClass, TestNub::metaClass, TestNubSub::metaClass, TestFamilyNub::metaClass,
          TestBusDriver::metaClass, TestChildNub::metaClass, TestLeafDriver::metaClass})
        counts[meta->getClassName()] = meta->getInstanceCount();
    return counts;
}

std::string liveTestInstances()
{
    std::ostringstream out;
    for (const auto& [name, count] : testInstanceCounts()) {
        if (count)
            out << name << "=" << count << " ";
    }
    return out.str();
}

// --- dictionaries --------------------------------------------------------------------------------------

Dict::Dict() : m_dict(OSDictionary::withCapacity(8), OSNoRetain) {}

Dict& Dict::string(const char* key, const char* value)
{
    OSSharedPtr<OSString> object(OSString::withCString(value), OSNoRetain);
    m_dict->setObject(key, object.get());
    return *this;
}

Dict& Dict::symbol(const char* key, const char* value)
{
    OSSharedPtr<const OSSymbol> object(OSSymbol::withCString(value), OSNoRetain);
    m_dict->setObject(key, object.get());
    return *this;
}

Dict& Dict::number(const char* key, unsigned long long value, unsigned bits)
{
    OSSharedPtr<OSNumber> object(OSNumber::withNumber(value, bits), OSNoRetain);
    m_dict->setObject(key, object.get());
    return *this;
}

Dict& Dict::boolean(const char* key, bool value)
{
    m_dict->setObject(key, value ? kOSBooleanTrue : kOSBooleanFalse);
    return *this;
}

Dict& Dict::data(const char* key, const void* bytes, unsigned length)
{
    OSSharedPtr<OSData> object(OSData::withBytes(bytes, length), OSNoRetain);
    m_dict->setObject(key, object.get());
    return *this;
}

Dict& Dict::object(const char* key, OSObject* value)
{
    m_dict->setObject(key, value);
    return *this;
}

Dict personality(const char* ioClass, const char* providerClass, long score, const char* category)
{
    Dict dict;
    dict.string(kIOClassKey, ioClass).string(kIOProviderClassKey, providerClass);
    if (score >= 0)
        dict.number(kIOProbeScoreKey, static_cast<unsigned long long>(score));
    if (category)
        dict.string(kIOMatchCategoryKey, category);
    return dict;
}

OSSharedPtr<OSDictionary> plistDict(const char* xml)
{
    OSString* error = nullptr;
    OSSharedPtr<OSObject> object(OSUnserializeXML(xml, &error), OSNoRetain);
    OSSharedPtr<OSString> errorText(error, OSNoRetain);
    OSSharedPtr<OSDictionary> dict = OSDynamicPtrCast<OSDictionary>(object);
    EXPECT_TRUE(dict) << "bad plist: " << (errorText ? errorText->getCStringNoCopy() : "not a dictionary") << "\n"
                      << xml;
    return dict;
}

OSSharedPtr<OSArray> arrayOf(std::initializer_list<OSObject*> objects)
{
    OSSharedPtr<OSArray> array(OSArray::withCapacity(static_cast<unsigned>(objects.size())), OSNoRetain);
    for (OSObject* object : objects)
        array->setObject(object);
    return array;
}

OSSharedPtr<OSArray> stringArray(std::initializer_list<const char*> strings)
{
    OSSharedPtr<OSArray> array(OSArray::withCapacity(static_cast<unsigned>(strings.size())), OSNoRetain);
    for (const char* text : strings) {
        OSSharedPtr<OSString> string(OSString::withCString(text), OSNoRetain);
        array->setObject(string.get());
    }
    return array;
}

bool addPersonalities(std::initializer_list<OSDictionary*> personalities)
{
    OSSharedPtr<OSArray> array(OSArray::withCapacity(static_cast<unsigned>(personalities.size())), OSNoRetain);
    for (OSDictionary* dict : personalities)
        array->setObject(dict);
    return gIOCatalogue->addDrivers(array.get());
}

std::vector<OSSharedPtr<IOService>> clientsOf(IOService* provider)
{
    std::vector<OSSharedPtr<IOService>> result;
    OSSharedPtr<OSArray> children(provider->copyChildren(gIOServicePlane), OSNoRetain);
    for (unsigned i = 0; children && i < children->getCount(); ++i) {
        auto* service = OSDynamicCast(IOService, children->getObject(i));
        if (service && !service->isInactive())
            result.emplace_back(service, OSRetain);
    }
    return result;
}

std::vector<OSSharedPtr<IOService>> clientsOfClass(IOService* provider, const char* className)
{
    std::vector<OSSharedPtr<IOService>> result;
    for (auto& client : clientsOf(provider)) {
        if (std::string_view(client->getMetaClass()->getClassName()) == className)
            result.push_back(client);
    }
    return result;
}

std::vector<std::string> clientClassNames(IOService* provider)
{
    std::vector<std::string> names;
    for (auto& client : clientsOf(provider))
        names.emplace_back(client->getMetaClass()->getClassName());
    std::sort(names.begin(), names.end());
    return names;
}

// --- RuntimeTest ------------------------------------------------------------------------------------------

void RuntimeTest::SetUp()
{
    CallLog::clear();
    setCallHook({});
    TestFamilyNub::s_matchCalls = 0;
    ASSERT_EQ(liveTestInstances(), "") << "a previous test leaked test objects";
    runtime = std::make_unique<iolab::Runtime>();
    ASSERT_TRUE(quiet());
}

void RuntimeTest::TearDown()
{
    runtime.reset();
    setCallHook({});
    EXPECT_EQ(liveTestInstances(), "") << "test objects outlived the runtime";
}

::testing::AssertionResult RuntimeTest::quiet()
{
    if (runtime->waitQuiet(kDeadlineNs) == kIOReturnSuccess)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the runtime did not become quiet within " << kDeadline.count() << " ms";
}

} // namespace iolab::test
