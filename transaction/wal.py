"""Write-ahead log of the ledger: records in a ring of segments, written by group commit.

Format (version 1, transaction/FORMAT.md): every record starts on a 512-byte block with a
128-byte header (magic, type, sequence number, logical position, group, payload length and
CRC-32, log id, previous chain value, room for encryption, header CRC-32), then the payload,
zero-padded to whole blocks. A record never crosses a segment end: when the next one does not
fit, a PAD record fills the rest of the segment. The chain value after a record is
SHA-256(header[0:124] + payload), and every header carries the previous one, so a missing,
reordered or swapped record breaks the chain.

Group commit: `await wal.append(payload)` queues the payload and returns its sequence number
once the record is on disk. A committer task takes what is queued (one group covers at most
`max_group_span` bytes of log), writes the group with one I/O (two when it wraps the ring),
flushes once and wakes every appender of the group.

Portable Python (CPython for host tests, MicroPython in the kernel): struct, slices, bytes.find,
`hashlib.sha256` and `binascii.crc32` only.
"""
import binascii
import hashlib
import struct

from kernel.process import Event
from transaction.superblock import BLOCK, CorruptionError, LedgerError

MAGIC = b"QXWL"
VERSION = 1
HEADER = 128
HASHED = 124            # header bytes under the chain hash and the header CRC
T_DATA = 1
T_PAD = 2
F_ENCRYPTED = 1         # reserved: a later format version encrypts payloads (AES-256-GCM)
_FIELDS = "<BBHIIQQQII"  # at 4: version, type, flags, key id, payload length, seq, pos,
#                              group first seq, group count, payload crc
_PACK = "<4sBBHIIQQQII16s32s"  # bytes 0..96: magic, _FIELDS, log id, previous chain value

MAX_QUEUE = 8190               # records waiting for the committer, at most
MAX_QUEUE_BYTES = 8 << 20      # their log bytes, at most (a single record is always let in)
READ_CHUNK = 128 * 1024        # recovery reads the log this much at a time
ZERO_BLOCK = bytes(BLOCK)


class DiskFull(LedgerError):
    """The WAL ring holds only records a checkpoint does not cover yet: take a checkpoint.
    Nothing of the refused record was written; every committed record is intact."""


class RecordTooLarge(LedgerError):
    """A payload over the format's record limit."""


class WalFailed(LedgerError):
    """A write or flush failed: the outcome of the appends in flight is unknown and the log
    takes no more appends until it is recovered again (restart)."""


def record_size(payload_len):
    """Bytes a record of `payload_len` takes in the log (whole blocks)."""
    return (HEADER + payload_len + BLOCK - 1) // BLOCK * BLOCK


def copy_into(mv, off, data):
    """mv[off:off+len(data)] = data, in time proportional to len(data): MicroPython's slice
    assignment also moves everything after the slice (onto itself), so assign to a view that
    ends where the data ends."""
    n = len(data)
    mv[off:off + n][0:n] = data


def pack_record(buf, off, typ, seq, pos, group_first, group_count, log_id, prev_chain,
                payload):
    """Write a record into `buf` (a zeroed bytearray) at `off`; return its chain value."""
    n = len(payload)
    crc = binascii.crc32(payload, 0) & 0xFFFFFFFF
    struct.pack_into(_PACK, buf, off, MAGIC, VERSION, typ, 0, 0, n, seq, pos, group_first,
                     group_count, crc, log_id, prev_chain)
    mv = memoryview(buf)
    if n:
        copy_into(mv, off + HEADER, payload)
    struct.pack_into("<I", buf, off + HASHED, binascii.crc32(mv[off:off + HASHED], 0) & 0xFFFFFFFF)
    h = hashlib.sha256(mv[off:off + HASHED])
    if n:
        h.update(payload)
    return h.digest()


class Header:
    """A decoded record header (valid CRC)."""

    def __init__(self, raw):
        (self.version, self.type, self.flags, self.key_id, self.length, self.seq, self.pos,
         self.group_first, self.group_count, self.crc) = struct.unpack_from(_FIELDS, raw, 4)
        self.log_id = raw[48:64]
        self.prev_chain = raw[64:96]
        self.raw = raw


