// SPDX-License-Identifier: GPL-2.0-or-later
// OSSymbol: a uniqued, immutable string. Equal texts give the same object, so
// symbols compare by pointer. The pool is thread-safe.
#pragma once

#include <libkern/c++/OSString.h>

class OSSymbol final : public OSString {
    OSDeclareAbstractStructors(OSSymbol)

public:
    /// The symbol for `cString`, retained for the caller.
    static const OSSymbol* withCString(const char* cString);
    static const OSSymbol* withCStringNoCopy(const char* cString);
    static const OSSymbol* withString(const OSString* aString);
    static const OSSymbol* withStringView(std::string_view text);
    /// The existing symbol for `text`, retained, or NULL if there is none.
    static const OSSymbol* existingSymbolForCString(const char* cString);
    /// Number of live symbols in the pool.
    static unsigned int poolSize();

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    bool isEqualTo(const OSSymbol* aSymbol) const { return this == aSymbol; }
    bool isEqualTo(const OSString* aString) const override;
    bool isEqualTo(const char* cString) const override;
    bool isEqualTo(const OSData* aDataObject) const override;
    bool setChar(char, unsigned int) override { return false; }

    void free() override;

protected:
    void taggedRelease(const void* tag, const int when) const override;

private:
    friend struct OSSymbolPool;
    static OSSymbol* create(std::string_view text);
    bool m_pooled = false;
};
