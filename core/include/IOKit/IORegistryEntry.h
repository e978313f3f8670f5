// SPDX-License-Identifier: GPL-2.0-or-later
// IORegistryEntry: a node of the I/O Registry. Entries are linked into planes
// (IOService, IOPower, IOUSB, IODeviceTree, IOACPIPlane), each with its own
// parents and children, and carry a property table and per-plane names and
// locations.
//
// Locking: topology (links in every plane) is guarded by the registry's single
// reader/writer lock; each entry's property table has its own lock. Lock order:
// registry lock, then property locks. Change-feed events are queued while the
// locks are held and never call out.
#pragma once

#include <IOKit/IOKitKeys.h>
#include <IOKit/IOTypes.h>
#include <libkern/c++/OSContainers.h>

#include <mutex>
#include <vector>

class IORegistryEntry;
class IORegistryPlane;

enum {
    kIORegistryIterateRecursively = 0x00000001,
    kIORegistryIterateParents = 0x00000002,
};

typedef void (*IORegistryEntryApplierFunction)(IORegistryEntry* entry, void* context);

/// A plane of the registry. Made by IORegistryEntry::makePlane; its name is its nameKey.
class IORegistryPlane : public OSObject {
    OSDeclareDefaultStructors(IORegistryPlane)
    friend class IORegistryEntry;

public:
    const OSSymbol* nameKey = nullptr;      ///< "IOService"
    const OSSymbol* pathNameKey = nullptr;  ///< "IOServiceName": per-plane name property
    const OSSymbol* pathLocationKey = nullptr;
    unsigned index = 0;                     ///< position among the registry's planes
    const char* getName() const { return nameKey->getCStringNoCopy(); }
    void free() override;
};

class IORegistryEntry : public OSObject {
    OSDeclareDefaultStructors(IORegistryEntry)

public:
    // --- the registry -----------------------------------------------------
    /// The root entry ("Root"), or NULL when no registry is booted.
    static IORegistryEntry* getRegistryRoot();
    /// Bumped by every change of topology, names or properties.
    static SInt32 getGenerationCount();
    static const IORegistryPlane* makePlane(const char* name);
    static const IORegistryPlane* getPlane(const char* name);

    // --- life -------------------------------------------------------------
    /// Initialises with a property table: `dictionary` is retained as the table
    /// (a new empty table when NULL). Assigns the registry entry ID.
    virtual bool init(OSDictionary* dictionary = nullptr);
    void free() override;
    uint64_t getRegistryEntryID() const { return m_registryID; }

    // --- properties (each entry's table has its own lock) -------------------
    virtual void setPropertyTable(OSDictionary* dict);
    /// Not retained, and unsafe against concurrent writers (as on I/O Kit);
    /// prefer dictionaryWithProperties or copyProperty.
    virtual OSDictionary* getPropertyTable() const;
    /// A shallow copy of the property table, retained for the caller.
    virtual OSDictionary* dictionaryWithProperties() const;
    /// What a client's property write calls. The default changes nothing and
    /// returns kIOReturnUnsupported; drivers override it.
    virtual IOReturn setProperties(OSObject* properties);

