// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <IOKit/IOTypes.h>

class IOService;
class OSObject;

typedef void (*IOInterruptAction)(OSObject* target, void* refCon, IOService* nub, int source);
typedef void (*IOInterruptHandler)(void* target, void* refCon, void* nub, int source);

#define kIOInterruptTypeEdge 0x00000000
#define kIOInterruptTypeLevel 0x00000001
#define kIOInterruptTypePCIMessaged 0x00010000
