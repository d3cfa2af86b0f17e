#!/usr/bin/env bash
# Builds the binary to ship: release, Swift runtime and Foundation linked in statically
# (--static-swift-stdlib), symbols stripped, and checks it. What makes it smaller than a plain
# static build (each measured in the README, "Shipping a binary"):
#
# - lld, exporting no symbols (the static Swift runtime asks for -export-dynamic, which
#   nothing here needs), with packed relative relocations (DT_RELR): the loader no longer
#   reads 3.6 MB of relocations and 4 MB of symbol tables at start;
# - Foundation's ICU data trimmed to what Switchyard uses (Scripts/trim_icu_data.py);
# - libstdc++ linked in too (the runtime's C++ and ICU use a little of it; the shared library
#   cost 1.4 MB resident, mostly its symbol tables);
# - identical functions folded into one (lld --icf=all: generic specializations and thunks that
#   compiled to the same bytes in different modules), and no unwind tables
#   (Scripts/discard-unwind-tables.ld says why nothing needs them);
# - read-only data in a read-only segment (Scripts/readonly-rodata.ld: the Swift compiler marks
#   some of it writable, which made all of .rodata writable);
# - the code a running pipeline uses linked together: every function in its own section, then
#   ordered by callgrind profiles of typical pipelines (Scripts/profile_release.sh and
#   Scripts/symbol_order.py; needs valgrind, else the code stays in build order).
#
# It runs on a Linux machine without the Swift toolchain; it still needs the system's libc
# (glibc 2.36 or later for DT_RELR: Debian 12, Ubuntu 22.10; --portable drops DT_RELR for older
# ones, at 4 MB more resident), libgcc_s, libz and libsqlite3 (Debian: libsqlite3-0).
#
# usage: Scripts/release.sh [--portable] [OUTPUT]        (default: dist/switchyard)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RELR=(-Xlinker -z -Xlinker pack-relative-relocs)
SCRATCH=.build/static
if [ "${1:-}" = "--portable" ]; then
    RELR=()
    shift
fi
OUTPUT=${1:-dist/switchyard}
mkdir -p "$SCRATCH"

# Foundation's ICU data, trimmed (34 -> 2.3 MB). ICU's one reference to its data is wrapped to
# name this object's, so the toolchain's archive member is never linked.
STATIC_LIBS="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/swift_static/linux"
ICU_LINK=()
if ICU_SYMBOL=$(python3 Scripts/trim_icu_data.py "$STATIC_LIBS/lib_FoundationICU.a" "$SCRATCH/icu_data.S") \
    && clang -c "$SCRATCH/icu_data.S" -o "$SCRATCH/icu_data.o"; then
    ICU_LINK=(-Xlinker --wrap="$ICU_SYMBOL" -Xlinker "$ROOT/$SCRATCH/icu_data.o")
else
    echo "warning: this toolchain's ICU data could not be trimmed: it is linked whole (about 32 MB more on disk)" >&2
fi

# libstdc++: the static runtime's link arguments say -lstdc++, and the linker takes the first
# directory that has the library, so a directory holding only libstdc++.a makes it static.
CXX_LINK=()
CXX_ARCHIVE=$(clang -print-file-name=libstdc++.a)
if [ -f "$CXX_ARCHIVE" ]; then
    mkdir -p "$SCRATCH/static-libstdc++"
    ln -sf "$CXX_ARCHIVE" "$SCRATCH/static-libstdc++/libstdc++.a"
    CXX_LINK=(-Xlinker -L"$ROOT/$SCRATCH/static-libstdc++")
else
    echo "warning: no libstdc++.a (Debian: libstdc++-12-dev): libstdc++ is linked as a shared library" >&2
fi

ORDER="$ROOT/$SCRATCH/symbol-order.txt"
BUILD=(swift build -c release --product switchyard --static-swift-stdlib --scratch-path "$SCRATCH"
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections
    -Xswiftc -use-ld=lld -Xlinker --no-export-dynamic "${RELR[@]}"
    -Xlinker --icf=all -Xlinker -T -Xlinker "$ROOT/Scripts/discard-unwind-tables.ld"
    "${ICU_LINK[@]}" "${CXX_LINK[@]}"
    -Xlinker --symbol-ordering-file="$ORDER" -Xlinker --no-warn-symbol-ordering
    -Xlinker -Map="$ROOT/$SCRATCH/switchyard.map")
