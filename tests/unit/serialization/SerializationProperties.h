// SPDX-License-Identifier: GPL-2.0-or-later
// What the serialization tests and the libFuzzer targets both check: a
// structural comparison of two object trees, and the round-trip properties
// "whatever a reader accepts, its writer writes back, and the reader then
// reads the same tree again". Header-only so the fuzz targets can include it
// without linking GoogleTest.
#pragma once

#include <iolab/Serialization.h>
#include <libkern/c++/OSContainers.h>

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iolab::test {

/// How strictly two trees must agree.
enum class Compare : uint8_t {
    /// What a property list keeps: OSSymbol and OSString are both strings,
    /// number widths are ignored, ordered sets compare like arrays.
    Values,
    /// What OSSerializeBinary keeps: also the class of every string (symbol or
    /// not) and the width of every number.
    Exact,
};

/// Compares object trees member by member. Pairs already found equal are
/// remembered, so trees that share subtrees (OSSerializeBinary
/// back-references) are compared in time linear in their distinct pairs.
class TreeComparer {
public:
    explicit TreeComparer(Compare mode) : m_mode(mode) {}

    /// Empty when the trees are equal; otherwise the path of the first
    /// difference and what differs there.
    std::string difference(const OSMetaClassBase* a, const OSMetaClassBase* b, const std::string& path = "root")
    {
        if (a == b)
            return {};
        if (!a || !b)
            return path + ": one side is NULL";
        if (m_equal.count({a, b}))
            return {};
        std::string found = compare(a, b, path);
        if (found.empty())
            m_equal.insert({a, b});
        return found;
    }

private:
    static const char* className(const OSMetaClassBase* object) { return object->getMetaClass()->getClassName(); }

    std::string compare(const OSMetaClassBase* a, const OSMetaClassBase* b, const std::string& path)
    {
        const std::string classes = std::string(className(a)) + " vs " + className(b);
        if (m_mode == Compare::Exact && a->getMetaClass() != b->getMetaClass())
            return path + ": class differs (" + classes + ")";

        if (auto* left = OSDynamicCast(OSString, a)) {
            auto* right = OSDynamicCast(OSString, b);
            if (!right)
                return path + ": kind differs (" + classes + ")";
            if (left->view() != right->view())
                return path + ": string \"" + std::string(left->view()) + "\" vs \"" + std::string(right->view()) + "\"";
            return {};
        }
        if (auto* left = OSDynamicCast(OSNumber, a)) {
            auto* right = OSDynamicCast(OSNumber, b);
            if (!right)
                return path + ": kind differs (" + classes + ")";
            if (left->unsigned64BitValue() != right->unsigned64BitValue())
                return path + ": number " + std::to_string(left->unsigned64BitValue()) + " vs " +
                       std::to_string(right->unsigned64BitValue());
            if (m_mode == Compare::Exact && left->numberOfBits() != right->numberOfBits())
                return path + ": number width " + std::to_string(left->numberOfBits()) + " vs " +
                       std::to_string(right->numberOfBits());
            return {};
        }
        if (auto* left = OSDynamicCast(OSBoolean, a)) {
            auto* right = OSDynamicCast(OSBoolean, b);
            if (!right)
                return path + ": kind differs (" + classes + ")";
            return left->isTrue() == right->isTrue() ? std::string() : path + ": boolean differs";
        }
        if (auto* left = OSDynamicCast(OSData, a)) {
            auto* right = OSDynamicCast(OSData, b);
            if (!right)
                return path + ": kind differs (" + classes + ")";
            const auto l = left->bytes(), r = right->bytes();
            if (!std::equal(l.begin(), l.end(), r.begin(), r.end()))
                return path + ": data of " + std::to_string(l.size()) + " vs " + std::to_string(r.size()) +
                       " bytes differs";
            return {};
        }
        if (auto* left = OSDynamicCast(OSDictionary, a)) {
            auto* right = OSDynamicCast(OSDictionary, b);
            if (!right)
                return path + ": kind differs (" + classes + ")";
            if (left->getCount() != right->getCount())
                return path + ": dictionary of " + std::to_string(left->getCount()) + " vs " +
                       std::to_string(right->getCount()) + " entries";
            for (unsigned i = 0; i < left->getCount(); ++i) {
                const OSSymbol* key = left->keyAtIndex(i);
                const std::string at = path + "/" + key->getCStringNoCopy();
                OSObject* theirs = right->getObject(key);
                if (!theirs)
                    return at + ": key missing on the right";
                std::string found = difference(left->objectAtIndex(i), theirs, at);
                if (!found.empty())
                    return found;
            }
            return {};
        }
        if (auto* left = OSDynamicCast(OSSet, a)) {
            auto* right = OSDynamicCast(OSSet, b);
            if (!right)
                return path + ": kind differs (" + classes + ")";
            return compareUnordered(members(left), members(right), path);
        }
        if (OSDynamicCast(OSArray, a) || OSDynamicCast(OSOrderedSet, a)) {
            if (!OSDynamicCast(OSArray, b) && !OSDynamicCast(OSOrderedSet, b))
                return path + ": kind differs (" + classes + ")";
            const auto l = members(OSDynamicCast(OSCollection, a)), r = members(OSDynamicCast(OSCollection, b));
            if (l.size() != r.size())
                return path + ": " + std::to_string(l.size()) + " vs " + std::to_string(r.size()) + " members";
            for (size_t i = 0; i < l.size(); ++i) {
                std::string found = difference(l[i], r[i], path + "/" + std::to_string(i));
                if (!found.empty())
                    return found;
            }
            return {};
        }
        return path + ": cannot compare " + classes;
    }

    std::string compareUnordered(const std::vector<OSObject*>& l, const std::vector<OSObject*>& r,
                                 const std::string& path)
    {
        if (l.size() != r.size())
            return path + ": set of " + std::to_string(l.size()) + " vs " + std::to_string(r.size()) + " members";
        // Equality is an equivalence, so a greedy matching finds one if any exists.
        std::vector<bool> used(r.size(), false);
        for (size_t i = 0; i < l.size(); ++i) {
            bool matched = false;
            for (size_t k = 0; k < r.size() && !matched; ++k) {
                if (!used[k] && difference(l[i], r[k], path).empty())
                    used[k] = matched = true;
            }
            if (!matched)
                return path + ": set member " + std::to_string(i) + " (a " + className(l[i]) +
                       ") has no equal member on the right";
        }
        return {};
    }

    static std::vector<OSObject*> members(const OSCollection* collection)
    {
        std::vector<OSObject*> result;
        OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(collection), OSNoRetain);
        while (OSObject* member = iterator ? iterator->getNextObject() : nullptr)
            result.push_back(member);
        return result;
    }

    Compare m_mode;
    std::set<std::pair<const void*, const void*>> m_equal;
};

