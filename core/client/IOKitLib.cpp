// SPDX-License-Identifier: GPL-2.0-or-later
// IOKitLib over the client connection: each call is one request.
#include "ClientInternals.h"

#include <iolab/client/IOKitLib.h>

#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>

using iolab::client::request;

namespace {

OSSharedPtr<OSNumber> number(uint64_t value)
{
    return OSSharedPtr<OSNumber>(OSNumber::withNumber(value, 64), OSNoRetain);
}

OSSharedPtr<OSString> string(const char* value)
{
    return OSSharedPtr<OSString>(OSString::withCString(value ? value : ""), OSNoRetain);
}

uint64_t numberOf(OSDictionary* reply, const char* key)
{
    auto* value = OSDynamicCast(OSNumber, reply->getObject(key));
    return value ? value->unsigned64BitValue() : 0;
}

void copyName(char* out, size_t size, const OSObject* value)
{
    auto* text = OSDynamicCast(OSString, value);
    std::snprintf(out, size, "%s", text ? text->getCStringNoCopy() : "");
}

/// describe(h, plane) → the reply, or null.
OSSharedPtr<OSDictionary> describe(io_object_t object, const char* plane = nullptr)
{
    auto reply = request("describe", {{"h", number(object).get()}, {"plane", plane ? string(plane).get() : nullptr}});
    return reply.ok() ? reply.value() : nullptr;
}

} // namespace

// --- notification ports ----------------------------------------------------------------------

struct IONotificationPort {
    int eventFD = -1;
    std::mutex mutex;
    std::deque<OSSharedPtr<OSDictionary>> pending; // under mutex
};

namespace {

struct NotificationRecord {
    IONotificationPortRef port;
    IOServiceMatchingCallback matching = nullptr;
    IOServiceInterestCallback interest = nullptr;
    void* refCon = nullptr;
};

std::mutex s_recordsMutex;
std::map<uint64_t, NotificationRecord> s_records; // token → record
uint64_t s_nextToken = 1;

uint64_t addRecord(NotificationRecord record)
{
    std::lock_guard lock(s_recordsMutex);
    const uint64_t token = s_nextToken++;
    s_records[token] = record;
    return token;
}

} // namespace

