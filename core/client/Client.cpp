// SPDX-License-Identifier: GPL-2.0-or-later
// Connections and IOLab's client calls. The in-process connection runs the
// same protocol as the socket one: requests and replies go through
// OSSerializeBinary, so both transports see exactly the same bytes.
#include "ClientInternals.h"

#include "../ipc/Session.h"

#include <iolab/Serialization.h>

#include <mutex>

namespace iolab::client {

namespace {

std::mutex s_connectionMutex;
std::shared_ptr<Connection> s_connection;

/// Encodes and decodes a dictionary, as the wire would.
IOResult<OSSharedPtr<OSDictionary>> roundTrip(OSDictionary* message)
{
    auto bytes = IOLAB_TRY(binary::encode(message));
    SerializationLimits limits;
    limits.maxBytes = kMaxMessageBytes;
    limits.maxDepth = kMaxMessageDepth;
    OSSharedPtr<OSObject> decoded = IOLAB_TRY(binary::decode(bytes, limits));
    auto dict = OSDynamicPtrCast<OSDictionary>(decoded);
    if (!dict)
        return IOError{kIOReturnIPCError, "message is not a dictionary"};
    return dict;
}

class InProcessConnection final : public Connection {
public:
    explicit InProcessConnection(Runtime& runtime)
        : m_session(runtime, [](OSSharedPtr<OSDictionary> message) {
              if (auto copy = roundTrip(message.get()); copy.ok())
                  deliverPush(copy.value().get());
          })
    {
    }

    IOResult<OSSharedPtr<OSDictionary>> call(OSDictionary* request) override
    {
        OSSharedPtr<OSDictionary> decoded = IOLAB_TRY(roundTrip(request));
        OSSharedPtr<OSDictionary> reply = m_session.handle(decoded.get());
        return roundTrip(reply.get());
    }

private:
    ipc::Session m_session;
};

} // namespace

IOReturn connectInProcess(Runtime& runtime)
{
    auto connection = std::make_shared<InProcessConnection>(runtime);
    std::lock_guard lock(s_connectionMutex);
    s_connection = std::move(connection);
    return kIOReturnSuccess;
}

void disconnect()
{
    std::shared_ptr<Connection> old;
    {
        std::lock_guard lock(s_connectionMutex);
        old.swap(s_connection);
    }
    forgetNotifications();
}

bool connected()
{
    std::lock_guard lock(s_connectionMutex);
    return s_connection != nullptr;
}

IOResult<OSSharedPtr<OSDictionary>> request(OSDictionary* message)
{
    std::shared_ptr<Connection> connection;
    {
        std::lock_guard lock(s_connectionMutex);
        connection = s_connection;
    }
    if (!connection)
        return IOError{kIOReturnNotReady, "not connected to an IOLab runtime"};
    OSSharedPtr<OSDictionary> reply = IOLAB_TRY(connection->call(message));
    auto* status = OSDynamicCast(OSNumber, reply->getObject("status"));
    if (!status)
        return IOError{kIOReturnIPCError, "reply without a status"};
    const auto code = static_cast<IOReturn>(status->unsigned32BitValue());
    if (code != kIOReturnSuccess) {
        auto* error = OSDynamicCast(OSString, reply->getObject("error"));
        return IOError{code, error ? error->getCStringNoCopy() : ioReturnDescription(code)};
    }
    return reply;
}

IOResult<OSSharedPtr<OSDictionary>> request(const char* op,
                                            std::initializer_list<std::pair<const char*, OSObject*>> arguments)
{
    OSSharedPtr<OSDictionary> message(OSDictionary::withCapacity(static_cast<unsigned>(arguments.size() + 1)), OSNoRetain);
    message->setObject("op", OSSharedPtr<OSString>(OSString::withCString(op), OSNoRetain).get());
    for (const auto& [key, value] : arguments) {
        if (value)
            message->setObject(key, value);
    }
    return request(message.get());
}

namespace {
std::string stringResult(OSDictionary* reply, const char* key)
{
    auto* string = OSDynamicCast(OSString, reply->getObject(key));
    return string ? string->getCStringNoCopy() : "";
}

uint64_t numberResult(OSDictionary* reply, const char* key)
{
    auto* number = OSDynamicCast(OSNumber, reply->getObject(key));
    return number ? number->unsigned64BitValue() : 0;
}

OSSharedPtr<OSString> text(const std::string& value)
{
    return OSSharedPtr<OSString>(OSString::withCString(value.c_str()), OSNoRetain);
}
} // namespace

IOResult<std::string> kextstat()
{
    auto reply = IOLAB_TRY(request("kextstat"));
    return stringResult(reply.get(), "text");
}

IOResult<std::string> kextLoad(const std::string& path)
{
    auto reply = IOLAB_TRY(request("kextLoad", {{"path", text(path).get()}}));
    return stringResult(reply.get(), "bundleID");
}

IOResult<void> kextUnload(const std::string& bundleID)
{
    auto reply = request("kextUnload", {{"bundleID", text(bundleID).get()}});
    if (!reply.ok())
        return reply.error();
    return {};
}

IOResult<Diagnosis> kextutil(const std::string& path)
{
    auto reply = IOLAB_TRY(request("kextutil", {{"path", text(path).get()}}));
    return Diagnosis{reply->getObject("loadable") == kOSBooleanTrue, stringResult(reply.get(), "text")};
}

IOResult<OSSharedPtr<OSDictionary>> ioclasscount()
{
    auto reply = IOLAB_TRY(request("ioclasscount"));
    return OSSharedPtr<OSDictionary>(OSDynamicCast(OSDictionary, reply->getObject("result")), OSRetain);
}

IOResult<LogBatch> log(uint64_t from)
{
    OSSharedPtr<OSNumber> start(OSNumber::withNumber(from, 64), OSNoRetain);
    auto reply = IOLAB_TRY(request("log", {{"from", start.get()}}));
    LogBatch batch;
    if (auto* lines = OSDynamicCast(OSArray, reply->getObject("lines"))) {
        for (unsigned i = 0; i < lines->getCount(); ++i) {
            if (auto* line = OSDynamicCast(OSString, lines->getObject(i)))
                batch.lines.emplace_back(line->getCStringNoCopy());
        }
    }
    batch.next = numberResult(reply.get(), "next");
    batch.missed = numberResult(reply.get(), "missed");
    batch.dropped = numberResult(reply.get(), "dropped");
    return batch;
}

IOResult<std::string> ioreg(const char* plane, OSDictionary* options)
{
    auto reply = IOLAB_TRY(request("ioreg", {{"plane", text(plane ? plane : "IOService").get()}, {"options", options}}));
    return stringResult(reply.get(), "text");
}

} // namespace iolab::client
