"""Sanctions name matching: a blocking index over one list and the score of a query against it.

Built once per list (Index(entries), or add() per entry then finish(), so a loader can yield
to the scheduler between entries), then searched by every screening. Portable; all scores
are integers in basis points (0..10000; format_score gives the API's "0.9731").

Blocking: every name's tokens (normalize.tokens) post the name under four keys: the token,
its phonetic key ("#" + similarity.phonetic), its first and its last 3 letters ("^...",
"$..."), so a misspelling late in a token keeps the prefix, one early keeps the suffix, and
a vowel or digraph change keeps the phonetic key. Generic words and particles post nothing
(unless a name has nothing else), so "trading" or "al" does not bring in thousands of
candidates. A query gathers the postings of its own keys, rarest first, each name gaining
weight (exact token 4, phonetic 2, prefix/suffix 1, divided by the posting's length) and
keeps the max_candidates heaviest: a few hundred names are scored, not the list.

Score of a query name Q against a list name N (both token lists), symmetric and independent
of token order:
- pair similarity s(q, n): 1 for equal tokens, 0.98 for two spellings of one token
  (similarity.spelling: kh/h, q/k, w/v, y/i, ...), else Jaro-Winkler of the spellings, lifted
  half-way to 1 when both tokens have the same phonetic key (jw >= 0.70, key of 2+ letters);
  below FLOOR (0.75) it is 0 (and is not computed when the letters bound it below).
- alignment A: the best pairing of tokens, greedy by similarity (ties broken by the token
  texts, so the order of the words never matters); then a token left over on one side may
  join its neighbour's pair when the two together spell the other side's token
  ("abdul rahman" / "abdulrahman"). Each token weighs 100 (a name), 25 (GENERIC) or 10 (a
  particle or an initial). A = sum(pair weight x s) / (sum of pair weights + SURPLUS_PCT% of
  the weight of tokens left over), the pair weight being the sum of its tokens' weights. A
  left-over token (a dropped middle name) costs 10% of a disagreeing one: "Vladimir Putin"
  against "Vladimir Vladimirovich Putin" scores 0.957, "Putin" alone against it 0.83.
- T: similarity.token_set_ratio of the two token strings (rapidfuzz's token_set_ratio).
- P: the share of the aligned weight whose pairs agree phonetically.
- name score = 80% A + 10% T + 10% P. A pairing with no agreeing pair of two name tokens
  (only generic words, particles or initials agree) is capped at GENERIC_CAP (0.70) unless
  the two token multisets are equal: "Global Trading" cannot hit "Global Trading Company".
Qualifiers, added to the best name's score of an entry when both sides know the field:
date of birth equal in full +300, in year (one side gives only the year) +150, year one apart
-300, further apart -1000; query country among the entry's +100, not among them -200;
individual against anything else -1500, other type differences -300. Then clamp to 0..10000.
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
        s = (s + 10000) // 2
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
                if len(mine) != 1 or len(other) != 1:
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
    pairs = []
    for j in range(n):
        tid = tids[j]
        row = rows[tid]
        wn = tok_w[tid]
        rn = tid + tid
        for i in range(nq):
            rq = q.rank[i]
            if rq < rn:
                pairs.append((-row[i], -wn - q.w[i], rq, rn, i, j))
            else:
                pairs.append((-row[i], -wn - q.w[i], rn, rq, i, j))
    pairs.sort()
    qused = [-1] * nq
    nused = [-1] * n
    got = []                 # [s, [query token indexes], [index token positions]]
    left = nq if nq < n else n
    for p in pairs:
        i = p[4]
        j = p[5]
        if qused[i] < 0 and nused[j] < 0:
            qused[i] = len(got)
            nused[j] = len(got)
            got.append([-p[0], [i], [j]])
            left -= 1
            if left == 0:
                break
    if nq != n:
        _merge(q, tids, ix.tok, got, qused, nused)
    num = 0
    den = 0
    ph = 0
    name_pair = False
    tok_kind = ix.tok_kind
    tok_key = ix.tok_key
    for g in got:
        pw = 0
        for i in g[1]:
            pw += q.w[i]
        for j in g[2]:
            pw += tok_w[tids[j]]
        s = g[0]
        if s < FLOOR:
            s = 0
        num += pw * s
        den += pw
        if s:
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
    sur = 0
    for i in range(nq):
        if qused[i] < 0:
            sur += q.w[i]
    for j in range(n):
        if nused[j] < 0:
            sur += tok_w[tids[j]]
    den = den * 100 + sur * SURPLUS_PCT
    if den == 0:
        return 0, None
    a = (num * 200 + den) // (2 * den)
    bound = (A_PCT * a + T_PCT * 10000) // 100
    if not detail and bound < need:
        return bound, None
    if not name_pair and bound > GENERIC_CAP:
        srt = [t + t for t in tids]
        srt.sort()
        if srt != q.sorted_rank:
            bound = GENERIC_CAP
            if not detail and bound < need:
                return bound, None
    ntext = " ".join([ix.tok[t] for t in tids])
    t = similarity.token_set_ratio(q.joined, ntext)
    score = (A_PCT * a + T_PCT * t) // 100
    if score > bound:
        score = bound
    if not detail:
        return score, None
    why = []
    for g in got:
        why.append([" ".join([q.toks[i] for i in g[1]]),
                    " ".join([ix.tok[tids[j]] for j in g[2]]), g[0]])
    for i in range(nq):
        if qused[i] < 0:
            why.append([q.toks[i], "", 0])
    for j in range(n):
        if nused[j] < 0:
            why.append(["", ix.tok[tids[j]], 0])
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
    if type(d) is not str or len(d) not in (0, 4, 7, 10) or not d[:4].isdigit() and d:
        raise ValueError("query dob must be YYYY, YYYY-MM or YYYY-MM-DD, or empty")
    return names, _TYPES[t.lower()], c.upper(), d


class Index:
    """The blocking index of one list, and its search."""

    def __init__(self, entries=None, max_names=MAX_NAMES):
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
        self.postings = {}       # key -> [name id]
        self.finished = False
        self.last_candidates = 0
        if entries is not None:
            for e in entries:
                self.add(e)
            self.finish()

    def _tid(self, t):
        tid = self.tok_id.get(t)
        if tid is None:
            if len(self.tok) >= MAX_DISTINCT_TOKENS:
                raise entry_mod.ListError("index", len(self.entries), "names",
                                          "more than %d distinct name tokens"
                                          % MAX_DISTINCT_TOKENS)
            tid = len(self.tok)
            self.tok_id[t] = tid
            self.tok.append(t)
        return tid

    def _post(self, key, nid):
        p = self.postings.get(key)
        if p is None:
            self.postings[key] = [nid]
        elif p[-1] != nid:
            p.append(nid)

    def add(self, e):
        """Index one entry (every name of it)."""
        if self.finished:
            raise ValueError("the index is finished; build a new one")
        ei = len(self.entries)
        self.entries.append(e)
        seen = set()
        for nm in e.names:
            toks = normalize.tokens(nm)
            if not toks:
                continue
            k = " ".join(toks)
            if k in seen:
                continue
            seen.add(k)
            if len(self.names) >= self.max_names:
                raise entry_mod.ListError(e.list, ei + 1, "names",
                                          "more than %d names in one list" % self.max_names)
            nid = len(self.names)
            self.names.append((ei, nm, tuple([self._tid(t) for t in toks])))
            kinds = [normalize.kind(t) for t in toks]
            only_generic = 0 not in kinds
            for i in range(len(toks)):
                t = toks[i]
                kd = kinds[i]
                if kd == 1 and not only_generic:
                    self._post(t, nid)      # read only while short (GENERIC_SCAN)
                    continue
                if kd == 2 or (kd == 1 and not only_generic):
                    continue
                self._post(t, nid)
                pk = similarity.phonetic(t)
                if pk:
                    self._post("#" + pk, nid)
                if kd == 0:
                    for a in _affixes(t):
                        self._post(a, nid)

    def finish(self):
        """Number the tokens in sorted order (ties between pairs are then broken by text)
        and compute their spellings, weights, kinds and phonetic keys."""
        if self.finished:
            return
        order = list(range(len(self.tok)))
        order.sort(key=lambda i: self.tok[i])
        new = [0] * len(order)
        for pos in range(len(order)):
            new[order[pos]] = pos
        self.tok = [self.tok[i] for i in order]
        for pos in range(len(self.tok)):
            self.tok_id[self.tok[pos]] = pos
        for nid in range(len(self.names)):
            ei, nm, tids = self.names[nid]
            self.names[nid] = (ei, nm, tuple([new[t] for t in tids]))
        for t in self.tok:
            r = similarity.spelling(t).encode()
            self.tok_raw.append(r)
            self.tok_mask.append(similarity.letter_mask(r))
            k = normalize.kind(t)
            self.tok_kind.append(k)
            self.tok_w.append(WEIGHT[k])
            self.tok_key.append(similarity.phonetic(t))
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
                if kd == 1 and q.has_name:
                    if t not in keys:
                        keys[t] = -KEY_AFFIX        # generic: only if its posting is short
                    continue
                if kd == 2 or (kd == 1 and q.has_name):
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
        """Make sure cache[tid] holds the pair similarities of index token tid with every
        token of query name q."""
        nq = len(q.toks)
        for tid in tids:
            if tid in cache:
                continue
            tb = self.tok[tid]
            rb = self.tok_raw[tid]
            kb = self.tok_key[tid]
            mb = self.tok_mask[tid]
            cache[tid] = [_pair_sim(q.toks[i], tb, q.raw[i], rb, q.keys[i], kb, q.masks[i], mb)
                          for i in range(nq)]

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
