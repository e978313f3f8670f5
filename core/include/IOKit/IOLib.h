// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's kernel library: logging (later issues add memory, sleeping and threads).
#pragma once

#include <IOKit/IOTypes.h>
#include <cstdarg>

/// Appends a formatted line to the IOLog ring (see iolab/LogRing.h).
/// Safe from any thread; lines longer than the ring's line limit are cut.
void IOLog(const char* format, ...) __attribute__((format(printf, 1, 2)));
void IOLogv(const char* format, va_list arguments) __attribute__((format(printf, 1, 0)));

/// The readable text of an I/O Kit return code ("invalid argument").
const char* IOStringFromReturn(IOReturn code);
