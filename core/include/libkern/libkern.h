// SPDX-License-Identifier: GPL-2.0-or-later
// The C library subset that kernel code may use, plus printf into the IOLog ring.
// Usable from C and C++ kext sources.
#pragma once

#include <libkern/OSTypes.h>

#ifdef __cplusplus
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
extern "C" {
#else
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

/// Kernel printf: appends to the IOLog ring like IOLog.
int iolab_kernel_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#ifndef IOLAB_NO_PRINTF_MACRO
#define printf iolab_kernel_printf
#endif
