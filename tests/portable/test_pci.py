# drivers/pci.py against a fake configuration space (mechanism #1 on ports 0xCF8/0xCFC).
from drivers import pci


class FakeFunction:
    def __init__(self, vendor, device, class_code, header_type=0, bars=(), caps=(), irq=(0, 0),
                 secondary_bus=0, multi=False):
        self.regs = bytearray(256)
        self._w16(0x00, vendor)
        self._w16(0x02, device)
        self._w16(0x0A, class_code)
        self.regs[0x0E] = header_type | (0x80 if multi else 0)
        self.regs[0x3C], self.regs[0x3D] = irq
        self.regs[0x19] = secondary_bus
        self.bar_sizes = {}
        for index, value, size in bars:  # value: the BAR register as firmware left it
            self._w32(0x10 + 4 * index, value & 0xFFFFFFFF)
            self.bar_sizes[index] = size
            if (value & 6) == 4:  # 64-bit: upper half
                self._w32(0x14 + 4 * index, value >> 32)
        if caps:
            self._w16(0x06, 0x10)
            self.regs[0x34] = caps[0][1]
            for i, (cap_id, ptr) in enumerate(caps):
                self.regs[ptr] = cap_id
                self.regs[ptr + 1] = caps[i + 1][1] if i + 1 < len(caps) else 0

    def _w16(self, off, v):
        self.regs[off], self.regs[off + 1] = v & 0xFF, v >> 8

    def _w32(self, off, v):
        for i in range(4):
            self.regs[off + i] = (v >> (8 * i)) & 0xFF

    def read32(self, off):
        return (self.regs[off] | self.regs[off + 1] << 8 | self.regs[off + 2] << 16
                | self.regs[off + 3] << 24)

    def write32(self, off, v):
        if 0x10 <= off < 0x28 and v == 0xFFFFFFFF:  # BAR sizing
            index = (off - 0x10) // 4
            if index in self.bar_sizes:
                v = (~(self.bar_sizes[index] - 1)) & 0xFFFFFFFF | (self.read32(off) & 0xF)
            elif index - 1 in self.bar_sizes and (self.read32(off - 4) & 6) == 4:
                v = ((~(self.bar_sizes[index - 1] - 1)) >> 32) & 0xFFFFFFFF
            else:
                v = 0
        self._w32(off, v)


class FakeBus:
    def __init__(self, functions):
        self.functions = functions  # (bus, dev, fn) -> FakeFunction
        self.address = 0

    def outl(self, port, value):
        if port == pci.CONFIG_ADDRESS:
            self.address = value
        else:
            f = self._target()
            if f is not None:
                f.write32(self.address & 0xFC, value)

    def inl(self, port):
        assert port == pci.CONFIG_DATA
        f = self._target()
        return 0xFFFFFFFF if f is None else f.read32(self.address & 0xFC)

    def _target(self):
        a = self.address
        return self.functions.get(((a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7))


def machine():
    return FakeBus({
        (0, 0, 0): FakeFunction(0x8086, 0x1237, 0x0600),
        (0, 1, 0): FakeFunction(0x8086, 0x7000, 0x0601, multi=True),
        (0, 1, 1): FakeFunction(0x8086, 0x7010, 0x0101, bars=[(4, 0xC001, 16)]),
        (0, 3, 0): FakeFunction(0x1AF4, 0x1042, 0x0100, irq=(11, 1),
                                bars=[(1, 0xFEBFF000, 4096), (4, 0xFEBF800C, 16384)],
                                caps=[(0x09, 0x40), (0x11, 0x50), (0x09, 0x60)]),
        (0, 5, 0): FakeFunction(0x8086, 0x244E, 0x0604, header_type=1, secondary_bus=1),
        (1, 0, 0): FakeFunction(0x1AF4, 0x1041, 0x0200),
    })


def test_scan_finds_every_function_including_behind_bridges():
    found = pci.scan(machine())
    assert [f.address for f in found] == ["00:00.0", "00:01.0", "00:01.1", "00:03.0", "00:05.0",
                                          "01:00.0"]
    assert found[0].name == "host bridge"
    assert found[3].name == "virtio-blk" and found[5].name == "virtio-net"


def test_bars_and_sizes():
    blk = [f for f in pci.scan(machine()) if f.device == 0x1042][0]
    assert [(b.index, b.kind, b.address, b.size) for b in blk.bars] == [
        (1, "mem32", 0xFEBFF000, 4096), (4, "mem64", 0xFEBF8000, 16384)]
    assert blk.bar(4).prefetchable and not blk.bar(1).prefetchable
    assert blk.bar(0) is None
    ide = [f for f in pci.scan(machine()) if f.device == 0x7010][0]
    assert [(b.kind, b.address, b.size) for b in ide.bars] == [("io", 0xC000, 16)]


def test_bar_sizing_restores_registers():
    bus = machine()
    pci.scan(bus)
    f = bus.functions[(0, 3, 0)]
    assert f.read32(0x20) == 0xFEBF800C and f.read32(0x14) == 0xFEBFF000


def test_capabilities_irq_and_describe():
    blk = [f for f in pci.scan(machine()) if f.device == 0x1042][0]
    assert blk.capabilities == [(0x09, 0x40), (0x11, 0x50), (0x09, 0x60)]
    assert (blk.irq_line, blk.irq_pin) == (11, 1)
    assert blk.describe() == "00:03.0 1af4:1042 virtio-blk"


def test_looping_capability_list_is_bounded():
    f = FakeFunction(0x1AF4, 0x1042, 0x0100, caps=[(0x09, 0x40), (0x09, 0x44)])
    f.regs[0x45] = 0x40  # 0x44 points back to 0x40
    found = pci.scan(FakeBus({(0, 0, 0): f}))
    assert len(found[0].capabilities) == pci.MAX_CAPS


def test_enable_sets_command_bits():
    bus = machine()
    blk = [f for f in pci.scan(bus) if f.device == 0x1042][0]
    blk.enable(memory=True, bus_master=True, intx=False)
    cmd = blk.config.read16(0x04)
    assert cmd & 2 and cmd & 4 and cmd & 0x400
