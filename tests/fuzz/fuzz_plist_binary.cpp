// SPDX-License-Identifier: GPL-2.0-or-later
// Binary property lists: the pre-scanner must stop every input libplist
// cannot take, and what is accepted must survive toBinary (and toXML, when
// XML can hold it) and read back equal.
#include "FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    iolab::fuzz::require(iolab::test::binaryPlistRoundTrip(std::span(data, size), iolab::fuzz::limits()));
    return 0;
}
