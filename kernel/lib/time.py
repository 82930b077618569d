"""A CPython-compatible subset of ``time`` for code running in the kernel.

Installed as the top-level ``time`` module in the kernel image (MicroPython
has none there). The clock is injected: at boot the kernel calls
``time.init(source)`` with an object providing ``ticks_us()`` (monotonic
microseconds since boot, never wrapping), ``boot_epoch_s`` (Unix seconds at
ticks_us() == 0, from the RTC) and optionally ``idle()`` (halt until the next
interrupt; used by sleep()). Before init() the ``hw`` module is used, with
the wall clock at the Unix epoch.

The kernel runs in UTC: localtime() == gmtime(), mktime() == timegm().
Calendar math is proleptic Gregorian in integers (any year, negative
seconds included). Differences from CPython: ``struct_time`` is built from
nine arguments (``struct_time(*fields)``), not from one sequence; strftime
knows %Y %m %d %H %M %S %y %j %a %A %b %B %p %I %Z %z %F %T %% and copies
any other directive through unchanged. MicroPython-style ``ticks_ms``,
``ticks_us``, ``ticks_add`` and ``ticks_diff`` wrap at ``TICKS_PERIOD``.
"""

from collections import namedtuple

TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
_TICKS_HALF = TICKS_PERIOD // 2

timezone = 0
altzone = 0
daylight = 0
tzname = ("UTC", "UTC")

_struct_base = namedtuple("struct_time", ("tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min",
                                          "tm_sec", "tm_wday", "tm_yday", "tm_isdst"))


class struct_time(_struct_base):
    """The 9-field time tuple with CPython's tm_* names (UTC only)."""
    tm_zone = "UTC"
    tm_gmtoff = 0


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

# ---- clock source ----------------------------------------------------------

_source = None
_epoch_us = 0   # Unix time in microseconds at ticks_us() == 0


class _HwSource:
    boot_epoch_s = 0

    def __init__(self, hw):
        self._hw = hw
        self.ticks_us = hw.ticks_us
        self.idle = hw.idle


def init(source):
    """Use ``source`` (ticks_us(), boot_epoch_s, optional idle()) from now on."""
    global _source, _epoch_us
    assert hasattr(source, "ticks_us"), "clock source needs ticks_us()"
    _source = source
    _epoch_us = int(getattr(source, "boot_epoch_s", 0)) * 1000000


def save_state():
    """The current clock source and wall-clock offset (for tests that inject
    a fake clock and must put the kernel's back)."""
    return (_source, _epoch_us)


def restore_state(state):
    global _source, _epoch_us
    _source, _epoch_us = state


def set_time(epoch_s):
    """Set the wall clock (e.g. after NTP): time() returns ``epoch_s`` now."""
    global _epoch_us
    _epoch_us = int(epoch_s * 1000000) - _src().ticks_us()


def _src():
    global _source
    if _source is None:
        import hw  # the kernel's C module; present only in the kernel image
        init(_HwSource(hw))
    return _source


# ---- clocks ----------------------------------------------------------------

def time():
    """Seconds since the Unix epoch (float)."""
    return (_epoch_us + _src().ticks_us()) / 1000000


def time_ns():
    return (_epoch_us + _src().ticks_us()) * 1000


def monotonic():
    """Seconds since boot (float); never goes back."""
    return _src().ticks_us() / 1000000


def monotonic_ns():
    return _src().ticks_us() * 1000


perf_counter = monotonic
perf_counter_ns = monotonic_ns


def sleep_us(us):
    """Block the whole kernel (not just a task: tasks use the scheduler's
    sleep_ms) for at least ``us`` microseconds, halting the CPU meanwhile."""
    src = _src()
    deadline = src.ticks_us() + int(us)
    idle = getattr(src, "idle", None)
    while src.ticks_us() < deadline:
        if idle is not None:
            idle()


def sleep(secs):
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    sleep_us(int(secs * 1000000))


def sleep_ms(ms):
    if ms < 0:
        raise ValueError("sleep length must be non-negative")
    sleep_us(int(ms) * 1000)


