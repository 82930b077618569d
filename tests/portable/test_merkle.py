# The audit trail's Merkle tree (security/merkle.py) against RFC 9162: the published Certificate
# Transparency vectors, and a naive transcription of the RFC's recursive definitions written
# here, apart from the implementation. Plain asserts: runs under pytest and in the kernel.
import hashlib

from security import merkle
from security.merkle import Full, Tree, verify_consistency, verify_inclusion


def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return str(e)
    raise AssertionError("%r did not raise %s" % (fn, exc.__name__))


# --- the naive reference: RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 word for word, on entries ---------

def _sha(b):
    return hashlib.sha256(b).digest()


def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d):
    if len(d) == 0:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _k(len(d))
    return _sha(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m, d):
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return naive_path(m, d[:k]) + [naive_mth(d[k:])]
    return naive_path(m - k, d[k:]) + [naive_mth(d[:k])]


def naive_subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return naive_subproof(m, d[:k], b) + [naive_mth(d[k:])]
    return naive_subproof(m - k, d[k:], False) + [naive_mth(d[:k])]


# --- the published CT vectors (RFC 6962's test data: 8 entries, MTH of every prefix) -----------

CT_ENTRIES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [   # (index, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [   # (first, second, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def tree_of(entries, capacity=None):
    t = Tree(capacity or max(1, len(entries)))
    for e in entries:
        t.append(merkle.leaf_hash(e))
    return t


def hexes(hs):
    return [h.hex() for h in hs]


def test_hashing_is_rfc9162():
    assert merkle.leaf_hash(b"abc") == _sha(b"\x00abc")
    a, b = _sha(b"a"), _sha(b"b")
    assert merkle.node_hash(a, b) == _sha(b"\x01" + a + b)
    assert merkle.EMPTY_ROOT == _sha(b"")
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)   # the prefixes separate them


def test_ct_roots_of_every_prefix():
    t = tree_of(CT_ENTRIES)
    for n in range(9):
        assert t.root(n).hex() == CT_ROOTS[n], n
        assert naive_mth(CT_ENTRIES[:n]).hex() == CT_ROOTS[n], n
        assert tree_of(CT_ENTRIES[:n]).root().hex() == CT_ROOTS[n], n
    assert Tree(4).root() == merkle.EMPTY_ROOT


def test_ct_inclusion_vectors():
    t = tree_of(CT_ENTRIES)
    for index, n, want in CT_INCLUSION:
        proof = t.inclusion_proof(index, n)
        assert hexes(proof) == want, (index, n)
        assert hexes(naive_path(index, CT_ENTRIES[:n])) == want, (index, n)
        root = bytes.fromhex(CT_ROOTS[n])
        assert verify_inclusion(t.leaf(index), index, n, proof, root)


def test_ct_consistency_vectors():
    t = tree_of(CT_ENTRIES)
    for m, n, want in CT_CONSISTENCY:
        proof = t.consistency_proof(m, n)
        assert hexes(proof) == want, (m, n)
        assert hexes(naive_subproof(m, CT_ENTRIES[:n], True)) == want, (m, n)
        assert verify_consistency(m, n, bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n]),
                                  proof)


ENTRIES = [b"entry %d" % i for i in range(16)]


def test_every_inclusion_proof_up_to_16():
    t = tree_of(ENTRIES)
    for n in range(1, 17):
        root = t.root(n)
        assert root == naive_mth(ENTRIES[:n])
        for i in range(n):
            proof = t.inclusion_proof(i, n)
            assert proof == naive_path(i, ENTRIES[:n]), (i, n)
            assert verify_inclusion(t.leaf(i), i, n, proof, root), (i, n)
            other = (i + 1) % n
            if other != i:   # right proof, another leaf or index: refused
                assert not verify_inclusion(t.leaf(other), i, n, proof, root), (i, n)
                assert not verify_inclusion(t.leaf(i), other, n, proof, root), (i, n)


def test_every_consistency_proof_up_to_16():
    t = tree_of(ENTRIES)
    for n in range(0, 17):
        root_n = t.root(n)
        for m in range(0, n + 1):
            root_m = t.root(m)
            proof = t.consistency_proof(m, n)
            if 0 < m < n:
                assert proof == naive_subproof(m, ENTRIES[:n], True), (m, n)
            else:
                assert proof == [], (m, n)
            assert verify_consistency(m, n, root_m, root_n, proof), (m, n)
            if m < n:   # another tree's root on either side: refused
                assert not verify_consistency(m, n, root_n, root_n, proof), (m, n)
            if 0 < m < n:   # (any tree extends the empty one: its root_n is not checked)
                assert not verify_consistency(m, n, root_m, root_m, proof), (m, n)


