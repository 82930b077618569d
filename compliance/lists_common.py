"""What every list loader shares: the limits, finding a list's files by name, dates of birth
and listing dates to "YYYY" / "YYYY-MM" / "YYYY-MM-DD", bounded entry building, the version
digest, and the step protocol. Portable (CPython and MicroPython).

Steps: every loader is a generator that yields None every STEP records (rows, XML elements,
JSON records, entries built) and between files, and returns its entry.ListData; the kernel's
list service hands control back to the scheduler at each yield, `run` drives one to its end.
"""
import binascii
import hashlib

from compliance import countries
from compliance.entry import ListError, Entry

MAX_FILE = 64 * 1024 * 1024     # bytes in one list file
MAX_ENTRIES = 100000            # entries in one list
MAX_NAMES = 256                 # names of one entry (OFAC has one entry with 96 aliases)
MAX_VALUES = 64                 # dates of birth, countries or programmes of one entry
MAX_NAME_TEXT = 1024            # characters in one name
MAX_RANGE_YEARS = 10            # a "1960 to 1962" range gives each year up to this span
STEP = 32                       # records between two yields of a loader
DIGEST_CHUNK = 256 * 1024       # bytes hashed between two yields
TABLE_MASK = 15                 # a table() is TABLE_MASK + 1 dicts

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12, "january": 1, "february": 2,
           "march": 3, "april": 4, "june": 6, "july": 7, "august": 8, "september": 9,
           "october": 10, "november": 11, "december": 12}
# the three-letter months as lists write them (Jun, JUN, jun): found without a lower() (see
# date() on the cost of a new str in MicroPython)
_MON3 = {}
for _k in _MONTHS:
    if len(_k) == 3:
        for _v in (_k, _k.upper(), _k[:1].upper() + _k[1:]):
            _MON3[_v] = _MONTHS[_k]
del _k, _v
# "MM-DD" of every month and day date() takes: "1966-06-10" is then itself, found with one slice
_MD = {}
for _m in range(1, 13):
    for _d in range(1, 32):
        _MD["%02d-%02d" % (_m, _d)] = 1
del _m, _d
# ASCII whitespace: all that MicroPython's strip() and split() know (CPython's also know the
# Unicode spaces), so the loaders name it and give the same entries on both runtimes.
WS = " \t\n\r\x0b\x0c"

_APPROX = ("circa ", "ca. ", "c. ", "approximately ", "approx. ", "about ")


def clean(s):
    """`s` with each run of ASCII whitespace made one space, trimmed."""
    if "\t" in s or "\n" in s or "\r" in s or "\x0b" in s or "\x0c" in s:
        for ch in "\t\n\r\x0b\x0c":
            s = s.replace(ch, " ")
    if "  " in s:
        s = " ".join([w for w in s.split(" ") if w])
    return s.strip(" ")


# ---- files ----

def _base(path):
    """The lower-case file name of a path ("lists/SDN.CSV" -> "sdn.csv")."""
    k = path.rfind("/")
    return (path[k + 1:] if k >= 0 else path).lower()


def matches(pattern, path):
    """Whether the file name of `path` matches `pattern` (lower case; '*' is any text)."""
    name = _base(path)
    parts = pattern.split("*")
    if len(parts) == 1:
        return name == pattern
    if not name.startswith(parts[0]) or not name.endswith(parts[-1]):
        return False
    i = len(parts[0])
    end = len(name) - len(parts[-1])
    for p in parts[1:-1]:
        k = name.find(p, i, end)
        if k < 0:
            return False
        i = k + len(p)
    return i <= end


def pick_all(files, pattern):
    """[(name, data)] of the files matching `pattern`, sorted by name."""
    out = [(k, files[k]) for k in files if matches(pattern, k)]
    out.sort()
    return out


def pick(files, pattern, required=False):
    """(name, data) of the one file matching `pattern`, or None if absent and not required."""
    found = pick_all(files, pattern)
    if len(found) > 1:
        raise ListError(found[1][0], 0, "file", "more than one file matches %r: %s"
                        % (pattern, ", ".join([f[0] for f in found])))
    if not found:
        if required:
            raise ListError(pattern, 0, "file", "missing (a required file of the list)")
        return None
    check_size(found[0][0], found[0][1])
    return found[0]


def check_size(name, data):
    if not isinstance(data, (bytes, bytearray, str)):
        raise ListError(name, 0, "file", "expected bytes, got %s" % type(data).__name__)
    if len(data) > MAX_FILE:
        raise ListError(name, 0, "file", "larger than %d bytes" % MAX_FILE)


def _hex(b):
    return binascii.hexlify(b).decode()


def run(steps):
    """Drive a steps generator to its end: its return value (its ListError raised)."""
    while True:
        try:
            next(steps)
        except StopIteration as e:
            return e.value


