// SPDX-License-Identifier: GPL-2.0-or-later
// Kext version strings: major[.minor[.revision]][stage number], with major up
// to 4 digits, minor and revision up to 2, and stages d (development), a
// (alpha), b (beta), fc or f (final candidate) before the release itself.
#include <iolab/KextManager.h>

#include <cctype>

namespace iolab {

namespace {
bool readNumber(std::string_view& text, unsigned maxDigits, uint64_t& value)
{
    size_t digits = 0;
    value = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        value = value * 10 + static_cast<uint64_t>(text[digits] - '0');
        ++digits;
    }
    if (digits == 0 || digits > maxDigits)
        return false;
    text.remove_prefix(digits);
    return true;
}
} // namespace

std::optional<uint64_t> parseKextVersion(std::string_view text)
{
    enum Stage : uint64_t { Development = 1, Alpha = 3, Beta = 5, Candidate = 7, Release = 9 };
    uint64_t major = 0, minor = 0, revision = 0, stageNumber = 0;
    uint64_t stage = Release;
    if (!readNumber(text, 4, major))
        return std::nullopt;
    if (!text.empty() && text.front() == '.') {
        text.remove_prefix(1);
        if (!readNumber(text, 2, minor))
            return std::nullopt;
        if (!text.empty() && text.front() == '.') {
            text.remove_prefix(1);
            if (!readNumber(text, 2, revision))
                return std::nullopt;
        }
    }
    if (!text.empty()) {
        if (text.starts_with("fc")) {
            stage = Candidate;
            text.remove_prefix(2);
        } else {
            switch (text.front()) {
            case 'd': stage = Development; break;
            case 'a': stage = Alpha; break;
            case 'b': stage = Beta; break;
            case 'f': stage = Candidate; break;
            default: return std::nullopt;
            }
            text.remove_prefix(1);
        }
        if (!readNumber(text, 3, stageNumber) || stageNumber > 255 || (stageNumber == 0 && stage != Release))
            return std::nullopt;
        if (!text.empty())
            return std::nullopt;
    }
    return major * 100000000000ull + minor * 1000000000ull + revision * 10000000ull + stage * 1000ull + stageNumber;
}

} // namespace iolab