    virtual bool setProperty(const OSSymbol* aKey, OSObject* anObject);
    virtual bool setProperty(const OSString* aKey, OSObject* anObject);
    virtual bool setProperty(const char* aKey, OSObject* anObject);
    virtual bool setProperty(const char* aKey, const char* aString);
    virtual bool setProperty(const char* aKey, bool aBoolean);
    virtual bool setProperty(const char* aKey, unsigned long long aValue, unsigned int aNumberOfBits);
    virtual bool setProperty(const char* aKey, void* bytes, unsigned int length);
    virtual void removeProperty(const OSSymbol* aKey);
    virtual void removeProperty(const OSString* aKey);
    virtual void removeProperty(const char* aKey);
    /// Not retained (see getPropertyTable). NULL if absent.
    virtual OSObject* getProperty(const OSSymbol* aKey) const;
    virtual OSObject* getProperty(const OSString* aKey) const;
    virtual OSObject* getProperty(const char* aKey) const;
    /// Searches this entry, then (with kIORegistryIterateRecursively) its
    /// parents or children in `plane`.
    virtual OSObject* getProperty(const char* aKey, const IORegistryPlane* plane,
                                  IOOptionBits options = kIORegistryIterateRecursively | kIORegistryIterateParents) const;
    /// Retained for the caller. NULL if absent.
    virtual OSObject* copyProperty(const OSSymbol* aKey) const;
    virtual OSObject* copyProperty(const OSString* aKey) const;
    virtual OSObject* copyProperty(const char* aKey) const;
    virtual bool serializeProperties(OSSerialize* serializer) const;

    // --- names and locations --------------------------------------------------
    /// The name in `plane` (the plane's own name if set, else the common name,
    /// else the class name). The pointer stays valid while the entry keeps that name.
    virtual const char* getName(const IORegistryPlane* plane = nullptr) const;
    virtual const OSSymbol* copyName(const IORegistryPlane* plane = nullptr) const;
    virtual void setName(const OSSymbol* name, const IORegistryPlane* plane = nullptr);
    virtual void setName(const char* name, const IORegistryPlane* plane = nullptr);
    /// NULL when the entry has no location.
    virtual const char* getLocation(const IORegistryPlane* plane = nullptr) const;
    virtual const OSSymbol* copyLocation(const IORegistryPlane* plane = nullptr) const;
    virtual void setLocation(const OSSymbol* location, const IORegistryPlane* plane = nullptr);
    virtual void setLocation(const char* location, const IORegistryPlane* plane = nullptr);
    /// True if `name` (a string, or a collection of strings) equals this entry's
    /// name or one of its "compatible" names; the one that matched goes to *matched (retained).
    virtual bool compareNames(OSObject* name, OSString** matched = nullptr) const;
    virtual bool compareName(OSString* name, OSString** matched = nullptr) const;

    // --- paths ------------------------------------------------------------------
    /// "IOService:/IOResources/IOKitTest" (components are name@location). False if
    /// the entry is not in the plane or the buffer (of *length bytes) is too small.
    virtual bool getPath(char* path, int* length, const IORegistryPlane* plane) const;
    std::string path(const IORegistryPlane* plane) const;
    /// The entry at `path` ("IOService:/a/b@1", or a plane-relative path with
    /// `plane`), retained; NULL if there is none.
    static IORegistryEntry* fromPath(const char* path, const IORegistryPlane* plane = nullptr,
                                     char* residualPath = nullptr, int* residualLength = nullptr,
                                     IORegistryEntry* fromEntry = nullptr);
    virtual IORegistryEntry* childFromPath(const char* path, const IORegistryPlane* plane = nullptr,
                                           char* residualPath = nullptr, int* residualLength = nullptr);

