# drivers/virtio.py and drivers/virtio_blk.py against a fake virtio 1.x device: capability
# parsing, feature negotiation and its errors, split-virtqueue submit/notify/collect, and block
# reads, writes and flushes through the scheduler.
import struct

from drivers import virtio, virtio_blk
from kernel import process

COMMON, NOTIFY, ISR, DEVCFG = 0x10000, 0x20000, 0x30000, 0x40000
NOTIFY_MULT = 4


class FakeConfig:
    def __init__(self, caps):
        self.regs = {}
        for ptr, (cfg_type, bar, offset, length) in caps.items():
            self.regs[ptr + 3] = cfg_type
            self.regs[ptr + 4] = bar
            self.regs[("32", ptr + 8)] = offset
            self.regs[("32", ptr + 12)] = length
            self.regs[("32", ptr + 16)] = NOTIFY_MULT

    def read8(self, off):
        return self.regs.get(off, 0)

    def read32(self, off):
        return self.regs.get(("32", off), 0)

    def read16(self, off):
        return 0

    def write16(self, off, v):
        pass


class FakeBar:
    def __init__(self, index, address, size):
        self.index, self.kind, self.address, self.size = index, "mem64", address, size


class FakeFn:
    address = "00:03.0"

    def __init__(self, caps):
        self.capabilities = [(0x09, ptr) for ptr in caps]
        self.config = FakeConfig(caps)
        self.enabled = False

    def bar(self, index):
        return FakeBar(4, 0, 0x100000) if index == 4 else None

    def enable(self, **kw):
        self.enabled = True


ALL_CAPS = {0x40: (1, 4, COMMON, 0x38), 0x50: (2, 4, NOTIFY, 0x1000), 0x60: (3, 4, ISR, 4),
            0x70: (4, 4, DEVCFG, 0x40)}


