"""Time zones for access windows, without datetime (the kernel has none): civil time from epoch
seconds, POSIX TZ strings (the TZ variable of POSIX/glibc, as in tzfile(5)'s footer) and a
table of IANA names for the common zones.

Only a zone's current rule applies: historical changes before it (a zone that moved its
offset or dropped DST) are not modelled. Access windows are about now and the near future, so
that is right for them; it is wrong for dating old events.

`zone(name)` takes an IANA name from TABLE, "UTC", a fixed offset "UTC+02:00", "UTC-05:30" or
"UTC+5" (ISO sign: east of Greenwich is +) or a raw POSIX TZ string such as
"EST5EDT,M3.2.0,M11.1.0" (POSIX sign: west is +, so "EST5" is UTC-05:00). Because of that
clash, a POSIX string naming UTC or GMT with a non-zero offset ("GMT+5") is refused.
"""

MIN_EPOCH = -62135596800  # 0001-01-01T00:00:00Z
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z
MAX_NAME = 64             # longest zone text accepted (the longest real one is under 40)
MAX_ABBR = 16

# IANA name -> POSIX TZ string: the last line of /usr/share/zoneinfo/<name> in tzdata 2025b.
# tests/host/test_tz_host.py checks it against the machine's tzdata.
TABLE = {
    "UTC": "UTC0",
    "Etc/UTC": "UTC0",
    "Africa/Cairo": "EET-2EEST,M4.5.5/0,M10.5.4/24",
    "Africa/Johannesburg": "SAST-2",
    "Africa/Lagos": "WAT-1",
    "Africa/Nairobi": "EAT-3",
    "America/Anchorage": "AKST9AKDT,M3.2.0,M11.1.0",
    "America/Argentina/Buenos_Aires": "<-03>3",
    "America/Bogota": "<-05>5",
    "America/Chicago": "CST6CDT,M3.2.0,M11.1.0",
    "America/Denver": "MST7MDT,M3.2.0,M11.1.0",
    "America/Halifax": "AST4ADT,M3.2.0,M11.1.0",
    "America/Lima": "<-05>5",
    "America/Los_Angeles": "PST8PDT,M3.2.0,M11.1.0",
    "America/Mexico_City": "CST6",
    "America/New_York": "EST5EDT,M3.2.0,M11.1.0",
    "America/Phoenix": "MST7",
    "America/Santiago": "<-04>4<-03>,M9.1.6/24,M4.1.6/24",
    "America/Sao_Paulo": "<-03>3",
    "America/Toronto": "EST5EDT,M3.2.0,M11.1.0",
    "America/Vancouver": "PST8PDT,M3.2.0,M11.1.0",
    "Asia/Bahrain": "<+03>-3",
    "Asia/Bangkok": "<+07>-7",
    "Asia/Dubai": "<+04>-4",
    "Asia/Hong_Kong": "HKT-8",
    "Asia/Jakarta": "WIB-7",
    "Asia/Jerusalem": "IST-2IDT,M3.4.4/26,M10.5.0",
    "Asia/Karachi": "PKT-5",
    "Asia/Kolkata": "IST-5:30",
    "Asia/Kuala_Lumpur": "<+08>-8",
    "Asia/Manila": "PST-8",
    "Asia/Qatar": "<+03>-3",
    "Asia/Riyadh": "<+03>-3",
    "Asia/Seoul": "KST-9",
    "Asia/Shanghai": "CST-8",
    "Asia/Singapore": "<+08>-8",
    "Asia/Taipei": "CST-8",
    "Asia/Tehran": "<+0330>-3:30",
    "Asia/Tokyo": "JST-9",
    "Atlantic/Reykjavik": "GMT0",
    "Australia/Brisbane": "AEST-10",
    "Australia/Melbourne": "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "Australia/Perth": "AWST-8",
    "Australia/Sydney": "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "Europe/Amsterdam": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Athens": "EET-2EEST,M3.5.0/3,M10.5.0/4",
    "Europe/Berlin": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Brussels": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Copenhagen": "CET-1CEST,M3.5.0,M10.5.0/3",
    # Irish law makes summer time the standard, so POSIX calls winter (GMT) the DST part.
    "Europe/Dublin": "IST-1GMT0,M10.5.0,M3.5.0/1",
    "Europe/Helsinki": "EET-2EEST,M3.5.0/3,M10.5.0/4",
    "Europe/Istanbul": "<+03>-3",
    "Europe/Kyiv": "EET-2EEST,M3.5.0/3,M10.5.0/4",
    "Europe/Lisbon": "WET0WEST,M3.5.0/1,M10.5.0",
    "Europe/London": "GMT0BST,M3.5.0/1,M10.5.0",
    "Europe/Luxembourg": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Madrid": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Moscow": "MSK-3",
    "Europe/Oslo": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Paris": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Prague": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Rome": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Stockholm": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Vienna": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Warsaw": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Europe/Zurich": "CET-1CEST,M3.5.0,M10.5.0/3",
    "Pacific/Auckland": "NZST-12NZDT,M9.5.0,M4.1.0/3",
    "Pacific/Honolulu": "HST10",
}

