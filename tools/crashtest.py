#!/usr/bin/env python3
"""Crash tests of the ledger in QEMU (issue 4): kill the VM with SIGKILL at random moments under
load, boot again on the same disk, and check what survived.

    python3 tools/crashtest.py --kills 20 --seed 1 [--disk PATH] [--threads 4]

One kill point:

1. Boot the ISO on the disk (raw image; the ledger grows across kill points) and wait for the
   prompt and for GET /health with the ledger component up (recovery done).
2. Check the requests of the previous load phase against what the ledger now holds:
   - every acknowledged transfer (2xx answer received) is there with the same fields
     (GET /api/v1/transactions/{id}); every acknowledged rejection is absent;
   - a request sent without an answer is either wholly there or absent: a single transfer, and
     each linked chain of a batch, all or nothing; every stored field as sent;
   - no transfer appears that no request asked for, and no reference twice;
   - each account's balances (GET /api/v1/accounts/{id}) equal what its transfers give
     (GET /api/v1/accounts/{id}/transfers, paginated; new ones after the last checked
     timestamp, and all of them every --full-every kill points and at the end), and the totals
     balance: debits = credits, posted and pending;
   - `ledger verify` on the console prints `ledger verify: ok`;
   - a retry of every unanswered request, with the same reference (and id), is answered
     consistently: 200 duplicate if it was there, else a new answer; never applied twice (the
     next kill point checks the retries' answers like any acknowledged request).
   - nothing alarming on the consoles (panic, traceback, the ledger down, a failed
     maintenance task), the killed kernel's included.
3. Load: several client threads (tools/apiclient.py, to 127.0.0.1 only) send single transfers
   (POST /api/v1/transaction, unique references, some with an id) and batches
   (POST /api/v1/transactions: linked chains, some failing as a whole; pending transfers, some
   with timeouts of a few seconds that expire across kills, posts (full or partial) and voids
   of earlier ones), each request recorded as acknowledged (answer received, with its result)
   or not. Sometimes `ledger checkpoint` is typed on the console meanwhile (--checkpoints).
4. SIGKILL to QEMU at a random moment of the load (seeded), sometimes once more during the
   next recovery (--boot-kill), then the next kill point.

--segment-size with a small --disk-size (a private ISO with config/'s wal_segment_size
changed) makes the log go round its ring within a run. The summary ends with what the disk's
superblock says: checkpoints, laps of the ring, snapshot size.

Exit status 0 when every check passed, 1 with the details of each violation otherwise.
"""
import argparse
import hashlib
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
from qemu_console import ISO, Kernel, free_port  # noqa: E402
from tools import isoconf  # noqa: E402
from tools.apiclient import ERRORS, Api  # noqa: E402
from transaction import acid, superblock  # noqa: E402

CURRENCY = "USD"
BANK = "CT-BANK"
CUSTOMERS = ["CT-C%d" % i for i in range(6)]     # debits_must_not_exceed_credits
MERCHANTS = ["CT-M%d" % i for i in range(3)]     # no flags
ACCOUNTS = [BANK] + CUSTOMERS + MERCHANTS
LIMITED = set(CUSTOMERS)
FUNDING = 10000 * 100                             # minor units each customer starts with
PAGE = 1000                                       # transfers per page when listing
HUGE = 10 ** 8 * 100                              # more than any customer has: exceeds_credits
SHORT_TIMEOUT = 3                                 # seconds: pending transfers that expire

# What the answers' transfers are compared on (the pending state changes; it is checked
# against the model instead).
FIELDS = ("id", "debit_account_id", "credit_account_id", "amount", "currency", "pending_id",
          "timeout", "reference", "user_data", "flags", "timestamp")
RESOLVING = ("post_pending_transfer", "void_pending_transfer")
# The answers the load can get (a retry may also get 200 duplicate); anything else is reported.
# 422: an overdraft of a customer's account (exceeds_credits).
# 507: the log is full (a small ring before a checkpoint frees it): nothing was written.
EXPECTED = {"single": (200, 201, 422, 507), "batch": (200, 507)}


class Violation(Exception):
    pass


