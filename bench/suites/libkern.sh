# SPDX-License-Identifier: GPL-2.0-or-later
# Summary: libkern hot paths (symbol lookup, dictionary get/set, retain/release) vs an atomic floor
#
# Google Benchmark micro-benchmarks (bench/libkern/LibkernBench.cpp), run with
# BENCH_REPS repetitions; every figure is the median real time of
# one operation. The floor for retain/release is the same pair of uncontended
# atomic operations (fetch_add relaxed, fetch_sub acq_rel) inline.
source "$BENCH_DIR/lib/common.sh"

bench_build bench_libkern
program="$(bench_program bench_libkern)"
work="$(mktemp -d "${TMPDIR:-/tmp}/iolab-bench-libkern.XXXXXX")"
trap 'rm -rf "$work"' EXIT

reps=$((BENCH_REPS < 5 ? 5 : BENCH_REPS))
# 0.2 s per repetition keeps the suite under half a minute; the medians hold steady.
"$program" --benchmark_repetitions="$reps" --benchmark_min_time=0.2 --benchmark_format=json >"$work/results.json" 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    exit 1
}
python3 "$BENCH_DIR/libkern/gbench_report.py" "$work/results.json" >"$work/report.out"
grep -v '^VALUE ' "$work/report.out"
echo

out="$work/report.out"
# metric name <- benchmark name
while read -r name benchmark; do
    metric "$name" "$(value "$benchmark" "$out")" ns
done <<'MAP'
symbol_lookup_ns BM_SymbolWithCStringHit
dict_set_symbol_10_ns BM_DictSetObjectSymbol/10
dict_set_symbol_1000_ns BM_DictSetObjectSymbol/1000
dict_get_symbol_10_ns BM_DictGetObjectSymbol/10
dict_get_symbol_1000_ns BM_DictGetObjectSymbol/1000
dict_get_cstring_10_ns BM_DictGetObjectCString/10
dict_get_cstring_1000_ns BM_DictGetObjectCString/1000
retain_release_ns BM_RetainRelease
atomic_pair_ns BM_AtomicFetchAddSub
MAP
metric retain_release_vs_atomic "$(ratio "$(value BM_RetainRelease "$out")" "$(value BM_AtomicFetchAddSub "$out")")" x
