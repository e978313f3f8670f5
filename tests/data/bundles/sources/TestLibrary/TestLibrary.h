// SPDX-License-Identifier: GPL-2.0-or-later
// The interface of the TestLibrary kext, for the kexts that depend on it.
#pragma once

#include <IOKit/IOService.h>

class com_example_iolab_test_LibraryService : public IOService {
    OSDeclareDefaultStructors(com_example_iolab_test_LibraryService)
};

extern "C" int com_example_iolab_test_libraryAnswer(void);