def flip(h, at=0):
    b = bytearray(h)
    b[at] ^= 1
    return bytes(b)


def test_wrong_inclusion_proofs_are_refused():
    t = tree_of(ENTRIES[:11])
    root, lh = t.root(), t.leaf(6)
    proof = t.inclusion_proof(6)
    assert verify_inclusion(lh, 6, 11, proof, root)
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = flip(bad[j], j)
        assert not verify_inclusion(lh, 6, 11, bad, root), j
    assert not verify_inclusion(lh, 6, 11, proof[:-1], root)            # too short
    assert not verify_inclusion(lh, 6, 11, proof + [root], root)        # too long
    assert not verify_inclusion(lh, 6, 11, list(reversed(proof)), root)
    assert not verify_inclusion(lh, 11, 11, proof, root)                # index outside
    assert not verify_inclusion(lh, -1, 11, proof, root)
    assert not verify_inclusion(lh, 6, 11, proof, flip(root))
    assert not verify_inclusion(lh[:31], 6, 11, proof, root)            # malformed: False
    assert not verify_inclusion(lh, 6, 11, [b"short"] + proof[1:], root)
    assert not verify_inclusion(lh, 6, 11, "not a list", root)


def test_wrong_consistency_proofs_are_refused():
    t = tree_of(ENTRIES[:13])
    r5, r13 = t.root(5), t.root(13)
    proof = t.consistency_proof(5, 13)
    assert verify_consistency(5, 13, r5, r13, proof)
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = flip(bad[j], 31 - j)
        assert not verify_consistency(5, 13, r5, r13, bad), j
    assert not verify_consistency(5, 13, r5, r13, proof[:-1])
    assert not verify_consistency(5, 13, r5, r13, proof + [r5])
    assert not verify_consistency(5, 13, r5, r13, [])
    assert not verify_consistency(6, 13, r5, r13, proof)
    assert not verify_consistency(13, 5, r13, r5, proof)                # shrinking
    assert not verify_consistency(13, 13, r13, r13, [r13])              # same size: no proof
    assert not verify_consistency(13, 13, r5, r13, [])
    assert not verify_consistency(0, 13, r5, r13, [])                   # empty tree's root
    assert verify_consistency(0, 13, merkle.EMPTY_ROOT, r13, [])
    assert not verify_consistency(5, 13, r5[:31], r13, proof)
    # a power-of-two first size: its root is not in the proof, the verifier prepends it
    p8 = t.consistency_proof(8, 13)
    assert t.root(8) not in p8
    assert verify_consistency(8, 13, t.root(8), r13, p8)
    assert not verify_consistency(8, 13, flip(t.root(8)), r13, p8)


def test_bad_arguments_are_clear_errors():
    t = tree_of(ENTRIES[:5], capacity=8)
    assert "tree size" in raises(ValueError, t.root, 6)
    assert "tree size" in raises(ValueError, t.root, -1)
    assert "outside" in raises(ValueError, t.inclusion_proof, 5)
    assert "outside" in raises(ValueError, t.inclusion_proof, 0, 0)
    assert "first <= second" in raises(ValueError, t.consistency_proof, 4, 3)
    assert "outside" in raises(ValueError, t.leaf, 5)
    assert "32 bytes" in raises(ValueError, t.append, b"x" * 31)
    assert "capacity" in raises(ValueError, Tree, 0)
    assert "capacity" in raises(ValueError, Tree, merkle.MAX_CAPACITY + 1)
    assert t.size == 5


def test_capacity_full():
    t = Tree(3)
    for e in ENTRIES[:3]:
        t.append(merkle.leaf_hash(e))
    root = t.root()
    assert "capacity 3" in raises(Full, t.append, merkle.leaf_hash(b"one more"))
    assert "capacity 3" in raises(Full, t.extend, merkle.leaf_hash(b"one more"))
    assert t.size == 3 and t.root() == root
    assert "capacity 2" in raises(Full, Tree.restore, merkle.leaf_hash(b"a") * 3, 2)


