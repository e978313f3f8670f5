// SPDX-License-Identifier: GPL-2.0-or-later
// Collections: ownership (exact retain counts), iteration, ordering, deep
// copies and the array/dictionary/set specifics.
#include "TestClasses.h"

#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace {

template <class Collection, class Value>
concept CanAppend = requires(Collection* collection, Value* value) { collection->setObject(value); };

template <class Value>
concept CanStoreInDictionary = requires(OSDictionary* dict, Value* value) { dict->setObject("key", value); };

/// A fresh string whose retain count the test owns (1).
OSString* makeString(const char* text)
{
    OSString* string = OSString::withCString(text);
    EXPECT_NE(string, nullptr);
    return string;
}

std::vector<std::string> textsOf(const OSCollection* collection)
{
    std::vector<std::string> texts;
    OSCollectionIterator* iterator = OSCollectionIterator::withCollection(collection);
    EXPECT_NE(iterator, nullptr);
    if (!iterator)
        return texts;
    while (OSObject* object = iterator->getNextObject()) {
        auto* string = OSDynamicCast(OSString, object);
        texts.emplace_back(string ? string->getCStringNoCopy() : "<not a string>");
    }
    iterator->release();
    return texts;
}

/// Orders numbers with the higher value first.
SInt32 higherFirst(const OSMetaClassBase* obj1, const OSMetaClassBase* obj2, void* context)
{
    auto* calls = static_cast<int*>(context);
    if (calls)
        ++*calls;
    auto* a = OSDynamicCast(OSNumber, obj1);
    auto* b = OSDynamicCast(OSNumber, obj2);
    if (!a || !b)
        return 0;
    const unsigned long long x = a->unsigned64BitValue();
    const unsigned long long y = b->unsigned64BitValue();
    return x > y ? 1 : (x < y ? -1 : 0);
}

std::vector<unsigned long long> valuesOf(const OSOrderedSet* set)
{
    std::vector<unsigned long long> values;
    for (unsigned int i = 0; i < set->getCount(); ++i) {
        auto* number = OSDynamicCast(OSNumber, set->getObject(i));
        values.push_back(number ? number->unsigned64BitValue() : ~0ULL);
    }
    return values;
}

} // namespace

// Spec 01 §3 item 18, OSArray: insert +1, getters unchanged, remove -1, freeing the array -1.
TEST(OSArray, Item18_OwnershipCounts)
{
    OSString* a = makeString("a");
    OSString* b = makeString("b");
    OSArray* array = OSArray::withCapacity(1);
    ASSERT_TRUE(a && b && array);

    EXPECT_TRUE(array->setObject(a));
    EXPECT_EQ(a->getRetainCount(), 2);
    EXPECT_TRUE(array->setObject(b));
    EXPECT_TRUE(array->setObject(a)) << "an array may hold an object twice";
    EXPECT_EQ(a->getRetainCount(), 3);
    EXPECT_EQ(b->getRetainCount(), 2);

    EXPECT_EQ(array->getObject(0), a);
    EXPECT_EQ(array->getLastObject(), a);
    EXPECT_EQ(array->getObject(1), b);
    EXPECT_EQ(a->getRetainCount(), 3) << "getters do not retain";
    EXPECT_EQ(b->getRetainCount(), 2);

    array->removeObject(0);
    EXPECT_EQ(a->getRetainCount(), 2);
    EXPECT_EQ(array->getCount(), 2u);
    EXPECT_EQ(array->getObject(0), b);

    array->replaceObject(0, a);
    EXPECT_EQ(b->getRetainCount(), 1) << "replacing releases the old member";
    EXPECT_EQ(a->getRetainCount(), 3);

    array->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    EXPECT_EQ(b->getRetainCount(), 1);
    a->release();
    b->release();
}

