"""The audit trail's append-only Merkle tree, hashed as RFC 9162 (Certificate Transparency v2)
says, with its inclusion and consistency proofs and their verifiers (security/AUDIT.md).

Portable: the same file runs on CPython (tests, host) and on MicroPython in the kernel.

    t = Tree(capacity)
    t.append(leaf_hash(entry_bytes))
    proof = t.inclusion_proof(i, n)
    verify_inclusion(t.leaf(i), i, n, proof, t.root(n))

Storage: the hash of every complete, aligned 2^k block of leaves is kept (level k, index j is
MTH(D[j*2^k : (j+1)*2^k])), in one bytearray per level preallocated for `capacity` leaves
(about 64 bytes a leaf in all). A root or a proof then takes O(log n) stored hashes and hashes
again only the right edge of an incomplete tree.
"""
import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()   # MTH({}) (RFC 9162 2.1.1)
MAX_CAPACITY = 1 << 24   # 16 Mi leaves, 1 GiB of levels: far above any heap the kernel has
PIECE_MAX = 64 << 10     # the largest piece snapshot_pieces() gives
# The two formats' versions are in their magic too (CHANGELOG.md's table of formats).
SNAPSHOT_VERSION = 1
SNAPSHOT_MAGIC = b"QENEX-MERKLE-v1\x00"
_HEADER_SIZE = len(SNAPSHOT_MAGIC) + 8 + HASH_SIZE   # magic, size, SHA-256 of the level bytes
STH_VERSION = 1
STH_PREFIX = b"QENEX-STH-v1\x00"


class Full(Exception):
    """The tree holds `capacity` leaves already."""


def leaf_hash(entry):
    """RFC 9162 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    h = hashlib.sha256(b"\x01")
    h.update(left)
    h.update(right)
    return h.digest()


def sth_signed_bytes(tree_size, timestamp, root_hash):
    """The bytes a signed tree head's signature covers: the prefix, tree_size and timestamp
    (ns since 1970) as 8 bytes big-endian each, then the 32-byte root. One definition, used
    by the kernel's signer (tools/audit.py has its own copy: it must not trust ours)."""
    if not 0 <= tree_size < (1 << 64) or not 0 <= timestamp < (1 << 64):
        raise ValueError("tree_size and timestamp must fit 8 bytes unsigned")
    if len(root_hash) != HASH_SIZE:
        raise ValueError("root_hash must be 32 bytes, not %d" % len(root_hash))
    return STH_PREFIX + tree_size.to_bytes(8, "big") + timestamp.to_bytes(8, "big") + \
        bytes(root_hash)


