// SPDX-License-Identifier: GPL-2.0-or-later
// One client's view of the runtime: its handles (registry entries, iterators,
// notifications, each with a reference count) and the requests it may make.
// A request and its reply are dictionaries (the wire carries them in
// OSSerializeBinary); every malformed request gets kIOReturnBadArgument with a
// reason, never a crash. Notifications are pushed through the callback given
// at creation (on runtime threads: the callback must only queue).
// Thread: any; m_mutex guards the handle table; runtime calls are made with it released.
#pragma once

#include <IOKit/IOService.h>
#include <libkern/c++/OSContainers.h>

#include <functional>
#include <map>
#include <mutex>

namespace iolab {

class Runtime;

namespace ipc {

class Session {
public:
    using Push = std::function<void(OSSharedPtr<OSDictionary>)>;
    Session(Runtime& runtime, Push push);
    /// Releases every handle and removes the session's notifications.
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Handles one request ({"op": …}); the reply always has a "status" number.
    OSSharedPtr<OSDictionary> handle(OSDictionary* request);
    size_t handleCount() const;

    struct Handle;

private:
    uint32_t addHandle(Handle handle);
    uint32_t entryHandle(OSObject* entry);
    Handle* find(uint32_t id);
    OSSharedPtr<OSDictionary> dispatch(const std::string& op, OSDictionary* request);
    void notify(uint32_t id, OSObject* service); // a matching notification has a new service
    /// Records the kernel notifier on its handle (or drops the handle if there is none).
    OSSharedPtr<OSDictionary> finishNotification(uint32_t handleID, IONotifier* notifier, const std::string& failed);
    void releaseAll();

    Runtime& m_runtime;
    Push m_push;
    mutable std::recursive_mutex m_mutex;
    std::map<uint32_t, std::unique_ptr<Handle>> m_handles;
    std::map<const OSObject*, uint32_t> m_entryHandles;
    uint32_t m_next = 1;
};

} // namespace ipc
} // namespace iolab
