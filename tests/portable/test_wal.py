# Portable tests of the WAL (transaction/wal.py) and the Store's appends and checkpoints
# (transaction/recovery.py): plain asserts, no pytest, so the same file runs under pytest on the
# host and in the in-kernel test runner. Disks are MemDisk/FaultDisk
# (tests/portable/support/faultdisk.py), time is a fake clock. The helpers here are shared with
# test_recovery*.py.

import hashlib

from kernel.process import Scheduler
from transaction import recovery
from transaction import wal as walmod
from tests.portable.support.faultdisk import FaultDisk, MemDisk
from transaction.superblock import BLOCK, CorruptionError, FormatError

SEG = 8192
CFG = {"transaction": {"wal_segment_size": SEG}}
# A tiny geometry: 6 WAL segments of 8 KiB, two 8 KiB checkpoint areas, groups of <= 16 KiB.
SMALL = {"wal_segments": 6, "checkpoint_blocks": 16, "max_group_span": 16384}
BLOCKS = 256
LOG_ID = b"0123456789abcdef"


class FakeClock:
    def __init__(self):
        self.us = 0

    def ticks_us(self):
        return self.us

    def ticks_ms(self):
        return self.us // 1000

    def idle(self):
        self.us += 1000


def _quiet(task, exc):
    pass


def sched():
    return Scheduler(FakeClock(), reporter=_quiet, max_tasks=128)


def run(s, coro):
    return s.run_until_complete(coro, timeout_ms=3600 * 1000)


def disk(s, seed=1, mode="drop", blocks=BLOCKS):
    """A FaultDisk over fresh media whose I/O yields to other tasks."""
    return FaultDisk(MemDisk(blocks), seed=seed, sched=s, mode=mode)


async def fresh(d, s, log_id=LOG_ID, geometry=SMALL, **kw):
    await recovery.format(d, CFG, log_id=log_id, **geometry)
    store, snap, payloads, report = await recovery.open_store(d, CFG, s, **kw)
    assert snap is None and payloads == [] and report["records"] == 0
    return store


def payload(i, size=None):
    """A distinct payload; size varies with i unless given."""
    if size is None:
        size = 10 + (i * 37) % 700
    head = b"rec-%d:" % i
    return (head + bytes([65 + i % 26]) * size)[:max(size, len(head))]


async def spawn_all(s, coros):
    tasks = [s.spawn(c) for c in coros]
    for t in tasks:
        await t.wait()
    return tasks


async def recover_seqs(d):
    """(snapshot, [(seq, payload)], report) through recover's on_record."""
    out = []

    def on_record(seq, p):
        out.append((seq, p))

    snap, payloads, report = await recovery.recover(d, CFG, on_record=on_record)
    assert payloads == []
    return snap, out, report


def encode_state(items):
    """A snapshot for tests: the applied (seq, payload) list, length-prefixed."""
    parts = []
    for seq, p in items:
        parts.append(b"%d %d\n" % (seq, len(p)))
        parts.append(p)
    return b"".join(parts)


def summary(items):
    """A small snapshot for long logs: how many records it covers and their digest."""
    return b"%d:" % len(items) + hashlib.sha256(encode_state(items)).digest()


def check_summary(snap, got, state):
    """`snap` (a summary()) followed by the recovered `got` is exactly `state`."""
    n = int(snap[:snap.index(b":")])
    assert snap == summary(state[:n]), "snapshot does not match the first %d records" % n
    assert got == state[n:]


def decode_state(data):
    items = []
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        fields = data[i:nl].split(b" ")
        seq = int(fields[0])
        n = int(fields[1])
        items.append((seq, data[nl + 1:nl + 1 + n]))
        i = nl + 1 + n
    return items


# ---- record format ---------------------------------------------------------------------------

