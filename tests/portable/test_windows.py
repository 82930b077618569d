# Portable tests for security/windows.py: run by pytest on CPython and by the in-kernel test
# runner on MicroPython. Instants are fixed epoch seconds built with security.tz.days_from_civil.
from security import tz, windows
from tests.portable.support.asserts import raises

HOUR = 3600


def at(y, m, d, hh=0, mm=0, ss=0, offset=0):
    """Epoch seconds of a wall-clock time at a UTC offset (seconds east)."""
    return tz.days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss - offset


def bad(text, *fragments):
    e = raises(ValueError, windows.parse, text)
    for f in fragments:
        assert f in str(e), str(e)
    return e


EDT = -4 * HOUR  # New York in summer
EST = -5 * HOUR
OPERATOR = windows.parse("Mon-Fri 07:00-19:00 America/New_York")


def test_edges_of_a_weekday_window():
    # 2026-07-01 is a Wednesday; New York is on EDT.
    assert not OPERATOR.allows(at(2026, 7, 1, 6, 59, 59, EDT))
    assert OPERATOR.allows(at(2026, 7, 1, 7, 0, 0, EDT))
    assert OPERATOR.allows(at(2026, 7, 1, 18, 59, 59, EDT))
    assert not OPERATOR.allows(at(2026, 7, 1, 19, 0, 0, EDT))
    assert OPERATOR.allows(at(2026, 7, 1, 18, 59, 59, EDT) + 0.5)   # floats floor
    assert not OPERATOR.allows(at(2026, 7, 4, 12, 0, 0, EDT))        # a Saturday
    assert not OPERATOR.allows(at(2026, 7, 5, 12, 0, 0, EDT))        # a Sunday


def test_window_follows_the_zones_dst():
    # 07:00 New York is 12:00 UTC in January and 11:00 UTC in July.
    assert OPERATOR.allows(at(2026, 1, 14, 12, 0, 0))
    assert not OPERATOR.allows(at(2026, 1, 14, 11, 59, 59))
    assert OPERATOR.allows(at(2026, 7, 1, 11, 0, 0))
    assert not OPERATOR.allows(at(2026, 7, 1, 10, 59, 59))
    # The Monday after the spring change opens at 11:00 UTC, the Friday before at 12:00 UTC.
    assert OPERATOR.allows(at(2026, 3, 9, 11, 0, 0))
    assert not OPERATOR.allows(at(2026, 3, 9, 10, 59, 59))
    assert not OPERATOR.allows(at(2026, 3, 6, 11, 59, 59))
    assert OPERATOR.allows(at(2026, 3, 6, 12, 0, 0))


def test_default_zone_is_utc_and_default_days_all():
    w = windows.parse("09:00-17:00")
    assert w.text == "09:00-17:00 UTC"
    for d in range(6, 13):  # 2026-07-06 (Mon) .. 07-12 (Sun)
        assert w.allows(at(2026, 7, d, 9)) and not w.allows(at(2026, 7, d, 17))
    assert not w.allows(at(2026, 7, 6, 8, 59, 59))


def test_midnight_crossing_belongs_to_the_start_day():
    w = windows.parse("Fri 22:00-06:00 Europe/London")   # 2026-07-10 is a Friday; BST
    bst = HOUR
    assert not w.allows(at(2026, 7, 10, 21, 59, 59, bst))
    assert w.allows(at(2026, 7, 10, 22, 0, 0, bst))
    assert w.allows(at(2026, 7, 11, 0, 0, 0, bst))        # Saturday morning: Friday's night
    assert w.allows(at(2026, 7, 11, 5, 59, 59, bst))
    assert not w.allows(at(2026, 7, 11, 6, 0, 0, bst))
    assert not w.allows(at(2026, 7, 11, 22, 0, 0, bst))   # Saturday night is not listed
    assert not w.allows(at(2026, 7, 10, 3, 0, 0, bst))    # Friday morning: Thursday's night


def test_weekday_wrap():
    w = windows.parse("Fri-Mon 10:00-11:00")
    assert w.text == "Fri-Mon 10:00-11:00 UTC"
    allowed = [w.allows(at(2026, 7, d, 10, 30)) for d in range(6, 13)]   # Mon..Sun
    assert allowed == [True, False, False, False, True, True, True]


def test_day_lists_and_canonical_text():
    assert windows.parse("Mon,Wed,Fri 08:00-09:00").text == "Mon,Wed,Fri 08:00-09:00 UTC"
    assert windows.parse("sat-SUN 08:00-09:00").text == "Sat-Sun 08:00-09:00 UTC"
    assert windows.parse("Sun,Mon,Wed 08:00-09:00").text == "Wed,Sun-Mon 08:00-09:00 UTC"
    assert windows.parse("Mon-Sun 00:00-24:00").text == "00:00-24:00 UTC"
    assert windows.parse("Mon-Wed,Thu 08:00-09:00").text == "Mon-Thu 08:00-09:00 UTC"
    w = windows.parse("  Mon-Fri 07:00-19:00 America/New_York;Sat 09:00-13:00 UTC+02:00 ")
    assert w.text == "Mon-Fri 07:00-19:00 America/New_York; Sat 09:00-13:00 UTC+02:00"
    assert windows.parse(w.text).text == w.text
    assert repr(w).startswith("Window(")


