// SPDX-License-Identifier: GPL-2.0-or-later
// Common part of the serialization fuzz targets: the limits they run with and
// what they do when a round-trip property fails.
#pragma once

#include "SerializationProperties.h"

#include <cstdio>
#include <cstdlib>

namespace iolab::fuzz {

inline SerializationLimits limits()
{
    return test::fuzzingLimits();
}

/// Aborts (so libFuzzer keeps the input) when the property was violated.
inline void require(const test::RoundTrip& outcome)
{
    if (outcome.failure.empty())
        return;
    std::fprintf(stderr, "round-trip property violated: %s\n", outcome.failure.c_str());
    std::abort();
}

} // namespace iolab::fuzz
