// SPDX-License-Identifier: GPL-2.0-or-later
// XML property lists: whatever fromXML accepts must survive toXML/toBinary
// and read back equal; whatever it rejects must be rejected with a message.
#include "FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    iolab::fuzz::require(iolab::test::xmlRoundTrip(text, iolab::fuzz::limits()));
    return 0;
}
