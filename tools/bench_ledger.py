#!/usr/bin/env python3
"""The ledger benchmark: transfers per second and latency through the HTTP API of the booted
kernel, with the WAL's flush before every answer (the only mode there is).

The ISO boots in QEMU (TCG) with a fresh 256 MiB raw disk in a temporary folder and the API
forwarded to a free port on 127.0.0.1. 10,000 USD customer accounts (no overdraft:
debits_must_not_exceed_credits) are created through POST /api/v1/accounts in batches and
funded from a BANK account through POST /api/v1/transactions. Then:

- single transfers, POST /api/v1/transaction (the seed's call), between random customer
  accounts, a unique reference (the idempotency key) each, at 1, 16 and 64 connections for a
  fixed time each: TPS and p50/p99 latency of the 2xx answers, non-2xx counted;
- batches of 8,190 transfers, POST /api/v1/transactions, one after another on one connection:
  TPS = transfers/s, p50/p99 per batch;
- per run, what the ledger service records of itself (GET /api/v1/metrics/transactions:
  checkpoints and their time, snapshot building, apply time, WAL groups) and the kernel's busy
  time (GET /api/v1/metrics/cpu), read before and after: nothing in the kernel is patched.
  Kernel times are converted to host time: the kernel's clock (TSC calibrated against the PIT
  at boot) is off under TCG by a factor measured in the same run.

The client: Python threads, each with one persistent connection (tools/apiclient.py), opened
and used once before the clock starts (the kernel does a few hundred requests/s; the client
does tens of thousands).

    python3 tools/bench_ledger.py [--seconds 10] [--batches 4] [--accounts N] [--iso PATH]

`make bench` (tools/bench.py) calls run() and prints these figures next to PostgreSQL's
(tools/bench_pg.py). Figures are printed, never asserted.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
from qemu_console import ANSI, Kernel, free_port  # noqa: E402
sys.path.insert(0, REPO)
from tools import apiclient  # noqa: E402

ACCOUNTS = 10000
ACCOUNT_BATCH = 1000          # accounts per POST /api/v1/accounts
FUND_BATCH = 1000             # funding transfers per POST /api/v1/transactions
FUNDING = 10 ** 9             # minor units each customer gets from BANK (10,000,000.00 USD)
BATCH = 8190                  # transfers per POST /api/v1/transactions (the API's limit)
SECONDS = 10                  # per single-transfer run
BATCHES = 4                   # batches measured
CONNECTIONS = (1, 16, 64)
DISK_MB = 256
SEED_TPS = 100000             # the seed's promise
SEED_MS = 10.0


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * p / 100.0))]


KEY = [None]     # the admin API key of the benchmark kernel's first boot (run)


class Client:
    """One persistent HTTP/1.1 connection to the kernel, with the admin key."""

    def __init__(self, port, timeout=120):
        self.c = apiclient.Api(port, timeout=timeout, key=KEY[0])

    def call(self, method, path, body=None):
        """(status, body bytes, seconds, (sent, first byte) seconds from the start)."""
        marks = []
        t0 = time.perf_counter()
        status, out = self.c.raw(method, path, body, marks=marks)
        t1, t2, t3 = marks
        return status, out, t3 - t0, (t1 - t0, t2 - t0)

    def close(self):
        self.c.close()


def call(port, method, path, body=None, timeout=120):
    c = Client(port, timeout)
    try:
        s, out, _, _ = c.call(method, path, body)
        return s, out
    finally:
        c.close()


def wait_health(port, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        try:
            s, out = call(port, "GET", "/health", timeout=10)
            if s == 200:
                return json.loads(out)
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the ledger never came up on port %d" % port)
        time.sleep(0.3)


def customer(i):
    return "ACC%d" % i


# ---- setup -------------------------------------------------------------------------------

def post_batch(c, path, key, items, what):
    """POST a batch; a 504 (not committed in time: it may still commit) is retried with the same
    body, which is idempotent (same ids and references: the second answer says exists)."""
    for attempt in range(5):
        s, out, _, _ = c.call("POST", path, {key: items})
        if s == 504:
            time.sleep(5)
            continue
        got = json.loads(out) if s == 200 else None
        if got is None or got["committed"] + got.get("exists", 0) != len(items):
            raise RuntimeError("%s: %d %s" % (what, s, out[:300]))
        return attempt
    raise RuntimeError("%s: 504 five times" % what)


def create_accounts(port, n):
    """BANK + n customer accounts in batches; returns (seconds, retries after a 504)."""
    t0 = time.perf_counter()
    c = Client(port, timeout=300)
    retries = post_batch(c, "/api/v1/accounts", "accounts", [{"id": "BANK", "currency": "USD"}],
                         "BANK")
    for start in range(1, n + 1, ACCOUNT_BATCH):
        accs = [{"id": customer(i), "currency": "USD", "flags": ["debits_must_not_exceed_credits"]}
                for i in range(start, min(n, start + ACCOUNT_BATCH - 1) + 1)]
        retries += post_batch(c, "/api/v1/accounts", "accounts", accs, "accounts %d.." % start)
    c.close()
    return time.perf_counter() - t0, retries


def fund_accounts(port, n):
    """BANK -> every customer, in batches of FUND_BATCH; returns (seconds, retries)."""
    t0 = time.perf_counter()
    c = Client(port, timeout=300)
    retries = 0
    for start in range(1, n + 1, FUND_BATCH):
        items = [{"debit_account_id": "BANK", "credit_account_id": customer(i),
                  "amount_minor": FUNDING, "currency": "USD", "reference": "fund-%d" % i}
                 for i in range(start, min(n, start + FUND_BATCH - 1) + 1)]
        retries += post_batch(c, "/api/v1/transactions", "transfers", items,
                              "funding %d.." % start)
    c.close()
    return time.perf_counter() - t0, retries


# ---- load --------------------------------------------------------------------------------

class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0

    def next(self):
        with self.lock:
            self.n += 1
            return self.n


def single_run(port, conns, seconds, tag, seq, accounts=ACCOUNTS):
    """`conns` threads posting single transfers for `seconds`. Returns a dict: tps (2xx/s),
    p50/p99 ms of the 2xx answers, ok, statuses {code: count} of the rest, errors."""
    start_evt = threading.Event()
    deadline = [0.0]
    results = []
    in_window = [0] * conns

    def worker(wid):
        rnd = random.Random("%s-%d" % (tag, wid))
        lat = []
        bad = {}
        errors = {}
        c = clients[wid]
        start_evt.wait()
        while time.perf_counter() < deadline[0]:
            a = rnd.randint(1, accounts)
            b = rnd.randint(1, accounts - 1)
            if b >= a:
                b += 1
            body = ('{"from_account":"%s","to_account":"%s","amount_minor":%d,"currency":"USD",'
                    '"reference":"%s-%d"}' % (customer(a), customer(b), rnd.randint(1, 1000), tag,
                                               seq.next())).encode()
            try:
                s, _, dt, _ = c.call("POST", "/api/v1/transaction", body)
            except apiclient.ERRORS as e:
                name = "%s at %.1f s" % (type(e).__name__, time.perf_counter() - t0)
                errors[name] = errors.get(name, 0) + 1
                c.close()
                c = Client(port, timeout=60)
                continue
            if 200 <= s < 300:
                lat.append(dt)
                if time.perf_counter() <= deadline[0]:
                    in_window[wid] += 1
            else:
                bad[s] = bad.get(s, 0) + 1
        c.close()
        results.append((lat, bad, errors))

    # The connections are opened one after another, each with a GET /health, before the clock
    # starts: established up to the kernel (QEMU's user network accepts on the host side at
    # once), so the run measures persistent connections rather than 64 handshakes at once.
    clients = []
    for _ in range(conns):
        c = Client(port, timeout=60)
        c.call("GET", "/health")
        clients.append(c)
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(conns)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start_evt.set()
    for t in threads:
        t.join(seconds + 120)
    elapsed = time.perf_counter() - t0     # until the last answer in flight at the deadline
    lat = []
    bad = {}
    errors = {}
    for lats, b, e in results:
        lat += lats
        for k, v in e.items():
            errors[k] = errors.get(k, 0) + v
        for k, v in b.items():
            bad[k] = bad.get(k, 0) + v
    # TPS: 2xx answers received within the run's time (as wrk counts); the latencies are those
    # of every 2xx answer, the ones in flight at the deadline included.
    return {"conns": conns, "tps": sum(in_window) / seconds, "p50": percentile(lat, 50) * 1000,
            "p99": percentile(lat, 99) * 1000, "ok": len(lat), "bad": bad, "errors": errors,
            "seconds": elapsed}


def last_batch_steps(k):
    """The step times of the last batch request, from the console's `ledger` command (kernel
    ms): "receive 331 ms, parse 1411 ms, ..." or None."""
    try:
        out = k.cmd("ledger", timeout=60)
    except Exception:
        return None
    for line in out.splitlines():
        if line.startswith("last batch:"):
            return line.split(":", 1)[1].split("bytes:", 1)[-1].strip()
    return None


def batch_body(tag, rnd, accounts=ACCOUNTS, size=BATCH):
    items = []
    for i in range(size):
        a = rnd.randint(1, accounts)
        b = rnd.randint(1, accounts - 1)
        if b >= a:
            b += 1
        items.append('{"debit_account_id":"%s","credit_account_id":"%s","amount_minor":%d,'
                     '"currency":"USD","reference":"%s-%d"}'
                     % (customer(a), customer(b), rnd.randint(1, 1000), tag, i))
    return ('{"transfers":[' + ",".join(items) + "]}").encode()


def batch_run(port, n, tag, kernel_times=False, k=None, accounts=ACCOUNTS, size=BATCH):
    """n batches of BATCH transfers, one after another on one connection. kernel_times: the
    kernel's clock (GET /api/v1/metrics/cpu) before and after each batch, in its detail; k (the
    Kernel): the step times of each batch from the console's `ledger` command too."""
    rnd = random.Random(tag)
    c = Client(port, timeout=300)
    times = []
    detail = []
    committed = failed = 0
    wall = 0.0
    bad = {}
    for j in range(n):
        body = batch_body("%s%d" % (tag, j), rnd, accounts, size)
        k0 = cpu_sample(port) if kernel_times else None
        s, out, dt, (sent, first) = c.call("POST", "/api/v1/transactions", body)
        k1 = cpu_sample(port) if kernel_times else None
        steps = last_batch_steps(k) if k is not None else None
        wall += dt
        detail.append({"status": s, "seconds": dt, "sent": sent, "first_byte": first,
                       "body": len(body), "answer": len(out),
                       "error": out[:300].decode("utf-8", "replace") if s != 200 else None,
                       "kernel": (k0[0] + k0[1], k1[0] + k1[1]) if kernel_times else None,
                       "steps": steps})
        if s != 200:
            bad[s] = bad.get(s, 0) + 1
            continue
        got = json.loads(out)
        committed += got["committed"]
        failed += got["failed"]
        times.append(dt)
    c.close()
    return {"batches": len(times), "tps": committed / wall if wall else 0.0,
            "p50": percentile(times, 50) * 1000, "p99": percentile(times, 99) * 1000,
            "committed": committed, "failed": failed, "bad": bad, "detail": detail}


