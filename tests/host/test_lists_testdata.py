"""The list loaders on every real list file in ../shared/testdata/sanctions (moov-io/watchman's
fixtures, publishers' formats), each checked against an independent reading of the same file
with Python's csv, xml.etree and json; the malformed files of test/testdata/invalidFiles
refused at the right line and field; and the CPython load time of the big ones.

The files are reference data: read from ../shared, never copied into the project.
"""
import collections
import csv
import datetime
import io
import json
import os
import re
import time
import xml.etree.ElementTree as ET

import pytest

from compliance import countries, lists
from compliance.entry import TYPES, ListError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT = os.path.join(REPO, "..", "shared", "testdata", "sanctions", "watchman")
T = "test/testdata/"

# Files in the folder that are not a publisher's list (watchman's own fixtures).
NOT_LISTS = {
    "LICENSE": "licence",
    T + "allowed.txt": "watchman allow-list of names",
    T + "blocked.txt": "watchman block-list of names",
    T + "us_leie/leie_record_layout.pdf": "a PDF record layout, no data",
    "internal/embeddings/testdata/cross_script_pairs.csv": "name pairs for an embedding model",
    "internal/ingest/testdata/fincen-config.yml": "watchman ingest configuration",
    "internal/postalpool/testdata/configs/config.default.yml": "watchman configuration",
    "pkg/search/testdata/1-index.json": "one watchman search-index entity",
    "pkg/search/testdata/1-query.json": "one watchman search query",
}
INVALID = T + "invalidFiles/"


def _path(rel):
    p = os.path.join(ROOT, rel)
    assert os.path.exists(p), "missing test data %s (../shared/testdata must be laid out " \
                              "beside the repository)" % p
    return p


def _read(rel):
    with open(_path(rel), "rb") as f:
        return f.read()


def _csv_rows(rel, delimiter=","):
    """Records of a CSV file read with Python's csv module (strict), OFAC's Ctrl-Z and blank
    lines left out, any BOM (or its mangled form) dropped."""
    text = _read(rel).decode("utf-8")
    text = text.lstrip("\ufeff")
    if text.startswith("\ufffd\ufffd\ufffd"):
        text = text[3:]
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    return [r for r in rows if r and r != ["\x1a"]]


def _clean(s):
    return " ".join(s.split())


def _ofac_value(s):
    s = s.strip()
    return "" if s == "-0-" else s


def _strptime_dates(text):
    """'DOB 10 Jun 1966' and 'DOB 1966' dates of an OFAC remarks text, by regex + datetime."""
    out = []
    for m in re.finditer(r"DOB (\d{2} [A-Z][a-z]{2} \d{4}|\d{4})(?=[;.]|$)", text):
        v = m.group(1)
        if len(v) == 4:
            out.append(v)
        else:
            out.append(datetime.datetime.strptime(v, "%d %b %Y").strftime("%Y-%m-%d"))
    return out


# ---- the list files, each loaded by one test below ----

def _load(name, files, rels):
    for r in rels:
        assert r in DECLARED, "%s is loaded but not declared" % r
    return lists.load(name, files)


OFAC_SETS = {   # folder: the files of a full OFAC SDN set there
    T: ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"),
    T + "static/": ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"),
    T + "bench/": ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"),
    "internal/ofactest/testdata/": ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"),
}
OFAC_PARTIAL = ("internal/tfidf/testdata/", "pkg/sources/ofac/testdata/")   # no sdn.csv
CONS = ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
CSL_FILES = (T + "csl.csv", "internal/cslustest/testdata/consolidated.csv")
DPL_FILES = (T + "dpl.txt", T + "bench/dpl.txt")
SENZING_FILES = ((T + "opensanctions/peps_senzing.json", 3),
                 ("pkg/sources/senzing/testdata/organizations.json", 2),
                 ("pkg/sources/senzing/testdata/persons.jsonl", 3),
                 ("pkg/sources/senzing/testdata/features_format.jsonl", 2))
FINCEN_DIR = "internal/ingest/testdata/"
FINCEN_FILES = ("fincen-person.csv", "fincen-business.csv", "Person12.09.2025.csv")
DECLARED = set(
    [f + n for f, names in OFAC_SETS.items() for n in names] + [T + n for n in CONS] +
    [f + n for f in OFAC_PARTIAL for n in ("alt.csv", "add.csv", "sdn_comments.csv")] +
    [T + "UN_consolidated.xml", T + "opensanctions/us_congress_senzing.json",
     T + "us_tel.json"] + list(CSL_FILES) + list(DPL_FILES) +
    [f for f, _ in SENZING_FILES] + [FINCEN_DIR + n for n in FINCEN_FILES])