// Spec 01 §3 item 18, OSDictionary: keys and values are retained, replacing a value releases the old one.
TEST(OSDictionary, Item18_OwnershipCounts)
{
    const OSSymbol* key = OSSymbol::withCString("libkern-test-ownership-key");
    OSString* first = makeString("first");
    OSString* second = makeString("second");
    OSDictionary* dict = OSDictionary::withCapacity(2);
    ASSERT_TRUE(key && first && second && dict);
    const int keyCount = key->getRetainCount();

    EXPECT_TRUE(dict->setObject(key, first));
    EXPECT_EQ(first->getRetainCount(), 2);
    EXPECT_EQ(key->getRetainCount(), keyCount + 1);

    EXPECT_EQ(dict->getObject(key), first);
    EXPECT_EQ(dict->getObject("libkern-test-ownership-key"), first);
    EXPECT_EQ(first->getRetainCount(), 2) << "getters do not retain";

    EXPECT_TRUE(dict->setObject(key, second));
    EXPECT_EQ(first->getRetainCount(), 1) << "the replaced value is released";
    EXPECT_EQ(second->getRetainCount(), 2);
    EXPECT_EQ(key->getRetainCount(), keyCount + 1) << "the key is held once";
    EXPECT_EQ(dict->getCount(), 1u);

    EXPECT_TRUE(dict->setObject(key, second)) << "storing the same value again";
    EXPECT_EQ(second->getRetainCount(), 2);

    dict->removeObject(key);
    EXPECT_EQ(second->getRetainCount(), 1);
    EXPECT_EQ(key->getRetainCount(), keyCount);
    EXPECT_EQ(dict->getObject(key), nullptr);

    EXPECT_TRUE(dict->setObject(key, first));
    EXPECT_TRUE(dict->setObject("libkern-test-ownership-other", second));
    EXPECT_EQ(first->getRetainCount(), 2);
    EXPECT_EQ(second->getRetainCount(), 2);
    dict->release();
    EXPECT_EQ(first->getRetainCount(), 1);
    EXPECT_EQ(second->getRetainCount(), 1);
    EXPECT_EQ(key->getRetainCount(), keyCount);

    first->release();
    second->release();
    key->release();
}

// Spec 01 §3 item 18, OSSet.
TEST(OSSet, Item18_OwnershipCounts)
{
    OSString* a = makeString("a");
    OSSet* set = OSSet::withCapacity(4);
    ASSERT_TRUE(a && set);
    EXPECT_TRUE(set->setObject(a));
    EXPECT_EQ(a->getRetainCount(), 2);
    EXPECT_EQ(set->getAnyObject(), a);
    EXPECT_TRUE(set->containsObject(a));
    EXPECT_EQ(a->getRetainCount(), 2);
    set->removeObject(a);
    EXPECT_EQ(a->getRetainCount(), 1);
    EXPECT_TRUE(set->setObject(a));
    set->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    a->release();
}

// Spec 01 §3 item 18, OSOrderedSet.
TEST(OSOrderedSet, Item18_OwnershipCounts)
{
    OSString* a = makeString("a");
    OSString* b = makeString("b");
    OSOrderedSet* set = OSOrderedSet::withCapacity(2);
    ASSERT_TRUE(a && b && set);
    EXPECT_TRUE(set->setObject(a));
    EXPECT_TRUE(set->setFirstObject(b));
    EXPECT_EQ(a->getRetainCount(), 2);
    EXPECT_EQ(b->getRetainCount(), 2);
    EXPECT_EQ(set->getFirstObject(), b);
    EXPECT_EQ(set->getLastObject(), a);
    EXPECT_EQ(set->getObject(1), a);
    EXPECT_EQ(a->getRetainCount(), 2);
    set->removeObject(b);
    EXPECT_EQ(b->getRetainCount(), 1);
    set->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    a->release();
    b->release();
}

TEST(OSCollection, Item18_FlushReleasesEveryMember)
{
    OSString* a = makeString("a");
    OSArray* array = OSArray::withCapacity(2);
    OSDictionary* dict = OSDictionary::withCapacity(2);
    OSSet* set = OSSet::withCapacity(2);
    OSOrderedSet* ordered = OSOrderedSet::withCapacity(2);
    ASSERT_TRUE(a && array && dict && set && ordered);
    array->setObject(a);
    dict->setObject("flushed", a);
    set->setObject(a);
    ordered->setObject(a);
    EXPECT_EQ(a->getRetainCount(), 5);
    for (OSCollection* collection : std::vector<OSCollection*>{array, dict, set, ordered}) {
        const int before = a->getRetainCount();
        collection->flushCollection();
        EXPECT_EQ(collection->getCount(), 0u) << collection->getMetaClass()->getClassName();
        EXPECT_EQ(a->getRetainCount(), before - 1) << collection->getMetaClass()->getClassName();
        collection->release();
    }
    EXPECT_EQ(a->getRetainCount(), 1);
    a->release();
}

TEST(OSCollection, FreeingTheLastReferenceFreesMembersExactlyOnce)
{
    const int freesBefore = LibkernTestObject::s_freeCalls.load();
    LibkernTestObject* object = LibkernTestObject::create();
    OSArray* array = OSArray::withCapacity(1);
    ASSERT_TRUE(object && array);
    array->setObject(object);
    object->release(); // the array now holds the only reference
    EXPECT_EQ(object->getRetainCount(), 1);
    EXPECT_EQ(LibkernTestObject::s_freeCalls.load(), freesBefore);
    array->release();
    EXPECT_EQ(LibkernTestObject::s_freeCalls.load(), freesBefore + 1);
}

