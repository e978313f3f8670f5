# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers every suite sources: building programs, printing metrics and
# comparing against targets. bench/run exports REPO_ROOT, BENCH_DIR,
# BENCH_BUILD_DIR and BENCH_SUITE before a suite runs.
set -euo pipefail

: "${REPO_ROOT:?run suites through bench/run}"
: "${BENCH_SUITE:?run suites through bench/run}"
# Repetitions of every measurement: 7 unless set, never fewer than 5.
BENCH_REPS="${BENCH_REPS:-7}"
if ! [[ "$BENCH_REPS" =~ ^[0-9]+$ ]] || ((BENCH_REPS < 5)); then
    BENCH_REPS=5
fi

# Configures build/bench (Release, Ninja, ccache) when it is not configured
# yet, then builds the given targets. The build log is shown only on failure.
bench_build() {
    local log
    log="$(mktemp)"
    if [[ ! -f "$BENCH_BUILD_DIR/build.ninja" ]]; then
        local -a launcher=()
        if command -v ccache >/dev/null; then
            launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
        fi
        echo "configuring $BENCH_BUILD_DIR (Release)"
        if ! cmake -S "$REPO_ROOT" -B "$BENCH_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DIOLAB_BUILD_TESTS=OFF -DIOLAB_BUILD_BENCH=ON "${launcher[@]}" >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            echo "bench: configuring $BENCH_BUILD_DIR failed" >&2
            return 1
        fi
    fi
    echo "building $*"
    if ! cmake --build "$BENCH_BUILD_DIR" --target "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "bench: building $* failed" >&2
        return 1
    fi
    # Warnings are worth seeing even when the build succeeds (they may come
    # from core/, which this build compiles too).
    grep -E 'warning:' "$log" | sed 's/^/build warning: /' >&2 || true
    rm -f "$log"
}

# The path of a program built from bench/<suite>/.
bench_program() {
    echo "$BENCH_BUILD_DIR/bench/$BENCH_SUITE/$1"
}

# metric NAME VALUE UNIT -> "METRIC <suite>.NAME VALUE UNIT"
metric() {
    printf 'METRIC %s.%s %s %s\n' "$BENCH_SUITE" "$1" "$2" "$3"
}

# ratio A B -> A / B with three decimals ("nan" when B is zero or missing).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.3f\n", a / b }'
}

# is_above VALUE LIMIT: true when VALUE > LIMIT (false for nan).
is_above() {
    awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "nan" && v + 0 > l + 0) }'
}

# target NAME VALUE OP LIMIT (OP is one of <= < >= >): prints whether a
# DESIGN.md §7 target is met. It reports; it never fails the run.
target() {
    local name="$1" value="$2" op="$3" limit="$4" verdict
    if awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN {
            if (v == "nan") exit 1
            v += 0; l += 0
            if (op == "<=") exit !(v <= l)
            if (op == "<")  exit !(v < l)
            if (op == ">=") exit !(v >= l)
            if (op == ">")  exit !(v > l)
            exit 1 }'; then
        verdict=met
    else
        verdict=MISSED
    fi
    printf 'TARGET %s.%s %s (want %s %s): %s\n' "$BENCH_SUITE" "$name" "$value" "$op" "$limit" "$verdict"
}

# value KEY FILE: the number on the line "VALUE KEY <number>" that a benchmark
# program printed into FILE.
value() {
    awk -v key="$1" '$1 == "VALUE" && $2 == key { print $3; found = 1; exit } END { exit !found }' "$2" || {
        echo "bench: no value $1 in $2" >&2
        echo nan
    }
}