    // --- topology ---------------------------------------------------------------
    virtual bool attachToParent(IORegistryEntry* parent, const IORegistryPlane* plane);
    virtual void detachFromParent(IORegistryEntry* parent, const IORegistryPlane* plane);
    virtual bool attachToChild(IORegistryEntry* child, const IORegistryPlane* plane);
    virtual void detachFromChild(IORegistryEntry* child, const IORegistryPlane* plane);
    virtual void detachAbove(const IORegistryPlane* plane);
    virtual void detachAll(const IORegistryPlane* plane);
    /// The first parent/child (not retained, as on I/O Kit); copy… versions retain.
    virtual IORegistryEntry* getParentEntry(const IORegistryPlane* plane) const;
    virtual IORegistryEntry* copyParentEntry(const IORegistryPlane* plane) const;
    virtual IORegistryEntry* getChildEntry(const IORegistryPlane* plane) const;
    virtual IORegistryEntry* copyChildEntry(const IORegistryPlane* plane) const;
    /// Snapshot iterators over the parents/children (retained by the iterator).
    virtual OSIterator* getParentIterator(const IORegistryPlane* plane) const;
    virtual OSIterator* getChildIterator(const IORegistryPlane* plane) const;
    /// Snapshots as arrays (retained for the caller).
    OSArray* copyParents(const IORegistryPlane* plane) const;
    OSArray* copyChildren(const IORegistryPlane* plane) const;
    virtual bool isParent(IORegistryEntry* parent, const IORegistryPlane* plane, bool onlyParent = false) const;
    virtual bool isChild(IORegistryEntry* child, const IORegistryPlane* plane, bool onlyChild = false) const;
    virtual bool inPlane(const IORegistryPlane* plane = nullptr) const;
    virtual unsigned int getDepth(const IORegistryPlane* plane) const;
    virtual void applyToChildren(IORegistryEntryApplierFunction applier, void* context, const IORegistryPlane* plane) const;
    virtual void applyToParents(IORegistryEntryApplierFunction applier, void* context, const IORegistryPlane* plane) const;

protected:
    /// Publishes a change-feed event about this entry (no call-outs).
    void noteChange(unsigned kind, uint64_t otherID = 0, unsigned planeIndex = 0, uint32_t state = 0) const;

private:
    friend class IORegistryIterator;
    friend struct IORegistryInternals;
    struct PlaneLinks {
        const IORegistryPlane* plane;
        std::vector<IORegistryEntry*> parents; // retained
        std::vector<IORegistryEntry*> children; // retained
    };
    PlaneLinks* links(const IORegistryPlane* plane);
    const PlaneLinks* links(const IORegistryPlane* plane) const;
    bool makeLink(IORegistryEntry* parent, IORegistryEntry* child, const IORegistryPlane* plane);
    void breakLink(IORegistryEntry* parent, IORegistryEntry* child, const IORegistryPlane* plane);
    const OSSymbol* nameSymbol(const IORegistryPlane* plane, bool location) const;

    uint64_t m_registryID = 0;
    mutable std::mutex m_propertyLock;
    OSDictionary* m_properties = nullptr;
    OSDictionary* m_names = nullptr; // "<plane>Name"/"<plane>Location"/"IOName"/"IOLocation" -> OSSymbol; under m_propertyLock
    std::vector<PlaneLinks> m_links; // under the registry lock
};

/// Walks a plane from an entry, depth first, optionally recursively.
class IORegistryIterator : public OSIterator {
    OSDeclareDefaultStructors(IORegistryIterator)

public:
    static IORegistryIterator* iterateOver(IORegistryEntry* start, const IORegistryPlane* plane, IOOptionBits options = 0);
    static IORegistryIterator* iterateOver(const IORegistryPlane* plane, IOOptionBits options = 0);

    /// Next entry (not retained; the iterator holds it), recursively if asked.
    OSObject* getNextObject() override;
    virtual IORegistryEntry* getNextObjectFlat();
    virtual IORegistryEntry* getNextObjectRecursive();
    virtual IORegistryEntry* getCurrentEntry();
    /// Descends into the current entry / climbs back out.
    virtual void enterEntry();
    virtual void enterEntry(const IORegistryPlane* plane);
    virtual bool exitEntry();
    void reset() override;
    bool isValid() override;
    /// Every remaining entry, in order (retained for the caller).
    virtual OSOrderedSet* iterateAll();
    void free() override;

private:
    struct Level {
        OSArray* entries; // snapshot of the children (or parents) of `where`
        unsigned next;
        IORegistryEntry* where;
    };
    void pushLevel(IORegistryEntry* entry);
    IORegistryEntry* m_root = nullptr;
    const IORegistryPlane* m_plane = nullptr;
    IOOptionBits m_options = 0;
    std::vector<Level> m_levels;
    IORegistryEntry* m_current = nullptr;
    SInt32 m_generation = 0;
};
