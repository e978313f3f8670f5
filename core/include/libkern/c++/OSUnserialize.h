// SPDX-License-Identifier: GPL-2.0-or-later
// Reading serialized object trees back. Each returns a retained object, or NULL
// with *errorString (retained, if requested) saying what is wrong and where.
#pragma once

#include <libkern/c++/OSObject.h>

#include <cstddef>

class OSString;

/// An XML property list (or a bare XML plist value).
OSObject* OSUnserializeXML(const char* buffer, OSString** errorString = nullptr);
OSObject* OSUnserializeXML(const char* buffer, size_t bufferSize, OSString** errorString = nullptr);
/// I/O Kit's binary serialization (starts with kOSSerializeBinarySignature).
OSObject* OSUnserializeBinary(const char* buffer, size_t bufferSize, OSString** errorString = nullptr);
/// Either of the above, told apart by the signature.
OSObject* OSUnserialize(const char* buffer, OSString** errorString = nullptr);
