# SPDX-License-Identifier: GPL-2.0-or-later
# Summary: cost of one trace record vs a relaxed store; sustained events/s with no uncounted loss
#
# bench/trace/TraceBench.cpp: record() cost is the median over BENCH_REPS runs
# of 1.6 M records, the ring drained between batches; the floor is one relaxed
# 64-bit store per event in the same loop. Throughput: two threads record for
# one second while the collector runs; every record must be collected or
# counted as dropped (the program fails otherwise).
source "$BENCH_DIR/lib/common.sh"

bench_build bench_trace
program="$(bench_program bench_trace)"
work="$(mktemp -d "${TMPDIR:-/tmp}/iolab-bench-trace.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$program" "$BENCH_REPS" >"$work/out" || echo "bench: records were lost without being counted"
grep -v '^VALUE ' "$work/out"
echo
target event_ns "$(value trace.event_ns "$work/out")" '<=' 15
target unaccounted_events "$(value trace.unaccounted "$work/out")" '<=' 0
metric event_ns "$(value trace.event_ns "$work/out")" ns
metric event_floor_ns "$(value trace.floor_ns "$work/out")" ns
metric events_per_s "$(value trace.events_per_s "$work/out")" events/s
