// SPDX-License-Identifier: GPL-2.0-or-later
// The few Mach types that driver sources name.
#pragma once

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/kmod.h>

typedef struct iolab_task* task_t;
typedef struct iolab_thread* thread_t;
typedef unsigned int mach_port_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
typedef uintptr_t vm_address_t;
typedef uintptr_t vm_size_t;
typedef uintptr_t vm_offset_t;
typedef unsigned int natural_t;
typedef int integer_t;
typedef uint64_t AbsoluteTime;
