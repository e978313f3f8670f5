// SPDX-License-Identifier: GPL-2.0-or-later
// The generator draws from its own splitmix64 stream rather than <random>'s
// distributions, whose results differ between standard libraries.
#include "RegistryGenerator.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <string_view>
#include <vector>

namespace iolab::bench {

namespace {

constexpr std::array<std::string_view, 14> kClasses = {
    "IOPCIDevice",         "IOPCI2PCIBridge",      "IOACPIPlatformDevice", "AppleACPICPU",
    "IOUSBHostDevice",     "IOUSBHostInterface",   "AppleUSBXHCIPCI",      "IOAHCIBlockStorageDevice",
    "IOMedia",             "IOEthernetInterface",  "AppleHDAController",   "IOHIDInterface",
    "IOService",           "IOPlatformExpertDevice",
};
constexpr std::array<std::string_view, 12> kNames = {
    "pci8086,a0c8", "pci-bridge", "XHC1", "RP01", "SATA", "GFX0", "HDEF", "LPCB", "SBUS", "PEG0", "ARPT", "TRPD",
};
constexpr std::array<std::string_view, 8> kBundles = {
    "com.apple.iokit.IOPCIFamily",         "com.apple.driver.AppleACPIPlatform", "com.apple.iokit.IOUSBHostFamily",
    "com.apple.iokit.IOAHCIBlockStorage",  "com.apple.driver.AppleHDA",          "com.apple.iokit.IONetworkingFamily",
    "com.apple.iokit.IOHIDFamily",         "com.apple.iokit.IOStorageFamily",
};
// Some texts need escaping, as real vendor strings sometimes do.
constexpr std::array<std::string_view, 6> kVendors = {
    "Apple Inc.", "Intel Corporation", "Realtek Semiconductor Corp.", "Logitech &amp; Co.", "&lt;unknown&gt;",
    "Broadcom Limited",
};

class Generator {
public:
    Generator(size_t targetBytes, uint64_t seed) : m_target(targetBytes), m_state(seed)
    {
        m_doc.xml.reserve(targetBytes + (targetBytes >> 4) + 4096);
    }

    RegistryDocument run()
    {
        out("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
            "<plist version=\"1.0\">\n");
        // The root is the platform expert; its children are added until the document is large enough.
        entry(0, 0, /*root=*/true);
        out("</plist>\n");
        return std::move(m_doc);
    }

private:
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
    template <size_t N>
    std::string_view pick(const std::array<std::string_view, N>& choices)
    {
        return choices[below(N)];
    }

    bool full() const { return m_doc.xml.size() >= m_target; }

    void out(std::string_view text) { m_doc.xml.append(text); }
    void indent(unsigned depth) { m_doc.xml.append(depth, '\t'); }
    void key(unsigned depth, std::string_view name)
    {
        indent(depth);
        out("<key>");
        out(name);
        out("</key>\n");
    }
    void string(unsigned depth, std::string_view name, std::string_view value)
    {
        key(depth, name);
        indent(depth);
        out("<string>");
        out(value);
        out("</string>\n");
    }
    void integer(unsigned depth, std::string_view name, uint64_t value)
    {
        key(depth, name);
        indent(depth);
        char text[32];
        std::snprintf(text, sizeof text, "%" PRIu64, value);
        out("<integer>");
        out(text);
        out("</integer>\n");
    }
    void boolean(unsigned depth, std::string_view name, bool value)
    {
        key(depth, name);
        indent(depth);
        out(value ? "<true/>\n" : "<false/>\n");
    }
    void base64(unsigned depth, const std::vector<uint8_t>& bytes)
    {
        static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        indent(depth);
        out("<data>");
        for (size_t i = 0; i < bytes.size(); i += 3) {
            const uint32_t a = bytes[i];
            const uint32_t b = i + 1 < bytes.size() ? bytes[i + 1] : 0;
            const uint32_t c = i + 2 < bytes.size() ? bytes[i + 2] : 0;
            const uint32_t triple = (a << 16) | (b << 8) | c;
            m_doc.xml.push_back(kAlphabet[(triple >> 18) & 63]);
            m_doc.xml.push_back(kAlphabet[(triple >> 12) & 63]);
            m_doc.xml.push_back(i + 1 < bytes.size() ? kAlphabet[(triple >> 6) & 63] : '=');
            m_doc.xml.push_back(i + 2 < bytes.size() ? kAlphabet[triple & 63] : '=');
        }
        out("</data>\n");
    }
    void data(unsigned depth, std::string_view name, const std::vector<uint8_t>& bytes)
    {
        key(depth, name);
        base64(depth, bytes);
    }
    void dataLE32(unsigned depth, std::string_view name, uint32_t value)
    {
        data(depth, name, {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)});
    }
    void randomData(unsigned depth, std::string_view name, size_t length)
    {
        std::vector<uint8_t> bytes(length);
        for (auto& byte : bytes)
            byte = static_cast<uint8_t>(next());
        data(depth, name, bytes);
    }
    void compatible(unsigned depth, uint32_t vendor, uint32_t device)
    {
        // NUL-separated strings, as Open Firmware and ACPI publish them.
        char text[96];
        const int length = std::snprintf(text, sizeof text, "pci%x,%x%cpciclass,%06x%cpci%x,%x", vendor, device, 0,
                                         below(0x100000), 0, vendor, below(0x10000));
        std::vector<uint8_t> bytes(text, text + length + 1);
        data(depth, "compatible", bytes);
    }

