"""Property tests: kernel/lib/time.py's calendar functions agree with CPython's
time.gmtime, calendar.timegm and time.strftime (host only: uses hypothesis)."""

import calendar
import time as pytime

from hypothesis import given, settings, strategies as st

from kernel.lib import time as ktime

SECS = st.integers(min_value=0, max_value=2 ** 40)
WIDE_SECS = st.integers(min_value=-(2 ** 40), max_value=2 ** 40)
YEAR1 = -62135596800     # 0001-01-01T00:00:00Z: calendar.timegm's lower bound
YEAR9999 = 253402300799  # 9999-12-31T23:59:59Z: calendar.timegm's upper bound

# %Z is left out: glibc prints "GMT" for a gmtime() tuple, the kernel "UTC".
DIRECTIVES = ["%Y", "%m", "%d", "%H", "%M", "%S", "%%", "%y", "%j", "%a", "%A",
              "%b", "%B", "%p", "%I", "%z", "%F", "%T"]

FAST = settings(max_examples=400, deadline=None)


@FAST
@given(SECS)
def test_gmtime_matches_cpython(secs):
    assert tuple(ktime.gmtime(secs)) == tuple(pytime.gmtime(secs))


@FAST
@given(WIDE_SECS)
def test_gmtime_matches_cpython_negative_too(secs):
    assert tuple(ktime.gmtime(secs)) == tuple(pytime.gmtime(secs))


@FAST
@given(st.floats(min_value=-1e9, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_gmtime_floats_floor_like_cpython(secs):
    assert tuple(ktime.gmtime(secs)) == tuple(pytime.gmtime(secs))


@FAST
@given(st.integers(min_value=YEAR1, max_value=YEAR9999))
def test_timegm_inverts_gmtime_like_calendar(secs):
    t = pytime.gmtime(secs)
    assert ktime.timegm(t) == calendar.timegm(t) == secs


@FAST
@given(WIDE_SECS)
def test_timegm_inverts_gmtime(secs):
    assert ktime.timegm(pytime.gmtime(secs)) == secs
    assert ktime.timegm(ktime.gmtime(secs)) == secs


@FAST
@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12),
       st.integers(min_value=-40, max_value=400), st.integers(min_value=-30, max_value=30),
       st.integers(min_value=-70, max_value=70), st.integers(min_value=-70, max_value=70))
def test_timegm_unnormalised_fields_like_calendar(y, mo, d, h, mi, s):
    t = (y, mo, d, h, mi, s, 0, 0, 0)
    assert ktime.timegm(t) == calendar.timegm(t)


@FAST
@given(SECS, st.lists(st.sampled_from(DIRECTIVES + ["-", " ", "T", ":", "x"]), max_size=12))
def test_strftime_subset_matches_cpython(secs, parts):
    fmt = "".join(parts)
    t = pytime.gmtime(secs)
    assert ktime.strftime(fmt, ktime.gmtime(secs)) == pytime.strftime(fmt, t)
    # Also accepts CPython's own struct_time.
    assert ktime.strftime(fmt, t) == pytime.strftime(fmt, t)


@FAST
@given(SECS)
def test_ctime_matches_cpython_asctime(secs):
    assert ktime.ctime(secs) == pytime.asctime(pytime.gmtime(secs))


@FAST
@given(st.integers(min_value=-(2 ** 40), max_value=2 ** 40))
def test_civil_days_round_trip(z):
    y, m, d = ktime.civil_from_days(z)
    assert ktime.days_from_civil(y, m, d) == z
    assert 1 <= m <= 12 and 1 <= d <= ktime.days_in_month(y, m)


@FAST
@given(st.integers(min_value=0, max_value=ktime.TICKS_MAX),
       st.integers(min_value=-(ktime.TICKS_PERIOD // 2) + 1, max_value=ktime.TICKS_PERIOD // 2 - 1))
def test_ticks_add_diff_inverse(t, delta):
    assert ktime.ticks_diff(ktime.ticks_add(t, delta), t) == delta
