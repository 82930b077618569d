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
and keeps the max_candidates heaviest: a few hundred names are scored, not the list.

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
    for k in d:
        out[k] = d[k]
    return out


def _affixes(tok):
    n = len(tok)
    if n < 4:
        return ()
    return ("^" + tok[:3], "$" + tok[n - 3:])


class _Prepared:
    """One query name, normalised, ready to score against an index: per token its text,
    spelling bytes, weight, kind, phonetic key and rank (the token's place in the index's
    sorted token order: 2 * token id when the index has it, odd otherwise), so that ties
    between pairs are broken by the tokens' text, never by where they stand."""

    __slots__ = ("toks", "raw", "w", "kinds", "keys", "has_name", "joined", "rank",
                 "sorted_rank", "masks")

    def __init__(self, toks, index):
        self.toks = toks
        self.raw = [similarity.spelling(t).encode() for t in toks]
        self.kinds = [normalize.kind(t) for t in toks]
        self.w = [WEIGHT[k] for k in self.kinds]
        self.keys = [similarity.phonetic(t) for t in toks]
        self.has_name = 0 in self.kinds
        self.joined = " ".join(toks)
        self.rank = [index.rank(t) for t in toks]
        sr = list(self.rank)
        sr.sort()
        self.sorted_rank = sr
        self.masks = [similarity.letter_mask(r) for r in self.raw]


