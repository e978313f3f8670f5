// SPDX-License-Identifier: GPL-2.0-or-later
// Driver bundles ("kexts"): X.kext/Contents/{Info.plist, Linux/<exe>.so,
// Resources/}. The manager validates a bundle (what kextutil -t prints),
// resolves OSBundleLibraries against built-in libraries under Apple's
// identifiers and loaded kexts, loads dependencies first, loads the executable
// with its classes staged so duplicates are refused, starts generic kexts,
// adds I/O Kit personalities to the catalogue, and unloads in reverse, refusing
// while instances or dependents remain. Thread: any; one load or unload at a
// time (m_mutex), never called from a driver's own start/stop.
#pragma once

#include <iolab/IOResult.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iolab {

class Runtime;

/// Apple's kext version strings ("1", "2.1.3", "1.7.9fc8", "3.0d5") as
/// comparable numbers; nullopt for a malformed string.
std::optional<uint64_t> parseKextVersion(std::string_view text);

struct KextInfo {
    unsigned index = 0;
    unsigned refs = 0;          ///< loaded kexts that link against this one
    uint64_t address = 0;       ///< where the executable is mapped (0 for built-ins)
    uint64_t size = 0;
    uint64_t wired = 0;
    std::string bundleID;
    std::string version;
    std::vector<unsigned> linkedAgainst; ///< indices of its libraries
    bool builtIn = false;
    std::string path;           ///< the bundle directory
    std::vector<std::string> classes; ///< classes its executable defines
};

/// What kextutil -t reports: every problem found, and whether it would load.
struct KextDiagnosis {
    std::string path;
    std::string bundleID;
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    bool loadable() const { return errors.empty(); }
    std::string text() const;
};

struct KextLoadOptions {
    bool checkPermissions = false; ///< refuse bundles not owned by root with 0755/0644 modes
    bool startMatching = true;     ///< add personalities (matching runs when providers exist)
};

class KextManager {
public:
    explicit KextManager(Runtime& runtime);
    /// Unloads every loaded kext, dependents first.
    ~KextManager();

    /// Directories searched for bundles that satisfy OSBundleLibraries.
    void setSearchPath(std::vector<std::string> directories);
    const std::vector<std::string>& searchPath() const { return m_searchPath; }

    /// Validates and loads the bundle at `path` (and, first, the kexts it needs
    /// from the search path). Errors name the bundle, the key or symbol, and what to do.
    IOResult<KextInfo> load(const std::string& path, const KextLoadOptions& options = {});
    /// Loads every *.kext in `directory` (sorted by name); one failure does not stop the others.
    std::vector<IOResult<KextInfo>> loadDirectory(const std::string& directory, const KextLoadOptions& options = {});
    /// Terminates the kext's drivers, stops it and unloads its executable.
    /// kIOReturnBusy naming the dependents or the classes with instances when it cannot.
    IOResult<void> unload(const std::string& bundleID);
    /// Everything load would check, without changing the runtime (the executable
    /// is loaded to look at its classes and then unloaded again).
    KextDiagnosis validate(const std::string& path);

    std::vector<KextInfo> loaded() const;
    std::optional<KextInfo> find(const std::string& bundleID) const;
    /// The kextstat table.
    std::string kextstat() const;

    struct Loaded;

private:
    IOResult<KextInfo> loadLocked(const std::string& path, const KextLoadOptions& options, std::vector<std::string>& chain);
    IOResult<void> unloadLocked(const std::string& bundleID);
    /// Unloads the kexts loaded after the first `keep`, newest first (stops at the first refusal).
    void unloadNewerLocked(size_t keep);
    KextInfo infoLocked(const Loaded& kext) const;
    std::string findInSearchPath(const std::string& bundleID) const;

    Runtime& m_runtime;
    mutable std::recursive_mutex m_mutex;
    std::vector<std::unique_ptr<Loaded>> m_loaded; // in load order (built-ins first)
    std::vector<std::string> m_searchPath;
    unsigned m_nextIndex = 1;
};

} // namespace iolab
