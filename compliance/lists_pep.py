"""PEP and other OpenSanctions exports in JSON: Senzing records and FollowTheMoney entities.

Files are *.json / *.jsonl, each a JSON array of records or one record per line; several
files make one list (a record id seen again merges into the first).

Senzing (OpenSanctions' *_senzing.json, Senzing's own JSON): RECORD_ID, RECORD_TYPE
(PERSON / ORGANIZATION / VESSEL / AIRCRAFT), the attributes flat on the record, in NAMES /
DATES / COUNTRIES / ADDRESSES lists or in a FEATURES list: NAME_FULL, NAME_ORG or NAME_FIRST
.. NAME_LAST; DATE_OF_BIRTH / REGISTRATION_DATE; NATIONALITY, CITIZENSHIP, ADDR_COUNTRY,
REGISTRATION_COUNTRY. A record without RECORD_TYPE that others point at (RELATIONSHIPS
REL_POINTER_KEY) is a position, not a party ("United States senator"): its name becomes a
programme of the records that point at it, with their RISKS topics ("role.pep").

FollowTheMoney (OpenSanctions' entities.ftm.json, us_tel.json): id, schema (Person,
Organization, Company, LegalEntity, Vessel, Airplane), properties name, alias,
previousName, birthDate, incorporationDate, country, nationality, citizenship, jurisdiction,
program, topics; list date first_seen.
"""
try:
    from kernel.lib import json
except ImportError:  # in the kernel, kernel/lib/json.py is the top-level json
    import json

from compliance import csvread
from compliance import lists_common as C
from compliance.lists_common import WS
from compliance.entry import AIRCRAFT, ENTITY, INDIVIDUAL, UNKNOWN, VESSEL, ListData, ListError

_SZ_TYPES = {"PERSON": INDIVIDUAL, "ORGANIZATION": ENTITY, "VESSEL": VESSEL,
             "AIRCRAFT": AIRCRAFT}
_FTM_TYPES = {"Person": INDIVIDUAL, "Organization": ENTITY, "Company": ENTITY,
              "LegalEntity": ENTITY, "PublicBody": ENTITY, "Vessel": VESSEL,
              "Airplane": AIRCRAFT}
_SZ_LISTS = ("NAMES", "DATES", "COUNTRIES", "ADDRESSES", "RISKS", "FEATURES", "ATTRIBUTES")
_SZ_COUNTRY = ("NATIONALITY", "CITIZENSHIP", "ADDR_COUNTRY", "REGISTRATION_COUNTRY",
               "COUNTRY_OF_ASSOCIATION")
_SZ_DATE = ("DATE_OF_BIRTH", "REGISTRATION_DATE")
_FTM_NAMES = ("name", "alias", "previousName")
_FTM_DATES = ("birthDate", "incorporationDate")
_FTM_COUNTRIES = ("country", "nationality", "citizenship", "jurisdiction")


def _records(name, data):
    """(line, record) of a JSON array or of JSON lines."""
    text = csvread.text(data, name)
    start = text.lstrip(WS)[:1]
    if start == "[":
        try:
            doc = json.loads(text, max_size=C.MAX_FILE)
        except ValueError as e:
            raise ListError(name, getattr(e, "lineno", 0), "json", str(e)[:200])
        if type(doc) is not list:
            raise ListError(name, 1, "json", "expected an array of records")
        for i in range(len(doc)):
            yield -(i + 1), doc[i]            # no line numbers: -index of the record
        return
    n = 0
    for line in text.split("\n"):
        n += 1
        if not line.strip(WS):
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise ListError(name, n, "json", str(e)[:200])
        yield n, rec


def _where(line):
    return line if line > 0 else 0


def _field(line, key):
    return key if line > 0 else "record %d: %s" % (-line, key)


def _str(v):
    return v.strip(WS) if type(v) is str else ""


def _senzing_parts(rec):
    parts = [rec]
    for k in _SZ_LISTS:
        v = rec.get(k)
        if type(v) is list:
            for x in v:
                if type(x) is dict:
                    parts.append(x)
    return parts


def _senzing_type(parts):
    for p in parts:
        t = p.get("RECORD_TYPE")
        if t:
            return t
    return None


