// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <iolab/client/Client.h>

namespace iolab::client {

/// Wire limits: a message is at most 4 MiB and 64 levels deep.
inline constexpr size_t kMaxMessageBytes = size_t(4) << 20;
inline constexpr unsigned kMaxMessageDepth = 64;

/// A notification pushed by the runtime: queued on its port (any thread).
void deliverPush(OSDictionary* message);
/// Drops every notification record (on disconnect).
void forgetNotifications();

} // namespace iolab::client