namespace iolab::client {

void deliverPush(OSDictionary* message)
{
    const uint64_t token = numberOf(message, "ref");
    IONotificationPortRef port = nullptr;
    {
        std::lock_guard lock(s_recordsMutex);
        auto it = s_records.find(token);
        if (it == s_records.end())
            return;
        port = it->second.port;
        std::lock_guard portLock(port->mutex);
        message->retain();
        port->pending.emplace_back(message, OSNoRetain);
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(port->eventFD, &one, sizeof one);
}

void forgetNotifications()
{
    std::lock_guard lock(s_recordsMutex);
    s_records.clear();
}

} // namespace iolab::client

kern_return_t IOMasterPort(mach_port_t, mach_port_t* mainPort)
{
    if (mainPort)
        *mainPort = kIOMainPortDefault;
    return KERN_SUCCESS;
}

kern_return_t IOMainPort(mach_port_t bootstrapPort, mach_port_t* mainPort)
{
    return IOMasterPort(bootstrapPort, mainPort);
}

kern_return_t IOObjectRelease(io_object_t object)
{
    if (!object)
        return kIOReturnBadArgument;
    return request("release", {{"h", number(object).get()}}).code();
}

kern_return_t IOObjectRetain(io_object_t object)
{
    if (!object)
        return kIOReturnBadArgument;
    return request("retain", {{"h", number(object).get()}}).code();
}

kern_return_t IOObjectGetClass(io_object_t object, io_name_t className)
{
    auto reply = describe(object);
    if (!reply)
        return kIOReturnBadArgument;
    copyName(className, sizeof(io_name_t), reply->getObject("class"));
    return kIOReturnSuccess;
}

OSString* IOObjectCopyClass(io_object_t object)
{
    auto reply = describe(object);
    auto* name = reply ? OSDynamicCast(OSString, reply->getObject("class")) : nullptr;
    return name ? OSString::withString(name) : nullptr;
}

OSString* IOObjectCopySuperclassForClass(const OSString* className)
{
    if (!className)
        return nullptr;
    auto reply = request("superclass", {{"class", const_cast<OSString*>(className)}});
    auto* name = reply.ok() ? OSDynamicCast(OSString, reply.value()->getObject("result")) : nullptr;
    return name ? OSString::withString(name) : nullptr;
}

OSString* IOObjectCopyBundleIdentifierForClass(const OSString* className)
{
    if (!className)
        return nullptr;
    auto reply = request("bundleForClass", {{"class", const_cast<OSString*>(className)}});
    auto* name = reply.ok() ? OSDynamicCast(OSString, reply.value()->getObject("result")) : nullptr;
    return name ? OSString::withString(name) : nullptr;
}

bool IOObjectConformsTo(io_object_t object, const io_name_t className)
{
    auto reply = request("conformsTo", {{"h", number(object).get()}, {"class", string(className).get()}});
    return reply.ok() && reply.value()->getObject("result") == kOSBooleanTrue;
}

bool IOObjectIsEqualTo(io_object_t object, io_object_t anObject)
{
    // Handles are per object within a connection, so equal objects have equal handles.
    return object == anObject;
}

uint32_t IOObjectGetKernelRetainCount(io_object_t object)
{
    auto reply = describe(object);
    return reply ? static_cast<uint32_t>(numberOf(reply.get(), "retain")) : 0;
}

io_object_t IOIteratorNext(io_iterator_t iterator)
{
    auto reply = request("next", {{"h", number(iterator).get()}});
    return reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
}

void IOIteratorReset(io_iterator_t iterator)
{
    (void)request("reset", {{"h", number(iterator).get()}});
}

bool IOIteratorIsValid(io_iterator_t iterator)
{
    auto reply = request("isValid", {{"h", number(iterator).get()}});
    return reply.ok() && reply.value()->getObject("result") == kOSBooleanTrue;
}

io_registry_entry_t IORegistryGetRootEntry(mach_port_t)
{
    auto reply = request("root");
    return reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
}

io_registry_entry_t IORegistryEntryFromPath(mach_port_t, const io_string_t path)
{
    auto reply = request("fromPath", {{"path", string(path).get()}});
    return reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
}

namespace {
kern_return_t handleResult(const char* op, io_registry_entry_t entry, const char* plane, io_object_t* out)
{
    if (!out)
        return kIOReturnBadArgument;
    auto reply = request(op, {{"h", number(entry).get()}, {"plane", string(plane ? plane : kIOServicePlane).get()}});
    *out = reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
    return reply.code();
}
} // namespace

kern_return_t IORegistryEntryGetChildIterator(io_registry_entry_t entry, const io_name_t plane, io_iterator_t* iterator)
{
    return handleResult("children", entry, plane, iterator);
}

kern_return_t IORegistryEntryGetParentIterator(io_registry_entry_t entry, const io_name_t plane, io_iterator_t* iterator)
{
    return handleResult("parents", entry, plane, iterator);
}

kern_return_t IORegistryEntryGetChildEntry(io_registry_entry_t entry, const io_name_t plane, io_registry_entry_t* child)
{
    return handleResult("child", entry, plane, child);
}

kern_return_t IORegistryEntryGetParentEntry(io_registry_entry_t entry, const io_name_t plane, io_registry_entry_t* parent)
{
    return handleResult("parent", entry, plane, parent);
}

kern_return_t IORegistryEntryGetName(io_registry_entry_t entry, io_name_t name)
{
    return IORegistryEntryGetNameInPlane(entry, kIOServicePlane, name);
}

kern_return_t IORegistryEntryGetNameInPlane(io_registry_entry_t entry, const io_name_t plane, io_name_t name)
{
    auto reply = describe(entry, plane);
    if (!reply)
        return kIOReturnBadArgument;
    copyName(name, sizeof(io_name_t), reply->getObject("name"));
    return kIOReturnSuccess;
}

kern_return_t IORegistryEntryGetLocationInPlane(io_registry_entry_t entry, const io_name_t plane, io_name_t location)
{
    auto reply = describe(entry, plane);
    if (!reply)
        return kIOReturnBadArgument;
    if (!reply->getObject("location"))
        return kIOReturnNotFound;
    copyName(location, sizeof(io_name_t), reply->getObject("location"));
    return kIOReturnSuccess;
}

kern_return_t IORegistryEntryGetPath(io_registry_entry_t entry, const io_name_t plane, io_string_t path)
{
    auto reply = describe(entry, plane);
    if (!reply)
        return kIOReturnBadArgument;
    auto* text = OSDynamicCast(OSString, reply->getObject("path"));
    if (!text || text->getLength() == 0)
        return kIOReturnNotAttached;
    if (text->getLength() >= sizeof(io_string_t))
        return kIOReturnNoSpace;
    copyName(path, sizeof(io_string_t), text);
    return kIOReturnSuccess;
}

kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t entry, uint64_t* entryID)
{
    auto reply = describe(entry);
    if (!reply || !entryID)
        return kIOReturnBadArgument;
    *entryID = numberOf(reply.get(), "id");
    return kIOReturnSuccess;
}

