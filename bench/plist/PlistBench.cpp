// SPDX-License-Identifier: GPL-2.0-or-later
// bench_plist: times IOLab's XML plist reader and writer against libplist on
// the same document, in the same process, medians of repeated parse-write
// cycles. Prints a table for people and "VALUE <key> <number>" lines for
// bench/suites/plist.sh; BENCH_VERBOSE=1 also lists every run's time.
//
//   bench_plist generate OUT [MIB]     write the registry-like document
//   bench_plist measure FILE REPS      IOLab vs libplist, parse and write
//   bench_plist breakdown FILE REPS    where IOLab's parse and write time goes
//   bench_plist once FILE              one IOLab parse and write (for callgrind)
#include "LibplistProbe.h"
#include "RegistryGenerator.h"

#include <iolab/Serialization.h>
#include <libkern/c++/OSContainers.h>

#include <plist/plist.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using iolab::IOError;
using iolab::IOResult;
using iolab::bench::LibplistProbe;
using Clock = std::chrono::steady_clock;

double millisecondsSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Samples {
    std::vector<double> values;

    void add(double value) { values.push_back(value); }
    double median() const
    {
        std::vector<double> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        const size_t n = sorted.size();
        if (n == 0)
            return 0;
        return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
    double min() const { return values.empty() ? 0 : *std::min_element(values.begin(), values.end()); }
    double max() const { return values.empty() ? 0 : *std::max_element(values.begin(), values.end()); }
};

void printRow(const char* what, const Samples& samples)
{
    std::printf("  %-34s %10.2f ms %10.2f ms %10.2f ms\n", what, samples.median(), samples.min(), samples.max());
    if (std::getenv("BENCH_VERBOSE")) {
        std::printf("  %-34s", "  every run:");
        for (double value : samples.values)
            std::printf(" %.1f", value);
        std::printf("\n");
    }
}

void printHeader(const char* title, size_t reps)
{
    std::printf("%s (%zu runs each after warm-ups)\n", title, reps);
    std::printf("  %-34s %13s %13s %13s\n", "", "median", "min", "max");
}

bool readFile(const char* path, std::string& text)
{
    std::ifstream stream(path, std::ios::binary);
    if (!stream)
        return false;
    std::ostringstream buffer;
    buffer << stream.rdbuf();
    text = std::move(buffer).str();
    return true;
}

int fail(const std::string& message)
{
    std::fprintf(stderr, "bench_plist: %s\n", message.c_str());
    return 1;
}

struct LibplistXML {
    char* xml = nullptr;
    uint32_t length = 0;
    ~LibplistXML() { reset(); }
    void reset()
    {
        if (xml)
            plist_to_xml_free(xml);
        xml = nullptr;
        length = 0;
    }
};

plist_t libplistParse(const std::string& text)
{
    plist_t root = nullptr;
    plist_from_xml(text.data(), static_cast<uint32_t>(text.size()), &root);
    return root;
}

int generate(const char* path, double mebibytes)
{
    const auto target = static_cast<size_t>(mebibytes * 1024 * 1024);
    const auto start = Clock::now();
    const iolab::bench::RegistryDocument document = iolab::bench::generateRegistryPlist(target);
    const double elapsed = millisecondsSince(start);
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    if (!stream.write(document.xml.data(), static_cast<std::streamsize>(document.xml.size())))
        return fail(std::string("could not write ") + path);
    std::printf("generated %s: %.2f MiB, %zu registry entries, %u levels deep (seed 0x%llx, %.0f ms)\n", path,
                document.xml.size() / 1048576.0, document.entries, document.maxDepth,
                static_cast<unsigned long long>(iolab::bench::kRegistrySeed), elapsed);
    std::printf("VALUE document.bytes %zu\n", document.xml.size());
    std::printf("VALUE document.entries %zu\n", document.entries);
    return 0;
}

/// One parse-write-free cycle of a reader and writer, timed.
struct Cycle {
    double parseMs = 0;
    double writeMs = 0;
    std::string written;
};

IOResult<Cycle> iolabCycle(const std::string& text)
{
    Cycle cycle;
    auto start = Clock::now();
    auto parsed = iolab::plist::fromXML(text);
    cycle.parseMs = millisecondsSince(start);
    if (!parsed.ok())
        return IOError{parsed.error().code, "IOLab parse failed: " + parsed.error().message};
    start = Clock::now();
    auto written = iolab::plist::toXML(parsed.value().get());
    cycle.writeMs = millisecondsSince(start);
    if (!written.ok())
        return IOError{written.error().code, "IOLab write failed: " + written.error().message};
    cycle.written = std::move(written.value());
    return cycle;
}

IOResult<Cycle> libplistCycle(const std::string& text)
{
    Cycle cycle;
    auto start = Clock::now();
    plist_t root = libplistParse(text);
    cycle.parseMs = millisecondsSince(start);
    if (!root)
        return IOError{kIOReturnBadArgument, "libplist parse failed"};
    LibplistXML xml;
    start = Clock::now();
    plist_to_xml(root, &xml.xml, &xml.length);
    cycle.writeMs = millisecondsSince(start);
    plist_free(root);
    if (!xml.xml)
        return IOError{kIOReturnNoMemory, "libplist write failed"};
    cycle.written.assign(xml.xml, xml.length);
    return cycle;
}

int measure(const std::string& text, size_t reps)
{
    constexpr size_t kWarmups = 2;
    // Each cycle frees everything it made before the next one starts, and each
    // implementation runs its cycles as one block after two warm-up cycles: the
    // heap a cycle starts from then looks the same every time. (Trees that
    // outlive a cycle fragment the heap so later runs get slower and slower,
    // and a cycle that follows the other implementation's cycle inherits free
    // lists shaped for the other's allocations: both skew the medians.)
    struct Contender {
        const char* name;
        IOResult<Cycle> (*cycle)(const std::string&);
        Samples parse, write;
        std::string written;
    } contenders[] = {{"IOLab", iolabCycle, {}, {}, {}}, {"libplist", libplistCycle, {}, {}, {}}};
    for (Contender& contender : contenders) {
        for (size_t rep = 0; rep < kWarmups + reps; ++rep) {
            auto cycle = contender.cycle(text);
            if (!cycle.ok())
                return fail(cycle.error().message);
            if (rep < kWarmups)
                continue;
            contender.parse.add(cycle.value().parseMs);
            contender.write.add(cycle.value().writeMs);
            contender.written = std::move(cycle.value().written);
        }
    }
    const Contender& iolab = contenders[0];
    const Contender& peer = contenders[1];

    printHeader("XML plist, IOLab vs libplist " IOLAB_LIBPLIST_VERSION, reps);
    printRow("IOLab    parse  (fromXML)", iolab.parse);
    printRow("libplist parse  (plist_from_xml)", peer.parse);
    printRow("IOLab    write  (toXML)", iolab.write);
    printRow("libplist write  (plist_to_xml)", peer.write);
    std::printf("  written documents: IOLab %zu bytes, libplist %zu bytes (%s)\n", iolab.written.size(),
                peer.written.size(), iolab.written == peer.written ? "identical" : "they differ");
    std::printf("VALUE iolab.parse_ms %.3f\n", iolab.parse.median());
    std::printf("VALUE iolab.write_ms %.3f\n", iolab.write.median());
    std::printf("VALUE libplist.parse_ms %.3f\n", peer.parse.median());
    std::printf("VALUE libplist.write_ms %.3f\n", peer.write.median());
    return 0;
}

double millisecondsBetween(Clock::time_point begin, Clock::time_point end)
{
    return std::chrono::duration<double, std::milli>(end - begin).count();
}

/// Splits IOLab's parse and write into phases with the libplist probe: the
/// timestamps of the libplist calls inside one fromXML or toXML call mark
/// where each phase starts and ends. Two warm-up cycles, then `reps`.
int breakdown(const std::string& text, size_t reps)
{
    auto& probe = iolab::bench::libplistProbe();
    Samples total, scan, parse, convert, free, rest;
    Samples writeTotal, toPlist, write, copy, writeFree, writeRest;
    for (size_t rep = 0; rep < 2 + reps; ++rep) {
        probe.arm();
        const auto start = Clock::now();
        auto parsed = iolab::plist::fromXML(text);
        const auto end = Clock::now();
        probe.armed = false;
        if (!parsed.ok())
            return fail("IOLab parse failed: " + parsed.error().message);
        if (probe.fromXML.calls != 1 || probe.free.calls != 1)
            return fail("fromXML no longer makes one plist_from_xml and one plist_free call: update the breakdown");
        const LibplistProbe parseProbe = probe;

        probe.arm();
        const auto writeStart = Clock::now();
        auto written = iolab::plist::toXML(parsed.value().get());
        const auto writeEnd = Clock::now();
        probe.armed = false;
        if (!written.ok())
            return fail("IOLab write failed: " + written.error().message);
        if (probe.toXML.calls != 1 || probe.free.calls != 1)
            return fail("toXML no longer makes one plist_to_xml and one plist_free call: update the breakdown");
        if (rep < 2)
            continue;

        const auto& p = parseProbe;
        total.add(millisecondsBetween(start, end));
        scan.add(millisecondsBetween(start, p.fromXML.begin));
        parse.add(millisecondsBetween(p.fromXML.begin, p.fromXML.end));
        convert.add(millisecondsBetween(p.fromXML.end, p.free.begin));
        free.add(millisecondsBetween(p.free.begin, p.free.end));
        rest.add(millisecondsBetween(p.free.end, end));
        const auto& w = probe;
        writeTotal.add(millisecondsBetween(writeStart, writeEnd));
        toPlist.add(millisecondsBetween(writeStart, w.toXML.begin));
        write.add(millisecondsBetween(w.toXML.begin, w.toXML.end));
        copy.add(millisecondsBetween(w.toXML.end, w.free.begin));
        writeFree.add(millisecondsBetween(w.free.begin, w.free.end));
        writeRest.add(millisecondsBetween(w.free.end, writeEnd));
    }

    auto row = [](const char* what, const Samples& part, const Samples& whole) {
        const double share = whole.median() > 0 ? 100.0 * part.median() / whole.median() : 0.0;
        std::printf("  %-50s %9.2f ms  %3.0f%%\n", what, part.median(), share);
    };
    std::printf("Where IOLab's parse goes (medians of %zu fromXML calls, split where it calls libplist)\n", reps);
    row("fromXML, total", total, total);
    row("pre-scan (PlistScanner.cpp scanXML)", scan, total);
    row("libplist plist_from_xml", parse, total);
    row("plist_t -> OSObject conversion (Plist.cpp ToObject)", convert, total);
    row("libplist plist_free of the intermediate tree", free, total);
    row("returning the result", rest, total);
    std::printf("Where IOLab's write goes (medians of %zu toXML calls)\n", reps);
    row("toXML, total", writeTotal, writeTotal);
    row("OSObject -> plist_t conversion (Plist.cpp toPlist)", toPlist, writeTotal);
    row("libplist plist_to_xml", write, writeTotal);
    row("copying the text into a std::string", copy, writeTotal);
    row("libplist plist_free of the intermediate tree", writeFree, writeTotal);
    row("returning the result", writeRest, writeTotal);
    std::printf("VALUE breakdown.scan_ms %.3f\n", scan.median());
    std::printf("VALUE breakdown.libplist_parse_ms %.3f\n", parse.median());
    std::printf("VALUE breakdown.convert_ms %.3f\n", convert.median());
    std::printf("VALUE breakdown.libplist_free_ms %.3f\n", free.median());
    std::printf("VALUE breakdown.to_plist_ms %.3f\n", toPlist.median());
    std::printf("VALUE breakdown.libplist_write_ms %.3f\n", write.median());
    return 0;
}

int once(const std::string& text)
{
    auto parsed = iolab::plist::fromXML(text);
    if (!parsed.ok())
        return fail("IOLab parse failed: " + parsed.error().message);
    auto written = iolab::plist::toXML(parsed.value().get());
    if (!written.ok())
        return fail("IOLab write failed: " + written.error().message);
    std::printf("parsed and wrote %zu bytes\n", written.value().size());
    return 0;
}

int usage()
{
    std::fprintf(stderr, "usage: bench_plist generate OUT [MIB] | measure FILE REPS | breakdown FILE REPS | once FILE\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3)
        return usage();
    const std::string_view command = argv[1];
    if (command == "generate")
        return generate(argv[2], argc > 3 ? std::atof(argv[3]) : 10.0);
    std::string text;
    if (!readFile(argv[2], text))
        return fail(std::string("could not read ") + argv[2]);
    if (text.size() > UINT32_MAX)
        return fail("document larger than 4 GiB");
    const size_t reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
    if (command == "measure")
        return measure(text, reps);
    if (command == "breakdown")
        return breakdown(text, reps);
    if (command == "once")
        return once(text);
    return usage();
}
