# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks a Chrome trace JSON file written by iolab::trace::exportChromeJSON.

It must load with the json module, every event must carry the fields the
viewers need, and on each thread the B/E slices must nest: timestamps never go
back, and every E closes the most recent open B of the same name. Names given
on the command line after the file must each appear as at least one B slice.
Exit status 0 when all holds; the first problem is printed otherwise.
"""
import json
import sys


def fail(message):
    print("check_chrome_trace: " + message)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        fail("usage: check_chrome_trace.py FILE [REQUIRED_SLICE_NAME...]")
    with open(sys.argv[1], encoding="utf-8") as handle:
        trace = json.load(handle)
    events = trace.get("traceEvents")
    if not isinstance(events, list) or not events:
        fail("no traceEvents list")
    stacks = {}
    last_ts = {}
    begun = {}
    for index, event in enumerate(events):
        for key in ("name", "ph", "pid", "tid"):
            if key not in event:
                fail(f"event {index} has no {key!r}: {event}")
        phase = event["ph"]
        if phase == "M":
            continue
        ts = event.get("ts")
        if not isinstance(ts, (int, float)):
            fail(f"event {index} has no numeric ts: {event}")
        tid = event["tid"]
        if ts < last_ts.get(tid, ts):
            fail(f"event {index} on thread {tid} goes back in time ({ts} < {last_ts[tid]})")
        last_ts[tid] = ts
        stack = stacks.setdefault(tid, [])
        if phase == "B":
            stack.append(event["name"])
            begun[event["name"]] = begun.get(event["name"], 0) + 1
        elif phase == "E":
            if not stack:
                fail(f"event {index} on thread {tid}: E {event['name']!r} with no open B")
            if stack[-1] != event["name"]:
                fail(f"event {index} on thread {tid}: E {event['name']!r} closes B {stack[-1]!r}")
            stack.pop()
        elif phase in ("i", "I"):
            pass
        else:
            fail(f"event {index}: unexpected phase {phase!r}")
    for tid, stack in stacks.items():
        if stack:
            fail(f"thread {tid} ends with open slices {stack}")
    for name in sys.argv[2:]:
        if not begun.get(name):
            fail(f"no {name!r} slice in the trace")
    print(f"check_chrome_trace: {len(events)} events, {len(stacks)} threads, slices {begun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