kern_return_t IORegistryEntryCreateCFProperties(io_registry_entry_t entry, OSDictionary** properties, void*, uint32_t)
{
    if (!properties)
        return kIOReturnBadArgument;
    auto reply = request("properties", {{"h", number(entry).get()}});
    *properties = nullptr;
    if (!reply.ok())
        return reply.code();
    auto* dict = OSDynamicCast(OSDictionary, reply.value()->getObject("result"));
    if (dict) {
        dict->retain();
        *properties = dict;
    }
    return kIOReturnSuccess;
}

OSObject* IORegistryEntryCreateCFProperty(io_registry_entry_t entry, const OSString* key, void*, uint32_t)
{
    if (!key)
        return nullptr;
    auto reply = request("property", {{"h", number(entry).get()}, {"key", const_cast<OSString*>(key)}});
    OSObject* value = reply.ok() ? reply.value()->getObject("result") : nullptr;
    if (value)
        value->retain();
    return value;
}

kern_return_t IORegistryEntrySetCFProperties(io_registry_entry_t entry, OSObject* properties)
{
    if (!properties)
        return kIOReturnBadArgument;
    return request("setProperties", {{"h", number(entry).get()}, {"value", properties}}).code();
}

kern_return_t IORegistryEntrySetCFProperty(io_registry_entry_t entry, const OSString* propertyName, OSObject* property)
{
    if (!propertyName || !property)
        return kIOReturnBadArgument;
    OSSharedPtr<OSDictionary> one(OSDictionary::withCapacity(1), OSNoRetain);
    one->setObject(propertyName, property);
    return IORegistryEntrySetCFProperties(entry, one.get());
}

OSDictionary* IOServiceMatching(const char* name)
{
    if (!name)
        return nullptr;
    OSDictionary* matching = OSDictionary::withCapacity(1);
    matching->setObject(kIOProviderClassKey, string(name).get());
    return matching;
}

OSDictionary* IOServiceNameMatching(const char* name)
{
    if (!name)
        return nullptr;
    OSDictionary* matching = OSDictionary::withCapacity(1);
    matching->setObject(kIONameMatchKey, string(name).get());
    return matching;
}

kern_return_t IOServiceGetMatchingServices(mach_port_t, OSDictionary* matching, io_iterator_t* existing)
{
    OSSharedPtr<OSDictionary> consumed(matching, OSNoRetain); // one reference is ours, whatever happens
    if (!matching || !existing)
        return kIOReturnBadArgument;
    auto reply = request("matching", {{"matching", matching}});
    *existing = reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
    return reply.code();
}

io_service_t IOServiceGetMatchingService(mach_port_t mainPort, OSDictionary* matching)
{
    io_iterator_t iterator = 0;
    if (IOServiceGetMatchingServices(mainPort, matching, &iterator) != kIOReturnSuccess)
        return 0;
    const io_service_t first = IOIteratorNext(iterator);
    IOObjectRelease(iterator);
    return first;
}

