#!/usr/bin/env python3
"""Screening in the booted kernel (make bench's "screening" step): screenings per second and
p50/p99 latency of POST /api/v1/compliance/screen at 1 and 16 connections, with the boot
module's lists in force (the full OFAC SDN + alt among them), on the queries of
tools/screen_eval.py's labelled set (true variants and negatives of the SDN list). Also how
long the lists took to load in the kernel (each list's load_ms).

    python3 tools/bench_screening.py [--queries N] [--iso PATH]

The baseline (tools/bench.py prints it): the host reference's speed on the same queries
(rapidfuzz full scan of every name, and our own matcher on CPython), from screen_eval.
"""
import argparse
import os
import statistics
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
sys.path.insert(0, REPO)
from qemu_console import LISTS_ISO, Kernel, free_port  # noqa: E402
from tools.apiclient import Api  # noqa: E402

LOAD_TIMEOUT = 900


def queries(n, seed=1):
    """n screening bodies from screen_eval's labelled set (alternating variants/negatives)."""
    import screen_eval
    entries = screen_eval.load_entries(screen_eval.DEFAULT_DIR)
    qs, _ = screen_eval.build_set(entries, max(n, 20), seed)
    out = []
    for q, _target, _kind in qs[:n]:
        ent = {"name": q["name"]}
        if q.get("type") in ("individual", "entity", "vessel", "aircraft"):
            ent["type"] = q["type"]
        out.append({"entity": ent})
    return out


def wait_lists(port, key, timeout=LOAD_TIMEOUT):
    deadline = time.monotonic() + timeout
    d = None
    while time.monotonic() < deadline:
        with Api(port, timeout=60, key=key) as c:
            s, d = c.request("GET", "/api/v1/compliance/lists")
        if s == 200 and d["state"] == "ready" and d["loading"] is None:
            return d
        time.sleep(2)
    raise RuntimeError("the lists did not load in %d s: %r" % (timeout, d))


def drive(port, key, bodies, connections):
    """Send every body once, spread over `connections` keep-alive connections; returns
    (screenings/s, p50 ms, p99 ms, non-200 count, hits)."""
    lat = []
    bad = [0]
    hits = [0]
    lock = threading.Lock()
    parts = [bodies[i::connections] for i in range(connections)]

    def worker(part):
        mine = []
        with Api(port, timeout=120, key=key) as c:
            for b in part:
                t0 = time.perf_counter()
                s, d = c.request("POST", "/api/v1/compliance/screen", b)
                mine.append((time.perf_counter() - t0) * 1000)
                with lock:
                    if s != 200:
                        bad[0] += 1
                    elif d["hit"]:
                        hits[0] += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(p,)) for p in parts if p]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return {"screenings_per_s": len(bodies) / secs, "p50_ms": statistics.median(lat),
            "p99_ms": p99, "non_200": bad[0], "hits": hits[0], "queries": len(bodies)}


def run(n_queries=200, connections=(1, 16), iso=LISTS_ISO, log=print):
    bodies = queries(n_queries)
    disk = os.path.join(REPO, "build", "bench-screening-disk.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    k = Kernel(iso=iso, disk=disk, http_port=free_port(), timeout=600)
    try:
        k.wait_prompt(timeout=120)
        t0 = time.monotonic()
        status = wait_lists(k.http_port, k.api_key)
        log("   lists in force after %.0f s: %s" % (time.monotonic() - t0, ", ".join(
            "%s %d entries (%d ms)" % (x["name"], x["entries"], x["load_ms"])
            for x in status["lists"])))
        drive(k.http_port, k.api_key, bodies[:10], 1)          # warm up
        out = {"lists": status["lists"]}
        for c in connections:
            out[c] = drive(k.http_port, k.api_key, bodies, c)
        return out
    finally:
        k.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--iso", default=LISTS_ISO)
    a = ap.parse_args(argv)
    r = run(a.queries, iso=a.iso)
    for c in (1, 16):
        print(c, r[c])


if __name__ == "__main__":
    main()
