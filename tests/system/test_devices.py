# PCI enumeration, the virtio-blk disk (write, flush, reboot, read; multi-block requests in
# flight; the bytes on the host's image file) and the virtio-rng entropy source.
import time
import re

import pytest

from qemu_console import Kernel

SETUP = ("from kernel import boot, process\n"
         "d = boot.DEVICES\n"
         "s = process.Scheduler(boot.Clock)\n"
         "def run(c):\n"
         "    return s.run_until_complete(c, timeout_ms=60000)\n")


def repl(k):
    k.repl_enter()
    k.paste(SETUP)


@pytest.fixture
def disk(tmp_path):
    path = tmp_path / "disk.img"
    with open(path, "wb") as f:
        f.truncate(16 << 20)
    return str(path)


def test_devices_lists_pci_and_drivers(disk):
    k = Kernel(disk=disk)
    try:
        k.wait_prompt()
        out = k.cmd("devices")
        assert re.search(r"00:00\.0 8086:1237 host bridge", out)
        assert re.search(r"1af4:1042 virtio-blk\s+\[virtio-blk driver\]", out)
        assert re.search(r"1af4:1044 virtio-rng\s+\[virtio-rng driver\]", out)
        assert re.search(r"BAR4 mem64 0x[0-9a-f]+ \(16384 bytes\) prefetchable", out)
        assert re.search(r"INTA -> IRQ \d+", out)
        assert re.search(r"\d+ PCI functions", out)
        info = k.cmd("disk info")
        assert "32768 blocks of 512 bytes (16.0 MiB)" in info
        assert re.search(r"disk\s+up", k.cmd("status"))
        assert k.cmd("disk bogus").strip() == "error: usage: disk info"
    finally:
        k.close()


def test_disk_absent_is_reported(tmp_path):
    k = Kernel()
    try:
        k.wait_prompt()
        assert re.search(r"disk\s+not present", k.cmd("status"))
        assert "disk: not present" in k.cmd("disk info")
    finally:
        k.close()


def test_write_flush_reboot_read(disk):
    k = Kernel(disk=disk)
    try:
        k.wait_prompt()
        repl(k)
        out = k.paste("data = bytes((i * 7 + 3) & 255 for i in range(300 * 512))\n"
                       "run(d.disk.write(100, data))\n"
                       "run(d.disk.flush())\n"
                       "print('flushed', d.disk.stats['flushes'], len(data))\n")
        assert "flushed 1 153600" in out
        assert int(k.py("d.disk.interrupts")) > 0  # completions raised INTx
        # flushed means on the host's disk image now
        with open(disk, "rb") as f:
            f.seek(100 * 512)
            on_disk = f.read(300 * 512)
        assert on_disk == bytes((i * 7 + 3) & 255 for i in range(300 * 512))
        k.repl_exit()
        k.send("reboot\r")
        k.expect("QENEX OS: booting", timeout=60)
        k.wait_prompt()
        repl(k)
        out = k.paste("back = run(d.disk.read(100, 300))\n"
                       "print('same', back == bytes((i * 7 + 3) & 255 for i in range(300 * 512)))\n"
                       "print('zero', run(d.disk.read(0, 1)) == bytes(512))\n")
        assert "same True" in out
        assert "zero True" in out
    finally:
        k.close()


def test_bad_requests_raise_and_kernel_continues(disk):
    k = Kernel(disk=disk)
    try:
        k.wait_prompt()
        repl(k)
        out = k.paste("for bad in (lambda: d.disk.read(32767, 2),\n"
                       "            lambda: d.disk.write(0, b'x' * 100),\n"
                       "            lambda: d.disk.read(-1, 1)):\n"
                       "    try:\n"
                       "        run(bad())\n"
                       "    except ValueError as e:\n"
                       "        print('rejected:', e)\n"
                       "print('still', run(d.disk.read(0, 1)) == bytes(512))\n")
        assert out.count("\nrejected: ") == 3
        assert "outside the disk" in out and "whole number" in out
        assert "still True" in out
    finally:
        k.close()


def test_entropy_is_not_constant(disk):
    k = Kernel(disk=disk)
    try:
        k.wait_prompt()
        repl(k)
        out = k.paste("a = run(d.rng.read(32)); b = run(d.rng.read(32))\n"
                       "print('entropy', len(a), a != b, a != bytes(32), len(set(a)) > 8)\n")
        assert "entropy 32 True True True" in out
    finally:
        k.close()


def test_entropy_command_mixes_both_sources(disk):
    k = Kernel(disk=disk)
    try:
        k.wait_prompt()
        first, second = k.cmd("entropy"), k.cmd("entropy")
        assert "sources: virtio-rng, rdrand" in first  # -cpu max has RDRAND under TCG
        a = re.search(r"sample:  ([0-9a-f]{32})", first).group(1)
        b = re.search(r"sample:  ([0-9a-f]{32})", second).group(1)
        assert a != b and a != "0" * 32
        assert re.search(r"entropy\s+up \(virtio-rng, rdrand\)", k.cmd("status"))
        k.repl_enter()
        assert k.py("import hw; len(hw.rdrand(100)), hw.rdrand(8) != hw.rdrand(8)") == "(100, True)"
    finally:
        k.close()


def test_polled_devices_do_not_storm_the_shared_interrupt_line(disk):
    # virtio-net is polled; its INTx is disabled in PCI so the line it may share with the disk
    # is not held asserted (that once cost 100,000 interrupts a minute at idle).
    from qemu_console import free_port
    k = Kernel(disk=disk, http_port=free_port())
    try:
        k.wait_prompt()
        deadline = time.monotonic() + 20
        while "DHCP, bound" not in k.cmd("network"):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        # The ledger reads the disk at boot (interrupts then); at idle the count stays put.
        before = int(re.search(r"interrupts: (\d+) \(", k.cmd("disk info")).group(1))
        time.sleep(2)
        after = int(re.search(r"interrupts: (\d+) \(", k.cmd("disk info")).group(1))
        assert after == before, (before, after)
        idle = float(re.search(r"idle:\s+([\d.]+)%", k.cmd("metrics cpu")).group(1))
        assert idle > 50.0
    finally:
        k.close()