FORMS = ("an IANA name from security.tz.TABLE (e.g. America/New_York), UTC, a fixed offset "
         "UTC+HH:MM or UTC-HH:MM, or a POSIX TZ string (e.g. EST5EDT,M3.2.0,M11.1.0)")

try:
    from kernel.lib import time as _time      # CPython: the kernel's module by its path
except ImportError:                             # the kernel: kernel/lib/time.py is `time`
    import time as _time

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# ---- civil time (proleptic Gregorian, days counted from 1970-01-01) --------------------------


# is_leap, days_in_month, days_from_civil (H. Hinnant), civil_from_days: the kernel's calendar
# (kernel/lib/time.py, the kernel's `time`; on CPython imported by its path).
is_leap = _time.is_leap
days_in_month = _time.days_in_month
days_from_civil = _time.days_from_civil
civil_from_days = _time.civil_from_days


def weekday(days):
    """0 = Monday .. 6 = Sunday of day `days` from 1970-01-01 (a Thursday), as date.weekday()."""
    return (days + 3) % 7


def seconds(t):
    """Whole epoch seconds (floor) of an int or float t within years 1..9999."""
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise TypeError("epoch seconds must be a number, not %s" % type(t).__name__)
    if not MIN_EPOCH <= t <= MAX_EPOCH:
        raise ValueError("epoch seconds %r outside years 1..9999" % (t,))
    s = int(t)
    return s - 1 if s > t else s


def civil(t):
    """(year, month, day, hour, minute, second, weekday) of epoch seconds t, in UTC."""
    t = seconds(t)
    days = t // 86400
    sod = t - days * 86400
    y, m, d = civil_from_days(days)
    return y, m, d, sod // 3600, sod // 60 % 60, sod % 60, weekday(days)


# ---- POSIX TZ strings ----------------------------------------------------------------------


