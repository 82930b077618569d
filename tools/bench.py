#!/usr/bin/env python3
"""`make bench`: boot time, image sizes, idle heap, and the interpreter ratio (MicroPython in the
kernel vs CPython on this host, same script, same run). Figures are printed, never asserted."""
import os
import re
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
from qemu_console import Kernel  # noqa: E402
import micro  # noqa: E402

BOOTS = 5


def boot_times():
    times = []
    for _ in range(BOOTS):
        k = Kernel()
        k.wait_prompt()
        times.append(k.prompt_seconds)
        k.close()
    return times


def kernel_run(k, source, expr):
    """Paste `source` into the REPL, evaluate `expr`, return its repr."""
    k.send("python\r")
    k.expect(">>> ")
    k.send("\x05")  # paste mode
    k.expect("=== ")
    k.send(source.replace("\n", "\r") + "\x04")
    k.expect(">>> ", timeout=120)
    k.send("print('RESULT', repr(%s))\r" % expr)
    k.expect(r"RESULT (.*)\r\n", timeout=600)
    value = k.p.match.group(1)
    k.expect(">>> ")
    k.send("\x04")
    k.wait_prompt()
    return value


DISK_MB = 16
DISK_CHUNK = 256 * 1024
DISK_SCRIPT = """from kernel import boot, process
import hw
s = process.Scheduler(boot.Clock)
d = boot.DEVICES.disk
chunk = bytes(%(chunk)d)
async def bench():
    t0 = hw.ticks_us()
    lba = 0
    for i in range(%(n)d):
        await d.write(lba, chunk)
        lba += len(chunk) // 512
    t1 = hw.ticks_us()
    await d.flush()
    t2 = hw.ticks_us()
    return (t1 - t0, t2 - t0)
"""


def disk_bench(tmp):
    """Sequential writes then one flush: in the kernel (virtio-blk) and on the host (a file, then
    fsync), same sizes."""
    img = os.path.join(tmp, "bench-disk.img")
    with open(img, "wb") as f:
        f.truncate((DISK_MB + 1) << 20)
    n = (DISK_MB << 20) // DISK_CHUNK
    k = Kernel(disk=img)
    k.wait_prompt()
    k.repl_enter()
    k.paste(DISK_SCRIPT % {"chunk": DISK_CHUNK, "n": n})
    out = k.py("s.run_until_complete(bench(), timeout_ms=600000)", timeout=600)
    k.close()
    write_us, total_us = eval(out)
    host_file = os.path.join(tmp, "bench-host.bin")
    chunk = bytes(DISK_CHUNK)
    t0 = time.perf_counter()
    with open(host_file, "wb") as f:
        for _ in range(n):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
    host_s = time.perf_counter() - t0
    mb = DISK_MB
    print("disk: %d MiB sequential in %d KiB writes, then flush" % (mb, DISK_CHUNK // 1024))
    print("   kernel virtio-blk: %.1f MiB/s including flush (writes %.2f s, flush %.2f s)"
          % (mb / (total_us / 1e6), write_us / 1e6, (total_us - write_us) / 1e6))
    print("   host file + fsync (baseline): %.1f MiB/s" % (mb / host_s))
    print("   ratio kernel/host: %.2f" % ((mb / (total_us / 1e6)) / (mb / host_s)))


def main():
    print("QENEX OS benchmarks (QEMU TCG, %s)" % time.strftime("%Y-%m-%d %H:%M"))
    times = boot_times()
    print("boot: QEMU start to first 'qenex> ' prompt: median %.2f s, min %.2f s, max %.2f s (%d boots)"
          % (statistics.median(times), min(times), max(times), BOOTS))
    for name in ("kernel.elf", "python.tar", "qenex.iso"):
        path = os.path.join(REPO, "build", name)
        print("size: %-11s %8d bytes (%.2f MiB)" % (name, os.path.getsize(path), os.path.getsize(path) / 2**20))

    k = Kernel()
    k.wait_prompt()
    mem = k.cmd("metrics memory")
    print("idle memory (console 'metrics memory'):")
    for line in mem.strip().splitlines():
        print("   " + line)

    with open(os.path.join(REPO, "tools", "bench", "micro.py")) as f:
        source = f.read()
    raw = kernel_run(k, source, "run_all(__import__('hw').ticks_us)")
    k.close()
    in_kernel = {name: (us, check) for name, us, check in eval(raw)}
    host = {name: (us, check) for name, us, check in
            micro.run_all(lambda: time.perf_counter_ns() // 1000)}
    print("micro-benchmark: MicroPython in the kernel vs CPython %s on the host (same script)"
          % sys.version.split()[0])
    print("   %-10s %12s %12s %8s" % ("case", "kernel us", "cpython us", "ratio"))
    ratios = []
    for name, _, _ in micro.CASES:
        kus, kcheck = in_kernel[name]
        hus, hcheck = host[name]
        if kcheck != hcheck:
            print("   %-10s checksum differs: kernel %r, host %r" % (name, kcheck, hcheck))
        ratio = kus / max(hus, 1)
        ratios.append(ratio)
        print("   %-10s %12d %12d %7.1fx" % (name, kus, hus, ratio))
    print("   geometric mean: the kernel is %.1fx slower than CPython"
          % statistics.geometric_mean(ratios))
    import tempfile
    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as tmp:
        disk_bench(tmp)


if __name__ == "__main__":
    main()
