// SPDX-License-Identifier: GPL-2.0-or-later
// OSMetaClass: names, superclass chains, OSDynamicCast, creation by class
// name, and registration of classes through the bundle-loading protocol.
#include "TestClasses.h"

#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace {

/// An instance counted under a metaclass made at run time (not by the macros).
class StagedInstance final : public OSObject {
public:
    explicit StagedInstance(const OSMetaClass* meta) : OSObject(meta), m_meta(meta) {}
    const OSMetaClass* getMetaClass() const override { return m_meta; }

private:
    ~StagedInstance() override = default;
    const OSMetaClass* m_meta;
};

/// A metaclass built by hand, as a bundle's static initialiser would build one.
class StagedMetaClass final : public OSMetaClass {
public:
    StagedMetaClass(const char* name, const OSMetaClass* super) : OSMetaClass(name, super, sizeof(StagedInstance)) {}
    OSObject* alloc() const override { return new StagedInstance(this); }
};

bool isRegistered(const OSMetaClass* meta)
{
    auto all = OSMetaClass::allClasses();
    return std::find(all.begin(), all.end(), meta) != all.end();
}

} // namespace

TEST(OSMetaClass, ClassNamesAndSizes)
{
    EXPECT_STREQ(OSObject::metaClass->getClassName(), "OSObject");
    EXPECT_STREQ(OSString::metaClass->getClassName(), "OSString");
    EXPECT_STREQ(OSSymbol::metaClass->getClassName(), "OSSymbol");
    EXPECT_STREQ(OSDictionary::metaClass->getClassName(), "OSDictionary");
    EXPECT_STREQ(LibkernTestObject::metaClass->getClassName(), "LibkernTestObject");
    EXPECT_EQ(OSString::metaClass->getClassSize(), sizeof(OSString));
    EXPECT_EQ(LibkernTestSubObject::metaClass->getClassSize(), sizeof(LibkernTestSubObject));

    OSString* string = OSString::withCString("x");
    ASSERT_NE(string, nullptr);
    EXPECT_EQ(string->getMetaClass(), OSString::metaClass);
    EXPECT_EQ(OSTypeIDInst(string), OSTypeID(OSString));
    string->release();
}

TEST(OSMetaClass, ClassNameSymbolIsTheUniquedSymbol)
{
    const OSSymbol* name = OSString::metaClass->getClassNameSymbol();
    ASSERT_NE(name, nullptr);
    EXPECT_TRUE(name->isEqualTo("OSString"));
    const OSSymbol* again = OSSymbol::withCString("OSString");
    EXPECT_EQ(again, name);
    again->release();
    EXPECT_EQ(OSString::metaClass->getClassNameSymbol(), name);
}

TEST(OSMetaClass, SuperclassChain)
{
    EXPECT_EQ(OSObject::metaClass->getSuperClass(), nullptr);
    EXPECT_EQ(OSString::metaClass->getSuperClass(), OSObject::metaClass);
    EXPECT_EQ(OSSymbol::metaClass->getSuperClass(), OSString::metaClass);
    EXPECT_EQ(OSArray::metaClass->getSuperClass(), OSCollection::metaClass);
    EXPECT_EQ(OSCollection::metaClass->getSuperClass(), OSObject::metaClass);
    EXPECT_EQ(OSCollectionIterator::metaClass->getSuperClass(), OSIterator::metaClass);
    EXPECT_EQ(LibkernTestSubObject::metaClass->getSuperClass(), LibkernTestObject::metaClass);

    std::vector<std::string> chain;
    for (const OSMetaClass* meta = LibkernTestSubObject::metaClass; meta; meta = meta->getSuperClass())
        chain.emplace_back(meta->getClassName());
    EXPECT_EQ(chain, (std::vector<std::string>{"LibkernTestSubObject", "LibkernTestObject", "OSObject"}));
}

