"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing and proof verification for the host's
audit verifier (tools/audit.py). Written apart from the kernel's security/merkle.py on purpose: a
verifier that shared the kernel's code would share its mistakes."""
import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf):
    """HASH(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    """HASH(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(leaf_hashes):
    """MTH over the leaf hashes in order, in one pass: a stack of the roots of complete subtrees
    (sizes strictly decreasing powers of two), merged as they pair up, folded right to left."""
    stack = []   # [size, hash]
    for h in leaf_hashes:
        size = 1
        while stack and stack[-1][0] == size:
            h = node_hash(stack.pop()[1], h)
            size *= 2
        stack.append((size, h))
    if not stack:
        return EMPTY_ROOT
    r = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        r = node_hash(h, r)
    return r


def _hashes(items):
    return isinstance(items, list) and all(isinstance(p, bytes) and len(p) == HASH_SIZE
                                           for p in items)


def verify_inclusion(leaf, index, tree_size, path, root):
    """RFC 9162 2.1.3.2: is the leaf hash at `index` of the tree of `tree_size` with `root`?"""
    if not _hashes([leaf, root]) or not _hashes(path) or not 0 <= index < tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2 for 0 < first < second; first == second needs an empty path and the same
    root, first == 0 an empty path and the empty tree's root."""
    if not _hashes([first_root, second_root]) or not _hashes(path):
        return False
    if not 0 <= first <= second:
        return False
    if first == 0:
        return path == [] and first_root == EMPTY_ROOT
    if first == second:
        return path == [] and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
