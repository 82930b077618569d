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

    @staticmethod
    def request_record(actor, role, via, method, route, path, body_sha256, status, code, ts):
        """record() of a "request" entry, written by a template: equal to it (tests check)
        at a fraction of the cost on the hot path (one per state-changing request)."""
        q = canon.string
        data = ('{"actor":%s,"body_sha256":"%s","code":%s,"kind":"request","method":%s,'
                '"path":%s,"role":%s,"route":%s,"status":%d,"ts":%d,"via":%s}' % (
                    q(actor), body_sha256, q(code), q(method), q(path), q(role), q(route),
                    status, ts, q(via))).encode()
        if len(data) + 4 > MAX_ENTRY:
            raise ValueError("audit entry of %d bytes (at most %d)" % (len(data), MAX_ENTRY))
        return TAG + data

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


def place(record, index, prev):
    """The leaf of an entry logged as canonical JSON ``record`` (bytes of a flat object,
    without ``index`` and ``prev``): its members and ``"index":N``, ``"prev":"HEX"`` in sorted
    order. Equal to canon.dumps of the entry with them (tests check), at a fraction of the
    cost of decoding and encoding it again in the kernel. In canonical JSON ',"' stands only
    between members (a '"' inside a string is escaped), so splitting there gives them."""
    text = record.decode()
    if len(text) < 2 or text[0] != "{" or text[-1] != "}":
        raise AuditError("audit record is not a JSON object")
    if text.find("[") >= 0 or text.find("{", 1) >= 0:
        # Not flat (a list or an object inside): ',"' may stand inside a value, so decode
        # and encode (rare: system events, not the requests of the hot path).
        d = json.loads(text)
        if "index" in d or "prev" in d:
            raise AuditError("audit record has no place for index/prev")
        d["index"] = index
        d["prev"] = prev
        return canon.dumps(d).encode()
    members = []
    if len(text) > 2:
        parts = text[1:-1].split(',"')
        if parts[0][:1] != '"':
            raise AuditError("audit record is not a canonical object")
        parts[0] = parts[0][1:]
        for m in parts:
            k = m[:m.find('":')]
            if k == "index" or k == "prev" or not k:
                raise AuditError("audit record has no place for %r" % k)
            members.append((k, m))
    members.append(("index", 'index":%d' % index))
    members.append(("prev", 'prev":"%s"' % prev))
    members.sort()
    return ('{"' + ',"'.join([m[1] for m in members]) + "}").encode()


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