def _ofac_check(folder, names, data, list_name="ofac_sdn"):
    prim = _csv_rows(folder + names[0])
    assert len(data.entries) == len(prim)
    by = dict((e.id, e) for e in data.entries)
    assert len(by) == len(prim)
    alt_names = collections.defaultdict(list)
    if len(names) > 1 and os.path.exists(os.path.join(ROOT, folder + names[1])):
        for r in _csv_rows(folder + names[1]):
            if r[0] in by and _ofac_value(r[3]):
                alt_names[r[0]].append(_clean(_ofac_value(r[3])))
    comments = collections.defaultdict(str)
    if os.path.exists(os.path.join(ROOT, folder + names[3])):
        for r in _csv_rows(folder + names[3]):
            comments[r[0]] += r[1]
    for r in prim:
        e = by[r[0]]
        assert e.list == list_name
        assert e.names[0] == _clean(r[1])
        want = {"individual": "individual", "vessel": "vessel", "aircraft": "aircraft",
                "": "entity"}[_ofac_value(r[2])]
        assert e.type == want
        assert list(e.programs) == [p.strip("[] ") for p in _ofac_value(r[3]).split("] [")]
        assert set(e.names[1:]) == set(alt_names[r[0]]) - {e.names[0]}
        for d in _strptime_dates(_ofac_value(r[11]) + comments[r[0]]):
            assert d in e.dobs, (r[0], d, e.dobs)
        assert e.type in TYPES and e.list_date == ""


def test_every_ofac_sdn_set_loads_and_matches_the_files():
    for folder, names in OFAC_SETS.items():
        files = dict((n, _read(folder + n)) for n in names)
        data = _load("ofac_sdn", files, [folder + n for n in names])
        _ofac_check(folder, names, data)
        assert len(data.version) == 16


def test_ofac_consolidated_set():
    data = _load("ofac_cons", dict((n, _read(T + n)) for n in CONS), [T + n for n in CONS])
    _ofac_check(T, CONS, data, "ofac_cons")
    assert len(data.entries) == 442


def test_ofac_alt_and_add_without_their_sdn_file():
    """These folders have alt/add/comments only: the test writes a placeholder sdn.csv with
    every ent_num they name, so each alias and address country must reach its entry."""
    for folder in OFAC_PARTIAL:
        alt = _csv_rows(folder + "alt.csv")
        add = _csv_rows(folder + "add.csv")
        ents = sorted(set(r[0] for r in alt) | set(r[0] for r in add), key=int)
        sdn = "".join('%s,"PLACEHOLDER %s",-0- ,"P",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
                      % (n, n) for n in ents).encode()
        names = ("alt.csv", "add.csv", "sdn_comments.csv")
        files = dict((n, _read(folder + n)) for n in names)
        files["sdn.csv"] = sdn
        data = _load("ofac_sdn", files, [folder + n for n in names])
        by = dict((e.id, e) for e in data.entries)
        assert len(by) == len(ents)
        want = collections.defaultdict(set)
        for r in alt:
            want[r[0]].add(_clean(r[3]))
        for n in ents:
            assert set(by[n].names[1:]) == want[n]
        for r in add:
            c = countries.code(_ofac_value(r[4]))
            if c:
                assert c in by[r[0]].countries


def test_ofac_spot_checks():
    data = lists.load("ofac_sdn", dict((n, _read(T + n)) for n in OFAC_SETS[T]))
    by = dict((e.id, e) for e in data.entries)
    rows = dict((r[0], r) for r in _csv_rows(T + "sdn.csv"))
    adds = collections.defaultdict(list)
    for r in _csv_rows(T + "add.csv"):
        adds[r[0]].append(_ofac_value(r[4]))
    # Banco Nacional de Cuba: an entity with addresses in four countries
    r = rows["306"]
    assert r[1] == "BANCO NACIONAL DE CUBA" and by["306"].type == "entity"
    named = {"Switzerland": "CH", "Spain": "ES", "Japan": "JP", "Panama": "PA"}
    assert set(by["306"].countries) == set(named[c] for c in adds["306"])
    # the last individual of the file: "DOB 14 Jun 1975", Russia from its address
    last = _csv_rows(T + "sdn.csv")[-1]
    e = by[last[0]]
    assert e.names[0] == last[1] and e.type == "individual"
    assert e.dobs == tuple(_strptime_dates(last[11]))
    assert [countries.code(c) for c in adds[last[0]]][0] in e.countries
    # every "nationality X" of the remarks that names a country reaches the entry
    nat = {"Iran": "IR", "Korea, North": "KP", "Russia": "RU", "Syria": "SY", "Mexico": "MX",
           "Congo, Democratic Republic of the": "CD", "Iraq": "IQ", "Colombia": "CO"}
    checked = 0
    for ent, r in rows.items():
        for m in re.finditer(r"(?:^|; )(?:alt\. )?nationality ([^;]+?)\.?(?=;|$)", r[11]):
            if m.group(1) in nat:
                assert nat[m.group(1)] in by[ent].countries, (ent, m.group(1))
                checked += 1
    assert checked > 500
    # an entry with more aliases than any other (95 alt rows) keeps them all
    most = collections.Counter(r[0] for r in _csv_rows(T + "alt.csv")).most_common(1)[0]
    assert len(by[most[0]].names) >= most[1]


