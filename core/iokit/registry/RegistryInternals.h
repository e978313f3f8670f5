// SPDX-License-Identifier: GPL-2.0-or-later
// Registry operations that only the registry itself performs.
#pragma once

#include <IOKit/IORegistryEntry.h>

struct IORegistryInternals {
    /// Breaks every link of every entry reachable from `root` in any plane.
    static void detachEverything(IORegistryEntry* root);
};
