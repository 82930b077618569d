# Portable tests for compliance/matcher.py: the index, the search and its score, qualifiers,
# bounds. The names are invented for these tests.
from compliance import entry as E
from compliance import matcher as M
from compliance import normalize as N
from compliance import similarity as S
from tests.portable.support.asserts import raises

T = 9500


def ents():
    return [
        E.Entry("test", "1", E.INDIVIDUAL, ["IVANOV, Pyotr Sergeyevich", "IVANOV, Petr"],
                dobs=["1961-03-05"], countries=["RU"]),
        E.Entry("test", "2", E.INDIVIDUAL, ["AL-RASHIDI, Khalid Abdullah"], dobs=["1970"],
                countries=["AE", "QA"]),
        E.Entry("test", "3", E.ENTITY, ["NORTHWIND SHIPPING LTD", "NORTHWIND MARINE"],
                countries=["CY"]),
        E.Entry("test", "4", E.ENTITY, ["GLOBAL TRADING COMPANY LLC"]),
        E.Entry("test", "5", E.ENTITY, ["ORION MARITIME S.A."]),
        E.Entry("test", "6", E.INDIVIDUAL, ["MUELLER, Hans Dieter"], countries=["DE"]),
        E.Entry("test", "7", E.INDIVIDUAL, ["ABDULRAHMAN, Yusuf Ali"]),
        E.Entry("test", "8", E.VESSEL, ["SEA FALCON"]),
    ]


IX = M.Index(ents())


def q(name, **kw):
    d = {"name": name, "type": "", "country": "", "dob": "", "aliases": []}
    d.update(kw)
    return d


def top(name, threshold=T, **kw):
    r = IX.search(q(name, **kw), threshold)
    return r[0] if r else None


def test_exact_and_format():
    m = top("Pyotr Sergeyevich Ivanov")
    assert m["entry_id"] == "1" and m["score"] == 10000
    assert m["list"] == "test" and m["entry_type"] == E.INDIVIDUAL
    assert m["matched_name"] == "IVANOV, Pyotr Sergeyevich"
    assert M.format_score(m["score"]) == "1.0000"
    assert M.format_score(9731) == "0.9731"
    assert M.format_score(5) == "0.0005"


def test_light_variants_hit():
    for name, eid in (("ivanov pyotr sergeyevich", "1"),          # order, case
                      ("Пётр Сергеевич Иванов", "1"),              # Cyrillic
                      ("Piotr Ivanov", "1"),                       # alias + spelling
                      ("Khaled Abdullah Al Rashidi", "2"),         # transliteration
                      ("AL RASHIDI Khalid Abdulah", "2"),          # one letter dropped
                      ("Northwind Shiping Limited", "3"),          # typo, company form
                      ("Hans Dieter Müller", "6"),                 # diacritics, ue
                      ("Hans Dieter Mueller", "6"),
                      ("Abdul Rahman Yusuf Ali", "7"),             # split token
                      ("Orion Maritim SA", "5")):
        m = top(name)
        assert m is not None and m["entry_id"] == eid, (name, m)
        assert m["score"] >= T, (name, m["score"])


def test_unrelated_names_stay_low():
    for name in ("John Smith", "Maria Garcia Lopez", "Acme Trading", "Sea Eagle",
                 "Pyotr Sidorov", "Northstar Logistics", "Yusuf Hassan"):
        r = IX.search(q(name), 8000)
        assert r == [], (name, r)
    # close, but not a hit: first and last name swapped and changed
    assert IX.search(q("Ivan Petrov"), T) == []


def test_dropped_middle_name_hits_but_one_name_alone_does_not():
    m = top("Pyotr Ivanov")
    assert m is not None and m["entry_id"] == "1"
    r = IX.search(q("Ivanov"), T)
    assert r == []
    assert M.name_score("Ivanov", "IVANOV, Pyotr Sergeyevich") < 9000


def test_generic_only_names_cannot_hit_another_name():
    assert IX.search(q("Global Trading"), T) == []
    assert IX.search(q("Global Trading International"), T) == []
    assert M.name_score("Acme Trading", "Zenith Trading") < 8000
    # the same generic name does match
    m = top("Global Trading Company")
    assert m is not None and m["entry_id"] == "4" and m["score"] == 10000