def test_un_consolidated_list_matches_elementtree():
    raw = _read(T + "UN_consolidated.xml")
    data = _load("un", {"UN_consolidated.xml": raw}, [T + "UN_consolidated.xml"])
    root = ET.fromstring(raw)
    assert data.version == root.get("dateGenerated") == "2026-02-27T00:00:09.554Z"
    elements = list(root.iter("INDIVIDUAL")) + list(root.iter("ENTITY"))
    assert len(data.entries) == len(elements) == 1003
    by = dict((e.id, e) for e in data.entries)
    assert len(by) == 1003

    def text(el, tag):
        return (el.findtext(tag) or "").strip()

    n_dobs = 0
    for el in elements:
        e = by[text(el, "REFERENCE_NUMBER")]
        assert e.type == ("individual" if el.tag == "INDIVIDUAL" else "entity")
        parts = [text(el, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME",
                                        "FOURTH_NAME")]
        assert e.names[0] == _clean(" ".join(parts))
        assert e.list_date == text(el, "LISTED_ON")[:10]      # some carry a zone: -04:00
        assert e.programs == (text(el, "UN_LIST_TYPE"),)
        for a in el.iter(el.tag + "_ALIAS"):
            name = _clean(a.findtext("ALIAS_NAME") or "")
            if name and (a.findtext("QUALITY") or "") != "Low":
                assert name in e.names
        for d in el.iter("INDIVIDUAL_DATE_OF_BIRTH"):
            for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
                if text(d, tag):
                    assert text(d, tag) in e.dobs
                    n_dobs += 1
    assert n_dobs > 800
    # spot checks against the elements themselves
    first = root.find("INDIVIDUALS/INDIVIDUAL")
    e = by[first.findtext("REFERENCE_NUMBER")]
    assert e.countries[0] == "CD"            # "Democratic Republic of the Congo"
    assert first.findtext("NATIONALITY/VALUE") == "Democratic Republic of the Congo"
    korea = [el for el in elements if (el.findtext("NATIONALITY/VALUE") or "") ==
             "Democratic People's Republic of Korea"]
    assert korea and all("KP" in by[text(el, "REFERENCE_NUMBER")].countries for el in korea)


def _csl_check(rel):
    data = _load("us_csl", {os.path.basename(rel): _read(rel)}, [rel])
    rows = list(csv.DictReader(io.StringIO(_read(rel).decode(), newline="")))
    assert len(data.entries) == len(rows)
    assert len(set(e.id for e in data.entries)) == len(rows)
    for e, r in zip(data.entries, rows):
        assert e.names[0] == _clean(r["name"])
        for a in r["alt_names"].split(";"):
            if a.strip():
                assert _clean(a) in e.names
        assert e.type == {"": "unknown", "Individual": "individual", "Entity": "entity",
                          "Vessel": "vessel"}[r["type"]]
        assert e.programs[0] == re.search(r"\(([^)]+)\)", r["source"]).group(1)
        for d in r["dates_of_birth"].split(";"):
            if d.strip():
                assert d.strip() in e.dobs
        for c in (r["citizenships"] + ";" + r["nationalities"]).split(";"):
            if c.strip():
                assert c.strip() in e.countries
        if r.get("_id"):
            assert e.id == r["_id"]
        elif r["entity_number"]:
            assert e.id.endswith(":" + r["entity_number"])
        assert e.list_date == r["start_date"]
    return data


