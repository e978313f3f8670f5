# SPDX-License-Identifier: GPL-2.0-or-later
# Summary: 10,000 personalities × 1,000 nubs until quiet; ioreg -l of a 100,000-entry registry
#
# bench/matching/MatchingBench.cpp: the catalogue holds 10,000 personalities over
# 50 provider classes; 1,000 nubs are registered at once and the time until the
# registry is quiet is measured (median of BENCH_REPS runs). Then a synthetic
# registry of 100,000 entries is dumped in ioreg -l format and searched by name.
source "$BENCH_DIR/lib/common.sh"

bench_build bench_matching
program="$(bench_program bench_matching)"
work="$(mktemp -d "${TMPDIR:-/tmp}/iolab-bench-matching.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$program" "$BENCH_REPS" >"$work/out"
grep -v '^VALUE ' "$work/out"
echo
match_ms="$(value matching.ms "$work/out")"
target personalities_10k_x_nubs_1k_ms "$match_ms" '<' 100
metric personalities_10k_x_nubs_1k_ms "$match_ms" ms
metric nubs_per_s "$(value matching.nubs_per_s "$work/out")" nubs/s
# The registry figures belong to the registry, whichever suite measures them.
printf 'METRIC registry.dump_100k_ms %s ms\n' "$(value registry.dump_ms "$work/out")"
printf 'METRIC registry.search_100k_ms %s ms\n' "$(value registry.search_ms "$work/out")"
