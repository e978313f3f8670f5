// SPDX-License-Identifier: GPL-2.0-or-later
// Loading and unloading driver bundles. See KextManager.h for the contract.
#include "KextSymbols.h"

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOLib.h>
#include <iolab/KextManager.h>
#include <iolab/KextRecord.h>
#include <iolab/Runtime.h>
#include <iolab/Serialization.h>
#include <iolab/Trace.h>
#include <libkern/c++/OSContainers.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <link.h>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace iolab {

namespace {

namespace fs = std::filesystem;

/// A library built into the runtime, under Apple's identifier.
struct BuiltinLibrary {
    const char* bundleID;
    const char* version;
    const char* compatibleVersion;
    std::vector<const char*> libraries; ///< what it links against (its symbols' closure)
};

const std::vector<BuiltinLibrary>& builtinLibraries()
{
    // The first five keep the book's kextstat indices (libkern is 4).
    static const std::vector<BuiltinLibrary> kLibraries = {
        {"com.apple.kpi.bsd", "12.0.0", "8.0.0", {}},
        {"com.apple.kpi.dsep", "12.0.0", "8.0.0", {}},
        {"com.apple.kpi.iokit", "12.0.0", "8.0.0", {}},
        {"com.apple.kpi.libkern", "12.0.0", "8.0.0", {}},
        {"com.apple.kpi.mach", "12.0.0", "8.0.0", {}},
        {"com.apple.kpi.private", "12.0.0", "8.0.0", {}},
        {"com.apple.kpi.unsupported", "12.0.0", "8.0.0", {"com.apple.kpi.mach", "com.apple.kpi.bsd"}},
        {"com.apple.kernel.6.0", "7.9.9", "1.0.0",
         {"com.apple.kpi.bsd", "com.apple.kpi.iokit", "com.apple.kpi.libkern", "com.apple.kpi.mach"}},
        {"com.apple.kernel.libkern", "12.0.0", "1.0.0", {"com.apple.kpi.libkern"}},
        {"com.apple.kernel.iokit", "12.0.0", "1.0.0", {"com.apple.kpi.iokit", "com.apple.kpi.libkern"}},
        {"com.apple.kernel.mach", "12.0.0", "1.0.0", {"com.apple.kpi.mach"}},
        {"com.apple.kernel.bsd", "12.0.0", "1.0.0", {"com.apple.kpi.bsd"}},
        {"com.apple.iokit.IOPCIFamily", "2.9", "1.0.0",
         {"com.apple.kpi.iokit", "com.apple.kpi.libkern", "com.apple.kpi.mach"}},
        {"com.apple.iokit.IOUSBFamily", "5.0.0", "1.8",
         {"com.apple.kpi.iokit", "com.apple.kpi.libkern", "com.apple.kpi.mach"}},
        {"com.apple.iokit.IOUSBHostFamily", "1.2", "1.0",
         {"com.apple.kpi.iokit", "com.apple.kpi.libkern", "com.apple.kpi.mach"}},
        {"com.apple.iokit.IOStorageFamily", "2.1", "1.0", {"com.apple.kpi.iokit", "com.apple.kpi.libkern"}},
        {"com.apple.iokit.IOAudioFamily", "1.8.0", "1.1fc6", {"com.apple.kpi.iokit", "com.apple.kpi.libkern"}},
        {"com.apple.iokit.IONetworkingFamily", "3.2", "1.0", {"com.apple.kpi.iokit", "com.apple.kpi.libkern"}},
        {"com.apple.iokit.IOSerialFamily", "11", "10.0.3", {"com.apple.kpi.iokit", "com.apple.kpi.libkern"}},
        {"com.apple.iokit.IOHIDFamily", "2.0.0", "1.0.0", {"com.apple.kpi.iokit", "com.apple.kpi.libkern"}},
    };
    return kLibraries;
}

struct Problems {
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    void error(std::string text) { errors.push_back(std::move(text)); }
    void warning(std::string text) { warnings.push_back(std::move(text)); }
};

/// What the Info.plist says.
struct Bundle {
    std::string path;
    OSSharedPtr<OSDictionary> info;
    std::string bundleID;
    std::string version;
    std::string executable;     ///< Contents/Linux/<CFBundleExecutable>, empty for a codeless kext
    std::vector<std::pair<std::string, std::string>> libraries; ///< id → minimum version
    OSSharedPtr<OSArray> personalities;
    std::vector<std::string> personalityClasses;
    bool isLibrary = false; ///< OSBundleCompatibleVersion present
    std::string compatibleVersion;
};

const OSString* stringValue(OSDictionary* dict, const char* key)
{
    return OSDynamicCast(OSString, dict->getObject(key));
}

/// Reads and checks Info.plist: everything that can be known without loading code.
Bundle readBundle(const std::string& path, Problems& problems)
{
    Bundle bundle;
    bundle.path = path;
    std::error_code error;
    if (!fs::is_directory(path, error)) {
        problems.error(path + ": not a directory (a kext is a folder X.kext/Contents/...)");
        return bundle;
    }
    const std::string infoPath = path + "/Contents/Info.plist";
    if (!fs::exists(infoPath, error)) {
        problems.error(path + ": Contents/Info.plist is missing");
        return bundle;
    }
    auto parsed = plist::fromFile(infoPath);
    if (!parsed.ok()) {
        problems.error("Info.plist is not a valid property list: " + parsed.error().message);
        return bundle;
    }
    bundle.info = OSDynamicPtrCast<OSDictionary>(parsed.value());
    if (!bundle.info) {
        problems.error("Info.plist: the top level must be a dictionary");
        return bundle;
    }
    OSDictionary* info = bundle.info.get();
    auto requireString = [&](const char* key, std::string& out, const char* example) {
        OSObject* value = info->getObject(key);
        if (!value) {
            problems.error(std::string("Info.plist: ") + key + " is missing (required: a string, e.g. " + example + ")");
            return false;
        }
        auto* string = OSDynamicCast(OSString, value);
        if (!string) {
            problems.error(std::string("Info.plist: ") + key + " must be a string, not a " +
                           value->getMetaClass()->getClassName());
            return false;
        }
        out = string->getCStringNoCopy();
        return true;
    };
    if (requireString("CFBundleIdentifier", bundle.bundleID, "com.example.driver.MyDriver")) {
        if (bundle.bundleID.empty() || bundle.bundleID.find_first_of(" /\\${}") != std::string::npos)
            problems.error("Info.plist: CFBundleIdentifier \"" + bundle.bundleID +
                           "\" is not a reverse-DNS identifier (was a build variable left unsubstituted?)");
    }
    if (requireString("CFBundleVersion", bundle.version, "1.0.0") && !parseKextVersion(bundle.version))
        problems.error("Info.plist: CFBundleVersion \"" + bundle.version +
                       "\" is not a kext version (major[.minor[.revision]][d|a|b|fc]N, e.g. 1.7.9fc8)");
    if (OSObject* type = info->getObject("CFBundlePackageType")) {
        auto* string = OSDynamicCast(OSString, type);
        if (!string || !string->isEqualTo("KEXT"))
            problems.error("Info.plist: CFBundlePackageType must be \"KEXT\"");
    }
    if (const OSString* compatible = stringValue(info, "OSBundleCompatibleVersion")) {
        bundle.isLibrary = true;
        bundle.compatibleVersion = compatible->getCStringNoCopy();
        if (!parseKextVersion(bundle.compatibleVersion))
            problems.error("Info.plist: OSBundleCompatibleVersion \"" + bundle.compatibleVersion + "\" is not a kext version");
    }
    if (OSObject* executable = info->getObject("CFBundleExecutable")) {
        auto* name = OSDynamicCast(OSString, executable);
        if (!name) {
            problems.error("Info.plist: CFBundleExecutable must be a string");
        } else {
            bundle.executable = path + "/Contents/Linux/" + name->getCStringNoCopy() + ".so";
            if (!fs::exists(bundle.executable, error))
                problems.error(std::string("executable Contents/Linux/") + name->getCStringNoCopy() +
                               ".so is missing (CFBundleExecutable names it; build the kext with iolab_add_kext)");
        }
    }
    if (OSObject* libraries = info->getObject("OSBundleLibraries")) {
        auto* dict = OSDynamicCast(OSDictionary, libraries);
        if (!dict) {
            problems.error("Info.plist: OSBundleLibraries must be a dictionary of bundle identifier → version");
        } else {
            for (unsigned i = 0; i < dict->getCount(); ++i) {
                const std::string id = dict->keyAtIndex(i)->getCStringNoCopy();
                auto* version = OSDynamicCast(OSString, dict->objectAtIndex(i));
                if (!version) {
                    problems.error("Info.plist: OSBundleLibraries: the version of " + id + " must be a string");
                    continue;
                }
                if (!parseKextVersion(version->getCStringNoCopy())) {
                    problems.error("Info.plist: OSBundleLibraries: \"" + std::string(version->getCStringNoCopy()) +
                                   "\" (for " + id + ") is not a kext version");
                    continue;
                }
                bundle.libraries.emplace_back(id, version->getCStringNoCopy());
            }
        }
    } else if (!bundle.executable.empty()) {
        problems.error("Info.plist: OSBundleLibraries is missing: a kext with an executable must declare the "
                       "libraries it links against (e.g. com.apple.kpi.libkern 9.0.0)");
    }
    bundle.personalities.reset(OSArray::withCapacity(4), OSNoRetain);
    if (OSObject* personalities = info->getObject("IOKitPersonalities")) {
        auto* dict = OSDynamicCast(OSDictionary, personalities);
        if (!dict) {
            problems.error("Info.plist: IOKitPersonalities must be a dictionary of personality name → matching dictionary");
        } else {
            for (unsigned i = 0; i < dict->getCount(); ++i) {
                const std::string name = dict->keyAtIndex(i)->getCStringNoCopy();
                auto* personality = OSDynamicCast(OSDictionary, dict->objectAtIndex(i));
                if (!personality) {
                    problems.error("Info.plist: personality \"" + name + "\" must be a dictionary");
                    continue;
                }
                const OSString* ioClass = stringValue(personality, kIOClassKey);
                const OSString* provider = stringValue(personality, kIOProviderClassKey);
                if (!ioClass)
                    problems.error("Info.plist: personality \"" + name + "\" has no IOClass string (the class to create)");
                if (!provider)
                    problems.error("Info.plist: personality \"" + name +
                                   "\" has no IOProviderClass string (the nub class it matches, e.g. IOResources)");
                if (!ioClass || !provider)
                    continue;
                // Each personality carries its bundle, as the catalogue expects.
                OSSharedPtr<OSDictionary> copy(OSDictionary::withDictionary(personality), OSNoRetain);
                if (!copy->getObject(kCFBundleIdentifierKey) && !bundle.bundleID.empty())
                    copy->setObject(kCFBundleIdentifierKey, OSSharedPtr<OSString>(OSString::withCString(bundle.bundleID.c_str()), OSNoRetain).get());
                copy->setObject(kIOPersonalityPublisherKey, OSSharedPtr<OSString>(OSString::withCString(bundle.bundleID.c_str()), OSNoRetain).get());
                bundle.personalities->setObject(copy.get());
                bundle.personalityClasses.emplace_back(ioClass->getCStringNoCopy());
            }
        }
    }
    if (bundle.executable.empty() && bundle.personalities->getCount() == 0 && problems.errors.empty())
        problems.warning("the bundle has neither an executable nor personalities: loading it does nothing");
    return bundle;
}

void checkPermissions(const std::string& path, Problems& problems)
{
    std::error_code error;
    auto check = [&](const fs::path& item) {
        struct stat info{};
        if (::lstat(item.c_str(), &info) != 0)
            return;
        const mode_t mode = info.st_mode & 07777;
        const bool directory = S_ISDIR(info.st_mode);
        if (info.st_uid != 0 || info.st_gid != 0)
            problems.error(item.string() + ": owned by " + std::to_string(info.st_uid) + ":" +
                           std::to_string(info.st_gid) + ", must be 0:0 (sudo chown -R 0:0 the bundle)");
        if (mode != (directory ? 0755u : 0644u)) {
            char text[64];
            std::snprintf(text, sizeof text, ": mode %04o, must be %04o", mode, directory ? 0755u : 0644u);
            problems.error(item.string() + text);
        }
    };
    check(path);
    for (auto it = fs::recursive_directory_iterator(path, error); !error && it != fs::recursive_directory_iterator();
         it.increment(error))
        check(it->path());
}

/// The address range of a loaded executable, from /proc/self/maps.
std::pair<uint64_t, uint64_t> mappingOf(const std::string& file)
{
    std::error_code error;
    const std::string real = fs::canonical(file, error).string();
    std::ifstream maps("/proc/self/maps");
    std::string line;
    uint64_t low = UINT64_MAX, high = 0;
    while (std::getline(maps, line)) {
        const size_t slash = line.find('/');
        if (slash == std::string::npos || line.compare(slash, std::string::npos, real) != 0)
            continue;
        unsigned long long start = 0, end = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx", &start, &end) == 2) {
            low = std::min<uint64_t>(low, start);
            high = std::max<uint64_t>(high, end);
        }
    }
    return low == UINT64_MAX ? std::make_pair(uint64_t(0), uint64_t(0)) : std::make_pair(low, high - low);
}

} // namespace