def _split(n):
    """The largest power of two smaller than n (n >= 2): RFC 9162's k."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def _put(view, off, data):
    """view[off:off+len(data)] = data in O(len(data)). MicroPython's slice assignment to a
    bytearray or memoryview memmoves everything after the slice even when the length does not
    change (O(size) per store, seconds for a big level); slicing first makes that tail empty."""
    view[off:off + len(data)][:] = data


def _is_hash(h):
    return isinstance(h, (bytes, bytearray)) and len(h) == HASH_SIZE


class Tree:
    def __init__(self, capacity):
        if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
            raise ValueError("capacity must be 1..%d leaves, not %r" % (MAX_CAPACITY, capacity))
        self.capacity = capacity
        self.size = 0
        # levels[k] has room for capacity >> k hashes: every complete 2^k block there can be.
        self.levels = []
        c = capacity
        while c:
            self.levels.append(bytearray(c * HASH_SIZE))
            c >>= 1
        self._views = [memoryview(lv) for lv in self.levels]

    # --- building ---------------------------------------------------------------------------

    def append(self, lh):
        """Add one leaf hash (leaf_hash(entry)); returns its index. O(1) hashes amortised."""
        if not _is_hash(lh):
            raise ValueError("a leaf hash is 32 bytes")
        if self.size >= self.capacity:
            raise Full("audit tree full: capacity %d leaves" % self.capacity)
        self._add(lh)
        return self.size - 1

    def _add(self, lh):
        i = self.size
        _put(self._views[0], i * HASH_SIZE, lh)
        k = 0
        while i & 1:   # i closes a block at level k: its pair's parent is now complete
            i >>= 1
            self._combine(k, i)
            k += 1
        self.size += 1

    def _combine(self, k, j):
        # level k+1, index j from its children 2j and 2j+1, which lie side by side at level k.
        o = j * 2 * HASH_SIZE
        h = hashlib.sha256(b"\x01")
        h.update(self._views[k][o:o + 2 * HASH_SIZE])
        _put(self._views[k + 1], j * HASH_SIZE, h.digest())

    def extend(self, leaf_hashes):
        """Append many leaf hashes given as one bytes of 32-byte hashes (a restore after a
        reboot). Leaf by leaf as append does: in the kernel a loop of level-by-level hashes
        alone measured quadratic (MicroPython's allocator: 8,000 hashes took 8.9 s without a
        collection), the same hashes interleaved with the leaves' stores linear (0.6 s for
        16,000 leaves)."""
        if len(leaf_hashes) % HASH_SIZE:
            raise ValueError("leaf hashes come in 32-byte pieces, got %d bytes"
                             % len(leaf_hashes))
        count = len(leaf_hashes) // HASH_SIZE
        if self.size + count > self.capacity:
            raise Full("audit tree full: %d + %d leaves > capacity %d"
                       % (self.size, count, self.capacity))
        for o in range(0, count * HASH_SIZE, HASH_SIZE):
            self._add(leaf_hashes[o:o + HASH_SIZE])

    @classmethod
    def restore(cls, leaf_hashes, capacity):
        """A tree of `capacity` holding the concatenated 32-byte `leaf_hashes`."""
        t = cls(capacity)
        t.extend(leaf_hashes)
        return t

    # --- reading ----------------------------------------------------------------------------

    def leaf(self, i):
        """The leaf hash at index i."""
        if not 0 <= i < self.size:
            raise ValueError("leaf index %d outside the tree of %d" % (i, self.size))
        return bytes(self._views[0][i * HASH_SIZE:(i + 1) * HASH_SIZE])

    def _block(self, k, j):
        # The stored MTH of the complete block j of 2^k leaves.
        return bytes(self._views[k][j * HASH_SIZE:(j + 1) * HASH_SIZE])

    def _mth(self, lo, hi):
        """MTH(D[lo:hi]) where lo is a multiple of the power of two at or above hi - lo, as
        every subtree of RFC 9162's recursion is: it splits into the complete blocks of the
        binary digits of hi - lo, largest first, each aligned and stored; they fold from the
        right. popcount(hi - lo) - 1 hashes."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        r = None
        k = 0
        end = hi
        while n:
            if n & 1:
                start = end - (1 << k)
                b = self._block(k, start >> k)
                r = b if r is None else node_hash(b, r)
                end = start
            n >>= 1
            k += 1
        return r

    def _check_size(self, n):
        if n is None:
            return self.size
        if not 0 <= n <= self.size:
            raise ValueError("tree size %d outside 0..%d" % (n, self.size))
        return n

    def root(self, n=None):
        """MTH(D[0:n]) of the first n leaves (the whole tree by default)."""
        return self._mth(0, self._check_size(n))

    def inclusion_proof(self, index, n=None):
        """PATH(index, D[0:n]) (RFC 9162 2.1.3.1), leaf's sibling first."""
        n = self._check_size(n)
        if not 0 <= index < n:
            raise ValueError("leaf index %d outside the tree of %d" % (index, n))
        path = []   # siblings from the top down; RFC order is bottom up
        lo, hi = 0, n
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._mth(lo, lo + k))
                lo += k
        path.reverse()
        return path

    def consistency_proof(self, m, n=None):
        """PROOF(m, D[0:n]) (RFC 9162 2.1.4.1) for 0 < m < n; [] when m is 0 or n (the empty
        tree and a tree itself need no proof: verify_consistency checks those alone)."""
        n = self._check_size(n)
        if not 0 <= m <= n:
            raise ValueError("consistency from %d to %d: need 0 <= first <= second" % (m, n))
        if m == 0 or m == n:
            return []
        proof = []
        lo, hi = 0, n
        complete = True   # SUBPROOF's b: D[lo:m] is still the whole old tree
        while m != hi:
            k = _split(hi - lo)
            if m <= lo + k:
                proof.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._mth(lo, lo + k))
                lo += k
                complete = False
        if not complete:
            proof.append(self._mth(lo, hi))
        proof.reverse()
        return proof

    # --- snapshot ---------------------------------------------------------------------------

    def _level_spans(self, size):
        # (level, byte length in use) for a tree of `size` leaves, in snapshot order.
        k = 0
        while k < len(self.levels):
            yield k, (size >> k) * HASH_SIZE
            k += 1

    def snapshot_pieces(self):
        """The stored levels as bytes pieces of at most PIECE_MAX: a header (magic, size,
        SHA-256 of the level bytes) then the used part of level 0, 1, ... in order."""
        digest = hashlib.sha256()
        body = []
        for k, used in self._level_spans(self.size):
            o = 0
            while o < used:
                chunk = bytes(self._views[k][o:min(used, o + PIECE_MAX)])
                digest.update(chunk)
                body.append(chunk)
                o += len(chunk)
        header = SNAPSHOT_MAGIC + self.size.to_bytes(8, "big") + digest.digest()
        return [header] + body

    @classmethod
    def from_pieces(cls, pieces, capacity, recompute=False):
        """The tree snapshot_pieces() gave, in a new tree of `capacity`. Checks the format, the
        lengths and the digest; `recompute` also rehashes every stored node from the leaves
        (slow: the digest already catches a damaged snapshot, and the caller compares root()
        with the signed tree head)."""
        if not pieces or len(pieces[0]) != _HEADER_SIZE or \
                bytes(pieces[0][:len(SNAPSHOT_MAGIC)]) != SNAPSHOT_MAGIC:
            raise ValueError("not an audit tree snapshot (bad header)")
        m = len(SNAPSHOT_MAGIC)
        size = int.from_bytes(bytes(pieces[0][m:m + 8]), "big")
        want = bytes(pieces[0][m + 8:])
        t = cls(capacity)
        if size > capacity:
            raise Full("snapshot of %d leaves > capacity %d" % (size, capacity))
        spans = list(t._level_spans(size))
        total = 0
        for _, used in spans:
            total += used
        got = 0
        for p in pieces[1:]:
            if len(p) > PIECE_MAX:
                raise ValueError("snapshot piece of %d bytes > %d" % (len(p), PIECE_MAX))
            got += len(p)
        if got != total:
            raise ValueError("snapshot holds %d level bytes, a tree of %d needs %d"
                             % (got, size, total))
        digest = hashlib.sha256()
        si, so = 0, 0   # the span (level) being filled and the offset in it
        for p in pieces[1:]:
            digest.update(p)
            po = 0
            while po < len(p):
                while so == spans[si][1]:
                    si += 1
                    so = 0
                n = min(len(p) - po, spans[si][1] - so)
                _put(t._views[spans[si][0]], so, p[po:po + n])
                so += n
                po += n
        if digest.digest() != want:
            raise ValueError("snapshot digest mismatch: the snapshot is damaged")
        t.size = size
        if recompute:
            check = cls.restore(bytes(t._views[0][:size * HASH_SIZE]), capacity)
            for k, used in spans:
                if bytes(t._views[k][:used]) != bytes(check._views[k][:used]):
                    raise ValueError("snapshot level %d does not match its leaves" % k)
        return t


