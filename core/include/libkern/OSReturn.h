// SPDX-License-Identifier: GPL-2.0-or-later
// libkern's return codes (OSReturn), with Apple's values.
#pragma once

#include <mach/kern_return.h>

typedef kern_return_t OSReturn;

#define sys_libkern (0x37u << 26)
#define sub_libkern_common (0u << 14)
#define sub_libkern_metaclass (1u << 14)
#define sub_libkern_reserved (-1)
#define libkern_common_err(return) (int)(sys_libkern | sub_libkern_common | (return))
#define libkern_metaclass_err(return) (int)(sys_libkern | sub_libkern_metaclass | (return))

#define kOSReturnSuccess KERN_SUCCESS
#define kOSReturnError libkern_common_err(1)
#define kOSMetaClassInternal libkern_metaclass_err(1)
#define kOSMetaClassHasInstances libkern_metaclass_err(2)
#define kOSMetaClassNoInit libkern_metaclass_err(3)
#define kOSMetaClassNoTempData libkern_metaclass_err(4)
#define kOSMetaClassNoDicts libkern_metaclass_err(5)
#define kOSMetaClassNoKModSet libkern_metaclass_err(6)
#define kOSMetaClassNoInsKModSet libkern_metaclass_err(7)
#define kOSMetaClassNoSuper libkern_metaclass_err(8)
#define kOSMetaClassInstNoSuper libkern_metaclass_err(9)
#define kOSMetaClassDuplicateClass libkern_metaclass_err(10)
#define kOSMetaClassNoKext libkern_metaclass_err(11)