struct KextManager::Loaded {
    KextInfo info;
    void* handle = nullptr;
    const iolab_kext_record* record = nullptr;
    kmod_info_t kmod{};
    std::vector<Loaded*> libraries;       ///< direct libraries
    std::set<std::string> closure;        ///< every library reachable (by bundle ID)
    std::set<std::string> definedSymbols; ///< strong symbols its executable defines
    OSSharedPtr<OSArray> personalities;
    std::string compatibleVersion;
};

KextManager::KextManager(Runtime& runtime) : m_runtime(runtime)
{
    for (const BuiltinLibrary& library : builtinLibraries()) {
        auto loaded = std::make_unique<Loaded>();
        loaded->info.index = m_nextIndex++;
        loaded->info.bundleID = library.bundleID;
        loaded->info.version = library.version;
        loaded->info.builtIn = true;
        loaded->compatibleVersion = library.compatibleVersion;
        loaded->closure.insert(library.bundleID);
        for (const char* dependency : library.libraries) {
            for (auto& other : m_loaded) {
                if (other->info.bundleID == dependency) {
                    loaded->libraries.push_back(other.get());
                    loaded->closure.insert(other->closure.begin(), other->closure.end());
                }
            }
        }
        m_loaded.push_back(std::move(loaded));
    }
}

