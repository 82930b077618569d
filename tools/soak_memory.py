#!/usr/bin/env python3
"""Memory soak of the ledger (issue 8): push it to its configured capacity and past it.

    python3 tools/soak_memory.py [--accounts 50000] [--transfers 200000] [--batch 8190]

Boots a private ISO whose [transaction] max_accounts / max_transfers are the capacity asked
for, then over the HTTP API (127.0.0.1 only):

1. creates accounts in batches up to max_accounts; one more is answered 507 ledger_full;
2. fills the transfers with 8,190-batches and singles mixed (a run of singles after every
   batch) up to max_transfers; a batch that does not fit what is left is answered 507
   ledger_full with nothing logged (no log record but seals), then exactly what is left is sent;
   one more single and one more batch are answered 507 ledger_full;
3. checks the ledger stayed up all along (/health), `ledger verify` prints ok, the console
   shows no MemoryError, traceback or ledger down, and prints the heap's free total and
   largest free block seen (GET /status), lowest first;
4. with --reboot, boots again on the same disk: the ledger comes back with every account and
   transfer (replay or snapshot into storage reserved for the capacity), still refuses one
   more with 507, and `ledger verify` passes again.

Exit status 0 when every check passed; 1 with what failed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
from qemu_console import Kernel, free_port  # noqa: E402
from tools import isoconf  # noqa: E402
from tools.apiclient import ERRORS, Api  # noqa: E402
from tools.crashtest import console_alarms  # noqa: E402

MAX_BATCH = 8190


class Failed(Exception):
    pass


class Soak:
    def __init__(self, accounts, transfers, batch, singles, disk_size, out=print):
        assert 2 <= accounts and 1 <= transfers and 1 <= batch <= MAX_BATCH
        self.accounts = accounts
        self.transfers = transfers
        self.batch = batch
        self.singles = singles
        self.out = out
        self.tmp = tempfile.mkdtemp(prefix="qenex-soak-")
        self.iso = os.path.join(self.tmp, "soak.iso")
        isoconf.make_iso(self.tmp, self.iso, isoconf.with_transaction({
            "max_accounts": str(accounts), "max_transfers": str(transfers),
            "timeout_seconds": "300"}))   # an 8190-batch takes seconds under TCG
        self.disk = os.path.join(self.tmp, "disk.img")
        subprocess.run(["truncate", "-s", disk_size, self.disk], check=True)
        self.kernel = None
        self.api = None
        self.consoles = []
        self.heap = []                    # (free, largest free) bytes seen on /status
        self.counts = {"requests": 0, "ledger_full": 0}

    # ---- the VM ----

    def boot(self):
        port = free_port()
        self.kernel = Kernel(iso=self.iso, disk=self.disk, http_port=port, timeout=300)
        self.kernel.wait_prompt(timeout=300)
        self.api = Api(port, timeout=600, key=self.kernel.api_key)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                st, body = self.api.request("GET", "/health")
                led = body["components"].get("ledger", "") if isinstance(body, dict) else ""
                if st == 200 and led.startswith("up"):
                    return
                if led.startswith("down"):
                    raise Failed("the ledger is down after the boot: %s" % led)
            except OSError:
                self.api.close()
            time.sleep(0.2)
        raise Failed("the ledger did not come up:\n" + self.kernel.output()[-2000:])

    def shutdown(self):
        if self.kernel is not None:
            self.api.close()
            self.consoles.append(self.kernel.output())
            self.kernel.close()
            self.kernel = None

    # ---- requests ----

    def call(self, method, path, body=None, want=(200, 201)):
        self.counts["requests"] += 1
        if method == "GET":
            try:
                st, out = self.api.request(method, path, body)
            except ERRORS:
                # The kernel closes a keep-alive connection idle for 5 s: a GET is retried.
                st, out = self.api.request(method, path, body)
        else:
            st, out = self.api.request(method, path, body)
        if st not in want:
            raise Failed("%s %s: %d %r (want %s)\n%s" % (method, path, st, out, want,
                                                         self.kernel.output()[-1500:]))
        return st, out

    def refused(self, path, body):
        """A request beyond the capacity: 507 ledger_full, and nothing logged."""
        before = self.logged()
        st, out = self.call("POST", path, body, want=(507,))
        if not isinstance(out, dict) or out.get("error", {}).get("code") != "ledger_full":
            raise Failed("%s beyond the capacity: %r (want ledger_full)" % (path, out))
        after = self.logged()
        if after != before:
            raise Failed("%s refused but logged: (records, committed, rejected) %r -> %r"
                         % (path, before, after))
        self.counts["ledger_full"] += 1

    def logged(self):
        """(records, committed, rejected) of the ledger: its own requests in the log, not the
        seals, pads or the audit trail's entries (a refused request has its audit entry:
        security/AUDIT.md)."""
        m = self.call("GET", "/api/v1/metrics/transactions")[1]
        return (m["ledger_records"], m["committed"], m["rejected"])

    def sample_heap(self):
        st, body = self.call("GET", "/status")
        m = body["components"]["memory"]
        led = body["components"]["ledger"]
        if not led["up"]:
            raise Failed("the ledger went down: %s" % led["status"])
        self.heap.append((m["heap_free_bytes"], m["heap_largest_free_bytes"]))

    def counts_now(self):
        """(accounts, transfers) the ledger holds, from its /status line."""
        text = self.call("GET", "/status")[1]["components"]["ledger"]["status"]
        m = re.match(r"up \((\d+) accounts, (\d+) transfers", text)
        if m is None:
            raise Failed("the ledger's status: %r" % text)
        return int(m.group(1)), int(m.group(2))

    # ---- the phases ----

    def fill_accounts(self):
        ids = ["S%d" % i for i in range(self.accounts)]
        for i in range(0, len(ids), MAX_BATCH):
            part = ids[i:i + MAX_BATCH]
            st, out = self.call("POST", "/api/v1/accounts",
                                {"accounts": [{"id": a, "currency": "USD"} for a in part]})
            if out["committed"] != len(part):
                raise Failed("accounts: %r" % out)
            self.out("soak: %d of %d accounts" % (i + len(part), self.accounts))
        self.refused("/api/v1/accounts", {"id": "ONE-MORE", "currency": "USD"})
        return ids

    def transfer(self, ids, n):
        a = ids[n % len(ids)]
        b = ids[(n * 7 + 1) % len(ids)]
        if a == b:
            b = ids[(n + 1) % len(ids)]
        return {"debit_account_id": a, "credit_account_id": b, "amount_minor": 1 + n % 997,
                "currency": "USD", "reference": "soak-%d" % n}

    def fill_transfers(self, ids):
        n = 0
        t0 = time.monotonic()
        while n < self.transfers:
            left = self.transfers - n
            if left < self.batch and left > 1:
                # A batch larger than what is left is refused whole, before it is logged.
                self.refused("/api/v1/transactions", {"transfers": [
                    self.transfer(ids, n + j) for j in range(min(self.batch, left + 1))]})
            size = min(self.batch, left)
            st, out = self.call("POST", "/api/v1/transactions", {"transfers": [
                self.transfer(ids, n + j) for j in range(size)]})
            if out["committed"] != size:
                raise Failed("batch at %d: %r" % (n, out))
            n += size
            for _ in range(min(self.singles, self.transfers - n)):
                t = self.transfer(ids, n)
                self.call("POST", "/api/v1/transaction", {
                    "from_account": t["debit_account_id"], "to_account": t["credit_account_id"],
                    "amount": "%d.%02d" % divmod(t["amount_minor"], 100), "currency": "USD",
                    "reference": t["reference"]}, want=(201,))
                n += 1
            self.sample_heap()
            self.out("soak: %d of %d transfers, %.0f s" % (n, self.transfers,
                                                             time.monotonic() - t0))
        self.check_full(ids, n)
        return n

    def check_full(self, ids, n):
        self.refused("/api/v1/transaction", {"from_account": ids[0], "to_account": ids[1],
                                             "amount": "1.00", "currency": "USD",
                                             "reference": "soak-one-more-%d" % n})
        self.refused("/api/v1/transactions", {"transfers": [self.transfer(ids, n + j)
                                                           for j in range(2)]})
        held = self.counts_now()
        if held != (self.accounts, self.transfers):
            raise Failed("the ledger holds %d accounts and %d transfers, want %d and %d"
                         % (held + (self.accounts, self.transfers)))

    def verify(self):
        out = self.kernel.cmd("ledger verify", timeout=1200)
        self.api.close()                  # idle meanwhile: the kernel closed it
        if "ledger verify: ok" not in out:
            raise Failed("`ledger verify`: %s\nheap (free, largest free) before it: %r\n%s"
                         % (out.strip(), self.heap[-1:], self.kernel.cmd("debug memory")))
        self.sample_heap()

    def run(self, reboot=False):
        t0 = time.monotonic()
        try:
            self.boot()
            self.sample_heap()
            ids = self.fill_accounts()
            self.fill_transfers(ids)
            self.verify()
            if reboot:
                self.shutdown()
                self.boot()
                self.check_full(ids, self.transfers)
                self.verify()
            alarms = console_alarms("".join(self.consoles) +
                                    (self.kernel.output() if self.kernel else ""))
            if alarms:
                raise Failed("on the console:\n" + "\n".join(alarms))
        except Failed as e:
            self.out("soak-memory: FAILED: %s" % e)
            return False
        except ERRORS as e:
            self.out("soak-memory: FAILED: no whole answer (%s: %s); the console:\n%s"
                     % (type(e).__name__, e, self.kernel.output()[-3000:] if self.kernel
                        else ""))
            return False
        finally:
            self.shutdown()
        free = min(h[0] for h in self.heap)
        big = min(h[1] for h in self.heap)
        self.out("soak-memory: ok: %d accounts, %d transfers (the capacity), %d requests, %d "
                 "answered 507 ledger_full, the ledger up throughout and verified%s; heap free "
                 "at least %.1f MiB, largest free block at least %.1f MiB; %.0f s"
                 % (self.accounts, self.transfers, self.counts["requests"],
                    self.counts["ledger_full"], " (and again after a reboot)" if reboot else "",
                    free / 1048576, big / 1048576, time.monotonic() - t0))
        shutil.rmtree(self.tmp, ignore_errors=True)
        return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=50000, help="max_accounts (default 50000)")
    ap.add_argument("--transfers", type=int, default=200000,
                    help="max_transfers (default 200000, config/'s)")
    ap.add_argument("--batch", type=int, default=MAX_BATCH, help="transfers a batch (8190)")
    ap.add_argument("--singles", type=int, default=20, help="singles after each batch (20)")
    ap.add_argument("--disk-size", default="1G", help="of the disk image (default 1G)")
    ap.add_argument("--reboot", action="store_true", help="boot again and check it all")
    a = ap.parse_args(argv)
    s = Soak(a.accounts, a.transfers, a.batch, a.singles, a.disk_size,
             out=lambda x: print(x, flush=True))
    return 0 if s.run(reboot=a.reboot) else 1


if __name__ == "__main__":
    sys.exit(main())
