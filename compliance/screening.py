"""The sanctions and PEP lists in force and screening against them (compliance/SCREENING.md).

A list is loaded from its publisher's files (lists.py), indexed (matcher.py) and then swapped
in as one step: a screening sees the old list or the new one, never half of each; a list that
fails to load leaves the one in force. The jurisdictions of banking.toml pick which lists a
screening consults. Portable.
"""
from compliance import countries, entry

# Which lists apply in which jurisdiction (the lists the loaders know; EU and UK have no
# loader of their own consolidated lists yet: the UN list and PEPs apply there).
JURISDICTION_LISTS = {
    "US": ("ofac_sdn", "ofac_cons", "us_csl", "bis_dpl", "fincen_314a", "un", "pep"),
    "EU": ("un", "pep"),
    "UK": ("un", "pep"),
}
JURISDICTIONS = tuple(sorted(JURISDICTION_LISTS))
# A match on these holds a transfer (sanctions and denied parties). PEPs call for enhanced
# due diligence (the customer's risk rating), FinCEN 314(a) for a report to FinCEN: a match
# on them shows in the customer's screening, it does not stop payments.
HOLDING_LISTS = ("ofac_sdn", "ofac_cons", "un", "us_csl", "bis_dpl")
TYPE_ALIASES = {"individual": entry.INDIVIDUAL, "person": entry.INDIVIDUAL,
                "entity": entry.ENTITY, "organization": entry.ENTITY,
                "organisation": entry.ENTITY, "company": entry.ENTITY,
                "vessel": entry.VESSEL, "aircraft": entry.AIRCRAFT, "unknown": entry.UNKNOWN}
MAX_NAME = 256
MAX_ALIASES = 16
MAX_LIMIT = 50


class QueryError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def _text(v, field, most):
    if type(v) is not str or not v.strip():
        raise QueryError(field, "%s must be a non-empty string" % field)
    if len(v) > most:
        raise QueryError(field, "%s is longer than %d characters" % (field, most))
    for ch in v:
        if ord(ch) < 32 or ord(ch) == 127:
            raise QueryError(field, "%s has a control character" % field)
    return v.strip()


def _dob(v, field):
    if v is None or v == "":
        return ""
    if type(v) is not str:
        raise QueryError(field, "%s must be a date YYYY, YYYY-MM or YYYY-MM-DD" % field)
    parts = v.split("-")
    ok = 1 <= len(parts) <= 3 and len(parts[0]) == 4 and all(
        p.isdigit() for p in parts) and all(len(p) == 2 for p in parts[1:])
    if ok and len(parts) > 1:
        ok = 1 <= int(parts[1]) <= 12
    if ok and len(parts) > 2:
        ok = 1 <= int(parts[2]) <= 31
    if not ok:
        raise QueryError(field, "%s must be a date YYYY, YYYY-MM or YYYY-MM-DD, got %r"
                         % (field, v[:32]))
    return v


def parse_query(obj, where="entity"):
    """The screening query of an API body's ``entity`` (name, type?, country?, dob?,
    aliases?) -> the matcher's query dict. QueryError names the field."""
    if type(obj) is not dict:
        raise QueryError(where, "%s must be an object with a name" % where)
    known = ("name", "type", "country", "dob", "aliases")
    for k in obj:
        if k not in known:
            raise QueryError("%s.%s" % (where, k), "unknown field %s.%s (known: %s)"
                             % (where, k, ", ".join(known)))
    if "name" not in obj:
        raise QueryError(where + ".name", "%s.name is missing" % where)
    for k in obj:
        if obj[k] is None:
            raise QueryError("%s.%s" % (where, k), "%s.%s is null: leave it out instead"
                             % (where, k))
    q = {"name": _text(obj["name"], where + ".name", MAX_NAME), "type": entry.UNKNOWN,
         "country": "", "dob": "", "aliases": []}
    t = obj.get("type")
    if t is not None:
        if type(t) is not str or t.lower() not in TYPE_ALIASES:
            raise QueryError(where + ".type", "%s.type must be one of individual, entity, "
                             "vessel, aircraft" % where)
        q["type"] = TYPE_ALIASES[t.lower()]
    c = obj.get("country")
    if c is not None and c != "":
        if type(c) is not str or len(c) > 64:
            raise QueryError(where + ".country", "%s.country must be an ISO 3166 code like "
                             "\"US\" or a country name" % where)
        code = countries.code(c)
        if not code:
            raise QueryError(where + ".country", "unknown country %r" % c)
        q["country"] = code
    q["dob"] = _dob(obj.get("dob"), where + ".dob")
    al = obj.get("aliases")
    if al is not None:
        if type(al) is not list or len(al) > MAX_ALIASES:
            raise QueryError(where + ".aliases", "%s.aliases must be a list of at most %d "
                             "names" % (where, MAX_ALIASES))
        for i in range(len(al)):
            q["aliases"].append(_text(al[i], "%s.aliases[%d]" % (where, i), MAX_NAME))
    return q


class ListState:
    """One list in force: its data, its index, where it came from and when."""

    def __init__(self, data, index, loaded_at, origin, load_ms):
        self.data = data
        self.index = index
        self.loaded_at = loaded_at     # ns since 1970
        self.origin = origin           # "boot" or "upload by <principal>"
        self.load_ms = load_ms

    def status(self, applies):
        names = 0
        for e in self.data.entries:
            names += len(e.names)
        return {"name": self.data.name, "version": self.data.version,
                "source": self.data.source, "entries": len(self.data.entries),
                "names": names, "loaded_at": self.loaded_at, "origin": self.origin,
                "load_ms": self.load_ms, "applies": applies}


class Screening:
    def __init__(self, jurisdictions, threshold_bp):
        self.jurisdictions = tuple(jurisdictions)
        self.threshold_bp = threshold_bp
        self.applicable = []
        for j in self.jurisdictions:
            for name in JURISDICTION_LISTS[j]:
                if name not in self.applicable:
                    self.applicable.append(name)
        self.lists = {}            # name -> ListState
        self.version = 0           # bumped on every swap (screening caches key on it)
        self.screenings = 0
        self.hits = 0

    def swap(self, state):
        """Put ``state`` in force in place of the list of its name (one assignment)."""
        self.lists[state.data.name] = state
        self.version += 1

    def in_force(self):
        """The applicable lists that are loaded, in the jurisdictions' order."""
        return [self.lists[n] for n in self.applicable if n in self.lists]

    def status(self):
        out = []
        for name in sorted(self.lists):
            out.append(self.lists[name].status(name in self.applicable))
        return out

    def screen(self, query, threshold_bp=None, limit=10):
        """Matches of ``query`` (parse_query's) at or above the threshold on every list in
        force, best first: ({"matches": [...], "lists": [names], "candidates": n})."""
        if threshold_bp is None:
            threshold_bp = self.threshold_bp
        found = []
        scored = 0
        names = []
        for st in self.in_force():
            names.append(st.data.name)
            got = st.index.search(query, threshold_bp, limit)
            scored += st.index.last_candidates
            found.extend(got)
        found.sort(key=lambda m: -m["score"])
        self.screenings += 1
        if found:
            self.hits += 1
        return {"matches": found[:limit], "lists": names, "candidates": scored}
