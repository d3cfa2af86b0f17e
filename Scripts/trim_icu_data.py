#!/usr/bin/env python3
"""Writes a trimmed copy of Foundation's ICU data for the shipped binary.

The static Swift toolchain links all of ICU's data (34 MB: every locale, collation,
converter and break dictionary) into any program that imports Foundation, as one symbol,
`icudtNN_dat`, alone in one member of `lib_FoundationICU.a`. Switchyard uses ICU only
through Foundation: regular expressions, an HTTP date parsed in `en_US_POSIX`, error
texts. This script reads the toolchain's data, keeps what that needs and what costs
little, and writes an assembler file defining `__wrap_icudtNN_dat` over the smaller data.
Linked with `--wrap=icudtNN_dat`, ICU's one reference to its data names this symbol
instead, so the archive's member is never pulled in. It prints the symbol's name, and
the sizes on stderr.

Kept: what regular expressions read (character properties and names, normalization,
case folding, character, word and sentence break rules), the `root` and English locales,
time zones, calendars and the other supplemental data a `Locale` or `TimeZone` may read,
and the converter aliases (2.3 of 34 MB). Left out:
- the locale data of other languages (ICU then falls back to `root`, as for any locale it
  does not know);
- what no code path of Switchyard reaches: transliteration, collation (GRDB registers
  localized collations that only SQL naming them would use; without the data, ICU's
  collator fails to open and Foundation compares without it), display names of languages,
  regions, units and currencies, spelled-out numbers, line breaking (and the word break
  dictionaries), StringPrep profiles, spoofing checks and every charset converter (strings
  are UTF-8; ICU's UTF converters are code, not data).

usage: trim_icu_data.py ARCHIVE OUT.S    (ARCHIVE: the toolchain's lib_FoundationICU.a)
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

LOCALES_KEPT = {"root", "en", "en_US", "en_US_POSIX", "en_001"}
LOCALE_ITEM = re.compile(r"^([a-z]{2,3}(?:_[A-Za-z0-9]*)*)\.res$")
TREES_LEFT_OUT = {"translit", "coll", "lang", "region", "unit", "curr", "rbnf"}
KINDS_LEFT_OUT = (".cnv", ".dict", ".spp", ".cfu")
ALIGNMENT = 16


def packaged_data(archive):
    """Returns the symbol name and the bytes of the archive's packaged ICU data."""
    with tempfile.TemporaryDirectory() as scratch:
        members = subprocess.run(["ar", "t", archive], check=True, capture_output=True,
                                 text=True).stdout.split()
        member = next(m for m in members if m.startswith("icu_packaged_data"))
        subprocess.run(["ar", "x", archive, member], check=True, cwd=scratch)
        obj = os.path.join(scratch, member)
        symbols = subprocess.run(["nm", obj], check=True, capture_output=True,
                                 text=True).stdout.split()
        symbol = next(s for s in symbols if re.fullmatch(r"icudt\d+_dat", s))
        raw = os.path.join(scratch, "data")
        subprocess.run(["objcopy", "-O", "binary", "--only-section=.rodata", obj, raw],
                       check=True)
        with open(raw, "rb") as f:
            return symbol, f.read()


def items(data):
    """Splits ICU common data into its header and (name, bytes) items, in TOC order."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    if data[2:4] != b"\xda\x27":
        sys.exit("error: not ICU common data (no magic number)")
    count = struct.unpack_from("<I", data, header_size)[0]
    entries = []
    for i in range(count):
        name_at, data_at = struct.unpack_from("<II", data, header_size + 4 + 8 * i)
        start = header_size + name_at
        name = data[start:data.index(b"\0", start)].decode("ascii")
        entries.append((name, header_size + data_at))
    result = []
    for i, (name, at) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(data)
        result.append((name, data[at:end]))
    return data[:header_size], result


def wanted(name):
    """Whether an item (`icudt76l/zone/de.res`) stays in the shipped data."""
    parts = name.split("/")
    base = parts[-1]
    tree = parts[1] if len(parts) > 2 else None
    if tree in TREES_LEFT_OUT or base.endswith(KINDS_LEFT_OUT):
        return False
    if tree == "brkitr" and base.startswith("line"):
        return False
    locale = LOCALE_ITEM.match(base)
    if locale and not base.startswith(("pool.", "root.")):
        return locale.group(1).rstrip("_") in LOCALES_KEPT
    return True


def pack(header, kept):
    """Builds common data: the header, then the TOC (count, name and data offsets, names),
    then the items, each at a multiple of 16 bytes, as ICU's pkgdata lays them out."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in kept)
    toc_size = 4 + 8 * len(kept)
    first_item = toc_size + len(names)
    first_item += -(len(header) + first_item) % ALIGNMENT
    toc = bytearray(struct.pack("<I", len(kept)))
    body = bytearray()
    name_at = toc_size
    for name, blob in kept:
        toc += struct.pack("<II", name_at, first_item + len(body))
        name_at += len(name) + 1
        body += blob
        body += b"\0" * (-len(body) % ALIGNMENT)
    padding = b"\0" * (first_item - toc_size - len(names))
    return header + bytes(toc) + names + padding + bytes(body)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    archive, output = sys.argv[1], sys.argv[2]
    symbol, data = packaged_data(archive)
    header, everything = items(data)
    kept = [(name, blob) for name, blob in everything if wanted(name)]
    trimmed = pack(header, kept)
    blob_path = output + ".dat"
    with open(blob_path, "wb") as f:
        f.write(trimmed)
    wrapped = "__wrap_" + symbol
    with open(output, "w") as f:
        f.write(f"""// Generated by Scripts/trim_icu_data.py from {os.path.basename(archive)}.
// Link with --wrap={symbol}: ICU's reference then names this data.
    .section .rodata.{symbol},"a"
    .globl {wrapped}
    .type {wrapped},@object
    .balign {ALIGNMENT}
{wrapped}:
    .incbin "{os.path.abspath(blob_path)}"
    .size {wrapped}, . - {wrapped}
    .section .note.GNU-stack,"",@progbits
""")
    print(f"ICU data: {len(kept)} of {len(everything)} items, "
          f"{len(data) / 1e6:.1f} -> {len(trimmed) / 1e6:.1f} MB", file=sys.stderr)
    print(symbol)


if __name__ == "__main__":
    main()
