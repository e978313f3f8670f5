// SPDX-License-Identifier: GPL-2.0-or-later
// Object trees to and from bytes: XML and binary property lists (through
// libplist) and I/O Kit's binary serialization (the IPC payload format).
// Every reader enforces Limits and reports malformed input as an IOError whose
// message names the position and the reason; none of them crashes on bad input.
#pragma once

#include <iolab/IOResult.h>
#include <libkern/c++/OSObject.h>
#include <libkern/c++/OSSharedPtr.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace iolab {

struct SerializationLimits {
    size_t maxBytes = size_t(256) << 20;     ///< input size
    unsigned maxDepth = 256;                 ///< nesting of collections
    /// Objects in the whole tree, a shared object (binary plist reference,
    /// OSSerializeBinary back-reference) counted each time it is referred to.
    size_t maxElements = size_t(32) << 20;
    size_t maxCollectionCount = 16u << 20;   ///< members of one collection
};

namespace plist {

/// Parses an XML property list. Integers (decimal, even with leading zeros, or
/// 0x hexadecimal) become 64-bit OSNumbers, <real> becomes an OSString with
/// the shortest text of its value, <date> an OSString "YYYY-MM-DDTHH:MM:SSZ"
/// (only dates from 1932-12-13 to 2069-01-19 are accepted: libplist holds
/// them as 32-bit seconds), <data> becomes OSData. kIOReturnBadArgument with
/// "line L, column C" for malformed documents.
IOResult<OSSharedPtr<OSObject>> fromXML(std::string_view text, const SerializationLimits& limits = {});
/// Parses a binary property list ("bplist00"). Strings must be ASCII (type 5)
/// or UTF-16 without NUL or unpaired surrogates (type 6); null and fill
/// objects are refused. kIOReturnBadArgument with "byte N" when malformed.
IOResult<OSSharedPtr<OSObject>> fromBinary(std::span<const uint8_t> bytes, const SerializationLimits& limits = {});
/// Either format, told apart by the "bplist" signature.
IOResult<OSSharedPtr<OSObject>> fromBytes(std::span<const uint8_t> bytes, const SerializationLimits& limits = {});
/// Reads and parses a file; errors start with the file's path.
IOResult<OSSharedPtr<OSObject>> fromFile(const std::string& path, const SerializationLimits& limits = {});

/// An XML property list document for a tree of strings, symbols, numbers,
/// booleans, data, arrays, dictionaries, sets and ordered sets (sets become
/// arrays). kIOReturnBadArgument for other classes, and for strings or keys
/// that are not UTF-8 or hold a NUL or a control character XML 1.0 cannot
/// represent, naming the path. A carriage return is written as "&#13;" so
/// that XML readers keep it.
IOResult<std::string> toXML(const OSMetaClassBase* root);
/// A binary property list of the same trees; strings must be UTF-8 without NUL.
IOResult<std::vector<uint8_t>> toBinary(const OSMetaClassBase* root);

} // namespace plist

namespace binary {

/// I/O Kit's binary serialization of `root` (OSSerialize::binaryWithCapacity).
/// kIOReturnBadArgument for classes that cannot serialize themselves, strings
/// or data over 16 MiB and trees nested deeper than 512 levels.
IOResult<std::vector<uint8_t>> encode(const OSMetaClassBase* root);
/// Decodes OSSerializeBinary bytes (they start with kOSSerializeBinarySignature).
/// Strict: counts, end flags, no cycles, no duplicate keys, nothing after the
/// root. kIOReturnBadArgument with "byte N" when malformed.
IOResult<OSSharedPtr<OSObject>> decode(std::span<const uint8_t> bytes, const SerializationLimits& limits = {});

} // namespace binary

} // namespace iolab