// Spec 01 §3 item 21: containers take only OSObject-derived values; NULL is refused.
TEST(OSCollection, Item21_OnlyOSObjectValues)
{
    // Checked at compile time through the signatures; the positive cases show the probe works.
    EXPECT_FALSE((CanAppend<OSArray, std::string>));
    EXPECT_FALSE((CanAppend<OSSet, int>));
    EXPECT_FALSE((CanAppend<OSOrderedSet, void>));
    EXPECT_FALSE(CanStoreInDictionary<int>);
    EXPECT_TRUE((CanAppend<OSArray, OSString>));
    EXPECT_TRUE((CanAppend<OSSet, LibkernTestObject>));
    EXPECT_TRUE(CanStoreInDictionary<OSNumber>);

    OSArray* array = OSArray::withCapacity(1);
    OSDictionary* dict = OSDictionary::withCapacity(1);
    OSSet* set = OSSet::withCapacity(1);
    OSOrderedSet* ordered = OSOrderedSet::withCapacity(1);
    ASSERT_TRUE(array && dict && set && ordered);
    EXPECT_FALSE(array->setObject(nullptr));
    EXPECT_FALSE(dict->setObject("null", nullptr));
    EXPECT_FALSE(dict->setObject(static_cast<const char*>(nullptr), kOSBooleanTrue));
    EXPECT_FALSE(set->setObject(nullptr));
    EXPECT_FALSE(ordered->setObject(nullptr));
    EXPECT_EQ(array->getCount() + dict->getCount() + set->getCount() + ordered->getCount(), 0u);
    array->release();
    dict->release();
    set->release();
    ordered->release();
}

// Spec 01 §3 item 20: iterating a dictionary yields its keys, then NULL.
TEST(OSDictionary, Item20_IterationYieldsKeysThenNull)
{
    OSDictionary* dict = OSDictionary::withCapacity(3);
    OSNumber* one = OSNumber::withNumber(1, 32);
    ASSERT_TRUE(dict && one);
    dict->setObject("alpha", one);
    dict->setObject("beta", kOSBooleanTrue);
    dict->setObject("gamma", one);

    OSCollectionIterator* iterator = OSCollectionIterator::withCollection(dict);
    ASSERT_NE(iterator, nullptr);
    std::vector<std::string> keys;
    while (OSObject* object = iterator->getNextObject()) {
        const OSSymbol* key = OSDynamicCast(OSSymbol, object);
        ASSERT_NE(key, nullptr) << "a dictionary iterator yields OSSymbol keys, not values";
        EXPECT_NE(dict->getObject(key), nullptr);
        keys.emplace_back(key->getCStringNoCopy());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"alpha", "beta", "gamma"})) << "insertion order";
    EXPECT_EQ(iterator->getNextObject(), nullptr);
    EXPECT_EQ(iterator->getNextObject(), nullptr) << "stays at the end";
    EXPECT_TRUE(iterator->isValid());

    iterator->reset();
    EXPECT_NE(iterator->getNextObject(), nullptr) << "reset starts again";

    iterator->release();
    dict->release();
    one->release();
}

TEST(OSCollectionIterator, RetainsTheCollectionWhileAlive)
{
    OSArray* array = OSArray::withCapacity(1);
    ASSERT_NE(array, nullptr);
    OSCollectionIterator* iterator = OSCollectionIterator::withCollection(array);
    ASSERT_NE(iterator, nullptr);
    EXPECT_EQ(array->getRetainCount(), 2);
    EXPECT_EQ(iterator->getNextObject(), nullptr) << "an empty collection ends at once";
    iterator->release();
    EXPECT_EQ(array->getRetainCount(), 1);
    array->release();

    EXPECT_EQ(OSCollectionIterator::withCollection(nullptr), nullptr);
}