TEST(OSMetaClass, IsSubclassOf)
{
    EXPECT_TRUE(OSSymbol::metaClass->isSubclassOf(OSSymbol::metaClass));
    EXPECT_TRUE(OSSymbol::metaClass->isSubclassOf(OSString::metaClass));
    EXPECT_TRUE(OSSymbol::metaClass->isSubclassOf(OSObject::metaClass));
    EXPECT_FALSE(OSString::metaClass->isSubclassOf(OSSymbol::metaClass));
    EXPECT_FALSE(OSString::metaClass->isSubclassOf(OSNumber::metaClass));
    EXPECT_TRUE(OSOrderedSet::metaClass->isSubclassOf(OSCollection::metaClass));
    EXPECT_FALSE(OSOrderedSet::metaClass->isSubclassOf(OSSet::metaClass));
    EXPECT_FALSE(OSObject::metaClass->isSubclassOf(nullptr));
}

TEST(OSMetaClass, BuiltInClassesBelongToTheKernel)
{
    for (const OSMetaClass* meta : {OSObject::metaClass, OSString::metaClass, OSSymbol::metaClass,
                                    OSDictionary::metaClass, LibkernTestObject::metaClass}) {
        EXPECT_STREQ(meta->getKmodNameCString(), "__kernel__") << meta->getClassName();
    }
    const OSSymbol* kmod = OSString::metaClass->getKmodName();
    ASSERT_NE(kmod, nullptr);
    EXPECT_TRUE(kmod->isEqualTo("__kernel__"));
}

TEST(OSMetaClass, RegistryKnowsEveryClassByName)
{
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("OSString"), OSString::metaClass);
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestSubObject"), LibkernTestSubObject::metaClass);
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("NoSuchClassAnywhere"), nullptr);
    EXPECT_EQ(OSMetaClass::getMetaClassWithName(static_cast<const char*>(nullptr)), nullptr);

    const OSSymbol* name = OSSymbol::withCString("OSNumber");
    EXPECT_EQ(OSMetaClass::getMetaClassWithName(name), OSNumber::metaClass);
    name->release();

    EXPECT_TRUE(isRegistered(OSObject::metaClass));
    EXPECT_TRUE(isRegistered(OSOrderedSet::metaClass));
    EXPECT_TRUE(isRegistered(LibkernTestAbstract::metaClass));
}

// Spec 01 §3 item 15: OSDynamicCast gives the object for its class and
// superclasses, NULL for unrelated classes and for a NULL input.
TEST(OSMetaClass, Item15_DynamicCast)
{
    LibkernTestSubObject* sub = LibkernTestSubObject::create();
    LibkernTestObject* base = LibkernTestObject::create();
    OSString* string = OSString::withCString("cast me");
    const OSSymbol* symbol = OSSymbol::withCString("cast me too");
    ASSERT_TRUE(sub && base && string && symbol);

    OSObject* asObject = sub;
    EXPECT_EQ(OSDynamicCast(LibkernTestSubObject, asObject), sub);
    EXPECT_EQ(OSDynamicCast(LibkernTestObject, asObject), sub);
    EXPECT_EQ(OSDynamicCast(OSObject, asObject), sub);
    EXPECT_EQ(OSDynamicCast(OSString, asObject), nullptr);

    OSObject* baseObject = base;
    EXPECT_EQ(OSDynamicCast(LibkernTestObject, baseObject), base);
    EXPECT_EQ(OSDynamicCast(LibkernTestSubObject, baseObject), nullptr) << "a superclass is not its subclass";

    EXPECT_EQ(OSDynamicCast(OSString, symbol), symbol);
    EXPECT_EQ(OSDynamicCast(OSSymbol, symbol), symbol);
    EXPECT_EQ(OSDynamicCast(OSSymbol, string), nullptr);
    EXPECT_EQ(OSDynamicCast(OSCollection, string), nullptr);

    OSObject* nothing = nullptr;
    EXPECT_EQ(OSDynamicCast(OSObject, nothing), nullptr);
    EXPECT_EQ(OSDynamicCast(OSString, nothing), nullptr);

    // The casts do not touch reference counts.
    EXPECT_EQ(sub->getRetainCount(), 1);

    sub->release();
    base->release();
    string->release();
    symbol->release();
}