def _senzing(d, parts, name, line):
    primary = []
    other = []
    for p in parts:
        full = _str(p.get("NAME_FULL")) or _str(p.get("NAME_ORG"))
        if not full:
            full = " ".join([_str(p.get(k)) for k in ("NAME_PREFIX", "NAME_FIRST",
                             "NAME_MIDDLE", "NAME_LAST", "NAME_SUFFIX") if _str(p.get(k))])
        if full:
            (primary if p.get("NAME_TYPE", "PRIMARY") == "PRIMARY" else other).append(full)
        for k in _SZ_DATE:
            v = _str(p.get(k))
            if v:
                d.dob(v, name, _where(line))
        for k in _SZ_COUNTRY:
            v = _str(p.get(k))
            if v:
                d.country(v, name, _where(line))
        topic = _str(p.get("TOPIC"))
        if topic:
            d.program(topic, name, _where(line))
    for n in primary + other:
        d.name(n, name, _where(line), _field(line, "NAME_FULL"))


def _ftm(d, rec, name, line):
    props = rec.get("properties")
    if type(props) is not dict:
        raise ListError(name, _where(line), _field(line, "properties"), "not an object")
    for group, add in ((_FTM_NAMES, d.name), (_FTM_DATES, d.dob), (_FTM_COUNTRIES, d.country),
                       (("program", "topics"), d.program)):
        for k in group:
            v = props.get(k)
            if type(v) is str:
                v = [v]
            if type(v) is list:
                for x in v:
                    if type(x) is str:
                        add(x, name, _where(line))


def pep(files):
    """Steps (lists_common) of OpenSanctions PEP (or other) data: *.json / *.jsonl files,
    Senzing or FtM records. A JSON array is parsed in one call (json.loads); its records,
    and JSON lines, are then taken C.STEP at a time."""
    found = C.pick_all(files, "*.json") + C.pick_all(files, "*.jsonl")
    if not found:
        raise ListError("*.json", 0, "file", "missing (a Senzing or FtM JSON file)")
    drafts = C.table()        # id -> Draft
    mask = C.TABLE_MASK
    order = []
    untyped = {}              # ids of Senzing records without RECORD_TYPE
    pointed = {}              # ids that RELATIONSHIPS point at
    pointers = []             # (draft, [ids it points at])
    used = {}
    step = C.STEP
    tick = 0
    for name, data in found:
        C.check_size(name, data)
        used[name] = data
        for line, rec in _records(name, data):
            tick += 1
            if tick >= step:
                tick = 0
                yield
            if type(rec) is not dict:
                raise ListError(name, _where(line), _field(line, "record"), "not an object")
            ftm = "schema" in rec and "properties" in rec
            rid = _str(rec.get("id") if ftm else rec.get("RECORD_ID"))
            if not rid:
                raise ListError(name, _where(line), _field(line, "id" if ftm else "RECORD_ID"),
                                "missing")
            parts = None
            if ftm:
                t = _FTM_TYPES.get(rec.get("schema"), UNKNOWN)
            else:
                parts = _senzing_parts(rec)
                st = _senzing_type(parts)
                t = _SZ_TYPES.get(st, UNKNOWN)
                if st is None:
                    untyped[rid] = 1
            d = drafts[hash(rid) & mask].get(rid)
            if d is None:
                first = _str(rec.get("first_seen"))[:10] if ftm else ""
                d = C.Draft(rid, t, name, _where(line), C.date(first))
                if len(order) >= C.MAX_ENTRIES:
                    raise ListError(name, _where(line), "record",
                                    "more than %d entries" % C.MAX_ENTRIES)
                drafts[hash(rid) & mask][rid] = d
                order.append(d)
            if ftm:
                _ftm(d, rec, name, line)
            else:
                _senzing(d, parts, name, line)
                rels = rec.get("RELATIONSHIPS")
                keys = []
                if type(rels) is list:
                    for r in rels:
                        k = _str(r.get("REL_POINTER_KEY")) if type(r) is dict else ""
                        if k and len(keys) < C.MAX_VALUES:
                            keys.append(k)
                            pointed[k] = 1
                if keys:
                    pointers.append((d, keys))
            if not d.names:
                raise ListError(name, _where(line), _field(line, "name"),
                                "record %s has no name" % rid)
        yield
    # an untyped record that others point at is a position ("United States senator"):
    # a programme of theirs, not a party
    positions = {}
    for rid in untyped:
        if rid in pointed:
            positions[rid] = drafts[hash(rid) & mask][rid].names[0]
    for d, keys in pointers:
        for k in keys:
            if k in positions:
                d.program(positions[k])
        tick += 1
        if tick >= step:
            tick = 0
            yield
    entries = []
    for d in order:
        if d.id not in positions:
            entries.append(d.entry("pep"))
        tick += 1
        if tick >= step:
            tick = 0
            yield
    version = yield from C.digest_steps(used)
    return ListData("pep", version, entries, "OpenSanctions (Senzing / FtM JSON)")
