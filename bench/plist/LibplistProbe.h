// SPDX-License-Identifier: GPL-2.0-or-later
// Timestamps of IOLab's calls into libplist, for the profiling breakdown.
// bench_plist is linked with --wrap for plist_from_xml, plist_to_xml and
// plist_free, so the calls Plist.cpp makes pass through LibplistProbe.cpp,
// which notes when each starts and ends while the probe is armed. That splits
// one fromXML or toXML call into its phases without touching core/.
#pragma once

#include <chrono>

namespace iolab::bench {

struct LibplistProbe {
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Span {
        TimePoint begin, end;
        int calls = 0;
    };
    bool armed = false;
    Span fromXML, toXML, free;

    void arm()
    {
        *this = {};
        armed = true;
    }
};

/// The probe; single-threaded use only.
LibplistProbe& libplistProbe();

} // namespace iolab::bench