touch "$ORDER"
"${BUILD[@]}"
# Profile a copy without debug information (valgrind cannot read Swift's), then link again in
# the order found, with read-only data made read-only (valgrind cannot run that layout, so the
# profiled link leaves it out); removing the binary is what makes SwiftPM link it again.
# Without valgrind, or should profiling fail, the code stays in build order: the binary is the
# same, only larger when resident.
rm -rf "$SCRATCH/profiles"
if command -v valgrind >/dev/null \
    && objcopy --strip-debug "$SCRATCH/release/switchyard" "$SCRATCH/switchyard-profiled" \
    && Scripts/profile_release.sh "$SCRATCH/switchyard-profiled" "$SCRATCH/profiles"; then
    python3 Scripts/symbol_order.py "$SCRATCH/switchyard-profiled" "$SCRATCH/switchyard.map" "$ORDER" \
        "$SCRATCH"/profiles/{steady,idle,file,filter-remap,sqlite,http,http-server}.callgrind
else
    echo "warning: no profile (valgrind missing or failed): the code is linked in build order, about 6 MB more resident" >&2
    : > "$ORDER"
fi
rm "$SCRATCH/release/switchyard"
"${BUILD[@]}" -Xlinker -T -Xlinker "$ROOT/Scripts/readonly-rodata.ld"
mkdir -p "$(dirname "$OUTPUT")"
objcopy --strip-all "$SCRATCH/release/switchyard" "$OUTPUT"

# Check: read-only data is in a read-only segment (Scripts/readonly-rodata.ld), where the pages
# start-up touched are given back once the pipeline runs.
if readelf -SW "$OUTPUT" | grep -E ' \.rodata +PROGBITS' | grep -q ' WA'; then
    echo "error: $OUTPUT has a writable .rodata: the layout script did not take effect" >&2
    exit 1
fi

# Check: no Swift library is needed at run time, and it runs alone with no library path.
if ldd "$OUTPUT" | grep -Ei 'swift|Foundation|icu'; then
    echo "error: $OUTPUT still links Swift libraries" >&2
    exit 1
fi
ALONE=$(mktemp -d)
trap 'rm -rf "$ALONE"' EXIT
cp "$OUTPUT" "$ALONE/switchyard"
printf 'sources:\n  g: { type: generator, count: 3, lines: [x] }\nsinks:\n  o: { type: blackhole, inputs: [g] }\n' > "$ALONE/p.yaml"
(cd "$ALONE" && env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= ./switchyard run p.yaml 2>/dev/null)

# Check: the trimmed ICU data still serves what runs on ICU (patterns with \b, flags,
# lookaround, Unicode properties and names), in a locale whose data was left out too.
cat > "$ALONE/icu.yaml" <<'YAML'
sources:
  g: { type: generator, count: 1, lines: ["Grüne STRASSE, café au lait"] }
transforms:
  r:
    type: remap
    inputs: [g]
    source: |
      .word = .message =~ "(?i)\\bstrasse\\b"
      .upper = .message =~ "\\b\\p{Lu}{7}\\b"
      .ahead = .message =~ "caf(?=é)"
      .named = .message =~ "\\N{LATIN SMALL LETTER U WITH DIAERESIS}(?=n)"
      .missing = .message =~ "(?i)\\bstrass\\b"
sinks:
  o: { type: stdout, inputs: [r], encoding: ndjson }
YAML
EXPECTED='"word":true,"upper":true,"ahead":true,"named":true,"missing":false'
GOT=$(cd "$ALONE" && env -i PATH=/usr/bin:/bin LANG=de_DE.UTF-8 ./switchyard run icu.yaml 2>&1)
if [[ "$GOT" != *"$EXPECTED"* ]]; then
    echo "error: $OUTPUT answers patterns on ICU wrongly; expected $EXPECTED in: $GOT" >&2
    exit 1
fi
echo "$OUTPUT: $(du -h "$OUTPUT" | cut -f1), runs without the Swift toolchain; needs: $(ldd "$OUTPUT" | awk '/=>/ {print $1}' | tr '\n' ' ')"
