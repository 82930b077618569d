"""Sanctions name matching: a blocking index over one list and the score of a query against it.

Built once per list (Index(entries), or add() per entry then finish(), so a loader can yield
to the scheduler between entries), then searched by every screening. Portable; all scores
are integers in basis points (0..10000; format_score gives the API's "0.9731").

Blocking: every name's tokens (normalize.tokens) post the name under four keys: the token,
its phonetic key ("#" + similarity.phonetic), its first and its last 3 letters ("^...",
"$..."), so a misspelling late in a token keeps the prefix, one early keeps the suffix, and a
vowel or digraph change keeps the phonetic key. Particles and initials post nothing, generic
words only their own token, which a query reads only while its list is short (GENERIC_SCAN):
"trading" or "al" does not bring in thousands of candidates. A name with nothing but such
tokens posts them all. A query gathers the postings of its keys, rarest first, each name
gaining weight (exact token 4, phonetic 2, prefix/suffix 1, divided by the posting's length),
and keeps the max_candidates heaviest (DEFAULT_CANDIDATES, 300): a few hundred names are
scored, not the list.

Score of a query name Q against a list name N (token lists), symmetric and independent of
the order of the words:
- pair similarity s(q, n): 1 for equal tokens, 0.98 for two spellings of one token
  (similarity.spelling: kh/h, q/k, w/v, y/i, ...), else Jaro-Winkler of the spellings, lifted
  two thirds of the way to 1 when both tokens have the same phonetic key (jw >= 0.70, key of
  2+ letters); below FLOOR (0.75) it is 0 (not even computed when the letters of the two
  bound Jaro-Winkler below it: most pairs of a candidate are unrelated words).
- alignment A: the best pairing of tokens, greedy by similarity (ties by weight, then by the
  tokens' text, never by position); a token left over may then join its neighbour's pair
  when the two together spell the other side's token ("abdul rahman" / "abdulrahman").
  Tokens weigh 100 (a name), 25 (GENERIC) or 10 (a particle or an initial). A = sum(pair
  weight x s) / (sum of pair weights + SURPLUS_PCT% of the weight of the tokens left over),
  a pair weighing twice its lighter token (a misspelt generic word stays generic), a merged
  pair the sum of its tokens. Tokens left on both sides disagree (they
  pair at 0, full weight); only the extra tokens of the longer name are surplus. So a
  dropped middle name costs little: "Vladimir Putin" against "Vladimir Vladimirovich Putin"
  scores 0.957; "Putin" alone against it 0.85, "Smith" against "John Smith" 0.918.
- T: similarity.token_set_ratio of the two token strings (rapidfuzz's token_set_ratio).
- name score = 90% A + 10% T. Phonetic agreement enters through s (the why reports the share
  of the aligned weight whose pairs agree phonetically). When no two name tokens agree (only
  generic words, particles or initials do) and some token has no counterpart, the score is
  capped at GENERIC_CAP (0.70): "Global Trading" cannot hit "Global Trading Company", nor
  "Acme Trading" "Zenith Trading".
Qualifiers, added to the best name's score of an entry when both sides know the field:
date of birth equal in full +300, equal as far as the shorter goes (a year, a month) +150,
different in the same year or one year apart -300, further apart -1000; query country among
the entry's +100, not among them -200; individual against anything else -1500, other type
differences -300. Then clamp to 0..10000.
Calibration (tools/screen_eval.py on OFAC SDN, 2000 queries): at 0.95 light variants (one
typo, transposition, transliteration, Cyrillic script, accents, reordering, a dropped middle
name, aliases) are found 92-100%, two typos 67%; 2 of 1000 composed negatives alert.

Speed (in the kernel the interpreter runs every bytecode, so the work is counted in them):
- build: each distinct token is worked out once (kind, phonetic key, spelling, letter mask;
  its words' spellings memoised while tokenising), names are recorded as token "units" in
  one flat list and finish() lays out the postings at their final sizes; the build's dicts
  are presized (_roomy): MicroPython's dict grows only when full, and a miss in a nearly
  full one walks a long run of slots.
- search: a candidate's token rows (_bound) meet a letter bound first (_thr: most pairs are
  unrelated words and end there), and an upper bound of the name score from the rows'
  summaries drops most candidates before the alignment (_score) is worked out. Every
  shortcut gives the same scores as the definitions above (tests compare them).
"""
from compliance import entry as entry_mod
from compliance import normalize, similarity

FLOOR = 7500
SPELLING_SAME = 9800
PHONETIC_LIFT_FROM = 7000
SURPLUS_PCT = 20
GENERIC_CAP = 7000
WEIGHT = (100, 25, 10)              # by normalize.kind: NAME, GENERIC_KIND, PARTICLE_KIND
A_PCT, T_PCT = 90, 10

Q_DOB_FULL = 300
Q_DOB_YEAR = 150
Q_DOB_NEAR = -300
Q_DOB_OFF = -1000
Q_COUNTRY = 100
Q_COUNTRY_OFF = -200
Q_TYPE_PERSON = -1500
Q_TYPE_OTHER = -300

