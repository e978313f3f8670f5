// SPDX-License-Identifier: GPL-2.0-or-later
// ioreg's text and archive formats over registry snapshots.
#include <IOKit/IOService.h>
#include <iolab/IORegFormat.h>
#include <iolab/Serialization.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>

namespace iolab::ioreg {

namespace {
constexpr const char* kNameKey = "IORegistryEntryName";
constexpr const char* kLocationKey = "IORegistryEntryLocation";
constexpr const char* kIDKey = "IORegistryEntryID";
constexpr const char* kClassKey = "IOObjectClass";
constexpr const char* kRetainKey = "IOObjectRetainCount";
constexpr const char* kStateKey = "IOServiceState";
constexpr const char* kBusyStateKey = "IOServiceBusyState";
constexpr const char* kBusyTimeKey = "IOServiceBusyTime";
constexpr const char* kChildrenKey = "IORegistryEntryChildren";
constexpr const char* kInheritanceKey = "IOObjectInheritance"; // IOLab's addition: the class chain
} // namespace

const std::string& Node::className() const
{
    static const std::string unknown = "<class error>";
    return classChain.empty() ? unknown : classChain.front();
}

bool Node::conformsTo(std::string_view name) const
{
    for (const std::string& one : classChain) {
        if (one == name)
            return true;
    }
    return false;
}

Node snapshot(IORegistryEntry* root, const IORegistryPlane* plane, unsigned maxDepth, bool withProperties)
{
    Node node;
    node.name = root->getName(plane);
    if (const char* location = root->getLocation(plane))
        node.location = location;
    for (const OSMetaClass* meta = root->getMetaClass(); meta && meta != OSObject::metaClass; meta = meta->getSuperClass())
        node.classChain.emplace_back(meta->getClassName());
    node.id = root->getRegistryEntryID();
    if (auto* service = OSDynamicCast(IOService, root)) {
        node.isService = true;
        node.state = service->getState();
        node.busy = service->getBusyState();
        node.busyTimeNs = service->getAccumulatedBusyTime() * 1000000ull;
    }
    if (withProperties)
        node.properties.reset(root->dictionaryWithProperties(), OSNoRetain);
    if (maxDepth != 1) {
        OSSharedPtr<OSArray> children(root->copyChildren(plane), OSNoRetain);
        for (unsigned i = 0; children && i < children->getCount(); ++i)
            node.children.push_back(snapshot(static_cast<IORegistryEntry*>(children->getObject(i)), plane,
                                             maxDepth ? maxDepth - 1 : 0, withProperties));
    }
    // The retain count as the caller would see it without the snapshot's own references.
    node.retain = static_cast<uint32_t>(root->getRetainCount());
    return node;
}

// --- values ---------------------------------------------------------------------------------------

namespace {

void appendValue(std::string& out, const OSObject* value, bool hex);

void appendData(std::string& out, const OSData* data, bool hex)
{
    // Shown as a string (or strings separated by NULs) when it looks like one:
    // at least 80% printable, more than one byte, not asked for hex.
    const auto bytes = data->bytes();
    const size_t length = bytes.size();
    unsigned normal = 0, symbol = 0;
    size_t index = 0;
    for (; index < length; ++index) {
        if (bytes[index] == 0)
            break;
        for (; index < length; ++index) {
            if (std::isprint(bytes[index]))
                ++normal;
            else if (bytes[index] >= 128 && bytes[index] <= 254)
                ++symbol;
            else
                break;
        }
        if (!(index < length && bytes[index] == 0))
            break;
    }
    if ((normal >> 2) < symbol || length == 1 || hex)
        index = 0;
    out += '<';
    if (index >= length && normal) {
        bool quoted = false;
        for (index = 0; index < length; ++index) {
            if (bytes[index]) {
                if (!quoted) {
                    quoted = true;
                    out += index ? ",\"" : "\"";
                }
                out += static_cast<char>(bytes[index]);
            } else if (quoted) {
                quoted = false;
                out += '"';
            } else {
                break;
            }
        }
        if (quoted)
            out += '"';
    } else {
        static const char digits[] = "0123456789abcdef";
        for (uint8_t byte : bytes) {
            out += digits[byte >> 4];
            out += digits[byte & 15];
        }
    }
    out += '>';
}

void appendMembers(std::string& out, const OSCollection* collection, bool hex, char open, char close)
{
    out += open;
    OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(collection), OSNoRetain);
    bool first = true;
    while (OSObject* member = iterator ? iterator->getNextObject() : nullptr) {
        if (!first)
            out += ',';
        first = false;
        appendValue(out, member, hex);
    }
    out += close;
}

void appendValue(std::string& out, const OSObject* value, bool hex)
{
    if (auto* string = OSDynamicCast(OSString, value)) {
        out += '"';
        out += string->view();
        out += '"';
    } else if (auto* number = OSDynamicCast(OSNumber, value)) {
        char text[32];
        std::snprintf(text, sizeof text, hex ? "0x%llx" : "%llu", number->unsigned64BitValue());
        out += text;
    } else if (auto* boolean = OSDynamicCast(OSBoolean, value)) {
        out += boolean->isTrue() ? "Yes" : "No";
    } else if (auto* data = OSDynamicCast(OSData, value)) {
        appendData(out, data, hex);
    } else if (auto* dict = OSDynamicCast(OSDictionary, value)) {
        out += '{';
        for (unsigned i = 0; i < dict->getCount(); ++i) {
            if (i)
                out += ',';
            out += '"';
            out += dict->keyAtIndex(i)->view();
            out += "\"=";
            appendValue(out, dict->objectAtIndex(i), hex);
        }
        out += '}';
    } else if (auto* set = OSDynamicCast(OSSet, value)) {
        appendMembers(out, set, hex, '[', ']');
    } else if (auto* collection = OSDynamicCast(OSCollection, value)) {
        appendMembers(out, collection, hex, '(', ')');
    } else {
        out += "<unknown object>";
    }
}

} // namespace