def digest_steps(files):
    """Steps of version_digest: yields every DIGEST_CHUNK bytes hashed, returns the digest."""
    h = hashlib.sha256()
    for k in sorted(files):
        v = files[k]
        if isinstance(v, str):
            v = v.encode()
        n = len(v)
        h.update(("%s\n%d\n" % (_base(k), n)).encode())
        if n <= DIGEST_CHUNK:
            h.update(v)
        else:
            for i in range(0, n, DIGEST_CHUNK):
                h.update(v[i:i + DIGEST_CHUNK])
                yield
        yield
    return _hex(h.digest())[:16]


def version_digest(files):
    """First 16 hex digits of SHA-256 over the files (names and contents, sorted by name)."""
    return run(digest_steps(files))


def columns(file, line, header, wanted, optional=()):
    """{column: index} of a header row; every name of `wanted` must be there."""
    idx = {}
    for i in range(len(header)):
        idx[header[i].strip(WS)] = i
    for w in wanted:
        if w not in idx:
            raise ListError(file, line, w, "missing column (header: %s)"
                            % ",".join([h.strip(WS) for h in header])[:200])
    out = {}
    for w in wanted:
        out[w] = idx[w]
    for w in optional:
        out[w] = idx.get(w, -1)
    return out


def named(rows, cols):
    """The (line, fields) of `rows`, with csvread's "column N" errors renamed after the
    column ("SDN_Name", "alt_names", ...)."""
    try:
        for r in rows:
            yield r
    except ListError as e:
        k = int(e.field[7:]) if e.field[:7] == "column " and e.field[7:].isdigit() else 0
        if 1 <= k <= len(cols):
            raise ListError(e.file, e.line, cols[k - 1], e.message)
        raise


# ---- dates ----

def _ymd(y, m, d):
    if len(y) != 4 or not y.isdigit():
        return ""
    if not m:
        return y
    if not (1 <= m <= 12):
        return ""
    if not d:
        return "%s-%02d" % (y, m)
    if not (1 <= d <= 31):
        return ""
    return "%s-%02d-%02d" % (y, m, d)


def _num(s):
    return int(s) if s.isdigit() and len(s) <= 2 else 0


def date(s):
    """One date as "YYYY", "YYYY-MM" or "YYYY-MM-DD", or "" when not a date. Reads
    1966, 1966-06, 1966-06-10, 1966-06-10T..., 1966-06-10-04:00 (an XML date with a zone),
    10 Jun 1966, Jun 1966, June 10, 1966,
    06/10/1966 (US order, as BIS and FinCEN write it) and 1966/06/10.

    The common cases first, each making as few new str as it can: in MicroPython every new
    str (a slice, a lower(), even s[2]) is looked up in the interned strings, a linear search
    that costs more than the rest of this function."""
    s = s.strip(WS).rstrip(".").strip(WS)
    n = len(s)
    if n == 4 and s.isdigit():
        return s                              # 1966
    if n == 11 and s.startswith(" ", 2) and s.startswith(" ", 6):
        mon = s[3:6]                          # 10 Jun 1966 (what the general case makes of it)
        m = _MON3.get(mon)
        if m is None:
            m = _MONTHS.get(mon.lower(), 0)
        if m:
            dd = s[:2]
            y = s[7:]
            if dd.isdigit() and y.isdigit():
                d = _num(dd)
                return _ymd(y, m, d) if d else ""
    if n == 10 and s.startswith("-", 4) and s.startswith("-", 7) and \
            not s.strip("0123456789-") and s[5:] in _MD:
        return s                              # 1966-06-10 (ASCII digits, a real month and day)
    if not s:
        return ""
    if n > 10 and s.startswith("-", 4) and s[10] in "TZ+- ":
        s = s[:10]                            # a time or a zone: 2015-04-07-04:00
    if "-" in s:
        p = s.split("-")
        if len(p) == 2 and len(p[0]) == 4:
            return _ymd(p[0], _num(p[1]), 0)
        if len(p) == 3 and len(p[0]) == 4:
            m, d = _num(p[1]), _num(p[2])
            return _ymd(p[0], m, d) if d else ""
        return ""
    if "/" in s:
        p = s.split("/")
        if len(p) == 3:
            if len(p[0]) == 4:
                m, d = _num(p[1]), _num(p[2])
                return _ymd(p[0], m, d) if d else ""
            m, d = _num(p[0]), _num(p[1])
            return _ymd(p[2], m, d) if d else ""
        if len(p) == 2:
            m = _num(p[0])
            return _ymd(p[1], m, 0) if m else ""
        return ""
    p = clean(s.replace(",", " ")).split(" ")
    if len(p) == 1:
        return _ymd(p[0], 0, 0)
    if len(p) == 2:
        m = _MONTHS.get(p[0].lower(), 0)
        return _ymd(p[1], m, 0) if m else ""
    if len(p) == 3:
        m = _MONTHS.get(p[1].lower(), 0)
        if m:
            d = _num(p[0])
        else:
            m, d = _MONTHS.get(p[0].lower(), 0), _num(p[1])
        return _ymd(p[2], m, d) if m and d else ""
    return ""


