# SPDX-License-Identifier: GPL-2.0-or-later
# Summary: XML plist parse and write of a ~10 MiB registry vs libplist and Python's plistlib
#
# One deterministic document (bench/plist/RegistryGenerator.cpp), parsed and
# written by IOLab (iolab::plist::fromXML/toXML), by libplist (plist_from_xml/
# plist_to_xml) and by plistlib (loads/dumps), medians of BENCH_REPS runs each.
# When parsing takes more than 1.5x libplist's time, the suite also shows where
# IOLab's time goes: on the full document, timestamps of the libplist calls
# inside fromXML and toXML (bench/plist/LibplistProbe.cpp) split them into
# phases; on a 1 MiB one, a callgrind profile counts instructions.
source "$BENCH_DIR/lib/common.sh"

bench_build bench_plist
program="$(bench_program bench_plist)"
work="$(mktemp -d "${TMPDIR:-/tmp}/iolab-bench-plist.XXXXXX")"
trap 'rm -rf "$work"' EXIT
document="$work/registry.plist"

# show FILE: a program's output without its VALUE lines.
show() { grep -v '^VALUE ' "$1" || true; }

# callgrind_annotate's function names without parameter lists, object paths,
# source directories and the __wrap_ prefix of the libplist probe.
shorten_names() {
    perl -pe 's/\(anonymous namespace\)/{anon}/g; s/ \[[^\]]*\]$//; s/\?\?\?://; s#\./\S*/##;
              s/__wrap_plist/plist/; s/\[abi:cxx11\]//; s/ \[clone [^\]]*\]//g;
              if (/^(\s*[\d,]+\s+\(\s*[\d.]+%\)\s+(?:[*>]\s+)?)([^(\s].*)$/) {
                  my ($count, $name) = ($1, $2);
                  $name =~ s/(?<=\S)\(.*?(\s\(\d[\d,]*x\))?$/$1/;
                  $_ = "$count$name\n";
              }'
}

"$program" generate "$document" "${BENCH_PLIST_MIB:-10}" >"$work/generate.out"
show "$work/generate.out"
echo
"$program" measure "$document" "$BENCH_REPS" >"$work/measure.out"
show "$work/measure.out"
echo

iolab_parse="$(value iolab.parse_ms "$work/measure.out")"
iolab_write="$(value iolab.write_ms "$work/measure.out")"
libplist_parse="$(value libplist.parse_ms "$work/measure.out")"
libplist_write="$(value libplist.write_ms "$work/measure.out")"
parse_vs_libplist="$(ratio "$iolab_parse" "$libplist_parse")"
write_vs_libplist="$(ratio "$iolab_write" "$libplist_write")"

have_plistlib=0
if command -v python3 >/dev/null && python3 "$BENCH_DIR/plist/plistlib_bench.py" "$document" "$BENCH_REPS" >"$work/plistlib.out"; then
    have_plistlib=1
    show "$work/plistlib.out"
    plistlib_parse="$(value plistlib.parse_ms "$work/plistlib.out")"
    plistlib_write="$(value plistlib.write_ms "$work/plistlib.out")"
    parse_vs_plistlib="$(ratio "$iolab_parse" "$plistlib_parse")"
    write_vs_plistlib="$(ratio "$iolab_write" "$plistlib_write")"
else
    echo "python3's plistlib is not available: no plistlib comparison"
fi
echo

# --- where the time goes --------------------------------------------------
profile="${BENCH_PROFILE:-auto}"
if [[ "$profile" == always ]] || { [[ "$profile" == auto ]] && is_above "$parse_vs_libplist" 1.5; }; then
    echo "Parse is ${parse_vs_libplist}x libplist's time (target <= 1.5): profiling"
    "$program" breakdown "$document" "$BENCH_REPS" >"$work/breakdown.out"
    show "$work/breakdown.out"
    echo
    if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
        small="$work/small.plist"
        "$program" generate "$small" 1 >/dev/null
        if valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$program" once "$small" \
            >/dev/null 2>"$work/valgrind.err"; then
            echo "callgrind, one parse and one write of a 1 MiB document (instructions; the callees of fromXML and toXML):"
            # Callees of the two entry points; names lose their parameters and paths.
            callgrind_annotate --tree=calling --inclusive=yes "$work/callgrind.out" 2>/dev/null |
                awk '/^ *[0-9,]+ \([ 0-9.]+%\)  \*  .*iolab::plist::(fromXML|toXML)/ { p = 1 }
                     p && /^$/ { p = 0; print; next }
                     p && !/_dl_runtime_resolve|operator new|plist_to_xml_free/ { print }' |
                shorten_names
            echo "callgrind, the most expensive functions by their own instructions:"
            callgrind_annotate "$work/callgrind.out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,14p' |
                shorten_names
            echo "(libplist's internal functions have no symbols: they show as addresses)"
        else
            echo "callgrind failed:"
            tail -n 5 "$work/valgrind.err"
        fi
    else
        echo "valgrind is not installed: no callgrind profile"
    fi
    echo
fi

target xml_parse_vs_libplist "$parse_vs_libplist" '<=' 1.5
if ((have_plistlib)); then
    target xml_parse_vs_plistlib "$parse_vs_plistlib" '<' 1
fi

metric xml_parse_ms "$iolab_parse" ms
metric xml_write_ms "$iolab_write" ms
metric xml_parse_vs_libplist "$parse_vs_libplist" x
metric xml_write_vs_libplist "$write_vs_libplist" x
if ((have_plistlib)); then
    metric xml_parse_vs_plistlib "$parse_vs_plistlib" x
    metric xml_write_vs_plistlib "$write_vs_plistlib" x
fi
