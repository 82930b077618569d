"""US government lists in CSV with a header row: trade.gov's Consolidated Screening List, BIS's
Denied Persons List (tab separated) and FinCEN's 314(a) subject lists.

- us_csl: one CSV (the older layout, or the newer one with an `_id` column). The id is `_id`,
  else the source's code and entity_number ("SDN:12345"), else a digest of the row; the
  programmes are the source's code ("SDN", "EL", "DPL", ...) then `programs`; countries come
  from citizenships, nationalities and the last part of each address ("..., Moscow, RU").
- bis_dpl: dpl.txt. No ids in the file: a digest of name, address and dates (stable between
  versions; a repeated row gets -2, -3). No type either: unknown. List date: Effective_Date.
- fincen_314a: the person and/or business CSVs (told apart by their header). Every row is a
  subject; its id is the tracking number (-2, -3 for further subjects of the same case).
"""
from compliance import csvread
from compliance import lists_common as C
from compliance.lists_common import WS
from compliance.entry import AIRCRAFT, ENTITY, INDIVIDUAL, UNKNOWN, VESSEL, ListData, ListError

CSL_COLUMNS = ("source", "name", "type", "programs", "addresses", "alt_names", "citizenships",
               "dates_of_birth", "nationalities")
CSL_OPTIONAL = ("_id", "entity_number", "start_date")
DPL_COLUMNS = ("Name", "Street_Address", "City", "State", "Country", "Postal_Code",
               "Effective_Date", "Expiration_Date", "Standard_Order", "Last_Update", "Action",
               "FR_Citation")
PERSON_COLUMNS = ("tracking_number", "last_name", "first_name", "middle_name", "suffix",
                  "alias_last_name", "alias_first_name", "alias_middle_name", "alias_suffix",
                  "dob", "country")
BUSINESS_COLUMNS = ("tracking_number", "business_name", "dba_name", "incorporated", "country")

_CSL_TYPES = {"": UNKNOWN, "individual": INDIVIDUAL, "entity": ENTITY, "vessel": VESSEL,
              "aircraft": AIRCRAFT}
# the columns read (csvread.read's keep; the others are skipped): those with few distinct
# values are decoded once
_CSL_KEEP = {"source": csvread.REPEATS, "name": csvread.TEXT, "type": csvread.REPEATS,
             "programs": csvread.REPEATS, "addresses": csvread.TEXT,
             "alt_names": csvread.TEXT, "citizenships": csvread.REPEATS,
             "dates_of_birth": csvread.TEXT, "nationalities": csvread.REPEATS,
             "_id": csvread.TEXT, "entity_number": csvread.TEXT,
             "start_date": csvread.REPEATS}
_DPL_KEEP = {"Name": csvread.TEXT, "Street_Address": csvread.TEXT, "City": csvread.TEXT,
             "Country": csvread.REPEATS, "Effective_Date": csvread.REPEATS,
             "Expiration_Date": csvread.REPEATS}


def _records(name, data, wanted, optional=(), delimiter=",", keep=None):
    """(columns, generator of (line, fields)) of a CSV with a header row; every record must
    have as many fields as the header. With `keep` ({column name: csvread mode}) only those
    columns of the records are read (the others are "")."""
    read = {}                                 # csvread's keep, filled after the header
    it = csvread.read(data, name, delimiter, keep=read)
    for line, header in it:
        cols = C.columns(name, line, header, wanted, optional)
        width = len(header)
        break
    else:
        raise ListError(name, 1, "header", "empty file (no header row)")
    if keep:
        for k in keep:
            if cols.get(k, -1) >= 0:
                read[cols[k]] = keep[k]

    def gen():
        for line, f in C.named(it, [h.strip(WS) for h in header]):
            if len(f) != width:
                raise ListError(name, line, "record", "expected %d fields as the header has, "
                                "got %d" % (width, len(f)))
            yield line, f
    return cols, gen()


_CODES = {}


def _source_code(source):
    """"Entity List (EL) - Bureau of Industry and Security" -> "EL" (a list has a dozen
    sources: each is cut once)."""
    code = _CODES.get(source)
    if code is None:
        code = _cut_code(source)
        if len(_CODES) < 64:
            _CODES[source] = code
    return code


def _cut_code(source):
    a = source.find("(")
    b = source.find(")", a + 1)
    if a >= 0 and b > a + 1:
        return source[a + 1:b].strip(WS)
    return source.strip(WS)


