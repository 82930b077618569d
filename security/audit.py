"""The audit trail: an append-only Merkle tree log (RFC 9162 hashing, security/merkle.py) of
every state-changing request, authentication failure, admin action and system event
(security/AUDIT.md).

A journal of the ledger's log (transaction/journals.py, tag ``QXA1``): an entry is logged as
``QXA1`` + canonical JSON without its place; applying it (when durable, and again at replay)
gives it ``index`` and ``prev`` (the previous leaf's hash), and its leaf is the canonical JSON
of the whole entry (security/canon.py). So the log is its own order: a verifier recomputes
each leaf hash from the entries alone. The entries are kept in memory (bounded by
``[security] audit_capacity``) and in every checkpoint. Portable.
"""
import json

from security import canon, merkle

TAG = b"QXA1"
MAX_ENTRY = 2048           # bytes of one entry's JSON
PAGE = 1000                # entries one GET returns at most
KINDS = ("request", "auth_failure", "console", "system")
# Heap one entry may take at most in memory: its leaf (~250-400 bytes of JSON) in a bytes
# object, the list slot and the two tree hashes (merkle.py).
ENTRY_BYTES = 512


class Full(Exception):
    """The audit trail holds its capacity: nothing more may be done that needs an entry."""


class AuditError(Exception):
    """A record that cannot be an entry (a damaged log: the ledger goes down)."""


class AuditLog:
    tag = TAG

    def __init__(self, capacity):
        assert capacity > 0
        self.capacity = capacity
        self.leaves = []           # canonical JSON bytes of each entry, index order
        self.tree = merkle.Tree(capacity)
        self.reserved = 0          # entries admitted (reserve) but not yet applied

    # ---- entries -------------------------------------------------------------------------

    @staticmethod
    def record(entry):
        """The log record of ``entry`` (a dict: kind, ts, and what happened)."""
        assert entry.get("kind") in KINDS
        data = TAG + canon.dumps(entry).encode()
        if len(data) > MAX_ENTRY:
            raise ValueError("audit entry of %d bytes (at most %d)" % (len(data), MAX_ENTRY))
        return data

    def size(self):
        return len(self.leaves)

    def room(self):
        return self.capacity - len(self.leaves) - self.reserved

    def reserve(self):
        """Take room for one entry before its request runs; Full if there is none."""
        if self.room() <= 0:
            raise Full("the audit trail holds its capacity of %d entries ([security] "
                       "audit_capacity)" % self.capacity)
        self.reserved += 1

    def release(self):
        assert self.reserved > 0
        self.reserved -= 1

    def apply(self, seq, payload):
        n = len(self.leaves)
        if n >= self.capacity:
            raise AuditError("audit entry %d beyond the capacity %d" % (n, self.capacity))
        prev = self.tree.leaf(n - 1).hex() if n else ""
        leaf = place(bytes(payload[4:]), n, prev)
        self.tree.append(merkle.leaf_hash(leaf))
        self.leaves.append(leaf)

    def entry(self, i):
        return json.loads(self.leaves[i].decode())

    # ---- checkpoints ---------------------------------------------------------------------

    def snapshot_pieces(self):
        out = []
        part = []
        size = 0
        for leaf in self.leaves:
            part.append(len(leaf).to_bytes(4, "little"))
            part.append(leaf)
            size += 4 + len(leaf)
            if size >= 65536:
                out.append(b"".join(part))
                part = []
                size = 0
        if part:
            out.append(b"".join(part))
        return out

    def restore(self, pieces):
        from transaction import journals
        self.leaves = []
        self.tree = merkle.Tree(self.capacity)
        r = journals.Reader(pieces)
        while r.left():
            n = int.from_bytes(r.take(4), "little")
            if n > MAX_ENTRY or n > r.left():
                raise AuditError("audit section: bad entry length %d" % n)
            if len(self.leaves) >= self.capacity:
                raise AuditError("the checkpoint holds more audit entries than the capacity "
                                 "%d ([security] audit_capacity)" % self.capacity)
            leaf = r.take(n)
            self.tree.append(merkle.leaf_hash(leaf))
            self.leaves.append(leaf)

    # ---- checks --------------------------------------------------------------------------

    def verify(self):
        """Problems of the trail: each entry's leaf is canonical and in its place (index, prev
        chain), and the tree's root equals one recomputed from the entries alone."""
        problems = []
        fresh = merkle.Tree(max(len(self.leaves), 1))
        prev = ""
        for i in range(len(self.leaves)):
            leaf = self.leaves[i]
            try:
                d = json.loads(leaf.decode())
            except ValueError:
                problems.append("entry %d is not JSON" % i)
                d = {}
            if canon.dumps(d).encode() != leaf:
                problems.append("entry %d is not canonical" % i)
            if d.get("index") != i:
                problems.append("entry %d says index %r" % (i, d.get("index")))
            if d.get("prev") != prev:
                problems.append("entry %d: prev does not chain to entry %d" % (i, i - 1))
            h = merkle.leaf_hash(leaf)
            fresh.append(h)
            prev = h.hex()
            if len(problems) >= 20:
                problems.append("(stopped after 20 problems)")
                break
        n = len(self.leaves)
        if not problems and fresh.root(n) != self.tree.root(n):
            problems.append("the tree's root differs from the root of the entries")
        return problems


