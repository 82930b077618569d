# Property tests of the ledger's WAL, checkpoints and recovery (host only, hypothesis).
#
# A random program of steps runs against a FaultDisk: groups of concurrent appends, checkpoints
# (of the state after the last record or after an older one), power cuts in the middle of a
# step (unflushed writes dropped, torn block by block, or kept), bit flips in committed records,
# superblock copies and checkpoint areas, clean restarts. A model keeps what was acknowledged
# and what is durable (the records the WAL handed to on_commit, in log order). After every
# recovery:
#   - every acknowledged record is there, with its sequence number and payload, in order;
#   - the durable records are a prefix of what came back, and anything after them is a whole
#     record of the group whose flush the power cut interrupted (never acknowledged); this is
#     the documented contract: recovery may return unacknowledged records, whole and in order,
#     after all acknowledged ones;
#   - a bit flip in a committed record raises CorruptionError naming that record, unless the
#     record is in the last group written (indistinguishable from a torn write: the log is cut
#     there and the cut is reported); a flip in the checkpoint in use raises CorruptionError;
#     a flip in one superblock copy, the other checkpoint area or unused log changes nothing;
#   - records refused with DiskFull never come back.

from hypothesis import HealthCheck, event, given, settings, strategies as st

from tests.portable.test_recovery import find_records
from tests.portable.test_wal import CFG, LOG_ID, disk, run, sched, spawn_all, summary
from transaction import recovery
from transaction import superblock as sbm
from transaction import wal as walmod
from transaction.superblock import BLOCK, CorruptionError