KextManager::~KextManager()
{
    std::lock_guard lock(m_mutex);
    // Dependents first: the reverse of load order.
    for (size_t i = m_loaded.size(); i-- > 0;) {
        if (!m_loaded[i]->info.builtIn) {
            auto result = unloadLocked(m_loaded[i]->info.bundleID);
            if (!result.ok())
                IOLog("kext: %s\n", result.error().message.c_str());
        }
    }
}

void KextManager::setSearchPath(std::vector<std::string> directories)
{
    std::lock_guard lock(m_mutex);
    m_searchPath = std::move(directories);
}

std::string KextManager::findInSearchPath(const std::string& bundleID) const
{
    std::error_code error;
    for (const std::string& directory : m_searchPath) {
        for (auto it = fs::directory_iterator(directory, error); !error && it != fs::directory_iterator();
             it.increment(error)) {
            if (it->path().extension() != ".kext")
                continue;
            Problems ignored;
            Bundle bundle = readBundle(it->path().string(), ignored);
            if (bundle.bundleID == bundleID)
                return it->path().string();
        }
    }
    return {};
}

KextInfo KextManager::infoLocked(const Loaded& kext) const
{
    KextInfo info = kext.info;
    info.refs = 0;
    for (const auto& other : m_loaded) {
        if (std::find(other->libraries.begin(), other->libraries.end(), &kext) != other->libraries.end())
            ++info.refs;
    }
    info.linkedAgainst.clear();
    for (const Loaded* library : kext.libraries)
        info.linkedAgainst.push_back(library->info.index);
    std::sort(info.linkedAgainst.rbegin(), info.linkedAgainst.rend());
    return info;
}