def _keys(text):
    """[(position of the ',' or '{' before a key, key)] of a flat canonical JSON object: in
    it '{"' and ',"' stand only before keys (a '"' inside a string is escaped)."""
    out = []
    i = 0
    while True:
        j = text.find('"', i)
        if j < 0:
            return out
        k = text.find('":', j + 1)
        if k < 0 or text[j - 1] not in "{,":
            raise AuditError("audit record is not a flat canonical object")
        out.append((j - 1, text[j + 1:k]))
        # The value: a string (skip to its closing quote past escapes), or a scalar.
        v = k + 2
        if text[v] == '"':
            e = v + 1
            while True:
                e = text.find('"', e)
                if e < 0:
                    raise AuditError("audit record: unterminated string")
                b = e - 1
                while text[b] == "\\":
                    b -= 1
                if (e - 1 - b) % 2 == 0:
                    break
                e += 1
            i = e + 1
        else:
            c = text.find(",", v)
            i = c if c >= 0 else len(text) - 1
        if text[i] == "}":
            return out


def place(record, index, prev):
    """The leaf of an entry logged as canonical JSON ``record`` (bytes, without ``index`` and
    ``prev``): its members and ``"index":N``, ``"prev":"HEX"`` in sorted order. Equal to
    canon.dumps of the entry with them (tests check), at a fraction of the cost of decoding
    and encoding it again in the kernel."""
    text = record.decode()
    if len(text) < 2 or text[0] != "{" or text[-1] != "}":
        raise AuditError("audit record is not a JSON object")
    keys = _keys(text) if len(text) > 2 else []
    members = []
    for i in range(len(keys)):
        pos, k = keys[i]
        if k == "index" or k == "prev":
            raise AuditError("audit record already has %s" % k)
        end = keys[i + 1][0] if i + 1 < len(keys) else len(text) - 1
        members.append((k, text[pos + 1:end]))
    members.append(("index", '"index":%d' % index))
    members.append(("prev", '"prev":"%s"' % prev))
    members.sort()
    return ("{" + ",".join([m[1] for m in members]) + "}").encode()


def page(log, start, count):
    """Entries start..start+count-1 for GET /api/v1/audit/entries."""
    import binascii
    out = []
    end = min(start + min(count, PAGE), log.size())
    for i in range(start, end):
        leaf = log.leaves[i]
        out.append({"index": i, "leaf": binascii.b2a_base64(leaf).decode().strip(),
                    "entry": json.loads(leaf.decode())})
    return out