def _pair_sim(ta, tb, ra, rb, ka, kb, ma, mb):
    """Similarity of tokens ta and tb in bp, symmetric: 1 when equal, else Jaro-Winkler of
    their spellings (similarity.spelling, as bytes ra/rb) lifted half-way to 1 by equal
    phonetic keys ka/kb; two spellings of one token (ra == rb) score SPELLING_SAME, below an
    exact match. Below FLOOR it is 0, so a pair whose letters (ma/mb: letter_mask of ra/rb)
    bound Jaro-Winkler under the floor is not computed at all."""
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
    nq = len(q.toks)
    n = len(tids)
    tok_w = ix.tok_w
    tok = ix.tok
    # similar pairs, best first; ties by weight, then by the tokens' text (their ranks)
    pairs = []
    for j in range(n):
        tid = tids[j]
        row = rows[tid]
        rn = tid + tid
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
            if kq and kq == tok_key[tid] or q.rank[i] == tid + tid:
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
        self.tok_id = {}         # token -> token id
        self.tok = []            # token id -> token text (sorted once finished)
        self.tok_raw = []        # token id -> its spelling (similarity.spelling) as bytes
        self.tok_w = []          # token id -> weight
        self.tok_kind = []       # token id -> normalize kind
        self.tok_key = []        # token id -> phonetic key
        self.tok_mask = []       # token id -> similarity.letter_mask of its spelling
        self.postings = {}       # key -> [name id] (made by finish)
        # While building, postings go to one flat list (MicroPython's allocator slows down
        # badly when thousands of small lists each grow: every regrowth searches a heap
        # full of the holes the others left), and finish() makes each key's list at its
        # final size.
        self._flat = []          # key ids, name after name
        self._count = []         # key id -> its number of names
        self._last = []          # key id -> the last name id it got
        # The dicts below grow by _regrow (see _roomy), checked once per entry.
        if entries is not None and type(entries) in (list, tuple):
            expect = len(entries)
        n = 4 * expect if expect > 64 else 256      # SDN: 3.5 keys, 2 tokens an entry
        if n > 4 * MAX_DISTINCT_TOKENS:
            n = 4 * MAX_DISTINCT_TOKENS
        self._room = n
        self._kid = _roomy(n)    # key -> key id
        # token -> [token id, kind, key ids its names post, key ids when its name has no
        # NAME token (made on first use), phonetic key]
        self._info = _roomy(n)
        self._memo = _roomy(n)   # word -> spelling or None (normalize.tokens' memo)
        self.finished = False
        self.last_candidates = 0
        if entries is not None:
            for e in entries:
                self.add(e)
            self.finish()

    def _kids(self, keys):
        """The key ids of keys (numbered on first sight)."""
        out = []
        kid = self._kid
        for k in keys:
            i = kid.get(k)
            if i is None:
                i = len(self._count)
                kid[k] = i
                self._count.append(0)
                self._last.append(-1)
            out.append(i)
        return tuple(out)

    def _new_token(self, t):
        """Number token t and work out, once, what its names post: a NAME token its text,
        phonetic key and affixes; a generic word its text (read only while the list is
        short, GENERIC_SCAN); a particle or an initial nothing. In a name with no NAME
        token, every token posts its text and phonetic key."""
        if len(self.tok) >= MAX_DISTINCT_TOKENS:
            raise entry_mod.ListError("index", len(self.entries), "names",
                                      "more than %d distinct name tokens"
                                      % MAX_DISTINCT_TOKENS)
        tid = len(self.tok)
        self.tok.append(t)
        kd = normalize.kind(t)
        pk = similarity.phonetic(t)
        if kd == 0:
            keys = [t]
            if pk:
                keys.append("#" + pk)
            for a in _affixes(t):
                keys.append(a)
            kids = self._kids(keys)
        elif kd == 1:
            kids = self._kids((t,))
        else:
            kids = ()
        x = [tid, kd, kids, None, pk]
        self._info[t] = x
        return x

    def add(self, e):
        """Index one entry (every name of it)."""
        if self.finished:
            raise ValueError("the index is finished; build a new one")
        ei = len(self.entries)
        self.entries.append(e)
        n = self._room
        if len(self._kid) > n or len(self._info) > n or len(self._memo) > n:
            n = self._room = 2 * n
            self._kid = _regrow(self._kid, n)
            self._info = _regrow(self._info, n)
            self._memo = _regrow(self._memo, n)
        seen = None
        info = self._info
        memo = self._memo
        flat = self._flat
        count = self._count
        last = self._last
        for nm in e.names:
            toks = normalize.tokens(nm, memo)
            if not toks:
                continue
            k = " ".join(toks)
            if seen is None:
                seen = [k]
            elif k in seen:
                continue
            else:
                seen.append(k)
            if len(self.names) >= self.max_names:
                raise entry_mod.ListError(e.list, ei + 1, "names",
                                          "more than %d names in one list" % self.max_names)
            nid = len(self.names)
            xs = []
            no_name = True       # only generic words, particles, initials: all post
            for t in toks:
                x = info.get(t)
                if x is None:
                    x = self._new_token(t)
                xs.append(x)
                if x[1] == 0:
                    no_name = False
            self.names.append((ei, nm, tuple([x[0] for x in xs])))
            for x in xs:
                if no_name:
                    kids = x[3]
                    if kids is None:
                        kids = self._kids([self.tok[x[0]]] + (["#" + x[4]] if x[4] else []))
                        x[3] = kids
                else:
                    kids = x[2]
                for i in kids:
                    if last[i] != nid:
                        last[i] = nid
                        count[i] += 1
                        flat.append(i)
            flat.append(-1)      # end of the name

    def finish(self):
        """Number the tokens in sorted order (ties between pairs are then broken by text),
        compute their spellings, weights, kinds and phonetic keys, and lay out the
        postings."""
        if self.finished:
            return
        count = self._count
        lists = [[0] * c for c in count]
        pos = [0] * len(count)
        nid = 0
        for i in self._flat:
            if i < 0:
                nid += 1
                continue
            j = pos[i]
            lists[i][j] = nid
            pos[i] = j + 1
        self._flat = self._count = self._last = pos = None
        postings = self._kid         # key -> key id becomes key -> its names
        for k in postings:
            postings[k] = lists[postings[k]]
        self.postings = postings
        self._kid = None
        old = self.tok
        srt = sorted(old)
        info = self._info
        memo = self._memo
        sp = similarity.spelling
        for t in srt:
            x = info[t]
            r = memo.get(t)         # None: a dropped word kept (nothing else) or a cut one
            if r is None:
                r = sp(t)
            r = r.encode()
            self.tok_raw.append(r)
            self.tok_mask.append(similarity.letter_mask(r))
            self.tok_kind.append(x[1])
            self.tok_w.append(WEIGHT[x[1]])
            self.tok_key.append(x[4])
        tok_id = info                # token -> its info becomes token -> token id
        for pos in range(len(srt)):
            tok_id[srt[pos]] = pos
        self.tok_id = tok_id
        new = [tok_id[t] for t in old]
        names = self.names
        for nid in range(len(names)):
            ei, nm, tids = names[nid]
            names[nid] = (ei, nm, tuple([new[t] for t in tids]))
        self.tok = srt
        self._info = None
        self._memo = None
        self.finished = True

    def rank(self, t):
        """2 * token id for a token of the index, else 2 * (its sorted place) + 1."""
        tid = self.tok_id.get(t)
        if tid is not None:
            return tid + tid
        lo = 0
        hi = len(self.tok)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.tok[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        return lo + lo - 1 if lo else -1

    def stats(self):
        n = 0
        for k in self.postings:
            n += len(self.postings[k])
        return {"entries": len(self.entries), "names": len(self.names),
                "tokens": len(self.tok), "keys": len(self.postings), "postings": n}

    def prepare(self, name):
        """A query name as _Prepared, or None when it has no tokens."""
        toks = normalize.tokens(name)
        return _Prepared(toks, self) if toks else None

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
        for k, w in self._query_keys(preps).items():
            p = self.postings.get(k)
            if p:
                if w < 0:
                    if len(p) > GENERIC_SCAN:
                        continue
                    w = -w
                found.append((len(p), k, w))
        found.sort()
        cand = {}
        for ln, k, w in found:
            inc = w * 1000000 // (ln + 8)
            p = self.postings[k]
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

    def _rows(self, q, tids, cache):
        """Make sure cache[tid] holds the pair similarities (_pair_sim) of index token tid
        with every token of query name q. _pair_sim's letter bound is inlined here: most
        pairs of a candidate are unrelated words and end at the bound."""
        nq = len(q.toks)
        pop = similarity.POP
        for tid in tids:
            if tid in cache:
                continue
            tb = self.tok[tid]
            rb = self.tok_raw[tid]
            kb = self.tok_key[tid]
            mb, pb = self.tok_mask[tid]
            lb = len(rb)
            row = [0] * nq
            for i in range(nq):
                if q.toks[i] == tb:
                    row[i] = 10000
                    continue
                ra = q.raw[i]
                if ra == rb:
                    row[i] = SPELLING_SAME
                    continue
                ma, pa = q.masks[i]
                x = ma & mb
                m = pop[x & 8191] + pop[(x >> 13) & 8191] + pop[x >> 26] + (pa if pa < pb else pb)
                la = len(ra)
                if m > la:
                    m = la
                if m > lb:
                    m = lb
                # Jaro <= (m/la + m/lb + 1) / 3; with a common first letter Winkler adds at
                # most 4 x 0.1 of the rest. Needed: FLOOR, or the lift's start when the
                # phonetic keys agree.
                nn = m * (la + lb) + la * lb
                d3 = 3 * la * lb
                ka = q.keys[i]
                need = PHONETIC_LIFT_FROM if ka and ka == kb and len(ka) >= 2 else FLOOR
                if ra[0] == rb[0]:
                    if 1000 * (6 * nn + 4 * d3) < need * d3:
                        continue
                elif 10000 * nn < need * d3:
                    continue
                row[i] = _pair_sim(q.toks[i], tb, ra, rb, ka, kb, q.masks[i], self.tok_mask[tid])
            cache[tid] = row

    def score_name(self, q, nid, need=0, detail=False, cache=None):
        """(name score, why) of prepared query name q against name nid (tools, tests)."""
        if cache is None:
            cache = {}
        tids = self.names[nid][2]
        self._rows(q, tids, cache)
        return _score(q, tids, cache, self, need, detail)

    def search(self, query, threshold, limit=10, max_candidates=500, stats=None):
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
        caches = [{} for _ in preps]    # per query name: token id -> pair similarities
        scored = 0
        names_ = self.names
        for nid in cands:
            ei, _nm, tids = names_[nid]
            for pi in range(len(preps)):
                q = preps[pi]
                cache = caches[pi]
                self._rows(q, tids, cache)
                scored += 1
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
