"""virtio 1.x over the modern PCI transport: capability parsing, feature negotiation, split
virtqueues with bounded sizes, notifications and the ISR (INTx) status.

The hardware is reached through `mmio` (read(addr, width), write(addr, width, value),
map(addr, size): the `hw` module's mmio_read/mmio_write/map_mmio in the kernel) and `dma`
(alloc(size) -> (phys, memoryview): hw.dma_alloc). The PCI function comes from drivers/pci.py.
"""
import struct

VENDOR = 0x1AF4
CAP_VENDOR = 0x09
CAP_COMMON, CAP_NOTIFY, CAP_ISR, CAP_DEVICE = 1, 2, 3, 4

ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, NEEDS_RESET, FAILED = 1, 2, 4, 8, 64, 128
F_VERSION_1 = 32

DESC_NEXT, DESC_WRITE = 1, 2
MAX_QUEUE_SIZE = 256   # our bound, whatever larger size a device offers
RESET_SPINS = 100000

# common configuration structure offsets (virtio 1.x, 4.1.4.3)
DEVICE_FEATURE_SELECT, DEVICE_FEATURE = 0x00, 0x04
DRIVER_FEATURE_SELECT, DRIVER_FEATURE = 0x08, 0x0C
NUM_QUEUES, DEVICE_STATUS = 0x12, 0x14
QUEUE_SELECT, QUEUE_SIZE, QUEUE_ENABLE, QUEUE_NOTIFY_OFF = 0x16, 0x18, 0x1C, 0x1E
QUEUE_DESC, QUEUE_DRIVER, QUEUE_DEVICE = 0x20, 0x28, 0x30


class VirtioError(Exception):
    pass


class Hardware:
    """The kernel's hw module as this driver's mmio and dma objects."""

    def __init__(self, hw):
        self.read = hw.mmio_read
        self.write = hw.mmio_write
        self.map = hw.map_mmio
        self.alloc = hw.dma_alloc


class Transport:
    """One virtio device on PCI: find its structures, reset, negotiate, set up queues."""

    def __init__(self, fn, hw, intx=False):
        """`intx`: the driver takes the device's legacy interrupt (and must read the ISR to
        lower it). Off, the device's INTx is disabled in PCI: a polled device sharing the line
        with an interrupt-driven one would otherwise keep the shared line asserted."""
        self.fn = fn
        self.hw = hw
        self.common = self.notify = self.isr = self.device_cfg = None
        self.notify_mult = 0
        for cap_id, ptr in fn.capabilities:
            if cap_id != CAP_VENDOR:
                continue
            c = fn.config
            cfg_type, bar_index = c.read8(ptr + 3), c.read8(ptr + 4)
            offset = c.read32(ptr + 8)      # (the length at ptr + 12 is not needed)
            bar = fn.bar(bar_index)
            if bar is None or bar.kind == "io":
                continue
            addr = bar.address + offset
            if cfg_type == CAP_COMMON and self.common is None:
                self.common = addr
            elif cfg_type == CAP_NOTIFY and self.notify is None:
                self.notify = addr
                self.notify_mult = c.read32(ptr + 16)
            elif cfg_type == CAP_ISR and self.isr is None:
                self.isr = addr
            elif cfg_type == CAP_DEVICE and self.device_cfg is None:
                self.device_cfg = addr
            hw.map(bar.address, bar.size)
        missing = [n for n, v in (("common", self.common), ("notify", self.notify),
                                  ("isr", self.isr)) if v is None]
        if missing:
            raise VirtioError("%s: not a virtio 1.x modern device (no %s configuration)"
                              % (fn.address, "/".join(missing)))
        fn.enable(memory=True, bus_master=True, intx=intx)

    def r(self, off, width):
        return self.hw.read(self.common + off, width)

    def w(self, off, width, value):
        self.hw.write(self.common + off, width, value)

    def status(self):
        return self.r(DEVICE_STATUS, 8)

    def reset(self):
        self.w(DEVICE_STATUS, 8, 0)
        for _ in range(RESET_SPINS):
            if self.status() == 0:
                return
        raise VirtioError("%s: device did not reset" % self.fn.address)

    def negotiate(self, wanted, required=0):
        """Reset, acknowledge, and agree on features. Returns the features in use.
        `required` bits the device lacks give a clear error naming them."""
        self.reset()
        self.w(DEVICE_STATUS, 8, ACKNOWLEDGE)
        self.w(DEVICE_STATUS, 8, ACKNOWLEDGE | DRIVER)
        offered = 0
        for sel in (0, 1):
            self.w(DEVICE_FEATURE_SELECT, 32, sel)
            offered |= self.r(DEVICE_FEATURE, 32) << (32 * sel)
        required |= 1 << F_VERSION_1
        lacking = required & ~offered
        if lacking:
            self.w(DEVICE_STATUS, 8, FAILED)
            bits = [str(b) for b in range(64) if lacking >> b & 1]
            raise VirtioError("%s: device lacks required feature bit(s) %s"
                              % (self.fn.address, ", ".join(bits)))
        use = offered & (wanted | required)
        for sel in (0, 1):
            self.w(DRIVER_FEATURE_SELECT, 32, sel)
            self.w(DRIVER_FEATURE, 32, (use >> (32 * sel)) & 0xFFFFFFFF)
        self.w(DEVICE_STATUS, 8, ACKNOWLEDGE | DRIVER | FEATURES_OK)
        if not self.status() & FEATURES_OK:
            self.w(DEVICE_STATUS, 8, FAILED)
            raise VirtioError("%s: device refused features 0x%x" % (self.fn.address, use))
        return use

    def num_queues(self):
        return self.r(NUM_QUEUES, 16)

    def queue(self, index, max_size=MAX_QUEUE_SIZE):
        return Virtqueue(self, index, max_size)

    def ready(self):
        self.w(DEVICE_STATUS, 8, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK)

    def read_isr(self):
        """Read (and so clear) the interrupt status: bit 0 queue, bit 1 configuration."""
        return self.hw.read(self.isr, 8)

    def device_read(self, off, width):
        return self.hw.read(self.device_cfg + off, width)


