"""One party on a sanctions or PEP list, as every loader gives it and the matcher reads it.

Plain data, portable (CPython and MicroPython). Strings are the publisher's text (trimmed);
nothing here is normalised: compliance/normalize.py does that when the index is built.
"""

INDIVIDUAL = "individual"
ENTITY = "entity"          # organisations, companies, groups
VESSEL = "vessel"
AIRCRAFT = "aircraft"
UNKNOWN = "unknown"
TYPES = (INDIVIDUAL, ENTITY, VESSEL, AIRCRAFT, UNKNOWN)


class Entry:
    """``list``: the list's name ("ofac_sdn", "un", ...); ``id``: the entry's id on that list
    (the publisher's, as text); ``type``: one of TYPES; ``names``: the primary name first,
    then every alias (no duplicates); ``dobs``: dates of birth or incorporation as
    "YYYY", "YYYY-MM" or "YYYY-MM-DD"; ``countries``: ISO 3166-1 alpha-2 codes (nationality,
    citizenship, address, registration); ``programs``: sanction programmes or PEP roles;
    ``list_date``: when the entry was listed ("YYYY-MM-DD" or "")."""

    __slots__ = ("list", "id", "type", "names", "dobs", "countries", "programs", "list_date")

    def __init__(self, list_name, entry_id, etype, names, dobs=(), countries=(), programs=(),
                 list_date=""):
        assert etype in TYPES, etype
        assert names, "an entry has at least one name"
        self.list = list_name
        self.id = entry_id
        self.type = etype
        self.names = tuple(names)
        self.dobs = tuple(dobs)
        self.countries = tuple(countries)
        self.programs = tuple(programs)
        self.list_date = list_date

    def to_json(self):
        return {"list": self.list, "id": self.id, "type": self.type, "names": list(self.names),
                "dobs": list(self.dobs), "countries": list(self.countries),
                "programs": list(self.programs), "list_date": self.list_date}


class ListData:
    """A loaded list: its name, a version (the publisher's date or a digest of the files),
    and its entries, in file order."""

    __slots__ = ("name", "version", "entries", "source")

    def __init__(self, name, version, entries, source=""):
        self.name = name
        self.version = version
        self.entries = entries
        self.source = source       # the publisher / format, for /status


class ListError(Exception):
    """A list file that cannot be loaded: which file, line and field, and what is wrong.
    The list in force stays in force."""

    def __init__(self, file, line, field, message):
        super().__init__("%s:%s: %s: %s" % (file, line, field, message))
        self.file = file
        self.line = line
        self.field = field
        self.message = message
