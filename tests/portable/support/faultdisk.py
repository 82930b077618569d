"""Block devices for tests of the durability layer (host and in-kernel): MemDisk keeps blocks in
memory; FaultDisk wraps one and misbehaves on request, deterministically from a seed:

  - power cuts: writes not yet flushed are dropped, or (mode "tear") each of their blocks is
    kept, dropped or torn in the middle (a prefix of the block new, the rest old), or (mode
    "all") all kept; every operation after the cut raises PowerCut until restart();
  - cut_after(n): the n-th write or flush from now cuts the power (a write caught by it is in
    flight: part of it may land, per the mode);
  - flip(lba) flips a bit of a durable block, corrupt(lba, count) overwrites blocks;
  - fail_next(op) makes a read, write or flush fail with OSError; set_full(lba) makes writes
    at or beyond a block fail as if the (thin-provisioned) disk were full.

Same interface as drivers/virtio_blk.py: block_size, capacity, await read(lba, count) -> bytes,
await write(lba, data), await flush(). A write is durable once a flush that started after it
completed has completed.
"""
from drivers.block import BLOCK, check_range, check_whole_blocks


class PowerCut(OSError):
    """The disk lost power (FaultDisk): nothing more reaches it until restart()."""


class DeviceFull(OSError):
    """FaultDisk.set_full(): the device refuses writes there."""


