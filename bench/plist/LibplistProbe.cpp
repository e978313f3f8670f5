// SPDX-License-Identifier: GPL-2.0-or-later
// The --wrap targets: each times the real libplist function while the probe
// is armed, and otherwise just forwards to it.
#include "LibplistProbe.h"

#include <plist/plist.h>

namespace iolab::bench {

LibplistProbe& libplistProbe()
{
    static LibplistProbe probe;
    return probe;
}

namespace {

template <class Call>
void timed(LibplistProbe::Span& span, Call&& call)
{
    LibplistProbe& probe = libplistProbe();
    if (!probe.armed) {
        call();
        return;
    }
    const auto begin = std::chrono::steady_clock::now();
    call();
    if (span.calls++ == 0) {
        span.begin = begin;
        span.end = std::chrono::steady_clock::now();
    }
}

} // namespace

} // namespace iolab::bench

extern "C" {

void __real_plist_from_xml(const char* xml, uint32_t length, plist_t* root);
void __real_plist_to_xml(plist_t root, char** xml, uint32_t* length);
void __real_plist_free(plist_t node);

void __wrap_plist_from_xml(const char* xml, uint32_t length, plist_t* root)
{
    iolab::bench::timed(iolab::bench::libplistProbe().fromXML, [&] { __real_plist_from_xml(xml, length, root); });
}

void __wrap_plist_to_xml(plist_t root, char** xml, uint32_t* length)
{
    iolab::bench::timed(iolab::bench::libplistProbe().toXML, [&] { __real_plist_to_xml(root, xml, length); });
}

void __wrap_plist_free(plist_t node)
{
    iolab::bench::timed(iolab::bench::libplistProbe().free, [&] { __real_plist_free(node); });
}

} // extern "C"
