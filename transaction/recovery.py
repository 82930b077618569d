"""The ledger's durable store over a block device (no file system): format, recovery, and the
Store the kernel appends to and checkpoints (format version 1, transaction/FORMAT.md).

    sb = await format(dev, cfg)                         # fresh disk (only when asked)
    snapshot, payloads, report = await recover(dev, cfg)  # read-only
    store, snapshot, payloads, report = await open_store(dev, cfg, sched)
    seq = await store.append(payload)                   # durable when it returns
    await store.checkpoint(snapshot, seq)               # frees WAL segments before it

Requests and snapshots are opaque bytes here; the ledger state machine (transaction/engine.py)
gives them meaning.
"""
import hashlib

from transaction.superblock import (BLOCK, COPIES, NO_AREA, CorruptionError, FormatError,
                                    LedgerError, NotFormatted, copies_current, copy_lbas, layout,
                                    read_superblock, write_superblock)
from transaction.wal import (DiskFull, RecordTooLarge, Wal, WalFailed, initial_head, scan,
                             END_TORN)

# Re-exported: the errors a caller of this module handles.
__all__ = ("format", "recover", "open_store", "Store", "CorruptionError", "NotFormatted",
           "FormatError", "DiskFull", "RecordTooLarge", "WalFailed", "LedgerError",
           "CheckpointTooLarge")

CLEAR_CHUNK = 256 * 1024
READ_PIECE = 256 * 1024
WRITE_PIECE = 64 * 1024  # a checkpoint is written through a buffer of this size
_id_counter = [0]


class CheckpointTooLarge(LedgerError):
    """A snapshot larger than a checkpoint area."""


def segment_size(cfg):
    return cfg["transaction"]["wal_segment_size"]


async def _default_log_id(dev):
    """16 bytes that differ from the disk's previous log id. The kernel should pass entropy
    (kernel/entropy.py); without it: os.urandom on the host, else a hash of what the superblock
    slots held, the capacity and a counter."""
    try:
        import os
        return os.urandom(16)
    except (ImportError, AttributeError, NotImplementedError):
        pass
    _id_counter[0] += 1
    h = hashlib.sha256(("qenex log id %d %d" % (dev.capacity, _id_counter[0])).encode())
    for lba in copy_lbas(dev.capacity):
        try:
            h.update(await dev.read(lba, 1))
        except OSError:
            pass
    return h.digest()[:16]


async def format(dev, cfg, log_id=None, wal_segments=None, checkpoint_blocks=None,
                 max_group_span=None):
    """Lay out a fresh ledger on `dev` (everything on it is lost) and return its Superblock.
    The old superblock copies are erased first, so a power cut during format leaves either the
    old ledger, a blank disk, or the new one - never a mix."""
    if getattr(dev, "read_only", False):
        raise FormatError("the disk is read-only")
    if log_id is None:
        log_id = await _default_log_id(dev)
    sb = layout(dev.capacity, segment_size(cfg), log_id, wal_segments=wal_segments,
                checkpoint_blocks=checkpoint_blocks, max_group_span=max_group_span)
    zero = bytes(BLOCK)
    for lba in copy_lbas(dev.capacity):
        await dev.write(lba, zero)
    await dev.write(sb.wal_lba, zero)      # the (empty) log ends in zeros, not old bytes
    await dev.flush()
    await write_superblock(dev, sb)
    return sb


async def read_checkpoint(dev, sb, pieces=False):
    """The snapshot the superblock points at (checksum verified), or None if there is none;
    with `pieces`, as a list of bytes of at most READ_PIECE each (no one large allocation)."""
    if sb.ckpt_area == NO_AREA:
        return None
    n = sb.ckpt_len
    lba = sb.ckpt_lba[sb.ckpt_area]
    blocks = (n + BLOCK - 1) // BLOCK
    # In pieces: a driver may copy each chunk of one big read into place with a slice store,
    # which MicroPython makes cost the whole rest of the buffer.
    parts = []
    h = hashlib.sha256()
    done = 0
    while done < blocks:
        k = blocks - done
        if k > READ_PIECE // BLOCK:
            k = READ_PIECE // BLOCK
        part = await dev.read(lba + done, k)
        if (done + k) * BLOCK > n:
            part = part[:n - done * BLOCK]
        h.update(part)
        parts.append(part)
        done += k
    if h.digest() != sb.ckpt_hash:
        raise CorruptionError("checkpoint area %d (LBA %d, %d bytes, sequence %d) fails its "
                              "SHA-256" % (sb.ckpt_area, sb.ckpt_lba[sb.ckpt_area], n,
                                           sb.ckpt_seq), area="checkpoint", seq=sb.ckpt_seq)
    return parts if pieces else b"".join(parts)