std::vector<KextInfo> KextManager::loaded() const
{
    std::lock_guard lock(m_mutex);
    std::vector<KextInfo> rows;
    for (const auto& kext : m_loaded)
        rows.push_back(infoLocked(*kext));
    return rows;
}

std::optional<KextInfo> KextManager::find(const std::string& bundleID) const
{
    std::lock_guard lock(m_mutex);
    for (const auto& kext : m_loaded) {
        if (kext->info.bundleID == bundleID)
            return infoLocked(*kext);
    }
    return std::nullopt;
}

std::string KextManager::kextstat() const
{
    std::string text = "Index Refs Address            Size       Wired      Name (Version) <Linked Against>\n";
    for (const KextInfo& row : loaded()) {
        char line[512];
        std::snprintf(line, sizeof line, "%5u %4u 0x%-16llx 0x%-8llx 0x%-8llx %s (%s)", row.index, row.refs,
                      static_cast<unsigned long long>(row.address), static_cast<unsigned long long>(row.size),
                      static_cast<unsigned long long>(row.wired), row.bundleID.c_str(), row.version.c_str());
        text += line;
        if (!row.linkedAgainst.empty()) {
            text += " <";
            for (size_t i = 0; i < row.linkedAgainst.size(); ++i)
                text += (i ? " " : "") + std::to_string(row.linkedAgainst[i]);
            text += ">";
        }
        text += "\n";
    }
    return text;
}

