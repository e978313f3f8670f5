// SPDX-License-Identifier: GPL-2.0-or-later
// IORegistryEntry on a bare registry (no runtime): IDs, planes, links, paths,
// iterators, names, locations and properties. Reference: DESIGN §3 "Registry,
// services, matching"; spec 01 §1.6 and §3 items 29–32.
#include "TestDrivers.h"

#include <iolab/Registry.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <thread>

using namespace iolab::test;
using Names = std::vector<std::string>;

namespace {

class Registry : public ::testing::Test {
protected:
    void SetUp() override { registry = std::make_unique<iolab::Registry>(); }
    void TearDown() override
    {
        registry.reset();
        EXPECT_EQ(IORegistryEntry::metaClass->getInstanceCount(), 0u) << "entries outlived the registry";
        EXPECT_EQ(liveTestInstances(), "");
    }

    static OSSharedPtr<IORegistryEntry> entry(const char* name, const char* location = nullptr)
    {
        OSSharedPtr<IORegistryEntry> made(new IORegistryEntry, OSNoRetain);
        EXPECT_TRUE(made->init());
        made->setName(name);
        if (location)
            made->setLocation(location);
        return made;
    }
    IORegistryEntry* root() const { return registry->root(); }

    std::unique_ptr<iolab::Registry> registry;
};

Names namesOf(OSCollection* collection, const IORegistryPlane* plane = nullptr)
{
    Names names;
    OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(collection), OSNoRetain);
    while (OSObject* next = iterator->getNextObject())
        names.emplace_back(static_cast<IORegistryEntry*>(next)->getName(plane));
    return names;
}

Names drain(OSIterator* iterator)
{
    Names names;
    while (OSObject* next = iterator->getNextObject())
        names.emplace_back(static_cast<IORegistryEntry*>(next)->getName());
    return names;
}

} // namespace

TEST_F(Registry, RootAndStandardPlanes)
{
    ASSERT_EQ(IORegistryEntry::getRegistryRoot(), root());
    EXPECT_STREQ(root()->getName(), "Root");
    for (const char* name : {kIOServicePlane, kIOPowerPlane, kIODeviceTreePlane, kIOUSBPlane, kIOACPIPlane}) {
        const IORegistryPlane* plane = IORegistryEntry::getPlane(name);
        ASSERT_TRUE(plane) << name;
        EXPECT_STREQ(plane->getName(), name);
        EXPECT_EQ(IORegistryEntry::makePlane(name), plane) << "makePlane of an existing plane returns it";
    }
    EXPECT_EQ(IORegistryEntry::getPlane(kIOServicePlane), gIOServicePlane);
    EXPECT_EQ(IORegistryEntry::getPlane("NoSuchPlane"), nullptr);
    const IORegistryPlane* custom = IORegistryEntry::makePlane("IOTestPlane");
    ASSERT_TRUE(custom);
    EXPECT_EQ(IORegistryEntry::getPlane("IOTestPlane"), custom);
    std::set<unsigned> indexes;
    for (const IORegistryPlane* plane : registry->planes())
        indexes.insert(plane->index);
    EXPECT_EQ(indexes.size(), registry->planes().size()) << "plane indexes are distinct";
    EXPECT_TRUE(root()->inPlane(gIOServicePlane));
    EXPECT_EQ(root()->getDepth(gIOServicePlane), 0u);
}