class Virtqueue:
    """A split virtqueue: descriptor table, available ring, used ring in one DMA block."""

    def __init__(self, t, index, max_size):
        t.w(QUEUE_SELECT, 16, index)
        offered = t.r(QUEUE_SIZE, 16)
        if offered == 0:
            raise VirtioError("%s: queue %d does not exist" % (t.fn.address, index))
        size = offered
        while size > max_size:
            size //= 2
        self.t, self.index, self.size = t, index, size
        t.w(QUEUE_SIZE, 16, size)
        desc_bytes, avail_bytes = 16 * size, 6 + 2 * size
        self.used_off = (desc_bytes + avail_bytes + 4095) & ~4095
        total = self.used_off + 6 + 8 * size
        self.phys, self.mem = t.hw.alloc(total)
        self.avail_off = desc_bytes
        t.w(QUEUE_DESC, 64, self.phys)
        t.w(QUEUE_DRIVER, 64, self.phys + self.avail_off)
        t.w(QUEUE_DEVICE, 64, self.phys + self.used_off)
        self.notify_addr = t.notify + t.r(QUEUE_NOTIFY_OFF, 16) * t.notify_mult
        t.w(QUEUE_ENABLE, 16, 1)
        self.free = list(range(size))
        self.avail_idx = 0
        self.last_used = 0
        self.chains = {}  # head -> descriptor ids of the chain

    def num_free(self):
        return len(self.free)

    def submit(self, buffers):
        """Queue one request: buffers = [(phys, length, device_writes), ...]. Returns its id.
        Call kick() after one or more submits."""
        n = len(buffers)
        assert 0 < n <= self.size
        if n > len(self.free):
            raise VirtioError("queue %d full" % self.index)
        ids = [self.free.pop() for _ in range(n)]
        for i in range(n):
            phys, length, writes = buffers[i]
            flags = (DESC_WRITE if writes else 0) | (DESC_NEXT if i + 1 < n else 0)
            struct.pack_into("<QIHH", self.mem, 16 * ids[i], phys, length, flags,
                             ids[i + 1] if i + 1 < n else 0)
        head = ids[0]
        self.chains[head] = ids
        slot = self.avail_off + 4 + 2 * (self.avail_idx % self.size)
        struct.pack_into("<H", self.mem, slot, head)
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        struct.pack_into("<H", self.mem, self.avail_off + 2, self.avail_idx)  # after the entry
        return head

    def kick(self):
        self.t.hw.write(self.notify_addr, 16, self.index)

    def used_pending(self):
        return struct.unpack_from("<H", self.mem, self.used_off + 2)[0] != self.last_used

    def collect(self):
        """Completed requests since the last call: list of (id, bytes written by the device)."""
        done = []
        used_idx = struct.unpack_from("<H", self.mem, self.used_off + 2)[0]
        while self.last_used != used_idx:
            slot = self.used_off + 4 + 8 * (self.last_used % self.size)
            head, length = struct.unpack_from("<II", self.mem, slot)
            ids = self.chains.pop(head, None)
            if ids is None:
                raise VirtioError("queue %d: device returned unknown id %d" % (self.index, head))
            self.free.extend(ids)
            done.append((head, length))
            self.last_used = (self.last_used + 1) & 0xFFFF
        return done


def find(functions, device_ids):
    """The PCI functions that are virtio devices with one of these device ids."""
    return [f for f in functions if f.vendor == VENDOR and f.device in device_ids]