# ---- the kernel's own figures -------------------------------------------------------------

def api_json(port, path):
    s, out = call(port, "GET", path, timeout=60)
    return json.loads(out) if s == 200 else {}


def cpu_sample(port):
    """(busy us, idle us) of the kernel since boot, and the host's clock then."""
    d = api_json(port, "/api/v1/metrics/cpu")
    return d.get("busy_us", 0), d.get("idle_us", 0), time.perf_counter()


def busy_percent(before, after):
    busy = after[0] - before[0]
    idle = after[1] - before[1]
    return 100.0 * busy / max(busy + idle, 1)


def clock_rate(before, after):
    """Kernel microseconds (TSC calibrated against the PIT at boot, under TCG) per host
    microsecond over the same interval."""
    guest = (after[0] + after[1]) - (before[0] + before[1])
    host = (after[2] - before[2]) * 1e6
    return guest / host if host > 0 else 1.0


# The service's own timings (LedgerService.transactions(), called from the console's python
# REPL: the HTTP API's /metrics/transactions gives only four of its figures), read before and
# after each run: nothing in the kernel is wrapped or patched.
PHASE_KEYS = ("committed", "checkpoints", "checkpoint_total_ms", "snapshot_total_ms",
              "apply_ms", "wal_groups", "checkpoint_failures")


