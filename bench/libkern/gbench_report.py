# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads Google Benchmark's JSON (run with --benchmark_repetitions), prints one
row per benchmark with the median real time, the spread of the repetitions
and their coefficient of variation, and a "VALUE <benchmark> <median ns>" line
for the suite script. Usable by any suite that runs a Google Benchmark program."""
import json
import statistics
import sys

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def main():
    if len(sys.argv) != 2:
        print("usage: gbench_report.py RESULTS.json", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as stream:
        results = json.load(stream)
    context = results.get("context", {})
    runs = {}
    for bench in results.get("benchmarks", []):
        if bench.get("run_type") != "iteration" or bench.get("error_occurred"):
            continue
        name = bench.get("run_name", bench["name"])
        runs.setdefault(name, []).append(bench["real_time"] * TO_NS[bench.get("time_unit", "ns")])
    print(f"Google Benchmark on {context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz"
          + (" (the benchmark library itself is a debug build; IOLab's code is Release)"
             if context.get("library_build_type") == "debug" else ""))
    print(f"  {'benchmark':<34} {'median':>10} {'min':>10} {'max':>10} {'cv':>7}  runs")
    for name, times in runs.items():
        median = statistics.median(times)
        cv = statistics.stdev(times) / statistics.mean(times) * 100 if len(times) > 1 else 0.0
        print(f"  {name:<34} {median:8.2f} ns {min(times):7.2f} ns {max(times):7.2f} ns {cv:6.1f}%  {len(times)}")
    for name, times in runs.items():
        print(f"VALUE {name} {statistics.median(times):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