inline std::string treeDifference(const OSMetaClassBase* a, const OSMetaClassBase* b, Compare mode)
{
    return TreeComparer(mode).difference(a, b);
}

/// The limits the fuzz targets (and the unit tests replaying their inputs) use:
/// tighter than the defaults so that one input cannot make a run spend
/// seconds or gigabytes on a legitimately huge (shared or nested) tree.
inline SerializationLimits fuzzingLimits()
{
    SerializationLimits limits;
    limits.maxBytes = size_t(1) << 20;
    limits.maxElements = size_t(1) << 10;
    limits.maxCollectionCount = size_t(1) << 10;
    return limits;
}

/// The outcome of feeding one input to a round-trip property.
struct RoundTrip {
    bool accepted = false; ///< the first read succeeded
    std::string message;   ///< the reader's error when not accepted
    std::string failure;   ///< empty unless the property was violated
};

namespace detail {

inline bool startsWith(const std::string& text, std::string_view prefix)
{
    return text.compare(0, prefix.size(), prefix) == 0;
}

/// A rejection must say which reader rejected it and why.
inline RoundTrip rejected(const IOError& error, std::string_view prefix)
{
    RoundTrip outcome;
    outcome.message = error.message;
    if (!startsWith(error.message, prefix) || error.message.size() <= prefix.size() + 2)
        outcome.failure = "error message \"" + error.message + "\" does not start with \"" + std::string(prefix) +
                          "\" and a reason";
    else if (error.code == kIOReturnSuccess)
        outcome.failure = "error with kIOReturnSuccess";
    return outcome;
}

/// The XML and binary property-list writers, each read back and compared.
inline std::string plistWritersAgree(const OSObject* tree)
{
    auto xml = plist::toXML(tree);
    if (!xml.ok())
        return "toXML failed: " + xml.error().message;
    auto fromXml = plist::fromXML(xml.value());
    if (!fromXml.ok())
        return "fromXML(toXML(tree)) failed: " + fromXml.error().message + "\n" + xml.value();
    if (std::string found = treeDifference(tree, fromXml.value().get(), Compare::Values); !found.empty())
        return "XML round trip differs: " + found;

    auto binary = plist::toBinary(tree);
    if (!binary.ok())
        return "toBinary failed: " + binary.error().message;
    auto fromBinary = plist::fromBinary(binary.value());
    if (!fromBinary.ok())
        return "fromBinary(toBinary(tree)) failed: " + fromBinary.error().message;
    if (std::string found = treeDifference(tree, fromBinary.value().get(), Compare::Values); !found.empty())
        return "binary plist round trip differs: " + found;
    return {};
}

} // namespace detail

