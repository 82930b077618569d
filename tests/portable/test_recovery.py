# Portable tests of recovery (transaction/recovery.py, transaction/superblock.py, the scanner in
# transaction/wal.py): unformatted disks, superblock copies, power cuts at many points, torn
# tails, corruption inside the committed log. Plain asserts, no pytest: they run in the kernel
# too.

from tests.portable.test_wal import (CFG, LOG_ID, SMALL, decode_state, disk,
                                     encode_state, fresh, payload, recover_seqs, run, sched,
                                     spawn_all)
from transaction import recovery
from transaction import superblock as sbm
from transaction import wal as walmod
from tests.portable.support.faultdisk import Rng
from transaction.superblock import BLOCK, CorruptionError, NotFormatted


def superblock_of(s, d):
    sb, copies = run(s, sbm.read_superblock(d))
    return sb


def find_records(d, sb):
    """seq -> (lba, blocks, pos) of the records of `sb`'s log on the durable media, current
    lap only (the highest position for each sequence number)."""
    out = {}
    data = d.media.data
    for i in range(sb.ring() // BLOCK):
        lba = sb.wal_lba + i
        blk = bytes(data[lba * BLOCK:(lba + 1) * BLOCK])
        h = walmod.parse_header(blk, 0)
        if h is None or h.log_id != sb.log_id:
            continue
        if h.seq not in out or out[h.seq][2] < h.pos:
            out[h.seq] = (lba, walmod.record_size(h.length) // BLOCK, h.pos)
    return out


def expect_corruption(s, d):
    try:
        run(s, recovery.recover(d, CFG))
    except CorruptionError as e:
        return e
    raise AssertionError("recovery did not detect the corruption")


def committed_log(n, size=None, blocks=None, geometry=SMALL):
    """A disk with n records, each appended (and flushed) on its own; returns s, d, payloads."""
    s = sched()
    d = disk(s) if blocks is None else disk(s, blocks=blocks)
    written = []

    async def main():
        store = await fresh(d, s, geometry=geometry)
        for i in range(n):
            p = payload(i, size)
            await store.append(p)
            written.append(p)

    run(s, main())
    return s, d, written


# ---- formatting and superblocks ------------------------------------------------------------

def test_unformatted_disk_is_detected_and_formatted_only_when_asked():
    s = sched()
    d = disk(s)
    try:
        run(s, recovery.recover(d, CFG))
        assert False, "blank disk recovered"
    except NotFormatted:
        pass
    try:
        run(s, recovery.open_store(d, CFG, s))
        assert False, "blank disk opened"
    except NotFormatted:
        pass
    assert d.media.writes == 0            # nothing written without being asked
    store, snap, payloads, report = run(s, recovery.open_store(d, CFG, s, format_if_blank=True))
    assert report["formatted"] and snap is None and payloads == []
    assert run(s, store.append(b"first")) == 1
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [b"first"] and not report.get("formatted")


def test_foreign_data_counts_as_unformatted():
    s = sched()
    d = disk(s)
    rng = Rng(7)
    junk = bytearray(BLOCK * 8)
    for i in range(len(junk)):
        junk[i] = rng.below(256)
    d.corrupt(0, 8, bytes(junk))
    try:
        run(s, recovery.recover(d, CFG))
        assert False
    except NotFormatted:
        pass


def test_damaged_superblocks_are_corruption_not_a_blank_disk():
    s, d, written = committed_log(3)
    sb = superblock_of(s, d)
    for lba in sb.copy_lbas():
        d.flip(lba, 8 * 100)
    e = expect_corruption(s, d)
    assert e.area == "superblock" and "bad checksum" in str(e)
    try:
        run(s, recovery.open_store(d, CFG, s, format_if_blank=True))
        assert False, "a damaged ledger was formatted over"
    except CorruptionError:
        pass


def test_torn_superblock_copy_falls_back_and_is_repaired():
    s, d, written = committed_log(3)
    sb = superblock_of(s, d)
    lbas = sb.copy_lbas()
    d.corrupt(lbas[0], 1, bytes(200) + bytes([0x55]) * (BLOCK - 200))  # torn: half new
    d.flip(lbas[3])
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == written
    assert report["copies"][0] == "blank" and report["copies"][3] == "bad checksum"
    assert report["copies"][1] == report["copies"][2] == "ok generation 1"
    assert not report["copies_current"]
    store, snap, payloads, report = run(s, recovery.open_store(d, CFG, s))
    assert report["repaired"] and payloads == written
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert report["copies_current"] and report["copies"] == ["ok generation 1"] * 4


def test_newest_valid_copy_wins():
    s = sched()
    d = disk(s)
    state = []

    async def main():
        store = await fresh(d, s)
        for k in range(2):
            for i in range(3):
                p = payload(k * 10 + i)
                state.append((await store.append(p), p))
            await store.checkpoint(encode_state(state))
        p = payload(50)
        state.append((await store.append(p), p))

    run(s, main())
    sb3 = superblock_of(s, d)
    assert sb3.generation == 3
    old = sb3.copy()
    old.generation = 2      # what the previous checkpoint wrote: area 0, after record 3
    old.ckpt_area = 0
    old.ckpt_seq = state[2][0]
    old.ckpt_pos, old.ckpt_chain = None, None
    # Rebuild generation 2 exactly: rerun the log scan up to record 3.
    res = run(s, walmod.scan(d, sb3, (0, 0, sbm.initial_chain(LOG_ID)), None, stop_seq=state[2][0]))
    old.ckpt_pos, _, old.ckpt_chain = res["head"]
    old.ckpt_len = len(encode_state(state[:3]))
    import hashlib
    old.ckpt_hash = hashlib.sha256(encode_state(state[:3])).digest()
    lbas = sb3.copy_lbas()
    d.corrupt(lbas[2], 1, old.encode())
    d.corrupt(lbas[3], 1, old.encode())
    snap, got, report = run(s, recover_seqs(d))
    assert report["generation"] == 3 and decode_state(snap) + got == state
    assert report["copies"] == ["ok generation 3"] * 2 + ["ok generation 2"] * 2
    d.flip(lbas[0])
    d.corrupt(lbas[1], 1)
    snap, got, report = run(s, recover_seqs(d))
    assert report["generation"] == 2 and decode_state(snap) == state[:3]
    assert decode_state(snap) + got == state


def test_power_cut_at_every_step_of_a_checkpoint():
    # A checkpoint is: area write, flush, then 4 x (superblock copy write, flush).
    for mode in ("drop", "tear", "all"):
        for cut in range(1, 12):
            s = sched()
            d = disk(s, seed=cut, mode=mode)
            state = []

            async def main():
                store = await fresh(d, s)
                for i in range(4):
                    p = payload(i)
                    state.append((await store.append(p), p))
                await store.checkpoint(encode_state(state[:2]), state[1][0])
                d.cut_after(cut)
                try:
                    await store.checkpoint(encode_state(state))
                    return True
                except OSError:
                    return False

            done = run(s, main())
            assert done == (cut > 10), (mode, cut)
            d.restart()
            snap, got, report = run(s, recover_seqs(d))
            assert decode_state(snap) + got == state, (mode, cut)
            assert report["generation"] in (2, 3)
            # The store opens (repairing the copies) and goes on.
            store, snap, payloads, report = run(s, recovery.open_store(d, CFG, s))
            assert report["copies_current"] or report["repaired"]
            p = payload(77)
            state.append((run(s, store.append(p)), p))
            snap, got, report = run(s, recover_seqs(d))
            assert decode_state(snap) + got == state and report["copies_current"]


# ---- power cuts during appends --------------------------------------------------------------

def _workload(cut, mode, seed):
    """4 writers x 5 appends and a checkpointer, power cut at the `cut`-th write/flush.
    Returns (scheduler, disk, acknowledged {seq: payload}, issued payloads)."""
    s = sched()
    d = disk(s, seed=seed, mode=mode)
    acked = {}
    issued = []
    applied = []

    async def main():
        await recovery.format(d, CFG, log_id=LOG_ID, **SMALL)

        def on_commit(seq, p):
            applied.append((seq, p))

        store, _, _, _ = await recovery.open_store(d, CFG, s, on_commit=on_commit)
        d.cut_after(cut)

        async def writer(w):
            for i in range(5):
                p = payload(w * 100 + i, 20 + (w * 7 + i * 131) % 300)
                issued.append(p)
                try:
                    seq = await store.append(p)
                except (walmod.WalFailed, OSError):
                    return
                acked[seq] = p

        async def checkpointer():
            for k in range(2):
                for _ in range(3 + 4 * k):
                    await s.yield_now()
                try:
                    await store.checkpoint(encode_state(applied))
                except (walmod.WalFailed, OSError):
                    return

        await spawn_all(s, [writer(w) for w in range(4)] + [checkpointer()])

    run(s, main())
    d.restart()
    return s, d, acked, issued


def _check_recovered(recovered, acked, issued):
    seqs = [q for q, _ in recovered]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    have = {}
    for q, p in recovered:
        have[q] = p
    for q in acked:
        assert have.get(q) == acked[q], "acknowledged record %d lost" % q
    top = max(acked) if acked else 0
    payloads = [p for _, p in recovered]
    for q, p in recovered:
        if q not in acked:
            # Not acknowledged: allowed only when whole, and after every acknowledged one.
            assert q > top and p in issued, "record %d was never acknowledged" % q
    assert len(set(payloads)) == len(payloads)


def test_power_cut_at_many_points_keeps_every_acknowledged_append():
    runs = 0
    for mode in ("drop", "tear", "all"):
        step = 1 if mode == "tear" else 3
        for cut in range(1, 48, step):
            s, d, acked, issued = _workload(cut, mode, seed=cut * 31 + len(mode))
            snap, got, report = run(s, recover_seqs(d))
            recovered = (decode_state(snap) if snap is not None else []) + got
            _check_recovered(recovered, acked, issued)
            # Open (clears what a torn group left), append, recover again: still consistent.
            store, _, _, _ = run(s, recovery.open_store(d, CFG, s))
            p = b"after the cut %d" % cut
            seq = run(s, store.append(p))
            snap, got, report = run(s, recover_seqs(d))
            again = (decode_state(snap) if snap is not None else []) + got
            assert again == recovered + [(seq, p)], (mode, cut)
            runs += 1
    assert runs > 60


def test_unflushed_group_is_all_or_a_prefix():
    for mode in ("drop", "all"):
        s = sched()
        d = disk(s, mode=mode)

        async def main():
            store = await fresh(d, s)
            for i in range(5):
                await store.append(payload(i))
            d.cut_after(2)      # the group's write lands in the cache, the flush cuts

            async def one(i):
                try:
                    await store.append(payload(10 + i))
                    return True
                except walmod.WalFailed:
                    return False

            tasks = await spawn_all(s, [one(i) for i in range(3)])
            return [t.result for t in tasks]

        assert run(s, main()) == [False] * 3
        d.restart()
        snap, payloads, report = run(s, recovery.recover(d, CFG))
        if mode == "drop":
            assert payloads == [payload(i) for i in range(5)] and report["torn"] is None
        else:
            # Written but never acknowledged: whole records may come back (documented).
            assert payloads == [payload(i) for i in range(5)] + [payload(10 + i) for i in range(3)]


def _last_group_on_disk():
    """5 records committed one by one, then a group of 3 that reached the disk whole while
    the flush was cut: returns s, d, records map."""
    s = sched()
    d = disk(s, mode="all")

    async def main():
        store = await fresh(d, s)
        for i in range(5):
            await store.append(payload(i))
        d.cut_after(2)

        async def one(i):
            try:
                await store.append(payload(10 + i))
            except walmod.WalFailed:
                pass

        await spawn_all(s, [one(i) for i in range(3)])

    run(s, main())
    d.restart()
    sb = superblock_of(s, d)
    return s, d, sb, find_records(d, sb)


def test_torn_tail_is_cut_and_reported():
    s, d, sb, recs = _last_group_on_disk()
    lba, blocks, pos = recs[8]
    d.flip(lba, 8 * 300)       # inside the payload of the very last record
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(5)] + [payload(10), payload(11)]
    t = report["torn"]
    seg, off = sb.segment(pos)
    assert t["seq"] == 8 and t["pos"] == pos and t["segment"] == seg and t["offset"] == off
    assert t["reason"] == "payload checksum mismatch" and t["dropped"] == 0
    assert report["end"] == "torn" and report["head"][1] == 7


def test_torn_record_inside_the_last_group_drops_the_rest_of_the_group():
    s, d, sb, recs = _last_group_on_disk()
    lba, blocks, pos = recs[7]
    d.corrupt(lba, 1)          # the middle record of the unfinished group never landed
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(5)] + [payload(10)]
    assert report["torn"]["seq"] == 7 and report["torn"]["dropped"] == 1
    # Opening clears the remains, so a shorter new tail is not confused with them later.
    store, _, payloads, report = run(s, recovery.open_store(d, CFG, s))
    assert run(s, store.append(b"new")) == 7
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(5)] + [payload(10), b"new"]
    assert report["torn"] is None


