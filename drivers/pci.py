"""PCI enumeration through configuration mechanism #1 (ports 0xCF8/0xCFC).

Walks bus 0 and every bus behind a PCI-to-PCI bridge, reads identity, class, BARs (with their
sizes) and the capability list. `io` provides inb/inw/inl/outb/outw/outl (`hw` in the kernel,
a fake in tests).
"""

CONFIG_ADDRESS = 0xCF8
CONFIG_DATA = 0xCFC
MAX_BUSES = 256
MAX_CAPS = 48  # a capability list longer than this is corrupt (each needs 4 bytes of 256)

CLASS_NAMES = {
    0x0100: "SCSI controller", 0x0101: "IDE controller", 0x0106: "SATA controller",
    0x0200: "Ethernet controller", 0x0300: "VGA controller", 0x0600: "host bridge",
    0x0601: "ISA bridge", 0x0604: "PCI bridge", 0x0680: "bridge", 0x0c03: "USB controller",
    0x0c05: "SMBus", 0x00ff: "unclassified", 0x1000: "encryption controller",
}
VIRTIO_NAMES = {0x1000: "virtio-net (transitional)", 0x1001: "virtio-blk (transitional)",
                0x1005: "virtio-rng (transitional)", 0x1041: "virtio-net", 0x1042: "virtio-blk",
                0x1044: "virtio-rng"}


class Config:
    """Configuration space of one function."""

    def __init__(self, io, bus, dev, fn):
        self.io = io
        self.base = 0x80000000 | (bus << 16) | (dev << 11) | (fn << 8)

    def read32(self, off):
        self.io.outl(CONFIG_ADDRESS, self.base | (off & 0xFC))
        return self.io.inl(CONFIG_DATA)

    def read16(self, off):
        return (self.read32(off) >> ((off & 2) * 8)) & 0xFFFF

    def read8(self, off):
        return (self.read32(off) >> ((off & 3) * 8)) & 0xFF

    def write32(self, off, value):
        self.io.outl(CONFIG_ADDRESS, self.base | (off & 0xFC))
        self.io.outl(CONFIG_DATA, value & 0xFFFFFFFF)

    def write16(self, off, value):
        v = self.read32(off)
        shift = (off & 2) * 8
        self.write32(off, (v & ~(0xFFFF << shift)) | ((value & 0xFFFF) << shift))


class Bar:
    def __init__(self, index, kind, address, size, prefetchable=False):
        self.index = index
        self.kind = kind  # "mem32", "mem64" or "io"
        self.address = address
        self.size = size
        self.prefetchable = prefetchable

    def __repr__(self):
        return "BAR%d %s 0x%x size 0x%x" % (self.index, self.kind, self.address, self.size)


class Function:
    """One PCI function with what drivers need to find and set it up."""

    def __init__(self, io, bus, dev, fn):
        self.bus, self.dev, self.fn = bus, dev, fn
        self.config = Config(io, bus, dev, fn)
        c = self.config
        self.vendor = c.read16(0x00)
        self.device = c.read16(0x02)
        self.revision = c.read8(0x08)
        self.prog_if = c.read8(0x09)
        self.class_code = c.read16(0x0A)
        self.header_type = c.read8(0x0E) & 0x7F
        self.irq_line = c.read8(0x3C)
        self.irq_pin = c.read8(0x3D)
        self.bars = self._read_bars() if self.header_type == 0 else []
        self.capabilities = self._read_capabilities()

    @property
    def address(self):
        return "%02x:%02x.%x" % (self.bus, self.dev, self.fn)

    @property
    def name(self):
        if self.vendor == 0x1AF4 and self.device in VIRTIO_NAMES:
            return VIRTIO_NAMES[self.device]
        return CLASS_NAMES.get(self.class_code, "class %04x" % self.class_code)

    def _read_bars(self):
        c = self.config
        bars = []
        command = c.read16(0x04)
        c.write16(0x04, command & ~0x3)  # no decoding while the BARs are sized
        i = 0
        while i < 6:
            off = 0x10 + 4 * i
            orig = c.read32(off)
            c.write32(off, 0xFFFFFFFF)
            mask = c.read32(off)
            c.write32(off, orig)
            if orig & 1:  # I/O space
                size = (~(mask & 0xFFFFFFFC) + 1) & 0xFFFF
                if mask:
                    bars.append(Bar(i, "io", orig & 0xFFFFFFFC, size))
                i += 1
                continue
            is64 = ((orig >> 1) & 3) == 2
            address = orig & 0xFFFFFFF0
            size_mask = mask & 0xFFFFFFF0
            if is64 and i < 5:
                orig_hi = c.read32(off + 4)
                c.write32(off + 4, 0xFFFFFFFF)
                mask_hi = c.read32(off + 4)
                c.write32(off + 4, orig_hi)
                address |= orig_hi << 32
                size_mask |= mask_hi << 32
                size = ((~size_mask) & 0xFFFFFFFFFFFFFFFF) + 1
            else:
                size = ((~size_mask) & 0xFFFFFFFF) + 1
            if mask:
                bars.append(Bar(i, "mem64" if is64 else "mem32", address, size, bool(orig & 8)))
            i += 2 if is64 else 1
        c.write16(0x04, command)
        return bars

    def _read_capabilities(self):
        caps = []
        if not (self.config.read16(0x06) & 0x10):
            return caps
        ptr = self.config.read8(0x34) & 0xFC
        while ptr and len(caps) < MAX_CAPS:
            caps.append((self.config.read8(ptr), ptr))
            ptr = self.config.read8(ptr + 1) & 0xFC
        return caps

    def bar(self, index):
        for b in self.bars:
            if b.index == index:
                return b
        return None

    def enable(self, memory=True, io=False, bus_master=True, intx=True):
        cmd = self.config.read16(0x04)
        cmd |= (2 if memory else 0) | (1 if io else 0) | (4 if bus_master else 0)
        cmd = (cmd & ~0x400) if intx else (cmd | 0x400)
        self.config.write16(0x04, cmd)

    def describe(self):
        return "%s %04x:%04x %s" % (self.address, self.vendor, self.device, self.name)


def scan(io):
    """Every function on every reachable bus, in bus/device/function order."""
    found = []
    buses = [0]
    seen = set()
    while buses:
        bus = buses.pop(0)
        if bus in seen or len(seen) >= MAX_BUSES:
            continue
        seen.add(bus)
        for dev in range(32):
            if Config(io, bus, dev, 0).read16(0) == 0xFFFF:
                continue
            multi = Config(io, bus, dev, 0).read8(0x0E) & 0x80
            for fn in range(8 if multi else 1):
                if Config(io, bus, dev, fn).read16(0) == 0xFFFF:
                    continue
                f = Function(io, bus, dev, fn)
                found.append(f)
                if f.header_type == 1:  # PCI-to-PCI bridge: its secondary bus
                    buses.append(f.config.read8(0x19))
    found.sort(key=lambda f: (f.bus, f.dev, f.fn))
    return found
