# Power-loss tests of the ledger (issue 4): the kernel's disk is an NBD export of
# tools/nbdfault.py, whose write cache loses, keeps, tears, half-keeps or damages what was not
# flushed when the power goes. Under HTTP load (single transfers and linked batches from
# several client threads), the power is cut in the middle of a write (every mode of
# power_cut; a WAL group, or a checkpoint's snapshot or superblock copy while `ledger
# checkpoint` runs) and QEMU is killed with SIGKILL at the same moment; then a new server on the
# same image, a new boot, and the checks:
#   - every acknowledged transfer is there with its fields (GET /api/v1/transactions/{id}), and
#     every acknowledged rejection is absent;
#   - a request without an answer is wholly there or absent (a linked chain all or nothing);
#     nothing is there that no request asked for;
#   - each account's balances equal the sums of its transfers
#     (GET /api/v1/accounts/{id}/transfers), and debits equal credits over all accounts;
#   - `ledger verify` prints `ledger verify: ok`.
# At the end, bits of committed (flushed) log data are flipped while the machine is off: recovery
# must report the corruption (the ledger down on the console, /health 503 naming it) while the
# kernel goes on answering, never take the damage for the clean end of the log; with the bit
# flipped back, the ledger comes up whole (nothing was written while it was down).
import os
import random
import re
import sys
import tempfile
import threading
import time

import pytest

from qemu_console import ISO, Kernel, free_port

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
from tools.apiclient import Api  # noqa: E402
from tools.nbdfault import NbdFault  # noqa: E402
from transaction import superblock, wal  # noqa: E402

SEED = 20260425
DISK_BYTES = 128 << 20     # wal_segment_size is 16 MiB: the WAL gets 3 segments
ACCOUNTS = ["PL-A%d" % i for i in range(6)]
THREADS = 4
# (power_cut mode, where the cut waits for a write): None = the first write in flight (a
# WAL group under load); otherwise the console starts `ledger checkpoint` under load and the
# cut waits for its snapshot write or for the superblock copy it updates.
CYCLES = (("drop", None), ("keep", None), ("subset", None), ("tear", None), ("flip", None),
          ("tear", "checkpoint"), ("tear", "superblock 1"), ("subset", "superblock 3"),
          ("flip", "superblock 0"), ("tear", None), ("subset", None))
PAGE = 1000


KEY = [None]    # the admin key the first boot of the disk printed (Model.boot)


class Http(Api):
    """One keep-alive connection to the kernel's API on 127.0.0.1 (tools/apiclient.py) with
    the admin key; its answers must be JSON."""

    def __init__(self, port, timeout=20):
        super().__init__(port, timeout, key=KEY[0])

    request = Api.request_json


class Model:
    """What the clients know: transfers acknowledged as stored, as rejected, and requests
    without an answer (each a group of ids: all there or none)."""

    def __init__(self):
        self.present = {}     # id -> (debit, credit, amount)
        self.absent = set()
        self.unknown = []     # [{id: (debit, credit, amount)}], one dict per request
        self.new_present = []  # acknowledged since the last check
        self.new_absent = []
        self.lock = threading.Lock()
        self.errors = []      # unexpected answers (a client thread cannot fail the test)
        self.acked = 0
        self.unacked = 0


def load(port, model, stop, rng, tag):
    """One client: single transfers and linked batches (some failing as a whole) until stop."""
    h = Http(port)
    n = 0
    try:
        while not stop.is_set():
            n += 1
            kind = rng.random()
            if kind < 0.7:
                d, c = rng.sample(ACCOUNTS, 2)
                ev = {"id": "PL-%s-%d" % (tag, n), "from_account": d, "to_account": c,
                      "amount_minor": rng.randint(1, 100000), "currency": "USD"}
                group = {ev["id"]: (d, c, ev["amount_minor"])}
                path, body = "/api/v1/transaction", ev
            else:
                items = []
                group = {}
                for i in range(rng.randint(2, 4)):
                    d, c = rng.sample(ACCOUNTS, 2)
                    it = {"id": "PL-%s-%d-%d" % (tag, n, i), "debit_account_id": d,
                          "credit_account_id": c, "amount_minor": rng.randint(1, 100000),
                          "currency": "USD", "flags": ["linked"]}
                    items.append(it)
                    group[it["id"]] = (d, c, it["amount_minor"])
                del items[-1]["flags"]
                if rng.random() < 0.25:             # the chain fails as a whole
                    items[-1]["credit_account_id"] = "PL-NOBODY"
                path, body = "/api/v1/transactions", {"transfers": items}
            try:
                status, out = h.request("POST", path, body)
            except Exception:
                status, out = None, None
            with model.lock:
                if status == 201 and path == "/api/v1/transaction":
                    model.present.update(group)
                    model.new_present.extend(group)
                    model.acked += 1
                elif status == 200 and path == "/api/v1/transactions":
                    codes = {r["id"]: r["code"] for r in out["results"]}
                    if set(codes) != set(group):
                        model.errors.append("results for other ids: %s %s" % (group, out))
                    for tid, code in codes.items():
                        if code == "ok":
                            model.present[tid] = group[tid]
                            model.new_present.append(tid)
                        else:
                            model.absent.add(tid)
                            model.new_absent.append(tid)
                    model.acked += 1
                elif status is not None and status < 500:
                    model.errors.append("%s %s: %s %s" % (path, body, status, out))
                else:                               # no answer, 503, 504: indeterminate
                    model.unknown.append(group)
                    model.unacked += 1
            if status is None:
                time.sleep(0.05)
    finally:
        h.close()