def phase_figures(tx0, tx1, c0, c1):
    """What the service recorded between two reads, in host ms (the kernel's clock under TCG is
    off by the factor measured over the same interval), and the kernel's CPU busy share."""
    rate = clock_rate(c0, c1)
    d = {key: tx1.get(key, 0) - tx0.get(key, 0) for key in PHASE_KEYS}
    return {"committed": d["committed"], "checkpoints": d["checkpoints"],
            "checkpoint_ms": d["checkpoint_total_ms"] / rate,
            "snapshot_ms": d["snapshot_total_ms"] / rate, "apply_ms": d["apply_ms"] / rate,
            "wal_groups": d["wal_groups"], "checkpoint_failures": d["checkpoint_failures"],
            "busy": busy_percent(c0, c1),
            "busy_ms": (c1[0] - c0[0]) / 1000.0 / rate, "clock_rate": rate,
            "checkpoint_max_ms": tx1.get("checkpoint_max_ms", 0) / rate}


def phase_text(p):
    per = p["committed"] or 1
    return ("kernel CPU busy %.0f%% (%.2f ms per committed transfer, of which apply %.3f ms); "
            "%d WAL groups; %d checkpoints, %.0f ms (snapshot %.0f ms)%s"
            % (p["busy"], p["busy_ms"] / per, p["apply_ms"] / per, p["wal_groups"],
               p["checkpoints"], p["checkpoint_ms"], p["snapshot_ms"],
               "; %d checkpoints failed" % p["checkpoint_failures"]
               if p["checkpoint_failures"] else ""))


