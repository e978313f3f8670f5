// SPDX-License-Identifier: GPL-2.0-or-later
// A deterministic, registry-like XML property list (what `ioreg -a -l` prints):
// nested IORegistryEntryChildren arrays of dictionaries with the keys I/O Kit
// entries typically carry. The same seed and size always give the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace iolab::bench {

struct RegistryDocument {
    std::string xml;
    size_t entries = 0; ///< registry entries (dictionaries with an IOClass)
    unsigned maxDepth = 0; ///< deepest registry entry below the root
};

constexpr uint64_t kRegistrySeed = 0x10AB'5EED'2024'0001ull;

/// At least `targetBytes` of XML (it stops after the entry that crosses it).
RegistryDocument generateRegistryPlist(size_t targetBytes, uint64_t seed = kRegistrySeed);

} // namespace iolab::bench