# ---- MicroPython-style wrapping ticks ----------------------------------------

def ticks_us():
    return _src().ticks_us() & TICKS_MAX


def ticks_ms():
    return (_src().ticks_us() // 1000) & TICKS_MAX


ticks_cpu = ticks_us


def ticks_add(ticks, delta):
    return (ticks + delta) & TICKS_MAX


def ticks_diff(a, b):
    """Signed a - b for wrapping ticks, valid while |a - b| < TICKS_PERIOD/2."""
    return ((a - b + _TICKS_HALF) & TICKS_MAX) - _TICKS_HALF


# ---- calendar ----------------------------------------------------------------

def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    if m == 2:
        return 29 if is_leap(y) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of the proleptic Gregorian date (H. Hinnant)."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    """(year, month, day) of the day number ``z`` (0 = 1970-01-01)."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return (y, m, d)


def _floor_secs(secs):
    if secs is None:
        secs = time()
    s = int(secs)
    if s > secs:
        s -= 1   # floor for negative fractions, like CPython
    return s


def gmtime(secs=None):
    """struct_time in UTC of ``secs`` since the epoch (default: now)."""
    s = _floor_secs(secs)
    days = s // 86400
    rem = s - days * 86400
    y, m, d = civil_from_days(days)
    yday = days - days_from_civil(y, 1, 1) + 1
    return struct_time(y, m, d, rem // 3600, (rem // 60) % 60, rem % 60,
                       (days + 3) % 7, yday, 0)


localtime = gmtime


def timegm(t):
    """Inverse of gmtime: seconds since the epoch of a UTC time tuple (extra
    fields ignored; out-of-range months, days and times are normalised)."""
    y = t[0]
    mon = t[1] - 1
    y += mon // 12
    mon = mon % 12 + 1
    days = days_from_civil(y, mon, 1) + t[2] - 1
    return days * 86400 + t[3] * 3600 + t[4] * 60 + t[5]


def mktime(t):
    """Like CPython's mktime with the local zone being UTC (returns a float)."""
    return float(timegm(t))


def _two(n):
    return "%02d" % n


def strftime(fmt, t=None):
    """Format a time tuple (default: now) with the subset of directives above."""
    if t is None:
        t = gmtime()
    if len(t) < 9:
        raise TypeError("strftime needs a 9-field time tuple")
    y, mo, d, h, mi, s, wd, yd = t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c != "%" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        k = fmt[i + 1]
        i += 2
        if k == "Y":
            out.append(str(y))
        elif k == "m":
            out.append(_two(mo))
        elif k == "d":
            out.append(_two(d))
        elif k == "H":
            out.append(_two(h))
        elif k == "M":
            out.append(_two(mi))
        elif k == "S":
            out.append(_two(s))
        elif k == "%":
            out.append("%")
        elif k == "y":
            out.append(_two(y % 100))
        elif k == "j":
            out.append("%03d" % yd)
        elif k == "a":
            out.append(_DAYS[wd % 7][:3])
        elif k == "A":
            out.append(_DAYS[wd % 7])
        elif k == "b":
            out.append(_MONTHS[(mo - 1) % 12][:3])
        elif k == "B":
            out.append(_MONTHS[(mo - 1) % 12])
        elif k == "p":
            out.append("AM" if h < 12 else "PM")
        elif k == "I":
            out.append(_two((h + 11) % 12 + 1))
        elif k == "Z":
            out.append("UTC")
        elif k == "z":
            out.append("+0000")
        elif k == "F":
            out.append("%s-%s-%s" % (y, _two(mo), _two(d)))
        elif k == "T":
            out.append("%s:%s:%s" % (_two(h), _two(mi), _two(s)))
        else:
            out.append("%" + k)
    return "".join(out)


def asctime(t=None):
    if t is None:
        t = gmtime()
    return "%s %s %2d %02d:%02d:%02d %d" % (_DAYS[t[6] % 7][:3], _MONTHS[(t[1] - 1) % 12][:3],
                                           t[2], t[3], t[4], t[5], t[0])


def ctime(secs=None):
    return asctime(gmtime(secs))
