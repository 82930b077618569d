"""OFAC's legacy CSV lists: the SDN list (sdn.csv + alt.csv, add.csv, sdn_comments.csv) and
the consolidated non-SDN list (cons_prim.csv + cons_alt.csv, cons_add.csv, cons_comments.csv).

The files have no header row; "-0-" (often "-0- ") is an empty field. Primary rows give the
entry (ent_num, name, type, programmes, vessel flag, remarks); alt rows add names, add rows
add address countries, comments rows carry the rest of a remarks text too long for the
primary file. Dates of birth, nationality and citizenship are read from the remarks
("DOB 10 Jun 1966; POB ...; nationality Iran; citizen Iran"). Rows of alt/add/comments whose
ent_num is not in the primary file are skipped (OFAC's published sets have none, but copies
mixed from two dates do).

Names stay as OFAC publishes them ("LAST, First" for individuals): the matcher is token-order
independent, so "First LAST" reaches the same entry. The weak a.k.a.s of the remarks
("a.k.a. 'BNC'") are not names unless WEAK_ALIASES is set: OFAC does not expect them to be
screened on their own, and short ones would hit everything.
"""
from compliance import csvread
from compliance import lists_common as C
from compliance.lists_common import WS
from compliance.entry import AIRCRAFT, ENTITY, INDIVIDUAL, VESSEL, ListData, ListError

PRIMARY = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type",
           "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks")
ALT = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
COMMENTS = ("ent_num", "remarks_extended")
# the columns read of each file (csvread.read's keep; the rest is skipped): the ent_num as
# bytes (rows() reads it), repeating values ("-0- ", types, programmes) decoded once
_PRIMARY_KEEP = {0: csvread.BYTES, 1: csvread.TEXT, 2: csvread.REPEATS, 3: csvread.REPEATS,
                 9: csvread.REPEATS, 11: csvread.TEXT}
_ALT_KEEP = {0: csvread.BYTES, 3: csvread.TEXT}
_ADD_KEEP = {0: csvread.BYTES, 4: csvread.REPEATS}
_COMMENTS_KEEP = {0: csvread.BYTES, 1: csvread.TEXT}
_WSB = WS.encode()

WEAK_ALIASES = False

SDN_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
CONS_FILES = ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")

_TYPES = {"": ENTITY, "individual": INDIVIDUAL, "vessel": VESSEL, "aircraft": AIRCRAFT}


def _v(s):
    """A field without its padding; OFAC's "-0-" is empty."""
    if s == "-0- " or not s:
        return ""                     # most fields: no new str (see csvread on their cost)
    s = s.strip(WS)
    return "" if s == "-0-" else s


def _key(ent):
    """The key of an ent_num in a C.table: the number when plainly written, else the text (one
    key per text either way): MicroPython hashes short digit strings into a few neighbouring
    slots, ints spread."""
    if ent < "1" or ent.strip("0123456789"):
        return ent
    return int(ent)


def rows(name, data, cols, keep, text=False):
    """(line, key, fields) of an OFAC file whose records have the columns `cols`, only those
    of `keep` read (csvread.read; its column 0 BYTES): key is the _key of the ent_num, and
    fields[0] the ent_num's text if `text` (else its bytes)."""
    n = len(cols)
    for line, f in C.named(csvread.read(data, name, keep=keep), cols):
        if len(f) != n:
            if len(f) < n:
                raise ListError(name, line, cols[len(f)], "missing: a record of %d fields, "
                                "expected %d (%s)" % (len(f), n, ", ".join(cols)))
            raise ListError(name, line, "record", "%d fields, expected %d (%s)"
                            % (len(f), n, ", ".join(cols)))
        ent = f[0].strip(_WSB)
        if ent.isdigit() and len(ent) <= 12:  # ASCII digits: the key without a new str
            if ent.startswith(b"0"):
                key = ent.decode()
                if text:
                    f[0] = key
            else:
                key = int(ent)
                if text:
                    f[0] = ent.decode()
        else:
            ent = f[0].decode().strip(WS)     # what str.isdigit() says of other digits
            if not ent.isdigit() or len(ent) > 12:
                raise ListError(name, line, "ent_num", "not a number: %r" % ent[:40])
            key = _key(ent)
            f[0] = ent
        yield line, key, f


def _after(text, key):
    """The parts of a remarks text that follow `key`, each up to its ';' (what
    [p.split(";", 1)[0] for p in text.split(key)[1:]] gives, with one new str per part)."""
    out = []
    n = len(key)
    k = text.find(key)
    while k >= 0:
        k += n
        nxt = text.find(key, k)
        e = text.find(";", k)
        if nxt >= 0 and (e < 0 or e > nxt):
            e = nxt
        out.append(text[k:e] if e >= 0 else text[k:])
        k = nxt
    return out