def test_why_tokens():
    m = top("Khalid Al-Rashidi")
    toks = m["why"]["tokens"]
    assert ["khalid", "khalid", 10000] in toks
    assert ["rashidi", "rashidi", 10000] in toks
    assert ["", "abdullah", 0] in toks
    assert m["why"]["qualifiers"] == []
    assert m["why"]["name_score"] == m["score"]
    m = top("Pyotr Ivanov")
    assert m["matched_name"] == "IVANOV, Petr"           # the alias scores best
    assert ["pyotr", "petr", m["why"]["tokens"][1][2]] in m["why"]["tokens"]
    m = top("Abdul Rahman Yusuf Ali")
    assert ["abdul rahman", "abdulrahman", 10000] in m["why"]["tokens"]


def test_qualifiers():
    base = top("Pyotr Ivanov")["score"]
    m = top("Pyotr Ivanov", dob="1961-03-05", country="RU", type="individual")
    assert "dob_match:+300" in m["why"]["qualifiers"]
    assert "country_match:+100" in m["why"]["qualifiers"]
    assert m["score"] == min(10000, base + 400)
    m = top("Pyotr Ivanov", dob="1961")
    assert m["why"]["qualifiers"] == ["dob_year_match:+150"]
    m = top("Pyotr Sergeyevich Ivanov", dob="1962-01-01", threshold=5000)
    assert m["why"]["qualifiers"] == ["dob_near:-300"] and m["score"] == 9700
    m = top("Pyotr Sergeyevich Ivanov", dob="1980", threshold=5000)
    assert m["why"]["qualifiers"] == ["dob_mismatch:-1000"] and m["score"] == 9000
    m = top("Pyotr Sergeyevich Ivanov", country="FR", threshold=5000)
    assert m["why"]["qualifiers"] == ["country_mismatch:-200"] and m["score"] == 9800
    m = top("Pyotr Sergeyevich Ivanov", type="entity", threshold=5000)
    assert m["why"]["qualifiers"] == ["type_mismatch:-1500"] and m["score"] == 8500
    assert top("Pyotr Sergeyevich Ivanov", type="entity") is None
    m = top("Sea Falcon", type="entity", threshold=5000)
    assert m["why"]["qualifiers"] == ["type_mismatch:-300"]
    # qualifiers the entry does not know change nothing
    m = top("Global Trading Company", dob="1990-01-01", country="US", type="entity")
    assert m["why"]["qualifiers"] == [] and m["score"] == 10000
    m = top("Khalid Abdullah Al-Rashidi", country="QA")
    assert m["why"]["qualifiers"] == ["country_match:+100"]


def test_aliases_in_the_query():
    r = IX.search(q("Zeta Unknown", aliases=["Northwind Marine"]), T)
    assert len(r) == 1 and r[0]["entry_id"] == "3"
    assert r[0]["matched_name"] == "NORTHWIND MARINE"


def test_sorted_limited_and_counted():
    r = IX.search(q("Northwind"), 5000, limit=10)
    scores = [m["score"] for m in r]
    assert scores == sorted(scores, reverse=True)
    st = {}
    r = IX.search(q("Pyotr Ivanov"), 5000, limit=1, stats=st)
    assert len(r) == 1
    assert st["scored"] >= 1 and st["scored"] == IX.last_candidates
    assert st["candidates"] <= M.DEFAULT_CANDIDATES


def test_candidates_are_bounded():
    many = [E.Entry("big", str(i), E.INDIVIDUAL, ["SMITH, Person%d" % i]) for i in range(300)]
    ix = M.Index(many)
    st = {}
    ix.search(q("John Smith"), 9000, max_candidates=50, stats=st)
    assert st["candidates"] == 50 and st["scored"] == 50
    # a generic word's postings are read only while short: no candidate floods in
    gen = [E.Entry("g", str(i), E.ENTITY, ["Z%dQ TRADING INTERNATIONAL" % i])
           for i in range(300)]
    ix = M.Index(gen)
    st = {}
    assert ix.search(q("Acme Trading International"), 9000, stats=st) == []
    assert st["candidates"] == 0
    # a name made only of generic words looks them up (bounded by max_candidates)
    st = {}
    assert ix.search(q("Trading International"), 9000, max_candidates=100, stats=st) == []
    assert st["candidates"] == 100


