// SPDX-License-Identifier: GPL-2.0-or-later
// kmod_info_t: what a generic kext's start and stop functions receive.
#pragma once

#include <stdint.h>
#include <mach/kern_return.h>

#define KMOD_MAX_NAME 64

typedef struct kmod_info {
    struct kmod_info* next;
    int32_t info_version;
    uint32_t id;
    char name[KMOD_MAX_NAME];
    char version[KMOD_MAX_NAME];
    int32_t reference_count;
    void* reference_list;
    uintptr_t address;
    uintptr_t size;
    uintptr_t hdr_size;
    kern_return_t (*start)(struct kmod_info* ki, void* data);
    kern_return_t (*stop)(struct kmod_info* ki, void* data);
} kmod_info_t;

typedef kern_return_t kmod_start_func_t(kmod_info_t* ki, void* data);
typedef kern_return_t kmod_stop_func_t(kmod_info_t* ki, void* data);
