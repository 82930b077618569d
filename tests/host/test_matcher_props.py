# Property tests of compliance/similarity.py and compliance/matcher.py (host only):
#
# (a) jaro_winkler against jellyfish.jaro_winkler_similarity and token_set_ratio against
#     rapidfuzz.fuzz.token_set_ratio on random strings: equal to the rounded reference within
#     1 basis point (ours is exact integer arithmetic rounded once; theirs is a float).
# (b) name_score: self-match is 1; order independence (any permutation of the query's words,
#     exactly equal); case and diacritics invariance (exactly equal); symmetry
#     (name_score(a, b) == name_score(b, a), exactly).
# (c) monotone in edits: a chain of edits of a name (letters that no spelling rule rewrites,
#     see STABLE), each replacing a letter not edited before by a digit (a character no name
#     letter equals, so each edit only removes agreement), gives scores against the original
#     that never rise by more than TOLERANCE basis points from one step to the next while the
#     score is at least 0.5 (greedy pairing, the floor and the token-set part are not exactly
#     monotone), never come back above 0.5 + TOLERANCE once below 0.5, and end below the
#     start.
# (d) on the real OFAC SDN list (../shared/testdata, read in place): every sampled listed
#     name finds its own entry at 1.0; the evaluation tool reaches its recall and precision
#     floor on a small set.
# (e) the fast paths against their definitions: normalize.fold's str.replace path against the
#     character loop; similarity.spelling/phonetic against their rule tables; Jaro's
#     bytearray.find matching against the pair loop; the index's rows, score bound and
#     cut-off against _pair_sim and the full score; the postings of the real list against the
#     blocking rules, and its search against scoring every candidate in full.
import os
import random
import sys

import jellyfish
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from rapidfuzz import fuzz

from compliance import entry, matcher, normalize, similarity

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDN = os.path.join(REPO, "..", "shared", "testdata", "sanctions", "watchman", "test", "testdata")
SETTINGS = dict(deadline=None, max_examples=300,
                suppress_health_check=[HealthCheck.too_slow])
TOLERANCE = 150

short = st.text(alphabet="abcdeghiklmnorstuy", min_size=0, max_size=12)
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)
name_words = st.lists(word, min_size=1, max_size=5)


@settings(**SETTINGS)
@given(short, short)
def test_jaro_winkler_matches_jellyfish(a, b):
    ref = int(jellyfish.jaro_winkler_similarity(a, b) * 10000 + 0.5) if a and b else 0
    assert abs(similarity.jaro_winkler(a, b) - ref) <= 1, (a, b)


@settings(**SETTINGS)
@given(st.lists(st.text(alphabet="abcde", min_size=1, max_size=6), max_size=6),
       st.lists(st.text(alphabet="abcde", min_size=1, max_size=6), max_size=6))
def test_token_set_ratio_matches_rapidfuzz(wa, wb):
    a = " ".join(wa)
    b = " ".join(wb)
    ref = int(fuzz.token_set_ratio(a, b) * 100 + 0.5)
    assert abs(similarity.token_set_ratio(a, b) - ref) <= 1, (a, b)


@settings(**SETTINGS)
@given(short, short)
def test_lcs_matches_rapidfuzz_indel(a, b):
    from rapidfuzz.distance import Indel
    assert similarity.indel_distance(a, b) == Indel.distance(a, b)


@settings(**SETTINGS)
@given(name_words)
def test_self_match_is_one(words):
    name = " ".join(words)
    assume(normalize.tokens(name))
    assert matcher.name_score(name, name) == 10000


@settings(**SETTINGS)
@given(name_words, name_words, st.randoms(use_true_random=False))
def test_order_independence(wa, wb, rnd):
    a = " ".join(wa)
    b = " ".join(wb)
    assume(normalize.tokens(a) and normalize.tokens(b))
    s = matcher.name_score(a, b)
    pa = list(wa)
    rnd.shuffle(pa)
    pb = list(wb)
    rnd.shuffle(pb)
    assert matcher.name_score(" ".join(pa), " ".join(pb)) == s


