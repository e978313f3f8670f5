# SPDX-License-Identifier: GPL-2.0-or-later
"""Times Python's plistlib on an XML plist: loads of the file's bytes and
dumps (XML) of the loaded tree, each REPS times, with time.perf_counter inside
the interpreter (start-up is not counted). Prints the same table and
"VALUE <key> <number>" lines as bench_plist. Keys are written in insertion
order (sort_keys=False), as IOLab and libplist do."""
import platform
import plistlib
import statistics
import sys
import time


def main():
    if len(sys.argv) != 3:
        print("usage: plistlib_bench.py FILE REPS", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as stream:
        data = stream.read()
    reps = max(1, int(sys.argv[2]))
    plistlib.loads(data)  # warm-up, as bench_plist does
    parse, write = [], []
    tree = None
    for _ in range(reps):
        start = time.perf_counter()
        tree = plistlib.loads(data)
        parse.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        text = plistlib.dumps(tree, fmt=plistlib.FMT_XML, sort_keys=False)
        write.append((time.perf_counter() - start) * 1000)
    print(f"Python {platform.python_version()} plistlib ({reps} runs each)")
    for name, samples in (("plistlib parse  (loads)", parse), ("plistlib write  (dumps)", write)):
        print(f"  {name:<34} {statistics.median(samples):10.2f} ms {min(samples):10.2f} ms {max(samples):10.2f} ms")
    print(f"  written document: {len(text)} bytes")
    print(f"VALUE plistlib.parse_ms {statistics.median(parse):.3f}")
    print(f"VALUE plistlib.write_ms {statistics.median(write):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
