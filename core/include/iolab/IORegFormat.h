// SPDX-License-Identifier: GPL-2.0-or-later
// The ioreg formats: a snapshot of a registry subtree (live, or read from an
// `ioreg -a` archive), printed as macOS's ioreg prints it (the +-o tree, the
// object state, -l property dumps, -c/-n/-k searches with -r/-t, -d, -w, -x,
// -i) or written as the `ioreg -a` XML archive.
#pragma once

#include <IOKit/IORegistryEntry.h>
#include <iolab/IOResult.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iolab::ioreg {

/// One registry entry as a tool sees it.
struct Node {
    std::string name;
    std::optional<std::string> location;
    std::vector<std::string> classChain; ///< most-derived class first, OSObject excluded
    uint64_t id = 0;
    uint32_t retain = 0;
    bool isService = false;
    uint64_t state = 0;      ///< kIOService…State bits
    uint32_t busy = 0;
    uint64_t busyTimeNs = 0;
    OSSharedPtr<OSDictionary> properties; ///< may be null when not fetched
    std::vector<Node> children;

    const std::string& className() const;
    bool conformsTo(std::string_view className) const;
};

/// A snapshot of `root` and its descendants in `plane` (`maxDepth` levels
/// counting the root, 0 for all). Properties are copied when asked.
Node snapshot(IORegistryEntry* root, const IORegistryPlane* plane, unsigned maxDepth = 0, bool withProperties = true);

struct PrintOptions {
    bool listProperties = false; ///< -l
    bool hex = false;            ///< -x
    bool showState = true;       ///< -s (default) / -S
    bool inheritance = false;    ///< -i
    bool subtrees = false;       ///< -r: print the subtrees rooted at matches only
    bool locationOfSubtree = false; ///< -t: with -r, print the path down to each match
    unsigned depth = 0;          ///< -d: levels to print (0: all)
    unsigned width = 0;          ///< -w: clip lines (0: unlimited)
    std::string className;       ///< -c: list properties of objects of this class
    std::string name;            ///< -n: … with this name (name@location if it contains '@')
    std::string key;             ///< -k: … with this property
};

/// True if `node` meets the -c/-k/-n criteria (all that are given; false if none is).
bool matchesCriteria(const Node& node, const PrintOptions& options);

/// The ioreg text for `root`, ending with a newline per line.
std::string print(const Node& root, const PrintOptions& options);

/// Formats one property value as ioreg does ("Yes", <0a0b>, ("a","b"), {"k"=1}).
std::string formatValue(const OSObject* value, bool hex);

/// The `ioreg -a` archive of `root` (an XML property list): with -r, an array
/// of the matching subtrees; otherwise the root's dictionary.
IOResult<std::string> archive(const Node& root, const PrintOptions& options);
/// Reads an `ioreg -a` archive (XML or binary plist) back into nodes. A
/// top-level array (from -r) becomes the children of a synthetic root.
IOResult<Node> fromArchive(std::span<const uint8_t> bytes);

} // namespace iolab::ioreg