class _Parser:
    """Cursor over a POSIX TZ string; every error names the string and the position."""

    def __init__(self, text):
        self.text = text
        self.i = 0

    def fail(self, what):
        raise ValueError("bad POSIX TZ string %r at position %d: %s" % (self.text, self.i, what))

    def peek(self):
        return self.text[self.i] if self.i < len(self.text) else ""

    def take(self, ch):
        if self.peek() == ch:
            self.i += 1
            return True
        return False

    def digits(self, lo, hi, what):
        start = self.i
        while self.i < len(self.text) and self.text[self.i].isdigit() and self.i - start < hi:
            self.i += 1
        if self.i - start < lo or self.peek().isdigit():
            self.fail("%s needs %d to %d digits" % (what, lo, hi))
        return int(self.text[start:self.i])

    def abbr(self):
        """A zone abbreviation: 3+ letters, or <...> of letters, digits, + and -."""
        start = self.i
        if self.take("<"):
            while self.peek() and self.peek() != ">":
                c = self.peek()
                if not (c.isalpha() or c.isdigit() or c in "+-"):
                    self.fail("%r in a quoted abbreviation" % c)
                self.i += 1
            name = self.text[start + 1:self.i]
            if not self.take(">"):
                self.fail("unclosed <")
        else:
            while self.peek().isalpha():
                self.i += 1
            name = self.text[start:self.i]
        if not 3 <= len(name) <= MAX_ABBR:
            self.fail("a zone abbreviation needs 3 to %d characters" % MAX_ABBR)
        return name

    def hms(self, max_hours, what):
        """[+|-]hh[:mm[:ss]] in seconds, hours at most max_hours."""
        sign = -1 if self.take("-") else 1
        if sign == 1:
            self.take("+")
        h = self.digits(1, 3 if max_hours > 99 else 2, what + " hours")
        m = s = 0
        if self.take(":"):
            m = self.digits(2, 2, what + " minutes")
            if self.take(":"):
                s = self.digits(2, 2, what + " seconds")
        if h > max_hours or m > 59 or s > 59:
            self.fail("%s out of range (hours 0..%d, minutes and seconds 0..59)"
                      % (what, max_hours))
        return sign * (h * 3600 + m * 60 + s)

    def date(self):
        """A transition day: ('J', n) Julian 1..365 without Feb 29, ('N', n) 0..365 with it, or
        ('M', month, week, weekday) with week 5 = last, weekday 0 = Sunday."""
        if self.take("J"):
            n = self.digits(1, 3, "Jn day")
            if not 1 <= n <= 365:
                self.fail("Jn day must be 1..365")
            return ("J", n)
        if self.take("M"):
            m = self.digits(1, 2, "month")
            if not self.take("."):
                self.fail("expected . after the month")
            w = self.digits(1, 1, "week")
            if not self.take("."):
                self.fail("expected . after the week")
            d = self.digits(1, 1, "weekday")
            if not (1 <= m <= 12 and 1 <= w <= 5 and d <= 6):
                self.fail("Mm.w.d needs month 1..12, week 1..5, weekday 0..6")
            return ("M", m, w, d)
        if not self.peek().isdigit():
            self.fail("expected a date: Jn, n or Mm.w.d")
        n = self.digits(1, 3, "day")
        if n > 365:
            self.fail("day n must be 0..365")
        return ("N", n)

    def rule(self):
        """date[/time] with time default 02:00; hours up to 167 (RFC 8536's extension)."""
        d = self.date()
        t = self.hms(167, "transition time") if self.take("/") else 7200
        return d, t


def _rule_day(rule, y):
    """Days from 1970-01-01 of the day a transition rule names in year y."""
    kind = rule[0]
    jan1 = days_from_civil(y, 1, 1)
    if kind == "J":
        n = rule[1]
        return jan1 + n - 1 + (1 if is_leap(y) and n >= 60 else 0)
    if kind == "N":
        return jan1 + rule[1]
    m, w, d = rule[1], rule[2], rule[3]
    first = days_from_civil(y, m, 1)
    # weekday() counts from Monday = 0; POSIX from Sunday = 0.
    day = first + (d - (weekday(first) + 1) % 7) % 7 + 7 * (w - 1)
    while day >= first + days_in_month(y, m):
        day -= 7
    return day


class Zone:
    """A zone's current rule: standard offset, and optionally a DST offset with its yearly start
    and end. Offsets are seconds east of UTC (ISO sign). `name` is the text that made it."""

    def __init__(self, name, std_abbr, std_offset, dst_abbr=None, dst_offset=None, start=None,
                 end=None):
        self.name = name
        self.std_abbr = std_abbr
        self.std_offset = std_offset
        self.dst_abbr = dst_abbr
        self.dst_offset = dst_offset
        self.start = start
        self.end = end

    def __repr__(self):
        return "Zone(%r)" % self.name

    def transitions(self, year):
        """[(utc_seconds, is_dst_after)] of the year's two changes; [] for a fixed zone. The
        start time is in standard local time, the end time in DST local time (POSIX)."""
        if self.dst_abbr is None:
            return []
        (sd, st), (ed, et) = self.start, self.end
        return [(_rule_day(sd, year) * 86400 + st - self.std_offset, True),
                (_rule_day(ed, year) * 86400 + et - self.dst_offset, False)]

    def is_dst(self, t):
        """Whether the rule's DST part is in force at epoch seconds t (for Europe/Dublin that is
        winter: see TABLE)."""
        t = seconds(t)
        if self.dst_abbr is None:
            return False
        # The last change at or before t among three years' changes: right even for rules
        # whose changes cross New Year or for DST all year ("EST5EDT4,0/0,J365/25", tzfile(5)).
        y = civil(t + self.std_offset)[0]
        last = None
        for year in (y - 1, y, y + 1):
            for change in self.transitions(year):
                if change[0] <= t and (last is None or change >= last):
                    last = change
        return last is not None and last[1]

    def utc_offset(self, t):
        """Seconds east of UTC in force at epoch seconds t."""
        return self.dst_offset if self.is_dst(t) else self.std_offset

    def abbr(self, t):
        return self.dst_abbr if self.is_dst(t) else self.std_abbr

    def local(self, t):
        """(year, month, day, hour, minute, second, weekday) of the wall clock at t."""
        t = seconds(t)
        return civil(t + self.utc_offset(t))