class Machine:
    """The NBD disk server and the booted kernel on it."""

    def __init__(self, image, sock, log_dir):
        self.image = image
        self.sock = sock
        self.log_dir = log_dir
        self.srv = None
        self.k = None
        self.port = None
        self.boots = 0

    def boot(self, expect_up=True):
        self.srv = NbdFault(self.image, self.sock, log=lambda msg: None).start()
        self.port = free_port()
        self.k = Kernel(iso=ISO, nbd=self.sock, http_port=self.port)
        self.boots += 1
        # the ledger's recovery reports on the console when it is done, then the prompt
        line = self.k.expect(r"ledger: (\d+ accounts|down)[^\r\n]*[\r\n]", timeout=120)
        self.k.wait_prompt()
        KEY[0] = self.k.api_key or KEY[0]
        if expect_up and "down" in line:
            raise AssertionError("the ledger is down after boot %d: %s\n%s"
                                 % (self.boots, line, self.k.output()[-3000:]))
        return line

    def wait_health(self, want=200, timeout=60):
        h = Http(self.port, timeout=10)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = h.request("GET", "/health")
                if last[0] == want:
                    return last[1]
            except Exception as e:
                last = e
            time.sleep(0.2)
        raise AssertionError("/health did not answer %d: %r" % (want, last))

    def save_console(self, name):
        with open(os.path.join(self.log_dir, name), "w") as f:
            f.write(self.k.output())

    def crash(self, mode, seed, stop, wait_range=None):
        """Cut the power in the middle of a write (one touching wait_range when given; flip
        then damages those bytes) and SIGKILL QEMU at the same moment; the clients stop."""
        report = self.srv.power_cut(mode, seed=seed, wait=10, sectors=2, bits=2,
                                    wait_range=wait_range,
                                    at=-1 if mode == "tear" and wait_range else None,
                                    flip_range=wait_range if mode == "flip" else None)
        stop.set()
        self.k.p.kill(9)
        self.k.close()
        self.srv.stop(flush=False)
        return report

    def off(self):
        if self.k is not None:
            self.k.close()
        if self.srv is not None:
            self.srv.stop(flush=False)


def all_transfers(h, aid):
    """Every transfer of an account, newest first, through the pages of the listing."""
    out = []
    before = None
    while True:
        path = "/api/v1/accounts/%s/transfers?limit=%d" % (aid, PAGE)
        if before is not None:
            path += "&before=%d" % before
        status, body = h.request("GET", path)
        assert status == 200, (path, status, body)
        out += body["transfers"]
        before = body["next"]
        if before is None:
            return out