    void powerManagement(unsigned depth)
    {
        key(depth, "IOPowerManagement");
        indent(depth);
        out("<dict>\n");
        const unsigned states = 2 + below(2);
        integer(depth + 1, "CapabilityFlags", below(2) ? 32768 : 2);
        integer(depth + 1, "CurrentPowerState", states - 1);
        integer(depth + 1, "DevicePowerState", states - 1);
        integer(depth + 1, "DriverPowerState", below(states));
        integer(depth + 1, "MaxPowerState", states - 1);
        if (below(4) == 0)
            boolean(depth + 1, "PowerOverrideOn", true);
        indent(depth);
        out("</dict>\n");
    }

    void pciProperties(unsigned depth)
    {
        const uint32_t vendor = below(3) ? 0x8086 : 0x10ec + below(64);
        const uint32_t device = below(0x10000);
        dataLE32(depth, "vendor-id", vendor);
        dataLE32(depth, "device-id", device);
        dataLE32(depth, "subsystem-vendor-id", vendor);
        dataLE32(depth, "subsystem-id", below(0x10000));
        dataLE32(depth, "revision-id", below(16));
        dataLE32(depth, "class-code", below(0x1000000));
        compatible(depth, vendor, device);
        randomData(depth, "reg", 20 * (1 + below(4)));
        if (below(2))
            randomData(depth, "assigned-addresses", 20 * (1 + below(3)));
        data(depth, "built-in", {0});
        char debug[32];
        std::snprintf(debug, sizeof debug, "%u:%u:%u", below(8), below(32), below(8));
        string(depth, "pcidebug", debug);
        integer(depth, "IOPCIExpressLinkStatus", 0x1000 + below(0x100));
        integer(depth, "IOPCIExpressCapabilities", 0x42);
        boolean(depth, "IOPCIResourced", true);
        boolean(depth, "IOPCIMSIMode", below(2) != 0);
        string(depth, "AAPL,slot-name", "Built In");
        key(depth, "IOInterruptSpecifiers");
        indent(depth);
        out("<array>\n");
        for (unsigned i = 0, n = 1 + below(3); i < n; ++i)
            base64(depth + 1, {uint8_t(below(256)), 0, 0, 0, 0, 0, 1, 0});
        indent(depth);
        out("</array>\n");
    }

    void usbProperties(unsigned depth)
    {
        integer(depth, "idVendor", 0x05ac + below(0x100));
        integer(depth, "idProduct", below(0x10000));
        integer(depth, "bcdDevice", below(0x1000));
        integer(depth, "locationID", next() & 0xFFFFFFFFu);
        integer(depth, "sessionID", next() >> 8);
        integer(depth, "USB Address", 1 + below(127));
        integer(depth, "Device Speed", below(4));
        string(depth, "USB Vendor Name", pick(kVendors));
        string(depth, "USB Product Name", below(2) ? "USB Receiver" : "Composite Device");
        char serial[24];
        std::snprintf(serial, sizeof serial, "%016" PRIX64, next());
        string(depth, "kUSBSerialNumberString", serial);
        key(depth, "IOCFPlugInTypes");
        indent(depth);
        out("<dict>\n");
        string(depth + 1, "9dc7b780-9ec0-11d4-a54f-000a27052861", "IOUSBHostFamily.kext/Contents/PlugIns/IOUSBLib.bundle");
        indent(depth);
        out("</dict>\n");
    }

    void entry(unsigned depth, unsigned level, bool root)
    {
        indent(depth);
        out("<dict>\n");
        const unsigned d = depth + 1;
        const std::string_view className = root ? std::string_view("IOPlatformExpertDevice") : pick(kClasses);
        ++m_doc.entries;
        m_doc.maxDepth = std::max(m_doc.maxDepth, level);
        string(d, "IOClass", className);
        string(d, "IOObjectClass", className);
        string(d, "IOName", root ? std::string_view("Root") : pick(kNames));
        string(d, "IORegistryEntryName", root ? std::string_view("Root") : pick(kNames));
        integer(d, "IORegistryEntryID", 0x100000100ull + 7 * m_nextID++);
        integer(d, "IOObjectRetainCount", 1 + below(40));
        integer(d, "IOServiceBusyState", 0);
        integer(d, "IOServiceBusyTime", next() & 0xFFFFFF);
        string(d, "IOGeneralInterest", "IOCommand is not serializable");
        if (!root && below(3)) {
            string(d, "IOProviderClass", pick(kClasses));
            string(d, "CFBundleIdentifier", pick(kBundles));
            integer(d, "IOProbeScore", below(100000));
            string(d, "IOMatchCategory", "IODefaultMatchCategory");
        }
        if (className.starts_with("IOPCI") || below(3) == 0)
            pciProperties(d);
        if (className.starts_with("IOUSB") || below(6) == 0)
            usbProperties(d);
        if (below(2))
            powerManagement(d);
        boolean(d, "IOBusyInterest", below(2) != 0);

        // Children: the root takes as many as fill the document; below it the tree thins out.
        const unsigned children = root ? ~0u : (level < 8 ? below(level < 2 ? 9 : 5) : 0);
        if (children && !full()) {
            key(d, "IORegistryEntryChildren");
            indent(d);
            out("<array>\n");
            for (unsigned i = 0; i < children && !full(); ++i)
                entry(d + 1, level + 1, false);
            indent(d);
            out("</array>\n");
        }
        indent(depth);
        out("</dict>\n");
    }

    size_t m_target;
    uint64_t m_state;
    uint64_t m_nextID = 0;
    RegistryDocument m_doc;
};

} // namespace

RegistryDocument generateRegistryPlist(size_t targetBytes, uint64_t seed)
{
    return Generator(targetBytes, seed).run();
}

} // namespace iolab::bench
