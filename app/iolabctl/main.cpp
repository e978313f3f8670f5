// SPDX-License-Identifier: GPL-2.0-or-later
// iolabctl: the command line of IOLab, with the habits of the macOS tools
// (ioreg, kextstat, kextload, kextunload, kextutil, ioclasscount) and a log
// reader. It boots an embedded runtime for the one command, with the driver
// bundles of --kext-path loaded, and talks to it through the client API.
#include <iolab/KextManager.h>
#include <iolab/Runtime.h>
#include <iolab/client/Client.h>
#include <iolab/client/IOKitLib.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Common {
    std::vector<std::string> kextPaths;
    bool embedded = false;
    bool quiet = false;
};

/// Boots the embedded runtime the command talks to.
class Embedded {
public:
    explicit Embedded(const Common& common)
    {
        m_runtime.kexts().setSearchPath(common.kextPaths);
        for (const std::string& directory : common.kextPaths) {
            for (const auto& result : m_runtime.kexts().loadDirectory(directory)) {
                if (!result.ok() && !common.quiet)
                    std::fprintf(stderr, "iolabctl: %s\n", result.error().message.c_str());
            }
        }
        m_runtime.waitQuiet();
        iolab::client::connectInProcess(m_runtime);
    }
    ~Embedded() { iolab::client::disconnect(); }
    iolab::Runtime& runtime() { return m_runtime; }

private:
    iolab::Runtime m_runtime;
};

int fail(const iolab::IOError& error)
{
    std::fprintf(stderr, "iolabctl: %s\n", error.message.c_str());
    return 1;
}

OSSharedPtr<OSDictionary> optionsDictionary()
{
    return OSSharedPtr<OSDictionary>(OSDictionary::withCapacity(8), OSNoRetain);
}

void setFlag(OSDictionary* options, const char* key, bool on)
{
    if (on)
        options->setObject(key, kOSBooleanTrue);
}

void setText(OSDictionary* options, const char* key, const std::string& value)
{
    if (!value.empty())
        options->setObject(key, OSSharedPtr<OSString>(OSString::withCString(value.c_str()), OSNoRetain).get());
}

