#!/usr/bin/env python3
"""`make bench`: boot time, image sizes, idle heap, and the interpreter ratio (MicroPython in the
kernel vs CPython on this host, same script, same run); disk and HTTP against host baselines; the
ledger through the HTTP API (tools/bench_ledger.py) against PostgreSQL 15 doing the same transfer
(tools/bench_pg.py), with the ratios and the distance to the seed's 100K TPS and 10 ms. Figures
are printed, never asserted."""
import os
import re
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
from qemu_console import Kernel, free_port  # noqa: E402
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


WRK_SECONDS = 5
CONNECTIONS = (1, 16, 64)
NGINX_CONF = """daemon off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        location / { root %(dir)s/www; default_type application/json; }
    }
}
"""


def wrk(url, connections):
    """(requests/s, p50 ms, p99 ms, non-2xx) from wrk with one thread per 16 connections."""
    import subprocess
    threads = max(1, min(connections, 2))
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % WRK_SECONDS,
                          "--latency", "--timeout", "10s", url],
                         capture_output=True, text=True, timeout=WRK_SECONDS + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct(50), pct(99), int(m.group(1)) if m else 0


def http_bench(tmp):
    """GET /health on the kernel vs nginx on this host serving the same bytes as a static file."""
    import subprocess
    import urllib.request
    port = free_port()
    k = Kernel(http_port=port)
    k.wait_prompt()
    url = "http://127.0.0.1:%d/health" % port
    deadline = time.monotonic() + 30
    while True:
        try:
            body = urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    kernel = {c: wrk(url, c) for c in CONNECTIONS}
    k.close()
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    with open(os.path.join(www, "health"), "wb") as f:
        f.write(body)
    nport = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"dir": tmp, "port": nport})
    ngx = subprocess.Popen(["nginx", "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        nurl = "http://127.0.0.1:%d/health" % nport
        for _ in range(100):
            try:
                urllib.request.urlopen(nurl, timeout=2).read()
                break
            except OSError:
                time.sleep(0.05)
        nginx = {c: wrk(nurl, c) for c in CONNECTIONS}
    finally:
        ngx.terminate()
        ngx.wait(timeout=10)
    print("http: GET /health, %d s per run with wrk; baseline: nginx (1 worker) on this host "
          "serving the same %d bytes as a static file" % (WRK_SECONDS, len(body)))
    print("   %5s %12s %9s %9s %8s | %12s %9s %9s | %8s" % (
        "conns", "kernel rps", "p50 ms", "p99 ms", "non-2xx", "nginx rps", "p50 ms", "p99 ms",
        "ratio"))
    for c in CONNECTIONS:
        kr, kp50, kp99, kbad = kernel[c]
        nr, np50, np99, _ = nginx[c]
        print("   %5d %12.0f %9.2f %9.2f %8d | %12.0f %9.2f %9.2f | %7.3fx" % (
            c, kr, kp50, kp99, kbad, nr, np50, np99, kr / nr))


def ledger_bench():
    """The ledger through the HTTP API, then PostgreSQL doing the same transfers at the same
    concurrency in the same run; ours over PostgreSQL's as ratios."""
    import bench_ledger
    import bench_pg
    print("ledger: transfers through the HTTP API with the WAL flushed before every answer; %d "
          "accounts, single transfers %d s per run, batches of %d on one connection"
          % (bench_ledger.ACCOUNTS, bench_ledger.SECONDS, bench_ledger.BATCH))
    sys.stdout.flush()
    ours = bench_ledger.run(log=lambda line: print(line, flush=True))
    pg = bench_pg.run(seconds=bench_ledger.SECONDS)
    print("ledger vs PostgreSQL %s (this host, pgbench on a Unix socket: no HTTP or JSON; "
          "synchronous_commit=on; the same transfer with the balance limit and the idempotency "
          "key, tools/bench/pg_ledger.sql)" % os.path.basename(os.path.dirname(bench_pg.pg_bin())))
    print("   %-26s %9s %9s %9s | %9s %9s %9s | %9s %9s" % (
        "", "QENEX TPS", "p50 ms", "p99 ms", "PG TPS", "p50 ms", "p99 ms", "TPS ratio",
        "p50 ratio"))
    rows = [("single, %2d connection%s" % (c, "" if c == 1 else "s"), ours["single"][c],
             pg["single"][c]) for c in bench_ledger.CONNECTIONS]
    rows.append(("batches of %d, 1 conn." % bench_ledger.BATCH, ours["batch"], pg["batch"]))
    for label, o, (ptps, pp50, pp99) in rows:
        print("   %-26s %9.1f %9.1f %9.1f | %9.0f %9.1f %9.1f | %8.4fx %8.1fx" % (
            label, o["tps"], o["p50"], o["p99"], ptps, pp50, pp99, o["tps"] / ptps,
            o["p50"] / pp50))
    print("   (TPS ratio = QENEX TPS / PostgreSQL TPS; p50 ratio = QENEX p50 / PostgreSQL p50; "
          "batch latencies are per batch of %d)" % bench_ledger.BATCH)
    bench_ledger.seed_distance(ours["single"], ours["batch"])


def main():
    print("QENEX OS benchmarks (QEMU TCG, %s)" % time.strftime("%Y-%m-%d %H:%M"))
    times = boot_times()
    print("boot: QEMU start to first 'qenex> ' prompt: median %.2f s, min %.2f s, max %.2f s "
          "(%d boots)" % (statistics.median(times), min(times), max(times), BOOTS))
    for name in ("kernel.elf", "python.tar", "qenex.iso"):
        path = os.path.join(REPO, "build", name)
        print("size: %-11s %8d bytes (%.2f MiB)" % (name, os.path.getsize(path),
                                                    os.path.getsize(path) / 2**20))

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
    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as tmp:
        http_bench(tmp)
    ledger_bench()


if __name__ == "__main__":
    main()