ACCENT = {"a": "áÀâäã", "e": "éÈêë", "i": "íÌîï", "o": "óÒôöõ", "u": "úÙûü", "n": "ñÑ",
          "c": "çÇ", "s": "šŠ", "z": "žŽ", "y": "ýÝ"}


@settings(**SETTINGS)
@given(name_words, name_words, st.randoms(use_true_random=False))
def test_case_and_diacritics_invariance(wa, wb, rnd):
    a = " ".join(wa)
    b = " ".join(wb)
    assume(normalize.tokens(a) and normalize.tokens(b))
    out = []
    for ch in a:
        r = rnd.random()
        if ch in ACCENT and r < 0.4:
            ch = rnd.choice(ACCENT[ch])
        elif r < 0.7:
            ch = ch.upper()
        out.append(ch)
    a2 = "".join(out)
    assert normalize.tokens(a2) == normalize.tokens(a)
    assert matcher.name_score(a2, b) == matcher.name_score(a, b)


@settings(**SETTINGS)
@given(name_words, name_words)
def test_symmetry(wa, wb):
    a = " ".join(wa)
    b = " ".join(wb)
    assume(normalize.tokens(a) and normalize.tokens(b))
    assert matcher.name_score(a, b) == matcher.name_score(b, a)


# Letters no spelling rule touches (similarity.spelling rewrites c q w x y, the digraphs with
# h and j, ou oo ee and a leading ie): a rewrite can move Jaro-Winkler either way when one of
# its letters is edited ("axabaqaabc" -> "a0abaqaabc" changes "ks" back to one character).
STABLE = "abdfgiklmnprstuvz"


@settings(**SETTINGS)
@given(st.lists(st.text(alphabet=STABLE, min_size=4, max_size=10), min_size=1, max_size=4),
       st.randoms(use_true_random=False))
def test_score_falls_with_edits(words, rnd):
    name = " ".join(words)
    assume(normalize.tokens(name) == words)      # no honorific or company form in the way
    letters = [i for i, ch in enumerate(name) if ch != " "]
    rnd.shuffle(letters)
    chain = [name]
    cur = list(name)
    for pos in letters[:min(len(letters), 8)]:
        cur[pos] = str(rnd.randrange(10))
        chain.append("".join(cur))
    scores = [matcher.name_score(name, v) for v in chain]
    assert scores[0] == 10000
    for k in range(1, len(scores)):
        if scores[k - 1] >= 5000:
            assert scores[k] <= scores[k - 1] + TOLERANCE, (chain, scores)
        else:                   # far from any threshold: it stays there
            assert scores[k] < 5000 + TOLERANCE, (chain, scores)
    assert scores[-1] < scores[0]


def _sdn_entries():
    assert os.path.isdir(SDN), ("missing test data %s (../shared/testdata must sit beside the "
                                "repository)" % SDN)
    from compliance import lists
    files = {}
    for f in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
        with open(os.path.join(SDN, f), "rb") as fh:
            files[f] = fh.read()
    return lists.load("ofac_sdn", files).entries


def test_real_list_names_find_themselves():
    entries = _sdn_entries()
    ix = matcher.Index(entries)
    rnd = random.Random(5)
    for e in rnd.sample(entries, 300):
        nm = rnd.choice(e.names)
        if not normalize.tokens(nm):
            continue
        r = ix.search({"name": nm, "type": e.type}, 9500, limit=50)
        got = [m for m in r if m["entry_id"] == e.id]
        assert got and got[0]["score"] == 10000, (e.id, nm, r[:3])


def test_evaluation_floor():
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import screen_eval
    figs = screen_eval.run(SDN, size=200, seed=3, threshold=9500, verbose=False)
    ours = figs["systems"]["ours"]
    assert ours["recall"] >= 0.90, ours
    assert ours["precision"] >= 0.95, ours
    assert figs["systems"]["rapidfuzz_token_set"]["recall"] < ours["recall"]


