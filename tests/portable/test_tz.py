# Portable tests for security/tz.py: run by pytest on CPython and by the in-kernel test runner
# on MicroPython. Expected instants are fixed numbers (checked once against CPython's zoneinfo;
# tests/host/test_tz_host.py compares at random instants).
from security import tz
from tests.portable.support.asserts import raises

HOUR = 3600
NY_DST_START = 1772953200   # 2026-03-08T07:00:00Z: 02:00 EST becomes 03:00 EDT
NY_DST_END = 1793512800     # 2026-11-01T06:00:00Z: 02:00 EDT becomes 01:00 EST
LDN_BST_START = 1774746000  # 2026-03-29T01:00:00Z
LDN_BST_END = 1792890000    # 2026-10-25T01:00:00Z
SYD_DST_END = 1775318400    # 2026-04-04T16:00:00Z: 03:00 AEDT becomes 02:00 AEST
SYD_DST_START = 1791043200  # 2026-10-03T16:00:00Z: 02:00 AEST becomes 03:00 AEDT
JULY_2026 = 1782907200      # 2026-07-01T12:00:00Z
JAN_2026 = 1768478400       # 2026-01-15T12:00:00Z

REQUIRED = ("UTC", "Etc/UTC", "America/New_York", "America/Chicago", "America/Denver",
            "America/Los_Angeles", "America/Toronto", "America/Sao_Paulo", "America/Mexico_City",
            "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Zurich",
            "Europe/Amsterdam", "Europe/Madrid", "Europe/Rome", "Europe/Stockholm",
            "Europe/Warsaw", "Europe/Moscow", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore",
            "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney",
            "Pacific/Auckland", "Africa/Johannesburg")


def bad_zone(text, *fragments):
    e = raises(ValueError, tz.zone, text)
    for f in fragments:
        assert f in str(e), str(e)
    return e


def around(z, t):
    """Offsets one second before t and at t."""
    return z.utc_offset(t - 1), z.utc_offset(t)


# ---- civil time ----------------------------------------------------------------------------

def test_days_from_civil_fixed_points():
    assert tz.days_from_civil(1970, 1, 1) == 0
    assert tz.days_from_civil(2026, 3, 8) == 20520
    assert tz.days_from_civil(2000, 2, 29) == 11016
    assert tz.days_from_civil(1, 1, 1) == -719162
    assert tz.days_from_civil(9999, 12, 31) == 2932896
    assert tz.days_from_civil(1969, 12, 31) == -1


def test_civil_from_days_inverts_across_leap_rules():
    for y, m, d in ((2000, 2, 29), (1900, 3, 1), (2100, 2, 28), (2024, 12, 31), (1, 1, 1),
                    (1600, 2, 29), (9999, 12, 31), (1969, 12, 31)):
        assert tz.civil_from_days(tz.days_from_civil(y, m, d)) == (y, m, d)
    # 1900 and 2100 are not leap years: the day after Feb 28 is Mar 1.
    assert tz.civil_from_days(tz.days_from_civil(1900, 2, 28) + 1) == (1900, 3, 1)
    assert tz.civil_from_days(tz.days_from_civil(2000, 2, 28) + 1) == (2000, 2, 29)


def test_weekday_counts_from_monday():
    assert tz.weekday(0) == 3                                   # 1970-01-01 was a Thursday
    assert tz.weekday(tz.days_from_civil(2026, 3, 8)) == 6      # a Sunday
    assert tz.weekday(tz.days_from_civil(2000, 1, 3)) == 0      # a Monday
    assert tz.weekday(-1) == 2


def test_civil_of_epoch_seconds():
    assert tz.civil(0) == (1970, 1, 1, 0, 0, 0, 3)
    assert tz.civil(-1) == (1969, 12, 31, 23, 59, 59, 2)
    assert tz.civil(NY_DST_START) == (2026, 3, 8, 7, 0, 0, 6)
    assert tz.civil(951825599) == (2000, 2, 29, 11, 59, 59, 1)
    assert tz.civil(-0.5) == (1969, 12, 31, 23, 59, 59, 2)     # floats floor
    assert tz.civil(1.9) == (1970, 1, 1, 0, 0, 1, 3)


def test_seconds_are_bounded_numbers():
    assert "number" in str(raises(TypeError, tz.seconds, "0"))
    raises(TypeError, tz.seconds, True)
    assert "1..9999" in str(raises(ValueError, tz.seconds, tz.MAX_EPOCH + 1))
    raises(ValueError, tz.seconds, tz.MIN_EPOCH - 1)
    assert tz.seconds(tz.MAX_EPOCH) == tz.MAX_EPOCH


# ---- DST transitions of real zones -----------------------------------------------------------

