#!/usr/bin/env bash
# Rebuilds the wasm modules (the example and the test module) with the Swift toolchain's clang:
# wasm32, no libc, no WASI, no entry point; memory exported (the ABI in abi.h).
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
build() {
    "$CLANG" --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--allow-undefined -Wl,--export-memory \
        -Wl,--initial-memory=2162688 -Wl,--max-memory=134217728 -o "$2" "$1"
    echo "built $2 ($(wc -c < "$2") bytes)"
}
build tag.c tag.wasm
build ../../Tests/WasmStagesTests/Modules/hostile.c ../../Tests/WasmStagesTests/Modules/hostile.wasm
build ../../Tests/WasmStagesTests/Modules/wasi.c ../../Tests/WasmStagesTests/Modules/wasi.wasm