SETTINGS = dict(deadline=None, max_examples=1500,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

appends = st.tuples(st.just("append"), st.integers(1, 8),
                    st.lists(st.integers(0, 4000), min_size=6, max_size=6))
checkpoints = st.tuples(st.just("checkpoint"), st.booleans(), st.integers(0, 1 << 20))
cuts = st.tuples(st.just("cut"), st.integers(1, 6), st.integers(1, 14),
                 st.sampled_from(["drop", "tear", "all"]), st.booleans(),
                 st.lists(st.integers(0, 2500), min_size=6, max_size=6))
flips = st.tuples(st.just("flip"), st.sampled_from(["record", "record", "record", "superblock",
                                                    "checkpoint", "other_area", "free_log"]),
                  st.integers(0, 1 << 30), st.integers(0, 1 << 30))
restarts = st.tuples(st.just("restart"))
programs = st.lists(st.one_of(appends, appends, appends, appends, checkpoints, cuts, flips,
                              restarts),
                    min_size=4, max_size=40)
# A ring of three 8 KiB segments: random programs fill it often.
GEOMETRY = {"wal_segments": 3, "checkpoint_blocks": 16, "max_group_span": 16384}


class Model:
    def __init__(self):
        self.applied = []     # (seq, payload): durable, in log order (through on_commit)
        self.acked = {}       # seq -> payload
        self.refused = set()  # payloads refused with DiskFull
        self.issued = set()
        self.counter = 0

    def payload(self, size):
        self.counter += 1
        p = (b"%d;" % self.counter + bytes([97 + self.counter % 26]) * size)[:max(size, 8)]
        self.issued.add(p)
        return p


class Harness:
    def __init__(self, seed):
        self.s = sched()
        self.d = disk(self.s, seed=seed)
        self.m = Model()
        self.store = None
        run(self.s, recovery.format(self.d, CFG, log_id=LOG_ID, **GEOMETRY))
        self.reopen()

    def on_commit(self, seq, p):
        self.m.applied.append((seq, p))

    def reopen(self):
        store, snap, payloads, report = run(self.s, recovery.open_store(
            self.d, CFG, self.s, on_commit=self.on_commit))
        self.store = store

    # ---- steps -------------------------------------------------------------------------------

    async def _appends(self, k, sizes):
        m = self.m
        store = self.store

        async def one(p):
            try:
                seq = await store.append(p)
            except walmod.DiskFull:
                event("DiskFull")
                m.refused.add(p)
                return
            except (walmod.WalFailed, OSError):
                return
            m.acked[seq] = p

        return [one(m.payload(sizes[i % len(sizes)])) for i in range(k)]

    async def _checkpoint(self, older, pick):
        m = self.m
        store = self.store
        try:
            if older and m.applied:
                lo = 0
                while lo < len(m.applied) and m.applied[lo][0] < store.sb.ckpt_seq:
                    lo += 1
                if lo < len(m.applied):
                    k = lo + pick % (len(m.applied) - lo)
                    await store.checkpoint(summary(m.applied[:k + 1]), m.applied[k][0])
                    return
            await store.checkpoint(summary(m.applied))
        except (walmod.WalFailed, OSError):
            pass

    def step_append(self, k, sizes):
        async def main():
            await spawn_all(self.s, await self._appends(k, sizes))
        run(self.s, main())

    def step_checkpoint(self, older, pick):
        run(self.s, self._checkpoint(older, pick))

    def step_cut(self, k, n, mode, with_checkpoint, sizes):
        self.d.mode = mode
        self.d.cut_after(n)

        async def main():
            coros = await self._appends(k, sizes)
            if with_checkpoint:
                coros.append(self._checkpoint(False, 0))
            await spawn_all(self.s, coros)

        run(self.s, main())
        if self.d.powered:
            self.d.cut_countdown = 0       # the step did fewer operations than n
            return True
        event("power cut (%s)" % mode)
        self.d.restart()
        return self.recover_and_check(None)

    def step_restart(self):
        return self.recover_and_check(None)

    def step_flip(self, where, a, b):
        d = self.d
        sb = self.store.sb
        if where == "superblock":
            d.flip(sb.copy_lbas()[a % 4])
            return self.recover_and_check(None)
        if where in ("checkpoint", "other_area"):
            if sb.ckpt_area == sbm.NO_AREA or sb.ckpt_len == 0:
                return True
            area = sb.ckpt_area if where == "checkpoint" else 1 - sb.ckpt_area
            nbits = sb.ckpt_len * 8 if where == "checkpoint" else sb.ckpt_blocks * BLOCK * 8
            bit = a % nbits
            d.flip(sb.ckpt_lba[area] + bit // (BLOCK * 8), bit % (BLOCK * 8))
            if where == "checkpoint":
                return self.recover_and_check(("checkpoint", None))
            return self.recover_and_check(None)
        recs = self.live_records(sb)
        if where == "free_log":
            # A block of the ring outside the live log (older laps, never written).
            used = set()
            for seq in recs:
                lba, blocks, pos, h = recs[seq]
                for i in range(blocks):
                    used.add(lba + i)
            lba = sb.wal_lba + a % (sb.ring() // BLOCK)
            wal = self.store.wal
            clear_end = wal.pos + sb.max_group_span + sb.max_record
            lo_pos = sb.seg_start(sb.ckpt_pos)
            pos_of = lo_pos + ((lba - sb.wal_lba) * BLOCK - lo_pos) % sb.ring()
            if lba in used or wal.pos <= pos_of < clear_end or pos_of < sb.ckpt_pos:
                return True   # only blocks that hold neither live records nor cleared space
            d.flip(lba, b % (BLOCK * 8))
            return self.recover_and_check(None)
        if not recs:
            return True
        seqs = sorted(recs)
        victim = seqs[a % len(seqs)]
        lba, blocks, pos, h = recs[victim]
        nbits = (walmod.HEADER + h.length) * 8   # header and payload: what the CRCs cover
        bit = b % nbits
        d.flip(lba + bit // (BLOCK * 8), bit % (BLOCK * 8))
        last_group = recs[seqs[-1]][3].group_first
        if victim < last_group:
            return self.recover_and_check(("wal", victim))
        return self.recover_and_check(("torn", victim))

    def live_records(self, sb):
        """seq -> (lba, blocks, pos, header) of the records after the checkpoint."""
        out = {}
        wal = self.store.wal
        for seq, (lba, blocks, pos) in find_records(self.d, sb).items():
            if sb.ckpt_pos <= pos < wal.pos and seq > sb.ckpt_seq:
                h = walmod.parse_header(self.d.durable(lba, 1), 0)
                out[seq] = (lba, blocks, pos, h)
        return out

    # ---- the oracle ---------------------------------------------------------------------------

    def recover_and_check(self, damage):
        """Recover and compare with the model; returns False when the ledger is down (an
        expected CorruptionError), True when the run goes on (store reopened)."""
        m = self.m
        got = []
        try:
            snap, payloads, report = run(self.s, recovery.recover(
                self.d, CFG, on_record=lambda q, p: got.append((q, p))))
        except CorruptionError as e:
            event("corruption detected (%s)" % e.area)
            assert damage is not None and damage[0] in ("wal", "checkpoint"), \
                "unexpected corruption: %s" % e
            assert e.area == damage[0]
            if damage[0] == "wal":
                assert e.seq == damage[1], (str(e), damage)
            return False
        assert damage is None or damage[0] == "torn", "damage %r not detected" % (damage,)
        event("recovered: torn tail" if report["torn"] else "recovered: clean end")
        if report["checkpoint"] is not None:
            event("recovered with a checkpoint")
        prefix = []
        if snap is not None:
            n = int(snap[:snap.index(b":")])
            assert n <= len(m.applied)
            assert snap == summary(m.applied[:n])
            prefix = m.applied[:n]
        recovered = prefix + got
        seqs = [q for q, _ in recovered]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        durable = m.applied
        if damage is not None:
            victim = damage[1]
            durable = [r for r in durable if r[0] < victim]
            assert report["torn"] is not None and report["torn"]["seq"] == victim
            assert recovered == durable
            for q in list(m.acked):
                if q >= victim:
                    del m.acked[q]
        assert recovered[:len(durable)] == durable
        if len(recovered) > len(durable):
            event("unacknowledged whole records came back")
        for q, p in recovered[len(durable):]:
            # Whole records of the interrupted group: issued, never acknowledged.
            assert p in m.issued and q not in m.acked
        for q in m.acked:
            assert (q, m.acked[q]) in recovered or q < (recovered[0][0] if recovered else 0)
        have = set(p for _, p in recovered)
        assert not (have & m.refused)
        m.applied = recovered
        self.reopen()
        return True


@settings(**SETTINGS)
@given(programs, st.integers(0, 1 << 30))
def test_random_programs_against_the_model(program, seed):
    h = Harness(seed)
    for step in program:
        kind = step[0]
        if kind == "append":
            h.step_append(step[1], step[2])
        elif kind == "checkpoint":
            h.step_checkpoint(step[1], step[2])
        elif kind == "cut":
            if not h.step_cut(step[1], step[2], step[3], step[4], step[5]):
                return
        elif kind == "flip":
            if not h.step_flip(step[1], step[2], step[3]):
                return
        else:
            if not h.step_restart():
                return
    h.recover_and_check(None)


@settings(**dict(SETTINGS, max_examples=400))
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=40), st.integers(1, 8))
def test_concurrent_appends_round_trip(sizes, writers):
    h = Harness(1)
    payloads = []

    async def main():
        per = (len(sizes) + writers - 1) // writers

        async def writer(w):
            for size in sizes[w * per:(w + 1) * per]:
                p = h.m.payload(size)
                for attempt in range(50):
                    try:
                        seq = await h.store.append(p)
                        break
                    except walmod.DiskFull:
                        event("DiskFull, checkpoint, retry")
                        if h.store.busy:
                            await h.s.yield_now()     # another writer is checkpointing
                        else:
                            await h.store.checkpoint(summary(h.m.applied))
                h.m.acked[seq] = p
                payloads.append(p)

        await spawn_all(h.s, [writer(w) for w in range(writers)])

    run(h.s, main())
    assert len(h.m.acked) == len(sizes)
    h.recover_and_check(None)
