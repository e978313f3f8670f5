// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <libkern/OSAtomic.h>
#include <libkern/OSReturn.h>
#include <libkern/OSTypes.h>
#include <libkern/libkern.h>