def remarks(d, text, name, line):
    """Dates of birth and countries (and weak aliases if WEAK_ALIASES) of a remarks text:
    "DOB x" and "alt. DOB x", "nationality x", "Nationality of Registration x", "citizen x".
    Found with str.split on the key words (one C-level pass each), not part by part."""
    if "DOB " in text:
        for v in _after(text, "DOB "):
            d.dob(v, name, line)
    if "ationality " in text:
        for v in _after(text, "ationality "):
            if v.startswith("of Registration "):
                v = v[16:]
            d.country(v, name, line)
    if "itizen " in text:
        for v in _after(text, "itizen "):
            d.country(v, name, line)
    if WEAK_ALIASES and "a.k.a. '" in text:
        for v in _after(text, "a.k.a. '"):
            d.name(v.strip(WS).rstrip(".").rstrip("'"), name, line, "Remarks")


def load(list_name, files, names, source):
    """Steps (lists_common) of the list from the OFAC files named `names` (primary, alt, add,
    comments) in `files`: yields every C.STEP rows and between files, returns the ListData."""
    prim = C.pick(files, names[0], required=True)
    alt = C.pick(files, names[1])
    add = C.pick(files, names[2])
    com = C.pick(files, names[3])
    used = {}
    for f in (prim, alt, add, com):
        if f:
            used[f[0]] = f[1]
    step = C.STEP
    k = 0

    extra = C.table()                   # _key(ent_num) -> the rest of its remarks
    if com:
        for line, key, f in rows(com[0], com[1], COMMENTS, _COMMENTS_KEEP):
            part = extra[hash(key) & C.TABLE_MASK]
            part[key] = part.get(key, "") + f[1]
            k += 1
            if k >= step:
                k = 0
                yield
        yield

    pname = prim[0]
    drafts = C.table()                  # _key(ent_num) -> Draft
    mask = C.TABLE_MASK
    order = []
    for line, key, f in rows(pname, prim[1], PRIMARY, _PRIMARY_KEEP, True):
        ent = f[0]
        h = hash(key) & mask
        if key in drafts[h]:
            raise ListError(pname, line, "ent_num", "duplicate ent_num %s" % ent)
        v = _v(f[2])
        t = _TYPES.get(v)
        if t is None:
            t = _TYPES.get(v.lower())
            if t is None:
                raise ListError(pname, line, "SDN_Type", "unknown type %r (individual, "
                                "vessel, aircraft or -0- for an entity)" % f[2][:40])
        primary = _v(f[1])
        if not primary:
            raise ListError(pname, line, "SDN_Name", "empty name")
        d = C.Draft(ent, t, pname, line)
        d.name(primary, pname, line, "SDN_Name")
        v = _v(f[3])
        if "] [" in v:
            for p in v.split("] ["):
                d.program(p.strip("[] "), pname, line)
        else:
            d.program(v.strip("[] "), pname, line)
        flag = _v(f[9])
        if flag:
            d.country(flag, pname, line)
        text = _v(f[11])
        more = extra[h].get(key)
        if more:
            text = text + more
        if text:
            remarks(d, text, pname, line)
        if len(order) >= C.MAX_ENTRIES:
            raise ListError(pname, line, "record", "more than %d entries" % C.MAX_ENTRIES)
        drafts[h][key] = d
        order.append(d)
        k += 1
        if k >= step:
            k = 0
            yield
    yield

    if alt:
        for line, key, f in rows(alt[0], alt[1], ALT, _ALT_KEEP):
            d = drafts[hash(key) & mask].get(key)
            if d is not None:
                d.name(_v(f[3]), alt[0], line, "alt_name")
            k += 1
            if k >= step:
                k = 0
                yield
        yield
    if add:
        for line, key, f in rows(add[0], add[1], ADD, _ADD_KEEP):
            d = drafts[hash(key) & mask].get(key)
            if d is not None:
                c = _v(f[4])
                if c:
                    d.country(c, add[0], line)
            k += 1
            if k >= step:
                k = 0
                yield
        yield

    entries = []
    for d in order:
        entries.append(d.entry(list_name))
        k += 1
        if k >= step:
            k = 0
            yield
    version = yield from C.digest_steps(used)
    return ListData(list_name, version, entries, source)


def ofac_sdn(files):
    """Steps of OFAC Specially Designated Nationals: sdn.csv (required), alt.csv, add.csv,
    sdn_comments.csv."""
    return load("ofac_sdn", files, SDN_FILES, "OFAC SDN (legacy CSV)")


def ofac_cons(files):
    """Steps of the OFAC consolidated non-SDN list: cons_prim.csv (required), cons_alt.csv,
    cons_add.csv, cons_comments.csv."""
    return load("ofac_cons", files, CONS_FILES, "OFAC consolidated non-SDN (legacy CSV)")