def parse_header(buf, off):
    """The Header at `off` of `buf` (bytes), or None when there is no intact header there."""
    if buf[off:off + 4] != MAGIC:
        return None
    raw = buf[off:off + HEADER]
    if len(raw) < HEADER:
        return None
    (want,) = struct.unpack_from("<I", raw, HASHED)
    if binascii.crc32(raw[0:HASHED], 0) & 0xFFFFFFFF != want:
        return None
    return Header(raw)


# ---- the writer ----------------------------------------------------------------------------

class Ticket:
    """One queued append."""

    def __init__(self, payload, size):
        self.payload = payload
        self.size = size
        self.seq = 0
        self.done = False
        self.error = None


class Wal:
    """The log writer. `head` = (pos, seq, chain): the position of the next record, the last
    sequence number written and the chain value after it (from recovery). `limit` is the
    position the log must stay below (from the checkpoint: Superblock.limit()). `on_commit`,
    if given, is called as on_commit(seq, payload) for every record, in sequence order, once it
    is durable and before its appender wakes (the place to apply it to the state machine in
    log order)."""

    def __init__(self, dev, sb, head, sched, on_commit=None, max_queue=MAX_QUEUE,
                 max_queue_bytes=MAX_QUEUE_BYTES):
        assert max_queue > 0 and max_queue_bytes > 0
        self.dev = dev
        self.sb = sb
        self.sched = sched
        self.on_commit = on_commit
        self.max_queue = max_queue
        self.max_queue_bytes = max_queue_bytes
        self.max_payload = sb.max_record - HEADER
        self.pos, self.seq, self.chain = head
        assert self.pos % BLOCK == 0 and len(self.chain) == 32
        self.limit = sb.limit()
        assert self.pos <= self.limit
        self.queue = []
        self.queue_bytes = 0
        self.committing = False
        self.failed = None
        self.progress = Event()
        # Statistics: appends acknowledged, groups written (= flushes), records per group.
        self.appends = 0
        self.groups = 0
        self.records = 0        # including PAD records
        self.pads = 0           # PAD records
        self.bytes_written = 0
        self.max_group = 0
        self.full_errors = 0
        self.waits = 0          # appends that waited for room in the queue

    def set_limit(self, limit):
        """A new checkpoint is durable: the log may now reach `limit`."""
        assert limit >= self.limit
        self.limit = limit

    def used(self):
        """Bytes of log between the checkpoint's segment and the head."""
        return self.pos - (self.limit - self.sb.ring())

    async def append(self, payload):
        """Queue `payload` (bytes) and return its sequence number once it is on disk. Raises
        DiskFull (nothing written), RecordTooLarge, or WalFailed (outcome unknown)."""
        if self.failed is not None:
            raise WalFailed("the log failed earlier: %s" % self.failed)
        n = len(payload)
        if n > self.max_payload:
            raise RecordTooLarge("payload of %d bytes (at most %d)" % (n, self.max_payload))
        size = record_size(n)
        while self.queue and (len(self.queue) >= self.max_queue or
                              self.queue_bytes + size > self.max_queue_bytes):
            self.waits += 1
            await self.progress.wait()       # back-pressure until the committer takes a group
            if self.failed is not None:
                raise WalFailed("the log failed earlier: %s" % self.failed)
        t = Ticket(payload, size)
        self.queue.append(t)
        self.queue_bytes += size
        if not self.committing:
            self.committing = True
            try:
                self.sched.spawn(self._commit_loop(), "wal-commit")
            except Exception:
                # No task slot: this appender commits itself (same code, inline).
                await self._commit_loop()
        while not t.done:
            await self.progress.wait()
        if t.error is not None:
            raise t.error
        return t.seq

    async def _commit_loop(self):
        try:
            while self.queue and self.failed is None:
                await self._commit_group()
        except BaseException as e:
            # Cancelled or a bug: fail the queued appends rather than leave them waiting. (A
            # committer cancelled before its first step runs no code at all: do not do that.)
            if self.failed is None:
                self.failed = "the committer stopped: %s %s" % (type(e).__name__, e)
            raise
        finally:
            self.committing = False
            if self.failed is not None:
                self._fail_queue(WalFailed("the log failed: %s" % self.failed))
            self._wake()

    def _wake(self):
        ev = self.progress
        ev.set()
        ev.clear()      # the set counter moved: every task parked on it wakes

    def _fail_queue(self, err):
        for t in self.queue:
            t.error = err
            t.done = True
        self.queue = []
        self.queue_bytes = 0

    def _plan(self):
        """Place queued records: [(type, pos, ticket or None)], end position, tickets refused
        because the ring is full."""
        sb = self.sb
        seg = sb.seg_size
        start = self.pos
        pos = start
        plan = []
        q = self.queue
        i = 0
        while i < len(q):
            t = q[i]
            p = pos
            pad = False
            if p % seg + t.size > seg:
                pad = True
                p = p - p % seg + seg
            end = p + t.size
            if end > self.limit:
                return plan, pos, i          # this and every later one: full
            if plan and end - start > sb.max_group_span:
                break
            if pad:
                plan.append((T_PAD, pos, None))
            plan.append((T_DATA, p, t))
            pos = end
            i += 1
        return plan, pos, -1

    async def _commit_group(self):
        sb = self.sb
        plan, end, full_from = self._plan()
        taken = len(self.queue) if full_from >= 0 else 0
        if full_from >= 0:
            err = DiskFull("WAL full: %d bytes of log since the checkpoint's segment, ring of "
                           "%d bytes; a checkpoint frees space"
                           % (self.pos - (self.limit - sb.ring()), sb.ring()))
            for t in self.queue[full_from:]:
                t.error = err
                t.done = True
                self.full_errors += 1
        ntickets = 0
        for typ, _, t in plan:
            if t is not None:
                ntickets += 1
        if full_from < 0:
            taken = ntickets
        if not plan:
            self._drop(taken)
            self._wake()
            return
        start = self.pos
        # One zero block after the last record (unless that is a segment start): the end of the
        # log always reads as zeros or an old header, so anything else there is a torn write.
        tail = BLOCK if end % sb.seg_size else 0
        buf = bytearray(end - start + tail)
        seq = self.seq
        chain = self.chain
        first = seq + 1
        count = len(plan)
        log_id = sb.log_id
        for typ, p, t in plan:
            seq += 1
            payload = b"" if t is None else t.payload
            chain = pack_record(buf, p - start, typ, seq, p, first, count, log_id, chain, payload)
            if t is not None:
                t.seq = seq
        try:
            await self._write(start, buf)
            await self.dev.flush()
        except Exception as e:
            self.failed = "%s: %s" % (type(e).__name__, e)
            err = WalFailed("the log failed: %s" % self.failed)
            for typ, p, t in plan:
                if t is not None:
                    t.error = err
                    t.done = True
            self._drop(taken)
            return
        self.pos = end
        self.seq = seq
        self.chain = chain
        self.groups += 1
        self.records += count
        self.pads += count - ntickets
        self.bytes_written += len(buf)
        if ntickets > self.max_group:
            self.max_group = ntickets
        cb = self.on_commit
        for typ, p, t in plan:
            if t is None:
                continue
            if cb is not None and self.failed is None:
                try:
                    cb(t.seq, t.payload)
                except Exception as e:
                    self.failed = "on_commit raised %s: %s" % (type(e).__name__, e)
            t.done = True
            if self.failed is not None:
                t.error = WalFailed("record %d is durable but %s" % (t.seq, self.failed))
        self.appends += ntickets
        self._drop(taken)
        self._wake()

    def _drop(self, n):
        for t in self.queue[:n]:
            self.queue_bytes -= t.size
        del self.queue[:n]

    async def _write(self, start, buf):
        """Write log bytes [start, start+len(buf)): one I/O, two when the ring wraps."""
        sb = self.sb
        ring = sb.ring()
        first = ring - start % ring
        if len(buf) <= first:
            await self.dev.write(sb.lba(start), buf)
            return
        mv = memoryview(buf)
        await self.dev.write(sb.lba(start), mv[0:first])
        await self.dev.write(sb.wal_lba, mv[first:])

    def stats(self):
        return {"appends": self.appends, "groups": self.groups, "records": self.records,
                "pads": self.pads, "bytes_written": self.bytes_written, "max_group": self.max_group,
                "full_errors": self.full_errors, "queue_waits": self.waits,
                "pos": self.pos, "seq": self.seq, "limit": self.limit,
                "failed": self.failed}


