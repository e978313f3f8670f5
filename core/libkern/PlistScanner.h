// SPDX-License-Identifier: GPL-2.0-or-later
// A validating scanner for XML property lists. It runs before libplist sees
// the text (libplist gives no position for its errors and recurses without
// bound on deep nesting), checks structure, limits, entities, numbers, base64
// and UTF-8, and reports the first problem with line and column.
#pragma once

#include <iolab/IOResult.h>
#include <iolab/Serialization.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace iolab::plist {

struct ScanResult {
    bool hasPlistElement = false; ///< false: a bare value that must be wrapped in <plist> for libplist
};

IOResult<ScanResult> scanXML(std::string_view text, const SerializationLimits& limits);

/// Validates a binary plist ("bplist00") before libplist parses it: trailer,
/// offset table, every object's bounds and references, no cycles, and the
/// limits on depth and on the size of the tree once shared objects are expanded.
IOResult<bool> checkBinaryPlist(std::span<const uint8_t> bytes, const SerializationLimits& limits);

} // namespace iolab::plist
