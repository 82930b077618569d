"""CMOS real-time clock: the wall-clock date and time at boot.

Reads the MC146818-compatible RTC through port I/O (index 0x70, data 0x71), waiting out an
update in progress and reading until two reads agree, so a read never straddles a tick.
Handles BCD and binary encodings and the 12-hour mode. `io` provides inb/outb (the `hw`
module in the kernel, a fake in tests). Turning the date into seconds is the time module's
job (time.timegm).
"""

INDEX = 0x70
DATA = 0x71
MAX_TRIES = 1000  # bounded wait for the RTC's update cycle (about 2 ms on real hardware)


def _read(io, reg):
    io.outb(INDEX, reg)
    return io.inb(DATA)


def _bcd(v):
    return (v & 0x0F) + (v >> 4) * 10


def _snapshot(io):
    for _ in range(MAX_TRIES):
        if not (_read(io, 0x0A) & 0x80):  # update in progress
            break
    else:
        raise OSError("RTC stuck in its update cycle")
    return (_read(io, 0x00), _read(io, 0x02), _read(io, 0x04),
            _read(io, 0x07), _read(io, 0x08), _read(io, 0x09), _read(io, 0x32))


def read_datetime(io):
    """(year, month, day, hour, minute, second) in UTC, as the RTC holds it."""
    prev = _snapshot(io)
    for _ in range(MAX_TRIES):
        cur = _snapshot(io)
        if cur == prev:
            break
        prev = cur
    else:
        raise OSError("RTC did not give two equal reads")
    sec, minute, hour, day, month, year, century = cur
    status_b = _read(io, 0x0B)
    pm = hour & 0x80
    hour &= 0x7F
    if not (status_b & 0x04):  # BCD mode
        sec, minute, hour = _bcd(sec), _bcd(minute), _bcd(hour)
        day, month, year = _bcd(day), _bcd(month), _bcd(year)
        century = _bcd(century) if century else 0
    if not (status_b & 0x02) and pm:  # 12-hour mode
        hour = (hour % 12) + 12
    elif not (status_b & 0x02) and hour == 12:
        hour = 0
    full_year = century * 100 + year if 19 <= century <= 30 else 2000 + year
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and sec < 61):
        raise ValueError("RTC holds an impossible time %d-%d-%d %d:%d:%d"
                         % (full_year, month, day, hour, minute, sec))
    return (full_year, month, day, hour, minute, sec)