/// fromXML; if it accepts, toXML and toBinary must write the tree back and the
/// readers must return an equal tree.
inline RoundTrip xmlRoundTrip(std::string_view text, const SerializationLimits& limits = {})
{
    auto first = plist::fromXML(text, limits);
    if (!first.ok())
        return detail::rejected(first.error(), "XML plist: ");
    RoundTrip outcome;
    outcome.accepted = true;
    outcome.failure = detail::plistWritersAgree(first.value().get());
    return outcome;
}

/// fromBinary; if it accepts, toBinary must write the tree back and fromBinary
/// read an equal one. toXML may refuse values XML cannot hold (control
/// characters), but what it writes must read back equal too.
inline RoundTrip binaryPlistRoundTrip(std::span<const uint8_t> bytes, const SerializationLimits& limits = {})
{
    auto first = plist::fromBinary(bytes, limits);
    if (!first.ok())
        return detail::rejected(first.error(), "binary plist: ");
    RoundTrip outcome;
    outcome.accepted = true;
    const OSObject* tree = first.value().get();
    auto binary = plist::toBinary(tree);
    if (!binary.ok()) {
        outcome.failure = "toBinary failed: " + binary.error().message;
        return outcome;
    }
    auto second = plist::fromBinary(binary.value());
    if (!second.ok()) {
        outcome.failure = "fromBinary(toBinary(tree)) failed: " + second.error().message;
        return outcome;
    }
    if (std::string found = treeDifference(tree, second.value().get(), Compare::Values); !found.empty()) {
        outcome.failure = "binary plist round trip differs: " + found;
        return outcome;
    }
    auto xml = plist::toXML(tree);
    if (!xml.ok())
        return outcome;
    auto fromXml = plist::fromXML(xml.value());
    if (!fromXml.ok())
        outcome.failure = "fromXML(toXML(tree)) failed: " + fromXml.error().message;
    else if (std::string found = treeDifference(tree, fromXml.value().get(), Compare::Values); !found.empty())
        outcome.failure = "XML round trip of a binary plist differs: " + found;
    return outcome;
}

/// binary::decode; if it accepts, encode must write the tree back, decode read
/// an exactly equal tree (classes, widths, sets), and encoding that tree must
/// give the same bytes again.
inline RoundTrip serializeBinaryRoundTrip(std::span<const uint8_t> bytes, const SerializationLimits& limits = {})
{
    auto first = binary::decode(bytes, limits);
    if (!first.ok())
        return detail::rejected(first.error(), "OSSerializeBinary: ");
    RoundTrip outcome;
    outcome.accepted = true;
    auto encoded = binary::encode(first.value().get());
    if (!encoded.ok()) {
        outcome.failure = "encode failed: " + encoded.error().message;
        return outcome;
    }
    auto second = binary::decode(encoded.value());
    if (!second.ok()) {
        outcome.failure = "decode(encode(tree)) failed: " + second.error().message;
        return outcome;
    }
    if (std::string found = treeDifference(first.value().get(), second.value().get(), Compare::Exact);
        !found.empty()) {
        outcome.failure = "OSSerializeBinary round trip differs: " + found;
        return outcome;
    }
    auto again = binary::encode(second.value().get());
    if (!again.ok() || again.value() != encoded.value())
        outcome.failure = "encoding the decoded tree again gives different bytes";
    return outcome;
}

} // namespace iolab::test
