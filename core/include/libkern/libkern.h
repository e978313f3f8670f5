// SPDX-License-Identifier: GPL-2.0-or-later
// The C library subset that kernel code may use, plus printf into the IOLog ring.
#pragma once

#include <libkern/OSTypes.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

/// Kernel printf: appends to the IOLog ring like IOLog.
extern "C++" int iolab_kernel_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
#ifndef IOLAB_NO_PRINTF_MACRO
#define printf iolab_kernel_printf
#endif
