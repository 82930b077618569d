# Portable tests for kernel/memory.py (plain asserts; runs on CPython and MicroPython).

from kernel import memory
from kernel.memory import fmt_size, fmt_addr, fmt_percent, summarise_memmap

MIB = 1024 * 1024


class FakeGC:
    def __init__(self, alloc=300 * 1024, free=724 * 1024, enabled=True, threshold=-1):
        self.alloc = alloc
        self.free = free
        self.enabled = enabled
        self.th = threshold

    def mem_alloc(self):
        return self.alloc

    def mem_free(self):
        return self.free

    def isenabled(self):
        return self.enabled

    def threshold(self):
        return self.th


class FakeHW:
    def __init__(self, entries=None, info=None):
        self.entries = entries if entries is not None else [
            (0x0, 0x9FC00, 1),
            (0x9FC00, 0x400, 2),
            (0xF0000, 0x10000, 2),
            (0x100000, 511 * MIB - 0x20000, 1),
            (0x1FFE0000, 0x20000, 3),
            (0xFFFC0000, 0x40000, 2),
        ]
        self.info = info if info is not None else {
            "phys_total": 512 * MIB,
            "phys_usable": 510 * MIB,
            "kernel_start": 0x100000,
            "kernel_end": 0x340000,
            "heap_start": 0x400000,
            "heap_size": 16 * MIB,
            "pages_mapped_4k": 0,
            "pages_mapped_2m": 2048,
            "dma_used": 64 * 1024,
            "dma_limit": 4 * MIB,
        }

    def mem_info(self):
        return self.info

    def memmap(self):
        return self.entries


def test_fmt_size():
    assert fmt_size(0) == "0 B"
    assert fmt_size(1023) == "1023 B"
    assert fmt_size(1024) == "1.0 KiB"
    assert fmt_size(1536) == "1.5 KiB"
    assert fmt_size(1024 * 1024 - 1) == "1023.9 KiB"
    assert fmt_size(MIB) == "1.0 MiB"
    assert fmt_size(512 * MIB) == "512.0 MiB"
    assert fmt_size(3 * 1024 * MIB + 200 * MIB) == "3.1 GiB"
    assert fmt_size(2 * 1024 * 1024 * MIB) == "2.0 TiB"
    assert fmt_size(-2048) == "-2.0 KiB"
    assert fmt_size(None) == "unknown"


def test_fmt_addr_and_percent():
    assert fmt_addr(0x100000) == "0x0000100000"
    assert fmt_addr(None) == "unknown"
    assert fmt_percent(1, 3) == "33.3%"
    assert fmt_percent(0, 10) == "0.0%"
    assert fmt_percent(10, 10) == "100.0%"
    assert fmt_percent(5, 0) == "-"
    assert fmt_percent(None, 5) == "-"


def test_type_names():
    assert memory.type_name(1) == "usable"
    assert memory.type_name(2) == "reserved"
    assert memory.type_name(3) == "acpi-reclaimable"
    assert memory.type_name(4) == "acpi-nvs"
    assert memory.type_name(5) == "bad"
    assert memory.type_name(99) == "type99"


def test_summarise_memmap():
    hw = FakeHW()
    s = summarise_memmap(hw.memmap())
    assert s[0] == (1, 2, 0x9FC00 + 511 * MIB - 0x20000)
    assert s[1] == (2, 3, 0x400 + 0x10000 + 0x40000)
    assert s[2] == (3, 1, 0x20000)
    assert summarise_memmap([]) == []


def test_heap_stats():
    assert memory.heap_stats(FakeGC(100, 300)) == (100, 300, 400)
    assert memory.heap_stats(None) == (None, None, None)


def test_gc_settings():
    assert memory.gc_settings(FakeGC()) == "enabled, no threshold"
    assert (memory.gc_settings(FakeGC(enabled=False, threshold=4096))
            == "disabled, threshold 4.0 KiB")
    assert memory.gc_settings(None) == "unknown"

    class Minimal:
        pass

    assert memory.gc_settings(Minimal()) == "available"


def test_metrics_lines():
    lines = memory.metrics_lines(FakeHW(), FakeGC(256 * 1024, 768 * 1024))
    text = "\n".join(lines)
    assert "heap used:" in text and "256.0 KiB (25.0%)" in text
    assert "heap free:      768.0 KiB" in text
    assert "heap total:     1.0 MiB" in text
    assert "phys total:     512.0 MiB" in text
    assert "phys usable:    510.0 MiB" in text
    assert "dma used:       64.0 KiB of 4.0 MiB" in text


def test_metrics_lines_without_hw():
    lines = memory.metrics_lines(None, FakeGC())
    text = "\n".join(lines)
    assert "phys total:     unknown" in text
    assert "dma" not in text
    lines = memory.metrics_lines(None, None)
    assert "heap used:      unknown (-)" in lines


def test_debug_lines():
    lines = memory.debug_lines(FakeHW(), FakeGC())
    text = "\n".join(lines)
    assert lines[0] == "memory map (6 regions):"
    assert "  0x0000000000-0x000009fbff   639.0 KiB  usable" in lines
    assert "  total usable: 2 regions, 511.4 MiB" in lines
    assert "  total acpi-reclaimable: 1 region, 128.0 KiB" in lines
    assert "kernel image:   0x0000100000-0x0000340000 (2.2 MiB)" in lines
    assert "heap region:    0x0000400000-0x0001400000 (16.0 MiB)" in lines
    assert "page tables:    0 x 4 KiB + 2048 x 2 MiB pages mapped (4.0 GiB)" in lines
    assert "dma:            used 64.0 KiB of 4.0 MiB (1.5%)" in lines
    assert "gc:             enabled, no threshold" in lines
    assert "heap:" in text and "used 300.0 KiB" in text


def test_debug_lines_without_hw_or_gc():
    lines = memory.debug_lines(None, None)
    assert lines[0] == "memory map: unknown"
    text = "\n".join(lines)
    assert "kernel image:   unknown" in text
    assert "page tables:    unknown" in text
    assert "gc:             unknown" in text


def test_debug_lines_partial_info():
    hw = FakeHW(entries=[], info={"phys_total": MIB})
    lines = memory.debug_lines(hw, FakeGC())
    assert lines[0] == "memory map (0 regions):"
    assert "phys total:     1.0 MiB" in lines


def test_long_memmap_is_bounded():
    entries = [(i * 4096, 4096, 1 + i % 2) for i in range(100)]
    lines = memory.memmap_lines(entries)
    assert len(lines) == memory.MAX_MAP_LINES + 1 + 2
    assert "  ... 68 more regions" in lines
    assert "  total usable: 50 regions, 200.0 KiB" in lines


def test_heap_stats_prefers_heap_usage():
    class KernelLikeGC:
        def heap_usage(self):
            return (10, 90, 100)

        def mem_alloc(self):
            raise AssertionError("slow path used")

        def mem_free(self):
            raise AssertionError("slow path used")

    assert memory.heap_stats(KernelLikeGC()) == (10, 90, 100)


def test_largest_free_is_shown_where_the_runtime_tells_it():
    class KernelLikeGC:
        def heap_usage(self):
            return (10, 90, 100)

        def largest_free(self):
            return 48

    lines = memory.debug_lines(None, KernelLikeGC())
    assert "heap largest free:" in "\n".join(lines)
    assert [x for x in lines if x.startswith("heap largest free")][0].endswith("48 B")
    assert memory.largest_free(KernelLikeGC()) == 48