def test_record_pack_and_parse():
    buf = bytearray(1024)
    chain0 = bytes(range(32))
    chain1 = walmod.pack_record(buf, 512, walmod.T_DATA, 7, 4096, 6, 3, LOG_ID, chain0, b"hello")
    assert len(chain1) == 32 and chain1 != chain0
    raw = bytes(buf)
    assert walmod.parse_header(raw, 0) is None
    h = walmod.parse_header(raw, 512)
    assert h.type == walmod.T_DATA and h.seq == 7 and h.pos == 4096
    assert h.group_first == 6 and h.group_count == 3 and h.length == 5
    assert h.log_id == LOG_ID and h.prev_chain == chain0 and h.flags == 0 and h.key_id == 0
    assert raw[512 + walmod.HEADER:512 + walmod.HEADER + 5] == b"hello"
    bad = bytearray(raw)
    bad[512 + 20] ^= 1
    assert walmod.parse_header(bytes(bad), 512) is None
    assert walmod.record_size(0) == BLOCK
    assert walmod.record_size(BLOCK - walmod.HEADER) == BLOCK
    assert walmod.record_size(BLOCK - walmod.HEADER + 1) == 2 * BLOCK


# ---- appends ---------------------------------------------------------------------------------

def test_append_and_read_back():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        seqs = []
        for i in range(40):
            seqs.append(await store.append(payload(i)))
        await store.append(b"")
        return seqs

    seqs = run(s, main())
    assert seqs == sorted(seqs) and len(set(seqs)) == 40
    snap, got, report = run(s, recover_seqs(d))
    assert snap is None
    assert [p for _, p in got] == [payload(i) for i in range(40)] + [b""]
    assert [q for q, _ in got][:40] == seqs
    assert report["torn"] is None and report["end"] == "end"
    assert report["records"] == 41 and report["last_seq"] == got[-1][0]


def test_append_survives_power_cut_once_acknowledged():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        for i in range(5):
            await store.append(payload(i))

    run(s, main())
    d.power_cut()       # nothing pending: every acknowledged record is durable
    d.restart()
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(5)]


def test_group_commit_shares_flushes():
    s = sched()
    d = disk(s, blocks=2048)
    writers = 32
    each = 8

    async def main():
        store = await fresh(d, s, geometry={"wal_segments": 40, "checkpoint_blocks": 16})
        flushes0 = d.flushes
        writes0 = d.writes

        async def writer(w):
            out = []
            for i in range(each):
                out.append(await store.append(payload(w * 100 + i, 40)))
            return out

        tasks = await spawn_all(s, [writer(w) for w in range(writers)])
        return store, tasks, d.flushes - flushes0, d.writes - writes0

    store, tasks, flushes, writes = run(s, main())
    st = store.stats()
    total = writers * each
    assert st["appends"] == total
    assert flushes == st["groups"]               # one flush per group
    assert writes <= st["groups"] + 2            # one write per group (two when the ring wraps)
    # Every round of the writers shares one flush: 32 appends per flush.
    assert st["groups"] <= total // writers + 2, st
    assert st["max_group"] == writers
    seqs = []
    for t in tasks:
        assert t.exception is None
        assert t.result == sorted(t.result)
        seqs.extend(t.result)
    assert len(set(seqs)) == total
    snap, got, report = run(s, recover_seqs(d))
    assert len(got) == total


def test_queue_bound_gives_back_pressure():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s, max_queue=4)

        async def one(i):
            return await store.append(payload(i, 30))

        tasks = await spawn_all(s, [one(i) for i in range(20)])
        return store, tasks

    store, tasks = run(s, main())
    st = store.stats()
    assert st["appends"] == 20 and st["max_group"] <= 4 and st["queue_waits"] > 0
    assert sorted(t.result for t in tasks) == sorted(set(t.result for t in tasks))
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert sorted(payloads) == sorted(payload(i, 30) for i in range(20))


def test_group_span_bound_splits_groups():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)

        async def one(i):
            return await store.append(payload(i, 3000))   # 7 blocks each; 16 KiB per group

        await spawn_all(s, [one(i) for i in range(12)])
        return store

    store = run(s, main())
    st = store.stats()
    assert st["appends"] == 12 and st["max_group"] <= 5 and st["groups"] >= 3


def test_record_too_large_and_empty():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        try:
            await store.append(bytes(SEG - walmod.HEADER + 1))
            return "no error"
        except walmod.RecordTooLarge:
            pass
        big = await store.append(bytes(SEG - walmod.HEADER))   # exactly one segment
        return big

    assert run(s, main()) == 1
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [bytes(SEG - walmod.HEADER)]