def check(m, model, cycle):
    """The ledger after a power cut against what the clients were told."""
    assert not model.errors, model.errors[:5]
    h = Http(m.port)
    stored = {}
    balances = {}
    for aid in ACCOUNTS:
        for t in all_transfers(h, aid):
            assert t["debit_account_id"] == aid or t["credit_account_id"] == aid, t
            stored[t["id"]] = (t["debit_account_id"], t["credit_account_id"], t["amount"])
        status, acc = h.request("GET", "/api/v1/accounts/%s" % aid)
        assert status == 200, (aid, status, acc)
        balances[aid] = acc
    # acknowledged: there with the same fields (by id too), or absent
    lost = [tid for tid in model.present if stored.get(tid) != model.present[tid]]
    assert not lost, "cycle %d: acknowledged transfers missing or changed: %s" % (
        cycle, [(tid, model.present[tid], stored.get(tid)) for tid in lost[:10]])
    for tid in model.new_present:
        status, t = h.request("GET", "/api/v1/transactions/%s" % tid)
        assert status == 200 and (t["debit_account_id"], t["credit_account_id"],
                                  t["amount"]) == model.present[tid], (tid, status, t)
    for tid in model.new_absent:
        status, t = h.request("GET", "/api/v1/transactions/%s" % tid)
        assert status == 404, (tid, status, t)
    assert not model.absent & set(stored), model.absent & set(stored)
    # unanswered requests: all or nothing; then they are known
    expected = set(model.present)
    came_back = 0
    for group in model.unknown:
        there = [tid for tid in group if tid in stored]
        assert len(there) in (0, len(group)), "cycle %d: a request partly there: %s of %s" % (
            cycle, there, sorted(group))
        for tid in group:
            status, t = h.request("GET", "/api/v1/transactions/%s" % tid)
            assert status == (200 if there else 404), (tid, status, t)
            if there:
                assert stored[tid] == group[tid], (tid, stored[tid], group[tid])
                model.present[tid] = group[tid]
                expected.add(tid)
            else:
                model.absent.add(tid)
        came_back += bool(there)
    invented = set(stored) - expected
    assert not invented, "cycle %d: transfers no request asked for: %s" % (cycle, invented)
    # balances: each account's equal the sums of its transfers; debits = credits overall
    total_dr = total_cr = 0
    for aid, acc in balances.items():
        dr = sum(a for d, c, a in stored.values() if d == aid)
        cr = sum(a for d, c, a in stored.values() if c == aid)
        assert (acc["debits_posted"], acc["credits_posted"]) == (dr, cr), (cycle, aid, acc,
                                                                          dr, cr)
        assert acc["debits_pending"] == acc["credits_pending"] == 0, acc
        total_dr += acc["debits_posted"]
        total_cr += acc["credits_posted"]
    assert total_dr == total_cr == sum(a for _, _, a in stored.values())
    out = m.k.cmd("ledger verify", timeout=120)
    assert "ledger verify: ok" in out, out
    h.close()
    info = {"stored": len(stored), "unknown": len(model.unknown), "came_back": came_back}
    model.unknown = []
    model.new_present = []
    model.new_absent = []
    return info


