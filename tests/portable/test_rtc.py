# drivers/rtc.py against a fake CMOS chip.
from drivers import rtc


class FakeCMOS:
    def __init__(self, regs, updating_reads=0, changes=None):
        self.regs = dict(regs)
        self.index = 0
        self.updating_reads = updating_reads  # how many status reads report "update in progress"
        self.changes = changes or []  # register sets applied after each full snapshot

    def outb(self, port, value):
        assert port == 0x70
        self.index = value

    def inb(self, port):
        assert port == 0x71
        if self.index == 0x0A:
            if self.updating_reads:
                self.updating_reads -= 1
                return 0x80
            return 0
        if self.index == 0x32 and self.changes:
            value = self.regs.get(0x32, 0)
            self.regs.update(self.changes.pop(0))
            return value
        return self.regs.get(self.index, 0)


def bcd(v):
    return (v // 10) * 16 + v % 10


def regs_bcd(y, mo, d, h, mi, s, status_b=0x02):
    return {0x00: bcd(s), 0x02: bcd(mi), 0x04: bcd(h), 0x07: bcd(d), 0x08: bcd(mo),
            0x09: bcd(y % 100), 0x32: bcd(y // 100), 0x0B: status_b}


def test_bcd_24h():
    io = FakeCMOS(regs_bcd(2026, 11, 24, 9, 5, 7))
    assert rtc.read_datetime(io) == (2026, 11, 24, 9, 5, 7)


def test_binary_mode():
    regs = {0x00: 59, 0x02: 59, 0x04: 23, 0x07: 31, 0x08: 12, 0x09: 99, 0x32: 19, 0x0B: 0x06}
    assert rtc.read_datetime(FakeCMOS(regs)) == (1999, 12, 31, 23, 59, 59)


def test_12_hour_mode():
    pm = regs_bcd(2024, 2, 29, 1, 0, 0, status_b=0)
    pm[0x04] = 0x80 | bcd(1)
    assert rtc.read_datetime(FakeCMOS(pm))[3] == 13
    midnight = regs_bcd(2024, 2, 29, 12, 0, 0, status_b=0)
    assert rtc.read_datetime(FakeCMOS(midnight))[3] == 0
    noon = regs_bcd(2024, 2, 29, 12, 0, 0, status_b=0)
    noon[0x04] = 0x80 | bcd(12)
    assert rtc.read_datetime(FakeCMOS(noon))[3] == 12


def test_waits_for_update_and_rereads_until_stable():
    io = FakeCMOS(regs_bcd(2026, 1, 1, 0, 0, 59), updating_reads=3,
                  changes=[{0x00: bcd(0), 0x02: bcd(1)}])
    assert rtc.read_datetime(io) == (2026, 1, 1, 0, 1, 0)


def test_stuck_update_is_an_error():
    io = FakeCMOS(regs_bcd(2026, 1, 1, 0, 0, 0), updating_reads=10 ** 6)
    try:
        rtc.read_datetime(io)
    except OSError as e:
        assert "update" in str(e)
    else:
        assert False, "expected OSError"


def test_impossible_time_is_an_error():
    io = FakeCMOS(regs_bcd(2026, 13, 1, 0, 0, 0))
    try:
        rtc.read_datetime(io)
    except ValueError as e:
        assert "impossible" in str(e)
    else:
        assert False, "expected ValueError"