def us_csl(files):
    """Steps (lists_common) of trade.gov's Consolidated Screening List: one CSV (*.csv)."""
    name, data = C.pick(files, "*.csv", required=True)
    cols, recs = _records(name, data, CSL_COLUMNS, CSL_OPTIONAL, keep=_CSL_KEEP)
    i_id, i_num, i_start = cols["_id"], cols["entity_number"], cols["start_date"]
    entries = []
    seen = C.table()
    step = C.STEP
    tick = 0
    for line, f in recs:
        tick += 1
        if tick >= step:
            tick = 0
            yield
        source = f[cols["source"]].strip(WS)
        primary = f[cols["name"]].strip(WS)
        if not source:
            raise ListError(name, line, "source", "empty")
        if not primary:
            raise ListError(name, line, "name", "empty")
        v = f[cols["type"]].strip(WS)
        t = _CSL_TYPES.get(v)
        if t is None:
            t = _CSL_TYPES.get(v.lower())
        if t is None:
            raise ListError(name, line, "type", "unknown type %r" % f[cols["type"]][:40])
        code = _source_code(source)
        eid = f[i_id].strip(WS) if i_id >= 0 else ""
        if not eid:
            num = f[i_num].strip(WS) if i_num >= 0 else ""
            eid = "%s:%s" % (code, num) if num else "%s:%s" % (
                code, C.digest_id(source, primary, f[cols["addresses"]]))
        d = C.Draft(C.unique_id(seen, eid), t, name, line,
                    C.date(f[i_start]) if i_start >= 0 else "")
        d.name(primary, name, line, "name")
        for a in f[cols["alt_names"]].split(";"):
            d.name(a, name, line, "alt_names")
        d.program(code, name, line)
        for p in f[cols["programs"]].split(";"):
            d.program(p, name, line)
        for dob in f[cols["dates_of_birth"]].split(";"):
            d.dob(dob, name, line)
        for k in ("citizenships", "nationalities"):
            for c in f[cols[k]].split(";"):
                d.country(c, name, line)
        for a in f[cols["addresses"]].split(";"):
            k = a.rfind(",")
            d.country(a[k + 1:], name, line)
        C.add_entry(entries, d.entry("us_csl"), name, line)
    version = yield from C.digest_steps({name: data})
    return ListData("us_csl", version, entries, "US Consolidated Screening List (trade.gov CSV)")


def bis_dpl(files):
    """Steps (lists_common) of BIS's Denied Persons List: dpl.txt (tab separated, *.txt)."""
    name, data = C.pick(files, "*.txt", required=True)
    cols, recs = _records(name, data, DPL_COLUMNS, (), "\t", keep=_DPL_KEEP)
    entries = []
    seen = C.table()
    step = C.STEP
    tick = 0
    for line, f in recs:
        tick += 1
        if tick >= step:
            tick = 0
            yield
        v = [f[cols[k]].strip(WS) for k in DPL_COLUMNS]
        if not v[0]:
            raise ListError(name, line, "Name", "empty")
        eid = C.unique_id(seen, C.digest_id(v[0], v[1], v[2], v[4], v[6], v[7]))
        d = C.Draft(eid, UNKNOWN, name, line, C.date(v[6]))
        d.name(v[0], name, line, "Name")
        d.country(v[4], name, line)
        d.program("DPL", name, line)
        C.add_entry(entries, d.entry("bis_dpl"), name, line)
    version = yield from C.digest_steps({name: data})
    return ListData("bis_dpl", version, entries, "BIS Denied Persons List (TXT)")


def _joined(f, cols, keys):
    return " ".join([f[cols[k]].strip(WS) for k in keys if f[cols[k]].strip(WS)])


def _fincen_rows(name, data, entries, seen):
    """Steps: the entries of one 314(a) file added to `entries`."""
    it = csvread.read(data, name)
    for line, header in it:
        break
    else:
        raise ListError(name, 1, "header", "empty file (no header row)")
    heads = [h.strip(WS) for h in header]
    person = "last_name" in heads
    if not person and "business_name" not in heads:
        raise ListError(name, line, "header", "neither a 314(a) person file (last_name) nor a "
                        "business file (business_name)")
    cols = C.columns(name, line, header, PERSON_COLUMNS if person else BUSINESS_COLUMNS)
    width = len(header)
    step = C.STEP
    tick = 0
    for line, f in C.named(it, heads):
        tick += 1
        if tick >= step:
            tick = 0
            yield
        if len(f) != width:
            raise ListError(name, line, "record", "expected %d fields as the header has, got %d"
                            % (width, len(f)))
        track = f[cols["tracking_number"]].strip(WS)
        if not track:
            raise ListError(name, line, "tracking_number", "empty")
        d = C.Draft(C.unique_id(seen, track), INDIVIDUAL if person else ENTITY, name, line)
        if person:
            primary = _joined(f, cols, ("first_name", "middle_name", "last_name", "suffix"))
            if not primary:
                raise ListError(name, line, "last_name", "no name")
            d.name(primary, name, line, "last_name")
            d.name(_joined(f, cols, ("alias_first_name", "alias_middle_name",
                                     "alias_last_name", "alias_suffix")),
                   name, line, "alias_last_name")
            d.dob(f[cols["dob"]], name, line)
        else:
            primary = f[cols["business_name"]].strip(WS)
            if not primary:
                raise ListError(name, line, "business_name", "empty")
            d.name(primary, name, line, "business_name")
            d.name(f[cols["dba_name"]], name, line, "dba_name")
            d.dob(f[cols["incorporated"]], name, line)
        d.country(f[cols["country"]], name, line)
        d.program("314(a)", name, line)
        C.add_entry(entries, d.entry("fincen_314a"), name, line)


def fincen_314a(files):
    """Steps (lists_common) of FinCEN's 314(a) subjects: the person and/or business CSVs
    (*.csv, told apart by their header row)."""
    found = C.pick_all(files, "*.csv")
    if not found:
        raise ListError("*.csv", 0, "file", "missing (a person or business CSV)")
    entries = []
    seen = C.table()
    used = {}
    for name, data in found:
        C.check_size(name, data)
        yield from _fincen_rows(name, data, entries, seen)
        used[name] = data
        yield
    version = yield from C.digest_steps(used)
    return ListData("fincen_314a", version, entries, "FinCEN 314(a) (CSV)")
