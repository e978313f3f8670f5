// SPDX-License-Identifier: GPL-2.0-or-later
// Names and readable texts of I/O Kit return codes, as IOService::stringFromReturn gives them.
#include <IOKit/IOLib.h>
#include <iolab/IOResult.h>

#include <cstdio>

namespace {
struct ReturnText {
    IOReturn code;
    const char* name;
    const char* text;
};

#define IOLAB_RETURN(constant, text) {constant, #constant, text}
constexpr ReturnText kReturnTexts[] = {
    IOLAB_RETURN(kIOReturnSuccess, "success"),
    IOLAB_RETURN(kIOReturnError, "general error"),
    IOLAB_RETURN(kIOReturnNoMemory, "memory allocation error"),
    IOLAB_RETURN(kIOReturnNoResources, "resource shortage"),
    IOLAB_RETURN(kIOReturnIPCError, "Mach IPC failure"),
    IOLAB_RETURN(kIOReturnNoDevice, "no such device"),
    IOLAB_RETURN(kIOReturnNotPrivileged, "privilege violation"),
    IOLAB_RETURN(kIOReturnBadArgument, "invalid argument"),
    IOLAB_RETURN(kIOReturnLockedRead, "device is read locked"),
    IOLAB_RETURN(kIOReturnLockedWrite, "device is write locked"),
    IOLAB_RETURN(kIOReturnExclusiveAccess, "device is exclusive access"),
    IOLAB_RETURN(kIOReturnBadMessageID, "bad IPC message ID"),
    IOLAB_RETURN(kIOReturnUnsupported, "unsupported function"),
    IOLAB_RETURN(kIOReturnVMError, "virtual memory error"),
    IOLAB_RETURN(kIOReturnInternalError, "internal driver error"),
    IOLAB_RETURN(kIOReturnIOError, "I/O error"),
    IOLAB_RETURN(kIOReturnCannotLock, "cannot acquire lock"),
    IOLAB_RETURN(kIOReturnNotOpen, "device is not open"),
    IOLAB_RETURN(kIOReturnNotReadable, "device is not readable"),
    IOLAB_RETURN(kIOReturnNotWritable, "device is not writeable"),
    IOLAB_RETURN(kIOReturnNotAligned, "alignment error"),
    IOLAB_RETURN(kIOReturnBadMedia, "media error"),
    IOLAB_RETURN(kIOReturnStillOpen, "device is still open"),
    IOLAB_RETURN(kIOReturnRLDError, "rld failure"),
    IOLAB_RETURN(kIOReturnDMAError, "DMA failure"),
    IOLAB_RETURN(kIOReturnBusy, "device is busy"),
    IOLAB_RETURN(kIOReturnTimeout, "I/O timeout"),
    IOLAB_RETURN(kIOReturnOffline, "device is offline"),
    IOLAB_RETURN(kIOReturnNotReady, "device is not ready"),
    IOLAB_RETURN(kIOReturnNotAttached, "device/channel is not attached"),
    IOLAB_RETURN(kIOReturnNoChannels, "no DMA channels available"),
    IOLAB_RETURN(kIOReturnNoSpace, "no space for data"),
    IOLAB_RETURN(kIOReturnPortExists, "port already exists"),
    IOLAB_RETURN(kIOReturnCannotWire, "cannot wire physical memory"),
    IOLAB_RETURN(kIOReturnNoInterrupt, "no interrupt attached"),
    IOLAB_RETURN(kIOReturnNoFrames, "no DMA frames enqueued"),
    IOLAB_RETURN(kIOReturnMessageTooLarge, "oversized msg received on interrupt port"),
    IOLAB_RETURN(kIOReturnNotPermitted, "operation not permitted"),
    IOLAB_RETURN(kIOReturnNoPower, "device is without power"),
    IOLAB_RETURN(kIOReturnNoMedia, "media not present"),
    IOLAB_RETURN(kIOReturnUnformattedMedia, "media not formatted"),
    IOLAB_RETURN(kIOReturnUnsupportedMode, "unsupported mode"),
    IOLAB_RETURN(kIOReturnUnderrun, "data underrun"),
    IOLAB_RETURN(kIOReturnOverrun, "data overrun"),
    IOLAB_RETURN(kIOReturnDeviceError, "the device is not working properly"),
    IOLAB_RETURN(kIOReturnNoCompletion, "a completion routine is required"),
    IOLAB_RETURN(kIOReturnAborted, "operation was aborted"),
    IOLAB_RETURN(kIOReturnNoBandwidth, "bus bandwidth would be exceeded"),
    IOLAB_RETURN(kIOReturnNotResponding, "device not responding"),
    IOLAB_RETURN(kIOReturnIsoTooOld, "isochronous I/O request for distant past"),
    IOLAB_RETURN(kIOReturnIsoTooNew, "isochronous I/O request for distant future"),
    IOLAB_RETURN(kIOReturnNotFound, "data was not found"),
    IOLAB_RETURN(kIOReturnInvalid, "unanticipated driver error"),
};
#undef IOLAB_RETURN

const ReturnText* lookup(IOReturn code)
{
    for (const ReturnText& entry : kReturnTexts) {
        if (entry.code == code)
            return &entry;
    }
    return nullptr;
}
} // namespace

namespace iolab {

const char* ioReturnString(IOReturn code)
{
    const ReturnText* entry = lookup(code);
    return entry ? entry->text : "unknown error";
}

const char* ioReturnName(IOReturn code)
{
    const ReturnText* entry = lookup(code);
    return entry ? entry->name : nullptr;
}

std::string ioReturnDescription(IOReturn code)
{
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(code));
    if (const char* name = ioReturnName(code))
        return std::string(ioReturnString(code)) + " (" + name + ", " + hex + ")";
    return std::string("unknown error (") + hex + ")";
}

} // namespace iolab

const char* IOStringFromReturn(IOReturn code)
{
    return iolab::ioReturnString(code);
}