def minor_text(m):
    return "%d.%02d" % (m // 100, m % 100)


def flag_set(flags):
    """A transfer's flags as a frozenset of names, from a list of names or an int."""
    if flags is None:
        return frozenset()
    if isinstance(flags, int):
        return frozenset(acid.flag_names(flags))
    return frozenset(flags)


# ---- requests and what became of them --------------------------------------------------------

class Req:
    """One request of the load (or a retry): its body, the events it carries (engine member
    names, amounts in minor units), its linked chains (lists of event indexes), and the answer
    (status None: no answer)."""

    def __init__(self, kind, path, body, events, chains, rnd, thread, retry_of=None):
        self.kind = kind            # "single" or "batch"
        self.path = path
        self.body = body
        self.events = events
        self.chains = chains
        self.round = rnd
        self.thread = thread
        self.retry_of = retry_of
        self.status = None
        self.answer = None
        self.error = None
        self.sent = None
        self.done = None
        self.present = None         # after the check: for each event, the stored id or None

    @property
    def acked(self):
        return self.status is not None and 200 <= self.status < 300

    @property
    def rejected(self):
        """Answered with a definite no: nothing of it was written (4xx, 507)."""
        return self.status is not None and (400 <= self.status < 500 or self.status == 507)

    def describe(self):
        return "%s round %d thread %s%s %s %s -> %s %s" % (
            self.kind, self.round, self.thread, " (retry)" if self.retry_of else "",
            self.path, json.dumps(self.body)[:600], self.status,
            json.dumps(self.answer)[:600] if self.answer is not None else self.error)


def single_event(body):
    """The engine event of a POST /api/v1/transaction body."""
    ev = {"id": body.get("id"), "debit_account_id": body["from_account"],
          "credit_account_id": body["to_account"], "currency": body["currency"],
          "reference": body.get("reference"), "user_data": body.get("user_data"),
          "flags": frozenset(), "pending_id": None, "timeout": 0}
    ev["amount"] = amount_of(body)
    return ev


def amount_of(item):
    if "amount_minor" in item:
        return item["amount_minor"]
    if "amount" in item:
        v = str(item["amount"])
        whole, _, frac = v.partition(".")
        return int(whole) * 100 + int((frac + "00")[:2])
    return None


def signed_minor(text):
    text = str(text)
    if text.startswith("-"):
        return -amount_of({"amount": text[1:]})
    return amount_of({"amount": text})


def batch_event(item):
    return {"id": item.get("id"), "debit_account_id": item.get("debit_account_id"),
            "credit_account_id": item.get("credit_account_id"), "currency": item.get("currency"),
            "reference": item.get("reference"), "user_data": item.get("user_data"),
            "flags": flag_set(item.get("flags")), "pending_id": item.get("pending_id"),
            "timeout": item.get("timeout", 0), "amount": amount_of(item)}


def chains_of(events):
    """Linked chains (lists of indexes with more than one event; the last has no linked)."""
    chains, cur = [], []
    for i, ev in enumerate(events):
        cur.append(i)
        if "linked" not in ev["flags"]:
            if len(cur) > 1:
                chains.append(cur)
            cur = []
    if cur:
        chains.append(cur)  # an open chain: fails as a whole
    return chains


# ---- the model: every transfer known to be in the ledger -------------------------------------

class Model:
    def __init__(self):
        self.transfers = {}         # id -> transfer dict (as the API lists it)
        self.by_ref = {}            # reference -> id
        self.resolved = {}          # pending id -> ("posted" | "voided", resolving id)
        self.expired = set()        # pending ids the ledger has expired
        self.last_ts = 0

    def add(self, t):
        tid = t["id"]
        self.transfers[tid] = t
        if t.get("reference") is not None:
            self.by_ref[t["reference"]] = tid
        fl = flag_set(t.get("flags"))
        if "post_pending_transfer" in fl:
            self.resolved[t["pending_id"]] = ("posted", tid)
        elif "void_pending_transfer" in fl:
            self.resolved[t["pending_id"]] = ("voided", tid)
        self.last_ts = max(self.last_ts, t["timestamp"])

    def state(self, tid):
        if tid in self.expired:
            return "expired"
        return self.resolved.get(tid, ("pending", None))[0]

    def open_pendings(self):
        return sorted(tid for tid, t in self.transfers.items()
                      if "pending" in flag_set(t.get("flags")) and tid not in self.resolved
                      and tid not in self.expired)

    def may_expire(self, tid):
        """Open pending transfers with a timeout short enough to run out during a run."""
        t = self.transfers[tid]
        return 0 < (t.get("timeout") or 0) <= SHORT_TIMEOUT

    def state_ok(self, tid, listed):
        """A pending transfer's state as listed agrees with the model (one that may expire
        may have done so since, or since it was listed)."""
        m = self.state(tid)
        return listed == m or (self.may_expire(tid) and {listed, m} <= {"pending", "expired"})

    def balances(self):
        """Per account: debits_pending, debits_posted, credits_pending, credits_posted."""
        out = {}
        for t in self.transfers.values():
            fl = flag_set(t.get("flags"))
            amt = t["amount"]
            if "pending" in fl:
                if self.state(t["id"]) != "pending":
                    continue
                dk, ck = "debits_pending", "credits_pending"
            elif "void_pending_transfer" in fl:
                continue
            else:
                dk, ck = "debits_posted", "credits_posted"
            d = out.setdefault(t["debit_account_id"], dict.fromkeys(BAL_KEYS, 0))
            c = out.setdefault(t["credit_account_id"], dict.fromkeys(BAL_KEYS, 0))
            d[dk] += amt
            c[ck] += amt
        return out


BAL_KEYS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


# ---- the harness -----------------------------------------------------------------------------

class Harness:
    def __init__(self, kills=20, seed=1, disk=None, disk_size="256M", iso=ISO, threads=4,
                 min_load=0.5, max_load=3.0, full_every=10, boot_kill=0.0, checkpoints=0.3,
                 segment_size=None, out=print, log_dir=None, boot_timeout=180):
        self.kills = kills
        self.seed = seed
        self.rng = random.Random(seed)
        self.threads = threads
        self.min_load = min_load
        self.max_load = max_load
        self.full_every = full_every
        self.boot_kill = boot_kill
        self.checkpoints = checkpoints
        self.out = out
        self.boot_timeout = boot_timeout
        self.tmp = tempfile.mkdtemp(prefix="qenex-crash-")
        # A private copy of the ISO: a `make iso` running next to us cannot change it mid-run.
        self.iso = os.path.join(self.tmp, "qenex.iso")
        self.segment_size = segment_size
        if segment_size:
            make_iso(self.tmp, self.iso, segment_size)
        else:
            shutil.copyfile(iso, self.iso)
        self.own_disk = disk is None
        self.disk = disk or os.path.join(self.tmp, "disk.img")
        if not os.path.exists(self.disk):
            subprocess.run(["truncate", "-s", disk_size, self.disk], check=True)
        self.log_dir = log_dir
        self.model = Model()
        self.kernel = None
        self.port = None
        self.violations = []
        self.tag = "%x" % (int(time.time() * 1000) & 0xffffffffff)  # unique ids per run
        self.ids = itertools.count(1)  # next() is atomic: the client threads share it
        self.stats = {"requests": 0, "acked": 0, "unacked": 0, "unacked_present": 0,
                      "unacked_absent": 0, "rejected": 0, "retries": 0, "boot_kills": 0,
                      "errors_before_kill": 0, "odd_status": 0, "checkpoints": 0,
                      "expired": 0}
        self.key = None             # the admin API key (qemu_console.Kernel reads it)
        self.audit_from = 0         # audit entries before this were read by a check already
        self.boots = []             # seconds from QEMU start to ledger up
        self.phase = {}             # seconds of each part of the last check
        self.console_alarms = []    # panics, tracebacks, the ledger down: seen on a console

    # ---- VM ----

    def boot(self, label):
        self.port = free_port()
        t0 = time.monotonic()
        self.kernel = Kernel(iso=self.iso, disk=self.disk, http_port=self.port,
                             timeout=self.boot_timeout)
        self.kernel.wait_prompt(timeout=self.boot_timeout)
        self.key = self.kernel.api_key or self.key     # printed by the disk's first boot
        self.phase["prompt"] = time.monotonic() - t0
        health = self.wait_ledger(t0 + self.boot_timeout, label)
        took = time.monotonic() - t0
        self.boots.append(took)
        self.console_sync(label)
        return took, health

    def console_sync(self, label):
        """Wait for the ledger's line on the console ("ledger: N accounts, ..., replayed ..."),
        then type an unknown command and read up to its error and the next prompt: the output
        of the next console command then starts right after its echo, whatever was printed
        around the first prompt."""
        deadline = time.monotonic() + 30
        while "ledger: " not in self.kernel.output():
            if time.monotonic() > deadline:
                raise Violation("%s: no ledger line on the console" % label)
            try:
                self.kernel.p.expect(r"ledger: ", timeout=1)
            except Exception:
                pass
        token = "crashtest-sync-%d" % next(self.ids)
        self.kernel.send(token + "\r")
        self.kernel.expect(r"unknown command '%s'" % token, timeout=30)
        self.kernel.wait_prompt(timeout=30)

    def wait_ledger(self, deadline, label):
        last = None
        while time.monotonic() < deadline:
            api = Api(self.port, timeout=10, key=self.key)
            try:
                st, body = api.request("GET", "/health")
                last = (st, body)
                comps = body.get("components", {}) if isinstance(body, dict) else {}
                led = comps.get("ledger", "")
                if led.startswith("up"):
                    return body
                if led.startswith("down"):
                    raise Violation("%s: the ledger is down after the boot: %s" % (label, led))
            except ERRORS:
                pass
            finally:
                api.close()
            time.sleep(0.05)
        raise Violation("%s: the ledger did not come up in time (last /health: %r)"
                        % (label, last))

    def kill(self):
        if self.kernel is None:
            return
        if not self.kernel.alive():
            self.console_alarms.append("QEMU exited before it was killed:\n" +
                                       self.console_tail())
        pid = self.kernel.p.pid
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.kernel.p.wait()
        except Exception:
            pass
        try:
            self.kernel.p.close(force=True)
        except Exception:
            pass
        self.save_console("last")
        self.console_alarms += console_alarms(self.kernel.output())
        self.kernel = None

    def shutdown(self):
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None

    def save_console(self, name):
        if self.log_dir and self.kernel is not None:
            os.makedirs(self.log_dir, exist_ok=True)
            with open(os.path.join(self.log_dir, "console-%s.log" % name), "w") as f:
                f.write(self.kernel.output())

    def console_tail(self, n=3000):
        if self.kernel is None:
            return ""
        return self.kernel.output()[-n:]

    # ---- ids ----

    def next_name(self, prefix, rnd, th):
        return "%s%s.%d.%s.%d" % (prefix, self.tag, rnd, th, next(self.ids))

    # ---- setup ----

    def setup(self, api):
        accounts = [{"id": a, "currency": CURRENCY} for a in [BANK] + MERCHANTS] + \
            [{"id": a, "currency": CURRENCY, "flags": ["debits_must_not_exceed_credits"]}
             for a in CUSTOMERS]
        st, body = api.request("POST", "/api/v1/accounts", {"accounts": accounts})
        if st != 200:
            raise Violation("creating the accounts: %s %r" % (st, body))
        for r in body.get("results", []):
            if r.get("code") not in ("ok", "exists"):
                raise Violation("creating account %s: %r" % (accounts[r["index"]]["id"], r))
        for a in accounts:  # one at a time too: the single form answers 200 duplicate
            st, b = api.request("POST", "/api/v1/accounts", a)
            if st != 200 or not b.get("duplicate"):
                raise Violation("account %s again: %s %r" % (a["id"], st, b))
        # Whatever the disk already holds (a --disk from an earlier run) becomes the model.
        self.full_listing(api, check=False)
        reqs = []
        for c in CUSTOMERS:
            body = {"from_account": BANK, "to_account": c, "amount": minor_text(FUNDING),
                    "currency": CURRENCY, "reference": self.next_name("fund", 0, "s")}
            req = Req("single", "/api/v1/transaction", body, [single_event(body)], [], 0, "s")
            self.send(api, req)
            if req.status != 201:
                raise Violation("funding %s: %s" % (c, req.describe()))
            reqs.append(req)
        return reqs

    # ---- one request ----

    def send(self, api, req):
        req.sent = time.monotonic()
        try:
            req.status, req.answer = api.request("POST", req.path, req.body)
        except ERRORS as e:
            req.error = "%s: %s" % (type(e).__name__, e)
        if req.status == 503 and isinstance(req.answer, dict) and \
                req.answer.get("error", {}).get("code") == "audit_unavailable":
            # Processed, but its audit entry found no room (the log filled in between): not
            # acknowledged, so like an unanswered request, wholly there or absent.
            req.error = "503 audit_unavailable: %s" % req.answer["error"]["message"][:120]
            req.status = req.answer = None
        req.done = time.monotonic()
        return req

    # ---- load ----

    def make_single(self, rng, rnd, th):
        k = rng.random()
        if k < 0.65:
            src, dst, amt = rng.choice(CUSTOMERS), rng.choice(MERCHANTS), rng.randint(100, 5000)
        elif k < 0.8:
            src, dst, amt = rng.choice(MERCHANTS), rng.choice(CUSTOMERS), rng.randint(100, 3000)
        elif k < 0.9:
            src, dst, amt = BANK, rng.choice(CUSTOMERS), rng.randint(10000, 50000)
        elif k < 0.97:
            src, dst = rng.sample(CUSTOMERS, 2)
            amt = rng.randint(100, 5000)
        else:  # an overdraft: rejected (exceeds_credits), acknowledged as such
            src, dst, amt = rng.choice(CUSTOMERS), rng.choice(MERCHANTS), HUGE
        body = {"from_account": src, "to_account": dst, "currency": CURRENCY,
                "reference": self.next_name("r", rnd, th)}
        form = rng.random()
        if form < 0.6:
            body["amount"] = minor_text(amt)
        elif form < 0.8:
            body["amount"] = float(minor_text(amt))   # a JSON number: 12.34
        else:
            body["amount_minor"] = amt
        if rng.random() < 0.5:
            body["id"] = self.next_name("s", rnd, th)
        if rng.random() < 0.2:
            body["user_data"] = "order %d" % rng.randint(1, 10 ** 6)
        return Req("single", "/api/v1/transaction", body, [single_event(body)], [], rnd, th)

    def item(self, rng, rnd, th, src, dst, amt, flags=(), **extra):
        it = {"id": self.next_name("b", rnd, th), "debit_account_id": src,
              "credit_account_id": dst, "currency": CURRENCY}
        if rng.random() < 0.5:
            it["amount"] = minor_text(amt)
        else:
            it["amount_minor"] = amt
        if flags:
            it["flags"] = list(flags)
        if rng.random() < 0.3:
            it["reference"] = self.next_name("br", rnd, th)
        it.update(extra)
        return it

    def make_chain(self, rng, rnd, th):
        c, m = rng.choice(CUSTOMERS), rng.choice(MERCHANTS)
        a = rng.randint(100, 5000)
        items = [self.item(rng, rnd, th, c, m, a, ["linked"]),
                 self.item(rng, rnd, th, m, BANK, a // 50 + 1, ["linked"]),
                 self.item(rng, rnd, th, BANK, c, rng.randint(1, 100))]
        if rng.random() < 0.2:  # the chain fails as a whole: its last event overdraws
            items[-1]["flags"] = ["linked"]
            items.append(self.item(rng, rnd, th, rng.choice(CUSTOMERS), m, HUGE))
        if rng.random() < 0.4:  # an independent transfer after the chain
            items.append(self.item(rng, rnd, th, m, rng.choice(CUSTOMERS), rng.randint(100, 2000)))
        if rng.random() < 0.3:  # and one before it
            items.insert(0, self.item(rng, rnd, th, BANK, rng.choice(CUSTOMERS),
                                      rng.randint(1000, 9000)))
        return items

    def make_twophase(self, rng, rnd, th, pool):
        items = []
        for _ in range(rng.randint(0 if pool else 1, 2)):
            k = rng.random()
            if k < 0.2:
                extra = {"timeout": rng.randint(1, SHORT_TIMEOUT)}  # may expire, even in a crash
            elif k < 0.4:
                extra = {"timeout": 86400}
            else:
                extra = {}
            items.append(self.item(rng, rnd, th, rng.choice(CUSTOMERS), rng.choice(MERCHANTS),
                                   rng.randint(100, 5000), ["pending"], **extra))
        for _ in range(rng.randint(0, min(2, len(pool)))):
            pid, pamt = pool.pop(rng.randrange(len(pool)))
            it = {"id": self.next_name("b", rnd, th), "pending_id": pid}
            k = rng.random()
            if k < 0.35:
                it["flags"] = ["post_pending_transfer"]
            elif k < 0.6:
                it["flags"] = ["post_pending_transfer"]
                it["amount_minor"] = rng.randint(1, pamt)     # partial (or whole) post
            else:
                it["flags"] = ["void_pending_transfer"]
            items.append(it)
        if rng.random() < 0.15:  # a pending transfer and its post in one batch, linked
            p = self.item(rng, rnd, th, rng.choice(CUSTOMERS), rng.choice(MERCHANTS),
                          rng.randint(100, 3000), ["pending", "linked"])
            items += [p, {"id": self.next_name("b", rnd, th), "pending_id": p["id"],
                          "flags": ["post_pending_transfer"]}]
        if not items:
            items.append(self.item(rng, rnd, th, rng.choice(CUSTOMERS), rng.choice(MERCHANTS),
                                   rng.randint(100, 5000), ["pending"]))
        rng.shuffle(items) if rng.random() < 0.2 else None
        return items

    def make_batch(self, rng, rnd, th, pool):
        if rng.random() < 0.45:
            items = self.make_chain(rng, rnd, th)
        else:
            items = self.make_twophase(rng, rnd, th, pool)
        events = [batch_event(i) for i in items]
        return Req("batch", "/api/v1/transactions", {"transfers": items}, events,
                   chains_of(events), rnd, th)

    def load(self, rnd, duration):
        """Client threads send requests until the VM is killed `duration` seconds in."""
        killing = threading.Event()
        records = []
        lock = threading.Lock()
        pools = [[] for _ in range(self.threads)]
        for pid in self.model.open_pendings():
            amount = self.model.transfers[pid]["amount"]
            pools[zlib.crc32(pid.encode()) % self.threads].append((pid, amount))
        for p in pools:
            p.sort()
        seeds = [self.rng.randrange(1 << 30) for _ in range(self.threads)]

        def client(th):
            rng = random.Random(seeds[th])
            pool = pools[th]
            api = Api(self.port, key=self.key)
            while not killing.is_set():
                if rng.random() < 0.55:
                    req = self.make_single(rng, rnd, th)
                else:
                    req = self.make_batch(rng, rnd, th, pool)
                with lock:
                    records.append(req)
                self.send(api, req)
                if req.error is not None:
                    if not killing.is_set():
                        self.stats["errors_before_kill"] += 1
                    continue
                if req.kind == "batch" and req.status == 200:  # new pendings to post/void
                    for r in req.answer.get("results", []):
                        ev = req.events[r["index"]]
                        if r.get("code") == "ok" and "pending" in ev["flags"] and \
                                not any(ev2["pending_id"] == ev["id"] for ev2 in req.events):
                            pool.append((ev["id"], ev["amount"]))
            api.close()

        ts = [threading.Thread(target=client, args=(i,), daemon=True)
              for i in range(self.threads)]
        ckpt = self.rng.uniform(0, duration) if self.rng.random() < self.checkpoints else None
        t0 = time.monotonic()
        for t in ts:
            t.start()
        if ckpt is not None:  # a checkpoint under load: the kill may land in it
            time.sleep(ckpt)
            self.kernel.send("ledger checkpoint\r")
            self.stats["checkpoints"] += 1
            time.sleep(duration - ckpt)
        else:
            time.sleep(duration)
        killing.set()
        self.kill()
        killed_at = time.monotonic() - t0
        for t in ts:
            t.join(60)
            if t.is_alive():
                raise Violation("a client thread is still waiting 60 s after the kill")
        return records, killed_at

    # ---- listing ----

    def list_account(self, api, acc, after=None):
        out = []
        cursor = after
        while True:
            path = "/api/v1/accounts/%s/transfers?limit=%d&order=asc" % (acc, PAGE)
            if cursor is not None:
                path += "&after=%d" % cursor
            st, body = api.request("GET", path)
            if st != 200:
                raise Violation("GET %s: %s %r" % (path, st, body))
            out += body["transfers"]
            if body.get("next") is None:
                return out
            if body["next"] == cursor:
                raise Violation("GET %s: the cursor does not move (%r)" % (path, cursor))
            cursor = body["next"]

    def listing(self, api, after=None):
        """Every transfer of our accounts with a timestamp after `after`, by id; and the
        accounts as GET /api/v1/accounts/{id} answers."""
        found, accounts = {}, {}
        for acc in ACCOUNTS:
            st, body = api.request("GET", "/api/v1/accounts/%s" % acc)
            if st != 200:
                raise Violation("GET /api/v1/accounts/%s: %s %r" % (acc, st, body))
            accounts[acc] = body
            for t in self.list_account(api, acc, after):
                if acc not in (t["debit_account_id"], t["credit_account_id"]):
                    raise Violation("account %s lists transfer %s of other accounts"
                                    % (acc, t["id"]))
                if after is not None and t["timestamp"] <= after:
                    raise Violation("account %s lists %s (timestamp %d) for after=%d"
                                    % (acc, t["id"], t["timestamp"], after))
                prev = found.setdefault(t["id"], t)
                if not same(prev, t, skip=("state",)):
                    raise Violation("transfer %s differs between its two accounts' listings: "
                                    "%r / %r" % (t["id"], prev, t))
        # the accounts again: no request runs now, the balances must not have moved
        return found, accounts

    def full_listing(self, api, check=True):
        found, accounts = self.listing(api)
        if not check:
            for t in sorted(found.values(), key=lambda t: t["timestamp"]):
                self.model.add(t)
                if t.get("state") == "expired":
                    self.model.expired.add(t["id"])
            return accounts
        problems = []
        for tid, t in self.model.transfers.items():
            if tid not in found:
                problems.append("transfer %s (checked before) is gone: %r" % (tid, t))
            elif not same(t, found[tid], skip=("state",)):
                problems.append("transfer %s changed: was %r, now %r" % (tid, t, found[tid]))
        for tid, t in found.items():
            if tid not in self.model.transfers:
                problems.append("transfer %s is stored but not known: %r" % (tid, t))
            elif "state" in t and not self.model.state_ok(tid, t["state"]):
                problems.append("pending transfer %s is %s, its posts/voids say %s"
                                % (tid, t["state"], self.model.state(tid)))
        return problems

    # ---- the check after a boot ----

    def check(self, api, records, rnd, full):
        problems = []
        model = self.model
        after = model.last_ts
        t0 = time.monotonic()
        new, accounts = self.listing(api, after if model.transfers else None)
        self.phase["list"] = time.monotonic() - t0
        for tid in new:
            if tid in model.transfers:
                problems.append("transfer %s listed as new (timestamp %d > %d) but known: %r"
                                % (tid, new[tid]["timestamp"], after, model.transfers[tid]))
        new_by_ref = {}
        for t in new.values():
            if t.get("reference") is not None:
                if t["reference"] in new_by_ref or t["reference"] in model.by_ref:
                    problems.append("reference %r stored twice: %s and %s" % (
                        t["reference"], new_by_ref.get(t["reference"]) or
                        model.by_ref[t["reference"]], t["id"]))
                new_by_ref[t["reference"]] = t["id"]

        def lookup(tid):
            return new.get(tid) or model.transfers.get(tid)

        claimed = {}
        to_get = []        # (id, expected transfer dict or None for 404, why)

        def claim(tid, req):
            if tid in claimed and claimed[tid] is not req:
                problems.append("transfer %s claimed by two requests:\n  %s\n  %s"
                                % (tid, claimed[tid].describe(), req.describe()))
            claimed[tid] = req

        def note_stored(req, ev, t):
            """What the disk holds for event `ev` of `req` (t: the stored transfer or None)."""
            req.present.append(t["id"] if t else None)
            if t is not None:
                why = mismatch(ev, t, lookup)
                if why:
                    problems.append("stored transfer %s differs from its request (%s): "
                                    "%r\n  %s" % (t["id"], why, t, req.describe()))
                if t["id"] in new:
                    claim(t["id"], req)

        for req in records:
            req.present = []
            if req.status is not None and req.status not in EXPECTED[req.kind]:
                problems.append("unexpected answer: %s" % req.describe())
            if req.kind == "single":
                ev = req.events[0]
                tid = ev["id"]
                if tid is None and ev["reference"] is not None:
                    tid = new_by_ref.get(ev["reference"]) or model.by_ref.get(ev["reference"])
                t = lookup(tid) if tid else None
                note_stored(req, ev, t)
                if req.status == 201:
                    aid = req.answer.get("id")
                    if t is None or aid != t["id"] or aid not in new:
                        problems.append("acknowledged transfer lost: %s (stored: %r)"
                                        % (req.describe(), t))
                        continue
                    if not same(req.answer.get("transfer", {}), t, skip=("state",)):
                        problems.append("acknowledged transfer %s stored with other fields: "
                                        "%r\n  %s" % (aid, t, req.describe()))
                    to_get.append((aid, t, req))
                elif req.status == 200:
                    aid = req.answer.get("id")
                    if not req.answer.get("duplicate") or t is None or aid != t["id"]:
                        problems.append("a 200 answer that is no duplicate of what is stored "
                                        "(%r): %s" % (t, req.describe()))
                        continue
                    to_get.append((aid, t, req))
                elif req.rejected:
                    if t is not None:
                        problems.append("a rejected transfer is stored: %r\n  %s"
                                        % (t, req.describe()))
                    elif ev["id"] is not None and t is None:
                        to_get.append((ev["id"], None, req))
                continue
            # a batch
            results = {}
            if req.status == 200:
                for r in req.answer.get("results", []):
                    results[r["index"]] = r
                if len(results) != len(req.events):
                    problems.append("a batch answered %d results for %d events: %s"
                                    % (len(results), len(req.events), req.describe()))
            for i, ev in enumerate(req.events):
                t = lookup(ev["id"])
                note_stored(req, ev, t)
                if req.status != 200:
                    continue
                r = results.get(i, {})
                code = r.get("code")
                if r.get("id") not in (None, ev["id"]):
                    problems.append("batch result %d names id %r, the event %r: %s"
                                    % (i, r.get("id"), ev["id"], req.describe()))
                if code == "ok":
                    if t is None or t["id"] not in new:
                        problems.append("acknowledged transfer %s (event %d) lost: %s"
                                        % (ev["id"], i, req.describe()))
                    else:
                        to_get.append((ev["id"], t, req))
                elif code == "exists":
                    if t is None:
                        problems.append("event %d answered exists but %s is not stored: %s"
                                        % (i, ev["id"], req.describe()))
                elif t is not None and t["id"] in new:
                    problems.append("event %d was rejected (%s) but %s is stored: %r\n  %s"
                                    % (i, code, ev["id"], t, req.describe()))
                elif t is None:
                    to_get.append((ev["id"], None, req))
            if req.status != 200:
                for chain in req.chains:
                    there = [req.present[i] is not None for i in chain]
                    if any(there) and not all(there):
                        problems.append("linked chain %r half there (%r): %s"
                                        % (chain, there, req.describe()))
        for tid, t in new.items():
            if tid not in claimed:
                problems.append("transfer %s stored that no request of this round asked for: %r"
                                % (tid, t))
        for t in sorted(new.values(), key=lambda t: t["timestamp"]):
            model.add(t)
        t0 = time.monotonic()
        problems += self.get_each(to_get)
        self.phase["get"] = time.monotonic() - t0
        accounts, expired = self.settle_expiry(api, problems)
        problems += self.check_balances(accounts, new)
        t0 = time.monotonic()
        problems += self.check_audit(api, records)
        self.phase["audit"] = time.monotonic() - t0
        if full:
            t0 = time.monotonic()
            problems += self.full_listing(api)
            self.phase["full"] = time.monotonic() - t0
        return problems, new

    def check_audit(self, api, records):
        """Every acknowledged request of the round has its entry in the audit trail (who, the
        route, the SHA-256 of the body as sent, the status answered), durable before the
        answer, so after the kill and the reboot too (security/AUDIT.md)."""
        seen = {}
        start = self.audit_from
        while True:
            st, page = api.request("GET", "/api/v1/audit/entries?start=%d&count=1000" % start)
            if st != 200:
                return ["GET /api/v1/audit/entries: %s %r" % (st, page)]
            for e in page["entries"]:
                d = e["entry"]
                if d.get("kind") == "request":
                    seen.setdefault((d["body_sha256"], d["status"]), d)
            start += len(page["entries"])
            if not page["entries"] or start >= page["tree_size"]:
                break
        self.audit_from = start
        problems = []
        for req in records:
            if not req.acked:
                continue
            digest = hashlib.sha256(json.dumps(req.body).encode()).hexdigest()
            if (digest, req.status) not in seen:
                problems.append("acknowledged request without its audit entry (body sha256 "
                                "%s, status %s): %s" % (digest, req.status, req.describe()))
        self.stats["audited"] = self.stats.get("audited", 0) + sum(1 for r in records
                                                                     if r.acked)
        return problems[:20]

    def get_each(self, items):
        """GET /api/v1/transactions/{id} for each: 200 with the fields expected, or 404."""
        local = threading.local()

        def one(item):
            tid, t, req = item
            if not hasattr(local, "api"):
                local.api = Api(self.port, key=self.key)
            try:
                st, body = local.api.request("GET", "/api/v1/transactions/%s" % tid)
            except ERRORS as e:
                return "GET /api/v1/transactions/%s: %s" % (tid, e)
            if t is None:
                if st != 404:
                    return "rejected transfer %s: GET answers %s %r (404 expected)\n  %s" % (
                        tid, st, body, req.describe())
            elif st != 200 or not same(t, body, skip=("state",)):
                return "acknowledged transfer %s: GET answers %s %r, expected %r\n  %s" % (
                    tid, st, body, t, req.describe())
            return None

        with ThreadPoolExecutor(4) as ex:
            return [p for p in ex.map(one, items) if p]

    def fetch_accounts(self, api):
        out = {}
        for acc in ACCOUNTS:
            st, body = api.request("GET", "/api/v1/accounts/%s" % acc)
            if st != 200:
                raise Violation("GET /api/v1/accounts/%s: %s %r" % (acc, st, body))
            out[acc] = body
        return out

    def settle_expiry(self, api, problems):
        """The accounts and the state of every open pending transfer that may have expired,
        read consistently: the maintenance task may expire one any moment, so the accounts
        are read before and after the states until nothing moved in between."""
        for _ in range(20):
            before = self.fetch_accounts(api)
            states = {}
            for tid in self.model.open_pendings():
                if self.model.may_expire(tid):
                    st, body = api.request("GET", "/api/v1/transactions/%s" % tid)
                    if st != 200:
                        raise Violation("GET /api/v1/transactions/%s: %s %r" % (tid, st, body))
                    states[tid] = body.get("state")
            after = self.fetch_accounts(api)
            if before == after:
                break
        else:
            raise Violation("the accounts keep changing with no request running")
        expired = {tid for tid, st in states.items() if st == "expired"}
        for tid, st in states.items():
            if st not in ("pending", "expired"):
                problems.append("pending transfer %s is %s, but no post or void of it is stored"
                                % (tid, st))
        for tid in expired:
            t = self.model.transfers[tid]
            if t["timestamp"] + t["timeout"] * 10 ** 9 > time.time_ns() + 2 * 10 ** 9:
                problems.append("pending transfer %s expired before its timeout: %r" % (tid, t))
        self.model.expired |= expired
        self.stats["expired"] += len(expired)
        return after, expired

    def check_balances(self, accounts, new):
        problems = []
        want = self.model.balances()
        totals = dict.fromkeys(BAL_KEYS, 0)
        for acc, a in accounts.items():
            w = want.get(acc, dict.fromkeys(BAL_KEYS, 0))
            got = {k: a.get(k) for k in BAL_KEYS}
            if got != w:
                problems.append("account %s: balances %r, its transfers give %r" % (acc, got, w))
            for k in BAL_KEYS:
                totals[k] += a.get(k) or 0
            if acc in LIMITED and a["debits_posted"] + a["debits_pending"] > a["credits_posted"]:
                problems.append("account %s overdrawn despite its flag: %r" % (acc, a))
            bal = a.get("balance")
            if bal is not None and signed_minor(bal) != a["credits_posted"] - a["debits_posted"]:
                problems.append("account %s: balance %r does not match its posted amounts"
                                % (acc, bal))
        if totals["debits_posted"] != totals["credits_posted"] or \
                totals["debits_pending"] != totals["credits_pending"]:
            problems.append("the totals do not balance: %r" % totals)
        for tid, t in new.items():
            if "state" in t and not self.model.state_ok(tid, t["state"]):
                problems.append("pending transfer %s is %s, its posts/voids say %s"
                                % (tid, t["state"], self.model.state(tid)))
        return problems

    def console_verify(self):
        out = self.kernel.cmd("ledger verify", timeout=300)
        if "ledger verify: ok" not in out:
            return ["`ledger verify` did not print `ledger verify: ok`:\n" + out.strip()]
        return []

    # ---- retries ----

    def retry(self, api, records, rnd):
        """Send every unanswered request of the last round again. Returns (problems, the
        retries as records of the next round)."""
        problems, out = [], []
        for req in records:
            if req.acked or req.rejected:
                continue
            again = Req(req.kind, req.path, req.body, req.events, req.chains, rnd, "retry",
                        retry_of=req)
            api.close()  # a new connection: the kernel closes keep-alive ones idle for 5 s
            self.send(api, again)
            self.stats["retries"] += 1
            out.append(again)
            if again.error is not None or again.status in (503, 504):
                problems.append("a retry got no answer: %s" % again.describe())
                continue
            if req.kind == "single":
                was = req.present[0]
                if was is not None:
                    if again.status != 200 or not again.answer.get("duplicate") or \
                            again.answer.get("id") != was:
                        problems.append("retry of a stored transfer %s not answered as its "
                                        "duplicate: %s" % (was, again.describe()))
                elif again.status == 200 or again.status == 409:
                    problems.append("retry of an absent transfer answered %s: %s"
                                    % (again.status, again.describe()))
                continue
            if again.status != 200:
                problems.append("retry of a batch answered %s: %s"
                                % (again.status, again.describe()))
                continue
            for r in again.answer.get("results", []):
                i = r["index"]
                if req.present[i] is not None and r["code"] not in ("exists",
                                                                    "linked_event_failed"):
                    problems.append("retry: event %d (stored) answered %s: %s"
                                    % (i, r["code"], again.describe()))
                elif req.present[i] is None and r["code"] == "exists":
                    problems.append("retry: event %d (absent) answered exists: %s"
                                    % (i, again.describe()))
        return problems, out

    # ---- the run ----

    def run(self):
        t_start = time.monotonic()
        self.out("crashtest: %d kill points, seed %d, %d client threads, load %.1f-%.1f s, "
                 "disk %s (%d MiB%s)" % (
                     self.kills, self.seed, self.threads, self.min_load, self.max_load,
                     self.disk, os.path.getsize(self.disk) >> 20,
                     ", WAL segments of %s" % self.segment_size if self.segment_size else ""))
        try:
            boot_s, _ = self.boot("first boot")
            api = Api(self.port, key=self.key)
            pending = self.setup(api)       # the requests the next check covers
            problems = []
            last = []                       # the previous round's requests (none with --kills 0)
            for k in range(1, self.kills + 1):
                if k > 1:
                    # retries of the previous round and their answers
                    problems, retried = self.retry(api, last, k)
                    pending = retried
                    if problems:
                        self.fail(k, problems)
                        break
                api.close()
                duration = self.rng.uniform(self.min_load, self.max_load)
                records, killed_at = self.load(k, duration)
                records = pending + records
                self.count(records)
                if self.boot_kill and self.rng.random() < self.boot_kill:
                    self.kill_in_boot(k)
                t0 = time.monotonic()
                self.phase = {}
                boot_s, health = self.boot("kill point %d" % k)
                api = Api(self.port, key=self.key)
                full = k == self.kills or (self.full_every and k % self.full_every == 0)
                problems, new = self.check(api, records, k, full)
                t1 = time.monotonic()
                problems += self.console_verify()
                problems += self.console_alarms + console_alarms(self.kernel.output())
                self.console_alarms = []
                self.phase["verify"] = time.monotonic() - t1
                check_s = time.monotonic() - t0 - boot_s
                un = [r for r in records if not r.acked and not r.rejected]
                pres = sum(1 for r in un if any(p is not None for p in r.present))
                self.stats["unacked_present"] += pres
                self.stats["unacked_absent"] += len(un) - pres
                self.out("kill %3d/%d: load %.2f s, %d requests (%d acked, %d rejected, %d "
                         "unanswered: %d there, %d absent), %d new transfers, ledger %d; boot "
                         "%.2f s, check %.2f s%s: %s" % (
                             k, self.kills, killed_at, len(records),
                             sum(1 for r in records if r.acked),
                             sum(1 for r in records if r.rejected), len(un), pres,
                             len(un) - pres, len(new), len(self.model.transfers), boot_s,
                             check_s, " (%s)" % ", ".join(
                                 "%s %.1f" % kv for kv in sorted(self.phase.items())),
                             "ok" if not problems else "%d VIOLATIONS" % len(problems)))
                if problems:
                    self.fail(k, problems)
                    break
                last = records
            if not self.violations:
                problems, retried = self.retry(api, last, self.kills + 1)
                if problems:
                    self.fail(self.kills, problems)
                api.close()
        except Violation as e:
            self.fail(-1, [str(e)])
        except Exception:
            self.fail(-1, ["the harness stopped: " + traceback.format_exc()])
        finally:
            self.shutdown()
        self.summary(time.monotonic() - t_start)
        self.out("crashtest: disk: %s" % disk_state(self.disk))
        if self.own_disk and self.violations:
            for name in os.listdir(self.tmp):  # all but the disk
                if name != "disk.img":
                    path = os.path.join(self.tmp, name)
                    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            self.out("crashtest: the disk is kept for inspection: %s" % self.disk)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return not self.violations

    def kill_in_boot(self, k):
        """Boot and kill again at a random moment between the boot loader and the end of the
        recovery (as long as the last boot took to bring the ledger up)."""
        self.port = free_port()
        self.kernel = Kernel(iso=self.iso, disk=self.disk, http_port=self.port,
                             timeout=self.boot_timeout)
        time.sleep(self.rng.uniform(0.3, max(1.0, self.boots[-1] if self.boots else 1.0)))
        self.kill()
        self.stats["boot_kills"] += 1

    def count(self, records):
        for r in records:
            self.stats["requests"] += 1
            if r.acked:
                self.stats["acked"] += 1
            elif r.rejected:
                self.stats["rejected"] += 1
            else:
                self.stats["unacked"] += 1
                if r.status is not None:
                    self.stats["odd_status"] += 1

    def fail(self, k, problems):
        self.violations += [(k, p) for p in problems]
        self.out("crashtest: VIOLATIONS at kill point %d (seed %d):" % (k, self.seed))
        for p in problems[:50]:
            self.out("  - " + p)
        if len(problems) > 50:
            self.out("  ... and %d more" % (len(problems) - 50))
        tail = self.console_tail()
        if tail:
            self.out("console (last lines):\n" + tail)
        self.save_console("fail")

    def summary(self, seconds):
        s = self.stats
        self.out("crashtest: %s after %.0f s: %d kill points, %d requests (%d acknowledged, "
                 "%d rejected, %d unanswered: %d there, %d absent; %d other answers), "
                 "%d retries, %d checkpoints under load, %d kills during recovery, %d errors "
                 "before a kill, %d pending transfers expired; ledger %d transfers; boot to "
                 "ledger up %.2f s median, %.2f s max" % (
                     "FAILED" if self.violations else "ok", seconds,
                     len(self.boots) - 1, s["requests"], s["acked"], s["rejected"],
                     s["unacked"], s["unacked_present"], s["unacked_absent"], s["odd_status"],
                     s["retries"], s["checkpoints"], s["boot_kills"], s["errors_before_kill"],
                     s["expired"], len(self.model.transfers),
                     sorted(self.boots)[len(self.boots) // 2] if self.boots else 0,
                     max(self.boots) if self.boots else 0))


ALARMS = ("*** KERNEL PANIC", "Traceback", "' failed:", "ledger: down", "ledger: maintenance:",
          "MemoryError", "could not be applied")


def make_iso(tmp, iso, segment_size):
    """An ISO with config/ but another WAL segment size (a small ring on a small disk: the log
    wraps and checkpoints free segments within a run)."""
    isoconf.make_iso(tmp, iso,
                     isoconf.with_transaction({"wal_segment_size": '"%s"' % segment_size}))


def disk_state(path):
    """What the superblock (the newest of the copies at LBA 0 and 8) says: checkpoints so far
    and how far the log has gone round its ring."""
    best = None
    with open(path, "rb") as f:
        for lba in (0, 8):
            f.seek(lba * superblock.BLOCK)
            sb, _ = superblock.decode(f.read(superblock.BLOCK))
            if sb is not None and (best is None or sb.generation > best.generation):
                best = sb
    if best is None:
        return "no valid superblock at LBA 0 or 8"
    ring = best.seg_size * best.nseg
    return ("generation %d (%d checkpoints), WAL ring %d x %d KiB; the last checkpoint covers "
            "records up to %d, log position %d = %.2f laps of the ring; snapshot %d bytes (its "
            "area holds %d)" % (best.generation, best.generation - 1, best.nseg,
                                best.seg_size >> 10, best.ckpt_seq, best.ckpt_pos,
                                best.ckpt_pos / ring, best.ckpt_len,
                                best.ckpt_blocks * superblock.BLOCK))


def console_alarms(text):
    """The lines of a console log that tell of a failure (with a few lines after each)."""
    lines = text.replace("\r", "").split("\n")
    out = []
    for i, line in enumerate(lines):
        if any(a in line for a in ALARMS):
            out.append("on the console: " + "\n    ".join(lines[i:i + 8]))
            if len(out) >= 5:
                break
    return out


def same(a, b, skip=()):
    """The transfers agree on every compared field both have (flags as sets)."""
    for k in FIELDS:
        if k in skip:
            continue
        if k in a and k in b:
            va, vb = a[k], b[k]
            if k == "flags":
                va, vb = flag_set(va), flag_set(vb)
            if va != vb:
                return False
        elif (k in a) != (k in b):
            return False
    return True


def mismatch(ev, t, lookup):
    """What differs between the event a request asked for and the stored transfer, or None."""
    fl = flag_set(t.get("flags"))
    if fl != ev["flags"]:
        return "flags %s, asked %s" % (sorted(fl), sorted(ev["flags"]))
    if ev["id"] is not None and t["id"] != ev["id"]:
        return "id"
    for k in ("reference", "user_data", "pending_id"):
        if t.get(k) != ev.get(k):
            return "%s %r, asked %r" % (k, t.get(k), ev.get(k))
    if (t.get("timeout") or 0) != (ev.get("timeout") or 0):
        return "timeout"
    dr, cr, cur, amt = ev["debit_account_id"], ev["credit_account_id"], ev["currency"], \
        ev["amount"]
    if ev["flags"] & set(RESOLVING):
        p = lookup(ev["pending_id"])
        if p is None:
            return "the pending transfer %s is not stored" % ev["pending_id"]
        dr = dr or p["debit_account_id"]
        cr = cr or p["credit_account_id"]
        cur = cur or p["currency"]
        if amt is None:
            amt = p["amount"]
    if (t["debit_account_id"], t["credit_account_id"], t["currency"], t["amount"]) != \
            (dr, cr, cur, amt):
        return "accounts/currency/amount %r, asked %r" % (
            (t["debit_account_id"], t["credit_account_id"], t["currency"], t["amount"]),
            (dr, cr, cur, amt))
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20, help="kill points (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--disk", help="raw disk image (created when missing; kept); default: a "
                    "new one in a temporary folder, removed after a clean run")
    ap.add_argument("--disk-size", default="256M", help="of a new disk image (default 256M)")
    ap.add_argument("--segment-size", help="WAL segment size, e.g. 64KB: boots a private ISO "
                    "with config/ changed so (default: config/'s)")
    ap.add_argument("--iso", default=ISO)
    ap.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--min-load", type=float, default=0.5, help="seconds (default 0.5)")
    ap.add_argument("--max-load", type=float, default=3.0, help="seconds (default 3.0)")
    ap.add_argument("--full-every", type=int, default=10,
                    help="compare every stored transfer with the model every N kill points "
                    "(and at the end; default 10)")
    ap.add_argument("--boot-kill", type=float, default=0.0,
                    help="probability of one more kill during the recovery of a kill point")
    ap.add_argument("--checkpoints", type=float, default=0.3,
                    help="probability of a `ledger checkpoint` typed on the console at a random "
                    "moment of a load phase (default 0.3)")
    ap.add_argument("--log-dir", help="keep the console of the last and a failing boot here")
    a = ap.parse_args(argv)
    if not os.path.exists(a.iso):
        raise SystemExit("%s is missing: run make iso" % a.iso)
    h = Harness(kills=a.kills, seed=a.seed, disk=a.disk, disk_size=a.disk_size, iso=a.iso,
                threads=a.threads, min_load=a.min_load, max_load=a.max_load,
                full_every=a.full_every, boot_kill=a.boot_kill, checkpoints=a.checkpoints,
                segment_size=a.segment_size,
                out=lambda s: print(s, flush=True), log_dir=a.log_dir)
    return 0 if h.run() else 1


if __name__ == "__main__":
    sys.exit(main())
