"""virtio-blk: the kernel's block device (read, write, flush), several requests in flight.

The interface every block device offers (drivers/blockfile.py implements it over a file for
host tests):
    block_size (bytes, 512), capacity (blocks)
    await read(lba, count) -> bytes        await write(lba, data)        await flush()
A write has reached the disk only after a flush that started after it completed.
"""
import struct

from drivers import virtio
from drivers.block import BLOCK, check_range, check_whole_blocks

DEVICE_IDS = (0x1042, 0x1001)
F_SIZE_MAX, F_SEG_MAX, F_RO, F_BLK_SIZE, F_FLUSH = 1, 2, 5, 6, 9
T_IN, T_OUT, T_FLUSH, T_GET_ID = 0, 1, 4, 8
S_OK, S_IOERR, S_UNSUPP = 0, 1, 2

SLOTS = 16                 # requests in flight at once
SLOT_DATA = 64 * 1024      # bytes one request moves (bounce buffer per slot)
HEADER = 16


class _Slot:
    def __init__(self, phys, mem, data_phys, data):
        self.phys, self.mem = phys, mem          # header at 0, status byte at HEADER
        self.data_phys, self.data = data_phys, data
        self.head = None
        self.done = False
        self.written = 0


class VirtioBlk:
    def __init__(self, fn, hw, sched):
        self.fn = fn
        self.sched = sched
        self.t = virtio.Transport(fn, hw, intx=True)
        self.features = self.t.negotiate((1 << F_FLUSH) | (1 << F_BLK_SIZE) | (1 << F_RO) |
                                         (1 << F_SEG_MAX) | (1 << F_SIZE_MAX))
        if not self.features & (1 << F_FLUSH):
            raise virtio.VirtioError("%s: virtio-blk without flush cannot make writes durable"
                                     % fn.address)
        self.capacity = self.t.device_read(0, 64)   # in 512-byte sectors, whatever blk_size
        self.block_size = BLOCK
        self.read_only = bool(self.features & (1 << F_RO))
        self.vq = self.t.queue(0)
        self.slots = []
        for _ in range(min(SLOTS, self.vq.size // 3)):
            phys, mem = hw.alloc(HEADER + 1)
            dphys, data = hw.alloc(SLOT_DATA)
            self.slots.append(_Slot(phys, mem, dphys, data))
        self.idle_slots = list(self.slots)
        self.inflight = {}
        self.interrupts = 0
        self.t.ready()
        self.stats = {"reads": 0, "writes": 0, "flushes": 0, "bytes_read": 0,
                      "bytes_written": 0, "errors": 0}

    def poll(self):
        """Collect completions (called by waiters and by the IRQ handler)."""
        for head, written in self.vq.collect():
            slot = self.inflight.pop(head)
            slot.written = written
            slot.done = True
        return False

    def on_irq(self, irq):
        # Acknowledge only (reading the ISR lowers the line). The callback runs between any two
        # bytecodes, possibly inside _submit, so completions are collected by the waiters.
        self.interrupts += 1
        self.t.read_isr()

    async def _slot(self):
        if not self.idle_slots:
            await self.sched.wait_for(lambda: bool(self.idle_slots))
        return self.idle_slots.pop()

    def _submit(self, slot, kind, lba, nbytes, data=None):
        struct.pack_into("<IIQ", slot.mem, 0, kind, 0, lba)
        slot.mem[HEADER] = 0xFF
        bufs = [(slot.phys, HEADER, False)]
        if nbytes:
            if data is not None:
                # Through a view that ends where the data ends: MicroPython's slice store moves
                # everything after the slice (a full 64 KiB buffer per request otherwise).
                dst = slot.data[:nbytes]
                dst[:] = data
            bufs.append((slot.data_phys, nbytes, kind == T_IN))
        bufs.append((slot.phys + HEADER, 1, True))
        slot.done = False
        slot.head = self.vq.submit(bufs)
        self.inflight[slot.head] = slot
        self.vq.kick()

    async def _wait(self, slot, what):
        if not slot.done:
            await self.sched.wait_for(lambda: self.poll() or slot.done)
        status = slot.mem[HEADER]
        if status != S_OK:
            self.stats["errors"] += 1
            self.idle_slots.append(slot)
            raise OSError("%s: %s failed (status %d)" % (self.fn.address, what, status))

    async def read(self, lba, count):
        check_range(lba, count, self.capacity)
        per = SLOT_DATA // BLOCK
        out = bytearray(count * BLOCK)
        pending = []  # several chunks in flight
        pos = 0
        while pos < count or pending:
            while pos < count and (self.idle_slots or not pending):
                n = min(per, count - pos)
                slot = await self._slot()
                self._submit(slot, T_IN, lba + pos, n * BLOCK)
                pending.append((slot, pos, n))
                pos += n
            slot, at, n = pending.pop(0)
            await self._wait(slot, "read")
            dst = memoryview(out)[at * BLOCK:(at + n) * BLOCK]  # see _submit: no tail to move
            dst[:] = slot.data[:n * BLOCK]
            self.idle_slots.append(slot)
        self.stats["reads"] += 1
        self.stats["bytes_read"] += len(out)
        return bytes(out)

    async def write(self, lba, data):
        if self.read_only:
            raise OSError("%s: the disk is read-only" % self.fn.address)
        count = check_whole_blocks(data)
        check_range(lba, count, self.capacity)
        mv = memoryview(data)
        per = SLOT_DATA // BLOCK
        pending = []
        pos = 0
        while pos < count or pending:
            while pos < count and (self.idle_slots or not pending):
                n = min(per, count - pos)
                slot = await self._slot()
                self._submit(slot, T_OUT, lba + pos, n * BLOCK, mv[pos * BLOCK:(pos + n) * BLOCK])
                pending.append(slot)
                pos += n
            slot = pending.pop(0)
            await self._wait(slot, "write")
            self.idle_slots.append(slot)
        self.stats["writes"] += 1
        self.stats["bytes_written"] += len(data)

    async def flush(self):
        slot = await self._slot()
        self._submit(slot, T_FLUSH, 0, 0)
        await self._wait(slot, "flush")
        self.idle_slots.append(slot)
        self.stats["flushes"] += 1

    def describe(self):
        return "virtio-blk %s: %d blocks of %d bytes (%s)%s" % (
            self.fn.address, self.capacity, BLOCK, _size(self.capacity * BLOCK),
            ", read-only" if self.read_only else "")


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024