def test_levels_are_preallocated_for_capacity():
    t = Tree(1000)
    sizes = [len(lv) for lv in t.levels]
    assert sizes[0] == 1000 * 32 and sizes[-1] == 32 and len(sizes) == 10
    assert sum(sizes) <= 2 * 1000 * 32
    for e in ENTRIES:
        t.append(merkle.leaf_hash(e))
    assert [len(lv) for lv in t.levels] == sizes


def test_extend_builds_what_append_builds():
    hashes = [merkle.leaf_hash(b"x%d" % i) for i in range(37)]
    a = Tree(40)
    for h in hashes:
        a.append(h)
    b = Tree.restore(b"".join(hashes[:10]), 40)
    b.extend(b"".join(hashes[10:]))
    assert b.size == 37 and b.root() == a.root()
    assert [bytes(x) for x in b.levels] == [bytes(x) for x in a.levels]
    assert "32-byte" in raises(ValueError, b.extend, b"x" * 33)


def test_snapshot_round_trip():
    for n in (0, 1, 7, 300):
        t = Tree(512)
        for i in range(n):
            t.append(merkle.leaf_hash(b"s%d" % i))
        pieces = t.snapshot_pieces()
        for p in pieces:
            assert len(p) <= merkle.PIECE_MAX
        u = Tree.from_pieces(pieces, 512, True)
        assert u.size == n and u.root() == t.root()
        if n:
            assert u.inclusion_proof(n - 1) == t.inclusion_proof(n - 1)
            u.append(merkle.leaf_hash(b"after"))   # a restored tree grows on
            t.append(merkle.leaf_hash(b"after"))
            assert u.root() == t.root()


def test_snapshot_pieces_are_bounded():
    t = Tree.restore(merkle.leaf_hash(b"big") * 3000, 3000)   # 96 KB of leaves alone
    pieces = t.snapshot_pieces()
    assert max(len(p) for p in pieces) == merkle.PIECE_MAX
    assert Tree.from_pieces(pieces, 3000).root() == t.root()
    # pieces cut differently carry the same bytes: accepted
    whole = b"".join(pieces[1:])
    again = [pieces[0]] + [whole[i:i + 1000] for i in range(0, len(whole), 1000)]
    assert Tree.from_pieces(again, 3000).root() == t.root()


def test_damaged_snapshots_are_refused():
    t = tree_of(ENTRIES[:9], capacity=16)
    pieces = t.snapshot_pieces()
    assert "bad header" in raises(ValueError, Tree.from_pieces, [], 16)
    assert "bad header" in raises(ValueError, Tree.from_pieces, [b"X" + pieces[0][1:]], 16)
    assert "needs" in raises(ValueError, Tree.from_pieces, pieces[:-1], 16)
    assert "needs" in raises(ValueError, Tree.from_pieces, pieces + [b"\x00" * 32], 16)
    bad = list(pieces)
    bad[1] = flip(bad[1], 40)
    assert "digest" in raises(ValueError, Tree.from_pieces, bad, 16)
    assert "capacity 8" in raises(Full, Tree.from_pieces, pieces, 8)
    too_big = [pieces[0], b"\x00" * (merkle.PIECE_MAX + 1)]
    assert "> %d" % merkle.PIECE_MAX in raises(ValueError, Tree.from_pieces, too_big, 16)


def test_recompute_finds_an_inner_node_that_disagrees():
    # A snapshot whose digest is right but whose level 1 does not follow from its leaves (one
    # written by a faulty version): only recompute sees it.
    t = tree_of(ENTRIES[:9], capacity=16)
    t.levels[1][0] ^= 1
    pieces = t.snapshot_pieces()
    assert Tree.from_pieces(pieces, 16).size == 9
    assert "level 1" in raises(ValueError, Tree.from_pieces, pieces, 16, True)


def test_sth_signed_bytes_layout():
    root = _sha(b"r")
    b = merkle.sth_signed_bytes(258, 1700000000123456789, root)
    assert b == b"QENEX-STH-v1\x00" + bytes([0, 0, 0, 0, 0, 0, 1, 2]) + \
        (1700000000123456789).to_bytes(8, "big") + root
    assert len(b) == 13 + 8 + 8 + 32
    assert "32 bytes" in raises(ValueError, merkle.sth_signed_bytes, 1, 1, root[:31])
    assert "8 bytes" in raises(ValueError, merkle.sth_signed_bytes, -1, 1, root)
    assert "8 bytes" in raises(ValueError, merkle.sth_signed_bytes, 1, 1 << 64, root)