TEST(OSMetaClass, MetaCastByNameAndCheckTypeInst)
{
    OSString* string = OSString::withCString("typed");
    const OSSymbol* symbol = OSSymbol::withCString("typed symbol");
    OSNumber* number = OSNumber::withNumber(1, 8);
    ASSERT_TRUE(string && symbol && number);

    EXPECT_EQ(symbol->metaCast("OSString"), symbol);
    EXPECT_EQ(string->metaCast("OSSymbol"), nullptr);
    EXPECT_EQ(string->metaCast("NoSuchClassAnywhere"), nullptr);
    EXPECT_EQ(string->metaCast(static_cast<const char*>(nullptr)), nullptr);
    const OSSymbol* objectName = OSSymbol::withCString("OSObject");
    EXPECT_EQ(number->metaCast(objectName), number);
    objectName->release();

    EXPECT_EQ(OSMetaClass::checkMetaCastWithName("OSString", symbol), symbol);
    EXPECT_EQ(OSMetaClass::checkMetaCastWithName("OSNumber", symbol), nullptr);
    EXPECT_EQ(OSMetaClass::checkMetaCastWithName("OSString", nullptr), nullptr);
    EXPECT_EQ(OSMetaClass::checkMetaCastWithName(string, symbol), nullptr) << "no class is called 'typed'";

    EXPECT_TRUE(OSCheckTypeInst(string, symbol)) << "a symbol is of the string's class";
    EXPECT_FALSE(OSCheckTypeInst(symbol, string)) << "a plain string is not a symbol";
    EXPECT_FALSE(OSCheckTypeInst(string, number));
    EXPECT_FALSE(OSCheckTypeInst(string, static_cast<OSObject*>(nullptr)));

    EXPECT_EQ(OSMetaClassBase::safeMetaCast(nullptr, OSString::metaClass), nullptr);
    EXPECT_EQ(OSMetaClassBase::safeMetaCast(string, nullptr), nullptr);

    string->release();
    symbol->release();
    number->release();
}

// Spec 01 §3 item 16: an object can be created from its class name (the IOClass string).
TEST(OSMetaClass, Item16_AllocClassWithName)
{
    const int freesBefore = LibkernTestObject::s_freeCalls.load();
    const unsigned liveBefore = LibkernTestSubObject::metaClass->getInstanceCount();

    OSObject* object = OSMetaClass::allocClassWithName("LibkernTestSubObject");
    ASSERT_NE(object, nullptr);
    EXPECT_EQ(object->getMetaClass(), LibkernTestSubObject::metaClass);
    EXPECT_EQ(object->getRetainCount(), 1);
    EXPECT_EQ(LibkernTestSubObject::metaClass->getInstanceCount(), liveBefore + 1);
    auto* typed = OSDynamicCast(LibkernTestSubObject, object);
    ASSERT_NE(typed, nullptr);
    EXPECT_TRUE(typed->init());
    object->release();
    EXPECT_EQ(LibkernTestObject::s_freeCalls.load(), freesBefore + 1);
    EXPECT_EQ(LibkernTestSubObject::metaClass->getInstanceCount(), liveBefore);

    // By OSString and by OSSymbol, as a personality's IOClass value arrives.
    OSString* className = OSString::withCString("OSString");
    OSObject* fromString = OSMetaClass::allocClassWithName(className);
    ASSERT_NE(fromString, nullptr);
    EXPECT_EQ(fromString->getMetaClass(), OSString::metaClass);
    fromString->release();
    className->release();

    const OSSymbol* symbolName = OSSymbol::withCString("OSArray");
    OSObject* fromSymbol = OSMetaClass::allocClassWithName(symbolName);
    ASSERT_NE(fromSymbol, nullptr);
    auto* array = OSDynamicCast(OSArray, fromSymbol);
    ASSERT_NE(array, nullptr);
    EXPECT_TRUE(array->initWithCapacity(2));
    fromSymbol->release();
    symbolName->release();
}