def dates(s):
    """The dates of a date text: one date, an approximate one ("circa 1955"), or a range
    ("1960 to 1962", "circa 1955-1957", "01 Jan 1960 to 31 Dec 1962": each year of it, or
    its two ends when it spans more than MAX_RANGE_YEARS). [] when it is not a date."""
    s = s.strip(WS).rstrip(".").strip(WS)
    low = None                                # s.lower(), made only when needed (date())
    if s.startswith("c") or s.startswith("C") or s.startswith("a") or s.startswith("A"):
        low = s.lower()                       # every _APPROX starts so
        for a in _APPROX:
            if low.startswith(a):
                s = s[len(a):].strip(WS)
                low = s.lower()
                break
    if low is None and (" to " in s or " TO " in s or " To " in s or " tO " in s):
        low = s.lower()
    if low is not None and " to " in low:
        k = low.find(" to ")
        a, b = date(s[:k]), date(s[k + 4:])
    elif len(s) == 9 and s.startswith("-", 4) and s[:4].isdigit() and s[5:].isdigit():
        a, b = s[:4], s[5:]                   # 1955-1957
    else:
        one = date(s)
        return [one] if one else []
    if not a or not b:
        return []
    if a == b:
        return [a]
    ya, yb = int(a[:4]), int(b[:4])
    if yb < ya:
        return []
    if yb - ya > MAX_RANGE_YEARS:
        return [a[:4], b[:4]]
    return ["%d" % y for y in range(ya, yb + 1)]


# ---- entries ----

class Draft:
    """An entry being built from several rows; every list in it bounded."""

    __slots__ = ("id", "type", "names", "dobs", "countries", "programs", "list_date", "file",
                 "line")

    def __init__(self, entry_id, etype, file, line, list_date=""):
        self.id = entry_id
        self.type = etype
        self.names = []
        self.dobs = []
        self.countries = []
        self.programs = []
        self.list_date = list_date
        self.file = file
        self.line = line

    def name(self, s, file=None, line=None, field="name"):
        s = clean(s)
        if not s or s in self.names:
            return
        if len(s) > MAX_NAME_TEXT:
            raise ListError(file or self.file, line or self.line, field,
                            "name longer than %d characters" % MAX_NAME_TEXT)
        if len(self.names) >= MAX_NAMES:
            raise ListError(file or self.file, line or self.line, field,
                            "entry %s has more than %d names" % (self.id, MAX_NAMES))
        if len(self.names) == 4:
            # a fifth name: a new list instead of growing this one. MicroPython would move
            # the old list and free its block, and its allocator then searches for room from
            # that early block on, over everything loaded since (alt.csv adds names to
            # entries made long before)
            self.names = self.names + [s]
        else:
            self.names.append(s)

    def _add(self, lst, v, what, file, line):
        if not v or v in lst:
            return
        if len(lst) >= MAX_VALUES:
            raise ListError(file or self.file, line or self.line, what,
                            "entry %s has more than %d %s" % (self.id, MAX_VALUES, what))
        lst.append(v)

    def dob(self, text, file=None, line=None):
        for d in dates(text):
            self._add(self.dobs, d, "dates of birth", file, line)

    def country(self, text, file=None, line=None):
        self._add(self.countries, countries.code(text), "countries", file, line)

    def program(self, text, file=None, line=None):
        self._add(self.programs, clean(text), "programmes", file, line)

    def entry(self, list_name):
        if not self.names:
            raise ListError(self.file, self.line, "name", "entry %s has no name" % self.id)
        return Entry(list_name, self.id, self.type, self.names, self.dobs, self.countries,
                     self.programs, self.list_date)


def add_entry(entries, e, file, line):
    if len(entries) >= MAX_ENTRIES:
        raise ListError(file, line, "record", "more than %d entries" % MAX_ENTRIES)
    entries.append(e)


def table():
    """A dict of many keys as TABLE_MASK + 1 small ones, key k in t[hash(k) & TABLE_MASK].
    MicroPython's dict probes linearly and grows only when full, so finding that a key is
    not in a big one walks long runs of slots (hundreds for the 7,000 OFAC entries); in
    small ones the runs are short."""
    return [{} for _ in range(TABLE_MASK + 1)]


def unique_id(seen, base):
    """`base`, or base-2, base-3, ... if taken; records it in `seen` (a table())."""
    part = seen[hash(base) & TABLE_MASK]
    if base not in part:
        part[base] = 1
        return base
    k = part[base] + 1
    while True:
        out = "%s-%d" % (base, k)
        other = seen[hash(out) & TABLE_MASK]
        if out not in other:
            break
        k += 1
    part[base] = k
    other[out] = 1
    return out


def digest_id(*parts):
    """A stable id for a list without one: 12 hex digits of SHA-256 over the parts."""
    return _hex(hashlib.sha256("\x1f".join(parts).encode()).digest())[:12]