MAX_NAMES = 400000                  # names (primary + aliases) in one index
MAX_DISTINCT_TOKENS = 400000
MAX_QUERY_NAMES = 17                # the name and 16 aliases
MAX_QUERY_TEXT = 1024
MAX_CANDIDATES = 5000               # the most search() accepts as max_candidates
# search()'s default: the names scored for one query name. tools/screen_eval.py's recall
# is the same at 250, 300 and 500 on four sets (the last variants found rank ~215); 200
# loses one in a thousand.
DEFAULT_CANDIDATES = 300
MAX_LIMIT = 1000

KEY_EXACT, KEY_PHONETIC, KEY_AFFIX = 4, 2, 1
GENERIC_SCAN = 200                  # a generic word's postings are read only up to this length


def format_score(bp):
    """10000 -> "1.0000", 9731 -> "0.9731"."""
    return "%d.%04d" % (bp // 10000, bp % 10000)


def threshold_bp(threshold):
    """A threshold as basis points: an int is taken as basis points (0..10000), a float or
    a decimal string ("0.95") as a fraction of 1."""
    if type(threshold) is int:
        bp = threshold
    elif type(threshold) is float:
        bp = int(threshold * 10000 + 0.5)
    elif type(threshold) is str:
        t = threshold.strip()
        whole, _, frac = t.partition(".")
        if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 4:
            raise ValueError("threshold must look like 0.95, got %r" % threshold)
        bp = int(whole) * 10000 + int((frac + "0000")[:4])
    else:
        raise ValueError("threshold must be basis points (int) or a fraction, got %r"
                         % (threshold,))
    if bp < 0 or bp > 10000:
        raise ValueError("threshold must be within 0..1 (0..10000 bp), got %r" % (threshold,))
    return bp


def _roomy(n):
    """An empty dict with room for n keys, at most half full.

    MicroPython's dict grows only when it is completely full, so a lookup of a key it does
    not hold walks ever longer runs of occupied slots as it fills (a 25,000-key dict: ~0.1 ms
    a miss in the wasm build; that was most of an index build's time). Here
    dict.fromkeys(range(m)) makes a table of exactly m slots holding the ints 0..m-1 (hash(i)
    is i: slot i), one more int makes it grow (at C speed) to a larger table, m + 1 being
    even and its sizes odd, so the slot after the ints is empty; deleting the ints from the
    top down then leaves every slot empty (a deleted slot followed by an empty one becomes
    empty again). Harmless on CPython."""
    m = 2 * n + 13
    d = dict.fromkeys(range(m))
    d[m] = None
    for i in range(m, -1, -1):
        del d[i]
    return d


def _regrow(d, n):
    """d's items in a dict made by _roomy(n)."""
    out = _roomy(n)
    out.update(d)
    return out


# The letter bound of Index._bound. jaro_winkler is the Jaro similarity itself below 0.7
# (Winkler's bonus starts there), so a pair reaches PHONETIC_LIFT_FROM (7000 bp, rounded:
# Jaro >= 0.69995) or FLOOR only if Jaro <= (m/la + m/lb + 1) / 3 reaches that; with
# different first letters and no lift it is Jaro itself that must reach FLOOR. With m the
# letters the two can have in common (letter masks), la, lb their spellings' lengths, that is
# m >= _thr(la)[0][lb], and m >= _thr(la)[1][lb] for FLOOR (tables by lb up to _LMAX, made on
# first use and kept: one per length, at most _THR_MAX more; 99: never).
_THR = {}
_THR_MAX = 1024         # tables kept for (length, repeats) pairs beyond the 130 lengths


def _thr(la, pa=0):
    """(least letters for Jaro 0.69995, for 0.74995, the first less pa) by the other
    token's length, for tokens of length la with pa repeated letters: m counts pa at most,
    so popcount(common) >= the third is a quicker, looser first test."""
    t = _THR.get((la, pa))
    if t is None:
        if pa:
            ta, tb, _ = _thr(la)
            t = (ta, tb, [x - pa for x in ta])
            if len(_THR) >= _THR_MAX:
                return t                # not kept: the cache stays bounded
        else:
            lo = (2 * PHONETIC_LIFT_FROM - 1) * 3 - 20000      # Jaro >= (2 need - 1) / 20000
            hi = (2 * FLOOR - 1) * 3 - 20000
            ta = []
            tb = []
            for lb in range(_LMAX + 1):
                pr = la * lb
                sm = la + lb
                for lim, out in ((lo, ta), (hi, tb)):
                    m = 0           # least m with 20000 m (la + lb) >= lim la lb
                    while m <= la and m <= lb and 20000 * m * sm < lim * pr:
                        m += 1
                    out.append(m if m <= la and m <= lb else 99)
            t = (ta, tb, ta)
        _THR[(la, pa)] = t
    return t


_LMAX = 2 * normalize.MAX_TOKEN + 1       # a spelling is at most twice its token (x: ks)

_TWO_ZEROS = (0, 0)
_TWO_NONES = (-1, -1)


def _affixes(tok):
    n = len(tok)
    if n < 4:
        return ()
    return ("^" + tok[:3], "$" + tok[n - 3:])


class _Prepared:
    """One query name, normalised, ready to score against an index: per token its text,
    spelling bytes, weight, kind, phonetic key and rank (the token's place in the index's
    sorted token order: 2 * token id when the index has it, odd otherwise), so that ties
    between pairs are broken by the tokens' text, never by where they stand; and what
    Index._bound and _score read for every candidate, worked out once. memo: tokens()'s
    (the spellings of the words)."""

    __slots__ = ("toks", "raw", "w", "kinds", "keys", "has_name", "joined", "rank",
                 "masks", "n", "bound", "zero", "wsum", "wmask")

    def __init__(self, toks, index, memo=None):
        self.toks = toks
        n = self.n = len(toks)
        raw = []
        for t in toks:
            r = memo.get(t) if memo is not None else None
            raw.append((similarity.spelling(t) if r is None else r).encode())
        self.raw = raw
        self.kinds = [normalize.kind(t) for t in toks]
        self.w = [WEIGHT[k] for k in self.kinds]
        self.keys = [similarity.phonetic(t) for t in toks]
        self.has_name = 0 in self.kinds
        self.joined = " ".join(toks)
        self.rank = [index.rank(t) for t in toks]
        self.masks = [similarity.letter_mask(r) for r in raw]
        # per token, what the letter bound of Index._bound reads: mask, the quick and the
        # exact least common letters for its length and repeats (_thr), repeats, its place
        self.bound = []
        for i in range(n):
            ma, pa = self.masks[i]
            ta, tb, tq = _thr(len(raw[i]), pa)
            self.bound.append((ma, tq, pa, ta, tb, i))
        self.zero = [0] * (n + 2)          # the row of an index token like none of them
        self.wsum = sum(self.w)
        wm = None
        if n <= 8:          # weight of every subset of the tokens, by bit mask
            wm = [0] * (1 << n)
            for i in range(n):
                b = 1 << i
                for m in range(b):
                    wm[m | b] = wm[m] + self.w[i]
        self.wmask = wm


def _sim(ra, rb, lift, least):
    """_pair_sim once the letter bound has let the pair through (ra != rb); least: the
    matching letters without which it is 0 (see _thr)."""
    if rb < ra:
        ra, rb = rb, ra
    s = similarity.jw_bytes(ra, rb, least)
    if lift and s >= PHONETIC_LIFT_FROM:
        s = s + (10000 - s) * 2 // 3
    return s if s >= FLOOR else 0


def _pair_sim(ta, tb, ra, rb, ka, kb, ma, mb):
    """Similarity of tokens ta and tb in bp, symmetric: 1 when equal, else Jaro-Winkler of
    their spellings (similarity.spelling, as bytes ra/rb) lifted half-way to 1 by equal
    phonetic keys ka/kb; two spellings of one token (ra == rb) score SPELLING_SAME, below an
    exact match. Below FLOOR it is 0, so a pair whose letters (ma/mb: letter_mask of ra/rb)
    bound Jaro-Winkler under the floor is not computed at all. The definition: Index._bound
    makes the same values its own quicker way (the tests compare)."""
    if ta == tb:
        return 10000
    if ra == rb:
        return SPELLING_SAME
    lift = ka and ka == kb and len(ka) >= 2
    ub = similarity.jw_upper(len(ra), len(rb), ma[0], mb[0], ma[1], mb[1], ra[0] == rb[0])
    if ub < (PHONETIC_LIFT_FROM if lift else FLOOR):
        return 0
    if rb < ra:
        ra, rb = rb, ra
    s = similarity.jaro_winkler(ra, rb)
    if lift and s >= PHONETIC_LIFT_FROM:
        s = s + (10000 - s) * 2 // 3
    return s if s >= FLOOR else 0


def _merge(q, tids, tok, got, qused, nused):
    """Left-over tokens joining a pair: for each left-over token u on one side and each
    one-to-one pair (x, y) with x on u's side, if x+u or u+x spells y more closely than x
    alone, the pair becomes ((x, u), y). Both concatenations are tried (order independent)."""
    sp = similarity.spelling
    for side in (0, 1):
        used = qused if side == 0 else nused
        for u in range(len(used)):
            if used[u] >= 0:
                continue
            ut = q.toks[u] if side == 0 else tok[tids[u]]
            if len(ut) < 2:
                continue
            for gi in range(len(got)):
                g = got[gi]
                mine = g[1] if side == 0 else g[2]
                other = g[2] if side == 0 else g[1]
                if len(mine) != 1 or len(other) != 1 or g[0] == 0:
                    continue
                if side == 0:
                    x = q.toks[mine[0]]
                    y = tok[tids[other[0]]]
                else:
                    x = tok[tids[mine[0]]]
                    y = q.toks[other[0]]
                lj = len(x) + len(ut)
                if lj < len(y) - 1 or lj > len(y) + 1:
                    continue
                if y[0] != x[0] and y[0] != ut[0]:
                    continue
                yb = sp(y).encode()
                best = similarity.jaro_winkler(sp(x + ut).encode(), yb)
                s2 = similarity.jaro_winkler(sp(ut + x).encode(), yb)
                if s2 > best:
                    best = s2
                if best > g[0] and best >= FLOOR:
                    g[0] = best
                    mine.append(u)
                    used[u] = gi
                    break


def _score(q, tids, rows, ix, need, detail):
    """Name score (bp) of prepared query name q against the index name of token ids tids;
    rows[tid][i] is the pair similarity of index token tid and query token i. When the score
    cannot reach ``need`` its upper bound (< need) is returned without the token-set part.
    With ``detail``, also the why (else None)."""
    nq = q.n
    n = len(tids)
    tok_w = ix.tok_w
    tok = ix.tok
    tok_rank = ix.tok_rank
    # similar pairs, best first; ties by weight, then by the tokens' text (their ranks)
    pairs = []
    for j in range(n):
        tid = tids[j]
        row = rows[tid]
        rn = tok_rank[tid]
        for i in range(nq):
            sv = row[i]
            if sv:
                rq = q.rank[i]
                if rq < rn:
                    pairs.append((-sv, -tok_w[tid] - q.w[i], rq, rn, i, j))
                else:
                    pairs.append((-sv, -tok_w[tid] - q.w[i], rn, rq, i, j))
    qused = [-1] * nq
    nused = [-1] * n
    got = []                 # [s, [query token indexes], [index token positions]]
    if pairs:
        pairs.sort()
        left = nq if nq < n else n
        merge = False
        for p in pairs:
            i = p[4]
            j = p[5]
            if qused[i] < 0 and nused[j] < 0:
                qused[i] = len(got)
                nused[j] = len(got)
                got.append([-p[0], [i], [j]])
                if p[0] > -10000:
                    d = len(q.toks[i]) - len(tok[tids[j]])
                    if d >= 2 or d <= -2:
                        merge = True        # x+u may spell y: see _merge
                left -= 1
                if left == 0:
                    break
        if merge and len(got) < (nq if nq > n else n):
            _merge(q, tids, tok, got, qused, nused)
    num = 0
    den = 0
    ph = 0
    name_pair = False
    tok_kind = ix.tok_kind
    tok_key = ix.tok_key
    for g in got:
        if len(g[1]) == 1 and len(g[2]) == 1:
            # a pair weighs as its lighter token, twice: a misspelt generic word is still
            # generic ("tradng" / "trading")
            pw = q.w[g[1][0]]
            wn = tok_w[tids[g[2][0]]]
            pw = 2 * (pw if pw < wn else wn)
        else:
            pw = 0
            for i in g[1]:
                pw += q.w[i]
            for j in g[2]:
                pw += tok_w[tids[j]]
        num += pw * g[0]
        den += pw
        if len(g[1]) == 1 and len(g[2]) == 1:
            i = g[1][0]
            tid = tids[g[2][0]]
            if q.kinds[i] == 0 and tok_kind[tid] == 0:
                name_pair = True
            kq = q.keys[i]
            if kq and kq == tok_key[tid] or q.rank[i] == tok_rank[tid]:
                ph += pw
        else:
            name_pair = True
            ph += pw
    # tokens left: the heaviest of each side disagree pairwise (full weight), the lightest
    # of the longer side are surplus (SURPLUS_PCT of their weight)
    lq = [q.w[i] for i in range(nq) if qused[i] < 0]
    ln = [tok_w[tids[j]] for j in range(n) if nused[j] < 0]
    if len(lq) > len(ln):
        longer, shorter = lq, ln
    else:
        longer, shorter = ln, lq
    for w in shorter:
        den += w
    longer.sort()
    k = len(longer) - len(shorter)
    sur = 0
    for x in range(len(longer)):
        if x < k:
            sur += longer[x]
        else:
            den += longer[x]
    den = den * 100 + sur * SURPLUS_PCT
    if den == 0:
        return 0, None
    a = (num * 200 + den) // (2 * den)
    bound = (A_PCT * a + T_PCT * 10000) // 100
    if not detail and bound < need:
        return bound, None
    if not name_pair and bound > GENERIC_CAP and (lq or ln):
        # only generic words, particles or initials agree, and not every token has its
        # counterpart: a different name made of common words
        bound = GENERIC_CAP
        if not detail and bound < need:
            return bound, None
    t = similarity.token_set_ratio(q.joined, " ".join([tok[x] for x in tids]))
    score = (A_PCT * a + T_PCT * t) // 100
    if score > bound:
        score = bound
    if not detail:
        return score, None
    why = []
    for g in got:
        why.append([" ".join([q.toks[i] for i in g[1]]),
                    " ".join([tok[tids[j]] for j in g[2]]), g[0]])
    for i in range(nq):
        if qused[i] < 0:
            why.append([q.toks[i], "", 0])
    for j in range(n):
        if nused[j] < 0:
            why.append(["", tok[tids[j]], 0])
    return score, {"tokens": why, "name_score": score, "alignment": a, "token_set": t,
                   "phonetic": (ph * 20000 * 100 + den) // (2 * den)}


def _dob_qualifier(qdob, dobs):
    if not qdob or not dobs:
        return 0, ""
    best = None
    for d in dobs:
        if len(d) < 4 or not d[:4].isdigit():
            continue
        k = len(qdob) if len(qdob) < len(d) else len(d)
        if qdob[:k] == d[:k]:
            if k >= 10:
                return Q_DOB_FULL, "dob_match"
            best = (Q_DOB_YEAR, "dob_year_match")
        elif best is None or best[0] < 0:
            gap = int(qdob[:4]) - int(d[:4])
            if gap < 0:
                gap = -gap
            cand = (Q_DOB_NEAR, "dob_near") if gap <= 1 else (Q_DOB_OFF, "dob_mismatch")
            if best is None or cand[0] > best[0]:
                best = cand
    if best is None:
        return 0, ""
    return best


def _type_qualifier(qtype, etype):
    if not qtype or qtype == entry_mod.UNKNOWN or etype == entry_mod.UNKNOWN or qtype == etype:
        return 0, ""
    if qtype == entry_mod.INDIVIDUAL or etype == entry_mod.INDIVIDUAL:
        return Q_TYPE_PERSON, "type_mismatch"
    return Q_TYPE_OTHER, "type_mismatch"


def _country_qualifier(qc, countries):
    if not qc or not countries:
        return 0, ""
    if qc in countries:
        return Q_COUNTRY, "country_match"
    return Q_COUNTRY_OFF, "country_mismatch"


def _qual_text(name, v):
    return "%s:%s%d" % (name, "+" if v >= 0 else "", v)


_TYPES = {"individual": entry_mod.INDIVIDUAL, "person": entry_mod.INDIVIDUAL,
          "entity": entry_mod.ENTITY, "organization": entry_mod.ENTITY,
          "organisation": entry_mod.ENTITY, "company": entry_mod.ENTITY,
          "vessel": entry_mod.VESSEL, "aircraft": entry_mod.AIRCRAFT,
          "unknown": entry_mod.UNKNOWN, "": entry_mod.UNKNOWN}


def _date_ok(d):
    n = len(d)
    if n == 0:
        return True
    if n not in (4, 7, 10) or not d[:4].isdigit():
        return False
    if n >= 7 and (d[4] != "-" or not d[5:7].isdigit()):
        return False
    return n == 7 or n == 4 or (d[7] == "-" and d[8:10].isdigit())


def _check_query(query):
    if type(query) is not dict:
        raise ValueError("a query is a dict with a name")
    name = query.get("name")
    if type(name) is not str or not name.strip():
        raise ValueError("query name must be a non-empty string")
    names = [name]
    al = query.get("aliases") or []
    if type(al) not in (list, tuple) or len(al) + 1 > MAX_QUERY_NAMES:
        raise ValueError("query aliases must be a list of at most %d names"
                         % (MAX_QUERY_NAMES - 1))
    for a in al:
        if type(a) is not str:
            raise ValueError("query aliases must be strings")
        if a.strip():
            names.append(a)
    for nm in names:
        if len(nm) > MAX_QUERY_TEXT:
            raise ValueError("a query name is longer than %d characters" % MAX_QUERY_TEXT)
    t = query.get("type") or ""
    if type(t) is not str or t.lower() not in _TYPES:
        raise ValueError("query type must be individual, entity, vessel or aircraft")
    c = query.get("country") or ""
    if type(c) is not str or len(c) > 2:
        raise ValueError("query country must be an ISO 3166 alpha-2 code or empty")
    d = query.get("dob") or ""
    if type(d) is not str or not _date_ok(d):
        raise ValueError("query dob must be YYYY, YYYY-MM or YYYY-MM-DD, or empty")
    return names, _TYPES[t.lower()], c.upper(), d


class Index:
    """The blocking index of one list, and its search."""

    def __init__(self, entries=None, max_names=MAX_NAMES, expect=0):
        """entries: index them and finish (else add() them, then finish()). expect: how
        many entries are coming (optional, a hint: the build's dicts start that big)."""
        self.max_names = max_names
        self.entries = []
        self.names = []          # name id -> (entry index, name as listed, token ids)
        self.tok = []            # token id -> token text (ids in order of first sight)
        self.tok_raw = []        # token id -> its spelling (similarity.spelling) as bytes
        self.tok_w = []          # token id -> weight
        self.tok_kind = []       # token id -> normalize kind
        self.tok_key = []        # token id -> phonetic key
        self.tok_mask = []       # token id -> similarity.letter_mask of its spelling
        self.tok_b = []          # token id -> (mask, repeats, length) of its spelling
        self.tok_rank = []       # token id -> 2 * its place in sorted order (finish)
        self._sorted = []        # the tokens, sorted (finish)
        # Postings: a name is recorded as its tokens' "units" (token id * 2, + 1 when the
        # name has no NAME token: see _register), in one flat list for all names; finish()
        # makes each unit's list of names at its final size (MicroPython's allocator slows
        # down badly when thousands of small lists each grow: every regrowth searches a
        # heap full of the holes the others left). postings maps a key to its one unit
        # (an int: units[it] are the names) or, for a key of several units, to its list of
        # names (their lists merged at C speed); posting(key) reads either.
        self.units = []          # unit -> [name id] (finish)
        self._flat = []          # units, name after name (-1 ends a name)
        self._count = []         # unit -> its number of names
        self._last = []          # unit -> the last name id it got
        self._merged = []        # keys of several units
        # tok_id, postings and the memo: made by _roomy for room[i] keys, they grow by
        # _regrow when they hold 1.5 times that (checked once per entry).
        if entries is not None and type(entries) in (list, tuple):
            expect = len(entries)
        n = 2 * expect if expect > 128 else 256     # SDN: 2 tokens, 3.5 keys an entry
        if n > MAX_DISTINCT_TOKENS:
            n = MAX_DISTINCT_TOKENS
        self._room = [n, 2 * n, n]
        self.tok_id = _roomy(n)  # token -> token id
        self.postings = _roomy(2 * n)   # key -> unit or [name id]
        self._memo = _roomy(n)   # word -> spelling or None (normalize.tokens' memo)
        self.finished = False
        self.last_candidates = 0
        if entries is not None:
            for e in entries:
                self.add(e)
            self.finish()

    def _new_token(self, t):
        """Number token t and work out, once, what the index keeps of it."""
        tok = self.tok
        tid = len(tok)
        if tid >= MAX_DISTINCT_TOKENS:
            raise entry_mod.ListError("index", len(self.entries), "names",
                                      "more than %d distinct name tokens"
                                      % MAX_DISTINCT_TOKENS)
        tok.append(t)
        kd = normalize.kind(t)
        self.tok_kind.append(kd)
        self.tok_w.append(WEIGHT[kd])
        self.tok_key.append(similarity.phonetic(t))
        r = self._memo.get(t)   # None: a dropped word kept (nothing else) or a cut one
        if r is None:
            r = similarity.spelling(t)
        r = r.encode()
        self.tok_raw.append(r)
        mk = similarity.letter_mask(r)
        self.tok_mask.append(mk)
        self.tok_b.append((mk[0], mk[1], len(r)))
        self._count.extend(_TWO_ZEROS)
        self._last.extend(_TWO_NONES)
        self.tok_id[t] = tid
        return tid

    def _register(self, u):
        """Note the keys unit u's names post under (on its first name): in a name with a
        NAME token (u even), a NAME token posts its text, phonetic key and affixes; a
        generic word its text (read only while the list is short, GENERIC_SCAN); a
        particle or an initial nothing. In a name with no NAME token (u odd), every token
        posts its text and phonetic key."""
        tid = u >> 1
        t = self.tok[tid]
        pk = self.tok_key[tid]
        kd = self.tok_kind[tid]
        if u & 1:
            keys = (t, "#" + pk) if pk else (t,)
        elif kd == 0:
            n = len(t)
            if pk:
                if n >= 4:
                    keys = (t, "#" + pk, "^" + t[:3], "$" + t[n - 3:])
                else:
                    keys = (t, "#" + pk)
            elif n >= 4:
                keys = (t, "^" + t[:3], "$" + t[n - 3:])
            else:
                keys = (t,)
        elif kd == 1:
            keys = (t,)
        else:
            return
        post = self.postings
        for k in keys:
            cur = post.setdefault(k, u)
            if cur != u:
                if type(cur) is int:
                    post[k] = [cur, u]
                    self._merged.append(k)
                else:
                    cur.append(u)

    def add(self, e):
        """Index one entry (every name of it)."""
        if self.finished:
            raise ValueError("the index is finished; build a new one")
        ei = len(self.entries)
        self.entries.append(e)
        room = self._room
        n = room[0]
        if len(self.tok_id) > n + n // 2:
            room[0] = 2 * n
            self.tok_id = _regrow(self.tok_id, 2 * n)
        n = room[1]
        if len(self.postings) > n + n // 2:
            room[1] = 2 * n
            self.postings = _regrow(self.postings, 2 * n)
        n = room[2]
        if len(self._memo) > n + n // 2:
            room[2] = 2 * n
            self._memo = _regrow(self._memo, 2 * n)
        seen = None
        multi = len(e.names) > 1
        tok_id = self.tok_id
        tok_kind = self.tok_kind
        memo = self._memo
        flat = self._flat
        count = self._count
        last = self._last
        for nm in e.names:
            toks = normalize.tokens(nm, memo)
            if not toks:
                continue
            tids = []
            no_name = 1          # only generic words, particles, initials: all post
            for t in toks:
                tid = tok_id.get(t)
                if tid is None:
                    tid = self._new_token(t)
                tids.append(tid)
                if tok_kind[tid] == 0:
                    no_name = 0
            tids = tuple(tids)
            if multi:            # an entry's names that normalise alike count once
                if seen is None:
                    seen = [tids]
                elif tids in seen:
                    continue
                else:
                    seen.append(tids)
            nid = len(self.names)
            if nid >= self.max_names:
                raise entry_mod.ListError(e.list, ei + 1, "names",
                                          "more than %d names in one list" % self.max_names)
            self.names.append((ei, nm, tids))
            for u in tids:
                u = u + u + no_name
                if last[u] != nid:
                    last[u] = nid
                    c = count[u]
                    if c == 0:
                        self._register(u)
                    count[u] = c + 1
                    flat.append(u)
            flat.append(-1)      # end of the name

    def finish(self):
        """Lay out the postings and rank the tokens in sorted order (ties between pairs
        are broken by the tokens' text)."""
        if self.finished:
            return
        units = [[0] * c if c else None for c in self._count]
        pos = [0] * len(units)
        nid = 0
        for u in self._flat:
            if u < 0:
                nid += 1
                continue
            j = pos[u]
            units[u][j] = nid
            pos[u] = j + 1
        self._flat = self._count = self._last = pos = None
        post = self.postings
        for k in self._merged:
            p = []
            for u in post[k]:
                p += units[u]
            # two tokens of one name may share the key: each name once
            once = set(p)
            post[k] = sorted(once if len(once) < len(p) else p)
        self._merged = None
        self.units = units
        srt = sorted(self.tok)
        rank = [0] * len(srt)
        tok_id = self.tok_id
        for i in range(len(srt)):
            rank[tok_id[srt[i]]] = i + i
        self.tok_rank = rank
        self._sorted = srt
        self._memo = None
        self.finished = True

    def posting(self, key):
        """The name ids under key ([] when none)."""
        p = self.postings.get(key)
        if p is None:
            return []
        return self.units[p] if type(p) is int else p

    def rank(self, t):
        """2 * sorted place for a token of the index, else 2 * (its sorted place) + 1."""
        tid = self.tok_id.get(t)
        if tid is not None:
            return self.tok_rank[tid]
        srt = self._sorted
        lo = 0
        hi = len(srt)
        while lo < hi:
            mid = (lo + hi) // 2
            if srt[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        return lo + lo - 1 if lo else -1

    def stats(self):
        n = 0
        for k in self.postings:
            n += len(self.posting(k))
        return {"entries": len(self.entries), "names": len(self.names),
                "tokens": len(self.tok), "keys": len(self.postings), "postings": n}

    def prepare(self, name):
        """A query name as _Prepared, or None when it has no tokens."""
        memo = {}
        toks = normalize.tokens(name, memo)
        return _Prepared(toks, self, memo) if toks else None

    def _query_keys(self, preps):
        keys = {}
        for q in preps:
            for i in range(len(q.toks)):
                t = q.toks[i]
                kd = q.kinds[i]
                if kd != 0 and q.has_name:
                    if kd == 1 and t not in keys:
                        keys[t] = -KEY_AFFIX        # generic: only if its posting is short
                    continue
                keys[t] = KEY_EXACT
                if q.keys[i]:
                    k = "#" + q.keys[i]
                    if keys.get(k, 0) < KEY_PHONETIC:
                        keys[k] = KEY_PHONETIC
                if kd == 0:
                    for a in _affixes(t):
                        if a not in keys:
                            keys[a] = KEY_AFFIX
        return keys

    def candidates(self, preps, max_candidates):
        """Name ids to score: postings of the query's keys, rarest first, heaviest kept."""
        found = []
        post = self.postings
        units = self.units
        for k, w in self._query_keys(preps).items():
            p = post.get(k)
            if p is not None and type(p) is int:
                p = units[p]
            if p:
                if w < 0:
                    if len(p) > GENERIC_SCAN:
                        continue
                    w = -w
                found.append((len(p), k, w, p))
        found.sort()
        cand = {}
        for ln, k, w, p in found:
            inc = w * 1000000 // (ln + 8)
            if len(cand) < max_candidates:
                for nid in p:
                    cand[nid] = cand.get(nid, 0) + inc
            else:
                for nid in p:
                    if nid in cand:
                        cand[nid] += inc
        if len(cand) <= max_candidates:
            return list(cand)
        order = [(-wt, nid) for nid, wt in cand.items()]
        order.sort()
        return [x[1] for x in order[:max_candidates]]

    def _rows(self, q, tids, rows):
        """Make sure rows[tid] (a list by token id, None: not yet) holds the pair
        similarities (_pair_sim) of index token tid with every token of query name q: a
        list of them, then the bit mask of the query tokens it is similar to, then 1 when a
        similar pair (not equal) differs in length by 2 or more (a merge may follow, see
        _merge); q.zero when it is like none. See _bound, which makes them."""
        self._bound(q, tids, rows)

    def _bound(self, q, tids, rows):
        """An upper bound (bp) of the name score of prepared query name q against the index
        name of token ids tids, from the rows' summaries, making the rows it reads (see
        _rows) on the way: most candidates end here, below the score a search needs.

        A = sum(pair weight x s) / (pair weights + leftovers, each at least SURPLUS_PCT% of
        its weight) (_score): a pair weighs at most its two tokens, so with W the weight of
        the tokens in pairs (or merged into one: at most one token a pair, and only when
        some similar pair differs in length by 2+), all s = 1 and the rest at SURPLUS_PCT%,
        A <= W / (W + SURPLUS_PCT% (total - W)).

        A row's pairs first meet the letter bound (_thr): most pairs of a candidate are
        unrelated words and end there."""
        nq = q.n
        zero = q.zero
        tok_w = self.tok_w
        tok_b = self.tok_b
        pop = similarity.POP
        qm = 0
        wn = 0
        kn = 0
        mg = 0
        wt = q.wsum
        for tid in tids:
            row = rows[tid]
            if row is None:
                mb, pb, lb = tok_b[tid]
                for ma, tq, pa, tla, tlb, i in q.bound:
                    x = ma & mb
                    if pop[x & 8191] + pop[x >> 13] < tq[lb]:
                        continue
                    m = pop[x & 8191] + pop[x >> 13] + (pa if pa < pb else pb)
                    ta = tla[lb]
                    if m >= ta:
                        # _pair_sim past the letter bound: ta letters in common make Jaro
                        # 0.69995 possible, tlb[lb] 0.74995 (FLOOR without Winkler's
                        # bonus, which needs a common first letter)
                        tb = self.tok[tid]
                        if q.toks[i] == tb:
                            sv = 10000
                        else:
                            ra = q.raw[i]
                            rb = self.tok_raw[tid]
                            if ra == rb:
                                sv = SPELLING_SAME
                            else:
                                ka = q.keys[i]
                                lift = len(ka) >= 2 and ka == self.tok_key[tid]
                                if lift or ra[0] == rb[0]:
                                    sv = _sim(ra, rb, lift, ta)
                                elif m < tlb[lb]:
                                    sv = 0
                                else:
                                    sv = _sim(ra, rb, False, tlb[lb])
                        if sv:
                            if row is None:
                                row = [0] * (nq + 2)
                            row[i] = sv
                            row[nq] |= 1 << i
                            if sv < 10000:
                                d = len(q.toks[i]) - len(tb)
                                if d >= 2 or d <= -2:
                                    row[nq + 1] = 1
                if row is None:
                    row = zero
                rows[tid] = row
            w = tok_w[tid]
            wt += w
            if row is not zero:
                qm |= row[nq]
                mg |= row[nq + 1]
                wn += w
                kn += 1
        if qm == 0:
            w = 0
        else:
            wm = q.wmask
            if wm is not None:
                w = wm[qm] + wn
            else:
                w = wn
                for i in range(nq):
                    if qm >> i & 1:
                        w += q.w[i]
            if mg:
                k = similarity.popcount(qm)
                if kn < k:
                    k = kn
                w += 100 * k
                if w > wt:
                    w = wt
        d = 100 * w + SURPLUS_PCT * (wt - w)
        return (A_PCT * ((w * 2000000 + d) // (2 * d)) + T_PCT * 10000) // 100

    def score_name(self, q, nid, need=0, detail=False, cache=None):
        """(name score, why) of prepared query name q against name nid (tools, tests)."""
        if cache is None:
            cache = [None] * len(self.tok)
        tids = self.names[nid][2]
        self._rows(q, tids, cache)
        return _score(q, tids, cache, self, need, detail)

    def search(self, query, threshold, limit=10, max_candidates=DEFAULT_CANDIDATES,
               stats=None):
        """Entries whose best name scores at least ``threshold`` (bp, or a fraction: see
        threshold_bp) for ``query`` ({"name", "type", "country", "dob", "aliases"}), best
        first, at most ``limit``. ``stats`` (a dict), when given, gets the candidate and
        scored counts; ``last_candidates`` keeps the number of names scored."""
        if not self.finished:
            raise ValueError("the index is not finished")
        thr = threshold_bp(threshold)
        if type(limit) is not int or limit < 1 or limit > MAX_LIMIT:
            raise ValueError("limit must be within 1..%d" % MAX_LIMIT)
        if type(max_candidates) is not int or not 1 <= max_candidates <= MAX_CANDIDATES:
            raise ValueError("max_candidates must be within 1..%d" % MAX_CANDIDATES)
        names, qtype, qcountry, qdob = _check_query(query)
        preps = []
        for nm in names:
            q = self.prepare(nm)
            if q is not None:
                preps.append(q)
        self.last_candidates = 0
        if not preps:
            if stats is not None:
                stats["candidates"] = 0
                stats["scored"] = 0
            return []
        cands = self.candidates(preps, max_candidates)
        bonus = (Q_DOB_FULL if qdob else 0) + (Q_COUNTRY if qcountry else 0)
        need = thr - bonus              # the least name score that can still reach thr
        best = {}                       # entry index -> (score, nid, prep index)
        caches = [[None] * len(self.tok) for _ in preps]   # per query name: _rows'
        scored = 0
        names_ = self.names
        for nid in cands:
            ei, _nm, tids = names_[nid]
            for pi in range(len(preps)):
                q = preps[pi]
                cache = caches[pi]
                scored += 1
                if self._bound(q, tids, cache) < need:
                    continue
                sc, _ = _score(q, tids, cache, self, need, False)
                if sc < need:
                    continue
                cur = best.get(ei)
                if cur is None or sc > cur[0] or (sc == cur[0] and nid < cur[1]):
                    best[ei] = (sc, nid, pi)
        out = []
        for ei in best:
            sc, nid, pi = best[ei]
            e = self.entries[ei]
            total = sc
            quals = []
            for v, name in (_type_qualifier(qtype, e.type), _dob_qualifier(qdob, e.dobs),
                            _country_qualifier(qcountry, e.countries)):
                if name:
                    total += v
                    quals.append(_qual_text(name, v))
            if total > 10000:
                total = 10000
            if total < 0:
                total = 0
            if total < thr:
                continue
            out.append((-total, ei, nid, pi, quals))
        out.sort()
        res = []
        for neg, ei, nid, pi, quals in out[:limit]:
            e = self.entries[ei]
            _sc, why = _score(preps[pi], names_[nid][2], caches[pi], self, 0, True)
            why["qualifiers"] = quals
            res.append({"list": e.list, "entry_id": e.id, "matched_name": names_[nid][1],
                        "score": -neg, "entry_type": e.type, "why": why})
        self.last_candidates = scored
        if stats is not None:
            stats["candidates"] = len(cands)
            stats["scored"] = scored
        return res


def _pair_index(b):
    ix = Index()
    ix.add(entry_mod.Entry("", "", entry_mod.UNKNOWN, [b]))
    ix.finish()
    return ix


def explain(a, b):
    """(name score, why) of name a against name b, as text: no index, no qualifiers (tests,
    tools). Symmetric: explain(a, b)[0] == explain(b, a)[0]."""
    ix = _pair_index(b)
    q = ix.prepare(a)
    if q is None or not ix.names:
        return 0, {"tokens": [], "name_score": 0}
    return ix.score_name(q, 0, 0, True)


def name_score(a, b):
    """The name score (bp) of two names as text (see explain)."""
    return explain(a, b)[0]