bool matchesCriteria(const Node& node, const PrintOptions& options)
{
    bool match = false;
    if (!options.className.empty()) {
        if (!node.conformsTo(options.className))
            return false;
        match = true;
    }
    if (!options.key.empty()) {
        if (!node.properties || !node.properties->getObject(options.key.c_str()))
            return false;
        match = true;
    }
    if (!options.name.empty()) {
        std::string name = node.name;
        if (options.name.find('@') != std::string::npos) {
            name += '@';
            if (node.location)
                name += *node.location;
        }
        if (name != options.name)
            return false;
        match = true;
    }
    return match;
}

namespace {

// --- tree printing --------------------------------------------------------------------------------

class Printer {
public:
    explicit Printer(const PrintOptions& options) : m_options(options) {}

    std::string run(const Node& root)
    {
        if (m_options.subtrees) {
            std::vector<const Node*> stack;
            search(root, 0, 0, stack);
        } else {
            scan(root, false, 0, 0);
        }
        return std::move(m_out);
    }

private:
    bool matches(const Node& node) const { return matchesCriteria(node, m_options); }

    void line(const std::string& text)
    {
        if (m_options.width && text.size() >= m_options.width) {
            m_out.append(text, 0, m_options.width - 1);
            m_out += '$';
        } else {
            m_out += text;
        }
        m_out += '\n';
    }

    // stackOfBits: bit i (i ≤ depth) = level i has more siblings; bit depth+1 = the node has children.
    static std::string indent(bool isNode, unsigned depth, uint64_t bits)
    {
        std::string text;
        const unsigned levels = isNode ? depth : depth + 2;
        for (unsigned i = 0; i < levels; ++i)
            text += (bits & (uint64_t(1) << i)) ? "| " : "  ";
        if (isNode)
            text += "+-o ";
        return text;
    }