def parse_posix(text, name=None):
    """A Zone from a POSIX TZ string "std offset [dst [offset] ,start[/time],end[/time]]".
    Strict: a DST part needs its rule (the default rule is implementation-defined)."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_NAME:
        raise ValueError("a POSIX TZ string is text of 1..%d characters" % MAX_NAME)
    p = _Parser(text)
    std = p.abbr()
    if not p.peek() or not (p.peek().isdigit() or p.peek() in "+-"):
        p.fail("expected the offset after %r" % std)
    std_off = -p.hms(24, "offset")
    dst = dst_off = start = end = None
    if p.peek():
        dst = p.abbr()
        dst_off = std_off + 3600
        if p.peek() and p.peek() != ",":
            dst_off = -p.hms(24, "DST offset")
        if not p.take(","):
            p.fail("a DST zone needs its rule: ,start[/time],end[/time]")
        start = p.rule()
        if not p.take(","):
            p.fail("expected , before the end rule")
        end = p.rule()
        if p.peek():
            p.fail("unexpected %r" % p.peek())
    for abbr, off in ((std, std_off), (dst, dst_off)):
        if abbr in ("UTC", "GMT") and off:
            raise ValueError("ambiguous POSIX TZ string %r: POSIX signs are west-positive, so "
                             "%s%s is UTC%s; write a fixed offset as UTC+HH:MM"
                             % (text, abbr, text[len(abbr):].split(",")[0], _hhmm(off)))
    return Zone(name or text, std, std_off, dst, dst_off, start, end)


def _hhmm(off):
    sign = "-" if off < 0 else "+"
    off = abs(off)
    return "%s%02d:%02d" % (sign, off // 3600, off // 60 % 60)


def _fixed(name):
    """A Zone from "UTC+HH:MM", "UTC-HH:MM" or "UTC+H" (ISO sign), up to 14 hours."""
    body = name[4:]
    h, colon, m = body.partition(":")
    ok = 1 <= len(h) <= 2 and h.isdigit() and (not colon or (len(m) == 2 and m.isdigit()))
    if not ok or int(h) > 14 or (m and int(m) > 59) or int(h) * 60 + int(m or 0) > 14 * 60:
        raise ValueError("bad fixed offset %r: expected UTC+HH:MM or UTC-HH:MM up to 14:00"
                         % name)
    off = (int(h) * 3600 + int(m or 0) * 60) * (-1 if name[3] == "-" else 1)
    canon = "UTC" + _hhmm(off)
    return Zone(canon, canon, off)


def zone(name):
    """The Zone for an IANA name in TABLE, "UTC", "UTC+HH:MM" or a POSIX TZ string."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise ValueError("a time zone is text of 1..%d characters: %s" % (MAX_NAME, FORMS))
    if name in TABLE:
        return parse_posix(TABLE[name], name)
    if name.startswith("UTC+") or name.startswith("UTC-"):
        return _fixed(name)
    if "/" in name and "," not in name:  # an IANA-style name (a POSIX "/" is after a ",")
        raise ValueError("unknown time zone %r: expected %s" % (name, FORMS))
    try:
        return parse_posix(name)
    except ValueError as e:
        raise ValueError("unknown time zone %r: expected %s (as POSIX: %s)" % (name, FORMS, e))