def test_new_york_2026():
    z = tz.zone("America/New_York")
    assert around(z, NY_DST_START) == (-5 * HOUR, -4 * HOUR)
    assert around(z, NY_DST_END) == (-4 * HOUR, -5 * HOUR)
    assert z.local(NY_DST_START - 1) == (2026, 3, 8, 1, 59, 59, 6)
    assert z.local(NY_DST_START) == (2026, 3, 8, 3, 0, 0, 6)
    assert z.local(NY_DST_END - 1) == (2026, 11, 1, 1, 59, 59, 6)
    assert z.local(NY_DST_END) == (2026, 11, 1, 1, 0, 0, 6)    # the repeated hour
    assert z.is_dst(JULY_2026) and not z.is_dst(JAN_2026)
    assert z.abbr(JULY_2026) == "EDT" and z.abbr(JAN_2026) == "EST"
    assert [c for c, _ in z.transitions(2026)] == [NY_DST_START, NY_DST_END]


def test_london_2026():
    z = tz.zone("Europe/London")
    assert around(z, LDN_BST_START) == (0, HOUR)
    assert around(z, LDN_BST_END) == (HOUR, 0)
    assert z.local(LDN_BST_START) == (2026, 3, 29, 2, 0, 0, 6)
    assert z.is_dst(JULY_2026) and not z.is_dst(JAN_2026)


def test_paris_switches_at_the_same_instant_as_london():
    z = tz.zone("Europe/Paris")
    assert around(z, LDN_BST_START) == (HOUR, 2 * HOUR)
    assert around(z, LDN_BST_END) == (2 * HOUR, HOUR)


def test_dublin_winter_is_the_posix_dst_part():
    z = tz.zone("Europe/Dublin")
    assert around(z, LDN_BST_START) == (0, HOUR)
    assert around(z, LDN_BST_END) == (HOUR, 0)
    assert z.is_dst(JAN_2026) and not z.is_dst(JULY_2026)
    assert z.abbr(JAN_2026) == "GMT" and z.abbr(JULY_2026) == "IST"


def test_sydney_summer_spans_new_year():
    z = tz.zone("Australia/Sydney")
    assert around(z, SYD_DST_END) == (11 * HOUR, 10 * HOUR)
    assert around(z, SYD_DST_START) == (10 * HOUR, 11 * HOUR)
    assert z.is_dst(JAN_2026) and not z.is_dst(JULY_2026)
    assert z.local(SYD_DST_END - 1) == (2026, 4, 5, 2, 59, 59, 6)
    assert z.local(SYD_DST_END) == (2026, 4, 5, 2, 0, 0, 6)
    assert z.utc_offset(1798761599) == 11 * HOUR                # 2026-12-31T23:59:59Z


def test_kolkata_half_hour_no_dst():
    z = tz.zone("Asia/Kolkata")
    assert z.utc_offset(JAN_2026) == z.utc_offset(JULY_2026) == 19800
    assert not z.is_dst(JULY_2026)
    assert z.local(JAN_2026) == (2026, 1, 15, 17, 30, 0, 3)


def test_jerusalem_and_santiago_transition_hours_past_24():
    j = tz.zone("Asia/Jerusalem")                # M3.4.4/26: Friday 02:00 after 4th Thursday
    assert around(j, 1774569600) == (2 * HOUR, 3 * HOUR)       # 2026-03-27T00:00:00Z
    assert around(j, 1792886400 - HOUR) == (3 * HOUR, 2 * HOUR)
    s = tz.zone("America/Santiago")              # M9.1.6/24 and M4.1.6/24
    assert around(s, 1775358000) == (-3 * HOUR, -4 * HOUR)    # 2026-04-05T03:00:00Z
    assert around(s, 1788667200) == (-4 * HOUR, -3 * HOUR)    # 2026-09-06T04:00:00Z


# ---- POSIX TZ strings ----------------------------------------------------------------------

def test_posix_fixed_offsets_use_west_positive_signs():
    assert tz.zone("JST-9").utc_offset(0) == 9 * HOUR
    assert tz.zone("<+0530>-5:30").utc_offset(0) == 19800
    z = tz.zone("<-0330>3:30")
    assert z.utc_offset(0) == -12600 and z.std_abbr == "-0330"
    assert tz.zone("ABC+1:02:03").utc_offset(0) == -3723
    assert tz.zone("XYZ0").utc_offset(JULY_2026) == 0


def test_posix_dst_offset_defaults_to_one_hour_ahead():
    z = tz.zone("EST5EDT,M3.2.0,M11.1.0")
    assert z.name == "EST5EDT,M3.2.0,M11.1.0"
    assert around(z, NY_DST_START) == (-5 * HOUR, -4 * HOUR)
    explicit = tz.zone("AAA5BBB3,M3.2.0,M11.1.0")
    assert explicit.utc_offset(JULY_2026) == -3 * HOUR


def test_posix_julian_rules():
    # Jn never counts Feb 29, so J60 is always March 1; n counts it, so 59 is Feb 29 in 2028.
    z = tz.zone("AAA3BBB,J60/0,J300/0")
    mar1_2028 = tz.days_from_civil(2028, 3, 1) * 86400 + 3 * HOUR
    assert around(z, mar1_2028) == (-3 * HOUR, -2 * HOUR)
    n = tz.zone("AAA3BBB,59/0,300/0")
    feb29_2028 = tz.days_from_civil(2028, 2, 29) * 86400 + 3 * HOUR
    assert around(n, feb29_2028) == (-3 * HOUR, -2 * HOUR)
    mar1_2027 = tz.days_from_civil(2027, 3, 1) * 86400 + 3 * HOUR
    assert around(n, mar1_2027) == (-3 * HOUR, -2 * HOUR)