async def recover(dev, cfg, on_record=None, pieces=False):
    """Read the ledger back: (snapshot bytes or None, [payloads after it, in order], report).
    With `pieces`, the snapshot is a list of bytes (read_checkpoint).

    Newest valid superblock copy, its checkpoint (SHA-256 checked), then the WAL from the
    checkpoint's position. A torn or missing tail (the unfinished last group write) is cut at
    the last valid record and reported; damage inside the committed log raises CorruptionError
    naming segment, offset and sequence. Raises NotFormatted for a blank disk. Writes nothing.
    With `on_record`, records go to on_record(seq, payload) instead of the returned list."""
    sb, copies = await read_superblock(dev)
    report = {"superblock": sb, "generation": sb.generation, "copies": copies,
              "copies_current": copies_current(sb, copies), "warnings": [],
              "checkpoint": None, "torn": None}
    want = segment_size(cfg)
    if want != sb.seg_size:
        report["warnings"].append("system.toml asks for WAL segments of %d bytes, the disk was "
                                  "formatted with %d (kept)" % (want, sb.seg_size))
    snapshot = await read_checkpoint(dev, sb, pieces)
    if snapshot is not None:
        report["checkpoint"] = {"area": sb.ckpt_area, "seq": sb.ckpt_seq, "pos": sb.ckpt_pos,
                                "length": sb.ckpt_len}
    payloads = []
    seqs = [0, 0]

    def collect(seq, payload):
        if not seqs[0]:
            seqs[0] = seq
        seqs[1] = seq
        if on_record is not None:
            on_record(seq, payload)
        else:
            payloads.append(payload)

    res = await scan(dev, sb, initial_head(sb), collect)
    report["records"] = res["records"]
    report["first_seq"] = seqs[0]
    report["last_seq"] = seqs[1]
    report["head"] = res["head"]
    report["end"] = res["end"]
    report["bytes_read"] = res["bytes_read"]
    if res["end"] == END_TORN:
        pos = res["cut"]
        seg, off = sb.segment(pos)
        report["torn"] = {"segment": seg, "offset": off, "pos": pos, "seq": res["head"][1] + 1,
                          "reason": res["reason"], "dropped": res["dropped"]}
    return snapshot, payloads, report


async def open_store(dev, cfg, sched, on_commit=None, format_if_blank=False, log_id=None,
                     on_record=None, max_queue=None, max_queue_bytes=None, pieces=False):
    """recover(), then make the disk ready for appends: rewrite the superblock copies if they
    differ, zero the log right after the recovered head (remains of a torn write there must not
    be read as records later) and start a Store. Returns (store, snapshot, payloads, report).
    A blank disk raises NotFormatted unless `format_if_blank`. `pieces`: as recover()."""
    try:
        snapshot, payloads, report = await recover(dev, cfg, on_record, pieces)
        report["formatted"] = False
    except NotFormatted:
        if not format_if_blank:
            raise
        await format(dev, cfg, log_id=log_id)
        snapshot, payloads, report = await recover(dev, cfg, on_record, pieces)
        report["formatted"] = True
    sb = report["superblock"]
    report["repaired"] = False
    if not report["copies_current"]:
        await write_superblock(dev, sb)
        report["repaired"] = True
    head = report["head"]
    report["cleared"] = await clear_after(dev, sb, head[0])
    store = Store(dev, sb, head, sched, on_commit, max_queue, max_queue_bytes)
    return store, snapshot, payloads, report


async def clear_after(dev, sb, pos):
    """Zero the log from `pos` over one group span plus one record (never past the limit), then
    flush. Returns the bytes cleared."""
    end = pos + sb.max_group_span + sb.max_record
    limit = sb.limit()
    if end > limit:
        end = limit
    zero = bytes(CLEAR_CHUNK)
    ring = sb.ring()
    p = pos
    while p < end:
        n = end - p
        if n > CLEAR_CHUNK:
            n = CLEAR_CHUNK
        to_ring_end = ring - p % ring
        if n > to_ring_end:
            n = to_ring_end
        await dev.write(sb.lba(p), zero if n == CLEAR_CHUNK else zero[:n])
        p += n
    await dev.flush()
    return end - pos if end > pos else 0


