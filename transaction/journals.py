"""Other packages' state in the ledger's log and checkpoints (LEDGER.md, "Journals").

The ledger's store is the kernel's one durable log: the security package keeps its
principals, credentials and audit trail there too, so that a request's audit entry shares the
ledger's group commit and its checkpoints. A package registers a *journal* with the
LedgerService: its records are WAL payloads starting with the journal's 4-byte tag (the
ledger's own start with ``QXR1``), applied in log order by ``journal.apply(seq, payload)``
when they are durable and again at replay; its state goes into every checkpoint as a section
before the ledger's snapshot:

    QXJ1, count (u32), then per section: tag (4 bytes), length (u64); then each section's
    bytes in the same order; then the ledger's snapshot (engine.py, ``QXLG``...)

A checkpoint without the prefix (written before journals existed) restores every journal
empty. The whole checkpoint is covered by the superblock's SHA-256 (FORMAT.md). Portable.
"""
import struct

MAGIC = b"QXJ1"
MAX_JOURNALS = 8
PIECE = 65536               # the sections' bytes are cut into pieces no larger than this
_HEAD = "<4sI"
_ENTRY = "<4sQ"


class JournalError(Exception):
    """A checkpoint's journal sections are malformed."""


class Journal:
    """What a package registers (LedgerService.add_journal). ``tag``: 4 bytes that start every
    record of the journal. The methods are called by the ledger service:

    apply(seq, payload)   a durable record of this journal, in log order (also at replay);
                          must not fail for want of memory (reserve at attach)
    snapshot_pieces()     the journal's state now, a list of bytes (taken with no await)
    restore(pieces)       the state of a checkpoint (a list of bytes, [] when the checkpoint
                          has no section of this journal), before replay
    """
    tag = b"????"

    def apply(self, seq, payload):
        raise NotImplementedError

    def snapshot_pieces(self):
        return []

    def restore(self, pieces):
        pass


def pack(sections):
    """Pieces of the journal prefix for ``sections``: [(tag, [bytes, ...]), ...]."""
    assert len(sections) <= MAX_JOURNALS
    head = [struct.pack(_HEAD, MAGIC, len(sections))]
    body = []
    for tag, pieces in sections:
        assert len(tag) == 4
        n = 0
        for p in pieces:
            n += len(p)
            body.append(p)
        head.append(struct.pack(_ENTRY, tag, n))
    return [b"".join(head)] + body


class Reader:
    """Reads across the boundaries of a list of bytes pieces."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.i = 0        # piece
        self.off = 0      # offset in it
        self.size = 0
        for p in pieces:
            self.size += len(p)
        self.pos = 0

    def left(self):
        return self.size - self.pos

    def take(self, n, out=None):
        """n bytes: one bytes object, or appended to ``out`` as pieces (no large copy)."""
        parts = [] if out is None else out
        while n > 0:
            if self.i >= len(self.pieces):
                raise JournalError("a journal section ends early")
            p = self.pieces[self.i]
            k = len(p) - self.off
            if k > n:
                k = n
            if k > 0:
                parts.append(p[self.off:self.off + k] if k < len(p) else p)
            self.off += k
            self.pos += k
            n -= k
            if self.off >= len(p):
                self.i += 1
                self.off = 0
        if out is None:
            return b"".join(parts)
        return out

    def rest(self):
        if self.i >= len(self.pieces):
            return []
        first = self.pieces[self.i]
        out = [first[self.off:] if self.off else first]
        out.extend(self.pieces[self.i + 1:])
        return out


def split(pieces):
    """({tag: [bytes, ...]}, the ledger's snapshot pieces) of a checkpoint read as pieces."""
    if not pieces or bytes(pieces[0][:4]) != MAGIC:
        return {}, pieces
    r = Reader(pieces)
    try:
        _, count = struct.unpack(_HEAD, r.take(struct.calcsize(_HEAD)))
        if count > MAX_JOURNALS:
            raise JournalError("checkpoint has %d journal sections, at most %d"
                               % (count, MAX_JOURNALS))
        entries = []
        for _ in range(count):
            entries.append(struct.unpack(_ENTRY, r.take(struct.calcsize(_ENTRY))))
        out = {}
        for tag, n in entries:
            if tag in out:
                raise JournalError("journal %r twice in the checkpoint" % tag)
            out[tag] = r.take(n, [])
        return out, r.rest()
    except struct.error as e:
        raise JournalError("malformed journal sections: %s" % e)


def cut(data, piece=PIECE):
    """``data`` (bytes-like) as a list of bytes pieces of at most ``piece`` bytes."""
    out = []
    for i in range(0, len(data), piece):
        out.append(bytes(data[i:i + piece]))
    return out
