"""A scheduler clock for the portable tests (kernel/process.py's clock interface): time moves
only when the test says so. Runs on CPython and in the kernel (`selftest`)."""


class FakeClock:
    """A scheduler clock for tests: time moves only on idle() (by ``tick_us``, standing for
    'halt until the next 1 ms timer interrupt') or burn(us)."""

    def __init__(self, tick_us=1000):
        assert tick_us > 0
        self.us = 0
        self.tick_us = tick_us
        self.idles = 0
        self.on_idle = None         # called after each idle(), e.g. to deliver "interrupts"

    def ticks_us(self):
        return self.us

    def ticks_ms(self):
        return self.us // 1000

    def idle(self):
        self.idles += 1
        self.us += self.tick_us
        if self.on_idle is not None:
            self.on_idle()

    def burn(self, us):
        assert us >= 0
        self.us += us
