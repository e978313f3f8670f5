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
    size_t maxElements = size_t(32) << 20;   ///< objects in the whole tree
    size_t maxCollectionCount = 16u << 20;   ///< members of one collection
};

namespace plist {

/// Parses an XML property list. Integers become 64-bit OSNumbers, <real> and
/// <date> become OSStrings with their text, <data> becomes OSData.
IOResult<OSSharedPtr<OSObject>> fromXML(std::string_view text, const SerializationLimits& limits = {});
/// Parses a binary property list ("bplist00").
IOResult<OSSharedPtr<OSObject>> fromBinary(std::span<const uint8_t> bytes, const SerializationLimits& limits = {});
/// Either format, told apart by the "bplist" signature.
IOResult<OSSharedPtr<OSObject>> fromBytes(std::span<const uint8_t> bytes, const SerializationLimits& limits = {});
/// Reads and parses a file; errors start with the file's path.
IOResult<OSSharedPtr<OSObject>> fromFile(const std::string& path, const SerializationLimits& limits = {});

/// An XML property list document for a tree of strings, symbols, numbers,
/// booleans, data, arrays, dictionaries, sets and ordered sets (sets become
/// arrays). kIOReturnBadArgument for other classes, naming the class and path.
IOResult<std::string> toXML(const OSMetaClassBase* root);
IOResult<std::vector<uint8_t>> toBinary(const OSMetaClassBase* root);

} // namespace plist

namespace binary {

/// I/O Kit's binary serialization of `root` (OSSerialize::binaryWithCapacity).
IOResult<std::vector<uint8_t>> encode(const OSMetaClassBase* root);
/// Decodes OSSerializeBinary bytes (they start with kOSSerializeBinarySignature).
IOResult<OSSharedPtr<OSObject>> decode(std::span<const uint8_t> bytes, const SerializationLimits& limits = {});

} // namespace binary

} // namespace iolab
