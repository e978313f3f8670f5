// SPDX-License-Identifier: GPL-2.0-or-later
// This is the only file that includes <gelf.h>.
#include "KextSymbols.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace iolab::kext {

IOResult<SymbolTable> readSymbols(const std::string& path)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return IOError{kIOReturnInternalError, "libelf is out of date"};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return IOError{kIOReturnNotFound, path + ": " + std::strerror(errno)};
    SymbolTable table;
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        if (elf)
            elf_end(elf);
        ::close(fd);
        return IOError{kIOReturnBadArgument, path + ": not an ELF shared object"};
    }
    bool foundDynamic = false;
    for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != SHT_DYNSYM)
            continue;
        foundDynamic = true;
        Elf_Data* data = elf_getdata(section, nullptr);
        const size_t count = header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
        for (size_t i = 1; data && i < count; ++i) {
            GElf_Sym symbol;
            if (!gelf_getsym(data, static_cast<int>(i), &symbol))
                continue;
            const char* name = elf_strptr(elf, header.sh_link, symbol.st_name);
            if (!name || !*name)
                continue;
            const int binding = GELF_ST_BIND(symbol.st_info);
            if (symbol.st_shndx == SHN_UNDEF) {
                if (binding != STB_WEAK)
                    table.undefined.emplace_back(name);
            } else if (binding == STB_GLOBAL || binding == STB_GNU_UNIQUE) {
                table.defined.emplace_back(name);
            }
        }
    }
    elf_end(elf);
    ::close(fd);
    if (!foundDynamic)
        return IOError{kIOReturnBadArgument, path + ": has no dynamic symbol table (not a shared object?)"};
    return table;
}

std::string demangle(const std::string& name)
{
    int status = 0;
    char* readable = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
    if (status != 0 || !readable)
        return name;
    std::string result(readable);
    std::free(readable);
    return result;
}

std::string libraryForSymbol(const std::string& mangledName)
{
    std::string name = demangle(mangledName);
    for (const char* prefix : {"vtable for ", "typeinfo for ", "typeinfo name for ", "VTT for ", "non-virtual thunk to ",
                               "guard variable for ", "construction vtable for "}) {
        if (name.rfind(prefix, 0) == 0)
            name.erase(0, std::strlen(prefix));
    }
    struct Rule {
        const char* prefix;
        const char* library;
    };
    static const Rule kRules[] = {
        {"IOPCI", "com.apple.iokit.IOPCIFamily"},
        {"IOAGPDevice", "com.apple.iokit.IOPCIFamily"},
        {"IOUSBHost", "com.apple.iokit.IOUSBHostFamily"},
        {"IOUSB", "com.apple.iokit.IOUSBFamily"},
        {"IOAudio", "com.apple.iokit.IOAudioFamily"},
        {"IOBlockStorage", "com.apple.iokit.IOStorageFamily"},
        {"IOMedia", "com.apple.iokit.IOStorageFamily"},
        {"IOStorage", "com.apple.iokit.IOStorageFamily"},
        {"IOEthernet", "com.apple.iokit.IONetworkingFamily"},
        {"IONetwork", "com.apple.iokit.IONetworkingFamily"},
        {"IOSerial", "com.apple.iokit.IOSerialFamily"},
        {"IOHID", "com.apple.iokit.IOHIDFamily"},
        {"OS", "com.apple.kpi.libkern"},
        {"kOSBoolean", "com.apple.kpi.libkern"},
        {"iolab_kernel_printf", "com.apple.kpi.libkern"},
        {"IO", "com.apple.kpi.iokit"},
        {"gIO", "com.apple.kpi.iokit"},
        {"iolab::", "com.apple.kpi.iokit"},
        {"kernel_thread_start", "com.apple.kpi.mach"},
        {"thread_deallocate", "com.apple.kpi.mach"},
        {"current_thread", "com.apple.kpi.mach"},
        {"clock_", "com.apple.kpi.mach"},
        {"nanoseconds_to_absolutetime", "com.apple.kpi.mach"},
        {"absolutetime_to_nanoseconds", "com.apple.kpi.mach"},
    };
    for (const Rule& rule : kRules) {
        if (name.rfind(rule.prefix, 0) == 0)
            return rule.library;
    }
    return {};
}

} // namespace iolab::kext