def test_ghosts_of_a_torn_group_never_read_as_corruption():
    # A torn group whose later records landed (records 7 and 8 after a lost 6). After recovery
    # a new record 6 of the same size goes where the lost one was: right behind it the ghost
    # of the old record 7 would sit, at its own position, with sequence 7 - unless opening the
    # store cleared it. It did: the log reads back without a (false) broken chain.
    s, d, sb, recs = _last_group_on_disk()
    d.corrupt(recs[6][0], 1)
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert report["torn"]["dropped"] == 2 and len(payloads) == 5
    store, _, _, report = run(s, recovery.open_store(d, CFG, s))
    assert report["cleared"] > 0
    assert run(s, store.append(b"x")) == 6
    assert find_records(d, sb)[6][2] == recs[6][2]      # the same place
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert payloads == [payload(i) for i in range(5)] + [b"x"]
    assert report["torn"] is None and report["end"] == "end"


# ---- corruption inside the committed log -------------------------------------------------------

def test_bit_flip_in_a_committed_payload_raises_with_the_position():
    s, d, written = committed_log(20)
    sb = superblock_of(s, d)
    recs = find_records(d, sb)
    lba, blocks, pos = recs[10]
    d.flip(lba, 8 * 200 + 3)
    e = expect_corruption(s, d)
    seg, off = sb.segment(pos)
    assert e.area == "wal" and e.seq == 10 and e.pos == pos
    assert e.segment == seg and e.offset == off
    assert ("segment %d offset %d" % (seg, off)) in str(e) and "sequence 10" in str(e)


