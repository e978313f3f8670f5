# SPDX-License-Identifier: GPL-2.0-or-later
# Summary: runAction vs std::mutex; interrupt raise → filter → action vs eventfd+epoll; adaptive spin
#
# bench/workloop/WorkloopBench.cpp. The gate figures are medians of BENCH_REPS
# runs of 2,000,000 calls; the interrupt figures are percentiles over 3,000
# interrupts, interleaved in three rounds with the same number of eventfd
# handoffs between two threads (the mechanism VFIO uses for real user-space
# interrupts). The spin figure has the work loop and the interrupt
# controller spin for up to 200 µs before sleeping.
source "$BENCH_DIR/lib/common.sh"

bench_build bench_workloop
program="$(bench_program bench_workloop)"
work="$(mktemp -d "${TMPDIR:-/tmp}/iolab-bench-workloop.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$program" "$BENCH_REPS" "${BENCH_INTERRUPTS:-3000}" >"$work/out"
grep -v '^VALUE ' "$work/out"
echo
gate="$(value gate.runaction_ns "$work/out")"
mutex="$(value gate.mutex_ns "$work/out")"
p50="$(ratio "$(value interrupt.p50_ns "$work/out")" "$(value eventfd.p50_ns "$work/out")")"
p99="$(ratio "$(value interrupt.p99_ns "$work/out")" "$(value eventfd.p99_ns "$work/out")")"
spin_us="$(awk -v ns="$(value spin.p50_ns "$work/out")" 'BEGIN { printf "%.2f\n", ns / 1000 }')"
target gate_vs_mutex "$(ratio "$gate" "$mutex")" '<=' 2
target interrupt_p50_vs_eventfd "$p50" '<=' 1.2
target interrupt_p99_vs_eventfd "$p99" '<=' 1.2
target interrupt_p50_spin_us "$spin_us" '<' 2
# Metric names follow what they measure, not the suite.
printf 'METRIC gate.runaction_ns %s ns\n' "$gate"
printf 'METRIC gate.runaction_vs_mutex %s x\n' "$(ratio "$gate" "$mutex")"
printf 'METRIC gate.runaction_untraced_ns %s ns\n' "$(value gate.runaction_untraced_ns "$work/out")"
printf 'METRIC interrupt.latency_p50_vs_eventfd %s x\n' "$p50"
printf 'METRIC interrupt.latency_p99_vs_eventfd %s x\n' "$p99"
printf 'METRIC interrupt.latency_p50_spin_us %s us\n' "$spin_us"