def service_stats(port):
    """The ledger's own figures (LedgerService.transactions(): counts, checkpoint and apply
    timings) as the transaction package registers them: GET /api/v1/metrics/transactions."""
    d = api_json(port, "/api/v1/metrics/transactions")
    if "committed" not in d:
        raise RuntimeError("no ledger figures in /api/v1/metrics/transactions: %r" % (d,))
    return d


def measured(k, port):
    return service_stats(port), cpu_sample(port)


# ---- the whole run ----------------------------------------------------------------------------

def run(seconds=SECONDS, batches=BATCHES, log=print, iso=None, accounts=ACCOUNTS,
        batch=BATCH, connections=CONNECTIONS):
    """Boot, set up, measure. Returns {"single": {conns: dict}, "batch": dict, "setup": dict,
    "phases": {name: the service's timings over that run}, "tx": the service's
    transactions() afterwards, "notes": what the kernel logged}."""
    tmp = tempfile.mkdtemp(prefix="qenex-ledger-bench-")
    k = None
    try:
        img = os.path.join(tmp, "disk.img")
        with open(img, "wb") as f:
            f.truncate(DISK_MB << 20)
        port = free_port()
        kw = {"disk": img, "http_port": port}
        if iso:
            kw["iso"] = iso
        k = Kernel(**kw)
        k.wait_prompt(timeout=120)
        KEY[0] = k.api_key
        wait_health(port)
        setup = {}
        setup["accounts_s"], setup["accounts_retries"] = create_accounts(port, accounts)
        setup["funding_s"], setup["funding_retries"] = fund_accounts(port, accounts)
        log("   setup: %d accounts in batches of %d in %.1f s (%.0f accounts/s); funded from BANK "
            "in batches of %d in %.1f s (%.0f transfers/s)%s"
            % (accounts + 1, ACCOUNT_BATCH, setup["accounts_s"],
               (accounts + 1) / setup["accounts_s"], FUND_BATCH, setup["funding_s"],
               accounts / setup["funding_s"],
               "; %d batches answered 504 and were retried (idempotent)"
               % (setup["accounts_retries"] + setup["funding_retries"])
               if setup["accounts_retries"] + setup["funding_retries"] else ""))
        seq = Counter()
        single = {}
        phases = {}
        load0 = os.getloadavg()[0]
        first = cpu_sample(port)
        for c in connections:
            tx0, c0 = measured(k, port)
            r = single_run(port, c, seconds, "s%d" % c, seq, accounts)
            tx1, c1 = measured(k, port)
            phases["single %d" % c] = p = phase_figures(tx0, tx1, c0, c1)
            r["busy"] = p["busy"]
            single[c] = r
            log("   single transfers, %2d connections: %7.1f TPS  p50 %7.1f ms  p99 %7.1f ms"
                "  (%d ok%s)" % (c, r["tps"], r["p50"], r["p99"], r["ok"], _bad_text(r)))
            log("      %s" % phase_text(p))
        tx0, c0 = measured(k, port)
        b = batch_run(port, batches, "b", kernel_times=True, k=k, accounts=accounts, size=batch)
        tx1, c1 = measured(k, port)
        phases["batches"] = p = phase_figures(tx0, tx1, c0, c1)
        b["busy"] = p["busy"]
        log("   batches of %d, 1 connection:  %7.1f TPS  p50 %7.0f ms  p99 %7.0f ms per batch"
            "  (%d committed, %d failed%s; each: %s)"
            % (batch, b["tps"], b["p50"], b["p99"], b["committed"], b["failed"],
               _bad_text(b), ", ".join(
                   "%.1f s%s" % (d["seconds"], "" if d["status"] == 200 else " (%d)" % d["status"])
                   for d in b["detail"])))
        log("      %s" % phase_text(p))
        for d in b["detail"]:
            if d["error"]:
                log("   a batch was answered %d: %s" % (d["status"], d["error"]))
        for j, d in enumerate(b["detail"]):
            if d["steps"]:
                log("      batch %d: %.1f s; the kernel's `ledger` says: %s"
                    % (j + 1, d["seconds"], d["steps"]))
        last = cpu_sample(port)
        rate = clock_rate(first, last)
        log("   (host load average %.1f before these runs, %.1f after, on %d cores; the kernel's "
            "clock ran at %.3f x the host's)" % (load0, os.getloadavg()[0], os.cpu_count(), rate))
        tx = service_stats(port)
        if tx.get("checkpoints"):
            log("   checkpoints since boot (the service's own timings): %d, the last %.0f ms, the "
                "longest %.0f ms, %.0f ms in all, of which building snapshots %.0f ms (the "
                "longest %.0f ms; nothing else runs meanwhile)"
                % (tx["checkpoints"], tx.get("checkpoint_last_ms", 0) / rate,
                   tx.get("checkpoint_max_ms", 0) / rate,
                   tx.get("checkpoint_total_ms", 0) / rate,
                   tx.get("snapshot_total_ms", 0) / rate, tx.get("snapshot_max_ms", 0) / rate))
        notes = console_notes(k)
        if notes:
            log("   the kernel's console said: " + " | ".join(notes))
        try:
            health = json.loads(call(port, "GET", "/health", timeout=60)[1])
            state = health.get("components", {}).get("ledger", "?")
        except (OSError, ValueError):
            state = "?"
        log("   ledger afterwards: %s; %s" % (state, ", ".join(
            "%s %s" % (key, tx[key]) for key in ("accounts", "transfers", "committed",
                                                 "rejected", "wal_bytes", "wal_groups",
                                                 "checkpoints", "timeouts") if key in tx)))
        return {"single": single, "batch": b, "setup": setup, "phases": phases, "tx": tx,
                "clock_rate": rate, "ledger_state": state, "notes": notes}
    finally:
        if k is not None:
            k.close()
        shutil.rmtree(tmp, ignore_errors=True)


