// SPDX-License-Identifier: GPL-2.0-or-later
// OSSharedPtr<T>: an owning smart pointer over libkern's intrusive reference count.
#pragma once

#include <libkern/c++/OSMetaClass.h>

#include <cstddef>
#include <type_traits>
#include <utility>

struct OSNoRetainTag {};
struct OSRetainTag {};
inline constexpr OSNoRetainTag OSNoRetain{};
inline constexpr OSRetainTag OSRetain{};

/// Holds one reference. Construct with OSNoRetain to adopt a reference you
/// already own (a `with…` factory's result), or OSRetain to take a new one.
template <class T>
class OSSharedPtr {
public:
    OSSharedPtr() = default;
    OSSharedPtr(std::nullptr_t) {}
    OSSharedPtr(T* object, OSNoRetainTag) : m_ptr(object) {}
    OSSharedPtr(T* object, OSRetainTag) : m_ptr(object)
    {
        if (m_ptr)
            m_ptr->retain();
    }
    OSSharedPtr(const OSSharedPtr& other) : OSSharedPtr(other.m_ptr, OSRetain) {}
    OSSharedPtr(OSSharedPtr&& other) noexcept : m_ptr(std::exchange(other.m_ptr, nullptr)) {}
    template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
    OSSharedPtr(const OSSharedPtr<U>& other) : OSSharedPtr(other.get(), OSRetain)
    {
    }
    template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
    OSSharedPtr(OSSharedPtr<U>&& other) noexcept : m_ptr(other.detach())
    {
    }
    ~OSSharedPtr() { reset(); }

    OSSharedPtr& operator=(const OSSharedPtr& other)
    {
        OSSharedPtr(other).swap(*this);
        return *this;
    }
    OSSharedPtr& operator=(OSSharedPtr&& other) noexcept
    {
        OSSharedPtr(std::move(other)).swap(*this);
        return *this;
    }
    OSSharedPtr& operator=(std::nullptr_t)
    {
        reset();
        return *this;
    }

    T* get() const { return m_ptr; }
    T* operator->() const { return m_ptr; }
    T& operator*() const { return *m_ptr; }
    explicit operator bool() const { return m_ptr != nullptr; }

    void reset()
    {
        if (T* old = std::exchange(m_ptr, nullptr))
            old->release();
    }
    void reset(T* object, OSNoRetainTag) { OSSharedPtr(object, OSNoRetain).swap(*this); }
    void reset(T* object, OSRetainTag) { OSSharedPtr(object, OSRetain).swap(*this); }
    /// Gives up ownership without releasing; the caller now owns the reference.
    [[nodiscard]] T* detach() { return std::exchange(m_ptr, nullptr); }
    void swap(OSSharedPtr& other) noexcept { std::swap(m_ptr, other.m_ptr); }

    template <class U>
    bool operator==(const OSSharedPtr<U>& other) const
    {
        return m_ptr == other.get();
    }
    bool operator==(std::nullptr_t) const { return m_ptr == nullptr; }

private:
    T* m_ptr = nullptr;
};

/// A new T, init()ed with `arguments`; null if init fails.
template <class T, class... Args>
OSSharedPtr<T> OSMakeShared(Args&&... arguments)
{
    T* object = new T;
    if (!object->init(std::forward<Args>(arguments)...)) {
        object->release();
        return nullptr;
    }
    return OSSharedPtr<T>(object, OSNoRetain);
}

template <class T, class U>
OSSharedPtr<T> OSDynamicPtrCast(const OSSharedPtr<U>& source)
{
    return OSSharedPtr<T>(OSDynamicCast(T, source.get()), OSRetain);
}

template <class T, class U>
OSSharedPtr<T> OSStaticPtrCast(const OSSharedPtr<U>& source)
{
    return OSSharedPtr<T>(static_cast<T*>(source.get()), OSRetain);
}

template <class T, class U>
OSSharedPtr<T> OSDynamicPtrCast(OSSharedPtr<U>&& source)
{
    if (T* cast = OSDynamicCast(T, source.get())) {
        (void)source.detach();
        return OSSharedPtr<T>(cast, OSNoRetain);
    }
    return nullptr;
}