kern_return_t IOServiceGetBusyState(io_service_t service, uint32_t* busyState)
{
    auto reply = request("busyState", {{"h", number(service).get()}});
    if (reply.ok() && busyState)
        *busyState = static_cast<uint32_t>(numberOf(reply.value().get(), "result"));
    return reply.code();
}

kern_return_t IOServiceWaitQuietNs(io_service_t service, uint64_t timeoutNs)
{
    return request("waitQuiet", {{"h", number(service).get()}, {"timeout", number(timeoutNs).get()}}).code();
}

IONotificationPortRef IONotificationPortCreate(mach_port_t)
{
    auto* port = new IONotificationPort;
    port->eventFD = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return port;
}

void IONotificationPortDestroy(IONotificationPortRef notify)
{
    if (!notify)
        return;
    {
        std::lock_guard lock(s_recordsMutex);
        std::erase_if(s_records, [&](const auto& entry) { return entry.second.port == notify; });
    }
    ::close(notify->eventFD);
    delete notify;
}

int IONotificationPortGetFileDescriptor(IONotificationPortRef notify)
{
    return notify ? notify->eventFD : -1;
}

unsigned IONotificationPortDispatch(IONotificationPortRef notify)
{
    if (!notify)
        return 0;
    uint64_t drained;
    [[maybe_unused]] ssize_t got = ::read(notify->eventFD, &drained, sizeof drained);
    std::deque<OSSharedPtr<OSDictionary>> due;
    {
        std::lock_guard lock(notify->mutex);
        due.swap(notify->pending);
    }
    unsigned ran = 0;
    for (const auto& message : due) {
        NotificationRecord record{};
        {
            std::lock_guard lock(s_recordsMutex);
            auto it = s_records.find(numberOf(message.get(), "ref"));
            if (it == s_records.end())
                continue;
            record = it->second;
        }
        auto* kind = OSDynamicCast(OSString, message->getObject("push"));
        if (!kind)
            continue;
        if (kind->isEqualTo("matching") && record.matching) {
            record.matching(record.refCon, static_cast<io_iterator_t>(numberOf(message.get(), "h")));
            ++ran;
        } else if (kind->isEqualTo("interest") && record.interest) {
            record.interest(record.refCon, static_cast<io_service_t>(numberOf(message.get(), "service")),
                            static_cast<uint32_t>(numberOf(message.get(), "message")),
                            reinterpret_cast<void*>(static_cast<uintptr_t>(numberOf(message.get(), "argument"))));
            ++ran;
        }
    }
    return ran;
}

kern_return_t IOServiceAddMatchingNotification(IONotificationPortRef notifyPort, const io_name_t notificationType,
                                               OSDictionary* matching, IOServiceMatchingCallback callback,
                                               void* refCon, io_iterator_t* notification)
{
    OSSharedPtr<OSDictionary> consumed(matching, OSNoRetain);
    if (!notifyPort || !notificationType || !matching || !callback || !notification)
        return kIOReturnBadArgument;
    const uint64_t token = addRecord({notifyPort, callback, nullptr, refCon});
    auto reply = request("addMatchingNotification", {{"type", string(notificationType).get()},
                                                     {"matching", matching},
                                                     {"ref", number(token).get()}});
    *notification = reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
    return reply.code();
}

kern_return_t IOServiceAddInterestNotification(IONotificationPortRef notifyPort, io_service_t service,
                                               const io_name_t interestType, IOServiceInterestCallback callback,
                                               void* refCon, io_object_t* notification)
{
    if (!notifyPort || !service || !interestType || !callback || !notification)
        return kIOReturnBadArgument;
    const uint64_t token = addRecord({notifyPort, nullptr, callback, refCon});
    auto reply = request("addInterestNotification", {{"h", number(service).get()},
                                                     {"type", string(interestType).get()},
                                                     {"ref", number(token).get()}});
    *notification = reply.ok() ? static_cast<io_object_t>(numberOf(reply.value().get(), "h")) : 0;
    return reply.code();
}
