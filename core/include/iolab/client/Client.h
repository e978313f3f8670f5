// SPDX-License-Identifier: GPL-2.0-or-later
// The connection IOKitLib's calls go through, and IOLab's own client calls
// (kexts, ioclasscount, the IOLog ring, ioreg text). One protocol: requests and
// replies are dictionaries, carried in OSSerializeBinary, in-process (the GUI,
// embedded tools) or over a socket to iolabd.
#pragma once

#include <iolab/IOResult.h>
#include <libkern/c++/OSContainers.h>

#include <memory>
#include <string>
#include <vector>

namespace iolab {
class Runtime;
}

namespace iolab::client {

class Connection {
public:
    virtual ~Connection() = default;
    /// Sends one request and waits for its reply. Transport failures are
    /// kIOReturnIPCError; the reply's own "status" is left to the caller.
    virtual IOResult<OSSharedPtr<OSDictionary>> call(OSDictionary* request) = 0;
};

/// Makes `runtime` (in this process) the target of IOKitLib calls.
IOReturn connectInProcess(Runtime& runtime);
/// Drops the current connection (its handles and notifications go with it).
void disconnect();
bool connected();

/// Sends `request` on the current connection; the reply's "status" becomes the
/// result's code, its "error" the message.
IOResult<OSSharedPtr<OSDictionary>> request(OSDictionary* request);
/// Builds and sends {"op": op, …}.
IOResult<OSSharedPtr<OSDictionary>> request(const char* op,
                                            std::initializer_list<std::pair<const char*, OSObject*>> arguments = {});

// IOLab's calls.
IOResult<std::string> kextstat();
IOResult<std::string> kextLoad(const std::string& path); ///< the bundle ID loaded
IOResult<void> kextUnload(const std::string& bundleID);
struct Diagnosis {
    bool loadable = false;
    std::string text;
};
IOResult<Diagnosis> kextutil(const std::string& path);
IOResult<OSSharedPtr<OSDictionary>> ioclasscount();
struct LogBatch {
    std::vector<std::string> lines;
    uint64_t next = 0;
    uint64_t missed = 0;
    uint64_t dropped = 0;
};
IOResult<LogBatch> log(uint64_t from);
/// ioreg's text (or archive with "a") for `options` ("l", "x", "c", "n", "k", "d", …).
IOResult<std::string> ioreg(const char* plane, OSDictionary* options);

} // namespace iolab::client
