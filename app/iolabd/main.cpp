// SPDX-License-Identifier: GPL-2.0-or-later
// iolabd: the IOLab runtime without a GUI.
#include <IOKit/IOService.h>
#include <iolab/IORegFormat.h>
#include <iolab/KextManager.h>
#include <iolab/LogRing.h>
#include <iolab/Runtime.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t s_stop = 0;

void usage(FILE* stream)
{
    std::fprintf(stream,
                 "usage: iolabd [--kext-path DIR]... [--print] [-l] [--log]\n"
                 "Runs the IOLab runtime without a GUI until SIGTERM or SIGINT, with the\n"
                 "driver bundles (*.kext) of each --kext-path loaded (default: the sample\n"
                 "drivers of this build, " IOLAB_DEFAULT_KEXT_PATH ").\n"
                 "  --print   boot, wait until matching is quiet, print the registry\n"
                 "            as ioreg does, and exit\n"
                 "  -l        with --print: list every entry's properties (ioreg -l)\n"
                 "  --log     with --print: also print the IOLog lines of the boot\n"
                 "  -h, --help  show this text\n");
}

} // namespace

int main(int argc, char** argv)
{
    bool printOnce = false, listProperties = false, showLog = false;
    std::vector<std::string> kextPaths;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--print") {
            printOnce = true;
        } else if (argument == "--kext-path" && i + 1 < argc) {
            kextPaths.push_back(argv[++i]);
        } else if (argument == "-l") {
            listProperties = true;
        } else if (argument == "--log") {
            showLog = true;
        } else if (argument == "-h" || argument == "--help") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "iolabd: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    if (kextPaths.empty())
        kextPaths.push_back(IOLAB_DEFAULT_KEXT_PATH);
    iolab::Runtime runtime;
    runtime.kexts().setSearchPath(kextPaths);
    int failures = 0;
    for (const std::string& directory : kextPaths) {
        for (const auto& result : runtime.kexts().loadDirectory(directory)) {
            if (!result.ok()) {
                std::fprintf(stderr, "iolabd: %s\n", result.error().message.c_str());
                ++failures;
            }
        }
    }
    runtime.waitQuiet();
    if (printOnce) {
        iolab::ioreg::PrintOptions options;
        options.listProperties = listProperties;
        auto root = iolab::ioreg::snapshot(IORegistryEntry::getRegistryRoot(), gIOServicePlane, 0, listProperties);
        std::fputs(iolab::ioreg::print(root, options).c_str(), stdout);
        if (showLog) {
            for (const auto& line : iolab::LogRing::global().read(0).lines)
                std::printf("log: %s\n", line.text.c_str());
        }
        return failures ? 1 : 0;
    }
    std::signal(SIGTERM, [](int) { s_stop = 1; });
    std::signal(SIGINT, [](int) { s_stop = 1; });
    std::fprintf(stderr, "iolabd: running (SIGTERM to stop)\n");
    while (!s_stop)
        pause();
    return 0;
}