class Rng:
    """xorshift64*: small, deterministic, the same on CPython and MicroPython."""

    def __init__(self, seed):
        self.s = (seed * 0x9E3779B97F4A7C15 + 1) & 0xFFFFFFFFFFFFFFFF or 1

    def next(self):
        x = self.s
        x ^= x >> 12
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        self.s = x
        return ((x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF) >> 32

    def below(self, n):
        assert n > 0
        return self.next() % n


def _put(buf, off, data):
    """buf[off:off+len(data)] = data in O(len(data)) on MicroPython too (its slice assignment
    moves the whole rest of the buffer otherwise)."""
    n = len(data)
    memoryview(buf)[off:off + n][0:n] = data


async def _pause(sched, latency_us):
    if sched is None:
        return
    if latency_us > 0:
        await sched.sleep_us(latency_us)
    else:
        await sched.yield_now()


class MemDisk:
    """A disk in memory. With `sched`, every operation yields (or sleeps `latency_us`) once,
    like real I/O, so other tasks run meanwhile."""

    def __init__(self, blocks, sched=None, latency_us=0):
        assert blocks > 0
        self.block_size = BLOCK
        self.capacity = blocks
        self.read_only = False
        self.data = bytearray(blocks * BLOCK)
        self.sched = sched
        self.latency_us = latency_us
        self.reads = 0
        self.writes = 0
        self.flushes = 0
        self.bytes_written = 0

    async def read(self, lba, count):
        check_range(lba, count, self.capacity)
        await _pause(self.sched, self.latency_us)
        self.reads += 1
        return bytes(self.data[lba * BLOCK:(lba + count) * BLOCK])

    async def write(self, lba, data):
        n = check_whole_blocks(data)
        check_range(lba, n, self.capacity)
        _put(self.data, lba * BLOCK, data)
        self.writes += 1
        self.bytes_written += len(data)
        await _pause(self.sched, self.latency_us)

    async def flush(self):
        await _pause(self.sched, self.latency_us)
        self.flushes += 1


class _Pending:
    def __init__(self, lba, data):
        self.lba = lba
        self.data = data
        self.done = False


class FaultDisk:
    """A volatile write cache in front of `media` (a MemDisk: what survives a power cut)."""

    def __init__(self, media, seed=1, sched=None, latency_us=0, mode="drop"):
        assert mode in ("drop", "tear", "all")
        self.media = media
        self.block_size = BLOCK
        self.capacity = media.capacity
        self.read_only = False
        self.rng = Rng(seed)
        self.sched = sched
        self.latency_us = latency_us
        self.mode = mode
        self.pending = []
        self.powered = True
        self.cut_countdown = 0      # > 0: the n-th write/flush from now cuts the power
        self.fail = []              # [op, ops of that kind to let through first]
        self.full_from = None
        self.reads = 0
        self.writes = 0
        self.flushes = 0
        self.cuts = 0
        self.torn_blocks = 0

    # ---- faults ------------------------------------------------------------------------

    def cut_after(self, n):
        """Cut the power at the n-th write or flush from now (n >= 1)."""
        assert n >= 1
        self.cut_countdown = n

    def power_cut(self, mode=None):
        """Lose the power now. Unflushed writes: dropped ("drop"), kept, dropped or torn block
        by block ("tear"), or kept ("all")."""
        mode = self.mode if mode is None else mode
        media = self.media.data
        rng = self.rng
        for p in self.pending:
            nblocks = len(p.data) // BLOCK
            for i in range(nblocks):
                if mode == "drop":
                    break
                r = 1 if mode == "all" else rng.below(3)
                if r == 0:
                    continue
                at = (p.lba + i) * BLOCK
                if r == 1:
                    _put(media, at, p.data[i * BLOCK:(i + 1) * BLOCK])
                else:
                    cut = 1 + rng.below(BLOCK - 1)
                    _put(media, at, p.data[i * BLOCK:i * BLOCK + cut])
                    self.torn_blocks += 1
        self.pending = []
        self.powered = False
        self.cut_countdown = 0
        self.cuts += 1

    def restart(self):
        """Power back on (same media); faults that were armed are cleared."""
        self.pending = []
        self.powered = True
        self.cut_countdown = 0
        self.fail = []
        self.full_from = None
        return self

    def flip(self, lba, bit=None):
        """Flip one bit of durable block `lba` (a random one unless `bit` in 0..4095 is given);
        returns the bit."""
        check_range(lba, 1, self.capacity)
        if bit is None:
            bit = self.rng.below(BLOCK * 8)
        at = lba * BLOCK + bit // 8
        self.media.data[at] ^= 1 << (bit % 8)
        return bit

    def corrupt(self, lba, count=1, data=None):
        """Overwrite durable blocks with `data` (default zeros)."""
        check_range(lba, count, self.capacity)
        if data is None:
            data = bytes(count * BLOCK)
        assert len(data) == count * BLOCK
        _put(self.media.data, lba * BLOCK, data)

    def fail_next(self, op, after=0):
        """The next `op` ("read", "write", "flush") after `after` successful ones fails."""
        assert op in ("read", "write", "flush")
        self.fail.append([op, after])

    def set_full(self, lba):
        """Writes touching block `lba` or later fail with DeviceFull (None: never)."""
        self.full_from = lba

    def durable(self, lba, count):
        return bytes(self.media.data[lba * BLOCK:(lba + count) * BLOCK])

    # ---- the block interface --------------------------------------------------------------

    def _check(self, op):
        if not self.powered:
            raise PowerCut("the disk has no power")
        for f in self.fail:
            if f[0] == op:
                if f[1] == 0:
                    self.fail.remove(f)
                    raise OSError("injected %s error" % op)
                f[1] -= 1
                break

    def _countdown(self):
        """True when this write/flush is the one that cuts the power."""
        if self.cut_countdown > 0:
            self.cut_countdown -= 1
            return self.cut_countdown == 0
        return False

    async def read(self, lba, count):
        check_range(lba, count, self.capacity)
        self._check("read")
        await _pause(self.sched, self.latency_us)
        if not self.powered:
            raise PowerCut("the disk has no power")
        self.reads += 1
        out = bytearray(self.media.data[lba * BLOCK:(lba + count) * BLOCK])
        end = lba + count
        for p in self.pending:
            pend = p.lba + len(p.data) // BLOCK
            if pend <= lba or p.lba >= end:
                continue
            lo = p.lba if p.lba > lba else lba
            hi = pend if pend < end else end
            _put(out, (lo - lba) * BLOCK, p.data[(lo - p.lba) * BLOCK:(hi - p.lba) * BLOCK])
        return bytes(out)

    async def write(self, lba, data):
        n = check_whole_blocks(data)
        check_range(lba, n, self.capacity)
        self._check("write")
        if self.full_from is not None and lba + n > self.full_from:
            raise DeviceFull("no space on the device at block %d" % self.full_from)
        p = _Pending(lba, bytes(data))
        self.pending.append(p)
        if self._countdown():
            self.power_cut()
            raise PowerCut("power cut during a write")
        await _pause(self.sched, self.latency_us)
        if not self.powered:
            raise PowerCut("power cut during a write")
        p.done = True
        self.writes += 1

    async def flush(self):
        self._check("flush")
        if self._countdown():
            self.power_cut()
            raise PowerCut("power cut before a flush")
        ready = []
        for p in self.pending:
            if p.done:
                ready.append(p)
        await _pause(self.sched, self.latency_us)
        if not self.powered:
            raise PowerCut("power cut during a flush")
        media = self.media.data
        for p in ready:
            if p in self.pending:       # a concurrent flush may have retired it already
                _put(media, p.lba * BLOCK, p.data)
                self.pending.remove(p)
        self.flushes += 1
