"""The ledger disk's superblock: where everything is, and the last checkpoint (format version 1,
transaction/FORMAT.md has the byte layout).

Four copies, one 512-byte block each: LBA 0 and 8 at the start of the disk, capacity-16 and
capacity-8 at its end (each in its own 4 KiB page). An update writes the copies one after the
other with a flush after each, so a power cut tears at most one copy and the others hold either
the previous or the new content; on boot the valid copy with the highest generation wins.

Portable: runs on CPython (host tests) and on the kernel's MicroPython. Only
`hashlib.sha256(...).digest()` and struct are used.
"""
import hashlib
import struct

BLOCK = 512
MAGIC = b"QXLEDGER"
VERSION = 1
COPIES = 4
HEAD_BLOCKS = 64          # reserved at the start: copies at LBA 0 and 8, the rest for later use
TAIL_BLOCKS = 16          # reserved at the end: copies at capacity-16 and capacity-8
NO_AREA = 0xFFFFFFFF      # ckpt_area when there is no checkpoint yet
HASHED = 480              # bytes 0..480 are covered by the SHA-256 at 480..512
CHAIN_SEED = b"QENEX WAL v1 chain seed"
LOG_ID_LEN = 16

MIN_SEGMENT = 4096        # the kernel's config asks for 64 KiB at least; tests use less
MAX_SEGMENT = 1 << 30
MAX_RECORD = 1 << 20      # header + payload of one WAL record, at most
MAX_GROUP_SPAN = 1 << 20  # log bytes one group commit may cover (a single record may exceed it)
MIN_SEGMENTS = 2
MAX_SEGMENTS = 1 << 20

# Byte offsets of the fixed-size fields (all little-endian).
_HEAD = "<IIQQ"           # 8: version, block size, generation, capacity
_GEOM = "<IIQQIIQQQQII"   # 48: copies, flags, wal_lba, seg_size, nseg, max_record,
#                               max_group_span, ckpt_lba0, ckpt_lba1, ckpt_blocks, ckpt_area, 0
_CKPT = "<QQQ"            # 168: ckpt_len, ckpt_seq, ckpt_pos


class LedgerError(Exception):
    """Base of the durability layer's errors."""


class NotFormatted(LedgerError):
    """No superblock copy carries the magic: a blank (or foreign) disk. format() it, if asked."""


class FormatError(LedgerError):
    """A request the on-disk format cannot meet (bad geometry, disk too small, ...)."""


class CorruptionError(LedgerError):
    """Committed data is damaged. Names the place: `area` ("wal", "checkpoint", "superblock")
    and for the WAL the segment, byte offset in it, logical position and sequence number."""

    def __init__(self, message, area="wal", segment=None, offset=None, pos=None, seq=None):
        super().__init__(message)
        self.message = message
        self.area = area
        self.segment = segment
        self.offset = offset
        self.pos = pos
        self.seq = seq


def initial_chain(log_id):
    """The hash-chain value before the first record of a log."""
    return hashlib.sha256(CHAIN_SEED + bytes(log_id)).digest()