def run_load(m, model, rng, cycle, seconds):
    stop = threading.Event()
    threads = [threading.Thread(target=load, args=(m.port, model, stop,
                                                    random.Random(rng.random()),
                                                    "c%dw%d" % (cycle, i)), daemon=True)
               for i in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    return stop, threads


def disk_range(image, what):
    """The bytes of the checkpoint areas or of one superblock copy ("superblock N")."""
    with open(image, "rb") as f:
        sb, why = superblock.decode(f.read(512))
    assert sb is not None, why
    if what == "checkpoint":
        lo = min(sb.ckpt_lba) * 512
        return lo, max(sb.ckpt_lba) * 512 + sb.ckpt_blocks * 512
    lba = superblock.copy_lbas(sb.capacity)[int(what.split()[1])]
    return lba * 512, lba * 512 + 512


def log_records(image):
    """(superblock, [(byte offset on the disk, Header)]) of the log records recovery reads: from
    the newest superblock's checkpoint position, while sequence and position follow."""
    with open(image, "rb") as f:
        copies = []
        for lba in (0, 8):
            f.seek(lba * 512)
            sb, _ = superblock.decode(f.read(512))
            if sb is not None:
                copies.append(sb)
        sb = max(copies, key=lambda s: s.generation)
        pos, seq, out = sb.ckpt_pos, sb.ckpt_seq, []
        while True:
            off = sb.lba(pos) * 512
            f.seek(off)
            h = wal.parse_header(f.read(wal.HEADER), 0)
            if h is None or h.log_id != sb.log_id or h.pos != pos or h.seq != seq + 1:
                return sb, out
            out.append((off, h))
            seq = h.seq
            pos = sb.seg_start(pos) + sb.seg_size if h.type == wal.T_PAD \
                else pos + wal.record_size(h.length)


@pytest.fixture
def machine(tmp_path):
    image = str(tmp_path / "ledger.img")
    with open(image, "wb") as f:
        f.truncate(DISK_BYTES)
    sockdir = tempfile.mkdtemp(prefix="nbdpl")
    m = Machine(image, os.path.join(sockdir, "disk.sock"), str(tmp_path))
    yield m
    m.off()
    try:
        os.rmdir(sockdir)
    except OSError:
        pass


def test_ledger_survives_power_cuts(machine):
    m = machine
    rng = random.Random(SEED)
    model = Model()
    m.boot()
    m.wait_health()
    status, out = Http(m.port).request("POST", "/api/v1/accounts", {
        "accounts": [{"id": aid, "currency": "USD"} for aid in ACCOUNTS]})
    assert status == 200 and out["committed"] == len(ACCOUNTS), (status, out)
    for cycle, (mode, target) in enumerate(CYCLES):
        stop, threads = run_load(m, model, rng, cycle, rng.uniform(0.4, 1.2))
        span = None
        if target is not None:
            span = disk_range(m.image, target)
            m.k.send("ledger checkpoint\r")
        report = m.crash(mode, rng.randrange(1 << 30), stop, span)
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        assert report["caught"] and report["writes"] >= 1, (
            "cycle %d: the cut caught no write in flight%s: %s"
            % (cycle, "" if target is None else " to the " + target, report))
        m.boot()
        m.wait_health()
        info = check(m, model, cycle)
        m.save_console("boot%d.log" % m.boots)
        print("cycle %d: %s at %s: %s; %s" % (cycle, mode, target or "a WAL write", report, info))
    assert model.acked > 100 and model.unacked >= len(CYCLES), (model.acked, model.unacked)

    # Committed data damaged while the power is off: one bit of a record of an earlier group
    # (in its header, then in its payload). Recovery must report it, and write nothing: with
    # the bit flipped back the ledger comes up whole.
    stop, threads = run_load(m, model, rng, len(CYCLES), 0.5)
    stop.set()
    for t in threads:
        t.join(30)
    check(m, model, len(CYCLES))           # everything answered: all of it flushed
    m.k.p.kill(9)
    m.k.close()
    m.srv.stop(flush=False)
    sb, records = log_records(m.image)
    last_group = records[-1][1].group_first
    early = [(off, h) for off, h in records if h.type == wal.T_DATA and h.group_first < last_group]
    assert len(early) >= 2, "too few committed groups in the log: %d records" % len(records)
    for part in ("header", "payload"):
        off, h = early[rng.randrange(len(early) - 1)]
        where = off + (rng.randrange(0, wal.HASHED) if part == "header"
                       else wal.HEADER + rng.randrange(h.length))
        seed = rng.randrange(1 << 30)
        flipper = NbdFault(m.image, m.sock, log=lambda msg: None)   # not started: the file only
        flipped = flipper.flip_bits(where, 1, seed=seed)
        flipper.stop(flush=False)
        line = m.boot(expect_up=False)
        m.save_console("boot%d-corrupt.log" % m.boots)
        assert "down" in line and "corruption" in line, (
            "a flipped bit %s in the %s of committed record %d (group %d; the last group "
            "starts at %d) was not reported: %s" % (flipped, part, h.seq, h.group_first,
                                                    last_group, line))
        corruption_reported(m)
        m.k.p.kill(9)
        m.k.close()
        m.srv.stop(flush=False)
        flipper = NbdFault(m.image, m.sock, log=lambda msg: None)
        assert flipper.flip_bits(where, 1, seed=seed) == flipped       # the same bit back
        flipper.stop(flush=False)
    m.boot()
    m.wait_health()
    check(m, model, len(CYCLES) + 1)


def corruption_reported(m):
    """The ledger is down with the corruption named, everywhere; the kernel answers."""
    health = m.wait_health(503)
    assert "ledger" in health["down"] and health["components"]["ledger"].startswith("down")
    assert "corruption" in health["components"]["ledger"], health
    h = Http(m.port)
    # No credential can be checked without the ledger's log: 503 naming the corruption.
    status, body = h.request("GET", "/api/v1/accounts/%s" % ACCOUNTS[0])
    assert status == 503 and body["error"]["code"] == "security_unavailable", (status, body)
    assert "corruption" in body["error"]["message"], body
    status, body = h.request("POST", "/api/v1/transaction", {
        "from_account": ACCOUNTS[0], "to_account": ACCOUNTS[1], "amount_minor": 1,
        "currency": "USD"})
    assert status == 503, (status, body)
    status, body = h.request("GET", "/status")       # fails closed too; /health is open
    assert status == 503 and body["error"]["code"] == "security_unavailable", (status, body)
    assert "security" in health["down"], health
    h.close()
    out = m.k.cmd("ledger")
    assert re.search(r"ledger: down: corruption", out), out
    out = m.k.cmd("ledger verify")
    assert "ledger verify: ok" not in out and "down" in out, out
    out = m.k.cmd("status")
    assert re.search(r"kernel\s+up", out) and re.search(r"ledger\s+down: corruption", out), out