def test_bit_flip_in_a_committed_header_raises():
    s, d, written = committed_log(20)
    sb = superblock_of(s, d)
    recs = find_records(d, sb)
    last = max(recs)           # a PAD record took a sequence number too
    assert last == 21
    for victim, bit in ((3, 8 * 20), (12, 8 * 70 + 1), (last, 8 * 126)):
        fresh_s, fresh_d, _ = committed_log(20)
        lba = find_records(fresh_d, sb)[victim][0]
        fresh_d.flip(lba, bit)
        if victim == last:
            # The very last record: indistinguishable from a torn write (documented).
            snap, payloads, report = run(fresh_s, recovery.recover(fresh_d, CFG))
            assert len(payloads) == 19 and report["torn"]["seq"] == last
            continue
        e = expect_corruption(fresh_s, fresh_d)
        assert e.seq == victim and e.pos == recs[victim][2]


def test_lost_write_inside_the_log_raises():
    s, d, written = committed_log(20, size=1500)
    sb = superblock_of(s, d)
    recs = find_records(d, sb)
    lba, blocks, pos = recs[8]
    d.corrupt(lba, blocks)     # the record's blocks read back as zeros
    e = expect_corruption(s, d)
    assert e.seq == 8 and e.pos == pos and "later write" in str(e)