std::string KextDiagnosis::text() const
{
    std::string out = "Diagnostics for " + path + (bundleID.empty() ? "" : " (" + bundleID + ")") + ":\n";
    if (errors.empty() && warnings.empty())
        out += "  no problems found\n";
    for (const std::string& error : errors)
        out += "  error: " + error + "\n";
    for (const std::string& warning : warnings)
        out += "  warning: " + warning + "\n";
    out += path + (errors.empty() ? " appears to be loadable.\n" : " would not load.\n");
    return out;
}

namespace {

/// The loaded library that satisfies `id` at `required`, or a reason it cannot.
template <class LoadedList>
auto resolveLibrary(const LoadedList& loaded, const std::string& id, const std::string& required, std::string& why)
    -> typename LoadedList::value_type::pointer
{
    for (const auto& kext : loaded) {
        if (kext->info.bundleID != id)
            continue;
        const auto have = parseKextVersion(kext->info.version);
        const auto need = parseKextVersion(required);
        const auto compatible = parseKextVersion(kext->compatibleVersion.empty() ? kext->info.version
                                                                                 : kext->compatibleVersion);
        if (!have || !need || *have < *need) {
            why = id + ": found version " + kext->info.version + ", but " + required + " or later is required";
            return nullptr;
        }
        if (compatible && *need < *compatible) {
            why = id + ": version " + kext->info.version + " is only compatible back to " + kext->compatibleVersion +
                  ", but " + required + " is asked for";
            return nullptr;
        }
        return kext.get();
    }
    why = id + ": no such library is loaded or available (declared in OSBundleLibraries)";
    return nullptr;
}

} // namespace

IOResult<KextInfo> KextManager::load(const std::string& path, const KextLoadOptions& options)
{
    std::lock_guard lock(m_mutex);
    std::vector<std::string> chain;
    const size_t before = m_loaded.size();
    auto result = loadLocked(path, options, chain);
    if (!result.ok())
        unloadNewerLocked(before); // libraries loaded for it from the search path
    return result;
}

void KextManager::unloadNewerLocked(size_t keep)
{
    // Newest first, so dependents go before their libraries.
    while (m_loaded.size() > keep) {
        auto result = unloadLocked(m_loaded.back()->info.bundleID);
        if (!result.ok()) {
            IOLog("kext: %s\n", result.error().message.c_str());
            return;
        }
    }
}