    void show(const Node& node, unsigned depth, uint64_t bits)
    {
        std::string text = indent(true, depth, bits) + node.name;
        if (node.location)
            text += "@" + *node.location;
        text += "  <class ";
        if (m_options.inheritance) {
            for (auto it = node.classChain.rbegin(); it != node.classChain.rend(); ++it) {
                if (it != node.classChain.rbegin())
                    text += ':';
                text += *it;
            }
        } else {
            text += node.className();
        }
        if (m_options.showState) {
            char buffer[96];
            std::snprintf(buffer, sizeof buffer, ", id 0x%" PRIx64, node.id);
            text += buffer;
            if (node.isService) {
                text += node.state & kIOServiceRegisteredState ? ", registered" : ", !registered";
                text += node.state & kIOServiceMatchedState ? ", matched" : ", !matched";
                text += node.state & kIOServiceInactiveState ? ", inactive" : ", active";
                std::snprintf(buffer, sizeof buffer, ", busy %u", node.busy);
                text += buffer;
                if (const uint64_t ms = node.busyTimeNs / 1000000) {
                    std::snprintf(buffer, sizeof buffer, " (%" PRIu64 " ms)", ms);
                    text += buffer;
                }
            }
            std::snprintf(buffer, sizeof buffer, ", retain %u", node.retain);
            text += buffer;
        }
        text += '>';
        line(text);
        if (!(m_options.listProperties || matches(node)))
            return;
        const std::string prefix = indent(false, depth, bits);
        line(prefix + "{");
        if (node.properties) {
            for (unsigned i = 0; i < node.properties->getCount(); ++i) {
                std::string property = prefix + "  \"";
                property += node.properties->keyAtIndex(i)->view();
                property += "\" = ";
                appendValue(property, node.properties->objectAtIndex(i), m_options.hex);
                line(property);
            }
        }
        line(prefix + "}");
        line(prefix);
    }

    bool descend(unsigned depth) const { return m_options.depth == 0 || m_options.depth > depth + 1; }

    void scan(const Node& node, bool hasMoreSiblings, unsigned depth, uint64_t bits)
    {
        const uint64_t siblingBit = uint64_t(1) << depth;
        bits = hasMoreSiblings ? (bits | siblingBit) : (bits & ~siblingBit);
        const uint64_t childBit = uint64_t(2) << depth;
        if (descend(depth))
            bits = node.children.empty() ? (bits & ~childBit) : (bits | childBit);
        show(node, depth, bits);
        if (!descend(depth))
            return;
        for (size_t i = 0; i < node.children.size(); ++i)
            scan(node.children[i], i + 1 < node.children.size(), depth + 1, bits);
    }

    void search(const Node& node, unsigned matchedDepth, unsigned depth, std::vector<const Node*>& stack)
    {
        if (matchedDepth < depth + 1 && matches(node)) {
            matchedDepth = m_options.depth ? depth + m_options.depth : UINT32_MAX;
            // With -t, the chain down to the match, each ancestor a one-child level.
            unsigned start = 0;
            uint64_t bits = 0;
            if (m_options.locationOfSubtree) {
                for (const Node* ancestor : stack) {
                    Node shallow = *ancestor;
                    shallow.children.clear();
                    showAncestor(shallow, start, bits);
                    ++start;
                }
            }
            PrintOptions saved = m_options;
            if (m_options.depth)
                m_options.depth += start;
            scan(node, false, start, bits);
            m_options = saved;
        }
        stack.push_back(&node);
        for (const Node& child : node.children)
            search(child, matchedDepth, depth + 1, stack);
        stack.pop_back();
    }

    void showAncestor(const Node& ancestor, unsigned depth, uint64_t& bits)
    {
        bits &= ~(uint64_t(1) << depth);
        bits |= uint64_t(2) << depth;
        PrintOptions saved = m_options;
        m_options.listProperties = false;
        m_options.className.clear();
        m_options.name.clear();
        m_options.key.clear();
        show(ancestor, depth, bits);
        m_options = saved;
    }