fold_text = st.text(alphabet=st.sampled_from(
    list("abcXYZ019 .'`,-&()/\t\n\"#!?_;:[]{}+=*~^|<>@$%\\") + ["\x00", "\x7f", "é", "Ж",
                                                                    "\u2019", "\u212a", "ß"]),
    max_size=30)


@settings(**SETTINGS)
@given(fold_text)
def test_fold_fast_path_equals_the_character_loop(text):
    assert normalize.fold(text) == normalize.fold_chars(text)


rule_text = st.text(alphabet="abcdeghijkloqstuwxyzhhcc\x01AX9", max_size=12)


@settings(**SETTINGS)
@given(rule_text)
def test_spelling_and_phonetic_equal_their_tables(w):
    assert similarity.spelling(w) == similarity.spelling_by_table(w)
    assert similarity.phonetic(w) == similarity.phonetic_by_table(w)


jaro_bytes = st.binary(min_size=1, max_size=14).map(lambda b: bytes(97 + c % 6 for c in b))


@settings(**SETTINGS)
@given(jaro_bytes, jaro_bytes, st.integers(min_value=0, max_value=14))
def test_jaro_find_path_equals_the_loop(a, b, least):
    la, lb = len(a), len(b)
    want = similarity._jaro_nd_loop(a, b, la, lb)
    assert similarity._jaro_nd(a, b, la, lb) == want
    m = want[1] // (3 * la * lb) if want[1] else 0
    got = similarity.jaro_winkler(a, b, least)
    full = similarity.jaro_winkler(a, b)
    assert got == full if (a == b or m >= least) else got in (0, full)
    if a != b:
        assert similarity.jw_bytes(a, b, least) == got


def _check_shortcuts(ix, queries):
    for name in queries:
        qp = ix.prepare(name)
        if qp is None:
            continue
        rows = [None] * len(ix.tok)
        for nid in range(len(ix.names)):
            tids = ix.names[nid][2]
            ub = ix._bound(qp, tids, rows)
            full = matcher._score(qp, tids, rows, ix, 0, True)[0]
            assert ub >= full, (name, ix.names[nid][1])
            for need in (8000, 9500):
                got = matcher._score(qp, tids, rows, ix, need, False)[0]
                assert got == full if full >= need else got < need
        for tid in range(len(ix.tok)):
            row = rows[tid]
            for i in range(qp.n):
                assert row[i] == matcher._pair_sim(
                    qp.toks[i], ix.tok[tid], qp.raw[i], ix.tok_raw[tid], qp.keys[i],
                    ix.tok_key[tid], qp.masks[i], ix.tok_mask[tid]), (name, ix.tok[tid])


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(name_words, min_size=1, max_size=8), st.lists(name_words, min_size=1,
                                                               max_size=4))
def test_rows_bound_and_cutoff_equal_their_definitions(listed, queries):
    ents = [entry.Entry("t", str(i), entry.UNKNOWN, [" ".join(w)]) for i, w in
            enumerate(listed)]
    ix = matcher.Index(ents)
    _check_shortcuts(ix, [" ".join(w) for w in queries] + [" ".join(listed[0])])


def test_real_list_postings_and_search_equal_their_definitions():
    from tests.portable.test_matcher import naive_postings
    entries = _sdn_entries()
    ix = matcher.Index(entries)
    want = naive_postings(ix)
    assert sorted(ix.postings) == sorted(want)
    for k in want:
        assert ix.posting(k) == want[k], k
    rnd = random.Random(11)
    for e in rnd.sample(entries, 60):
        for name in (rnd.choice(e.names), rnd.choice(e.names)[::-1], e.names[0].lower()[1:]):
            qp = ix.prepare(name)
            if qp is None:
                continue
            best = {}
            for nid in ix.candidates([qp], matcher.DEFAULT_CANDIDATES):
                s = ix.score_name(qp, nid)[0]
                ei = ix.names[nid][0]
                if s >= 9000 and s > best.get(ei, -1):
                    best[ei] = s
            got = ix.search({"name": name}, 9000, limit=1000)
            assert sorted((m["entry_id"], m["score"]) for m in got) == sorted(
                (entries[ei].id, s) for ei, s in best.items()), name