IOResult<KextInfo> KextManager::loadLocked(const std::string& path, const KextLoadOptions& options,
                                           std::vector<std::string>& chain)
{
    Problems problems;
    Bundle bundle = readBundle(path, problems);
    auto fail = [&](IOReturn code) {
        std::string message = "cannot load " + path + (bundle.bundleID.empty() ? "" : " (" + bundle.bundleID + ")") + ":";
        for (const std::string& error : problems.errors)
            message += "\n  " + error;
        IOLog("kext: %s\n", message.c_str());
        return IOError{code, message};
    };
    if (!problems.errors.empty())
        return fail(kIOReturnBadArgument);
    if (options.checkPermissions)
        checkPermissions(path, problems);
    for (const auto& kext : m_loaded) {
        if (kext->info.bundleID == bundle.bundleID) {
            problems.error("a kext with the identifier " + bundle.bundleID + " is already loaded (index " +
                           std::to_string(kext->info.index) + "); unload it first");
            return fail(kIOReturnExclusiveAccess);
        }
    }
    if (std::find(chain.begin(), chain.end(), bundle.bundleID) != chain.end()) {
        problems.error("OSBundleLibraries form a cycle through " + bundle.bundleID);
        return fail(kIOReturnBadArgument);
    }
    chain.push_back(bundle.bundleID);

    // Libraries first: load missing ones from the search path.
    auto loaded = std::make_unique<Loaded>();
    for (const auto& [id, version] : bundle.libraries) {
        if (id == "com.apple.kpi.private") {
            problems.error("OSBundleLibraries: com.apple.kpi.private is reserved for Apple's own kexts; a third-party "
                           "kext that links against it is refused");
            continue;
        }
        std::string why;
        Loaded* library = resolveLibrary(m_loaded, id, version, why);
        if (!library && why.find("no such library") != std::string::npos) {
            if (const std::string found = findInSearchPath(id); !found.empty()) {
                auto dependency = loadLocked(found, options, chain);
                if (!dependency.ok()) {
                    problems.error("library " + id + " (" + found + ") failed to load: " + dependency.error().message);
                    continue;
                }
                library = resolveLibrary(m_loaded, id, version, why);
            }
        }
        if (!library) {
            problems.error("OSBundleLibraries: " + why);
            continue;
        }
        loaded->libraries.push_back(library);
        loaded->closure.insert(library->closure.begin(), library->closure.end());
    }
    chain.pop_back();
    if (!problems.errors.empty())
        return fail(kIOReturnNotFound);

    // The executable: its symbols must be covered by the libraries, and must not collide.
    if (!bundle.executable.empty()) {
        auto symbols = kext::readSymbols(bundle.executable);
        if (!symbols.ok()) {
            problems.error(symbols.error().message);
            return fail(kIOReturnBadArgument);
        }
        // A few symbols per missing library, then a count: a class derived from
        // IOService alone pulls in about a hundred.
        constexpr unsigned kShownPerLibrary = 3;
        std::map<std::string, unsigned> uncovered;
        for (const std::string& symbol : symbols.value().undefined) {
            std::string library = kext::libraryForSymbol(symbol);
            for (const auto& other : m_loaded) {
                if (!other->info.builtIn && other->definedSymbols.count(symbol))
                    library = other->info.bundleID;
            }
            if (library.empty() || loaded->closure.count(library) || loaded->closure.count("com.apple.kernel.6.0"))
                continue;
            if (++uncovered[library] <= kShownPerLibrary)
                problems.error("undefined symbol " + kext::demangle(symbol) + " comes from " + library +
                               ", which OSBundleLibraries does not declare (add " + library + ")");
        }
        for (const auto& [library, count] : uncovered) {
            if (count > kShownPerLibrary)
                problems.error("… and " + std::to_string(count - kShownPerLibrary) + " more undefined symbols from " +
                               library + " (add " + library + " to OSBundleLibraries)");
        }
        static const std::set<std::string> kPerKext = {IOLAB_KEXT_RECORD_SYMBOL, "_init", "_fini", "_edata", "_end",
                                                       "__bss_start"};
        for (const std::string& symbol : symbols.value().defined) {
            // Every kext has these (lookups go through its own handle), and a
            // sanitizer build adds an ODR indicator "__odr_asan.<global>" for
            // each global, including the record; the globals are checked themselves.
            if (kPerKext.count(symbol) || symbol.rfind("__odr_asan", 0) == 0)
                continue;
            bool definedByKext = false;
            for (const auto& other : m_loaded) {
                if (other->definedSymbols.count(symbol)) {
                    definedByKext = true;
                    problems.error("symbol " + kext::demangle(symbol) + " is already defined by loaded kext " +
                                   other->info.bundleID + " (one namespace for all kexts: give it a unique name)");
                }
            }
            // The runtime's own symbols are global too: loading a second definition
            // would bind the kext's constructors to the runtime's objects.
            if (!definedByKext && ::dlsym(RTLD_DEFAULT, symbol.c_str()))
                problems.error("symbol " + kext::demangle(symbol) + " is already defined by the runtime (one namespace "
                               "for the runtime and all kexts: give it a unique name)");
            loaded->definedSymbols.insert(symbol);
        }
        if (!problems.errors.empty())
            return fail(kIOReturnBadArgument);

        void* stage = OSMetaClass::preModLoad(bundle.bundleID.c_str());
        void* handle = ::dlopen(bundle.executable.c_str(), RTLD_NOW | RTLD_GLOBAL);
        std::string duplicate;
        const OSReturn staged = OSMetaClass::postModLoad(stage, &duplicate);
        if (!handle) {
            problems.error(std::string("the executable could not be loaded: ") + ::dlerror());
            return fail(kIOReturnError);
        }
        if (staged != kOSReturnSuccess) {
            ::dlclose(handle);
            problems.error("class " + duplicate + " is already defined (by the runtime or a loaded kext); class names "
                           "are global: use a reverse-DNS prefix like com_example_driver_" + duplicate);
            return fail(kIOReturnExclusiveAccess);
        }
        loaded->handle = handle;
        for (const OSMetaClass* meta : OSMetaClass::allClasses()) {
            if (bundle.bundleID == meta->getKmodNameCString())
                loaded->info.classes.emplace_back(meta->getClassName());
        }
        loaded->record = static_cast<const iolab_kext_record*>(::dlsym(handle, IOLAB_KEXT_RECORD_SYMBOL));
        if (!loaded->record) {
            problems.error("the executable has no kext record (" IOLAB_KEXT_RECORD_SYMBOL "): build it with the "
                           "IOLab SDK's iolab_add_kext");
        } else if (loaded->record->abiVersion != IOLAB_KEXT_ABI_VERSION) {
            problems.error("the kext was built for kext ABI " + std::to_string(loaded->record->abiVersion) +
                           "; this runtime loads ABI " + std::to_string(IOLAB_KEXT_ABI_VERSION) + ": rebuild it");
        }
        // Every personality's IOClass must exist: defined by this executable or one of its libraries.
        for (const std::string& className : bundle.personalityClasses) {
            const OSMetaClass* meta = OSMetaClass::getMetaClassWithName(className.c_str());
            if (!meta) {
                problems.error("personality IOClass " + className + " is not defined by the executable (missing "
                               "OSDefineMetaClassAndStructors(" + className + ", …)?)");
            } else if (bundle.bundleID != meta->getKmodNameCString() &&
                       !loaded->closure.count(meta->getKmodNameCString()) &&
                       std::string(meta->getKmodNameCString()) != "__kernel__") {
                problems.error("personality IOClass " + className + " is defined by " + meta->getKmodNameCString() +
                               ", which OSBundleLibraries does not declare");
            }
        }
        if (!problems.errors.empty()) {
            ::dlclose(handle);
            return fail(kIOReturnBadArgument);
        }
        const auto [address, size] = mappingOf(bundle.executable);
        loaded->info.address = address;
        loaded->info.size = loaded->info.wired = size;
    } else {
        for (const std::string& className : bundle.personalityClasses) {
            if (!OSMetaClass::getMetaClassWithName(className.c_str()))
                problems.error("personality IOClass " + className + " is not a loaded class (a codeless kext can only "
                               "name classes of the runtime or its libraries)");
        }
        if (!problems.errors.empty())
            return fail(kIOReturnBadArgument);
    }

    loaded->info.index = m_nextIndex++;
    loaded->info.bundleID = bundle.bundleID;
    loaded->info.version = bundle.version;
    loaded->info.path = path;
    loaded->compatibleVersion = bundle.compatibleVersion;
    loaded->closure.insert(bundle.bundleID);
    loaded->personalities = bundle.personalities;
    std::snprintf(loaded->kmod.name, sizeof loaded->kmod.name, "%s", bundle.bundleID.c_str());
    std::snprintf(loaded->kmod.version, sizeof loaded->kmod.version, "%s", bundle.version.c_str());
    loaded->kmod.info_version = 1;
    loaded->kmod.id = loaded->info.index;
    loaded->kmod.address = loaded->info.address;
    loaded->kmod.size = loaded->info.size;

    // Generic kexts start now; I/O Kit kexts start when their providers match.
    if (loaded->record && loaded->record->start) {
        loaded->kmod.start = loaded->record->start;
        loaded->kmod.stop = loaded->record->stop;
        const kern_return_t started = loaded->record->start(&loaded->kmod, nullptr);
        if (started != KERN_SUCCESS) {
            ::dlclose(loaded->handle);
            problems.error("its start function returned " + std::to_string(started) + " (KERN_SUCCESS is 0)");
            return fail(kIOReturnError);
        }
    }
    Loaded* kext = loaded.get();
    m_loaded.push_back(std::move(loaded));
    trace::recordText(trace::Kind::KextLoad, 0, bundle.bundleID, kext->info.index);
    IOLog("kext: loaded %s (%s) as index %u\n", bundle.bundleID.c_str(), bundle.version.c_str(), kext->info.index);
    if (options.startMatching && kext->personalities->getCount())
        m_runtime.catalogue()->addDrivers(kext->personalities.get(), true);
    return infoLocked(*kext);
}