// Registry entry IDs are unique, also across threads, and increase in creation order.
TEST_F(Registry, EntryIDsUniqueAndMonotonic)
{
    uint64_t previous = root()->getRegistryEntryID();
    EXPECT_NE(previous, 0u);
    for (int i = 0; i < 100; ++i) {
        auto made = entry("e");
        EXPECT_GT(made->getRegistryEntryID(), previous);
        previous = made->getRegistryEntryID();
    }
    std::vector<std::vector<uint64_t>> perThread(4);
    std::vector<std::thread> threads;
    for (auto& ids : perThread) {
        threads.emplace_back([&ids] {
            for (int i = 0; i < 500; ++i) {
                auto made = entry("t");
                ids.push_back(made->getRegistryEntryID());
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    std::set<uint64_t> all;
    for (auto& ids : perThread) {
        EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
        all.insert(ids.begin(), ids.end());
    }
    EXPECT_EQ(all.size(), 2000u);
    EXPECT_GT(*all.begin(), previous);
}

// Links are per plane: attaching in one leaves the others alone; each link
// holds one reference on both ends.
TEST_F(Registry, AttachDetachInSeveralPlanes)
{
    auto a = entry("a");
    auto b = entry("b");
    const int aCount = a->getRetainCount();
    const int bCount = b->getRetainCount();
    EXPECT_FALSE(a->inPlane(gIOServicePlane));
    EXPECT_FALSE(a->inPlane());

    ASSERT_TRUE(a->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(a->attachToParent(root(), gIODTPlane));
    ASSERT_TRUE(root()->attachToChild(b.get(), gIOServicePlane));
    ASSERT_TRUE(b->attachToParent(a.get(), gIOUSBPlane));
    EXPECT_EQ(a->getRetainCount(), aCount + 3);
    EXPECT_EQ(b->getRetainCount(), bCount + 2);

    EXPECT_TRUE(a->inPlane(gIOServicePlane));
    EXPECT_TRUE(a->inPlane(gIODTPlane));
    EXPECT_FALSE(a->inPlane(gIOPowerPlane));
    EXPECT_TRUE(a->inPlane());
    EXPECT_TRUE(a->isParent(root(), gIOServicePlane, true));
    EXPECT_TRUE(root()->isChild(a.get(), gIODTPlane));
    EXPECT_FALSE(root()->isChild(b.get(), gIODTPlane));
    EXPECT_TRUE(a->isChild(b.get(), gIOUSBPlane, true));
    EXPECT_FALSE(a->isChild(b.get(), gIOServicePlane));
    EXPECT_EQ(b->getParentEntry(gIOUSBPlane), a.get());
    EXPECT_EQ(b->getParentEntry(gIOServicePlane), root());
    EXPECT_EQ(b->getParentEntry(gIOPowerPlane), nullptr);
    EXPECT_EQ(a->getChildEntry(gIOUSBPlane), b.get());
    {
        OSSharedPtr<OSArray> serviceChildren(root()->copyChildren(gIOServicePlane), OSNoRetain);
        EXPECT_EQ(namesOf(serviceChildren.get()), (Names{"a", "b"}));
        OSSharedPtr<OSArray> dtChildren(root()->copyChildren(gIODTPlane), OSNoRetain);
        EXPECT_EQ(namesOf(dtChildren.get()), Names{"a"});
    }

    a->detachFromParent(root(), gIOServicePlane);
    EXPECT_FALSE(a->inPlane(gIOServicePlane));
    EXPECT_TRUE(a->inPlane(gIODTPlane)) << "detaching in one plane touched another";
    EXPECT_TRUE(b->isParent(a.get(), gIOUSBPlane));
    a->detachFromParent(root(), gIOServicePlane); // a second detach does nothing
    root()->detachFromChild(a.get(), gIODTPlane);
    b->detachAll(gIOUSBPlane);
    b->detachAbove(gIOServicePlane);
    EXPECT_FALSE(a->inPlane());
    EXPECT_FALSE(b->inPlane());
    EXPECT_EQ(a->getRetainCount(), aCount);
    EXPECT_EQ(b->getRetainCount(), bCount);
}

// Attaching the same link twice makes one link.
TEST_F(Registry, DuplicateAttachIsOneLink)
{
    auto a = entry("a");
    ASSERT_TRUE(a->attachToParent(root(), gIOServicePlane));
    const int count = a->getRetainCount();
    EXPECT_TRUE(a->attachToParent(root(), gIOServicePlane));
    EXPECT_EQ(a->getRetainCount(), count);
    OSSharedPtr<OSArray> parents(a->copyParents(gIOServicePlane), OSNoRetain);
    EXPECT_EQ(parents->getCount(), 1u);
    a->detachFromParent(root(), gIOServicePlane);
    EXPECT_FALSE(a->inPlane(gIOServicePlane));
}

// An entry may have several parents in a plane; the first one is "the" parent.
TEST_F(Registry, MultipleParents)
{
    auto left = entry("left");
    auto right = entry("right");
    auto shared = entry("shared");
    ASSERT_TRUE(left->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(right->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(shared->attachToParent(left.get(), gIOServicePlane));
    ASSERT_TRUE(shared->attachToParent(right.get(), gIOServicePlane));
    OSSharedPtr<OSArray> parents(shared->copyParents(gIOServicePlane), OSNoRetain);
    EXPECT_EQ(namesOf(parents.get()), (Names{"left", "right"}));
    EXPECT_EQ(shared->getParentEntry(gIOServicePlane), left.get());
    EXPECT_TRUE(shared->isParent(right.get(), gIOServicePlane));
    EXPECT_FALSE(shared->isParent(right.get(), gIOServicePlane, true)) << "onlyParent with two parents";
    EXPECT_EQ(shared->getDepth(gIOServicePlane), 2u);
    OSSharedPtr<OSIterator> parentIterator(shared->getParentIterator(gIOServicePlane), OSNoRetain);
    EXPECT_EQ(drain(parentIterator.get()), (Names{"left", "right"}));

    shared->detachFromParent(left.get(), gIOServicePlane);
    EXPECT_EQ(shared->getParentEntry(gIOServicePlane), right.get());
    EXPECT_EQ(shared->path(gIOServicePlane), "IOService:/right/shared");
    shared->detachAbove(gIOServicePlane);
    left->detachAll(gIOServicePlane);
    right->detachAll(gIOServicePlane);
}

// Cycles are refused, whichever parent the way back goes through.
TEST_F(Registry, CyclesRefused)
{
    auto a = entry("a");
    auto b = entry("b");
    auto c = entry("c");
    EXPECT_FALSE(a->attachToParent(a.get(), gIOServicePlane)) << "an entry cannot be its own parent";
    ASSERT_TRUE(a->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(b->attachToParent(a.get(), gIOServicePlane));
    ASSERT_TRUE(c->attachToParent(b.get(), gIOServicePlane));
    EXPECT_FALSE(a->attachToParent(c.get(), gIOServicePlane)) << "a → b → c → a";
    EXPECT_FALSE(a->attachToParent(b.get(), gIOServicePlane));
    EXPECT_FALSE(root()->attachToParent(c.get(), gIOServicePlane)) << "the root under its own descendant";
    EXPECT_TRUE(a->attachToParent(c.get(), gIODTPlane)) << "other planes are independent";

    // Through a second parent: d has parents a and b2 (b2 is not under a); b2 under d closes d → b2 → d.
    auto b2 = entry("b2");
    auto d = entry("d");
    ASSERT_TRUE(b2->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(d->attachToParent(a.get(), gIOServicePlane));
    ASSERT_TRUE(d->attachToParent(b2.get(), gIOServicePlane));
    EXPECT_FALSE(b2->attachToParent(d.get(), gIOServicePlane)) << "a cycle through the second parent";
    EXPECT_FALSE(b2->isParent(d.get(), gIOServicePlane));

    // The recursive iteration still terminates and sees each entry.
    OSSharedPtr<IORegistryIterator> all(IORegistryIterator::iterateOver(gIOServicePlane, kIORegistryIterateRecursively),
                                        OSNoRetain);
    OSSharedPtr<OSOrderedSet> entries(all->iterateAll(), OSNoRetain);
    EXPECT_EQ(entries->getCount(), 5u);
    for (auto* e : {a.get(), b.get(), c.get(), b2.get(), d.get()})
        e->detachAll(gIOServicePlane);
    a->detachAll(gIODTPlane);
}

// getPath and fromPath agree, with name@location components; missing paths give NULL.
TEST_F(Registry, PathsRoundTrip)
{
    auto machine = entry("IOLab");
    auto pci = entry("pci", "0");
    auto dev1 = entry("dev", "1f,2");
    auto dev2 = entry("dev", "1f,3");
    ASSERT_TRUE(machine->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(pci->attachToParent(machine.get(), gIOServicePlane));
    ASSERT_TRUE(dev1->attachToParent(pci.get(), gIOServicePlane));
    ASSERT_TRUE(dev2->attachToParent(pci.get(), gIOServicePlane));

    EXPECT_EQ(root()->path(gIOServicePlane), "IOService:/");
    EXPECT_EQ(machine->path(gIOServicePlane), "IOService:/IOLab");
    EXPECT_EQ(dev2->path(gIOServicePlane), "IOService:/IOLab/pci@0/dev@1f,3");
    char buffer[128];
    int length = sizeof buffer;
    ASSERT_TRUE(dev1->getPath(buffer, &length, gIOServicePlane));
    EXPECT_STREQ(buffer, "IOService:/IOLab/pci@0/dev@1f,2");
    EXPECT_EQ(length, static_cast<int>(std::strlen(buffer)));
    int tooSmall = 10;
    EXPECT_FALSE(dev1->getPath(buffer, &tooSmall, gIOServicePlane));
    length = sizeof buffer;
    EXPECT_FALSE(dev1->getPath(buffer, &length, gIOPowerPlane)) << "not in that plane";
    EXPECT_EQ(dev1->path(gIOPowerPlane), "");

    for (IORegistryEntry* e : {root(), machine.get(), pci.get(), dev1.get(), dev2.get()}) {
        const int before = e->getRetainCount();
        OSSharedPtr<IORegistryEntry> found(IORegistryEntry::fromPath(e->path(gIOServicePlane).c_str()), OSNoRetain);
        EXPECT_EQ(found.get(), e) << e->path(gIOServicePlane);
        EXPECT_EQ(e->getRetainCount(), before + 1) << "fromPath returns a retained entry";
    }
    // Plane-relative paths, child paths, and a name without a location (the first such child).
    OSSharedPtr<IORegistryEntry> relative(IORegistryEntry::fromPath("/IOLab/pci@0/dev@1f,3", gIOServicePlane),
                                          OSNoRetain);
    EXPECT_EQ(relative.get(), dev2.get());
    OSSharedPtr<IORegistryEntry> child(machine->childFromPath("pci@0/dev@1f,2", gIOServicePlane), OSNoRetain);
    EXPECT_EQ(child.get(), dev1.get());
    OSSharedPtr<IORegistryEntry> byName(IORegistryEntry::fromPath("IOService:/IOLab/pci/dev"), OSNoRetain);
    EXPECT_EQ(byName.get(), dev1.get());

    // Missing paths.
    for (const char* missing : {"IOService:/IOLab/pci@1", "IOService:/IOLab/pci@0/dev@1f,4", "IOService:/Nope",
                                "IOService:/IOLab/pci@0/dev@1f,2/deeper", "NoSuchPlane:/IOLab", "/IOLab"}) {
        EXPECT_EQ(IORegistryEntry::fromPath(missing), nullptr) << missing;
    }
    EXPECT_EQ(IORegistryEntry::fromPath(nullptr), nullptr);

    // With a residual buffer, the deepest entry found comes back with the rest of the path.
    char residual[64];
    int residualLength = sizeof residual;
    OSSharedPtr<IORegistryEntry> partial(
        IORegistryEntry::fromPath("IOService:/IOLab/pci@0/missing@9/more", nullptr, residual, &residualLength),
        OSNoRetain);
    EXPECT_EQ(partial.get(), pci.get());
    EXPECT_STREQ(residual, "missing@9/more");
    EXPECT_EQ(residualLength, static_cast<int>(std::strlen("missing@9/more")));

    for (auto* e : {dev1.get(), dev2.get(), pci.get(), machine.get()})
        e->detachAll(gIOServicePlane);
}

// Per-plane names and locations, with the common ones as fallback; paths use the plane's.
TEST_F(Registry, NamesAndLocationsPerPlane)
{
    OSSharedPtr<IORegistryEntry> plain(new IORegistryEntry, OSNoRetain);
    ASSERT_TRUE(plain->init());
    EXPECT_STREQ(plain->getName(), "IORegistryEntry") << "an unnamed entry is called by its class";
    EXPECT_EQ(plain->getLocation(), nullptr);

    auto e = entry("common", "7");
    e->setName("dt-name", gIODTPlane);
    e->setLocation("dt-loc", gIODTPlane);
    EXPECT_STREQ(e->getName(), "common");
    EXPECT_STREQ(e->getName(gIOServicePlane), "common");
    EXPECT_STREQ(e->getName(gIODTPlane), "dt-name");
    EXPECT_STREQ(e->getLocation(), "7");
    EXPECT_STREQ(e->getLocation(gIOServicePlane), "7");
    EXPECT_STREQ(e->getLocation(gIODTPlane), "dt-loc");
    OSSharedPtr<const OSSymbol> name(e->copyName(gIODTPlane), OSNoRetain);
    EXPECT_TRUE(name->isEqualTo("dt-name"));
    OSSharedPtr<const OSSymbol> location(e->copyLocation(), OSNoRetain);
    EXPECT_TRUE(location->isEqualTo("7"));

    ASSERT_TRUE(e->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(e->attachToParent(root(), gIODTPlane));
    EXPECT_EQ(e->path(gIOServicePlane), "IOService:/common@7");
    EXPECT_EQ(e->path(gIODTPlane), "IODeviceTree:/dt-name@dt-loc");
    OSSharedPtr<IORegistryEntry> found(IORegistryEntry::fromPath("IODeviceTree:/dt-name@dt-loc"), OSNoRetain);
    EXPECT_EQ(found.get(), e.get());
    EXPECT_EQ(IORegistryEntry::fromPath("IODeviceTree:/common@7"), nullptr);

    e->setName("renamed");
    EXPECT_STREQ(e->getName(gIODTPlane), "dt-name");
    EXPECT_EQ(e->path(gIOServicePlane), "IOService:/renamed@7");
    e->detachAll(gIOServicePlane);
    e->detachAll(gIODTPlane);
}

// compareName(s) against the name and the "compatible" property.
TEST_F(Registry, CompareNames)
{
    auto e = entry("widget");
    const char compatible[] = "acme,w1\0acme,w0";
    e->setProperty("compatible", const_cast<char*>(compatible), sizeof compatible);
    OSSharedPtr<OSString> widget(OSString::withCString("widget"), OSNoRetain);
    OSSharedPtr<OSString> w0(OSString::withCString("acme,w0"), OSNoRetain);
    OSSharedPtr<OSString> nope(OSString::withCString("acme"), OSNoRetain);
    EXPECT_TRUE(e->compareName(widget.get()));
    EXPECT_TRUE(e->compareName(w0.get()));
    EXPECT_FALSE(e->compareName(nope.get()));
    OSString* matched = nullptr;
    auto list = stringArray({"x", "acme,w0"});
    ASSERT_TRUE(e->compareNames(list.get(), &matched));
    ASSERT_TRUE(matched);
    EXPECT_STREQ(matched->getCStringNoCopy(), "acme,w0");
    matched->release();
    auto none = stringArray({"x", "y"});
    EXPECT_FALSE(e->compareNames(none.get()));
    EXPECT_FALSE(e->compareNames(nullptr));
}

// Depth-first order, flat and recursive, from the root or any entry, and up the parents.
TEST_F(Registry, IteratorOrder)
{
    auto a = entry("A");
    auto a1 = entry("a1");
    auto a2 = entry("a2");
    auto a2x = entry("a2x");
    auto b = entry("B");
    auto b1 = entry("b1");
    ASSERT_TRUE(a->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(a1->attachToParent(a.get(), gIOServicePlane));
    ASSERT_TRUE(a2->attachToParent(a.get(), gIOServicePlane));
    ASSERT_TRUE(a2x->attachToParent(a2.get(), gIOServicePlane));
    ASSERT_TRUE(b->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(b1->attachToParent(b.get(), gIOServicePlane));

    OSSharedPtr<IORegistryIterator> flat(IORegistryIterator::iterateOver(gIOServicePlane), OSNoRetain);
    EXPECT_EQ(drain(flat.get()), (Names{"A", "B"}));
    EXPECT_EQ(flat->getNextObject(), nullptr);
    OSSharedPtr<IORegistryIterator> recursive(
        IORegistryIterator::iterateOver(gIOServicePlane, kIORegistryIterateRecursively), OSNoRetain);
    EXPECT_EQ(drain(recursive.get()), (Names{"A", "a1", "a2", "a2x", "B", "b1"}));
    recursive->reset();
    EXPECT_EQ(recursive->getNextObject(), a.get());
    EXPECT_EQ(recursive->getCurrentEntry(), a.get());
    OSSharedPtr<OSOrderedSet> rest(recursive->iterateAll(), OSNoRetain);
    EXPECT_EQ(namesOf(rest.get()), (Names{"a1", "a2", "a2x", "B", "b1"})) << "iterateAll returns what is left";

    OSSharedPtr<IORegistryIterator> fromA(
        IORegistryIterator::iterateOver(a.get(), gIOServicePlane, kIORegistryIterateRecursively), OSNoRetain);
    EXPECT_EQ(drain(fromA.get()), (Names{"a1", "a2", "a2x"}));
    OSSharedPtr<IORegistryIterator> up(IORegistryIterator::iterateOver(
                                           a2x.get(), gIOServicePlane,
                                           kIORegistryIterateRecursively | kIORegistryIterateParents),
                                       OSNoRetain);
    EXPECT_EQ(drain(up.get()), (Names{"a2", "A", "Root"}));

    // Manual descent with the flat walk.
    OSSharedPtr<IORegistryIterator> manual(IORegistryIterator::iterateOver(gIOServicePlane), OSNoRetain);
    EXPECT_EQ(manual->getNextObjectFlat(), a.get());
    manual->enterEntry();
    EXPECT_EQ(manual->getNextObjectFlat(), a1.get());
    EXPECT_EQ(manual->getNextObjectFlat(), a2.get());
    EXPECT_EQ(manual->getNextObjectFlat(), nullptr);
    EXPECT_TRUE(manual->exitEntry());
    EXPECT_EQ(manual->getNextObjectFlat(), b.get());
    EXPECT_FALSE(manual->exitEntry()) << "cannot climb above the start";

    EXPECT_EQ(a2x->getDepth(gIOServicePlane), 3u);
    EXPECT_EQ(b->getDepth(gIOServicePlane), 1u);
    EXPECT_EQ(a2x->getDepth(gIODTPlane), 0u);

    for (auto* e : {a2x.get(), a2.get(), a1.get(), a.get(), b1.get(), b.get()})
        e->detachAll(gIOServicePlane);
}

// An iterator is valid until the registry changes; reset makes it valid again.
TEST_F(Registry, IteratorInvalidatedByChanges)
{
    auto a = entry("A");
    ASSERT_TRUE(a->attachToParent(root(), gIOServicePlane));
    OSSharedPtr<IORegistryIterator> walk(
        IORegistryIterator::iterateOver(gIOServicePlane, kIORegistryIterateRecursively), OSNoRetain);
    EXPECT_TRUE(walk->isValid());
    EXPECT_EQ(drain(walk.get()), Names{"A"});
    EXPECT_TRUE(walk->isValid()) << "reading does not invalidate";

    auto b = entry("B");
    ASSERT_TRUE(b->attachToParent(root(), gIOServicePlane));
    EXPECT_FALSE(walk->isValid()) << "an attach must invalidate";
    walk->reset();
    EXPECT_TRUE(walk->isValid());
    EXPECT_EQ(drain(walk.get()), (Names{"A", "B"}));

    a->setProperty("k", "v");
    EXPECT_FALSE(walk->isValid()) << "a property change must invalidate";
    walk->reset();
    b->detachAll(gIOServicePlane);
    EXPECT_FALSE(walk->isValid()) << "a detach must invalidate";
    walk->reset();
    EXPECT_EQ(drain(walk.get()), Names{"A"});
    a->detachAll(gIOServicePlane);
    EXPECT_EQ(IORegistryIterator::iterateOver(nullptr, gIOServicePlane), nullptr);
}

// Property references: set retains, get does not, copy does, remove releases.
TEST_F(Registry, PropertyRetainCounts)
{
    auto e = entry("e");
    OSSharedPtr<OSString> value(OSString::withCString("v"), OSNoRetain);
    const int base = value->getRetainCount();
    const SInt32 generation = IORegistryEntry::getGenerationCount();
    ASSERT_TRUE(e->setProperty("key", value.get()));
    EXPECT_GT(IORegistryEntry::getGenerationCount(), generation) << "a property change bumps the generation";
    EXPECT_EQ(value->getRetainCount(), base + 1);
    EXPECT_EQ(e->getProperty("key"), value.get());
    EXPECT_EQ(value->getRetainCount(), base + 1) << "getProperty must not retain";
    OSSharedPtr<const OSSymbol> key(OSSymbol::withCString("key"), OSNoRetain);
    OSSharedPtr<OSString> keyString(OSString::withCString("key"), OSNoRetain);
    EXPECT_EQ(e->getProperty(key.get()), value.get());
    EXPECT_EQ(e->getProperty(keyString.get()), value.get());
    {
        OSSharedPtr<OSObject> copy(e->copyProperty("key"), OSNoRetain);
        EXPECT_EQ(copy.get(), value.get());
        EXPECT_EQ(value->getRetainCount(), base + 2) << "copyProperty must retain";
        OSSharedPtr<OSObject> bySymbol(e->copyProperty(key.get()), OSNoRetain);
        OSSharedPtr<OSObject> byString(e->copyProperty(keyString.get()), OSNoRetain);
        EXPECT_EQ(value->getRetainCount(), base + 4);
    }
    EXPECT_EQ(value->getRetainCount(), base + 1);

    OSSharedPtr<OSString> other(OSString::withCString("w"), OSNoRetain);
    ASSERT_TRUE(e->setProperty(key.get(), other.get()));
    EXPECT_EQ(value->getRetainCount(), base) << "replacing a value releases the old one";
    e->removeProperty("key");
    EXPECT_EQ(other->getRetainCount(), base);
    EXPECT_EQ(e->getProperty("key"), nullptr);
    EXPECT_EQ(e->copyProperty("key"), nullptr);
    e->removeProperty("never-set-key-xyz");
    e->removeProperty(keyString.get());

    // Typed setters.
    ASSERT_TRUE(e->setProperty("flag", true));
    EXPECT_EQ(e->getProperty("flag"), kOSBooleanTrue);
    ASSERT_TRUE(e->setProperty("number", 0x1234ull, 16));
    auto* number = OSDynamicCast(OSNumber, e->getProperty("number"));
    ASSERT_TRUE(number);
    EXPECT_EQ(number->unsigned64BitValue(), 0x1234u);
    EXPECT_EQ(number->numberOfBits(), 16u);
    ASSERT_TRUE(e->setProperty("text", "hello"));
    EXPECT_TRUE(OSDynamicCast(OSString, e->getProperty("text"))->isEqualTo("hello"));
    unsigned char bytes[] = {1, 2, 3};
    ASSERT_TRUE(e->setProperty("bytes", bytes, sizeof bytes));
    auto* data = OSDynamicCast(OSData, e->getProperty("bytes"));
    ASSERT_TRUE(data);
    EXPECT_TRUE(data->isEqualTo(bytes, sizeof bytes));
    EXPECT_FALSE(e->setProperty("null", static_cast<OSObject*>(nullptr)));
    EXPECT_FALSE(e->setProperty(static_cast<const char*>(nullptr), value.get()));
    EXPECT_EQ(e->setProperties(value.get()), kIOReturnUnsupported);
}

// dictionaryWithProperties is a copy: later changes on either side stay apart.
TEST_F(Registry, DictionaryWithPropertiesIsACopy)
{
    auto e = entry("e");
    e->setProperty("a", "1");
    OSSharedPtr<OSDictionary> copy(e->dictionaryWithProperties(), OSNoRetain);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->getRetainCount(), 1);
    EXPECT_NE(copy.get(), e->getPropertyTable());
    EXPECT_TRUE(copy->isEqualTo(e->getPropertyTable()));
    e->setProperty("b", "2");
    EXPECT_EQ(copy->getObject("b"), nullptr);
    OSSharedPtr<OSString> three(OSString::withCString("3"), OSNoRetain);
    copy->setObject("c", three.get());
    EXPECT_EQ(e->getProperty("c"), nullptr);

    // setPropertyTable replaces the whole table.
    OSSharedPtr<OSDictionary> table(Dict().string("only", "this").ptr());
    e->setPropertyTable(table.get());
    EXPECT_EQ(e->getPropertyTable(), table.get());
    EXPECT_EQ(e->getProperty("a"), nullptr);
    EXPECT_TRUE(e->getProperty("only"));
}

// A recursive property lookup climbs the parents (or descends the children).
TEST_F(Registry, RecursivePropertyLookup)
{
    auto parent = entry("parent");
    auto child = entry("child");
    ASSERT_TRUE(parent->attachToParent(root(), gIOServicePlane));
    ASSERT_TRUE(child->attachToParent(parent.get(), gIOServicePlane));
    parent->setProperty("inherited", "yes");
    child->setProperty("own", "yes");
    EXPECT_EQ(child->getProperty("inherited"), nullptr);
    EXPECT_TRUE(child->getProperty("inherited", gIOServicePlane));
    EXPECT_EQ(child->getProperty("inherited", gIOServicePlane, 0), nullptr) << "without recursion";
    EXPECT_EQ(child->getProperty("inherited", gIODTPlane), nullptr) << "not linked in that plane";
    EXPECT_TRUE(parent->getProperty("own", gIOServicePlane, kIORegistryIterateRecursively));
    child->detachAll(gIOServicePlane);
    parent->detachAll(gIOServicePlane);
}

// Concurrent readers and writers of one entry's properties and links keep it consistent.
TEST_F(Registry, ConcurrentPropertyAndLinkChanges)
{
    auto e = entry("busy");
    ASSERT_TRUE(e->attachToParent(root(), gIOServicePlane));
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const std::string key = "k" + std::to_string(t) + "_" + std::to_string(i % 16);
                e->setProperty(key.c_str(), static_cast<unsigned long long>(i), 32);
                OSSharedPtr<OSObject> read(e->copyProperty(key.c_str()), OSNoRetain);
                EXPECT_TRUE(read);
                if (i % 3 == 0)
                    e->removeProperty(key.c_str());
            }
        });
    }
    threads.emplace_back([&] {
        while (!stop.load()) {
            auto child = entry("c");
            child->attachToParent(e.get(), gIOServicePlane);
            (void)child->path(gIOServicePlane);
            child->detachAll(gIOServicePlane);
        }
    });
    threads.emplace_back([&] {
        while (!stop.load()) {
            OSSharedPtr<OSDictionary> snapshot(e->dictionaryWithProperties(), OSNoRetain);
            OSSharedPtr<IORegistryIterator> walk(
                IORegistryIterator::iterateOver(gIOServicePlane, kIORegistryIterateRecursively), OSNoRetain);
            OSSharedPtr<OSOrderedSet> all(walk->iterateAll(), OSNoRetain);
            EXPECT_GE(all->getCount(), 1u);
        }
    });
    for (int t = 0; t < 3; ++t)
        threads[static_cast<size_t>(t)].join();
    stop = true;
    for (size_t t = 3; t < threads.size(); ++t)
        threads[t].join();
    e->detachAll(gIOServicePlane);
}