    PrintOptions m_options;
    std::string m_out;
};

// --- archives ----------------------------------------------------------------------------------------

OSSharedPtr<OSDictionary> archiveNode(const Node& node, const PrintOptions& options, bool withProperties,
                                      unsigned depthLeft)
{
    OSSharedPtr<OSDictionary> dict;
    if (withProperties && node.properties)
        dict.reset(OSDictionary::withDictionary(node.properties.get()), OSNoRetain);
    else
        dict.reset(OSDictionary::withCapacity(10), OSNoRetain);
    auto setString = [&](const char* key, const std::string& value) {
        OSSharedPtr<OSString> string(OSString::withCString(value.c_str()), OSNoRetain);
        dict->setObject(key, string.get());
    };
    auto setNumber = [&](const char* key, uint64_t value, unsigned bits) {
        OSSharedPtr<OSNumber> number(OSNumber::withNumber(value, bits), OSNoRetain);
        dict->setObject(key, number.get());
    };
    setString(kNameKey, node.name);
    if (node.location)
        setString(kLocationKey, *node.location);
    setNumber(kIDKey, node.id, 64);
    setString(kClassKey, node.className());
    setNumber(kRetainKey, node.retain, 32);
    if (node.isService) {
        setNumber(kStateKey, node.state, 64);
        setNumber(kBusyStateKey, node.busy, 32);
        setNumber(kBusyTimeKey, node.busyTimeNs, 64);
    }
    if (node.classChain.size() > 1) {
        OSSharedPtr<OSArray> chain(OSArray::withCapacity(static_cast<unsigned>(node.classChain.size())), OSNoRetain);
        for (const std::string& name : node.classChain)
            chain->setObject(OSSharedPtr<OSString>(OSString::withCString(name.c_str()), OSNoRetain).get());
        dict->setObject(kInheritanceKey, chain.get());
    }
    if (!node.children.empty() && depthLeft != 1) {
        OSSharedPtr<OSArray> children(OSArray::withCapacity(static_cast<unsigned>(node.children.size())), OSNoRetain);
        for (const Node& child : node.children)
            children->setObject(archiveNode(child, options, withProperties, depthLeft ? depthLeft - 1 : 0).get());
        dict->setObject(kChildrenKey, children.get());
    }
    return dict;
}

} // namespace

std::string formatValue(const OSObject* value, bool hex)
{
    std::string out;
    appendValue(out, value, hex);
    return out;
}

std::string print(const Node& root, const PrintOptions& options)
{
    return Printer(options).run(root);
}

IOResult<std::string> archive(const Node& root, const PrintOptions& options)
{
    if (!options.subtrees) {
        auto dict = archiveNode(root, options, options.listProperties, options.depth);
        return plist::toXML(dict.get());
    }
    // -r: an array of the subtrees rooted at each match.
    OSSharedPtr<OSArray> matches(OSArray::withCapacity(4), OSNoRetain);
    std::vector<const Node*> pending{&root};
    while (!pending.empty()) {
        const Node* node = pending.back();
        pending.pop_back();
        if (matchesCriteria(*node, options)) {
            matches->setObject(archiveNode(*node, options, true, options.depth).get());
            continue;
        }
        for (auto it = node->children.rbegin(); it != node->children.rend(); ++it)
            pending.push_back(&*it);
    }
    return plist::toXML(matches.get());
}