TEST(OSCollectionIterator, InvalidAfterTheCollectionChanges)
{
    OSString* a = makeString("a");
    OSString* b = makeString("b");
    OSArray* array = OSArray::withCapacity(2);
    OSDictionary* dict = OSDictionary::withCapacity(2);
    OSSet* set = OSSet::withCapacity(2);
    OSOrderedSet* ordered = OSOrderedSet::withCapacity(2);
    ASSERT_TRUE(a && b && array && dict && set && ordered);
    array->setObject(a);
    dict->setObject("a", a);
    set->setObject(a);
    ordered->setObject(a);

    struct Mutation {
        OSCollection* collection;
        std::function<void()> change;
    };
    const std::vector<Mutation> mutations{
        {array, [&] { array->setObject(b); }},
        {array, [&] { array->removeObject(0); }},
        {dict, [&] { dict->setObject("b", b); }},
        {dict, [&] { dict->setObject("a", b); }},
        {dict, [&] { dict->removeObject("a"); }},
        {set, [&] { set->setObject(b); }},
        {set, [&] { set->removeObject(b); }},
        {ordered, [&] { ordered->setObject(b); }},
        {ordered, [&] { ordered->removeObject(a); }},
        {array, [&] { array->flushCollection(); }},
    };
    for (size_t i = 0; i < mutations.size(); ++i) {
        OSCollectionIterator* iterator = OSCollectionIterator::withCollection(mutations[i].collection);
        ASSERT_NE(iterator, nullptr);
        EXPECT_TRUE(iterator->isValid()) << "mutation " << i;
        mutations[i].change();
        EXPECT_FALSE(iterator->isValid()) << "mutation " << i;
        EXPECT_EQ(iterator->getNextObject(), nullptr) << "mutation " << i;
        iterator->reset();
        EXPECT_TRUE(iterator->isValid()) << "mutation " << i;
        iterator->release();
    }

    // Lookups do not invalidate.
    OSCollectionIterator* iterator = OSCollectionIterator::withCollection(dict);
    ASSERT_NE(iterator, nullptr);
    (void)dict->getObject("b");
    (void)dict->getCount();
    EXPECT_TRUE(iterator->isValid());
    iterator->release();

    array->release();
    dict->release();
    set->release();
    ordered->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    EXPECT_EQ(b->getRetainCount(), 1);
    a->release();
    b->release();
}