def test_us_csl_both_layouts():
    old = _csl_check(CSL_FILES[0])
    new = _csl_check(CSL_FILES[1])
    assert len(old.entries) == 115 and len(new.entries) == 13
    rim = [e for e in new.entries if e.id == "52291"][0]
    assert rim.names[0] == "RIM, Ryong Nam" and rim.dobs == ("1978-12-05",)
    assert set(rim.countries) == {"KP", "CN"}


def test_bis_dpl_both_copies():
    for rel in DPL_FILES:
        data = _load("bis_dpl", {"dpl.txt": _read(rel)}, [rel])
        rows = _csv_rows(rel, "\t")
        header, rows = rows[0], rows[1:]
        assert len(data.entries) == len(rows)
        assert len(set(e.id for e in data.entries)) == len(rows)
        i_name, i_country, i_eff = (header.index("Name"), header.index("Country"),
                                    header.index("Effective_Date"))
        for e, r in zip(data.entries, rows):
            assert e.names == (_clean(r[i_name]),)
            want = datetime.datetime.strptime(r[i_eff], "%m/%d/%Y").strftime("%Y-%m-%d")
            assert e.list_date == want
            c = {"PRC": "CN"}.get(r[i_country], r[i_country])
            assert e.countries == ((c,) if c in countries.CODES else ()), r[i_country]
            assert e.type == "unknown"


def _senzing_expect(recs):
    pointed = set()
    for r in recs:
        for rel in r.get("RELATIONSHIPS") or []:
            if rel.get("REL_POINTER_KEY"):
                pointed.add(rel["REL_POINTER_KEY"])

    def typed(r):
        if r.get("RECORD_TYPE"):
            return True
        return any(f.get("RECORD_TYPE") for f in r.get("FEATURES", []))
    return [r for r in recs if typed(r) or r["RECORD_ID"] not in pointed]


def test_opensanctions_senzing_and_ftm_files():
    rel = T + "opensanctions/us_congress_senzing.json"
    recs = [json.loads(line) for line in _read(rel).decode().splitlines() if line.strip()]
    data = _load("pep", {"us_congress_senzing.json": _read(rel)}, [rel])
    want = _senzing_expect(recs)
    assert len(data.entries) == len(want) == 1317
    positions = dict((r["RECORD_ID"], r["NAMES"][0]["NAME_FULL"]) for r in recs
                     if r.get("RECORD_TYPE") is None)
    by = dict((e.id, e) for e in data.entries)
    for r in want:
        e = by[r["RECORD_ID"]]
        assert e.type == "individual"
        assert list(e.names) == [_clean(n["NAME_FULL"]) for n in r["NAMES"]] or \
            set(e.names) == set(_clean(n["NAME_FULL"]) for n in r["NAMES"])
        for d in r.get("DATES", []):
            if "DATE_OF_BIRTH" in d:
                assert d["DATE_OF_BIRTH"] in e.dobs
        assert e.countries == ("US",)
        assert "role.pep" in e.programs
        for rel_ in r.get("RELATIONSHIPS", []):
            if rel_.get("REL_POINTER_KEY") in positions:
                assert positions[rel_["REL_POINTER_KEY"]] in e.programs
    for rel, n in SENZING_FILES:
        raw = _read(rel)
        if raw.lstrip()[:1] == b"[":
            recs = json.loads(raw)
        else:
            recs = [json.loads(x) for x in raw.decode().splitlines() if x.strip()]
        data = _load("pep", {os.path.basename(rel): raw}, [rel])
        assert len(data.entries) == len(_senzing_expect(recs)) == n
        for e, r in zip(data.entries, recs):
            assert e.id == r["RECORD_ID"]
            first = r.get("NAME_FULL") or r.get("NAME_ORG") or " ".join(
                r[k] for k in ("NAME_FIRST", "NAME_MIDDLE", "NAME_LAST") if k in r)
            if first:
                assert e.names[0] == first
            if r.get("DATE_OF_BIRTH"):
                assert e.dobs == (r["DATE_OF_BIRTH"],)
    tel = json.loads(_read(T + "us_tel.json"))
    data = _load("pep", {"us_tel.json": _read(T + "us_tel.json")}, [T + "us_tel.json"])
    assert len(data.entries) == len(tel) == 10
    for e, r in zip(data.entries, tel):
        assert e.id == r["id"] and e.type == "entity"
        assert list(e.names) == r["properties"]["name"]
        assert e.list_date == r["first_seen"][:10]
        assert r["properties"]["program"][0] in e.programs


