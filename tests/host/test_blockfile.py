# drivers/blockfile.py: the host twin of the virtio-blk driver, same interface.
import os

import pytest

from drivers.blockfile import BlockFile
from kernel import process


class Clock:
    def ticks_us(self):
        return 0

    def idle(self):
        pass


def run(coro):
    return process.Scheduler(Clock()).run_until_complete(coro)


def test_round_trip_and_flush(tmp_path):
    path = str(tmp_path / "disk.img")
    dev = BlockFile(path, 128)
    assert os.path.getsize(path) == 128 * 512
    data = bytes(range(256)) * 4
    run(dev.write(3, data))
    run(dev.flush())
    assert run(dev.read(3, 2)) == data
    dev.close()
    again = BlockFile(path, 128)
    assert run(again.read(3, 2)) == data


def test_bounds_and_alignment(tmp_path):
    dev = BlockFile(str(tmp_path / "d.img"), 8)
    with pytest.raises(ValueError, match="outside the disk"):
        run(dev.read(7, 2))
    with pytest.raises(ValueError, match="whole number"):
        run(dev.write(0, b"abc"))