TEST(OSCollectionIterator, WalksEveryKindOfCollectionInOrder)
{
    OSString* a = makeString("a");
    OSString* b = makeString("b");
    OSString* c = makeString("c");
    ASSERT_TRUE(a && b && c);
    const OSObject* objects[] = {a, b, c};
    OSArray* array = OSArray::withObjects(objects, 3);
    OSSet* set = OSSet::withObjects(objects, 3);
    OSOrderedSet* ordered = OSOrderedSet::withCapacity(3);
    ASSERT_TRUE(array && set && ordered);
    ordered->setObject(c);
    ordered->setObject(a);
    ordered->setObject(b);

    EXPECT_EQ(textsOf(array), (std::vector<std::string>{"a", "b", "c"}));
    auto setTexts = textsOf(set);
    std::sort(setTexts.begin(), setTexts.end());
    EXPECT_EQ(setTexts, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(textsOf(ordered), (std::vector<std::string>{"c", "a", "b"})) << "no order function: appended";

    array->release();
    set->release();
    ordered->release();
    a->release();
    b->release();
    c->release();
}

TEST(OSSet, RejectsDuplicates)
{
    OSString* a = makeString("same");
    OSString* twin = makeString("same");
    OSSet* set = OSSet::withCapacity(2);
    ASSERT_TRUE(a && twin && set);
    EXPECT_TRUE(set->setObject(a));
    EXPECT_FALSE(set->setObject(a));
    EXPECT_EQ(set->getCount(), 1u);
    EXPECT_EQ(a->getRetainCount(), 2) << "a refused insert does not retain";
    // Membership is by identity: an equal but distinct object is a new member.
    EXPECT_TRUE(set->setObject(twin));
    EXPECT_EQ(set->getCount(), 2u);
    EXPECT_TRUE(set->member(twin));

    const OSObject* withDuplicates[] = {a, a, twin};
    OSSet* fromList = OSSet::withObjects(withDuplicates, 3);
    ASSERT_NE(fromList, nullptr) << "a repeated object is skipped, not an error";
    EXPECT_EQ(fromList->getCount(), 2u);
    EXPECT_EQ(a->getRetainCount(), 3);
    fromList->release();

    OSArray* array = OSArray::withObjects(withDuplicates, 3);
    ASSERT_NE(array, nullptr);
    OSSet* fromArray = OSSet::withArray(array);
    ASSERT_NE(fromArray, nullptr);
    EXPECT_EQ(fromArray->getCount(), 2u);
    EXPECT_TRUE(fromArray->merge(set));
    EXPECT_EQ(fromArray->getCount(), 2u);
    EXPECT_EQ(a->getRetainCount(), 5) << "1 own + set + array twice + fromArray";

    fromArray->release();
    array->release();
    set->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    EXPECT_EQ(twin->getRetainCount(), 1);
    a->release();
    twin->release();
}

TEST(OSOrderedSet, OrderFunctionPutsHigherFirstAndEqualsInArrivalOrder)
{
    int calls = 0;
    OSOrderedSet* set = OSOrderedSet::withCapacity(4, higherFirst, &calls);
    ASSERT_NE(set, nullptr);
    std::vector<OSNumber*> numbers;
    for (unsigned long long value : {5ULL, 1ULL, 9ULL, 5ULL, 7ULL, 1ULL}) {
        numbers.push_back(OSNumber::withNumber(value, 32));
        ASSERT_NE(numbers.back(), nullptr);
        EXPECT_TRUE(set->setObject(numbers.back()));
    }
    EXPECT_GT(calls, 0) << "the ordering context reaches the order function";
    EXPECT_EQ(valuesOf(set), (std::vector<unsigned long long>{9, 7, 5, 5, 1, 1}));
    // Among equal elements the one inserted first stays first.
    EXPECT_EQ(set->getObject(2), numbers[0]);
    EXPECT_EQ(set->getObject(3), numbers[3]);
    EXPECT_EQ(set->getObject(4), numbers[1]);
    EXPECT_EQ(set->getObject(5), numbers[5]);
    EXPECT_EQ(set->getFirstObject(), numbers[2]);
    EXPECT_EQ(set->getLastObject(), numbers[5]);

    EXPECT_FALSE(set->setObject(numbers[0])) << "no duplicates";
    EXPECT_EQ(set->getCount(), 6u);

    // setFirstObject/setLastObject place the object regardless of the order function.
    OSNumber* low = OSNumber::withNumber(0ULL, 32);
    OSNumber* high = OSNumber::withNumber(100, 32);
    ASSERT_TRUE(low && high);
    EXPECT_TRUE(set->setFirstObject(low));
    EXPECT_TRUE(set->setLastObject(high));
    EXPECT_EQ(set->getFirstObject(), low);
    EXPECT_EQ(set->getLastObject(), high);
    EXPECT_EQ(valuesOf(set), (std::vector<unsigned long long>{0, 9, 7, 5, 5, 1, 1, 100}));
    EXPECT_FALSE(set->setFirstObject(high)) << "already a member";
    EXPECT_FALSE(set->setObject(99, kOSBooleanTrue)) << "index past the end";

    set->removeObject(numbers[2]);
    EXPECT_EQ(valuesOf(set), (std::vector<unsigned long long>{0, 7, 5, 5, 1, 1, 100}));
    EXPECT_FALSE(set->containsObject(numbers[2]));

    set->release();
    for (OSNumber* number : numbers) {
        EXPECT_EQ(number->getRetainCount(), 1);
        number->release();
    }
    low->release();
    high->release();
}

TEST(OSOrderedSet, WithoutOrderFunctionAppends)
{
    OSOrderedSet* set = OSOrderedSet::withCapacity(2);
    ASSERT_NE(set, nullptr);
    std::vector<OSNumber*> numbers;
    for (unsigned long long value : {3ULL, 1ULL, 2ULL}) {
        numbers.push_back(OSNumber::withNumber(value, 8));
        set->setObject(numbers.back());
    }
    EXPECT_EQ(valuesOf(set), (std::vector<unsigned long long>{3, 1, 2}));
    EXPECT_TRUE(set->setObject(1, kOSBooleanFalse));
    EXPECT_EQ(set->getObject(1), kOSBooleanFalse);
    EXPECT_EQ(set->getObject(4), nullptr);
    set->release();
    for (OSNumber* number : numbers)
        number->release();
}

TEST(OSArray, IndexedInsertMergeAndSearch)
{
    OSString* a = makeString("a");
    OSString* b = makeString("b");
    OSString* c = makeString("c");
    OSArray* array = OSArray::withCapacity(0);
    ASSERT_TRUE(a && b && c && array);
    EXPECT_TRUE(array->setObject(a));
    EXPECT_TRUE(array->setObject(0, b));
    EXPECT_TRUE(array->setObject(2, c)) << "index == count appends";
    EXPECT_FALSE(array->setObject(5, c)) << "index past the end";
    EXPECT_EQ(textsOf(array), (std::vector<std::string>{"b", "a", "c"}));
    EXPECT_EQ(array->getObject(3), nullptr);
    EXPECT_GE(array->getCapacity(), 3u);
    EXPECT_GE(array->ensureCapacity(40), 40u);

    EXPECT_EQ(array->getNextIndexOfObject(a, 0), 1u);
    EXPECT_EQ(array->getNextIndexOfObject(a, 2), static_cast<unsigned>(-1));

    EXPECT_TRUE(array->merge(array));
    EXPECT_EQ(textsOf(array), (std::vector<std::string>{"b", "a", "c", "b", "a", "c"}));
    EXPECT_EQ(a->getRetainCount(), 3);

    OSArray* copy = OSArray::withArray(array);
    ASSERT_NE(copy, nullptr);
    EXPECT_TRUE(copy->isEqualTo(array));
    EXPECT_EQ(a->getRetainCount(), 5);
    EXPECT_EQ(OSArray::withArray(array, 2), nullptr) << "capacity below the count";
    EXPECT_EQ(a->getRetainCount(), 5) << "a refused copy gives its references back";

    copy->release();
    array->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    a->release();
    b->release();
    c->release();
}

TEST(OSArray, WithObjectsRefusesANullMemberAndGivesReferencesBack)
{
    OSString* a = makeString("a");
    ASSERT_NE(a, nullptr);
    const OSObject* objects[] = {a, a, nullptr};
    EXPECT_EQ(OSArray::withObjects(objects, 3), nullptr);
    EXPECT_EQ(OSSet::withObjects(objects, 3), nullptr);
    EXPECT_EQ(a->getRetainCount(), 1);
    OSArray* prefix = OSArray::withObjects(objects, 2);
    ASSERT_NE(prefix, nullptr);
    EXPECT_EQ(prefix->getCount(), 2u);
    EXPECT_EQ(a->getRetainCount(), 3);
    prefix->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    a->release();
}

TEST(OSCollection, OptionsAndCapacityIncrement)
{
    OSDictionary* dict = OSDictionary::withCapacity(1);
    ASSERT_NE(dict, nullptr);
    EXPECT_EQ(dict->setOptions(OSCollection::kImmutable, OSCollection::kImmutable), 0u);
    EXPECT_EQ(dict->setOptions(0, 0), static_cast<unsigned>(OSCollection::kImmutable)) << "a zero mask only reads";
    EXPECT_FALSE(dict->setObject("refused", kOSBooleanTrue));
    EXPECT_EQ(dict->setOptions(0, OSCollection::kImmutable), static_cast<unsigned>(OSCollection::kImmutable));
    EXPECT_TRUE(dict->setObject("accepted", kOSBooleanTrue));
    EXPECT_EQ(dict->setCapacityIncrement(32), 32u);
    EXPECT_EQ(dict->getCapacityIncrement(), 32u);
    EXPECT_GT(dict->setCapacityIncrement(0), 0u) << "a zero increment falls back to a default";
    dict->release();
}

TEST(OSArray, ImmutableArrayRefusesChangesButStillReleasesOnFree)
{
    OSString* a = makeString("a");
    OSArray* array = OSArray::withCapacity(1);
    ASSERT_TRUE(a && array);
    array->setObject(a);
    array->setOptions(OSCollection::kImmutable, OSCollection::kImmutable);
    EXPECT_FALSE(array->setObject(a));
    array->removeObject(0);
    EXPECT_EQ(array->getCount(), 1u);
    EXPECT_EQ(a->getRetainCount(), 2);
    array->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    a->release();
}

TEST(OSDictionary, StringKeysAndManyEntries)
{
    OSDictionary* dict = OSDictionary::withCapacity(0);
    ASSERT_NE(dict, nullptr);
    // Enough entries that the dictionary builds its hash index.
    constexpr unsigned kEntries = 40;
    std::vector<OSNumber*> values;
    for (unsigned i = 0; i < kEntries; ++i) {
        values.push_back(OSNumber::withNumber(i, 32));
        const std::string key = "libkern-test-key-" + std::to_string(i);
        ASSERT_TRUE(dict->setObject(key.c_str(), values.back()));
    }
    EXPECT_EQ(dict->getCount(), kEntries);
    for (unsigned i = 0; i < kEntries; i += 7) {
        const std::string key = "libkern-test-key-" + std::to_string(i);
        EXPECT_EQ(dict->getObject(key.c_str()), values[i]) << key;
        OSString* stringKey = OSString::withCString(key.c_str());
        EXPECT_EQ(dict->getObject(stringKey), values[i]) << key;
        stringKey->release();
    }
    // Remove from the middle; later entries must still be found.
    for (unsigned i = 0; i < kEntries; i += 2) {
        const std::string key = "libkern-test-key-" + std::to_string(i);
        dict->removeObject(key.c_str());
    }
    EXPECT_EQ(dict->getCount(), kEntries / 2);
    for (unsigned i = 0; i < kEntries; ++i) {
        const std::string key = "libkern-test-key-" + std::to_string(i);
        EXPECT_EQ(dict->getObject(key.c_str()), i % 2 ? values[i] : nullptr) << key;
        EXPECT_EQ(values[i]->getRetainCount(), i % 2 ? 2 : 1) << key;
    }
    EXPECT_STREQ(dict->keyAtIndex(0)->getCStringNoCopy(), "libkern-test-key-1");
    EXPECT_EQ(dict->objectAtIndex(0), values[1]);
    EXPECT_EQ(dict->keyAtIndex(kEntries), nullptr);

    // Replacing through an OSString key finds the existing entry.
    OSString* stringKey = OSString::withCString("libkern-test-key-3");
    EXPECT_TRUE(dict->setObject(stringKey, values[0]));
    EXPECT_EQ(dict->getCount(), kEntries / 2);
    EXPECT_EQ(values[3]->getRetainCount(), 1);
    dict->removeObject(stringKey);
    EXPECT_EQ(dict->getObject("libkern-test-key-3"), nullptr);
    stringKey->release();

    EXPECT_EQ(dict->getObject("libkern-test-key-never-made"), nullptr);
    dict->removeObject("libkern-test-key-never-made");
    EXPECT_EQ(dict->getCount(), kEntries / 2 - 1);

    dict->release();
    for (OSNumber* value : values) {
        EXPECT_EQ(value->getRetainCount(), 1);
        value->release();
    }
}

TEST(OSDictionary, WithObjectsWithDictionaryAndMerge)
{
    OSString* a = makeString("a");
    OSString* b = makeString("b");
    const OSSymbol* ka = OSSymbol::withCString("ka");
    OSString* kb = makeString("kb");
    ASSERT_TRUE(a && b && ka && kb);
    const OSObject* objects[] = {a, b};
    const OSSymbol* symbolKeys[] = {ka, ka};
    const OSString* stringKeys[] = {ka, kb};

    OSDictionary* bySymbol = OSDictionary::withObjects(objects, symbolKeys, 2);
    ASSERT_NE(bySymbol, nullptr);
    EXPECT_EQ(bySymbol->getCount(), 1u) << "the second value replaced the first";
    EXPECT_EQ(bySymbol->getObject(ka), b);

    OSDictionary* byString = OSDictionary::withObjects(objects, stringKeys, 2);
    ASSERT_NE(byString, nullptr);
    EXPECT_EQ(byString->getObject("kb"), b);

    OSDictionary* copy = OSDictionary::withDictionary(byString);
    ASSERT_NE(copy, nullptr);
    EXPECT_TRUE(copy->isEqualTo(byString));
    EXPECT_EQ(copy->getObject("ka"), a) << "a shallow copy shares values";

    EXPECT_TRUE(copy->merge(bySymbol));
    EXPECT_EQ(copy->getObject("ka"), b) << "merge overwrites";
    EXPECT_EQ(copy->getCount(), 2u);

    copy->release();
    byString->release();
    bySymbol->release();
    EXPECT_EQ(a->getRetainCount(), 1);
    EXPECT_EQ(b->getRetainCount(), 1);
    a->release();
    b->release();
    ka->release();
    kb->release();
}

TEST(OSCollection, CopyCollectionDeepCopiesNestedCollections)
{
    OSNumber* leaf = OSNumber::withNumber(42, 32);
    OSString* innerLeaf = makeString("inner leaf");
    OSArray* inner = OSArray::withCapacity(1);
    OSSet* innerSet = OSSet::withCapacity(1);
    OSDictionary* innerDict = OSDictionary::withCapacity(1);
    OSDictionary* outer = OSDictionary::withCapacity(4);
    ASSERT_TRUE(leaf && innerLeaf && inner && innerSet && innerDict && outer);
    inner->setObject(innerLeaf);
    innerSet->setObject(innerLeaf);
    innerDict->setObject("deep", inner);
    outer->setObject("leaf", leaf);
    outer->setObject("array", inner);
    outer->setObject("set", innerSet);
    outer->setObject("dict", innerDict);

    const int leafCount = leaf->getRetainCount();
    const int innerLeafCount = innerLeaf->getRetainCount();
    const int innerCount = inner->getRetainCount();

    OSCollection* copied = outer->copyCollection();
    ASSERT_NE(copied, nullptr);
    auto* copy = OSDynamicCast(OSDictionary, copied);
    ASSERT_NE(copy, nullptr);
    EXPECT_NE(copy, outer);
    EXPECT_EQ(copy->getRetainCount(), 1);
    EXPECT_TRUE(copy->isEqualTo(outer));

    // Leaves are shared (retained once more), collections are new objects.
    EXPECT_EQ(copy->getObject("leaf"), leaf);
    EXPECT_EQ(leaf->getRetainCount(), leafCount + 1);

    auto* arrayCopy = OSDynamicCast(OSArray, copy->getObject("array"));
    ASSERT_NE(arrayCopy, nullptr);
    EXPECT_NE(arrayCopy, inner);
    EXPECT_EQ(arrayCopy->getObject(0), innerLeaf);
    EXPECT_EQ(arrayCopy->getRetainCount(), 2) << "held by the copied outer and inner dictionaries only";

    auto* setCopy = OSDynamicCast(OSSet, copy->getObject("set"));
    ASSERT_NE(setCopy, nullptr);
    EXPECT_NE(setCopy, innerSet);
    EXPECT_TRUE(setCopy->containsObject(innerLeaf));

    auto* dictCopy = OSDynamicCast(OSDictionary, copy->getObject("dict"));
    ASSERT_NE(dictCopy, nullptr);
    EXPECT_NE(dictCopy, innerDict);
    // The array reached twice in the original is copied once and shared in the copy.
    EXPECT_EQ(dictCopy->getObject("deep"), arrayCopy);
    EXPECT_EQ(innerLeaf->getRetainCount(), innerLeafCount + 2) << "array copy + set copy";
    EXPECT_EQ(inner->getRetainCount(), innerCount) << "the original collections are untouched";

    // Changing the copy leaves the original alone.
    arrayCopy->setObject(leaf);
    EXPECT_EQ(inner->getCount(), 1u);

    copied->release();
    EXPECT_EQ(leaf->getRetainCount(), leafCount);
    EXPECT_EQ(innerLeaf->getRetainCount(), innerLeafCount);

    outer->release();
    inner->release();
    innerSet->release();
    innerDict->release();
    EXPECT_EQ(leaf->getRetainCount(), 1);
    EXPECT_EQ(innerLeaf->getRetainCount(), 1);
    leaf->release();
    innerLeaf->release();
}

TEST(OSCollection, CopyCollectionOfOrderedSetKeepsOrderAndFunction)
{
    OSOrderedSet* set = OSOrderedSet::withCapacity(3, higherFirst, nullptr);
    OSArray* nested = OSArray::withCapacity(1);
    ASSERT_TRUE(set && nested);
    std::vector<OSNumber*> numbers;
    for (unsigned long long value : {2ULL, 8ULL, 4ULL}) {
        numbers.push_back(OSNumber::withNumber(value, 16));
        set->setObject(numbers.back());
    }
    set->setLastObject(nested);

    auto* copy = OSDynamicCast(OSOrderedSet, set->copyCollection());
    ASSERT_NE(copy, nullptr);
    ASSERT_EQ(copy->getCount(), 4u);
    EXPECT_EQ(copy->getObject(0), numbers[1]);
    EXPECT_EQ(copy->getObject(1), numbers[2]);
    EXPECT_EQ(copy->getObject(2), numbers[0]);
    EXPECT_NE(copy->getObject(3), nested);
    EXPECT_NE(OSDynamicCast(OSArray, copy->getObject(3)), nullptr);

    // The copy orders new members with the same function.
    OSNumber* six = OSNumber::withNumber(6, 16);
    copy->setObject(six);
    EXPECT_EQ(copy->getObject(1), six);

    copy->release();
    set->release();
    nested->release();
    six->release();
    for (OSNumber* number : numbers)
        number->release();
}

TEST(OSCollection, CopyCollectionPreservesCycles)
{
    OSArray* array = OSArray::withCapacity(2);
    ASSERT_NE(array, nullptr);
    array->setObject(kOSBooleanTrue);
    array->setObject(array); // a cycle: the array holds itself
    ASSERT_EQ(array->getRetainCount(), 2);

    auto* copy = OSDynamicCast(OSArray, array->copyCollection());
    ASSERT_NE(copy, nullptr);
    EXPECT_NE(copy, array);
    EXPECT_EQ(copy->getObject(0), kOSBooleanTrue);
    EXPECT_EQ(copy->getObject(1), copy) << "the copy refers to itself, not to the original";
    EXPECT_EQ(copy->getRetainCount(), 2);
    EXPECT_EQ(array->getRetainCount(), 2) << "the original gained no reference";

    // Break both cycles so everything is freed.
    copy->removeObject(1);
    EXPECT_EQ(copy->getRetainCount(), 1);
    copy->release();
    array->removeObject(1);
    EXPECT_EQ(array->getRetainCount(), 1);
    array->release();
}