def test_on_commit_sees_records_in_order_before_appenders_wake():
    s = sched()
    d = disk(s)
    applied = []
    woke = []

    async def main():
        await recovery.format(d, CFG, log_id=LOG_ID, **SMALL)

        def on_commit(seq, p):
            applied.append(seq)

        store, _, _, _ = await recovery.open_store(d, CFG, s, on_commit=on_commit)

        async def one(i):
            seq = await store.append(payload(i))
            assert seq in applied
            woke.append(seq)

        await spawn_all(s, [one(i) for i in range(25)])

    run(s, main())
    assert applied == sorted(applied) and len(applied) == 25
    assert sorted(woke) == applied


def test_pad_records_fill_segment_ends():
    s = sched()
    d = disk(s)
    # 7+7+1 blocks, PAD, 11 blocks, PAD, 15+1 blocks (exactly full), 6+6 blocks, PAD, 6 blocks
    sizes = [3000, 3000, 100, 5000, 7000, 10, 2500, 2500, 2500]

    async def main():
        store = await fresh(d, s)
        seqs = []
        for i in range(len(sizes)):
            seqs.append(await store.append(payload(i, sizes[i])))
        return seqs, store.wal.stats()

    seqs, st = run(s, main())
    # PAD records take sequence numbers too: the data records' numbers have gaps.
    assert seqs[-1] > len(sizes)
    assert st["pads"] == seqs[-1] - len(sizes) and st["records"] == seqs[-1]
    snap, got, report = run(s, recover_seqs(d))
    assert [p for _, p in got] == [payload(i, sizes[i]) for i in range(len(sizes))]
    assert [q for q, _ in got] == seqs


# ---- checkpoints, ring reuse, DiskFull -----------------------------------------------------------

def test_checkpoint_ping_pong_and_generations():
    s = sched()
    d = disk(s)
    state = []

    async def main():
        store = await fresh(d, s)
        infos = []
        for round in range(4):
            for i in range(3):
                p = payload(round * 10 + i)
                state.append((await store.append(p), p))
            infos.append(await store.checkpoint(encode_state(state)))
        p = payload(99)
        state.append((await store.append(p), p))
        return infos

    infos = run(s, main())
    assert [x["area"] for x in infos] == [0, 1, 0, 1]
    assert [x["generation"] for x in infos] == [2, 3, 4, 5]
    snap, got, report = run(s, recover_seqs(d))
    assert report["generation"] == 5 and report["checkpoint"]["area"] == 1
    assert decode_state(snap) + got == state
    assert len(got) == 1


def test_checkpoint_at_an_older_sequence_scans_the_log():
    s = sched()
    d = disk(s)
    state = []

    async def main():
        store = await fresh(d, s)
        for i in range(10):
            p = payload(i)
            state.append((await store.append(p), p))
        info = await store.checkpoint(encode_state(state[:6]), state[5][0])
        try:
            await store.checkpoint(b"x", state[-1][0] + 5)
            return "no error"
        except ValueError:
            pass
        return info

    info = run(s, main())
    assert info["seq"] == state[5][0]
    snap, got, report = run(s, recover_seqs(d))
    assert decode_state(snap) == state[:6] and got == state[6:]


def test_checkpoint_too_large():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        try:
            await store.checkpoint(bytes(16 * BLOCK + 1))
        except recovery.CheckpointTooLarge:
            return await store.checkpoint(bytes(16 * BLOCK))
        return None

    info = run(s, main())
    assert info is not None and info["seq"] == 0
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert snap == bytes(16 * BLOCK) and payloads == []


def test_ring_full_then_checkpoint_frees_segments():
    s = sched()
    d = disk(s)
    state = []

    async def fill(store, tag):
        n = 0
        while True:
            p = payload(tag + n, 800)
            try:
                state.append((await store.append(p), p))
            except walmod.DiskFull:
                return n
            n += 1

    async def main():
        store = await fresh(d, s)
        n1 = await fill(store, 0)
        assert store.usage()["free"] == 0
        # Full: every committed record is intact, and a second try fails the same way.
        try:
            await store.append(payload(999, 800))
            return "no error"
        except walmod.DiskFull:
            pass
        await store.checkpoint(summary(state))
        n2 = await fill(store, 1000)
        k = len(state) - 10      # its record ends in the 5th segment of the second lap
        await store.checkpoint(summary(state[:k + 1]), state[k][0])
        n3 = await fill(store, 2000)
        return n1, n2, n3, store.stats()

    n1, n2, n3, st = run(s, main())
    # 6 segments of 8 KiB hold 8 records of 1 KiB (header + 800 bytes, padded) each.
    assert n1 == 6 * 8
    # The first checkpoint's position is the end of the ring, a segment start: all six
    # segments are free again. The second one is in the middle of a segment, which stays.
    assert n2 == 6 * 8
    assert n3 == 4 * 8 and st["full_errors"] == 4
    snap, got, report = run(s, recover_seqs(d))
    check_summary(snap, got, state)


