// SPDX-License-Identifier: GPL-2.0-or-later
#include "Session.h"

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOService.h>
#include <iolab/IORegFormat.h>
#include <iolab/KextManager.h>
#include <iolab/LogRing.h>
#include <iolab/Runtime.h>

#include <vector>

namespace iolab::ipc {

struct Session::Handle {
    enum class Kind { Entry, Iterator, Notification, Interest } kind = Kind::Entry;
    OSSharedPtr<OSObject> object;   // the entry, or the service an interest watches
    OSSharedPtr<OSArray> items;     // iterators and matching notifications
    unsigned next = 0;
    unsigned refs = 1;
    bool armed = false;             // matching notifications: drained since the last callback
    IONotifier* notifier = nullptr; // retained
    uint64_t callbackRef = 0;       // the client's refcon token, given back in pushes
};

namespace {

OSSharedPtr<OSDictionary> reply(IOReturn status)
{
    OSSharedPtr<OSDictionary> result(OSDictionary::withCapacity(4), OSNoRetain);
    result->setObject("status", OSSharedPtr<OSNumber>(OSNumber::withNumber(static_cast<uint32_t>(status), 32), OSNoRetain).get());
    return result;
}

OSSharedPtr<OSDictionary> failure(IOReturn status, const std::string& why)
{
    auto result = reply(status);
    result->setObject("error", OSSharedPtr<OSString>(OSString::withCString(why.c_str()), OSNoRetain).get());
    return result;
}

void put(OSDictionary* dict, const char* key, uint64_t number)
{
    dict->setObject(key, OSSharedPtr<OSNumber>(OSNumber::withNumber(number, 64), OSNoRetain).get());
}

void put(OSDictionary* dict, const char* key, const std::string& text)
{
    dict->setObject(key, OSSharedPtr<OSString>(OSString::withCString(text.c_str()), OSNoRetain).get());
}

bool numberArg(OSDictionary* request, const char* key, uint64_t& out)
{
    auto* number = OSDynamicCast(OSNumber, request->getObject(key));
    if (!number)
        return false;
    out = number->unsigned64BitValue();
    return true;
}

const char* stringArg(OSDictionary* request, const char* key)
{
    auto* string = OSDynamicCast(OSString, request->getObject(key));
    return string ? string->getCStringNoCopy() : nullptr;
}

const IORegistryPlane* planeArg(OSDictionary* request)
{
    const char* name = stringArg(request, "plane");
    return IORegistryEntry::getPlane(name ? name : kIOServicePlane);
}

} // namespace

Session::Session(Runtime& runtime, Push push) : m_runtime(runtime), m_push(std::move(push)) {}

Session::~Session()
{
    releaseAll();
}

void Session::releaseAll()
{
    std::vector<IONotifier*> notifiers;
    std::map<uint32_t, std::unique_ptr<Handle>> handles;
    {
        std::lock_guard lock(m_mutex);
        for (auto& [id, handle] : m_handles) {
            if (handle->notifier)
                notifiers.push_back(std::exchange(handle->notifier, nullptr));
        }
        handles.swap(m_handles);
        m_entryHandles.clear();
    }
    for (IONotifier* notifier : notifiers)
        notifier->remove(); // outside the lock: handlers take it
}

size_t Session::handleCount() const
{
    std::lock_guard lock(m_mutex);
    return m_handles.size();
}

uint32_t Session::addHandle(Handle handle)
{
    std::lock_guard lock(m_mutex);
    const uint32_t id = m_next++;
    if (handle.kind == Handle::Kind::Entry)
        m_entryHandles[handle.object.get()] = id;
    m_handles[id] = std::make_unique<Handle>(std::move(handle));
    return id;
}

uint32_t Session::entryHandle(OSObject* entry)
{
    if (!entry)
        return 0;
    std::lock_guard lock(m_mutex);
    if (auto it = m_entryHandles.find(entry); it != m_entryHandles.end()) {
        ++m_handles[it->second]->refs;
        return it->second;
    }
    Handle handle;
    handle.object.reset(entry, OSRetain);
    return addHandle(std::move(handle));
}

Session::Handle* Session::find(uint32_t id)
{
    auto it = m_handles.find(id);
    return it == m_handles.end() ? nullptr : it->second.get();
}

void Session::notify(uint32_t id, OSObject* service)
{
    bool send = false;
    uint64_t token = 0;
    {
        std::lock_guard lock(m_mutex);
        Handle* handle = find(id);
        if (!handle)
            return;
        handle->items->setObject(service);
        if (handle->armed) {
            handle->armed = false; // one callback, then drain to re-arm
            send = true;
            token = handle->callbackRef;
        }
    }
    if (send && m_push) {
        OSSharedPtr<OSDictionary> message(OSDictionary::withCapacity(3), OSNoRetain);
        put(message.get(), "push", std::string("matching"));
        put(message.get(), "h", id);
        put(message.get(), "ref", token);
        m_push(message);
    }
}

OSSharedPtr<OSDictionary> Session::finishNotification(uint32_t handleID, IONotifier* notifier, const std::string& failed)
{
    std::lock_guard lock(m_mutex);
    if (!notifier) {
        m_handles.erase(handleID);
        return failure(kIOReturnBadArgument, failed);
    }
    if (Handle* created = find(handleID))
        created->notifier = notifier;
    auto result = reply(kIOReturnSuccess);
    put(result.get(), "h", handleID);
    return result;
}

OSSharedPtr<OSDictionary> Session::handle(OSDictionary* request)
{
    if (!request)
        return failure(kIOReturnBadArgument, "the request is not a dictionary");
    const char* op = stringArg(request, "op");
    if (!op)
        return failure(kIOReturnBadArgument, "the request has no \"op\" string");
    return dispatch(op, request);
}

OSSharedPtr<OSDictionary> Session::dispatch(const std::string& op, OSDictionary* request)
{
    // Handle arguments: "h" names the object the request is about.
    uint64_t id = 0;
    auto entryArg = [&](OSSharedPtr<OSObject>& out) -> bool {
        if (!numberArg(request, "h", id))
            return false;
        std::lock_guard lock(m_mutex);
        Handle* handle = find(static_cast<uint32_t>(id));
        if (!handle || handle->kind != Handle::Kind::Entry)
            return false;
        out = handle->object;
        return true;
    };
    auto badHandle = [&] { return failure(kIOReturnBadArgument, op + ": \"h\" is not a registry entry handle of this session"); };

    if (op == "root") {
        auto result = reply(kIOReturnSuccess);
        put(result.get(), "h", entryHandle(IORegistryEntry::getRegistryRoot()));
        return result;
    }
    if (op == "release" || op == "retain") {
        if (!numberArg(request, "h", id))
            return failure(kIOReturnBadArgument, op + ": \"h\" is missing");
        IONotifier* removed = nullptr;
        {
            std::lock_guard lock(m_mutex);
            Handle* handle = find(static_cast<uint32_t>(id));
            if (!handle)
                return failure(kIOReturnBadArgument, op + ": no such handle");
            if (op == "retain") {
                ++handle->refs;
            } else if (--handle->refs == 0) {
                removed = std::exchange(handle->notifier, nullptr);
                m_entryHandles.erase(handle->object.get());
                m_handles.erase(static_cast<uint32_t>(id));
            }
        }
        if (removed)
            removed->remove();
        return reply(kIOReturnSuccess);
    }
    if (op == "describe") {
        OSSharedPtr<OSObject> object;
        if (!entryArg(object))
            return badHandle();
        auto* entry = OSDynamicCast(IORegistryEntry, object.get());
        const IORegistryPlane* plane = planeArg(request);
        auto result = reply(kIOReturnSuccess);
        put(result.get(), "class", std::string(entry->getMetaClass()->getClassName()));
        put(result.get(), "name", std::string(entry->getName(plane)));
        if (const char* location = entry->getLocation(plane))
            put(result.get(), "location", std::string(location));
        put(result.get(), "path", entry->path(plane));
        put(result.get(), "id", entry->getRegistryEntryID());
        put(result.get(), "retain", static_cast<uint64_t>(entry->getRetainCount()));
        if (auto* service = OSDynamicCast(IOService, entry)) {
            put(result.get(), "state", service->getState());
            put(result.get(), "busy", service->getBusyState());
        }
        return result;
    }
    if (op == "conformsTo") {
        OSSharedPtr<OSObject> object;
        const char* className = stringArg(request, "class");
        if (!entryArg(object) || !className)
            return failure(kIOReturnBadArgument, "conformsTo: needs \"h\" and \"class\"");
        auto result = reply(kIOReturnSuccess);
        result->setObject("result", object->metaCast(className) ? kOSBooleanTrue : kOSBooleanFalse);
        return result;
    }
    if (op == "superclass" || op == "bundleForClass") {
        const char* className = stringArg(request, "class");
        const OSMetaClass* meta = className ? OSMetaClass::getMetaClassWithName(className) : nullptr;
        if (!meta)
            return failure(kIOReturnNotFound, op + ": no class named " + (className ? className : "(none)"));
        auto result = reply(kIOReturnSuccess);
        if (op == "superclass") {
            if (meta->getSuperClass())
                put(result.get(), "result", std::string(meta->getSuperClass()->getClassName()));
        } else {
            put(result.get(), "result", std::string(meta->getKmodNameCString()));
        }
        return result;
    }
    if (op == "properties" || op == "property") {
        OSSharedPtr<OSObject> object;
        if (!entryArg(object))
            return badHandle();
        auto* entry = OSDynamicCast(IORegistryEntry, object.get());
        auto result = reply(kIOReturnSuccess);
        if (op == "properties") {
            OSSharedPtr<OSDictionary> copy(entry->dictionaryWithProperties(), OSNoRetain);
            result->setObject("result", copy.get());
        } else {
            const char* key = stringArg(request, "key");
            if (!key)
                return failure(kIOReturnBadArgument, "property: \"key\" is missing");
            OSSharedPtr<OSObject> value(entry->copyProperty(key), OSNoRetain);
            if (value)
                result->setObject("result", value.get());
        }
        return result;
    }
    if (op == "setProperties") {
        OSSharedPtr<OSObject> object;
        OSObject* value = request->getObject("value");
        if (!entryArg(object) || !value)
            return failure(kIOReturnBadArgument, "setProperties: needs \"h\" and \"value\"");
        return reply(OSDynamicCast(IORegistryEntry, object.get())->setProperties(value));
    }
    if (op == "children" || op == "parents" || op == "matching" || op == "fromPath" || op == "child" || op == "parent") {
        OSSharedPtr<OSArray> items;
        if (op == "matching") {
            auto* matching = OSDynamicCast(OSDictionary, request->getObject("matching"));
            if (!matching)
                return failure(kIOReturnBadArgument, "matching: \"matching\" must be a dictionary");
            OSSharedPtr<OSIterator> iterator(IOService::getMatchingServices(matching), OSNoRetain);
            items.reset(OSArray::withCapacity(8), OSNoRetain);
            while (OSObject* next = iterator ? iterator->getNextObject() : nullptr)
                items->setObject(next);
        } else if (op == "fromPath") {
            const char* path = stringArg(request, "path");
            if (!path)
                return failure(kIOReturnBadArgument, "fromPath: \"path\" is missing");
            OSSharedPtr<IORegistryEntry> entry(IORegistryEntry::fromPath(path), OSNoRetain);
            auto result = reply(entry ? kIOReturnSuccess : kIOReturnNotFound);
            put(result.get(), "h", entryHandle(entry.get()));
            return result;
        } else {
            OSSharedPtr<OSObject> object;
            if (!entryArg(object))
                return badHandle();
            const IORegistryPlane* plane = planeArg(request);
            if (!plane)
                return failure(kIOReturnBadArgument, op + ": no such plane");
            auto* entry = OSDynamicCast(IORegistryEntry, object.get());
            const bool down = op == "children" || op == "child";
            items.reset(down ? entry->copyChildren(plane) : entry->copyParents(plane), OSNoRetain);
            if (op == "child" || op == "parent") {
                auto result = reply(items->getCount() ? kIOReturnSuccess : kIOReturnNoDevice);
                put(result.get(), "h", entryHandle(items->getObject(0)));
                return result;
            }
        }
        Handle handle;
        handle.kind = Handle::Kind::Iterator;
        handle.items = items;
        auto result = reply(kIOReturnSuccess);
        put(result.get(), "h", addHandle(std::move(handle)));
        return result;
    }
    if (op == "next" || op == "reset" || op == "isValid") {
        if (!numberArg(request, "h", id))
            return failure(kIOReturnBadArgument, op + ": \"h\" is missing");
        OSObject* next = nullptr;
        {
            std::lock_guard lock(m_mutex);
            Handle* handle = find(static_cast<uint32_t>(id));
            if (!handle || !handle->items)
                return failure(kIOReturnBadArgument, op + ": \"h\" is not an iterator");
            if (op == "reset") {
                handle->next = 0;
                return reply(kIOReturnSuccess);
            }
            if (op == "isValid") {
                auto result = reply(kIOReturnSuccess);
                result->setObject("result", kOSBooleanTrue);
                return result;
            }
            next = handle->items->getObject(handle->next);
            if (next) {
                next->retain();
                ++handle->next;
            } else if (handle->kind == Handle::Kind::Notification) {
                handle->armed = true; // drained: the next arrival calls back
                handle->items->flushCollection();
                handle->next = 0;
            }
        }
        auto result = reply(kIOReturnSuccess);
        put(result.get(), "h", entryHandle(next));
        if (next)
            next->release();
        return result;
    }
    if (op == "addMatchingNotification") {
        const char* type = stringArg(request, "type");
        auto* matching = OSDynamicCast(OSDictionary, request->getObject("matching"));
        uint64_t ref = 0;
        numberArg(request, "ref", ref);
        if (!type || !matching)
            return failure(kIOReturnBadArgument, "addMatchingNotification: needs \"type\" and a \"matching\" dictionary");
        Handle handle;
        handle.kind = Handle::Kind::Notification;
        handle.items.reset(OSArray::withCapacity(8), OSNoRetain);
        handle.callbackRef = ref;
        const uint32_t handleID = addHandle(std::move(handle));
        OSSharedPtr<const OSSymbol> typeSymbol(OSSymbol::withCString(type), OSNoRetain);
        IONotifier* notifier = IOService::addMatchingNotification(
            typeSymbol.get(), matching,
            [](void* target, void* refCon, IOService* service, IONotifier*) {
                static_cast<Session*>(target)->notify(static_cast<uint32_t>(reinterpret_cast<uintptr_t>(refCon)), service);
                return true;
            },
            this, reinterpret_cast<void*>(static_cast<uintptr_t>(handleID)));
        return finishNotification(handleID, notifier, std::string("addMatchingNotification: unknown type ") + type);
    }
    if (op == "addInterestNotification") {
        OSSharedPtr<OSObject> object;
        const char* type = stringArg(request, "type");
        uint64_t ref = 0;
        numberArg(request, "ref", ref);
        auto* service = entryArg(object) ? OSDynamicCast(IOService, object.get()) : nullptr;
        if (!service || !type)
            return failure(kIOReturnBadArgument, "addInterestNotification: needs a service \"h\" and \"type\"");
        Handle handle;
        handle.kind = Handle::Kind::Interest;
        handle.object = object;
        handle.callbackRef = ref;
        const uint32_t serviceID = static_cast<uint32_t>(id);
        const uint32_t handleID = addHandle(std::move(handle));
        OSSharedPtr<const OSSymbol> typeSymbol(OSSymbol::withCString(type), OSNoRetain);
        IONotifier* notifier = service->registerInterest(
            typeSymbol.get(),
            [](void* target, void* refCon, UInt32 messageType, IOService*, void* argument, vm_size_t) -> IOReturn {
                auto* session = static_cast<Session*>(target);
                const auto ids = reinterpret_cast<uintptr_t>(refCon);
                OSSharedPtr<OSDictionary> message(OSDictionary::withCapacity(5), OSNoRetain);
                put(message.get(), "push", std::string("interest"));
                put(message.get(), "h", ids & 0xffffffffu);
                put(message.get(), "service", ids >> 32);
                put(message.get(), "message", messageType);
                put(message.get(), "argument", reinterpret_cast<uintptr_t>(argument));
                {
                    std::lock_guard lock(session->m_mutex);
                    Handle* handle = session->find(static_cast<uint32_t>(ids & 0xffffffffu));
                    if (!handle)
                        return kIOReturnSuccess;
                    put(message.get(), "ref", handle->callbackRef);
                }
                if (session->m_push)
                    session->m_push(message);
                return kIOReturnSuccess;
            },
            this, reinterpret_cast<void*>((static_cast<uintptr_t>(serviceID) << 32) | handleID));
        return finishNotification(handleID, notifier,
                                  std::string("addInterestNotification: unknown interest type ") + type);
    }
    if (op == "busyState" || op == "waitQuiet") {
        OSSharedPtr<OSObject> object;
        auto* service = entryArg(object) ? OSDynamicCast(IOService, object.get()) : nullptr;
        if (!service)
            return failure(kIOReturnBadArgument, op + ": \"h\" is not a service");
        if (op == "busyState") {
            auto result = reply(kIOReturnSuccess);
            put(result.get(), "result", service->getBusyState());
            return result;
        }
        uint64_t timeout = UINT64_MAX;
        numberArg(request, "timeout", timeout);
        return reply(service->waitQuiet(timeout));
    }
    // --- IOLab's own calls ----------------------------------------------------------------
    if (op == "kextLoad" || op == "kextutil") {
        const char* path = stringArg(request, "path");
        if (!path)
            return failure(kIOReturnBadArgument, op + ": \"path\" is missing");
        if (op == "kextutil") {
            const KextDiagnosis diagnosis = m_runtime.kexts().validate(path);
            auto result = reply(kIOReturnSuccess);
            put(result.get(), "text", diagnosis.text());
            result->setObject("loadable", diagnosis.loadable() ? kOSBooleanTrue : kOSBooleanFalse);
            return result;
        }
        auto loaded = m_runtime.kexts().load(path);
        if (!loaded.ok())
            return failure(loaded.code(), loaded.error().message);
        auto result = reply(kIOReturnSuccess);
        put(result.get(), "bundleID", loaded.value().bundleID);
        put(result.get(), "index", loaded.value().index);
        return result;
    }
    if (op == "kextUnload") {
        const char* bundleID = stringArg(request, "bundleID");
        if (!bundleID)
            return failure(kIOReturnBadArgument, "kextUnload: \"bundleID\" is missing");
        auto unloaded = m_runtime.kexts().unload(bundleID);
        return unloaded.ok() ? reply(kIOReturnSuccess) : failure(unloaded.code(), unloaded.error().message);
    }
    if (op == "kextstat") {
        auto result = reply(kIOReturnSuccess);
        put(result.get(), "text", m_runtime.kexts().kextstat());
        return result;
    }
    if (op == "ioclasscount") {
        auto result = reply(kIOReturnSuccess);
        OSSharedPtr<OSDictionary> counts(OSDictionary::withCapacity(64), OSNoRetain);
        for (const OSMetaClass* meta : OSMetaClass::allClasses())
            put(counts.get(), meta->getClassName(), meta->getInstanceCount());
        result->setObject("result", counts.get());
        return result;
    }
    if (op == "log") {
        uint64_t from = 0, max = 4096;
        numberArg(request, "from", from);
        numberArg(request, "max", max);
        const auto batch = LogRing::global().read(from, max);
        OSSharedPtr<OSArray> lines(OSArray::withCapacity(static_cast<unsigned>(batch.lines.size())), OSNoRetain);
        for (const LogLine& line : batch.lines)
            lines->setObject(OSSharedPtr<OSString>(OSString::withCString(line.text.c_str()), OSNoRetain).get());
        auto result = reply(kIOReturnSuccess);
        result->setObject("lines", lines.get());
        put(result.get(), "next", batch.next);
        put(result.get(), "missed", batch.missed);
        put(result.get(), "dropped", LogRing::global().dropped());
        return result;
    }
    if (op == "ioreg") {
        // The server formats (what ioreg prints, or the -a archive), from one snapshot.
        const IORegistryPlane* plane = planeArg(request);
        if (!plane)
            return failure(kIOReturnBadArgument, "ioreg: no such plane");
        auto* options = OSDynamicCast(OSDictionary, request->getObject("options"));
        ioreg::PrintOptions print;
        auto flag = [&](const char* key) { return options && options->getObject(key) == kOSBooleanTrue; };
        auto text = [&](const char* key) -> std::string {
            auto* string = options ? OSDynamicCast(OSString, options->getObject(key)) : nullptr;
            return string ? string->getCStringNoCopy() : "";
        };
        auto number = [&](const char* key) -> unsigned {
            auto* value = options ? OSDynamicCast(OSNumber, options->getObject(key)) : nullptr;
            return value ? value->unsigned32BitValue() : 0;
        };
        print.listProperties = flag("l");
        print.hex = flag("x");
        print.showState = !flag("S");
        print.inheritance = flag("i");
        print.subtrees = flag("r");
        print.locationOfSubtree = flag("t");
        print.depth = number("d");
        print.width = number("w");
        print.className = text("c");
        print.name = text("n");
        print.key = text("k");
        const bool needProperties = print.listProperties || !print.className.empty() || !print.name.empty() ||
                                    !print.key.empty() || flag("a");
        auto root = ioreg::snapshot(IORegistryEntry::getRegistryRoot(), plane, 0, needProperties);
        auto result = reply(kIOReturnSuccess);
        if (flag("a")) {
            auto archive = ioreg::archive(root, print);
            if (!archive.ok())
                return failure(archive.code(), archive.error().message);
            put(result.get(), "text", archive.value());
        } else {
            put(result.get(), "text", ioreg::print(root, print));
        }
        return result;
    }
    return failure(kIOReturnUnsupported, "unknown request \"" + op + "\"");
}

} // namespace iolab::ipc
