// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's binary serialization: what decode accepts must encode, decode to
// an exactly equal tree (classes, number widths, sets) and encode to the same
// bytes again.
#include "FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    iolab::fuzz::require(iolab::test::serializeBinaryRoundTrip(std::span(data, size), iolab::fuzz::limits()));
    return 0;
}