def test_disk_full_in_a_group_keeps_the_records_before():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        for i in range(6 * 8 - 3):
            await store.append(payload(i, 800))

        async def one(i):
            try:
                return await store.append(payload(500 + i, 800))
            except walmod.DiskFull:
                return None

        tasks = await spawn_all(s, [one(i) for i in range(7)])
        return [t.result for t in tasks]

    results = run(s, main())
    assert results[:3] == [r for r in results if r is not None]
    assert len(results[:3]) == 3 and results[3:] == [None] * 4
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert len(payloads) == 6 * 8 and payloads[-1] == payload(502, 800)


def test_io_error_fails_the_log():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        for i in range(3):
            await store.append(payload(i))
        d.fail_next("flush")
        try:
            await store.append(payload(3))
            return "no error"
        except walmod.WalFailed:
            pass
        try:
            await store.append(payload(4))
            return "no error"
        except walmod.WalFailed as e:
            return str(e)

    msg = run(s, main())
    assert "injected flush error" in msg
    d.power_cut()
    d.restart()
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(3)]


def test_checkpoint_leaves_wal_usable_and_reads_after_wrap():
    s = sched()
    d = disk(s)
    state = []

    async def main():
        store = await fresh(d, s)
        for round in range(6):       # several laps of the ring
            for i in range(20):
                p = payload(round * 100 + i, 600)
                state.append((await store.append(p), p))
            await store.checkpoint(encode_state(state[-10:]))
        for i in range(5):
            p = payload(9000 + i)
            state.append((await store.append(p), p))
        return store.sb.ckpt_pos

    ckpt_pos = run(s, main())
    assert ckpt_pos > 6 * SEG     # the log wrapped
    snap, got, report = run(s, recover_seqs(d))
    assert got == state[-5:]
    assert decode_state(snap) == state[-15:-5]


def test_format_rejects_small_disk_and_bad_segment():
    s = sched()

    async def main(blocks, cfg):
        try:
            await recovery.format(MemDisk(blocks), cfg, log_id=LOG_ID, **SMALL)
            return "formatted"
        except FormatError as e:
            return str(e)

    assert "too small" in run(s, main(100, CFG))
    assert "segment size" in run(s, main(4096, {"transaction": {"wal_segment_size": 5000}}))
    assert run(s, main(BLOCKS, CFG)) == "formatted"


def test_device_full_fails_the_log_and_keeps_what_was_committed():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        for i in range(4):
            await store.append(payload(i))
        d.set_full(store.sb.lba(store.wal.pos) + 1)     # the next group's second block
        try:
            await store.append(payload(9, 2000))
            return "no error"
        except walmod.WalFailed as e:
            return str(e)

    msg = run(s, main())
    assert "DeviceFull" in msg
    d.restart()
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(4)]


def test_read_error_during_recovery_is_an_io_error_not_corruption():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        await store.append(b"x")

    run(s, main())
    d.fail_next("read", after=5)
    try:
        run(s, recovery.recover(d, CFG))
        assert False, "no error"
    except CorruptionError:
        assert False, "an I/O error reported as corruption"
    except OSError as e:
        assert "injected read error" in str(e)
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [b"x"]


