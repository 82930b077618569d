# drivers/rtc.days_from_civil against CPython's calendar over the whole datetime range.
import calendar
import datetime

from hypothesis import given, strategies as st

from drivers import rtc


@given(st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_days_from_civil_matches_cpython(d):
    expected = calendar.timegm((d.year, d.month, d.day, 0, 0, 0)) // 86400
    assert rtc.days_from_civil(d.year, d.month, d.day) == expected
