// SPDX-License-Identifier: GPL-2.0-or-later
// IOResult<T>: a value or an IOReturn with a message, for code inside the runtime.
#pragma once

#include <IOKit/IOReturn.h>

#include <string>
#include <utility>
#include <variant>

namespace iolab {

/// An error: the code a caller outside the runtime sees, and a sentence that
/// says what was wrong and where.
struct IOError {
    IOReturn code = kIOReturnError;
    std::string message;
};

template <class T>
class [[nodiscard]] IOResult {
public:
    IOResult(T value) : m_state(std::move(value)) {}
    IOResult(IOError error) : m_state(std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    const T& value() const& { return std::get<0>(m_state); }
    const IOError& error() const { return std::get<1>(m_state); }
    IOReturn code() const { return ok() ? kIOReturnSuccess : error().code; }

private:
    std::variant<T, IOError> m_state;
};

template <>
class [[nodiscard]] IOResult<void> {
public:
    IOResult() = default;
    IOResult(IOError error) : m_error(std::move(error)), m_ok(false) {}
    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const IOError& error() const { return m_error; }
    IOReturn code() const { return m_ok ? kIOReturnSuccess : m_error.code; }

private:
    IOError m_error;
    bool m_ok = true;
};

/// The readable text of an I/O Kit return code ("invalid argument").
const char* ioReturnString(IOReturn code);
/// The constant's name ("kIOReturnBadArgument"), or NULL for unknown codes.
const char* ioReturnName(IOReturn code);
/// "invalid argument (kIOReturnBadArgument, 0xe00002c2)".
std::string ioReturnDescription(IOReturn code);

} // namespace iolab

/// Evaluates an IOResult expression; returns its error from the enclosing
/// function if it failed, otherwise yields its value.
#define IOLAB_TRY(expression)                               \
    ({                                                      \
        auto _iolab_result = (expression);                  \
        if (!_iolab_result.ok())                            \
            return std::move(_iolab_result).error();        \
        std::move(_iolab_result).value();                   \
    })
