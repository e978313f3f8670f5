// SPDX-License-Identifier: GPL-2.0-or-later
// IOKitLib for IOLab: the user-space client API, shaped like Apple's. Handles
// (io_object_t) each hold one reference on a registry entry, iterator or
// notification in the runtime; IOObjectRelease drops it. Values are libkern
// containers (OSDictionary, OSString…) where Apple's API uses CF types; the
// "CF" names are kept so that ported tools read the same.
//
// Calls go to the connection set up by iolab::client (in-process to a runtime,
// or over a socket to iolabd); every call is thread-safe.
#pragma once

#include <IOKit/IOKitKeys.h>
#include <IOKit/IOReturn.h>
#include <libkern/c++/OSContainers.h>
#include <mach/mach_types.h>

#include <cstdint>

typedef uint32_t io_object_t;
typedef io_object_t io_service_t;
typedef io_object_t io_iterator_t;
typedef io_object_t io_registry_entry_t;
typedef io_object_t io_connect_t;
typedef char io_name_t[128];
typedef char io_string_t[512];
typedef struct IONotificationPort* IONotificationPortRef;

#define kIOMainPortDefault ((mach_port_t)0)
#define kIOMasterPortDefault ((mach_port_t)0)
#define MACH_PORT_NULL ((mach_port_t)0)
#define IO_OBJECT_NULL ((io_object_t)0)

typedef void (*IOServiceMatchingCallback)(void* refcon, io_iterator_t iterator);
typedef void (*IOServiceInterestCallback)(void* refcon, io_service_t service, uint32_t messageType,
                                          void* messageArgument);

kern_return_t IOMasterPort(mach_port_t bootstrapPort, mach_port_t* mainPort);
kern_return_t IOMainPort(mach_port_t bootstrapPort, mach_port_t* mainPort);

// --- objects --------------------------------------------------------------------------
kern_return_t IOObjectRelease(io_object_t object);
kern_return_t IOObjectRetain(io_object_t object);
/// The most-derived class name.
kern_return_t IOObjectGetClass(io_object_t object, io_name_t className);
OSString* IOObjectCopyClass(io_object_t object);
OSString* IOObjectCopySuperclassForClass(const OSString* className);
OSString* IOObjectCopyBundleIdentifierForClass(const OSString* className);
bool IOObjectConformsTo(io_object_t object, const io_name_t className);
bool IOObjectIsEqualTo(io_object_t object, io_object_t anObject);
uint32_t IOObjectGetKernelRetainCount(io_object_t object);

// --- iterators ----------------------------------------------------------------------------
/// The next object, with a reference the caller releases; 0 at the end (and after).
io_object_t IOIteratorNext(io_iterator_t iterator);
void IOIteratorReset(io_iterator_t iterator);
bool IOIteratorIsValid(io_iterator_t iterator);

// --- the registry -----------------------------------------------------------------------------
io_registry_entry_t IORegistryGetRootEntry(mach_port_t mainPort);
io_registry_entry_t IORegistryEntryFromPath(mach_port_t mainPort, const io_string_t path);
kern_return_t IORegistryEntryGetChildIterator(io_registry_entry_t entry, const io_name_t plane, io_iterator_t* iterator);
kern_return_t IORegistryEntryGetParentIterator(io_registry_entry_t entry, const io_name_t plane, io_iterator_t* iterator);
kern_return_t IORegistryEntryGetChildEntry(io_registry_entry_t entry, const io_name_t plane, io_registry_entry_t* child);
kern_return_t IORegistryEntryGetParentEntry(io_registry_entry_t entry, const io_name_t plane, io_registry_entry_t* parent);
kern_return_t IORegistryEntryGetName(io_registry_entry_t entry, io_name_t name);
kern_return_t IORegistryEntryGetNameInPlane(io_registry_entry_t entry, const io_name_t plane, io_name_t name);
kern_return_t IORegistryEntryGetLocationInPlane(io_registry_entry_t entry, const io_name_t plane, io_name_t location);
kern_return_t IORegistryEntryGetPath(io_registry_entry_t entry, const io_name_t plane, io_string_t path);
kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t entry, uint64_t* entryID);
/// A copy of every property (retained for the caller).
kern_return_t IORegistryEntryCreateCFProperties(io_registry_entry_t entry, OSDictionary** properties, void* allocator,
                                                uint32_t options);
/// A copy of one property, or NULL.
OSObject* IORegistryEntryCreateCFProperty(io_registry_entry_t entry, const OSString* key, void* allocator, uint32_t options);
/// Hands `properties` to the entry's setProperties; its answer is returned
/// (kIOReturnUnsupported when the driver does not take property writes).
kern_return_t IORegistryEntrySetCFProperties(io_registry_entry_t entry, OSObject* properties);
kern_return_t IORegistryEntrySetCFProperty(io_registry_entry_t entry, const OSString* propertyName, OSObject* property);

// --- matching -------------------------------------------------------------------------------------
/// {IOProviderClass: name}, retained for the caller (to pass on to a call that consumes it).
OSDictionary* IOServiceMatching(const char* name);
OSDictionary* IOServiceNameMatching(const char* name);
/// Consumes one reference on `matching`, even on failure. The iterator is a
/// snapshot: services published later are not in it.
kern_return_t IOServiceGetMatchingServices(mach_port_t mainPort, OSDictionary* matching, io_iterator_t* existing);
io_service_t IOServiceGetMatchingService(mach_port_t mainPort, OSDictionary* matching);
kern_return_t IOServiceGetBusyState(io_service_t service, uint32_t* busyState);
/// Waits (up to `timeoutNs`, UINT64_MAX for ever) until the service is quiet.
kern_return_t IOServiceWaitQuietNs(io_service_t service, uint64_t timeoutNs);

// --- notifications --------------------------------------------------------------------------------
IONotificationPortRef IONotificationPortCreate(mach_port_t mainPort);
/// Removes the port's notifications. Iterators handed out stay valid handles
/// until released.
void IONotificationPortDestroy(IONotificationPortRef notify);
/// Readable when callbacks are due: poll it, then call IONotificationPortDispatch.
int IONotificationPortGetFileDescriptor(IONotificationPortRef notify);
/// Runs the callbacks that are due, on the calling thread. Returns how many ran.
unsigned IONotificationPortDispatch(IONotificationPortRef notify);
/// Consumes `matching`. The iterator holds the services that match now; no
/// callback comes until it has been drained to 0, and each callback must drain
/// it again (I/O Kit's arming rule). Types: kIOPublishNotification,
/// kIOFirstPublishNotification, kIOMatchedNotification,
/// kIOFirstMatchNotification, kIOTerminatedNotification.
kern_return_t IOServiceAddMatchingNotification(IONotificationPortRef notifyPort, const io_name_t notificationType,
                                               OSDictionary* matching, IOServiceMatchingCallback callback,
                                               void* refCon, io_iterator_t* notification);
/// Messages sent to `service` (kIOGeneralInterest, kIOBusyInterest), e.g.
/// kIOMessageServiceIsTerminated. Releasing `notification` ends them.
kern_return_t IOServiceAddInterestNotification(IONotificationPortRef notifyPort, io_service_t service,
                                               const io_name_t interestType, IOServiceInterestCallback callback,
                                               void* refCon, io_object_t* notification);
