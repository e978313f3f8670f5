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
#include <vector>

namespace iolab::plist {

struct ScanResult {
    bool hasPlistElement = false; ///< false: a bare value that must be wrapped in <plist> for libplist
    /// Offsets of leading zeros of decimal <integer>s ("010"): libplist would
    /// read them as octal, so fromXML turns them into spaces first.
    std::vector<size_t> leadingZeros;
};

IOResult<ScanResult> scanXML(std::string_view text, const SerializationLimits& limits);

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
/// code points past U+10FFFF).
bool isValidUTF8(std::string_view text);

/// Validates a binary plist ("bplist00") before libplist parses it: trailer,
/// offset table, every object's bounds and references, no cycles, and the
/// limits on depth and on the size of the tree once shared objects are expanded.
IOResult<bool> checkBinaryPlist(std::span<const uint8_t> bytes, const SerializationLimits& limits);

} // namespace iolab::plist