class FakeDevice:
    """The device side: registers of the common configuration and a block-device backend."""

    def __init__(self, features, blocks=64, queue_size=512, fail_status=False):
        self.features = features
        self.queue_size = queue_size
        self.regs = {}
        self.status = 0
        self.driver_features = [0, 0]
        self.queues = {}
        self.sel = 0
        self.mem = {}  # phys -> memoryview, from alloc
        self.next_phys = 0x100000
        self.disk = bytearray(blocks * 512)
        self.blocks = blocks
        self.fail_status = fail_status
        self.mapped = []
        self.isr = 0

    # hw interface for the driver
    def alloc(self, size):
        phys = self.next_phys
        self.next_phys += (size + 4095) & ~4095
        buf = memoryview(bytearray(size))
        self.mem[phys] = buf
        return phys, buf

    def map(self, addr, size):
        self.mapped.append((addr, size))

    def read(self, addr, width):
        if addr == ISR:
            v, self.isr = self.isr, 0
            return v
        if addr == DEVCFG:
            return self.blocks
        off = addr - COMMON
        q = self.queues.setdefault(self.sel, {"size": self.queue_size})
        if off == virtio.DEVICE_FEATURE:
            select = self.regs.get(virtio.DEVICE_FEATURE_SELECT, 0)
            return (self.features >> (32 * select)) & 0xFFFFFFFF
        if off == virtio.DEVICE_STATUS:
            return self.status
        if off == virtio.NUM_QUEUES:
            return 1
        if off == virtio.QUEUE_SIZE:
            return q["size"] if self.sel == 0 else 0
        if off == virtio.QUEUE_NOTIFY_OFF:
            return self.sel
        return self.regs.get(off, 0)

    def write(self, addr, width, value):
        if NOTIFY <= addr < NOTIFY + 0x1000:
            assert (addr - NOTIFY) // NOTIFY_MULT == value
            self.process(value)
            return
        off = addr - COMMON
        q = self.queues.setdefault(self.sel, {"size": self.queue_size})
        if off == virtio.DEVICE_STATUS:
            if value & virtio.FEATURES_OK:
                drv = self.driver_features[0] | self.driver_features[1] << 32
                if drv & ~self.features:
                    value &= ~virtio.FEATURES_OK
            self.status = value
        elif off == virtio.DRIVER_FEATURE:
            self.driver_features[self.regs.get(virtio.DRIVER_FEATURE_SELECT, 0)] = value
        elif off == virtio.QUEUE_SELECT:
            self.sel = value
        elif off == virtio.QUEUE_SIZE:
            q["size"] = value
        elif off in (virtio.QUEUE_DESC, virtio.QUEUE_DRIVER, virtio.QUEUE_DEVICE):
            q[off] = value
            q.setdefault("last_avail", 0)
        else:
            self.regs[off] = value

    def _buf(self, phys, length):
        for base, mv in self.mem.items():
            if base <= phys and phys + length <= base + len(mv):
                return mv[phys - base: phys - base + length]
        raise AssertionError("DMA address 0x%x not allocated" % phys)

    def process(self, qi):
        q = self.queues[qi]
        size = q["size"]
        desc = self._buf(q[virtio.QUEUE_DESC], 16 * size)
        avail = self._buf(q[virtio.QUEUE_DRIVER], 6 + 2 * size)
        used = self._buf(q[virtio.QUEUE_DEVICE], 6 + 8 * size)
        avail_idx = struct.unpack_from("<H", avail, 2)[0]
        while q["last_avail"] != avail_idx:
            head = struct.unpack_from("<H", avail, 4 + 2 * (q["last_avail"] % size))[0]
            chain, i = [], head
            while True:
                addr, length, flags, nxt = struct.unpack_from("<QIHH", desc, 16 * i)
                chain.append((self._buf(addr, length), bool(flags & virtio.DESC_WRITE)))
                if not flags & virtio.DESC_NEXT:
                    break
                i = nxt
            written = self.block_request(chain)
            uidx = struct.unpack_from("<H", used, 2)[0]
            struct.pack_into("<II", used, 4 + 8 * (uidx % size), head, written)
            struct.pack_into("<H", used, 2, (uidx + 1) & 0xFFFF)
            q["last_avail"] = (q["last_avail"] + 1) & 0xFFFF
            self.isr = 1

    def block_request(self, chain):
        kind, _, sector = struct.unpack_from("<IIQ", chain[0][0], 0)
        status = chain[-1][0]
        data = chain[1][0] if len(chain) == 3 else None
        if self.fail_status:
            status[0] = virtio_blk.S_IOERR
            return 1
        if kind == virtio_blk.T_IN:
            data[:] = self.disk[sector * 512: sector * 512 + len(data)]
        elif kind == virtio_blk.T_OUT:
            self.disk[sector * 512: sector * 512 + len(data)] = data
        status[0] = virtio_blk.S_OK
        return 1 + (len(data) if kind == virtio_blk.T_IN else 0)


BLK_FEATURES = (1 << 32) | (1 << virtio_blk.F_FLUSH)


class Clock:
    t = 0

    def ticks_us(self):
        return self.t

    def idle(self):
        self.t += 1000


def raises(exc, fn, text):
    try:
        fn()
    except exc as e:
        assert text in str(e), str(e)
        return
    assert False, "expected %s" % exc.__name__


def test_transport_finds_structures_and_maps_bars():
    dev = FakeDevice(BLK_FEATURES)
    fn = FakeFn(ALL_CAPS)
    t = virtio.Transport(fn, dev)
    assert (t.common, t.notify, t.isr, t.device_cfg) == (COMMON, NOTIFY, ISR, DEVCFG)
    assert t.notify_mult == NOTIFY_MULT and fn.enabled
    assert dev.mapped and dev.mapped[0] == (0, 0x100000)


def test_missing_structures_give_a_clear_error():
    caps = dict(ALL_CAPS)
    del caps[0x50]
    raises(virtio.VirtioError, lambda: virtio.Transport(FakeFn(caps), FakeDevice(0)),
           "not a virtio 1.x modern device (no notify configuration)")