# ---- the reader ----------------------------------------------------------------------------

class Reader:
    """Reads records of one log (by logical position) through a window of a segment."""

    def __init__(self, dev, sb):
        self.dev = dev
        self.sb = sb
        self.wpos = 0
        self.wbuf = b""
        self.bytes_read = 0

    async def window(self, pos, n):
        """(buf, off): buf[off:off+n] holds log bytes [pos, pos+n) (inside one segment)."""
        sb = self.sb
        seg_end = sb.seg_start(pos) + sb.seg_size
        assert pos % BLOCK == 0 and 0 < n and pos + n <= seg_end
        if self.wpos <= pos and pos + n <= self.wpos + len(self.wbuf):
            return self.wbuf, pos - self.wpos
        m = n if n > READ_CHUNK else READ_CHUNK
        if m > seg_end - pos:
            m = seg_end - pos
        m = (m + BLOCK - 1) // BLOCK * BLOCK
        self.wbuf = await self.dev.read(sb.lba(pos), m // BLOCK)
        self.wpos = pos
        self.bytes_read += m
        return self.wbuf, 0


# What scan() found at the end of the log.
END_CLEAN = "end"    # nothing of this log there (zeros, an older lap, another log)
END_TORN = "torn"    # an unfinished write: cut there
END_FULL = "full"    # the ring is full up to the limit


def _where(sb, pos):
    seg, off = sb.segment(pos)
    return "segment %d offset %d (log position %d)" % (seg, off, pos)


def _corrupt(sb, pos, seq, what):
    seg, off = sb.segment(pos)
    return CorruptionError("WAL corrupted at %s, sequence %d: %s" % (_where(sb, pos), seq, what),
                           area="wal", segment=seg, offset=off, pos=pos, seq=seq)


def _classify(sb, h, at):
    """For an intact header found at log position `at`: "here" (written for this position in
    the current lap), "stale" (an older lap of this log), "other" (another log) or
    "misplaced" (this log, but it does not belong here)."""
    if h.log_id != sb.log_id or h.version != VERSION:
        return "other"
    if h.pos == at:
        return "here"
    if h.pos < at and (at - h.pos) % sb.ring() == 0:
        return "stale"
    return "misplaced"


async def scan(dev, sb, start, on_record, stop_seq=None):
    """Read the log from `start` = (pos, seq, chain) (the checkpoint's), verifying every record,
    calling on_record(seq, payload) for each data record. Stops after record `stop_seq` if
    given. Returns a dict: head (pos, seq, chain) after the last valid record, end (END_*),
    reason, cut (torn: logical position cut at), dropped (intact records of the torn group
    after the cut), bytes_read. Raises CorruptionError when a committed record is damaged."""
    pos, seq, chain = start
    lap_end = sb.seg_start(pos) + sb.ring()
    seg = sb.seg_size
    r = Reader(dev, sb)
    out = {"end": END_CLEAN, "reason": "", "cut": None, "dropped": 0, "records": 0}
    while True:
        if stop_seq is not None and seq >= stop_seq:
            out["end"] = "stop"
            break
        if pos >= lap_end:
            out["end"] = END_FULL
            break
        buf, off = await r.window(pos, BLOCK)
        h = parse_header(buf, off)
        bad = None
        if h is None:
            if buf[off:off + 4] == MAGIC:
                bad = "no intact record header"
            elif buf[off:off + BLOCK] == ZERO_BLOCK:
                bad = "no record"
            else:
                bad = "garbage where a record or the zeroed end was due"
        else:
            kind = _classify(sb, h, pos)
            if kind == "misplaced":
                raise _corrupt(sb, pos, seq + 1, "misplaced record (of position %d, sequence %d)"
                               % (h.pos, h.seq))
            if kind != "here":
                bad = "no record (%s data)" % kind
        if bad is None:
            size = record_size(h.length)
            if h.type not in (T_DATA, T_PAD) or h.flags != 0 or h.key_id != 0 or \
                    h.length > sb.max_record - HEADER or pos % seg + size > seg or \
                    (h.type == T_PAD and h.length != 0):
                raise _corrupt(sb, pos, seq + 1, "impossible header (type %d flags %d length %d)"
                               % (h.type, h.flags, h.length))
            if h.seq != seq + 1:
                raise _corrupt(sb, pos, seq + 1, "sequence %d where %d was due" % (h.seq, seq + 1))
            if h.prev_chain != chain:
                raise _corrupt(sb, pos, seq + 1, "broken hash chain")
            buf, off = await r.window(pos, size)
            payload = buf[off + HEADER:off + HEADER + h.length]
            if binascii.crc32(payload, 0) & 0xFFFFFFFF != h.crc:
                bad = "payload checksum mismatch"
        if bad is not None:
            verdict = await _lookahead(r, sb, pos, seq + 1, lap_end)
            if verdict[0] == "corrupt":
                raise _corrupt(sb, pos, seq + 1, "%s, but %s" % (bad, verdict[1]))
            out["dropped"] = verdict[1]
            if verdict[1] or bad[0:9] != "no record":
                out["end"] = END_TORN
                out["cut"] = pos
            out["reason"] = bad
            break
        hh = hashlib.sha256(h.raw[0:HASHED])
        if h.length:
            hh.update(payload)
        chain = hh.digest()
        seq = h.seq
        if h.type == T_PAD:
            pos = pos - pos % seg + seg
        else:
            pos += size
            out["records"] += 1
            if on_record is not None:
                on_record(seq, payload)
    out["head"] = (pos, seq, chain)
    out["bytes_read"] = r.bytes_read
    return out


async def _lookahead(r, sb, at, want, lap_end):
    """The record due at `at` (sequence `want`) is missing or damaged. A torn last group looks
    like that too; tell them apart by what was written after it: a record of a LATER group
    (its group started after `want`) means the damaged record's group was flushed, i.e.
    committed, so the log is corrupted. Returns ("corrupt", why) or ("tail", intact records of
    the same (unfinished) group found after the gap).

    Searched: every block of [at, at + 2 * (group span + record limit)) (a torn group and the
    start of the next group lie inside it), then the first block of every later segment of the
    lap (where any later group would have started a segment)."""
    seg = sb.seg_size
    window_end = at + 2 * (sb.max_group_span + sb.max_record)
    if window_end > lap_end:
        window_end = lap_end
    same = 0
    pos = at + BLOCK
    while pos < window_end:
        n = sb.seg_start(pos) + seg - pos
        if n > window_end - pos:
            n = window_end - pos
        if n > READ_CHUNK:
            n = READ_CHUNK
        buf, off = await r.window(pos, n)
        i = buf.find(MAGIC, off)
        while 0 <= i < off + n:
            if (i - off) % BLOCK == 0:
                q = pos + (i - off)
                v = _judge(sb, parse_header(buf, i), q, want)
                if v == "later":
                    return "corrupt", "a record of a later write follows at %s" % _where(sb, q)
                if v == "misplaced":
                    return "corrupt", "a misplaced record follows at %s" % _where(sb, q)
                if v == "same":
                    same += 1
            i = buf.find(MAGIC, i + 1)
        pos += n
    pos = sb.seg_start(window_end - 1) + seg
    while pos < lap_end:
        buf, off = await r.window(pos, BLOCK)
        v = _judge(sb, parse_header(buf, off), pos, want)
        if v == "later":
            return "corrupt", "a record of a later write starts %s" % _where(sb, pos)
        if v == "misplaced":
            return "corrupt", "a misplaced record starts %s" % _where(sb, pos)
        if v == "same":
            same += 1
        pos += seg
    return "tail", same


def _judge(sb, h, at, want):
    if h is None:
        return None
    kind = _classify(sb, h, at)
    if kind == "misplaced":
        return kind
    if kind != "here":
        return None
    if h.seq < want:
        return "misplaced"   # written here in this lap, yet older than the gap before it
    if h.group_first > want:
        return "later"
    return "same"


def initial_head(sb):
    """(pos, seq, chain) of the log right after the superblock's checkpoint (format() sets
    position 0, sequence 0 and the chain seed)."""
    return sb.ckpt_pos, sb.ckpt_seq, sb.ckpt_chain
