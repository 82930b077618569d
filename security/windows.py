"""Time-based access windows for roles (banking.toml: operator = "Mon-Fri 07:00-19:00
America/New_York"): when a role may act, on the wall clock of a zone.

Syntax: `[DAYS ]HH:MM-HH:MM[ ZONE]`, several joined by ";" (any one allows). DAYS is a list of
days and ranges ("Mon-Fri", "Mon,Wed,Fri", "Fri-Mon" wraps over the weekend), default every
day. Times run 00:00..24:00, start included and end excluded; a window that crosses midnight
("22:00-06:00") belongs to the day it starts on. ZONE is anything security.tz.zone accepts,
default UTC. "" or "always" is ALWAYS: no restriction.
"""
from security import tz

MAX_TEXT = 256
MAX_WINDOWS = 16
# How far next_change looks: two weeks and a day, so that a weekly window that a DST gap skips
# once (Sun 02:00-02:30 in New York on the spring change) is still found the week after.
HORIZON_DAYS = 15


def _day_index(name, part):
    canon = name[:1].upper() + name[1:].lower()
    if canon not in tz.DAY_NAMES:
        _fail(part, "unknown day %r (days are Mon Tue Wed Thu Fri Sat Sun)" % name)
    return tz.DAY_NAMES.index(canon)


def _fail(part, what):
    raise ValueError("bad access window %r: %s" % (part, what))


def _parse_days(token, part):
    """A 7-bit mask (bit 0 = Monday) from "Mon-Fri", "Mon,Wed,Fri", "Fri-Mon", ..."""
    mask = 0
    for item in token.split(","):
        first, dash, last = item.partition("-")
        a = _day_index(first, part)
        days = [a]
        if dash:
            b = _day_index(last, part)
            if a == b:
                _fail(part, "day range %r starts and ends on the same day" % item)
            days = [(a + i) % 7 for i in range((b - a) % 7 + 1)]
        for d in days:
            if mask & (1 << d):
                _fail(part, "%s listed twice" % tz.DAY_NAMES[d])
            mask |= 1 << d
    return mask


def _parse_time(text, part, what):
    """Minutes of HH:MM, 00:00..24:00."""
    ok = (len(text) == 5 and text[2] == ":" and text[:2].isdigit() and text[3:].isdigit())
    if not ok:
        _fail(part, "%s time %r is not HH:MM" % (what, text))
    h, m = int(text[:2]), int(text[3:])
    if h > 24 or m > 59 or (h == 24 and m):
        _fail(part, "%s time %r is outside 00:00..24:00" % (what, text))
    return h * 60 + m


def _days_text(mask):
    """Canonical days: runs of consecutive days as ranges, ordered from Monday; "" for all."""
    if mask == 127:
        return ""
    runs = []
    for d in range(7):
        if mask & (1 << d) and not mask & (1 << ((d - 1) % 7)):
            end = d
            while mask & (1 << ((end + 1) % 7)):
                end = (end + 1) % 7
            names = tz.DAY_NAMES[d] if end == d else tz.DAY_NAMES[d] + "-" + tz.DAY_NAMES[end]
            runs.append(names)
    return ",".join(runs) + " "