class Superblock:
    """One superblock's content. The geometry never changes after format(); generation and the
    checkpoint fields change with every checkpoint."""

    def __init__(self):
        self.generation = 0
        self.capacity = 0          # disk blocks at format time
        self.log_id = bytes(LOG_ID_LEN)
        self.wal_lba = 0
        self.seg_size = 0          # bytes, multiple of 4096
        self.nseg = 0
        self.max_record = 0        # bytes (header + payload) of one record, at most
        self.max_group_span = 0    # bytes of log one group commit may cover
        self.ckpt_lba = (0, 0)
        self.ckpt_blocks = 0       # size of each of the two checkpoint areas
        self.ckpt_area = NO_AREA
        self.ckpt_len = 0
        self.ckpt_hash = bytes(32)
        self.ckpt_seq = 0          # last sequence number the checkpoint covers (0: none)
        self.ckpt_pos = 0          # log position of the first record after it
        self.ckpt_chain = bytes(32)  # chain value after record ckpt_seq

    # ---- derived geometry ----------------------------------------------------------------

    def ring(self):
        return self.seg_size * self.nseg

    def seg_start(self, pos):
        return pos - pos % self.seg_size

    def segment(self, pos):
        """(segment index, byte offset in it) of a logical log position."""
        return (pos // self.seg_size) % self.nseg, pos % self.seg_size

    def lba(self, pos):
        """First block of a logical log position (which must be block-aligned)."""
        assert pos % BLOCK == 0
        return self.wal_lba + (pos % self.ring()) // BLOCK

    def limit(self):
        """The log may be written below this position: the segment holding the checkpoint's
        position is the oldest one still needed, a whole ring later it would be overwritten."""
        return self.seg_start(self.ckpt_pos) + self.ring()

    def copy_lbas(self, capacity=None):
        cap = self.capacity if capacity is None else capacity
        return copy_lbas(cap)

    def copy(self):
        c = Superblock()
        for k in ("generation", "capacity", "log_id", "wal_lba", "seg_size", "nseg",
                  "max_record", "max_group_span", "ckpt_lba", "ckpt_blocks", "ckpt_area",
                  "ckpt_len", "ckpt_hash", "ckpt_seq", "ckpt_pos", "ckpt_chain"):
            setattr(c, k, getattr(self, k))
        return c

    # ---- encoding ------------------------------------------------------------------------

    def encode(self):
        b = bytearray(BLOCK)
        b[0:8] = MAGIC
        struct.pack_into(_HEAD, b, 8, VERSION, BLOCK, self.generation, self.capacity)
        b[32:48] = self.log_id
        struct.pack_into(_GEOM, b, 48, COPIES, 0, self.wal_lba, self.seg_size, self.nseg,
                         self.max_record, self.max_group_span, self.ckpt_lba[0],
                         self.ckpt_lba[1], self.ckpt_blocks, self.ckpt_area, 0)
        struct.pack_into(_CKPT, b, 120, self.ckpt_len, self.ckpt_seq, self.ckpt_pos)
        b[144:176] = self.ckpt_hash
        b[176:208] = self.ckpt_chain
        b[HASHED:BLOCK] = hashlib.sha256(memoryview(b)[0:HASHED]).digest()
        return bytes(b)

    def check(self, disk_capacity):
        """Why this geometry cannot be right on a disk of `disk_capacity` blocks (or None)."""
        if self.capacity > disk_capacity:
            return "made for %d blocks, the disk has %d" % (self.capacity, disk_capacity)
        if self.seg_size < MIN_SEGMENT or self.seg_size > MAX_SEGMENT or self.seg_size % 4096:
            return "segment size %d" % self.seg_size
        if self.nseg < MIN_SEGMENTS or self.nseg > MAX_SEGMENTS:
            return "%d segments" % self.nseg
        if not BLOCK * 2 <= self.max_record <= min(MAX_RECORD, self.seg_size):
            return "record size limit %d" % self.max_record
        if self.max_record % BLOCK or self.max_group_span < self.max_record:
            return "group span %d / record limit %d" % (self.max_group_span, self.max_record)
        lo = HEAD_BLOCKS
        hi = self.capacity - TAIL_BLOCKS
        regions = [(self.wal_lba, self.ring() // BLOCK), (self.ckpt_lba[0], self.ckpt_blocks),
                   (self.ckpt_lba[1], self.ckpt_blocks)]
        for start, n in regions:
            if start < lo or start + n > hi or n <= 0:
                return "region %d+%d outside %d..%d" % (start, n, lo, hi)
        regions.sort()
        for i in range(1, len(regions)):
            if regions[i - 1][0] + regions[i - 1][1] > regions[i][0]:
                return "regions overlap"
        if self.ckpt_area != NO_AREA:
            if self.ckpt_area > 1 or self.ckpt_len > self.ckpt_blocks * BLOCK:
                return "checkpoint area %d length %d" % (self.ckpt_area, self.ckpt_len)
        if self.ckpt_pos % BLOCK:
            return "checkpoint position %d" % self.ckpt_pos
        return None


def decode(block):
    """(Superblock, "ok") for a valid copy, else (None, why). why is "blank" when the block
    does not carry the magic (never written by us), anything else means a damaged copy."""
    if len(block) != BLOCK or block[0:8] != MAGIC:
        return None, "blank"
    mv = memoryview(block)
    if hashlib.sha256(mv[0:HASHED]).digest() != block[HASHED:BLOCK]:
        return None, "bad checksum"
    version, bsize, gen, cap = struct.unpack_from(_HEAD, block, 8)
    if version != VERSION:
        return None, "format version %d (this code reads %d)" % (version, VERSION)
    if bsize != BLOCK:
        return None, "block size %d" % bsize
    (copies, flags, wal_lba, seg_size, nseg, max_record, span, c0, c1, cblocks, carea,
     _) = struct.unpack_from(_GEOM, block, 48)
    if copies != COPIES or flags != 0:
        return None, "copies %d flags %d" % (copies, flags)
    sb = Superblock()
    sb.generation = gen
    sb.capacity = cap
    sb.log_id = bytes(block[32:48])
    sb.wal_lba = wal_lba
    sb.seg_size = seg_size
    sb.nseg = nseg
    sb.max_record = max_record
    sb.max_group_span = span
    sb.ckpt_lba = (c0, c1)
    sb.ckpt_blocks = cblocks
    sb.ckpt_area = carea
    sb.ckpt_len, sb.ckpt_seq, sb.ckpt_pos = struct.unpack_from(_CKPT, block, 120)
    sb.ckpt_hash = bytes(block[144:176])
    sb.ckpt_chain = bytes(block[176:208])
    return sb, "ok"


def copy_lbas(capacity):
    return [0, 8, capacity - TAIL_BLOCKS, capacity - TAIL_BLOCKS // 2]


def layout(capacity, seg_size, log_id, wal_segments=None, checkpoint_blocks=None,
           max_record=None, max_group_span=None):
    """The geometry of a fresh disk of `capacity` blocks: [superblocks | checkpoint area 0 |
    checkpoint area 1 | WAL segments | superblocks]. By default each checkpoint area gets a
    quarter of the space and the WAL as many whole segments as fit in the rest."""
    if seg_size < MIN_SEGMENT or seg_size > MAX_SEGMENT or seg_size % 4096:
        raise FormatError("WAL segment size %d: a multiple of 4096 in %d..%d"
                          % (seg_size, MIN_SEGMENT, MAX_SEGMENT))
    if len(log_id) != LOG_ID_LEN:
        raise FormatError("log id of %d bytes (want %d)" % (len(log_id), LOG_ID_LEN))
    usable = capacity - HEAD_BLOCKS - TAIL_BLOCKS
    seg_blocks = seg_size // BLOCK
    if checkpoint_blocks is None:
        checkpoint_blocks = (usable // 4) // 8 * 8
        if wal_segments is None and (usable - 2 * checkpoint_blocks) // seg_blocks < MIN_SEGMENTS:
            # A small disk for its segment size: the log's minimum first, the rest to the
            # checkpoint areas.
            checkpoint_blocks = max(0, (usable - MIN_SEGMENTS * seg_blocks) // 2) // 8 * 8
    else:
        checkpoint_blocks = (checkpoint_blocks + 7) // 8 * 8
    if wal_segments is None:
        wal_segments = min(MAX_SEGMENTS, (usable - 2 * checkpoint_blocks) // seg_blocks)
    need = 2 * checkpoint_blocks + wal_segments * seg_blocks
    if checkpoint_blocks < 8 or wal_segments < MIN_SEGMENTS or need > usable:
        raise FormatError("disk of %d blocks too small for %d WAL segments of %d bytes and two "
                          "checkpoint areas of %d blocks (need %d blocks, have %d)"
                          % (capacity, max(wal_segments, MIN_SEGMENTS), seg_size,
                             checkpoint_blocks, need + HEAD_BLOCKS + TAIL_BLOCKS, capacity))
    sb = Superblock()
    sb.generation = 1
    sb.capacity = capacity
    sb.log_id = bytes(log_id)
    sb.ckpt_lba = (HEAD_BLOCKS, HEAD_BLOCKS + checkpoint_blocks)
    sb.ckpt_blocks = checkpoint_blocks
    sb.wal_lba = HEAD_BLOCKS + 2 * checkpoint_blocks
    sb.seg_size = seg_size
    sb.nseg = wal_segments
    sb.max_record = min(MAX_RECORD, seg_size) if max_record is None else max_record
    sb.max_group_span = MAX_GROUP_SPAN if max_group_span is None else max_group_span
    if sb.max_group_span < sb.max_record:
        sb.max_group_span = sb.max_record
    sb.ckpt_area = NO_AREA
    sb.ckpt_chain = initial_chain(sb.log_id)
    why = sb.check(capacity)
    if why is not None:
        raise FormatError("bad layout: " + why)
    return sb


async def read_superblock(dev):
    """The newest valid copy and what was found in each slot: (sb or None, [status, ...]).
    Raises NotFormatted when no slot carries the magic, CorruptionError when some do but
    none is valid."""
    statuses = []
    best = None
    blank = True
    lbas = copy_lbas(dev.capacity)
    for i in range(COPIES):
        lba = lbas[i]
        if i == 2 and best is not None and best.capacity <= dev.capacity:
            # The end copies sit where the disk ended at format time.
            lbas = copy_lbas(best.capacity)
            lba = lbas[i]
        try:
            block = await dev.read(lba, 1)
        except OSError as e:
            statuses.append("read error: %s" % e)
            blank = False
            continue
        sb, why = decode(block)
        if sb is not None:
            why = sb.check(dev.capacity)
            if why is None:
                why = "ok"
            else:
                sb = None
                why = "bad geometry: " + why
        if why != "blank":
            blank = False
        if sb is None:
            statuses.append(why)
            continue
        statuses.append("ok generation %d" % sb.generation)
        if best is None or sb.generation > best.generation:
            best = sb
    if best is None:
        if blank:
            raise NotFormatted("no superblock on the disk (blank or foreign): format it first")
        raise CorruptionError("no valid superblock copy: " + "; ".join(statuses),
                              area="superblock")
    return best, statuses


async def write_superblock(dev, sb):
    """Write every copy, flushing after each, so at any moment at most one copy is torn."""
    block = sb.encode()
    for lba in sb.copy_lbas():
        await dev.write(lba, block)
        await dev.flush()


def copies_current(sb, statuses):
    """True when every copy is valid and of the generation of `sb`."""
    want = "ok generation %d" % sb.generation
    for s in statuses:
        if s != want:
            return False
    return len(statuses) == COPIES
