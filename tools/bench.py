#!/usr/bin/env python3
"""`make bench`: every figure next to a baseline measured in the same run, one step at a time:

    boot     QEMU start to the first prompt (no baseline)
    sizes    kernel, archive and ISO bytes (no baseline)
    memory   the console's `metrics memory` at idle (no baseline)
    micro    tools/bench/micro.py by MicroPython in the kernel vs CPython on this host
    disk     sequential writes + flush through virtio-blk vs a host file + fsync
    http     GET /health with wrk vs nginx on this host serving the same bytes
    ledger   transfers through the HTTP API (tools/bench_ledger.py) vs PostgreSQL 15 doing the
             same transfer (tools/bench_pg.py, tools/bench/pg_ledger.sql)
    screening  recall and precision of the matcher on tools/screen_eval.py's labelled set
             next to rapidfuzz/jellyfish; screenings/s and p50/p99 in the kernel with the full
             lists (tools/bench_screening.py) vs the host reference on the same queries

A step that fails is reported with its error and the others still run; the exit status is 1 if
any failed. Everything goes to build/bench.json too (run metadata, per step: figures, baseline,
ratios, error) so runs can be compared. Figures are printed, never asserted.

    python3 tools/bench.py [--quick] [--json PATH] [--iso PATH] [--only STEP,...]

--quick runs every step with tiny counts (seconds, not minutes): it checks the plumbing.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
sys.path.insert(0, os.path.join(REPO, "tools"))
from qemu_console import ISO, LISTS_ISO, Kernel, free_port  # noqa: E402
import micro  # noqa: E402

# The sizes of a full run and of --quick.
FULL = {"boots": 5, "micro_scale": 1, "disk_mb": 16, "wrk_seconds": 5, "http_conns": (1, 16, 64),
        "ledger_accounts": 10000, "ledger_seconds": 10, "ledger_batches": 4,
        "ledger_batch": 8190, "ledger_conns": (1, 16, 64), "pg_seconds": 5,
        "screen_eval": 2000, "screen_queries": 400, "screen_conns": (1, 16)}
QUICK = {"boots": 1, "micro_scale": 20, "disk_mb": 2, "wrk_seconds": 1, "http_conns": (1, 16),
         "ledger_accounts": 100, "ledger_seconds": 2, "ledger_batches": 1, "ledger_batch": 200,
         "ledger_conns": (1, 16), "pg_seconds": 1, "screen_eval": 100, "screen_queries": 20,
         "screen_conns": (1, 16)}
DISK_CHUNK = 256 * 1024


def ratio(a, b):
    return a / b if b else None


def kernel(opts, **kw):
    k = Kernel(iso=opts["iso"], **kw)
    k.wait_prompt(timeout=120)
    return k


# ---- steps: each returns {"figures", "baseline", "baseline_figures", "ratios"} and prints ----

def step_boot(opts):
    times = []
    for _ in range(opts["boots"]):
        k = kernel(opts)
        times.append(k.prompt_seconds)
        k.close()
    print("   QEMU start to first 'qenex> ' prompt: median %.2f s, min %.2f s, max %.2f s "
          "(%d boots); baseline: none" % (statistics.median(times), min(times), max(times),
                                          len(times)))
    return {"figures": {"median_s": statistics.median(times), "min_s": min(times),
                        "max_s": max(times), "boots": len(times)}}


def step_sizes(opts):
    fig = {}
    for name, path in (("kernel.elf", os.path.join(REPO, "build", "kernel.elf")),
                       ("python.tar", os.path.join(REPO, "build", "python.tar")),
                       ("qenex.iso", opts["iso"])):
        fig[name] = os.path.getsize(path)
        print("   %-11s %9d bytes (%.2f MiB); baseline: none" % (name, fig[name],
                                                               fig[name] / 2**20))
    return {"figures": fig}


def step_memory(opts):
    k = kernel(opts)
    try:
        mem = k.cmd("metrics memory")
    finally:
        k.close()
    fig = {}
    units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
    for line in mem.strip().splitlines():
        print("   " + line.strip())
        m = re.match(r"\s*([a-z ]+):\s*([\d.]+) (B|KiB|MiB|GiB)\b", line)
        if m:
            fig[m.group(1).strip().replace(" ", "_") + "_bytes"] = int(
                float(m.group(2)) * units[m.group(3)])
    if not fig:
        raise RuntimeError("no figures in 'metrics memory': %r" % mem[-300:])
    print("   baseline: none")
    return {"figures": fig}


def kernel_run(k, source, expr):
    """Paste `source` into the REPL, evaluate `expr`, return its value."""
    k.repl_enter()
    k.paste(source)
    out = k.py("print('RESULT', repr(%s))" % expr, timeout=600)
    k.repl_exit()
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return eval(line[7:].strip())
    raise RuntimeError("no result from the kernel's REPL: %r" % out[-500:])


def step_micro(opts):
    with open(os.path.join(REPO, "tools", "bench", "micro.py")) as f:
        source = f.read()
    k = kernel(opts)
    try:
        got = kernel_run(k, source, "run_all(__import__('hw').ticks_us, %d)" % opts["micro_scale"])
    finally:
        k.close()
    in_kernel = {name: (us, check) for name, us, check in got}
    host = {name: (us, check) for name, us, check in
            micro.run_all(lambda: time.perf_counter_ns() // 1000, opts["micro_scale"])}
    base = "CPython %s on this host (same script)" % platform.python_version()
    print("   MicroPython in the kernel vs baseline %s" % base)
    print("   %-10s %12s %12s %8s" % ("case", "kernel us", "cpython us", "ratio"))
    fig, bfig, ratios = {}, {}, {}
    for name, _, _ in micro.CASES:
        kus, kcheck = in_kernel[name]
        hus, hcheck = host[name]
        if kcheck != hcheck:
            raise RuntimeError("%s: checksum differs: kernel %r, host %r" % (name, kcheck, hcheck))
        fig[name + "_us"], bfig[name + "_us"] = kus, hus
        ratios[name] = kus / max(hus, 1)
        print("   %-10s %12d %12d %7.1fx" % (name, kus, hus, ratios[name]))
    ratios["geometric_mean"] = statistics.geometric_mean(list(ratios.values()))
    print("   geometric mean: the kernel takes %.1fx CPython's time" % ratios["geometric_mean"])
    return {"figures": fig, "baseline": base, "baseline_figures": bfig, "ratios": ratios}


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


def step_disk(opts):
    mb = opts["disk_mb"]
    n = (mb << 20) // DISK_CHUNK
    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as tmp:
        img = os.path.join(tmp, "bench-disk.img")
        with open(img, "wb") as f:
            f.truncate((mb + 1) << 20)
        k = kernel(opts, disk=img)
        try:
            write_us, total_us = kernel_run(
                k, DISK_SCRIPT % {"chunk": DISK_CHUNK, "n": n},
                "s.run_until_complete(bench(), timeout_ms=600000)")
        finally:
            k.close()
        chunk = bytes(DISK_CHUNK)
        t0 = time.perf_counter()
        with open(os.path.join(tmp, "bench-host.bin"), "wb") as f:
            for _ in range(n):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        host_s = time.perf_counter() - t0
    kmbs, hmbs = mb / (total_us / 1e6), mb / host_s
    base = "a file on this host written the same way, then fsync"
    print("   %d MiB sequential in %d KiB writes, then flush; baseline: %s"
          % (mb, DISK_CHUNK // 1024, base))
    print("   kernel virtio-blk: %.1f MiB/s including flush (writes %.2f s, flush %.2f s)"
          % (kmbs, write_us / 1e6, (total_us - write_us) / 1e6))
    print("   host file + fsync: %.1f MiB/s; ratio kernel/host %.3f" % (hmbs, kmbs / hmbs))
    return {"figures": {"mib_per_s": kmbs, "write_s": write_us / 1e6,
                        "flush_s": (total_us - write_us) / 1e6, "mib": mb},
            "baseline": base, "baseline_figures": {"mib_per_s": hmbs},
            "ratios": {"mib_per_s": kmbs / hmbs}}


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


def wrk(url, connections, seconds):
    """(requests/s, p50 ms, p99 ms, non-2xx) from wrk."""
    r = subprocess.run(["wrk", "-t%d" % max(1, min(connections, 2)), "-c%d" % connections,
                        "-d%ds" % seconds, "--latency", "--timeout", "10s", url],
                       capture_output=True, text=True, timeout=seconds + 60)
    out = r.stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if r.returncode != 0 or not m:
        raise RuntimeError("wrk %s -c%d: exit %d: %s" % (url, connections, r.returncode,
                                                         (r.stderr or out)[-500:]))

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(m.group(1)), "p50_ms": pct(50), "p99_ms": pct(99),
            "non_2xx": int(bad.group(1)) if bad else 0}


def wait_url(url, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5).read()
        except OSError as e:
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not answer 200 within %d s (%s)" % (url, timeout, e))
            time.sleep(0.2)


def step_http(opts):
    seconds, conns = opts["wrk_seconds"], opts["http_conns"]
    port = free_port()
    k = kernel(opts, http_port=port)
    try:
        url = "http://127.0.0.1:%d/health" % port
        body = wait_url(url, 30)
        ours = {c: wrk(url, c, seconds) for c in conns}
    finally:
        k.close()
    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as tmp:
        os.chmod(tmp, 0o755)          # nginx's workers run as another user when we are root
        os.makedirs(os.path.join(tmp, "www"))
        with open(os.path.join(tmp, "www", "health"), "wb") as f:
            f.write(body)
        nport = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"dir": tmp, "port": nport})
        ngx = subprocess.Popen(["nginx", "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        try:
            nurl = "http://127.0.0.1:%d/health" % nport
            try:
                wait_url(nurl, 10)
            except RuntimeError as e:
                ngx.terminate()
                err = ngx.communicate(timeout=10)[1].decode("utf-8", "replace")
                try:
                    with open(os.path.join(tmp, "error.log")) as f:
                        err += f.read()
                except OSError:
                    pass
                raise RuntimeError("nginx: %s; its log: %s" % (e, err.strip()[-500:]))
            base_fig = {c: wrk(nurl, c, seconds) for c in conns}
        finally:
            if ngx.poll() is None:
                ngx.terminate()
            ngx.wait(timeout=10)
    base = "nginx (1 worker) on this host serving the same %d bytes as a static file" % len(body)
    print("   GET /health, %d s per run with wrk; baseline: %s" % (seconds, base))
    print("   %5s %12s %9s %9s %8s | %12s %9s %9s | %8s" % (
        "conns", "kernel rps", "p50 ms", "p99 ms", "non-2xx", "nginx rps", "p50 ms", "p99 ms",
        "ratio"))
    ratios = {}
    for c in conns:
        o, n = ours[c], base_fig[c]
        ratios["rps_%d" % c] = o["rps"] / n["rps"]
        ratios["p50_%d" % c] = ratio(o["p50_ms"], n["p50_ms"])
        print("   %5d %12.0f %9.2f %9.2f %8d | %12.0f %9.2f %9.2f | %7.4fx" % (
            c, o["rps"], o["p50_ms"], o["p99_ms"], o["non_2xx"], n["rps"], n["p50_ms"],
            n["p99_ms"], ratios["rps_%d" % c]))
    print("   (ratio = kernel requests/s / nginx requests/s)")
    return {"figures": {str(c): v for c, v in ours.items()}, "baseline": base,
            "baseline_figures": {str(c): v for c, v in base_fig.items()}, "ratios": ratios}


def step_ledger(opts):
    import bench_ledger
    import bench_pg
    n, batch, conns = opts["ledger_accounts"], opts["ledger_batch"], opts["ledger_conns"]
    print("   transfers through the HTTP API with the WAL flushed before every answer; %d "
          "accounts, single transfers %g s per run, %d batches of %d on one connection"
          % (n, opts["ledger_seconds"], opts["ledger_batches"], batch))
    sys.stdout.flush()
    ours = bench_ledger.run(seconds=opts["ledger_seconds"], batches=opts["ledger_batches"],
                            log=lambda line: print(line, flush=True), iso=opts["iso"],
                            accounts=n, batch=batch, connections=conns)
    pg = bench_pg.run(seconds=opts["pg_seconds"], accounts=n, batch=batch, connections=conns)
    base = ("PostgreSQL %s on this host (pgbench on a Unix socket: no HTTP or JSON; "
            "synchronous_commit=on; the same transfer with the balance limit and the idempotency "
            "key, tools/bench/pg_ledger.sql)"
            % os.path.basename(os.path.dirname(bench_pg.pg_bin())))
    print("   baseline: " + base)
    print("   %-26s %9s %9s %9s | %9s %9s %9s | %9s %9s" % (
        "", "QENEX TPS", "p50 ms", "p99 ms", "PG TPS", "p50 ms", "p99 ms", "TPS ratio",
        "p50 ratio"))
    rows = [("single_%d" % c, "single, %2d connection%s" % (c, "" if c == 1 else "s"),
             ours["single"][c], pg["single"][c]) for c in conns]
    rows.append(("batch", "batches of %d, 1 conn." % batch, ours["batch"], pg["batch"]))
    fig, bfig, ratios = {}, {}, {}
    for key, label, o, (ptps, pp50, pp99) in rows:
        fig[key] = {"tps": o["tps"], "p50_ms": o["p50"], "p99_ms": o["p99"],
                    "non_2xx": sum(o["bad"].values()), "errors": sum(o.get("errors", {}).values())}
        bfig[key] = {"tps": ptps, "p50_ms": pp50, "p99_ms": pp99}
        ratios[key + "_tps"] = ratio(o["tps"], ptps)
        ratios[key + "_p50"] = ratio(o["p50"], pp50)
        print("   %-26s %9.1f %9.1f %9.1f | %9.0f %9.1f %9.1f | %8.4fx %8.1fx" % (
            label, o["tps"], o["p50"], o["p99"], ptps, pp50, pp99, ratios[key + "_tps"] or 0,
            ratios[key + "_p50"] or 0))
    print("   (TPS ratio = QENEX TPS / PostgreSQL TPS; p50 ratio = QENEX p50 / PostgreSQL p50; "
          "batch latencies are per batch)")
    bench_ledger.seed_distance(ours["single"], ours["batch"])
    fig["phases"] = ours["phases"]
    fig["service"] = {k: v for k, v in ours["tx"].items() if isinstance(v, int)}
    fig["ledger_state"] = ours["ledger_state"]
    fig["console_notes"] = ours["notes"]
    fig["setup"] = ours["setup"]
    if not fig["ledger_state"].startswith("up"):
        # Measured, but the ledger went down on the way: the figures are kept with the error.
        raise StepError("the ledger is %s afterwards" % fig["ledger_state"],
                        {"figures": fig, "baseline": base, "baseline_figures": bfig,
                         "ratios": ratios})
    return {"figures": fig, "baseline": base, "baseline_figures": bfig, "ratios": ratios}


SEED_SCREENINGS_PER_S = 10000     # the seed's targets for screening
SEED_SCREEN_MS = 50


def step_screening(opts):
    import bench_screening
    import screen_eval
    ev = screen_eval.run(size=opts["screen_eval"], seed=7, verbose=False)
    print("   matcher on %d labelled queries from OFAC SDN (%d entries, %d names), threshold %s:"
          % (ev["queries"], ev["entries"], ev["names"], ev["threshold"]))
    print("   %-24s %8s %10s %14s" % ("", "recall", "precision", "screenings/s"))
    for name, sysf in ev["systems"].items():
        print("   %-24s %8.3f %10.3f %14s" % (name, sysf["recall"], sysf["precision"],
                                              "%.0f" % sysf["screenings_per_s"]
                                              if sysf["screenings_per_s"] else "-"))
    print("   (references score our candidates; rapidfuzz full scan of every name: %s/s)"
          % ev.get("rapidfuzz_full_scan_qps"))
    sys.stdout.flush()
    k = bench_screening.run(opts["screen_queries"], opts["screen_conns"], iso=opts["lists_iso"],
                            log=lambda line: print(line, flush=True))
    full = ev.get("rapidfuzz_full_scan_qps")
    cpy = ev["systems"]["ours"]["screenings_per_s"]
    base = ("the same queries on this host: rapidfuzz token_set_ratio full scan of every "
            "OFAC SDN name (%s/s), and our matcher on CPython (%s/s); the seed's target "
            "%d/s, p50 < %d ms" % (full, cpy, SEED_SCREENINGS_PER_S, SEED_SCREEN_MS))
    print("   baseline: " + base)
    print("   %-16s %14s %9s %9s | %12s %12s %12s" % (
        "kernel", "screenings/s", "p50 ms", "p99 ms", "vs rapidfuzz", "vs CPython",
        "vs target"))
    fig, ratios = {"eval": ev, "lists": k["lists"]}, {}
    for c in opts["screen_conns"]:
        o = k[c]
        fig["kernel_%d" % c] = o
        ratios["rapidfuzz_%d" % c] = ratio(o["screenings_per_s"], full)
        ratios["cpython_%d" % c] = ratio(o["screenings_per_s"], cpy)
        ratios["target_%d" % c] = ratio(o["screenings_per_s"], SEED_SCREENINGS_PER_S)
        print("   %-16s %14.1f %9.1f %9.1f | %11.4fx %11.4fx %11.4fx" % (
            "%d connection%s" % (c, "" if c == 1 else "s"), o["screenings_per_s"], o["p50_ms"],
            o["p99_ms"], ratios["rapidfuzz_%d" % c] or 0, ratios["cpython_%d" % c] or 0,
            ratios["target_%d" % c]))
        if o["non_200"]:
            raise StepError("%d screenings answered other than 200" % o["non_200"],
                            {"figures": fig, "baseline": base, "ratios": ratios})
    return {"figures": fig, "baseline": base,
            "baseline_figures": {"rapidfuzz_full_scan_per_s": full, "cpython_per_s": cpy},
            "ratios": ratios}


class StepError(Exception):
    """A step that measured something but saw errors: its figures are kept with the error."""

    def __init__(self, message, result):
        Exception.__init__(self, message)
        self.result = result


STEPS = (("boot", step_boot), ("sizes", step_sizes), ("memory", step_memory),
         ("micro", step_micro), ("disk", step_disk), ("http", step_http),
         ("ledger", step_ledger), ("screening", step_screening))


def git_commit():
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except OSError:
        return None


def qemu_version():
    try:
        return subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the plumbing")
    ap.add_argument("--json", default=os.path.join(REPO, "build", "bench.json"))
    ap.add_argument("--iso", default=ISO)
    ap.add_argument("--lists-iso", default=LISTS_ISO, help="the ISO with the sanctions lists "
                    "(the screening step)")
    ap.add_argument("--only", help="comma-separated steps (%s)" % ",".join(n for n, _ in STEPS))
    a = ap.parse_args(argv)
    names = [n for n, _ in STEPS]
    only = a.only.split(",") if a.only else names
    unknown = [n for n in only if n not in names]
    if unknown:
        ap.error("unknown step %s (steps: %s)" % (", ".join(unknown), ", ".join(names)))
    if not os.path.exists(a.iso):
        ap.error("%s does not exist: run `make iso` first" % a.iso)
    opts = dict(QUICK if a.quick else FULL, iso=os.path.abspath(a.iso),
                lists_iso=os.path.abspath(a.lists_iso))
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "git_commit": git_commit(), "qemu_accel": os.environ.get("QENEX_ACCEL", "tcg"),
              "qemu": qemu_version(), "host": {"cpus": os.cpu_count(),
                                               "python": platform.python_version(),
                                               "platform": platform.platform()},
              "mode": "quick" if a.quick else "full",
              "sizes": {k: v for k, v in opts.items() if k not in ("iso", "lists_iso")},
              "iso": opts["iso"], "lists_iso": opts["lists_iso"],
              "steps": {}}
    print("QENEX OS benchmarks (QEMU %s, %s%s)" % (report["qemu_accel"], report["date"],
                                                    ", --quick" if a.quick else ""))
    failed = []
    for name, fn in STEPS:
        if name not in only:
            continue
        print("%s:" % name, flush=True)
        t0 = time.monotonic()
        try:
            res = fn(opts)
            res["error"] = None
        except Exception as e:
            res = e.result if isinstance(e, StepError) else {}
            res["error"] = "%s: %s" % (type(e).__name__, e)
            res["traceback"] = traceback.format_exc()[-3000:]
            failed.append(name)
            print("   FAILED: %s" % res["error"], flush=True)
        res.setdefault("figures", {})
        res.setdefault("baseline", None)
        res.setdefault("baseline_figures", {})
        res.setdefault("ratios", {})
        res["seconds"] = time.monotonic() - t0
        report["steps"][name] = res
        sys.stdout.flush()
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    print("figures written to %s" % a.json)
    if failed:
        print("FAILED steps: %s (errors above and in %s)" % (", ".join(failed), a.json))
        return 1
    print("all %d steps ran" % len(report["steps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
