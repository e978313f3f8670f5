// SPDX-License-Identifier: GPL-2.0-or-later
// Random object trees for the serialization property tests. Deterministic for
// a given seed, so a failure names a tree that can be built again.
#pragma once

#include <libkern/c++/OSContainers.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace iolab::test {

struct TreeShape {
    bool sets = false;             ///< OSSet collections (OSSerializeBinary only)
    bool symbols = false;          ///< OSSymbol values besides OSString
    bool carriageReturns = true;   ///< '\r' in strings
    unsigned maxDepth = 4;         ///< collections below the root
    unsigned maxMembers = 6;

    /// What a property list holds: symbols read back as strings, no sets.
    static TreeShape propertyList()
    {
        TreeShape shape;
        shape.symbols = true;
        return shape;
    }
    /// Everything OSSerializeBinary keeps apart.
    static TreeShape everything()
    {
        TreeShape shape;
        shape.symbols = shape.sets = true;
        return shape;
    }
};

class RandomTree {
public:
    RandomTree(uint64_t seed, TreeShape shape) : m_random(seed), m_shape(shape) {}

    /// A dictionary or array holding a random mix of every kind of value.
    OSSharedPtr<OSObject> root() { return collection(0); }

    /// A string of random pieces: ASCII, XML-special characters, multi-byte
    /// UTF-8 and sequences that mean something in XML ("]]>", "&amp;").
    std::string text()
    {
        static constexpr std::string_view kPieces[] = {
            "a",  "Z",    "0",     " ",    "<",       ">",          "&",          "\"",  "'",   "\t",
            "\n", "\xc3\xa9", "\xc3\x9f", "\xe6\xbc\xa2", "\xf0\x9f\x98\x80", "]]>", "&amp;", "-->", "<!--", "IOClass",
            "\r",
        };
        const size_t pieces = sizeof kPieces / sizeof kPieces[0] - (m_shape.carriageReturns ? 0 : 1);
        std::string result;
        const unsigned length = uniform(0, 8);
        for (unsigned i = 0; i < length; ++i)
            result.append(kPieces[uniform(0, static_cast<unsigned>(pieces) - 1)]);
        return result;
    }

private:
    unsigned uniform(unsigned low, unsigned high)
    {
        return std::uniform_int_distribution<unsigned>(low, high)(m_random);
    }

    OSSharedPtr<OSObject> collection(unsigned depth)
    {
        const unsigned kinds = m_shape.sets ? 3 : 2;
        const unsigned kind = uniform(0, kinds - 1);
        const unsigned members = uniform(0, m_shape.maxMembers);
        if (kind == 0) {
            OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(members), OSNoRetain);
            for (unsigned i = 0; i < members; ++i) {
                OSSharedPtr<const OSSymbol> key(OSSymbol::withStringView(text()), OSNoRetain);
                dict->setObject(key.get(), value(depth + 1).get());
            }
            return dict;
        }
        if (kind == 1) {
            OSSharedPtr<OSArray> array(OSArray::withCapacity(members), OSNoRetain);
            for (unsigned i = 0; i < members; ++i)
                array->setObject(value(depth + 1).get());
            return array;
        }
        OSSharedPtr<OSSet> set(OSSet::withCapacity(members), OSNoRetain);
        for (unsigned i = 0; i < members; ++i)
            set->setObject(value(depth + 1).get()); // a repeated boolean or symbol is refused: fine
        return set;
    }

    OSSharedPtr<OSObject> value(unsigned depth)
    {
        const unsigned kind = uniform(0, depth < m_shape.maxDepth ? 6 : 4);
        switch (kind) {
        case 0: {
            const std::string content = text();
            if (m_shape.symbols && uniform(0, 1))
                return OSSharedPtr<OSObject>(const_cast<OSSymbol*>(OSSymbol::withStringView(content)), OSNoRetain);
            return OSSharedPtr<OSObject>(OSString::withStringView(content), OSNoRetain);
        }
        case 1: {
            static constexpr unsigned kWidths[] = {8, 16, 32, 64};
            const unsigned width = kWidths[uniform(0, 3)];
            uint64_t number = m_random();
            if (uniform(0, 3) == 0)
                number = uniform(0, 3) ? 0 : ~uint64_t(0); // the edges
            return OSSharedPtr<OSObject>(OSNumber::withNumber(number, width), OSNoRetain);
        }
        case 2:
            return OSSharedPtr<OSObject>(uniform(0, 1) ? kOSBooleanTrue : kOSBooleanFalse, OSRetain);
        case 3: {
            std::vector<uint8_t> bytes(uniform(0, 3) == 0 ? 0 : uniform(1, 40));
            for (auto& byte : bytes)
                byte = static_cast<uint8_t>(m_random());
            return OSSharedPtr<OSObject>(OSData::withBytes(bytes.data(), static_cast<unsigned>(bytes.size())),
                                         OSNoRetain);
        }
        case 4: {
            // A long string now and then, past the short-string encodings.
            std::string content;
            const unsigned repeats = uniform(1, 30);
            for (unsigned i = 0; i < repeats; ++i)
                content += text();
            return OSSharedPtr<OSObject>(OSString::withStringView(content), OSNoRetain);
        }
        default:
            return collection(depth);
        }
    }

    std::mt19937_64 m_random;
    TreeShape m_shape;
};

} // namespace iolab::test
