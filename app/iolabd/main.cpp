// SPDX-License-Identifier: GPL-2.0-or-later
// iolabd: the IOLab runtime without a GUI.
#include <libkern/c++/OSContainers.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::printf("usage: iolabd [--print]\n");
            return 0;
        }
    }
    for (const OSMetaClass* meta : OSMetaClass::allClasses())
        std::printf("%-24s %u\n", meta->getClassName(), meta->getInstanceCount());
    return 0;
}