void setNumber(OSDictionary* options, const char* key, unsigned value)
{
    if (value)
        options->setObject(key, OSSharedPtr<OSNumber>(OSNumber::withNumber(value, 32), OSNoRetain).get());
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"iolabctl: inspect and drive an IOLab runtime (ioreg, kextstat, kextload, kextunload, kextutil, "
                 "ioclasscount, log)"};
    app.require_subcommand(1);
    Common common;
    app.add_option("--kext-path", common.kextPaths,
                   "directory of driver bundles to load into the embedded runtime (default: the sample drivers, " IOLAB_DEFAULT_KEXT_PATH ")");
    app.add_flag("--embedded", common.embedded, "boot an embedded runtime for this command (the only mode so far)");
    app.add_flag("-q,--quiet", common.quiet, "do not report bundles of the kext path that fail to load");

    // ioreg
    auto* ioreg = app.add_subcommand("ioreg", "show the I/O Registry as macOS's ioreg does");
    bool list = false, hex = false, archive = false, subtrees = false, tree = false, bold = false, inheritance = false,
         state = false, noState = false;
    std::string plane = "IOService", className, name, key;
    unsigned depth = 0, width = 0;
    ioreg->add_flag("-l", list, "list properties of all objects");
    ioreg->add_option("-p", plane, "traverse the registry over the given plane (IOService is default)");
    ioreg->add_option("-c", className, "list properties of objects with the given class");
    ioreg->add_option("-n", name, "list properties of objects with the given name");
    ioreg->add_option("-k", key, "list properties of objects with the given key");
    ioreg->add_flag("-r", subtrees, "show subtrees rooted by the given criteria");
    ioreg->add_option("-d", depth, "limit tree to the given depth");
    ioreg->add_option("-w", width, "clip output to the given line width (0 is unlimited)");
    ioreg->add_flag("-x", hex, "show data and numbers as hexadecimal");
    ioreg->add_flag("-a", archive, "archive output (an XML property list)");
    ioreg->add_flag("-t", tree, "show location of each subtree");
    ioreg->add_flag("-b", bold, "show object name in bold (accepted; output is plain)");
    ioreg->add_flag("-i", inheritance, "show object inheritance");
    ioreg->add_flag("-s", state, "show object state (the default)");
    ioreg->add_flag("-S", noState, "don't show object state");

    auto* kextstat = app.add_subcommand("kextstat", "list the loaded kexts");
    auto* kextload = app.add_subcommand("kextload", "load a kext");
    std::string loadPath;
    bool verbose = false;
    kextload->add_option("path", loadPath, "the .kext bundle")->required();
    kextload->add_flag("-v", verbose, "say what happens");
    auto* kextunload = app.add_subcommand("kextunload", "unload a kext (its drivers are terminated first)");
    std::string unloadID, unloadPath;
    kextunload->add_option("-b", unloadID, "the bundle identifier");
    kextunload->add_option("path", unloadPath, "the .kext bundle");
    auto* kextutil = app.add_subcommand("kextutil", "check a kext and say whether it would load");
    std::string utilPath;
    bool testOnly = false;
    kextutil->add_flag("-t", testOnly, "perform all possible tests and print the diagnosis (without loading)");
    kextutil->add_option("path", utilPath, "the .kext bundle")->required();
    auto* ioclasscount = app.add_subcommand("ioclasscount", "live instance counts of OSObject classes");
    std::vector<std::string> classes;
    ioclasscount->add_option("class", classes, "classes to show (all when none is given)");
    auto* logCommand = app.add_subcommand("log", "print the IOLog ring");
    bool follow = false;
    logCommand->add_flag("-f", follow, "keep printing new lines (until interrupted)");

    CLI11_PARSE(app, argc, argv);
    if (common.kextPaths.empty())
        common.kextPaths.push_back(IOLAB_DEFAULT_KEXT_PATH);
    Embedded embedded(common);

    if (ioreg->parsed()) {
        auto options = optionsDictionary();
        setFlag(options.get(), "l", list);
        setFlag(options.get(), "x", hex);
        setFlag(options.get(), "a", archive);
        setFlag(options.get(), "r", subtrees);
        setFlag(options.get(), "t", tree);
        setFlag(options.get(), "i", inheritance);
        setFlag(options.get(), "S", noState && !state);
        setText(options.get(), "c", className);
        setText(options.get(), "n", name);
        setText(options.get(), "k", key);
        setNumber(options.get(), "d", depth);
        setNumber(options.get(), "w", width);
        auto text = iolab::client::ioreg(plane.c_str(), options.get());
        if (!text.ok())
            return fail(text.error());
        std::fputs(text.value().c_str(), stdout);
        return 0;
    }
    if (kextstat->parsed()) {
        auto text = iolab::client::kextstat();
        if (!text.ok())
            return fail(text.error());
        std::fputs(text.value().c_str(), stdout);
        return 0;
    }
    if (kextload->parsed()) {
        auto loaded = iolab::client::kextLoad(loadPath);
        if (!loaded.ok())
            return fail(loaded.error());
        embedded.runtime().waitQuiet();
        if (verbose)
            std::printf("%s loaded successfully (or already loaded).\n", loaded.value().c_str());
        return 0;
    }
    if (kextunload->parsed()) {
        std::string id = unloadID;
        if (id.empty() && !unloadPath.empty()) {
            const auto diagnosis = embedded.runtime().kexts().validate(unloadPath);
            id = diagnosis.bundleID;
        }
        if (id.empty()) {
            std::fprintf(stderr, "iolabctl: kextunload needs -b <bundle id> or a .kext path\n");
            return 2;
        }
        auto unloaded = iolab::client::kextUnload(id);
        if (!unloaded.ok())
            return fail(unloaded.error());
        return 0;
    }
    if (kextutil->parsed()) {
        auto diagnosis = iolab::client::kextutil(utilPath);
        if (!diagnosis.ok())
            return fail(diagnosis.error());
        std::fputs(diagnosis.value().text.c_str(), stdout);
        return diagnosis.value().loadable ? 0 : 1;
    }
    if (ioclasscount->parsed()) {
        auto counts = iolab::client::ioclasscount();
        if (!counts.ok())
            return fail(counts.error());
        std::vector<std::pair<std::string, unsigned long long>> rows;
        OSDictionary* dict = counts.value().get();
        for (unsigned i = 0; i < dict->getCount(); ++i) {
            const std::string className = dict->keyAtIndex(i)->getCStringNoCopy();
            if (!classes.empty() && std::find(classes.begin(), classes.end(), className) == classes.end())
                continue;
            auto* number = OSDynamicCast(OSNumber, dict->objectAtIndex(i));
            rows.emplace_back(className, number ? number->unsigned64BitValue() : 0);
        }
        for (const std::string& wanted : classes) {
            if (std::none_of(rows.begin(), rows.end(), [&](const auto& row) { return row.first == wanted; })) {
                std::fprintf(stderr, "iolabctl: no class named %s\n", wanted.c_str());
                return 1;
            }
        }
        std::sort(rows.begin(), rows.end());
        for (const auto& [className, count] : rows)
            std::printf("%s = %llu\n", className.c_str(), count);
        return 0;
    }
    if (logCommand->parsed()) {
        // Embedded, the runtime lives for this command only: -f prints what the
        // boot logged and ends. Following a running runtime needs iolabd.
        auto batch = iolab::client::log(0);
        if (!batch.ok())
            return fail(batch.error());
        if (batch.value().missed)
            std::printf("(%llu lines were dropped before they could be read)\n",
                        static_cast<unsigned long long>(batch.value().missed));
        for (const std::string& line : batch.value().lines)
            std::printf("%s\n", line.c_str());
        if (follow)
            std::fprintf(stderr, "iolabctl: log -f follows a running iolabd; this embedded runtime has ended\n");
        return 0;
    }
    return 0;
}
