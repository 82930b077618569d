"""Memory statistics for the console (`metrics memory`, `debug memory`).

Pure formatting over injected objects: ``hw`` needs ``mem_info()`` (dict) and
``memmap()`` (list of ``(base, length, type)``) as in kernel/port/HW.md;
``gc`` needs ``mem_alloc()`` and ``mem_free()`` (MicroPython's gc; host tests
pass fakes). Either may be None: the report then says "unknown".
Integer arithmetic only (no float formatting differences between ports).
"""

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
TIB = 1024 * GIB

# Multiboot2 memory map entry types.
MEMMAP_TYPES = {
    1: "usable",
    2: "reserved",
    3: "acpi-reclaimable",
    4: "acpi-nvs",
    5: "bad",
}

MAX_MAP_LINES = 32   # memory map rows printed before "... N more"
LABEL_W = 15


def fmt_size(n):
    """Human size with one decimal, rounded down: '512 B', '1.5 KiB', '2.0 GiB'."""
    if n is None:
        return "unknown"
    n = int(n)
    neg = n < 0
    if neg:
        n = -n
    if n < KIB:
        s = "%d B" % n
    else:
        for unit, name in ((TIB, "TiB"), (GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
            if n >= unit:
                tenths = n * 10 // unit
                s = "%d.%d %s" % (tenths // 10, tenths % 10, name)
                break
    return "-" + s if neg else s


def fmt_addr(a):
    """Physical address as fixed-width hex (10 digits covers 1 TiB)."""
    if a is None:
        return "unknown"
    return "0x%010x" % a


def fmt_percent(part, whole):
    """'12.3%' (rounded down); '-' if the whole is zero or unknown."""
    if part is None or not whole:
        return "-"
    tenths = part * 1000 // whole
    return "%d.%d%%" % (tenths // 10, tenths % 10)


def type_name(t):
    return MEMMAP_TYPES.get(t, "type%d" % t)


def summarise_memmap(entries):
    """[(type, region_count, total_bytes)] sorted by type."""
    totals = {}
    for base, length, t in entries:
        assert length >= 0, "negative region length"
        c = totals.get(t)
        if c is None:
            totals[t] = [1, length]
        else:
            c[0] += 1
            c[1] += length
    out = []
    for t in sorted(totals.keys()):
        out.append((t, totals[t][0], totals[t][1]))
    return out


def heap_stats(gc):
    """(used, free, total) bytes of the Python heap, or (None, None, None). A `gc` with
    heap_usage() (the kernel's: hw.heap_usage, ~25x faster than gc.mem_free() on a large heap)
    answers in one call."""
    if gc is None:
        return (None, None, None)
    if hasattr(gc, "heap_usage"):
        return tuple(gc.heap_usage())
    used = gc.mem_alloc()
    free = gc.mem_free()
    return (used, free, used + free)


def largest_free(gc):
    """Bytes of the largest free run of the heap (the biggest allocation that succeeds
    without a collection), or None where the runtime cannot tell (CPython)."""
    f = getattr(gc, "largest_free", None)
    if f is None:
        try:
            import hw                    # the kernel's; absent on CPython
        except ImportError:
            return None
        f = hw.heap_largest_free
    return f()


def gc_settings(gc):
    """Short text about the collector: enabled flag and threshold if known."""
    if gc is None:
        return "unknown"
    parts = []
    isenabled = getattr(gc, "isenabled", None)
    if isenabled is not None:
        parts.append("enabled" if isenabled() else "disabled")
    threshold = getattr(gc, "threshold", None)
    if threshold is not None:
        try:
            th = threshold()
            if th is not None and th >= 0:
                parts.append("threshold %s" % fmt_size(th))
            else:
                parts.append("no threshold")
        except Exception:
            pass
    return ", ".join(parts) if parts else "available"


def _mem_info(hw):
    if hw is None:
        return {}
    info = hw.mem_info()
    return info if info is not None else {}


def _line(label, value):
    return ("%-" + str(LABEL_W) + "s %s") % (label + ":", value)


def metrics_lines(hw, gc):
    """Lines for `metrics memory`: heap and physical totals."""
    used, free, total = heap_stats(gc)
    info = _mem_info(hw)
    lines = [
        _line("heap used", "%s (%s)" % (fmt_size(used), fmt_percent(used, total))),
        _line("heap free", fmt_size(free)),
        _line("heap total", fmt_size(total)),
        _line("heap largest free", fmt_size(largest_free(gc))),
        _line("phys total", fmt_size(info.get("phys_total"))),
        _line("phys usable", fmt_size(info.get("phys_usable"))),
    ]
    dma_used = info.get("dma_used")
    if dma_used is not None:
        lines.append(_line("dma used", "%s of %s" % (fmt_size(dma_used),
                                                     fmt_size(info.get("dma_limit")))))
    return lines


def memmap_lines(entries):
    """The memory map, one region a line, then totals by type."""
    lines = []
    n = len(entries)
    shown = entries if n <= MAX_MAP_LINES else entries[:MAX_MAP_LINES]
    for base, length, t in shown:
        end = base + length - 1 if length > 0 else base
        lines.append("  %s-%s  %10s  %s" % (fmt_addr(base), fmt_addr(end), fmt_size(length),
                                            type_name(t)))
    if n > MAX_MAP_LINES:
        lines.append("  ... %d more regions" % (n - MAX_MAP_LINES))
    for t, count, total in summarise_memmap(entries):
        lines.append("  total %s: %d region%s, %s" % (type_name(t), count,
                                                      "" if count == 1 else "s", fmt_size(total)))
    return lines


def _extent(start, end):
    if start is None or end is None:
        return "unknown"
    return "%s-%s (%s)" % (fmt_addr(start), fmt_addr(end), fmt_size(end - start))


def debug_lines(hw, gc):
    """Lines for `debug memory`: memory map, kernel image, heap, page tables,
    DMA and garbage collector."""
    info = _mem_info(hw)
    lines = []
    if hw is not None:
        entries = hw.memmap() or []
        lines.append("memory map (%d regions):" % len(entries))
        lines.extend(memmap_lines(entries))
    else:
        lines.append("memory map: unknown")
    lines.append(_line("phys total", fmt_size(info.get("phys_total"))))
    lines.append(_line("phys usable", fmt_size(info.get("phys_usable"))))
    lines.append(_line("kernel image", _extent(info.get("kernel_start"), info.get("kernel_end"))))
    hs = info.get("heap_start")
    hsize = info.get("heap_size")
    hend = hs + hsize if hs is not None and hsize is not None else None
    lines.append(_line("heap region", _extent(hs, hend)))
    used, free, total = heap_stats(gc)
    lines.append(_line("heap", "used %s, free %s, total %s (%s used)" % (
        fmt_size(used), fmt_size(free), fmt_size(total), fmt_percent(used, total))))
    # A large free total with a small largest block is a fragmented heap.
    lines.append(_line("heap largest free", fmt_size(largest_free(gc))))
    p4 = info.get("pages_mapped_4k")
    p2 = info.get("pages_mapped_2m")
    if p4 is None and p2 is None:
        lines.append(_line("page tables", "unknown"))
    else:
        p4 = p4 or 0
        p2 = p2 or 0
        lines.append(_line("page tables", "%d x 4 KiB + %d x 2 MiB pages mapped (%s)" % (
            p4, p2, fmt_size(p4 * 4 * KIB + p2 * 2 * MIB))))
    du = info.get("dma_used")
    dl = info.get("dma_limit")
    lines.append(_line("dma", "used %s of %s (%s)" % (fmt_size(du), fmt_size(dl),
                                                      fmt_percent(du, dl))))
    lines.append(_line("gc", gc_settings(gc)))
    return lines