def test_faultdisk_tears_inside_a_block_and_is_deterministic():
    def torn(seed):
        s = sched()
        d = FaultDisk(MemDisk(16), seed=seed, sched=s, mode="tear")

        async def main():
            await d.write(0, bytes([0xAB]) * (8 * BLOCK))
            d.power_cut()

        run(s, main())
        return d.durable(0, 8), d.torn_blocks

    a, na = torn(3)
    b, nb = torn(3)
    assert a == b and na == nb                 # the same seed, the same damage
    c, nc = torn(4)
    assert a != c
    for data, n in ((a, na), (c, nc)):
        partial = 0
        for i in range(8):
            blk = data[i * BLOCK:(i + 1) * BLOCK]
            k = blk.count(b"\xab")
            if 0 < k < BLOCK:
                partial += 1
                assert blk[:k] == bytes([0xAB]) * k    # a prefix of the block is new
        assert partial == n


def test_faultdisk_write_is_durable_only_after_flush():
    s = sched()
    d = FaultDisk(MemDisk(16), sched=s)

    async def main():
        await d.write(1, bytes([7]) * BLOCK)
        assert await d.read(1, 1) == bytes([7]) * BLOCK    # the cache answers reads
        assert d.durable(1, 1) == bytes(BLOCK)
        await d.flush()
        assert d.durable(1, 1) == bytes([7]) * BLOCK
        await d.write(2, bytes([8]) * BLOCK)
        d.power_cut()
        try:
            await d.read(1, 1)
            return "no error"
        except OSError:
            pass
        d.restart()
        return await d.read(1, 2)

    assert run(s, main()) == bytes([7]) * BLOCK + bytes(BLOCK)


def test_cancelled_committer_fails_its_appends_instead_of_hanging():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        await store.append(b"kept")

        async def one():
            try:
                await store.append(b"lost")
                return "appended"
            except walmod.WalFailed as e:
                return str(e)

        t = s.spawn(one())
        committer = None
        while committer is None or not committer.started:
            await s.yield_now()      # the appender queues its record, the committer starts
            for task in s.tasks():
                if task.name == "wal-commit":
                    committer = task
        assert committer.cancel()    # while its write or flush is in flight
        await t.wait()
        return t.result

    assert "committer stopped" in run(s, main())


def test_fresh_disk_with_old_bytes_recovers_as_a_clean_empty_log():
    s = sched()
    d = disk(s)
    d.corrupt(0, BLOCKS, bytes([0x5A]) * (BLOCKS * BLOCK))
    run(s, recovery.format(d, CFG, log_id=LOG_ID, **SMALL))
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert snap is None and payloads == [] and report["end"] == "end" and report["torn"] is None


def test_checkpoint_larger_than_a_read_piece_round_trips():
    s = sched()
    d = disk(s, blocks=4096)
    snap = bytes(range(256)) * 1500 + b"end"      # 384003 bytes: two pieces and a tail

    async def main():
        store = await fresh(d, s, geometry={"wal_segments": 6, "checkpoint_blocks": 800})
        await store.append(b"a")
        await store.checkpoint(snap)
        await store.append(b"b")

    run(s, main())
    got, payloads, report = run(s, recovery.recover(d, CFG))
    assert got == snap and payloads == [b"b"]


def test_checkpoint_from_pieces_round_trips_as_bytes_and_as_pieces():
    s = sched()
    d = disk(s, blocks=4096)
    snap = bytes(range(256)) * 1500 + b"end"      # 384003 bytes
    cut = [snap[:1], snap[1:70001], b"", snap[70001:70002], snap[70002:]]

    async def main():
        store = await fresh(d, s, geometry={"wal_segments": 6, "checkpoint_blocks": 800})
        await store.append(b"a")
        await store.checkpoint(cut)
        await store.append(b"b")

    run(s, main())
    got, payloads, report = run(s, recovery.recover(d, CFG))
    assert got == snap and payloads == [b"b"] and report["checkpoint"]["length"] == len(snap)
    parts, payloads, report = run(s, recovery.recover(d, CFG, pieces=True))
    assert type(parts) is list and b"".join(parts) == snap and payloads == [b"b"]
    assert max(len(x) for x in parts) <= recovery.READ_PIECE
    # the last block is zero-padded on the disk: a checkpoint area holds nothing else
    lba = report["superblock"].ckpt_lba[report["superblock"].ckpt_area] + len(snap) // 512
    tail = run(s, d.read(lba, 1))
    assert tail[:len(snap) % 512] == snap[-(len(snap) % 512):]
    assert tail[len(snap) % 512:] == bytes(512 - len(snap) % 512)