def test_negotiation_requires_version_1_and_named_bits():
    t = virtio.Transport(FakeFn(ALL_CAPS), FakeDevice(1 << virtio_blk.F_FLUSH))
    raises(virtio.VirtioError, lambda: t.negotiate(0), "lacks required feature bit(s) 32")
    t = virtio.Transport(FakeFn(ALL_CAPS), FakeDevice(1 << 32))
    raises(virtio.VirtioError, lambda: t.negotiate(0, required=1 << 9), "bit(s) 9")
    dev = FakeDevice(BLK_FEATURES | (1 << 5))
    t = virtio.Transport(FakeFn(ALL_CAPS), dev)
    assert t.negotiate(1 << virtio_blk.F_FLUSH) == BLK_FEATURES  # bit 5 offered, not wanted
    assert dev.status & virtio.FEATURES_OK


def test_queue_size_is_bounded_and_descriptors_recycle():
    dev = FakeDevice(BLK_FEATURES, queue_size=1024)
    t = virtio.Transport(FakeFn(ALL_CAPS), dev)
    t.negotiate(0)
    dev.block_request = lambda chain: 7
    q = t.queue(0, max_size=8)
    assert q.size == 8 and q.num_free() == 8
    phys, _ = dev.alloc(64)
    for round in range(5):  # more requests than descriptors over time: they come back
        ids = [q.submit([(phys, 16, False), (phys + 16, 16, True)]) for _ in range(4)]
        assert q.num_free() == 0
        raises(virtio.VirtioError, lambda: q.submit([(phys, 1, True)]), "full")
        q.kick()
        assert sorted(i for i, _ in q.collect()) == sorted(ids)
        assert q.num_free() == 8
    assert q.avail_idx == 20 and q.last_used == 20


def blk_device(blocks=64, fail=False):
    dev = FakeDevice(BLK_FEATURES, blocks=blocks, fail_status=fail)
    sched = process.Scheduler(Clock())
    return dev, sched, virtio_blk.VirtioBlk(FakeFn(ALL_CAPS), dev, sched)


def test_blk_write_read_flush_round_trip_with_requests_in_flight():
    dev, sched, blk = blk_device(blocks=1024)
    assert blk.capacity == 1024 and blk.block_size == 512
    data = bytes((i * 13 + 1) & 255 for i in range(300 * 512))  # 150 KiB: several slots
    sched.run_until_complete(blk.write(10, data))
    sched.run_until_complete(blk.flush())
    assert bytes(dev.disk[10 * 512: 310 * 512]) == data
    assert sched.run_until_complete(blk.read(10, 300)) == data
    assert blk.stats["flushes"] == 1 and blk.stats["bytes_written"] == len(data)
    assert len(blk.idle_slots) == len(blk.slots)


def test_blk_rejects_bad_requests_without_io():
    dev, sched, blk = blk_device(blocks=64)
    raises(ValueError, lambda: sched.run_until_complete(blk.read(63, 2)), "outside the disk")
    raises(ValueError, lambda: sched.run_until_complete(blk.write(0, b"x" * 100)), "whole number")
    raises(ValueError, lambda: sched.run_until_complete(blk.read(-1, 1)), "outside the disk")
    assert blk.vq.avail_idx == 0


def test_blk_device_error_is_an_oserror_and_slot_is_returned():
    dev, sched, blk = blk_device(fail=True)
    raises(OSError, lambda: sched.run_until_complete(blk.flush()), "flush failed (status 1)")
    assert blk.stats["errors"] == 1 and len(blk.idle_slots) == len(blk.slots)


def test_blk_without_flush_is_refused():
    dev = FakeDevice(1 << 32)
    raises(virtio.VirtioError, lambda: virtio_blk.VirtioBlk(FakeFn(ALL_CAPS), dev,
                                                            process.Scheduler(Clock())),
           "without flush")