def test_damage_over_many_segments_is_found_by_later_segment_starts():
    geometry = {"wal_segments": 20, "checkpoint_blocks": 16, "max_group_span": 8192}
    s, d, written = committed_log(100, size=800, blocks=512, geometry=geometry)
    sb = superblock_of(s, d)
    recs = find_records(d, sb)
    lba = recs[9][0]           # record 9 starts segment 1 (8 records of 1 KiB per segment)
    assert recs[9][2] == sb.seg_size
    d.corrupt(lba, 5 * sb.seg_size // BLOCK)   # segments 1..5 gone: beyond the block search
    e = expect_corruption(s, d)
    assert e.seq == 9 and e.segment == 1 and e.offset == 0 and "starts segment 6" in str(e)


def test_swapped_records_are_detected():
    for a, b in ((4, 5), (9, 10)):      # inside the log, and the last two records
        s, d, written = committed_log(10, size=300)
        sb = superblock_of(s, d)
        recs = find_records(d, sb)
        ra, rb = recs[a], recs[b]
        assert ra[1] == rb[1]
        da = d.durable(ra[0], ra[1])
        db = d.durable(rb[0], rb[1])
        d.corrupt(ra[0], ra[1], db)
        d.corrupt(rb[0], rb[1], da)
        e = expect_corruption(s, d)
        assert e.seq == a and e.pos == ra[2] and "misplaced" in str(e)


async def _hand_written_log(d, sb, recs):
    """Write records [(seq, payload, prev_chain or None)] from position 0, each its own group."""
    pos = 0
    chain = sb.ckpt_chain
    for seq, p, bad_chain in recs:
        size = walmod.record_size(len(p))
        buf = bytearray(size)
        prev = chain if bad_chain is None else bad_chain
        chain = walmod.pack_record(buf, 0, walmod.T_DATA, seq, pos, seq, 1, sb.log_id, prev, p)
        await d.write(sb.lba(pos), buf)
        pos += size
    await d.flush()


def test_sequence_gap_and_broken_chain_are_detected():
    for case in ("gap", "chain", "ok"):
        s = sched()
        d = disk(s)
        sb = run(s, recovery.format(d, CFG, log_id=LOG_ID, **SMALL))
        recs = [(1, b"one", None), (2, b"two", None), (3, b"three", None), (4, b"four", None)]
        if case == "gap":
            recs = [recs[0], recs[1], recs[3]]
        elif case == "chain":
            recs[2] = (3, b"three", bytes(32))
        run(s, _hand_written_log(d, sb, recs))
        if case == "ok":
            snap, payloads, report = run(s, recovery.recover(d, CFG))
            assert payloads == [b"one", b"two", b"three", b"four"]
            continue
        e = expect_corruption(s, d)
        assert e.seq == 3
        if case == "gap":
            assert "sequence 4 where 3 was due" in str(e)
        else:
            assert "broken hash chain" in str(e)


def test_corrupted_checkpoint_raises():
    s = sched()
    d = disk(s)

    async def main():
        store = await fresh(d, s)
        await store.append(b"a")
        await store.checkpoint(b"state after a" * 50)
        await store.append(b"b")

    run(s, main())
    sb = superblock_of(s, d)
    d.flip(sb.ckpt_lba[sb.ckpt_area] + 1)
    e = expect_corruption(s, d)
    assert e.area == "checkpoint" and e.seq == 1


def test_log_from_another_format_is_ignored():
    s, d, written = committed_log(6)
    run(s, recovery.format(d, CFG, log_id=b"another log id!!", **SMALL))
    snap, payloads, report = run(s, recovery.recover(d, CFG))
    assert snap is None and payloads == [] and report["torn"] is None
    assert report["generation"] == 1


def test_recovery_reports_the_config_mismatch():
    s, d, written = committed_log(2)
    snap, payloads, report = run(s, recovery.recover(d, {"transaction": {"wal_segment_size":
                                                                           65536}}))
    assert payloads == written and "8192" in report["warnings"][0]