def test_order_independence_and_symmetry():
    a = "Khalid Abdullah Al-Rashidi"
    b = "AL-RASHIDI, Khaled Abdulla"
    s = M.name_score(a, b)
    assert s == M.name_score("Al-Rashidi Abdullah Khalid", b)
    assert s == M.name_score(b, a)
    assert M.name_score(a, a) == 10000


def test_threshold_forms():
    assert M.threshold_bp(9500) == 9500
    assert M.threshold_bp(0.95) == 9500
    assert M.threshold_bp("0.95") == 9500
    assert M.threshold_bp("1") == 10000
    raises(ValueError, M.threshold_bp, "95%")
    raises(ValueError, M.threshold_bp, 10001)
    raises(ValueError, M.threshold_bp, -1)
    raises(ValueError, M.threshold_bp, None)


def test_query_checks():
    raises(ValueError, IX.search, "Pyotr", T)
    raises(ValueError, IX.search, q(""), T)
    raises(ValueError, IX.search, q("x", type="robot"), T)
    raises(ValueError, IX.search, q("x", dob="1961/03/05"), T)
    raises(ValueError, IX.search, q("x", country="RUS"), T)
    raises(ValueError, IX.search, q("x", aliases=["a"] * 17), T)
    raises(ValueError, IX.search, q("x" * 2000), T)
    raises(ValueError, IX.search, q("x"), T, 0)
    raises(ValueError, IX.search, q("x"), T, 10, 0)
    assert IX.search(q("!!!"), T) == []


def test_build_api_and_bounds():
    ix = M.Index()
    ix.add(ents()[0])
    raises(ValueError, ix.search, q("Pyotr Ivanov"), T)      # not finished
    ix.finish()
    assert ix.search(q("Pyotr Ivanov"), T)[0]["entry_id"] == "1"
    raises(ValueError, ix.add, ents()[1])
    small = M.Index(max_names=2)
    small.add(ents()[0])                                     # two names
    e = raises(E.ListError, small.add, ents()[2])
    assert "more than 2 names" in str(e)
    st = IX.stats()
    assert st["entries"] == 8 and st["names"] == 10 and st["postings"] > 0


def test_arabic_script_query_is_a_documented_limit():
    s, why = M.explain("خالد عبد الله الراشدي", "AL-RASHIDI, Khalid Abdullah")
    assert s < T                  # unvoweled Arabic does not reach the threshold alone
    assert why["phonetic"] > 0    # but its skeleton agrees phonetically with the Latin name


# --- the shortcuts against their definitions ------------------------------------------------
QUERIES = ["Pyotr Sergeyevich Ivanov", "Piotr Ivanov", "Khaled Abdullah Al Rashidi",
           "Northwind Shiping Limited", "Hans Dieter Mueller", "Abdul Rahman Yusuf Ali",
           "Global Trading", "Sea Falcon", "Ivan Petrov", "Orion Maritim SA", "al",
           "Abdulrahman Yusuf", "Mueller Hans", "Marine Northwind Shipping Trading Co",
           "X 12 Y", "ivanov ivanov"]


def naive_postings(ix):
    """The postings as the blocking rules define them (matcher's docstring), name by name."""
    out = {}

    def post(k, nid):
        p = out.setdefault(k, [])
        if not p or p[-1] != nid:
            p.append(nid)
    for nid in range(len(ix.names)):
        toks = [ix.tok[t] for t in ix.names[nid][2]]
        kinds = [N.kind(t) for t in toks]
        no_name = 0 not in kinds
        for t, kd in zip(toks, kinds):
            if kd != 0 and not no_name:
                if kd == 1:
                    post(t, nid)
                continue
            post(t, nid)
            pk = S.phonetic(t)
            if pk:
                post("#" + pk, nid)
            if kd == 0:
                for a in M._affixes(t):
                    post(a, nid)
    return out


def test_postings_are_their_definition():
    want = naive_postings(IX)
    assert sorted(IX.postings) == sorted(want)
    for k in want:
        assert IX.posting(k) == want[k], k
    assert IX.posting("#nothing") == []
    assert IX.stats()["postings"] == sum(len(p) for p in want.values())


