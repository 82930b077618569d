# Portable tests for kernel/lib/time.py (plain asserts; CPython and MicroPython).
# On the host the file is imported as kernel.lib.time; in the kernel image it
# is the top-level time module.

try:
    from kernel.lib import time as ktime
except ImportError:
    import time as ktime


class FakeSource:
    def __init__(self, boot_epoch_s=0, us=0):
        self.boot_epoch_s = boot_epoch_s
        self.us = us
        self.idles = 0

    def ticks_us(self):
        return self.us

    def idle(self):
        self.idles += 1
        self.us += 1000


def with_clock(test, boot_epoch_s=0, us=0):
    """Run test(src) with a fake clock source installed, then put back the
    previous one (in the kernel that is the real clock)."""
    saved = ktime.save_state()
    src = FakeSource(boot_epoch_s, us)
    try:
        ktime.init(src)
        test(src)
    finally:
        ktime.restore_state(saved)


def test_module_is_the_kernel_one():
    assert hasattr(ktime, "init") and hasattr(ktime, "days_from_civil")


def test_epoch_zero():
    t = ktime.gmtime(0)
    assert tuple(t) == (1970, 1, 1, 0, 0, 0, 3, 1, 0)
    assert t.tm_year == 1970 and t.tm_mon == 1 and t.tm_mday == 1
    assert t.tm_hour == 0 and t.tm_min == 0 and t.tm_sec == 0
    assert t.tm_wday == 3 and t.tm_yday == 1 and t.tm_isdst == 0
    assert t.tm_zone == "UTC" and t.tm_gmtoff == 0
    assert len(t) == 9
    assert t == (1970, 1, 1, 0, 0, 0, 3, 1, 0)
    assert ktime.timegm(t) == 0
    assert ktime.strftime("%Y-%m-%d %H:%M:%S", t) == "1970-01-01 00:00:00"


def test_leap_day_2000():
    secs = 951782400  # 2000-02-29T00:00:00Z
    t = ktime.gmtime(secs)
    assert tuple(t) == (2000, 2, 29, 0, 0, 0, 1, 60, 0)
    assert ktime.timegm((2000, 2, 29, 0, 0, 0, 0, 0, 0)) == secs
    assert ktime.gmtime(secs + 86400)[:3] == (2000, 3, 1)


def test_2100_is_not_leap():
    secs = 4107542400  # 2100-03-01T00:00:00Z
    t = ktime.gmtime(secs)
    assert tuple(t) == (2100, 3, 1, 0, 0, 0, 0, 60, 0)
    assert ktime.gmtime(secs - 1)[:6] == (2100, 2, 28, 23, 59, 59)
    assert not ktime.is_leap(2100) and ktime.is_leap(2000) and ktime.is_leap(2024)
    assert not ktime.is_leap(2023)


def test_2038_rollover():
    t = ktime.gmtime(2 ** 31)
    assert tuple(t) == (2038, 1, 19, 3, 14, 8, 1, 19, 0)
    assert ktime.timegm(t) == 2 ** 31
    assert ktime.strftime("%Y-%m-%dT%H:%M:%S", t) == "2038-01-19T03:14:08"


def test_negative_seconds():
    assert tuple(ktime.gmtime(-1)) == (1969, 12, 31, 23, 59, 59, 2, 365, 0)
    assert ktime.timegm((1969, 12, 31, 23, 59, 59, 0, 0, 0)) == -1
    # 1900-01-01 was a Monday
    t = ktime.gmtime(-2208988800)
    assert tuple(t) == (1900, 1, 1, 0, 0, 0, 0, 1, 0)
    # Fractions floor like CPython.
    assert ktime.gmtime(-0.5)[5] == 59
    assert ktime.gmtime(1.999)[5] == 1


def test_end_of_leap_year_yday():
    secs = ktime.timegm((2024, 12, 31, 12, 0, 0))
    t = ktime.gmtime(secs)
    assert t.tm_yday == 366 and t.tm_wday == 1


def test_days_from_civil_round_trip():
    for z in (-800000, -719468, -1, 0, 1, 59, 60, 365, 10957, 11016, 47541, 2932896):
        y, m, d = ktime.civil_from_days(z)
        assert ktime.days_from_civil(y, m, d) == z
        assert 1 <= m <= 12 and 1 <= d <= ktime.days_in_month(y, m)
    assert ktime.days_from_civil(1970, 1, 1) == 0
    assert ktime.days_from_civil(2000, 3, 1) == 11017


