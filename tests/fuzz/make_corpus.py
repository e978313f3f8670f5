#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpora of the serialization fuzz targets.

Binary property lists come from Python's plistlib (an independent writer),
broken ones from a small builder below; OSSerializeBinary seeds are packed
here from the format described at the top of core/libkern/OSSerialize.cpp,
not by IOLab's own encoder. Run it from anywhere; it rewrites
tests/fuzz/corpus/<target>/ in place:

    python3 tests/fuzz/make_corpus.py
"""
import os
import plistlib
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)


# --- XML property lists -------------------------------------------------------
HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
          '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n')

XML_SEEDS = {
    "valid-all-types.plist": HEADER + """<plist version="1.0">
<dict>
\t<key>IOClass</key>
\t<string>IOPCIDevice</string>
\t<key>vendor-id</key>
\t<integer>0x8086</integer>
\t<key>negative</key>
\t<integer>-42</integer>
\t<key>ratio</key>
\t<real>0.5</real>
\t<key>when</key>
\t<date>2024-01-02T03:04:05Z</date>
\t<key>enabled</key>
\t<true/>
\t<key>disabled</key>
\t<false/>
\t<key>reg</key>
\t<data>AAECAwQFBgc=</data>
\t<key>empty</key>
\t<data></data>
\t<key>list</key>
\t<array>
\t\t<string>caf\u00e9 \u6f22\u5b57 &lt;&amp;&gt;&quot;&apos;</string>
\t\t<array/>
\t\t<dict/>
\t</array>
</dict>
</plist>
""",
    "valid-bare-value.xml": "<array><integer>1</integer><string>two</string></array>",
    "valid-cdata-comment.plist": ('<plist version="1.0"><!-- c --><dict><key>k</key>'
                                  '<string><![CDATA[<raw & text>]]></string></dict></plist>'),
    "valid-char-refs.plist": '<plist version="1.0"><string>&#65;&#x42;&#x263A;</string></plist>',
    "valid-nested.plist": '<plist version="1.0">' + "<array>" * 40 + "</array>" * 40 + "</plist>",
    "invalid-truncated.plist": HEADER + '<plist version="1.0">\n<dict>\n\t<key>a</key>\n\t<str',
    "invalid-mismatched.plist": '<plist version="1.0"><array><dict></array></dict></plist>',
    "invalid-key-without-value.plist": '<plist version="1.0"><dict><key>a</key></dict></plist>',
    "invalid-integer.plist": '<plist version="1.0"><integer>12x</integer></plist>',
    "invalid-base64.plist": '<plist version="1.0"><data>A$==</data></plist>',
    "invalid-unknown-element.plist": '<plist version="1.0"><foo/></plist>',
}


# --- binary property lists ----------------------------------------------------
def bplist(objects, top=0, ref_size=1, offset_size=1, table_offset=None, count=None):
    """Assembles a bplist00 from already-encoded objects (no checking)."""
    body = bytearray(b"bplist00")
    offsets = []
    for encoded in objects:
        offsets.append(len(body))
        body += encoded
    table = len(body) if table_offset is None else table_offset
    for offset in offsets:
        body += offset.to_bytes(offset_size, "big")
    body += bytes(6) + bytes([offset_size, ref_size])
    body += struct.pack(">QQQ", len(objects) if count is None else count, top, table)
    return bytes(body)


def ascii_string(text):
    data = text.encode("ascii")
    assert len(data) < 15
    return bytes([0x50 | len(data)]) + data


def array(*refs):
    assert len(refs) < 15
    return bytes([0xA0 | len(refs)]) + bytes(refs)


BPLIST_SEEDS = {
    "valid-dict.bplist": plistlib.dumps({
        "IOClass": "IOPCIDevice",
        "vendor-id": 0x8086,
        "negative": -42,
        "big": 2**64 - 1,
        "ratio": 0.5,
        "enabled": True,
        "reg": bytes(range(8)),
        "empty": b"",
        "unicode": "caf\u00e9 \u6f22\u5b57",
        "list": [1, "two", [], {}],
    }, fmt=plistlib.FMT_BINARY, sort_keys=True),
    "valid-shared.bplist": bplist([array(1, 1, 1), ascii_string("shared")]),
    "valid-string.bplist": plistlib.dumps("hello", fmt=plistlib.FMT_BINARY),
    "invalid-cycle.bplist": bplist([array(1), array(0)]),
    "invalid-offset-outside.bplist": bplist([ascii_string("x")], table_offset=4000),
    "invalid-ref-outside.bplist": bplist([array(7)]),
    "invalid-laughs.bplist": bplist([ascii_string("lol")] + [array(*([i] * 14)) for i in range(12)], top=12),
    "invalid-truncated.bplist": plistlib.dumps([1, 2, 3], fmt=plistlib.FMT_BINARY)[:-5],
}


# --- OSSerializeBinary ----------------------------------------------------------
DICTIONARY, ARRAY, SET, NUMBER = 0x01000000, 0x02000000, 0x03000000, 0x04000000
SYMBOL, STRING, DATA, BOOLEAN, OBJECT = 0x08000000, 0x09000000, 0x0A000000, 0x0B000000, 0x0C000000
END = 0x80000000


def word(value):
    return struct.pack("<I", value)


def padded(payload):
    return payload + bytes(-len(payload) % 4)


def obj(tag, length, payload=b"", end=False):
    return word(tag | length | (END if end else 0)) + padded(payload)


def symbol(text, end=False):
    data = text.encode("utf-8") + b"\0"
    return obj(SYMBOL, len(data), data, end)


def string(text, end=False):
    data = text.encode("utf-8")
    return obj(STRING, len(data), data, end)


def number(value, bits, end=False):
    return obj(NUMBER, bits, struct.pack("<Q", value), end)


SIGNATURE = word(0x000000D3)

SERIALIZE_SEEDS = {
    "valid-dict.bin": SIGNATURE + obj(DICTIONARY, 6, end=True)
    + symbol("IOClass") + string("IOPCIDevice")
    + symbol("vendor-id") + number(0x8086, 16)
    + symbol("flags") + number(0xFF, 8)
    + symbol("enabled") + obj(BOOLEAN, 1)
    + symbol("reg") + obj(DATA, 5, b"\x01\x02\x03\x04\x05")
    + symbol("members") + obj(SET, 2, end=True) + number(1, 32) + string("caf\u00e9", end=True),
    "valid-backref.bin": SIGNATURE + obj(ARRAY, 3, end=True)
    + string("shared") + obj(OBJECT, 1) + obj(OBJECT, 1, end=True),
    "valid-empty-array.bin": SIGNATURE + obj(ARRAY, 0, end=True),
    "invalid-cycle.bin": SIGNATURE + obj(ARRAY, 1, end=True) + obj(OBJECT, 0, end=True),
    "invalid-duplicate-key.bin": SIGNATURE + obj(DICTIONARY, 2, end=True)
    + symbol("a") + obj(BOOLEAN, 1) + symbol("a") + obj(BOOLEAN, 0, end=True),
    "invalid-huge-count.bin": SIGNATURE + obj(DICTIONARY, 0xFFFFFF, end=True),
    "invalid-trailing.bin": SIGNATURE + obj(BOOLEAN, 1, end=True) + b"junk",
    "invalid-unknown-type.bin": SIGNATURE + obj(0x7F000000, 0, end=True),
}


def main():
    for name, text in XML_SEEDS.items():
        write("fuzz_plist_xml", name, text)
    for name, data in BPLIST_SEEDS.items():
        write("fuzz_plist_binary", name, data)
    for name, data in SERIALIZE_SEEDS.items():
        write("fuzz_serialize_binary", name, data)


if __name__ == "__main__":
    main()