TEST(OSMetaClass, Item16_AllocClassWithNameFailsForUnknownAndAbstractClasses)
{
    EXPECT_EQ(OSMetaClass::allocClassWithName("NoSuchClassAnywhere"), nullptr);
    EXPECT_EQ(OSMetaClass::allocClassWithName(""), nullptr);
    EXPECT_EQ(OSMetaClass::allocClassWithName(static_cast<const char*>(nullptr)), nullptr);
    EXPECT_EQ(OSMetaClass::allocClassWithName(static_cast<const OSString*>(nullptr)), nullptr);

    const unsigned abstractLive = LibkernTestAbstract::metaClass->getInstanceCount();
    for (const char* abstract : {"OSObject", "OSCollection", "OSIterator", "OSSymbol", "LibkernTestAbstract"}) {
        ASSERT_NE(OSMetaClass::getMetaClassWithName(abstract), nullptr) << abstract;
        EXPECT_EQ(OSMetaClass::allocClassWithName(abstract), nullptr) << abstract;
    }
    EXPECT_EQ(LibkernTestAbstract::metaClass->getInstanceCount(), abstractLive);
}

// Spec 01 §3 item 22 (the libkern half): a bundle that defines an existing class is refused.
TEST(OSMetaClass, DuplicateClassFromBundleIsRefused)
{
    const OSMetaClass* original = OSMetaClass::getMetaClassWithName("OSString");
    ASSERT_EQ(original, OSString::metaClass);

    void* handle = OSMetaClass::preModLoad("com.test.dup");
    ASSERT_NE(handle, nullptr);
    auto* impostor = new StagedMetaClass("OSString", OSObject::metaClass);
    EXPECT_TRUE(OSMetaClass::checkModLoad(handle));
    EXPECT_STREQ(impostor->getKmodNameCString(), "com.test.dup");

    std::string duplicate;
    EXPECT_EQ(OSMetaClass::postModLoad(handle, &duplicate), kOSMetaClassDuplicateClass);
    EXPECT_EQ(duplicate, "OSString");
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("OSString"), original);
    EXPECT_FALSE(isRegistered(impostor));

    delete impostor;
    // Deleting the refused metaclass must not unregister the original.
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("OSString"), original);
    EXPECT_TRUE(isRegistered(original));
    EXPECT_STREQ(original->getKmodNameCString(), "__kernel__");
}

TEST(OSMetaClass, DuplicateWithinOneBundleIsRefusedAndNothingIsRegistered)
{
    void* handle = OSMetaClass::preModLoad("com.test.twice");
    auto* unique = new StagedMetaClass("LibkernTestTwiceUnique", OSObject::metaClass);
    auto* first = new StagedMetaClass("LibkernTestTwice", OSObject::metaClass);
    auto* second = new StagedMetaClass("LibkernTestTwice", OSObject::metaClass);

    std::string duplicate;
    EXPECT_EQ(OSMetaClass::postModLoad(handle, &duplicate), kOSMetaClassDuplicateClass);
    EXPECT_EQ(duplicate, "LibkernTestTwice");
    // The load is all or nothing: the bundle's other class is not registered either.
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestTwice"), nullptr);
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestTwiceUnique"), nullptr);

    delete second;
    delete first;
    delete unique;
}