namespace {

IOResult<Node> nodeFromDictionary(OSDictionary* dict, unsigned depth)
{
    if (depth > 512)
        return IOError{kIOReturnBadArgument, "ioreg archive: nesting deeper than 512 entries"};
    Node node;
    auto stringOf = [&](const char* key) -> const OSString* { return OSDynamicCast(OSString, dict->getObject(key)); };
    auto numberOf = [&](const char* key) -> const OSNumber* { return OSDynamicCast(OSNumber, dict->getObject(key)); };
    const OSString* name = stringOf(kNameKey);
    if (!name)
        return IOError{kIOReturnBadArgument, std::string("ioreg archive: an entry has no ") + kNameKey};
    node.name = name->getCStringNoCopy();
    if (const OSString* location = stringOf(kLocationKey))
        node.location = location->getCStringNoCopy();
    if (auto* chain = OSDynamicCast(OSArray, dict->getObject(kInheritanceKey))) {
        for (unsigned i = 0; i < chain->getCount(); ++i) {
            if (auto* one = OSDynamicCast(OSString, chain->getObject(i)))
                node.classChain.emplace_back(one->getCStringNoCopy());
        }
    } else if (const OSString* className = stringOf(kClassKey)) {
        node.classChain.emplace_back(className->getCStringNoCopy());
    }
    if (const OSNumber* id = numberOf(kIDKey))
        node.id = id->unsigned64BitValue();
    if (const OSNumber* retain = numberOf(kRetainKey))
        node.retain = retain->unsigned32BitValue();
    if (const OSNumber* state = numberOf(kStateKey)) {
        node.isService = true;
        node.state = state->unsigned64BitValue();
    }
    if (const OSNumber* busy = numberOf(kBusyStateKey))
        node.busy = busy->unsigned32BitValue();
    if (const OSNumber* time = numberOf(kBusyTimeKey))
        node.busyTimeNs = time->unsigned64BitValue();
    node.properties.reset(OSDictionary::withCapacity(dict->getCount()), OSNoRetain);
    for (unsigned i = 0; i < dict->getCount(); ++i) {
        const OSSymbol* key = dict->keyAtIndex(i);
        static const char* const kMeta[] = {kNameKey,  kLocationKey,  kIDKey,       kClassKey,    kRetainKey,
                                            kStateKey, kBusyStateKey, kBusyTimeKey, kChildrenKey, kInheritanceKey};
        bool meta = false;
        for (const char* one : kMeta)
            meta = meta || key->isEqualTo(one);
        if (!meta)
            node.properties->setObject(key, dict->objectAtIndex(i));
    }
    if (OSObject* children = dict->getObject(kChildrenKey)) {
        auto* array = OSDynamicCast(OSArray, children);
        if (!array)
            return IOError{kIOReturnBadArgument, "ioreg archive: " + node.name + ": " + kChildrenKey + " is not an array"};
        for (unsigned i = 0; i < array->getCount(); ++i) {
            auto* child = OSDynamicCast(OSDictionary, array->getObject(i));
            if (!child)
                return IOError{kIOReturnBadArgument, "ioreg archive: " + node.name + ": child " + std::to_string(i) +
                                                         " is not a dictionary"};
            node.children.push_back(IOLAB_TRY(nodeFromDictionary(child, depth + 1)));
        }
    }
    return node;
}

} // namespace

IOResult<Node> fromArchive(std::span<const uint8_t> bytes)
{
    OSSharedPtr<OSObject> root = IOLAB_TRY(plist::fromBytes(bytes));
    if (auto* dict = OSDynamicCast(OSDictionary, root.get()))
        return nodeFromDictionary(dict, 0);
    if (auto* array = OSDynamicCast(OSArray, root.get())) {
        Node top;
        top.name = "Root";
        top.classChain = {"IORegistryEntry"};
        for (unsigned i = 0; i < array->getCount(); ++i) {
            auto* child = OSDynamicCast(OSDictionary, array->getObject(i));
            if (!child)
                return IOError{kIOReturnBadArgument, "ioreg archive: entry " + std::to_string(i) + " is not a dictionary"};
            top.children.push_back(IOLAB_TRY(nodeFromDictionary(child, 1)));
        }
        return top;
    }
    return IOError{kIOReturnBadArgument, "ioreg archive: the top level is neither a dictionary nor an array"};
}

} // namespace iolab::ioreg