def test_fincen_314a_files():
    d, names = FINCEN_DIR, FINCEN_FILES
    data = _load("fincen_314a", dict((n, _read(d + n)) for n in names), [d + n for n in names])
    rows = []
    for n in sorted(names):
        rows.extend((n, r) for r in _csv_rows(d + n)[1:])
    assert len(data.entries) == len(rows) == 9
    for e, (n, r) in zip(data.entries, rows):
        assert e.id.split("-")[0] == r[0].split("-")[0]
        if "business" in n:
            assert e.type == "entity" and e.names[0] == r[1]
        else:
            assert e.type == "individual" and r[2] in e.names[0] and r[1] in e.names[0]
            dob = datetime.datetime.strptime(r[11], "%m/%d/%Y").strftime("%Y-%m-%d")
            assert e.dobs == (dob,)
        assert e.countries == ("US",)
    # the mangled BOM of Person12.09.2025.csv did not spoil its header
    assert [e for e in data.entries if e.id == "SCM-52141-AAAAA"][0].names == ("John Doe",)


def test_every_file_is_a_declared_list_file_or_not_a_list():
    """Each declared file is loaded by one of the tests above (_load refuses undeclared
    ones); here: no file of the folder escapes both lists."""
    assert not DECLARED & set(NOT_LISTS)
    every = set()
    for dirpath, _, filenames in os.walk(_path(".")):
        for f in filenames:
            every.add(os.path.relpath(os.path.join(dirpath, f), ROOT).replace(os.sep, "/"))
    invalid = set(f for f in every if f.startswith(INVALID))
    assert invalid == set(INVALID + n for n in INVALID_CASES)
    missing = every - DECLARED - set(NOT_LISTS) - invalid
    assert not missing, "list files no test loads: %s" % sorted(missing)
    assert not DECLARED - every, "declared files that are not there: %s" % sorted(
        DECLARED - every)


# ---- the malformed files ----

def _bad_line(rel):
    """1-based number of the line that is the corruption ('||||') in an invalid file."""
    lines = _read(rel).split(b"\n")
    return [i + 1 for i, line in enumerate(lines) if line.strip() == b"||||"]


INVALID_CASES = {
    # file: (list, files to load with it, the field named)
    "sdn.csv": ("ofac_sdn", (), "SDN_Name"),
    "alt.csv": ("ofac_sdn", ("sdn.csv",), "alt_num"),
    "add.csv": ("ofac_sdn", ("sdn.csv",), "add_num"),
    "sdn_comments.csv": ("ofac_sdn", ("sdn.csv",), "remarks_extended"),
    "csl.csv": ("us_csl", (), "record"),
}


@pytest.mark.parametrize("name", sorted(INVALID_CASES))
def test_invalid_files_are_refused_at_their_line_and_field(name):
    list_name, others, field = INVALID_CASES[name]
    files = dict((o, _read(T + o)) for o in others)
    files[name] = _read(INVALID + name)
    e = pytest.raises(ListError, lists.load, list_name, files).value
    assert e.file == name and e.field == field
    if name == "csl.csv":
        # the second line "/,1" has 2 fields where the header has 28
        rows = _csv_rows(INVALID + name)
        assert rows[1] == ["/", "1"] and len(rows[0]) == 28
        assert e.line == 2
    else:
        # the corruption is one line of "||||" (a single field) after valid records
        where = _bad_line(INVALID + name)
        assert len(where) == 1 and e.line == where[0]
        good = _csv_rows(INVALID + name)[:-1]
        assert all(r[0].isdigit() for r in good)
        assert e.line > 1
    assert str(e.line) in str(e) and field in str(e)


# ---- speed on CPython ----

def _best(fn, n=3):
    best = None
    for _ in range(n):
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best


def test_load_times_on_cpython(capsys):
    ofac = dict((n, _read(T + n)) for n in ("sdn.csv", "alt.csv", "add.csv"))
    un = {"UN_consolidated.xml": _read(T + "UN_consolidated.xml")}
    t_ofac = _best(lambda: lists.load("ofac_sdn", ofac))
    t_un = _best(lambda: lists.load("un", un))
    with capsys.disabled():
        print("\nload on CPython: OFAC SDN sdn+alt+add (%d KB) %.0f ms; UN consolidated XML "
              "(%d KB) %.0f ms" % (sum(len(v) for v in ofac.values()) // 1024, t_ofac * 1000,
                                   len(un["UN_consolidated.xml"]) // 1024, t_un * 1000))
    # generous bounds: the kernel runs the same code 30-50x slower and must stay near 30 s
    assert t_ofac < 1.0 and t_un < 1.0
