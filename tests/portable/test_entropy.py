# kernel/entropy.py: sources, XOR mixing, errors.
from kernel import entropy, process


class Clock:
    def ticks_us(self):
        return 0

    def idle(self):
        pass


class FakeDevice:
    def __init__(self, byte):
        self.byte = byte

    async def read(self, n):
        return bytes([self.byte]) * n


def run(coro):
    return process.Scheduler(Clock()).run_until_complete(coro)


def raises(exc, fn, text):
    try:
        fn()
    except exc as e:
        assert text in str(e), str(e)
        return
    assert False, "expected " + exc.__name__


def test_both_sources_are_xored():
    e = entropy.Entropy(FakeDevice(0x0F), lambda n: bytes([0xF1]) * n)
    assert e.sources() == ["virtio-rng", "rdrand"]
    assert run(e.read(4)) == bytes([0xFE]) * 4
    assert e.bytes_read == 4


def test_one_source_alone():
    assert run(entropy.Entropy(FakeDevice(7)).read(3)) == b"\x07\x07\x07"
    assert run(entropy.Entropy(None, lambda n: b"\x09" * n).read(2)) == b"\x09\x09"


def test_rdrand_failing_falls_back_to_the_device():
    e = entropy.Entropy(FakeDevice(5), lambda n: None)
    assert e.sources() == ["virtio-rng"]
    assert run(e.read(2)) == b"\x05\x05"


def test_no_source_and_bad_sizes_are_errors():
    raises(OSError, lambda: run(entropy.Entropy().read(8)), "no entropy source")
    e = entropy.Entropy(FakeDevice(1))
    raises(ValueError, lambda: run(e.read(0)), "1..4096")
    raises(ValueError, lambda: run(e.read(5000)), "1..4096")