def test_posix_transition_times_with_offsets():
    # Start at 01:30:15 standard time, end at -1:00 (23:00 the day before) in DST.
    z = tz.zone("AAA0BBB,M3.5.0/1:30:15,M10.5.0/-1")
    start = tz.days_from_civil(2026, 3, 29) * 86400 + 5415
    assert around(z, start) == (0, HOUR)
    end = tz.days_from_civil(2026, 10, 25) * 86400 - HOUR - HOUR
    assert around(z, end) == (HOUR, 0)


def test_posix_dst_all_year():
    # tzfile(5)'s encoding of permanent DST: from Jan 1 00:00 to Dec 31 24:00 + 1 hour.
    z = tz.zone("EST5EDT4,0/0,J365/25")
    new_year = tz.days_from_civil(2027, 1, 1) * 86400 + 5 * HOUR
    for t in (JAN_2026, JULY_2026, new_year - 1, new_year, new_year + 1):
        assert z.utc_offset(t) == -4 * HOUR, t


def test_posix_strict_errors():
    bad_zone("EST5EDT", "needs its rule")
    bad_zone("ES5", "3 to 16")
    bad_zone("EST", "expected the offset")
    bad_zone("EST25", "out of range")
    bad_zone("EST5:60", "out of range")
    bad_zone("EST5:3", "2 to 2 digits")
    bad_zone("<+05", "unclosed")
    bad_zone("<+0 5>-5", "quoted abbreviation")
    bad_zone("EST5 x")
    bad_zone("EST5EDT,M13.1.0,M11.1.0", "month 1..12")
    bad_zone("EST5EDT,M3.6.0,M11.1.0", "week 1..5")
    bad_zone("EST5EDT,M3.2.7,M11.1.0", "weekday 0..6")
    bad_zone("EST5EDT,J0,J300", "1..365")
    bad_zone("EST5EDT,366,J300", "0..365")
    bad_zone("EST5EDT,M3.2.0", "end rule")
    bad_zone("EST5EDT,M3.2.0,M11.1.0,", "unexpected")
    bad_zone("EST5EDT,M3.2.0/168,M11.1.0", "out of range")
    e = bad_zone("EST5EDT", "unknown time zone 'EST5EDT'", "IANA name", "UTC+HH:MM")
    assert "POSIX" in str(e)


def test_posix_gmt_with_offset_is_ambiguous():
    e = bad_zone("GMT+5", "ambiguous", "UTC-05:00")
    assert "west" in str(e)
    bad_zone("UTC3", "UTC-03:00")
    assert tz.zone("UTC-3").utc_offset(0) == -3 * HOUR         # the fixed-offset form, ISO sign
    assert tz.zone("GMT0").utc_offset(0) == 0


# ---- names ---------------------------------------------------------------------------------

def test_table_has_the_financial_centres_and_no_invented_zones():
    for name in REQUIRED:
        assert name in tz.TABLE, name
        assert tz.zone(name).name == name
    assert "Europe/Frankfurt" not in tz.TABLE
    for name in tz.TABLE:
        z = tz.zone(name)
        assert -12 * HOUR <= z.utc_offset(JULY_2026) <= 14 * HOUR, name


def test_unknown_iana_name_names_itself_and_the_forms():
    e = bad_zone("Europe/Frankfurt", "'Europe/Frankfurt'", "IANA name", "UTC+HH:MM", "POSIX")
    assert "Berlin" not in str(e)
    bad_zone("america/new_york", "unknown time zone")
    bad_zone("", "1..64")
    bad_zone("A" * 65, "1..64")
    raises(ValueError, tz.zone, None)


def test_fixed_offsets_iso_sign():
    assert tz.zone("UTC").utc_offset(JULY_2026) == 0
    assert tz.zone("Etc/UTC").utc_offset(0) == 0
    z = tz.zone("UTC+02:00")
    assert z.utc_offset(0) == 2 * HOUR and z.name == "UTC+02:00"
    z = tz.zone("UTC-05:30")
    assert z.utc_offset(JULY_2026) == -19800 and not z.is_dst(JULY_2026)
    z = tz.zone("UTC+5")
    assert z.utc_offset(0) == 5 * HOUR and z.name == "UTC+05:00"
    assert tz.zone("UTC+14:00").utc_offset(0) == 14 * HOUR
    assert tz.zone("UTC-0").name == "UTC+00:00"
    assert tz.zone("UTC+5").local(0) == (1970, 1, 1, 5, 0, 0, 3)
    for bad in ("UTC+15", "UTC+14:30", "UTC+5:3", "UTC+05:60", "UTC+", "UTC+123", "UTC+a"):
        bad_zone(bad, "UTC+HH:MM")
