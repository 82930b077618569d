# Properties of security/merkle.py over random trees of up to a few thousand leaves: its roots
# and proofs equal RFC 9162's recursive definitions (a naive copy here, on leaf hashes), every
# proof verifies, and any change to a proof or to what it claims is refused.
import hashlib

from hypothesis import given, settings, strategies as st

from security import merkle
from security.merkle import Tree, verify_consistency, verify_inclusion

MAX_N = 3000


def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(hs):
    if not hs:
        return hashlib.sha256(b"").digest()
    if len(hs) == 1:
        return hs[0]
    k = _k(len(hs))
    return hashlib.sha256(b"\x01" + naive_mth(hs[:k]) + naive_mth(hs[k:])).digest()


def naive_path(m, hs):
    if len(hs) == 1:
        return []
    k = _k(len(hs))
    if m < k:
        return naive_path(m, hs[:k]) + [naive_mth(hs[k:])]
    return naive_path(m - k, hs[k:]) + [naive_mth(hs[:k])]


def naive_subproof(m, hs, b):
    if m == len(hs):
        return [] if b else [naive_mth(hs)]
    k = _k(len(hs))
    if m <= k:
        return naive_subproof(m, hs[:k], b) + [naive_mth(hs[k:])]
    return naive_subproof(m - k, hs[k:], False) + [naive_mth(hs[:k])]


_TREES = {}


def tree(n, seed):
    """A tree of n leaves from `seed` (kept: hypothesis draws the same ones often)."""
    key = (n, seed)
    if key not in _TREES:
        hs = [merkle.leaf_hash(b"%d/%d" % (seed, i)) for i in range(n)]
        t = Tree(max(1, n + seed % 7))   # some spare capacity, some none
        t.extend(b"".join(hs))
        if len(_TREES) > 64:
            _TREES.clear()
        _TREES[key] = (t, hs)
    return _TREES[key]


sizes = st.integers(1, MAX_N)
seeds = st.integers(0, 3)


def mutations(proof):
    """Every way here of spoiling a proof: each element's bit flipped, one dropped, one added,
    two swapped."""
    out = []
    for j in range(len(proof)):
        b = bytearray(proof[j])
        b[j % 32] ^= 1 << (j % 8)
        out.append(proof[:j] + [bytes(b)] + proof[j + 1:])
        out.append(proof[:j] + proof[j + 1:])
    out.append(proof + [hashlib.sha256(b"extra").digest()])
    if len(proof) > 1 and proof[0] != proof[1]:
        out.append([proof[1], proof[0]] + proof[2:])
    return out


@settings(max_examples=60, deadline=None)
@given(sizes, seeds, st.data())
def test_root_equals_the_naive_mth(n, seed, data):
    t, hs = tree(n, seed)
    assert t.root() == naive_mth(hs)
    m = data.draw(st.integers(0, n))
    assert t.root(m) == naive_mth(hs[:m])


@settings(max_examples=150, deadline=None)
@given(sizes, seeds, st.data())
def test_inclusion_proofs_verify_and_mutations_fail(n, seed, data):
    t, hs = tree(n, seed)
    size = data.draw(st.integers(1, n), label="size")
    i = data.draw(st.integers(0, size - 1), label="index")
    root = t.root(size)
    proof = t.inclusion_proof(i, size)
    assert proof == naive_path(i, hs[:size])
    assert verify_inclusion(hs[i], i, size, proof, root)
    for bad in mutations(proof):
        assert not verify_inclusion(hs[i], i, size, bad, root)
    j = data.draw(st.integers(0, size - 1), label="other index")
    if j != i:
        assert not verify_inclusion(hs[i], j, size, proof, root)
        assert not verify_inclusion(hs[j], i, size, proof, root)
    assert not verify_inclusion(hs[i], i, size, proof, hashlib.sha256(root).digest())


@settings(max_examples=150, deadline=None)
@given(sizes, seeds, st.data())
def test_consistency_proofs_verify_and_mutations_fail(n, seed, data):
    t, hs = tree(n, seed)
    second = data.draw(st.integers(1, n), label="second")
    first = data.draw(st.integers(1, second), label="first")
    r1, r2 = t.root(first), t.root(second)
    proof = t.consistency_proof(first, second)
    if first < second:
        assert proof == naive_subproof(first, hs[:second], True)
    assert verify_consistency(first, second, r1, r2, proof)
    for bad in mutations(proof):
        assert not verify_consistency(first, second, r1, r2, bad)
    if first < second:
        assert not verify_consistency(first, second, r2, r2, proof)
        assert not verify_consistency(first, second, r1, r1, proof)
        assert not verify_consistency(second, first, r2, r1, proof)   # a shrinking tree


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 600), st.integers(0, 600), st.integers(1, 64))
def test_extend_and_snapshots_agree_with_append(a, b, cut):
    hs = [merkle.leaf_hash(b"x%d" % i) for i in range(a + b)]
    one = Tree(a + b + 1)
    for h in hs:
        one.append(h)
    two = Tree.restore(b"".join(hs[:a]), a + b + 1)
    two.extend(b"".join(hs[a:]))
    assert [bytes(x) for x in one.levels] == [bytes(x) for x in two.levels]
    pieces = one.snapshot_pieces()
    whole = b"".join(pieces[1:])
    recut = [pieces[0]] + [whole[i:i + cut * 32] for i in range(0, len(whole), cut * 32)]
    three = Tree.from_pieces(recut, a + b + 1, recompute=True)
    assert three.root() == one.root() and three.size == a + b