class Span:
    """One `[DAYS ]HH:MM-HH:MM ZONE` window: days mask, start and end minutes, the Zone."""

    def __init__(self, days, start, end, zone):
        self.days = days
        self.start = start
        self.end = end
        self.zone = zone
        self.text = "%s%02d:%02d-%02d:%02d %s" % (_days_text(days), start // 60, start % 60,
                                                   end // 60, end % 60, zone.name)

    def allows(self, t):
        wd = self.zone.local(t)
        sec = wd[3] * 3600 + wd[4] * 60 + wd[5]
        day = wd[6]
        if self.start < self.end:
            return bool(self.days & (1 << day)) and self.start * 60 <= sec < self.end * 60
        # Crosses midnight: the evening of a listed day, or the morning after one.
        if self.days & (1 << day) and sec >= self.start * 60:
            return True
        return bool(self.days & (1 << ((day - 1) % 7))) and sec < self.end * 60


class Window:
    """Any of its spans allows; no spans is ALWAYS. `text` is the canonical form."""

    def __init__(self, spans):
        self.spans = tuple(spans)
        self.text = "; ".join(s.text for s in self.spans) if self.spans else "always"

    def __repr__(self):
        return "Window(%r)" % self.text

    def allows(self, t):
        """Whether epoch seconds t falls in the window."""
        t = tz.seconds(t)
        if not self.spans:
            return True
        for s in self.spans:
            if s.allows(t):
                return True
        return False

    def next_change(self, t):
        """The first epoch second after t at which allows() changes, or None when it does not
        within HORIZON_DAYS (never, for ALWAYS or an all-day window). allows() can only change
        where a zone's wall clock reaches a span's start or end, or where the zone's offset
        changes, so those instants are the candidates, checked in order (a few hundred for a
        few spans)."""
        t = tz.seconds(t)
        if not self.spans:
            return None
        now = self.allows(t)
        limit = t + HORIZON_DAYS * 86400
        cands = set()
        for s in self.spans:
            z = s.zone
            offs = (z.std_offset,) if z.dst_abbr is None else (z.std_offset, z.dst_offset)
            first = (t + min(offs)) // 86400 - 1
            for day in range(first, first + HORIZON_DAYS + 3):
                for minute in (s.start, s.end):
                    for off in offs:
                        c = day * 86400 + minute * 60 - off
                        if t < c <= limit:
                            cands.add(c)
            year = tz.civil(t)[0]
            for y in (year, year + 1):
                for c, _dst in z.transitions(y):
                    if t < c <= limit:
                        cands.add(c)
        for c in sorted(cands):
            if self.allows(c) != now:
                return c
        return None


ALWAYS = Window(())


def _parse_span(part, zones):
    tokens = part.split()
    i = 0 if tokens[0][:1].isdigit() else 1
    if i >= len(tokens) or not tokens[i][:1].isdigit() or len(tokens) > i + 2:
        _fail(part, "expected [DAYS ]HH:MM-HH:MM[ ZONE]")
    days = _parse_days(tokens[0], part) if i else 127
    start_text, dash, end_text = tokens[i].partition("-")
    if not dash:
        _fail(part, "expected a time range HH:MM-HH:MM, not %r" % tokens[i])
    start = _parse_time(start_text, part, "start")
    end = _parse_time(end_text, part, "end")
    if start == 24 * 60:
        _fail(part, "a window cannot start at 24:00 (write 00:00 of the next day)")
    if start == end:
        _fail(part, "start equals end (write 00:00-24:00 for the whole day)")
    name = tokens[i + 1] if len(tokens) > i + 1 else "UTC"
    if name not in zones:
        try:
            zones[name] = tz.zone(name)
        except ValueError as e:
            _fail(part, str(e))
    return Span(days, start, end, zones[name])


def parse(text):
    """A Window from its text; ValueError naming the faulty window and why."""
    if not isinstance(text, str):
        raise ValueError("an access window is text, not %s" % type(text).__name__)
    if len(text) > MAX_TEXT:
        raise ValueError("access window text longer than %d characters" % MAX_TEXT)
    text = text.strip()
    if text == "" or text.lower() == "always":
        return ALWAYS
    parts = text.split(";")
    if len(parts) > MAX_WINDOWS:
        raise ValueError("more than %d access windows in %r" % (MAX_WINDOWS, text))
    zones = {}
    spans = []
    for n, part in enumerate(parts):
        part = part.strip()
        if not part:
            raise ValueError("access window %d of %r is empty" % (n + 1, text))
        spans.append(_parse_span(part, zones))
    return Window(spans)