def test_several_windows_any_allows():
    w = windows.parse("Mon-Fri 07:00-19:00 America/New_York; Sat 09:00-13:00 America/New_York")
    sat = at(2026, 7, 11, 9, 0, 0, EDT)
    assert w.allows(sat) and not w.allows(sat - 1)
    assert not w.allows(at(2026, 7, 11, 13, 0, 0, EDT))
    assert w.allows(at(2026, 7, 10, 18, 0, 0, EDT))
    assert w.spans[0].zone is w.spans[1].zone   # one Zone per name within a text


def test_whole_day_and_24_00():
    w = windows.parse("Tue 00:00-24:00 Asia/Kolkata")
    ist = 19800
    assert w.allows(at(2026, 7, 7, 0, 0, 0, ist)) and w.allows(at(2026, 7, 7, 23, 59, 59, ist))
    assert not w.allows(at(2026, 7, 8, 0, 0, 0, ist))
    assert not w.allows(at(2026, 7, 6, 23, 59, 59, ist))


def test_always():
    for text in ("", "   ", "always", "ALWAYS"):
        assert windows.parse(text) is windows.ALWAYS
    assert windows.ALWAYS.text == "always"
    assert windows.ALWAYS.allows(0) and windows.ALWAYS.allows(at(2026, 7, 11, 3))
    assert windows.ALWAYS.next_change(0) is None
    raises(TypeError, windows.ALWAYS.allows, "now")


def test_next_change():
    wed_0659 = at(2026, 7, 1, 6, 59, 59, EDT)
    assert OPERATOR.next_change(wed_0659) == wed_0659 + 1
    assert OPERATOR.next_change(wed_0659 + 1) == at(2026, 7, 1, 19, 0, 0, EDT)
    fri_evening = at(2026, 7, 3, 20, 0, 0, EDT)
    assert OPERATOR.next_change(fri_evening) == at(2026, 7, 6, 7, 0, 0, EDT)
    # Across the autumn change: Friday 19:00 EDT to Monday 07:00 EST.
    assert OPERATOR.next_change(at(2026, 10, 30, 19, 0, 0, EDT)) == at(2026, 11, 2, 7, 0, 0, EST)
    assert windows.parse("00:00-24:00 Europe/Paris").next_change(0) is None
    night = windows.parse("Fri 22:00-06:00")
    assert night.next_change(at(2026, 7, 10, 23)) == at(2026, 7, 11, 6)


def test_next_change_at_an_offset_change():
    # Always inside in UTC terms except where New York's offset moves the second window.
    w = windows.parse("00:00-16:30 UTC; 12:00-24:00 America/New_York")
    july = at(2026, 7, 1, 12)
    assert w.allows(july) and w.next_change(july) is None        # summer: no gap for weeks
    oct_30 = at(2026, 10, 30, 12)
    change = w.next_change(oct_30)
    assert change == at(2026, 11, 1, 16, 30)    # the first winter day has 16:30-17:00Z out
    assert not w.allows(change) and w.allows(change - 1)


def test_bad_syntax_messages():
    bad("Mon-Fri 7:00-19:00", "'Mon-Fri 7:00-19:00'", "start time '7:00' is not HH:MM")
    bad("Mon-Fri 07:00-25:00", "outside 00:00..24:00")
    bad("07:60-08:00", "outside 00:00..24:00")
    bad("24:00-06:00", "cannot start at 24:00")
    bad("07:00-07:00", "start equals end", "00:00-24:00")
    bad("07:00", "time range")
    bad("Mon-Fri", "expected [DAYS ]HH:MM-HH:MM[ ZONE]")
    bad("Mon-Fri 07:00-19:00 America/New_York extra", "expected [DAYS ]HH:MM-HH:MM[ ZONE]")
    bad("Monday 07:00-19:00", "unknown day 'Monday'")
    bad("Mon-Mon 07:00-19:00", "same day")
    bad("Mon-Fri,Wed 07:00-19:00", "Wed listed twice")
    bad("Mon,,Tue 07:00-19:00", "unknown day ''")
    bad("Mon-Fri 07:00-19:00 Europe/Frankfurt", "unknown time zone 'Europe/Frankfurt'",
        "IANA name")
    bad("Mon 07:00-19:00;", "access window 2", "empty")
    bad("Mon 07:00-19:00;;Tue 07:00-08:00", "empty")
    bad("09:00-17:00 UTC+15", "UTC+HH:MM")


def test_bounds():
    seventeen = "; ".join(["01:00-02:00"] * 17)
    bad(seventeen, "more than 16")
    sixteen = windows.parse(";".join(["01:00-02:00"] * 16))
    assert len(sixteen.spans) == 16
    bad("x" * 257, "longer than 256")
    bad(None, "text")
    raises(ValueError, OPERATOR.allows, tz.MAX_EPOCH + 1)