# --- verifiers (RFC 9162 2.1.3.2 and 2.1.4.2, step for step) --------------------------------

def verify_inclusion(lh, index, n, proof, root):
    """True when `proof` shows the leaf hash `lh` at `index` in the tree of size n whose root
    is `root`. Never raises on hostile input: anything malformed is False."""
    if not _is_hash(lh) or not _is_hash(root) or not isinstance(proof, (list, tuple)):
        return False
    if not (isinstance(index, int) and isinstance(n, int)) or not 0 <= index < n:
        return False
    fn, sn = index, n - 1
    r = bytes(lh)
    for p in proof:
        if not _is_hash(p) or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == bytes(root)


def verify_consistency(m, n, root_m, root_n, proof):
    """True when `proof` shows the tree of size m with root `root_m` is a prefix of the tree of
    size n with root `root_n`. m == n needs an empty proof and equal roots; m == 0 an empty
    proof and root_m the empty tree's root. Never raises on hostile input."""
    if not _is_hash(root_m) or not _is_hash(root_n) or not isinstance(proof, (list, tuple)):
        return False
    if not (isinstance(m, int) and isinstance(n, int)) or not 0 <= m <= n:
        return False
    for p in proof:
        if not _is_hash(p):
            return False
    if m == 0:
        return not proof and bytes(root_m) == EMPTY_ROOT
    if m == n:
        return not proof and bytes(root_m) == bytes(root_n)
    if not proof:                                   # 1
        return False
    path = list(proof)
    if m & (m - 1) == 0:                            # 2: m is a power of two
        path.insert(0, bytes(root_m))
    fn, sn = m - 1, n - 1                           # 3
    while fn & 1:                                   # 4
        fn >>= 1
        sn >>= 1
    fr = sr = bytes(path[0])                        # 5
    for c in path[1:]:                              # 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == bytes(root_m) and sr == bytes(root_n) and sn == 0   # 7