std::vector<IOResult<KextInfo>> KextManager::loadDirectory(const std::string& directory, const KextLoadOptions& options)
{
    std::vector<std::string> paths;
    std::error_code error;
    for (auto it = fs::directory_iterator(directory, error); !error && it != fs::directory_iterator(); it.increment(error)) {
        if (it->path().extension() == ".kext")
            paths.push_back(it->path().string());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<IOResult<KextInfo>> results;
    std::lock_guard lock(m_mutex);
    for (const std::string& path : paths) {
        Problems ignored;
        const std::string id = readBundle(path, ignored).bundleID;
        if (std::any_of(m_loaded.begin(), m_loaded.end(), [&](const auto& kext) { return kext->info.bundleID == id; }))
            continue; // loaded already, e.g. as another one's library
        std::vector<std::string> chain;
        const size_t before = m_loaded.size();
        results.push_back(loadLocked(path, options, chain));
        if (!results.back().ok())
            unloadNewerLocked(before);
    }
    return results;
}

IOResult<void> KextManager::unload(const std::string& bundleID)
{
    std::lock_guard lock(m_mutex);
    return unloadLocked(bundleID);
}

IOResult<void> KextManager::unloadLocked(const std::string& bundleID)
{
    auto it = std::find_if(m_loaded.begin(), m_loaded.end(), [&](const auto& kext) { return kext->info.bundleID == bundleID; });
    if (it == m_loaded.end())
        return IOError{kIOReturnNotFound, "cannot unload " + bundleID + ": no kext with that identifier is loaded"};
    Loaded* kext = it->get();
    if (kext->info.builtIn)
        return IOError{kIOReturnNotPermitted, "cannot unload " + bundleID + ": it is built into the runtime"};
    std::vector<std::string> dependents;
    for (const auto& other : m_loaded) {
        if (std::find(other->libraries.begin(), other->libraries.end(), kext) != other->libraries.end())
            dependents.push_back(other->info.bundleID);
    }
    if (!dependents.empty()) {
        std::string names;
        for (const std::string& name : dependents)
            names += (names.empty() ? "" : ", ") + name;
        return IOError{kIOReturnBusy, "cannot unload " + bundleID + ": loaded kexts depend on it: " + names};
    }
    // Its drivers go first: removing the personalities terminates their instances.
    if (IOCatalogue* catalogue = m_runtime.catalogue()) {
        for (unsigned i = 0; kext->personalities && i < kext->personalities->getCount(); ++i)
            catalogue->removeDrivers(OSDynamicCast(OSDictionary, kext->personalities->getObject(i)), false);
    }
    m_runtime.waitQuiet(10'000'000'000ull);
    const auto live = OSMetaClass::liveClassesOfModule(bundleID.c_str());
    if (!live.empty()) {
        std::string names;
        for (const auto& [name, count] : live)
            names += (names.empty() ? "" : ", ") + name + " (" + std::to_string(count) + ")";
        return IOError{kIOReturnBusy, "cannot unload " + bundleID + ": instances of its classes still exist: " + names};
    }
    if (kext->record && kext->record->stop) {
        const kern_return_t stopped = kext->record->stop(&kext->kmod, nullptr);
        if (stopped != KERN_SUCCESS)
            return IOError{kIOReturnBusy, "cannot unload " + bundleID + ": its stop function returned " +
                                              std::to_string(stopped)};
    }
    if (kext->handle)
        ::dlclose(kext->handle);
    trace::recordText(trace::Kind::KextUnload, 0, bundleID, kext->info.index);
    IOLog("kext: unloaded %s\n", bundleID.c_str());
    m_loaded.erase(it);
    return {};
}

KextDiagnosis KextManager::validate(const std::string& path)
{
    KextDiagnosis diagnosis;
    diagnosis.path = path;
    std::lock_guard lock(m_mutex);
    Problems problems;
    Bundle bundle = readBundle(path, problems);
    diagnosis.bundleID = bundle.bundleID;
    const bool alreadyLoaded = std::any_of(m_loaded.begin(), m_loaded.end(),
                                           [&](const auto& kext) { return kext->info.bundleID == bundle.bundleID; });
    if (problems.errors.empty() && !alreadyLoaded) {
        // A trial load checks what only the executable can tell, then everything is undone.
        KextLoadOptions trial;
        trial.startMatching = false;
        std::vector<std::string> chain;
        const size_t before = m_loaded.size();
        auto result = loadLocked(path, trial, chain);
        if (!result.ok()) {
            const std::string& message = result.error().message;
            size_t start = message.find('\n');
            while (start != std::string::npos) {
                const size_t end = message.find('\n', start + 1);
                problems.error(message.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3));
                start = end;
            }
        }
        // Unload what the trial loaded, newest first (generic kexts are stopped again).
        unloadNewerLocked(before);
    } else if (alreadyLoaded) {
        problems.error("a kext with the identifier " + bundle.bundleID + " is already loaded");
    }
    diagnosis.errors = std::move(problems.errors);
    diagnosis.warnings = std::move(problems.warnings);
    return diagnosis;
}

} // namespace iolab
