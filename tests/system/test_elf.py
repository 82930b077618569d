# The kernel ELF as GRUB sees it: multiboot2 header placement and fields, entry point, sections,
# and the embedded symbol table.
import os
import struct

from elftools.elf.elffile import ELFFile

from qemu_console import REPO

KERNEL = os.path.join(REPO, "build", "kernel.elf")
MB2_MAGIC = 0xE85250D6


def load():
    f = open(KERNEL, "rb")
    return f, ELFFile(f)


def test_is_x86_64_executable():
    f, elf = load()
    with f:
        assert elf.elfclass == 64
        assert elf["e_machine"] == "EM_X86_64"
        assert elf["e_type"] == "ET_EXEC"


def test_multiboot2_header_in_first_32k_and_valid():
    with open(KERNEL, "rb") as f:
        head = f.read(32768)
    for off in range(0, len(head) - 16, 8):  # 64-bit aligned, within the first 32 KiB
        magic, arch, length, checksum = struct.unpack_from("<IIII", head, off)
        if magic == MB2_MAGIC:
            break
    else:
        raise AssertionError("no multiboot2 header in the first 32 KiB")
    assert arch == 0
    assert (magic + arch + length + checksum) & 0xFFFFFFFF == 0
    assert 16 < length < 1024
    # tags end with the end tag (type 0, size 8)
    tags = head[off + 16: off + length]
    pos, types = 0, []
    while pos < len(tags):
        t, flags, size = struct.unpack_from("<HHI", tags, pos)
        types.append(t)
        pos += (size + 7) & ~7
    assert types[-1] == 0


def test_entry_point_is_start_in_text():
    f, elf = load()
    with f:
        symtab = elf.get_section_by_name(".symtab")
        start = symtab.get_symbol_by_name("_start")[0]["st_value"]
        assert elf["e_entry"] == start
        text = elf.get_section_by_name(".text")
        assert text["sh_addr"] <= start < text["sh_addr"] + text["sh_size"]
        assert text["sh_addr"] >= 0x100000  # loaded at 1 MiB, above the BIOS area


def test_sections_present_and_page_aligned():
    f, elf = load()
    with f:
        for name in (".text", ".rodata", ".ksyms", ".data", ".bss"):
            s = elf.get_section_by_name(name)
            assert s is not None, name
            assert s["sh_addr"] % 4096 == 0, name
        assert elf.get_section_by_name(".bss")["sh_type"] == "SHT_NOBITS"


def test_symbol_table_embedded():
    f, elf = load()
    with f:
        data = elf.get_section_by_name(".ksyms").data()
        assert data[:4] == b"KSYM"
        count, strings = struct.unpack_from("<II", data, 4)
        assert count > 500
        addr, size, name = struct.unpack_from("<QII", data, 12)
        prev = 0
        for i in range(count):
            a, _, n = struct.unpack_from("<QII", data, 12 + 16 * i)
            assert a >= prev
            prev = a
        names = data[strings:].split(b"\0")
        assert b"kmain" in names and b"panic" in names