def console_notes(k):
    """Lines the kernel logged on its console after the boot (the ledger going down, a
    handler's exception, a checkpoint problem), without the output of the commands and REPL
    sessions this benchmark typed."""
    # A log line is written over the prompt ("\r", erase line), then the prompt is redrawn.
    text = ANSI.sub("", k.output())
    out = []
    typed = False           # inside the output of something typed at the prompt
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if line.startswith("qenex>"):
            typed = bool(line[len("qenex>"):].strip())
            continue
        if typed or not line or line.startswith("QENEX OS") or "replayed 0 records" in line:
            continue
        if line.startswith(("ledger:", "http:", "error", "Traceback", "boot:")) or \
                "Error" in line or "failed" in line:
            out.append(line[:300])
    return out[:20]


def _bad_text(r):
    parts = ["%d x %d" % (v, s) for s, v in sorted(r["bad"].items())]
    errors = {}
    for key, v in r.get("errors", {}).items():
        name = key.split(" at ")[0]
        errors[name] = errors.get(name, 0) + v
    if errors:
        parts.append("%d connection errors (%s)" % (sum(errors.values()), ", ".join(
            "%s %d" % kv for kv in sorted(errors.items()))))
    return ", non-2xx: " + ", ".join(parts) if parts else ", no non-2xx"


def seed_distance(single, batch, log=print):
    """How far the figures are from the seed's 100K TPS and < 10 ms."""
    best = max([r["tps"] for r in single.values()] + [batch["tps"]])
    log("   seed target %d TPS: best here %.0f TPS (%s), %.2f%% of it (%.0fx short)"
        % (SEED_TPS, best, "batched" if best == batch["tps"] else "single",
           100.0 * best / SEED_TPS, SEED_TPS / max(best, 1e-9)))
    for c, r in sorted(single.items()):
        log("   seed target < %.0f ms per transaction: %2d connections p50 %.1f ms, p99 %.1f ms"
            " (%s)" % (SEED_MS, c, r["p50"], r["p99"],
                       "met" if r["p99"] < SEED_MS else
                       "p50 met, p99 not" if r["p50"] < SEED_MS else "not met"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=SECONDS)
    ap.add_argument("--batches", type=int, default=BATCHES)
    ap.add_argument("--accounts", type=int, default=ACCOUNTS)
    ap.add_argument("--iso", help="another ISO (default build/qenex.iso)")
    a = ap.parse_args()
    print("QENEX ledger through the HTTP API (QEMU TCG), flush before every answer")
    r = run(a.seconds, a.batches, iso=a.iso, accounts=a.accounts)
    seed_distance(r["single"], r["batch"])


if __name__ == "__main__":
    main()