class Store:
    """The ledger's log and checkpoints on one disk."""

    def __init__(self, dev, sb, head, sched, on_commit=None, max_queue=None,
                 max_queue_bytes=None):
        self.dev = dev
        self.sb = sb
        kw = {}
        if max_queue is not None:
            kw["max_queue"] = max_queue
        if max_queue_bytes is not None:
            kw["max_queue_bytes"] = max_queue_bytes
        self.wal = Wal(dev, sb, head, sched, on_commit, **kw)
        self.busy = False
        self.failed = None
        self.checkpoints = 0

    async def append(self, payload):
        """Durably log `payload`; returns its sequence number (see Wal.append)."""
        return await self.wal.append(payload)

    async def checkpoint(self, snapshot, seq=None):
        """Store `snapshot` (bytes, or a list of bytes pieces that concatenate to it: the state
        after every record up to sequence `seq`; default:
        the last durable record now) in the checkpoint area not in use, flush, then point the
        superblock at it. WAL segments before the record after `seq` are free for reuse
        afterwards. Returns {"area", "seq", "pos", "generation"}."""
        if self.busy:
            raise LedgerError("a checkpoint is already being written")
        if self.failed is not None:
            raise WalFailed("the store failed earlier: %s" % self.failed)
        sb = self.sb
        wal = self.wal
        if seq is None or seq == wal.seq:
            head = (wal.pos, wal.seq, wal.chain)   # taken before any await
        elif sb.ckpt_seq <= seq < wal.seq:
            head = None
        else:
            raise ValueError("checkpoint at sequence %d: durable records are %d..%d"
                             % (seq, sb.ckpt_seq, wal.seq))
        if type(snapshot) is not list:
            snapshot = [snapshot]
        n = 0
        for x in snapshot:
            n += len(x)
        if n > sb.ckpt_blocks * BLOCK:
            raise CheckpointTooLarge("snapshot of %d bytes, checkpoint areas hold %d"
                                     % (n, sb.ckpt_blocks * BLOCK))
        self.busy = True
        try:
            if head is None:
                res = await scan(self.dev, sb, initial_head(sb), None, stop_seq=seq)
                head = res["head"]
                if head[1] != seq:
                    raise CorruptionError("record %d not found in the log after the checkpoint"
                                          % seq, seq=seq)
            area = 1 if sb.ckpt_area == 0 else 0
            h = hashlib.sha256()
            for x in snapshot:
                h.update(x)
            digest = h.digest()
            await _write_pieces(self.dev, sb.ckpt_lba[area], snapshot)
            await self.dev.flush()
            new = sb.copy()
            new.generation = sb.generation + 1
            new.ckpt_area = area
            new.ckpt_len = n
            new.ckpt_hash = digest
            new.ckpt_pos, new.ckpt_seq, new.ckpt_chain = head
            try:
                await write_superblock(self.dev, new)
            except Exception as e:
                # Some copies may be new, some old: only a restart (recovery) sorts that out.
                self.failed = "superblock write: %s: %s" % (type(e).__name__, e)
                wal.failed = self.failed
                raise
            self.sb = new
            wal.sb = new
            wal.set_limit(new.limit())
            self.checkpoints += 1
            return {"area": area, "seq": head[1], "pos": head[0], "generation": new.generation}
        finally:
            self.busy = False

    def usage(self):
        """Log bytes: ring size, in use (not yet covered by a checkpoint's segment), free."""
        ring = self.sb.ring()
        used = self.wal.used()
        return {"ring": ring, "used": used, "free": ring - used}

    def stats(self):
        s = self.wal.stats()
        s["checkpoints"] = self.checkpoints
        s["generation"] = self.sb.generation
        s["checkpoint_seq"] = self.sb.ckpt_seq
        s["copies"] = COPIES
        return s


async def _write_pieces(dev, lba, pieces):
    """Write the concatenation of `pieces` from block `lba`, the last block zero-padded,
    through one staging buffer of WRITE_PIECE bytes (pieces need not be whole blocks)."""
    stage = bytearray(WRITE_PIECE)
    used = 0
    for x in pieces:
        view = memoryview(x)
        off = 0
        while off < len(x):
            k = len(x) - off
            if k > WRITE_PIECE - used:
                k = WRITE_PIECE - used
            stage[used:used + k] = view[off:off + k]
            used += k
            off += k
            if used == WRITE_PIECE:
                await dev.write(lba, stage)
                lba += WRITE_PIECE // BLOCK
                used = 0
    if used:
        full = (used + BLOCK - 1) // BLOCK * BLOCK
        for i in range(used, full):
            stage[i] = 0
        await dev.write(lba, memoryview(stage)[0:full])