TEST(OSMetaClass, StagedRegistrationUnderABundle)
{
    constexpr const char* kBundle = "com.test.staged";
    ASSERT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestStagedClass"), nullptr);
    const unsigned symbolBaseline = OSSymbol::poolSize();

    void* handle = OSMetaClass::preModLoad(kBundle);
    ASSERT_NE(handle, nullptr);
    auto* meta = new StagedMetaClass("LibkernTestStagedClass", OSObject::metaClass);
    // Until postModLoad commits it, the class is not visible.
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestStagedClass"), nullptr);
    EXPECT_TRUE(OSMetaClass::checkModLoad(handle));
    std::string duplicate = "untouched";
    ASSERT_EQ(OSMetaClass::postModLoad(handle, &duplicate), kOSReturnSuccess);
    EXPECT_EQ(duplicate, "untouched");

    EXPECT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestStagedClass"), meta);
    EXPECT_TRUE(isRegistered(meta));
    EXPECT_STREQ(meta->getKmodNameCString(), kBundle);
    const OSSymbol* kmod = meta->getKmodName();
    ASSERT_NE(kmod, nullptr);
    EXPECT_TRUE(kmod->isEqualTo(kBundle));
    const OSSymbol* className = meta->getClassNameSymbol();
    ASSERT_NE(className, nullptr);
    EXPECT_TRUE(className->isEqualTo("LibkernTestStagedClass"));
    EXPECT_EQ(OSSymbol::poolSize(), symbolBaseline + 2);
    EXPECT_TRUE(meta->isSubclassOf(OSObject::metaClass));

    // Classes made after postModLoad belong to the kernel again.
    EXPECT_STREQ(OSString::metaClass->getKmodNameCString(), "__kernel__");

    EXPECT_FALSE(OSMetaClass::modHasInstance(kBundle));
    EXPECT_TRUE(OSMetaClass::liveClassesOfModule(kBundle).empty());

    OSObject* first = OSMetaClass::allocClassWithName("LibkernTestStagedClass");
    OSObject* second = meta->alloc();
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(OSDynamicCast(OSObject, first), first);
    EXPECT_EQ(first->metaCast("LibkernTestStagedClass"), first);
    EXPECT_EQ(meta->getInstanceCount(), 2u);
    EXPECT_TRUE(OSMetaClass::modHasInstance(kBundle));
    auto live = OSMetaClass::liveClassesOfModule(kBundle);
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].first, "LibkernTestStagedClass");
    EXPECT_EQ(live[0].second, 2u);
    EXPECT_FALSE(OSMetaClass::modHasInstance("__kernel_other__"));

    first->release();
    EXPECT_EQ(OSMetaClass::liveClassesOfModule(kBundle).at(0).second, 1u);
    second->release();
    EXPECT_FALSE(OSMetaClass::modHasInstance(kBundle));
    EXPECT_EQ(meta->getInstanceCount(), 0u);

    // Unloading the bundle's image destroys its metaclasses, which unregisters them.
    delete meta;
    EXPECT_EQ(OSMetaClass::getMetaClassWithName("LibkernTestStagedClass"), nullptr);
    EXPECT_FALSE(isRegistered(meta));
    EXPECT_EQ(OSSymbol::poolSize(), symbolBaseline) << "an unloaded class gives back its cached symbols";
    EXPECT_EQ(OSSymbol::existingSymbolForCString("LibkernTestStagedClass"), nullptr);
}

TEST(OSMetaClass, PostModLoadWithoutHandleFails)
{
    EXPECT_EQ(OSMetaClass::postModLoad(nullptr), kOSMetaClassInternal);
    EXPECT_FALSE(OSMetaClass::checkModLoad(nullptr));
}

TEST(OSMetaClass, ReturnCodesHaveAppleValues)
{
    EXPECT_EQ(kOSReturnSuccess, 0);
    EXPECT_EQ(kOSReturnError, static_cast<int>(0xdc000001u));
    EXPECT_EQ(kOSMetaClassInternal, static_cast<int>(0xdc004001u));
    EXPECT_EQ(kOSMetaClassHasInstances, static_cast<int>(0xdc004002u));
    EXPECT_EQ(kOSMetaClassDuplicateClass, static_cast<int>(0xdc00400au));
    EXPECT_EQ(kOSMetaClassNoKext, static_cast<int>(0xdc00400bu));
}