def test_build_that_grows_equals_one_presized():
    many = [E.Entry("g", str(i), E.INDIVIDUAL,
                    ["W%dA V%dB" % (i, i), "W%dA AL-V%dB" % (i, i)]) for i in range(700)]
    grown = M.Index()                       # its dicts start small and grow (_regrow)
    for e in many:
        grown.add(e)
    grown.finish()
    sized = M.Index(many)
    assert grown.names == sized.names and grown.tok == sized.tok
    assert dict(grown.tok_id) == dict(sized.tok_id)
    assert sorted(grown.postings) == sorted(sized.postings)
    for k in sized.postings:
        assert grown.posting(k) == sized.posting(k)
    assert grown.posting("w5a") == [10, 11]


def test_roomy_dict_is_an_empty_dict():
    for n in (0, 1, 5, 100, 1000):
        d = M._roomy(n)
        assert len(d) == 0 and list(d) == []
        for i in range(n):
            d["k%d" % i] = i
        assert len(d) == n and all(d["k%d" % i] == i for i in range(n))
        assert d.get("nope") is None
    d = M._regrow({"a": 1, "b": 2}, 10)
    assert d == {"a": 1, "b": 2}


def test_ranks_follow_the_sorted_tokens():
    order = sorted(IX.tok)
    for pos in range(len(order)):
        assert IX.rank(order[pos]) == 2 * pos
    assert IX.rank("") == -1
    assert IX.rank("zzzzzz") == 2 * len(order) - 1
    r = IX.rank("ivanov") + 1
    assert IX.rank("ivanovz") == r           # between ivanov and what follows


def test_rows_are_the_pair_similarities():
    for name in QUERIES:
        qp = IX.prepare(name)
        rows = [None] * len(IX.tok)
        for nid in range(len(IX.names)):
            IX._bound(qp, IX.names[nid][2], rows)
        for tid in range(len(IX.tok)):
            row = rows[tid]
            assert row is not None
            mask = 0
            merge = 0
            for i in range(qp.n):
                want = M._pair_sim(qp.toks[i], IX.tok[tid], qp.raw[i], IX.tok_raw[tid],
                                   qp.keys[i], IX.tok_key[tid], qp.masks[i], IX.tok_mask[tid])
                assert row[i] == want, (name, IX.tok[tid], i)
                if want:
                    mask |= 1 << i
                    d = len(qp.toks[i]) - len(IX.tok[tid])
                    if want < 10000 and (d >= 2 or d <= -2):
                        merge = 1
            assert row[qp.n] == mask and row[qp.n + 1] == merge
            assert (row is qp.zero) == (mask == 0)


def test_bound_and_cutoff_never_hide_a_score():
    for name in QUERIES:
        qp = IX.prepare(name)
        rows = [None] * len(IX.tok)
        for nid in range(len(IX.names)):
            tids = IX.names[nid][2]
            ub = IX._bound(qp, tids, rows)
            full = M._score(qp, tids, rows, IX, 0, True)[0]
            assert ub >= full, (name, IX.names[nid][1], ub, full)
            for need in (0, 5000, 8000, 9500, 10000):
                got = M._score(qp, tids, rows, IX, need, False)[0]
                if full >= need:
                    assert got == full, (name, nid, need)
                else:
                    assert got < need, (name, nid, need)


def test_letter_bound_tables():
    lo = (2 * M.PHONETIC_LIFT_FROM - 1) * 3 - 20000
    hi = (2 * M.FLOOR - 1) * 3 - 20000
    for la in range(1, 25):
        for pa in (0, 2):
            ta, tb, tq = M._thr(la, pa)
            for lb in range(1, 25):
                for t, lim in ((ta, lo), (tb, hi)):
                    ok = [m for m in range(min(la, lb) + 1)
                          if 20000 * m * (la + lb) >= lim * la * lb]
                    assert t[lb] == (ok[0] if ok else 99), (la, lb)
                assert tq[lb] == ta[lb] - pa
    saved = M._THR_MAX
    M._THR_MAX = len(M._THR) + 3                # the cache stays bounded
    try:
        for pa in range(3, 12):
            assert M._thr(7, pa)[2][7] == M._thr(7)[0][7] - pa
        assert len(M._THR) == M._THR_MAX
    finally:
        M._THR_MAX = saved