def test_days_in_month():
    assert [ktime.days_in_month(2023, m) for m in range(1, 13)] == [
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert ktime.days_in_month(2024, 2) == 29


def test_timegm_normalises():
    assert ktime.timegm((1970, 13, 1, 0, 0, 0)) == ktime.timegm((1971, 1, 1, 0, 0, 0))
    assert ktime.timegm((1970, 0, 1, 0, 0, 0)) == ktime.timegm((1969, 12, 1, 0, 0, 0))
    assert ktime.timegm((1970, 1, 32, 0, 0, 0)) == 31 * 86400
    assert ktime.timegm((1970, 1, 1, 25, 0, -1)) == 25 * 3600 - 1
    assert ktime.mktime((2000, 1, 1, 0, 0, 0, 0, 0, 0)) == 946684800.0
    assert isinstance(ktime.mktime((2000, 1, 1, 0, 0, 0, 0, 0, 0)), float)


def test_strftime_directives():
    t = ktime.gmtime(ktime.timegm((2009, 2, 13, 23, 31, 30)))
    assert ktime.strftime("%Y|%m|%d|%H|%M|%S|%%", t) == "2009|02|13|23|31|30|%"
    assert ktime.strftime("%y %j %a %A %b %B %p %I", t) == "09 044 Fri Friday Feb February PM 11"
    assert ktime.strftime("%F %T %Z %z", t) == "2009-02-13 23:31:30 UTC +0000"
    assert ktime.strftime("%Q and 50%", t) == "%Q and 50%"
    t0 = ktime.gmtime(0)
    assert ktime.strftime("%I%p", t0) == "12AM"
    assert ktime.strftime("", t0) == ""
    assert ktime.strftime("no directives", t0) == "no directives"


def test_strftime_rejects_short_tuple():
    raised = False
    try:
        ktime.strftime("%Y", (2000, 1))
    except TypeError:
        raised = True
    assert raised


def test_asctime_ctime():
    assert ktime.ctime(0) == "Thu Jan  1 00:00:00 1970"
    assert ktime.asctime(ktime.gmtime(2 ** 31)) == "Tue Jan 19 03:14:08 2038"


def test_wall_clock_from_boot_epoch():
    def body(src):
        assert ktime.time() == 1700000002.5
        assert ktime.time_ns() == 1700000002500000000
        assert ktime.monotonic() == 2.5
        assert ktime.monotonic_ns() == 2500000000
        assert ktime.perf_counter() == 2.5
        assert ktime.perf_counter_ns() == 2500000000
        src.us += 500000
        assert ktime.time() == 1700000003.0
        assert tuple(ktime.gmtime())[:6] == (2023, 11, 14, 22, 13, 23)
        assert ktime.localtime() == ktime.gmtime()
        assert ktime.strftime("%Y") == "2023"
        assert ktime.ctime() == "Tue Nov 14 22:13:23 2023"

    with_clock(body, boot_epoch_s=1700000000, us=2500000)


def test_set_time():
    def body(src):
        ktime.set_time(1000)
        assert ktime.time() == 1000.0
        src.us += 250000
        assert ktime.time() == 1000.25
        assert ktime.monotonic() == 1.25

    with_clock(body, us=1000000)


def test_sleep_uses_idle():
    def body(src):
        ktime.sleep(0.01)
        assert src.us >= 10000 and src.idles == 10
        ktime.sleep_ms(3)
        assert src.us >= 13000
        ktime.sleep_us(0)
        ktime.sleep(0)
        raised = False
        try:
            ktime.sleep(-1)
        except ValueError:
            raised = True
        assert raised

    with_clock(body)


def test_ticks_wrap_and_diff():
    def body(src):
        assert ktime.ticks_ms() == 5 and ktime.ticks_us() == 5000
        src.us = ktime.TICKS_PERIOD + 7
        assert ktime.ticks_us() == 7
        P = ktime.TICKS_PERIOD
        assert ktime.ticks_diff(5, 3) == 2
        assert ktime.ticks_diff(3, 5) == -2
        assert ktime.ticks_diff(2, P - 3) == 5          # across the wrap
        assert ktime.ticks_diff(P - 3, 2) == -5
        assert ktime.ticks_add(P - 1, 2) == 1
        assert ktime.ticks_add(1, -2) == P - 1
        assert ktime.ticks_diff(ktime.ticks_add(100, 12345), 100) == 12345

    with_clock(body, us=5000)


def test_struct_time_type():
    t = ktime.gmtime(86400 * 365)
    assert isinstance(t, ktime.struct_time)
    assert isinstance(t, tuple)
    y, mo, d, h, mi, s, wd, yd, dst = t
    assert (y, mo, d) == (1971, 1, 1)
    assert t[0] == 1971 and t[-1] == 0
    t2 = ktime.struct_time(1971, 1, 1, 0, 0, 0, 4, 1, 0)
    assert t2 == t


def test_state_restored():
    saved = ktime.save_state()
    with_clock(lambda src: None, boot_epoch_s=5)
    assert ktime.save_state() == saved
