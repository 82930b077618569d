#!/usr/bin/env python3
"""Build the kernel symbol table for panic backtraces (see boot/ksyms.c for the format).

Reads the function symbols of the linked kernel with pyelftools and writes a blob exactly as
large as the ELF's .ksyms section, so objcopy --update-section changes no address.
"""
import struct
import sys

from elftools.elf.elffile import ELFFile


def build(elf_path):
    with open(elf_path, "rb") as f:
        elf = ELFFile(f)
        section = elf.get_section_by_name(".ksyms")
        if section is None:
            raise SystemExit("mksyms: %s has no .ksyms section" % elf_path)
        capacity = section["sh_size"]
        symtab = elf.get_section_by_name(".symtab")
        syms = {}
        for s in symtab.iter_symbols():
            if s["st_info"]["type"] != "STT_FUNC" or not s.name or s["st_value"] == 0:
                continue
            syms.setdefault(s["st_value"], (s.name, s["st_size"]))
    entries = sorted(syms.items())
    names = bytearray()
    table = bytearray()
    for addr, (name, size) in entries:
        table += struct.pack("<QII", addr, size, len(names))
        names += name.encode() + b"\0"
    header_len = 12
    blob = b"KSYM" + struct.pack("<II", len(entries), header_len + len(table)) + table + names
    if len(blob) > capacity:
        raise SystemExit("mksyms: %d bytes of symbols do not fit the %d-byte .ksyms section "
                         "(raise KSYMS_SIZE in boot/ksyms.c)" % (len(blob), capacity))
    return blob + b"\0" * (capacity - len(blob)), len(entries)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: mksyms.py KERNEL_ELF OUT_BLOB")
    blob, count = build(sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(blob)
    print("mksyms: %d symbols, %d bytes" % (count, len(blob.rstrip(b"\0"))))


if __name__ == "__main__":
    main()
