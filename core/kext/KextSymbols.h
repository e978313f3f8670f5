// SPDX-License-Identifier: GPL-2.0-or-later
// A kext executable's dynamic symbols (through libelf), and which library a
// runtime symbol belongs to, so that OSBundleLibraries can be checked the way
// the kext linker does.
#pragma once

#include <iolab/IOResult.h>

#include <string>
#include <vector>

namespace iolab::kext {

struct SymbolTable {
    std::vector<std::string> undefined; ///< mangled names the executable needs
    std::vector<std::string> defined;   ///< mangled names it defines (global, not weak)
};

/// Reads the dynamic symbol table of the ELF shared object at `path`.
IOResult<SymbolTable> readSymbols(const std::string& path);
/// The readable (demangled) form of a symbol name.
std::string demangle(const std::string& name);
/// The built-in library that provides a runtime symbol ("com.apple.kpi.iokit"),
/// or an empty string for C/C++ runtime symbols that every kext may use.
std::string libraryForSymbol(const std::string& mangledName);

} // namespace iolab::kext
