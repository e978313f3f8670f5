// SPDX-License-Identifier: GPL-2.0-or-later
// The registry's and the catalogue's well-known keys, with I/O Kit's spellings.
#pragma once

// Planes.
#define kIOServicePlane "IOService"
#define kIOPowerPlane "IOPower"
#define kIODeviceTreePlane "IODeviceTree"
#define kIOUSBPlane "IOUSB"
#define kIOACPIPlane "IOACPIPlane"

// Registry entry properties.
#define kIORegistryPlanesKey "IORegistryPlanes"
#define kIORegistryEntryIDKey "IORegistryEntryID"
#define kIONameKey "IOName"
#define kIOLocationKey "IOLocation"
#define kIOPathSeparatorKey "/"
#define kIOBusyInterest "IOBusyInterest"

// Matching keys.
#define kIOProviderClassKey "IOProviderClass"
#define kIONameMatchKey "IONameMatch"
#define kIONameMatchedKey "IONameMatched"
#define kIOPropertyMatchKey "IOPropertyMatch"
#define kIOPropertyExistsMatchKey "IOPropertyExistsMatch"
#define kIOPathMatchKey "IOPathMatch"
#define kIOLocationMatchKey "IOLocationMatch"
#define kIOParentMatchKey "IOParentMatch"
#define kIOResourceMatchKey "IOResourceMatch"
#define kIOResourceMatchedKey "IOResourceMatched"
#define kIOMatchedServiceCountKey "IOMatchedServiceCountMatch"
#define kIOMatchCategoryKey "IOMatchCategory"
#define kIODefaultMatchCategoryKey "IODefaultMatchCategory"
#define kIOMatchedPersonalityKey "IOMatchedPersonality"
#define kIOPersonalityPublisherKey "IOPersonalityPublisher"
#define kIOProbeScoreKey "IOProbeScore"
#define kIOKitDebugKey "IOKitDebug"
#define kIOClassKey "IOClass"
#define kIOUserClientClassKey "IOUserClientClass"
#define kIOBundleIdentifierKey "CFBundleIdentifier"
#define kCFBundleIdentifierKey "CFBundleIdentifier"
#define kIORegistryEntryIDMatchKey "IORegistryEntryID"

// Notification types.
#define kIOPublishNotification "IOServicePublish"
#define kIOFirstPublishNotification "IOServiceFirstPublish"
#define kIOMatchedNotification "IOServiceMatched"
#define kIOFirstMatchNotification "IOServiceFirstMatch"
#define kIOTerminatedNotification "IOServiceTerminate"
#define kIOWillTerminateNotification "IOServiceWillTerminate"

// Interest types.
#define kIOGeneralInterest "IOGeneralInterest"
#define kIOAppPowerStateInterest "IOAppPowerStateInterest"
#define kIOPriorityPowerStateInterest "IOPriorityPowerStateInterest"

// Resources.
#define kIOResourcesClass "IOResources"
#define kIOKitResourceKey "IOKit"
