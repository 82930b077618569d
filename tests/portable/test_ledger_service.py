# Portable tests of the ledger service and its HTTP API (transaction/service.py, api.py,
# requests.py), attached as the kernel attaches it (transaction/package.py through
# kernel/packages.py): the real HTTP server over in-memory streams, the real WAL on an
# in-memory disk, a fake clock. Requests, every error class, idempotency, two-phase, batches,
# recovery after a power cut (acknowledged transfers survive), disk full, corruption reported.
# Plain asserts: they run in the kernel too (selftest ledger).

from kernel import commands, packages, process
from kernel.http import response, server
from kernel.http.router import Router
from tests.portable.support import fakeclock, memnet
from tests.portable.support.faultdisk import FaultDisk, MemDisk
from transaction import package, requests
from transaction import service as ledger
from transaction.superblock import BLOCK

PORT = 8080
CFG = {"network": {"port": PORT},
       "transaction": {"max_concurrent": 16, "timeout_ms": 30000, "wal_segment_size": 65536,
                       "max_accounts": 1000, "max_transfers": 20000}}
BLOCKS = 8192          # a 4 MiB disk


class Devices:
    def __init__(self, disk):
        self.disk = disk


class Env:
    """Scheduler on a fake clock, the transaction package attached with its disk on `media`,
    the HTTP server with the package's routes and limits."""

    def __init__(self, media=None, seed=1, cfg=CFG, heap_free=None):
        self.clock = fakeclock.FakeClock()
        self.reports = []
        self.logs = []
        self.sched = process.Scheduler(self.clock, reporter=self._report, max_tasks=128)
        self.media = media if media is not None else MemDisk(BLOCKS)
        self.disk = FaultDisk(self.media, seed=seed, sched=self.sched)
        self.registry = commands.Registry()
        self.k = packages.Kernel(self.sched, cfg, Devices(self.disk), log=self.logs.append,
                                 clock_ns=self.now_ns, ticks_us=self.clock.ticks_us,
                                 heap_free=heap_free, registry=self.registry)
        self.svc = package.attach(self.k)
        for _name, start in self.k.before_prompt:
            self.run(start())
        self.net = memnet.MemNet(self.sched)
        r = Router()
        self.k.install_routes(r)
        self.srv = server.start(self.sched, self.net, CFG, router=r, log=self.logs.append,
                                limits=self.k.http_limits)

    def now_ns(self):
        return 1700000000 * 10 ** 9 + self.clock.ticks_us() * 1000

    def _report(self, task, exc):
        self.reports.append((task.name, process.format_exception(exc)))

    def run(self, coro, timeout_ms=600000):
        return self.sched.run_until_complete(coro, timeout_ms)

    def request(self, method, path, body=None):
        raw = method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n"
        if body is not None:
            data = body if type(body) is bytes else _dumps(body).encode()
            raw += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data)
            raw += data
        else:
            raw += b"\r\n"
        cl = self.net.connect(PORT)
        cl.write(raw)
        rs = self.run(_read_one(cl))
        cl.close()
        assert len(rs) == 1, rs
        return rs[0]

    def ok(self, method, path, body=None, status=None):
        r = self.request(method, path, body)
        assert r.status < 300 and (status is None or r.status == status), (r.status, r.body)
        return r.json()

    def error(self, method, path, body, status, code, field=None):
        r = self.request(method, path, body)
        assert r.status == status, (r.status, r.body)
        e = r.json()["error"]
        assert e["code"] == code, e
        if field is not None:
            assert e["field"] == field, e
        return e

    def check_clean(self):
        assert self.reports == [], self.reports
        for line in self.logs:
            assert line.find("Traceback") < 0 and line.find("-> 500") < 0, line


def _dumps(obj):
    return response.dumps(obj)


async def _read_one(cl):
    def done(buf):
        return len(response.parse_responses(buf)[0]) >= 1
    data = await cl.read_until(done, 60000)
    return response.parse_responses(data)[0]


def seed_accounts(env):
    env.ok("POST", "/api/v1/accounts", {"accounts": [
        {"id": "BANK", "currency": "USD"},
        {"id": "ACC001", "currency": "USD", "flags": ["debits_must_not_exceed_credits"]},
        {"id": "ACC002", "currency": "USD", "flags": ["debits_must_not_exceed_credits"]},
        {"id": "EUR1", "currency": "EUR"}]})
    env.ok("POST", "/api/v1/transaction", {"from_account": "BANK", "to_account": "ACC001",
                                           "amount": "5000.00", "currency": "USD",
                                           "reference": "fund-1"}, 201)


# ---- accounts --------------------------------------------------------------------------------

def test_account_create_get_and_duplicate():
    env = Env()
    a = env.ok("POST", "/api/v1/accounts", {"id": "ACC001", "currency": "USD"}, 201)
    assert a["id"] == "ACC001" and a["balance"] == "0.00" and a["credits_posted"] == 0
    again = env.ok("POST", "/api/v1/accounts", {"id": "ACC001", "currency": "USD"}, 200)
    assert again["duplicate"] is True
    env.error("POST", "/api/v1/accounts", {"id": "ACC001", "currency": "EUR"}, 409,
              "exists_with_different_fields", "currency")
    got = env.ok("GET", "/api/v1/accounts/ACC001")
    assert got["currency"] == "USD" and got["flags"] == []
    env.error("GET", "/api/v1/accounts/NOPE", None, 404, "account_not_found", "id")
    env.check_clean()


def test_bad_account_input_is_400_and_writes_nothing():
    env = Env()
    before = env.svc.store.wal.stats()["records"]
    for body, field in (({"id": "bad id!", "currency": "USD"}, "id"),
                        ({"id": "A1", "currency": "usd"}, "currency"),
                        ({"id": "A1"}, "currency"),
                        ({"id": "A1", "currency": "USD", "flags": ["nope"]}, "flags"),
                        ({"id": "A1", "currency": "USD", "colour": "red"}, "colour"),
                        ({"accounts": []}, "accounts"),
                        ({"accounts": [{"id": "A1", "currency": "USD"}, 5]}, "accounts[1]")):
        r = env.request("POST", "/api/v1/accounts", body)
        assert r.status == 400 and r.json()["error"]["field"] == field, (body, r.body)
    env.error("POST", "/api/v1/accounts", b"{\"id\": ", 400, "invalid_json", "body")
    assert env.svc.store.wal.stats()["records"] == before
    env.check_clean()


# ---- the seed's transfer ------------------------------------------------------------------

def test_seed_transfer_commits_and_returns_balances():
    env = Env()
    seed_accounts(env)
    out = env.ok("POST", "/api/v1/transaction", {
        "from_account": "ACC001", "to_account": "ACC002", "amount": "1000.00",
        "currency": "USD", "reference": "INV-1"}, 201)
    assert out["status"] == "committed" and out["id"]
    assert out["transfer"]["amount"] == 100000 and out["transfer"]["amount_decimal"] == "1000.00"
    assert out["balances"]["from"]["balance"] == "4000.00"
    assert out["balances"]["to"]["balance"] == "1000.00"
    t = env.ok("GET", "/api/v1/transactions/" + out["id"])
    assert t["reference"] == "INV-1" and t["debit_account_id"] == "ACC001"
    # The same reference and body again: the original, not a second transfer.
    again = env.ok("POST", "/api/v1/transaction", {
        "from_account": "ACC001", "to_account": "ACC002", "amount": "1000.00",
        "currency": "USD", "reference": "INV-1"}, 200)
    assert again["duplicate"] is True and again["id"] == out["id"]
    assert again["balances"]["from"]["balance"] == "4000.00"
    # The same reference with another amount: 409 naming the field.
    env.error("POST", "/api/v1/transaction", {
        "from_account": "ACC001", "to_account": "ACC002", "amount": "999.00",
        "currency": "USD", "reference": "INV-1"}, 409, "exists_with_different_fields", "amount")
    env.check_clean()


def test_seed_transfer_rules_are_4xx_with_codes():
    env = Env()
    seed_accounts(env)

    def t(**kw):
        body = {"from_account": "ACC001", "to_account": "ACC002", "amount": "1.00",
                "currency": "USD"}
        body.update(kw)
        for k in [k for k in body if body[k] is None]:
            del body[k]
        return body
    env.error("POST", "/api/v1/transaction", t(to_account="NOPE"), 404, "account_not_found",
              "to_account")
    env.error("POST", "/api/v1/transaction", t(amount="99999.00"), 422, "exceeds_credits")
    env.error("POST", "/api/v1/transaction", t(to_account="EUR1"), 422, "currency_mismatch")
    env.error("POST", "/api/v1/transaction", t(to_account="ACC001"), 422,
              "accounts_must_be_different")
    before = env.svc.store.wal.stats()["records"]
    for body, field in ((t(amount="1.001"), "amount"), (t(amount="-1.00"), "amount"),
                        (t(amount="0"), "amount"), (t(amount=1.005), "amount"),
                        (t(amount="1e5"), "amount"), (t(amount="9" * 30), "amount"),
                        (t(amount=True), "amount"), (t(currency="ZZZ"), "currency"),
                        (t(from_account=None), "from_account"), (t(amount=None), "amount"),
                        (t(reference=""), "reference"), (t(reference="a\u0001b"), "reference"),
                        (t(extra=1), "extra"), ([1, 2], "body")):
        r = env.request("POST", "/api/v1/transaction", body)
        assert r.status == 400, (body, r.status, r.body)
        if field is not None:
            assert r.json()["error"]["field"] == field, (body, r.body)
    for raw in (b"{", b"[", b"{\"from_account\": \"A\",}", b"\xff\xfe"):
        env.error("POST", "/api/v1/transaction", raw, 400, "invalid_json")
    assert env.svc.store.wal.stats()["records"] == before   # nothing written
    acc = env.ok("GET", "/api/v1/accounts/ACC001")
    assert acc["balance"] == "5000.00"
    env.check_clean()


# ---- batches, linked chains, two-phase -------------------------------------------------------

def test_batch_results_and_linked_chain():
    env = Env()
    seed_accounts(env)
    out = env.ok("POST", "/api/v1/transactions", {"transfers": [
        {"id": "B1", "debit_account_id": "ACC001", "credit_account_id": "ACC002",
         "amount": "10.00", "currency": "USD"},
        {"id": "B2", "debit_account_id": "ACC001", "credit_account_id": "ACC002",
         "amount_minor": 500, "currency": "USD", "flags": ["linked"]},
        {"id": "B3", "debit_account_id": "ACC002", "credit_account_id": "NOPE",
         "amount": "1.00", "currency": "USD"},
        {"debit_account_id": "ACC001", "credit_account_id": "ACC002", "amount": "1.00",
         "currency": "USD"}]})
    codes = [r["code"] for r in out["results"]]
    assert codes == ["ok", "linked_event_failed", "account_not_found", "ok"], out
    assert out["committed"] == 2 and out["failed"] == 2
    assert out["results"][2]["field"] == "credit_account_id"
    assert env.request("GET", "/api/v1/transactions/B2").status == 404   # undone with its chain
    gen = out["results"][3]["id"]
    assert env.ok("GET", "/api/v1/transactions/" + gen)["amount"] == 100
    assert env.ok("GET", "/api/v1/accounts/ACC002")["balance"] == "11.00"
    # 8191 items: 400, nothing written.
    before = env.svc.store.wal.stats()["records"]
    item = {"debit_account_id": "ACC001", "credit_account_id": "ACC002", "amount_minor": 1,
            "currency": "USD"}
    try:
        requests.transfer_items({"transfers": [item] * 8191})  # (over HTTP: system tests)
        raise AssertionError("8191 items taken")
    except requests.RequestError as e:
        assert e.code == "too_many_items" and e.field == "transfers"
    assert len(requests.transfer_items({"transfers": [item] * 8190})) == 8190
    env.error("POST", "/api/v1/transactions", {"transfers": [{"debit_account_id": "ACC001"}]},
              400, "invalid_field", "transfers[0].credit_account_id")
    assert env.svc.store.wal.stats()["records"] == before
    env.check_clean()


def test_pending_post_void_and_history():
    env = Env()
    seed_accounts(env)
    out = env.ok("POST", "/api/v1/transactions", {"transfers": [
        {"id": "P1", "debit_account_id": "ACC001", "credit_account_id": "ACC002",
         "amount": "100.00", "currency": "USD", "flags": ["pending"]},
        {"id": "P2", "debit_account_id": "ACC001", "credit_account_id": "ACC002",
         "amount": "50.00", "currency": "USD", "flags": ["pending"]}]})
    assert out["committed"] == 2
    acc = env.ok("GET", "/api/v1/accounts/ACC001")
    assert acc["debits_pending"] == 15000 and acc["available"] == "4850.00"
    posted = env.ok("POST", "/api/v1/transactions/P1/post", {"amount": "60.00",
                                                              "currency": "USD"}, 201)
    assert posted["amount"] == 6000 and posted["pending_id"] == "P1"
    assert env.ok("GET", "/api/v1/transactions/P1")["state"] == "posted"
    env.error("POST", "/api/v1/transactions/P1/void", {}, 409,
              "pending_transfer_already_posted")
    voided = env.ok("POST", "/api/v1/transactions/P2/void", b"", 201)
    assert voided["pending_id"] == "P2"
    env.error("POST", "/api/v1/transactions/NOPE/post", {}, 404, "pending_transfer_not_found")
    acc = env.ok("GET", "/api/v1/accounts/ACC001")
    assert acc["debits_pending"] == 0 and acc["balance"] == "4940.00"
    page = env.ok("GET", "/api/v1/accounts/ACC001/transfers?limit=2")
    assert len(page["transfers"]) == 2 and page["next"] is not None
    assert page["transfers"][0]["timestamp"] > page["transfers"][1]["timestamp"]
    rest = env.ok("GET", "/api/v1/accounts/ACC001/transfers?limit=100&before=%d" % page["next"])
    assert len(rest["transfers"]) == 3 and rest["next"] is None   # fund, P1, P2 + 2 above
    env.error("GET", "/api/v1/accounts/ACC001/transfers?limit=0", None, 400, "invalid_field",
              "limit")
    env.check_clean()


def test_pending_transfer_expires_by_itself():
    env = Env()
    seed_accounts(env)
    env.ok("POST", "/api/v1/transactions", {"transfers": [
        {"id": "P1", "debit_account_id": "ACC001", "credit_account_id": "ACC002",
         "amount": "100.00", "currency": "USD", "flags": ["pending"], "timeout": 2}]})

    async def wait():
        await env.sched.sleep_ms(3000)
    env.run(wait())
    assert env.ok("GET", "/api/v1/transactions/P1")["state"] == "expired"
    assert env.ok("GET", "/api/v1/accounts/ACC001")["debits_pending"] == 0
    env.check_clean()


# ---- durability ----------------------------------------------------------------------------

def test_the_service_reports_its_own_checkpoint_and_apply_timings():
    # make bench reads these instead of wrapping the service's methods.
    env = Env()
    seed_accounts(env)
    before = env.svc.transactions()
    env.run(env.svc.checkpoint())
    env.run(env.svc.checkpoint())
    t = env.svc.transactions()
    assert t["checkpoints"] == before["checkpoints"] + 2
    for key in ("checkpoint_last_ms", "checkpoint_total_ms", "checkpoint_max_ms",
                "snapshot_total_ms", "snapshot_max_ms", "apply_ms"):
        assert isinstance(t[key], int) and t[key] >= 0, (key, t)
    assert t["checkpoint_last_ms"] <= t["checkpoint_max_ms"] <= t["checkpoint_total_ms"]
    assert t["snapshot_max_ms"] <= t["checkpoint_max_ms"]


def test_state_survives_a_power_cut_and_verify_passes():
    env = Env()
    seed_accounts(env)
    ids = []
    for i in range(20):
        out = env.ok("POST", "/api/v1/transaction", {
            "from_account": "ACC001", "to_account": "ACC002", "amount": "1.%02d" % i,
            "currency": "USD", "reference": "R%d" % i}, 201)
        ids.append(out["id"])
    env.run(env.svc.checkpoint())
    for i in range(20, 30):
        ids.append(env.ok("POST", "/api/v1/transaction", {
            "from_account": "ACC001", "to_account": "ACC002", "amount": "1.%02d" % i,
            "currency": "USD", "reference": "R%d" % i}, 201)["id"])
    problems, figures = env.run(env.svc.verify())
    assert problems == [] and figures["records"] == 10, (problems, figures)
    live = env.svc.ledger.snapshot()
    env.disk.power_cut()
    env2 = Env(env.media)
    assert env2.svc.state == "up", env2.svc.reason
    assert env2.svc.ledger.snapshot() == live
    for tid in ids:
        env2.ok("GET", "/api/v1/transactions/" + tid)
    problems, _ = env2.run(env2.svc.verify())
    assert problems == []
    # New ids after the restart never collide with the old ones.
    out = env2.ok("POST", "/api/v1/transaction", {"from_account": "ACC001",
                                                  "to_account": "ACC002", "amount": "1.00",
                                                  "currency": "USD"}, 201)
    assert out["id"] not in ids
    env2.check_clean()


def test_corruption_marks_the_ledger_down_and_the_api_answers_503():
    env = Env()
    seed_accounts(env)
    for i in range(5):
        env.ok("POST", "/api/v1/transaction", {"from_account": "ACC001", "to_account": "ACC002",
                                               "amount": "1.00", "currency": "USD"}, 201)
    sb = env.svc.store.sb
    env.disk.power_cut()
    # Damage the first record's payload (later groups follow it: committed data).
    off = sb.wal_lba * BLOCK + 128 + 3
    env.media.data[off] ^= 0x40
    env2 = Env(env.media)
    assert env2.svc.state == "down" and env2.svc.reason.find("corruption") >= 0, env2.svc.reason
    assert env2.svc.status().startswith("down")
    env2.error("GET", "/api/v1/accounts/ACC001", None, 503, "ledger_unavailable")
    env2.error("POST", "/api/v1/transaction", {"from_account": "ACC001", "to_account": "ACC002",
                                               "amount": "1.00", "currency": "USD"}, 503,
               "ledger_unavailable")


def test_full_log_refuses_with_507_and_keeps_what_was_committed():
    env = Env()
    seed_accounts(env)
    env.svc.verifying = True          # no checkpoint: the ring fills up
    # (with refused transfers: they take log space, not ledger space, so the snapshot that
    # frees the log later fits its area)
    ref = 0
    status = 201
    while status == 201:
        ref += 1
        r = env.request("POST", "/api/v1/transactions", {"transfers": [
            {"debit_account_id": "BANK", "credit_account_id": "NOPE", "amount_minor": 1,
             "currency": "USD", "reference": "F%d-%d" % (ref, i), "user_data": "x" * 200}
            for i in range(200)]})
        status = 201 if r.status == 200 else r.status
    assert status == 507, status
    assert r.json()["error"]["code"] == "disk_full"
    committed = env.svc.ledger.stats()["transfers"]
    assert committed == 1
    env.svc.verifying = False
    env.run(env.svc.checkpoint())     # a checkpoint frees the log
    env.ok("POST", "/api/v1/transaction", {"from_account": "BANK", "to_account": "ACC002",
                                           "amount": "1.00", "currency": "USD"}, 201)
    assert env.svc.ledger.stats()["transfers"] == committed + 1
    env.check_clean()


def _small(accounts, transfers):
    t = dict(CFG["transaction"])
    t["max_accounts"] = accounts
    t["max_transfers"] = transfers
    return {"network": CFG["network"], "transaction": t}


def test_capacity_refuses_with_507_before_logging_and_keeps_what_was_committed():
    env = Env(cfg=_small(4, 6))
    seed_accounts(env)                            # 4 accounts, 1 transfer
    wal = env.svc.store.wal
    before = wal.bytes_written
    e = env.error("POST", "/api/v1/accounts", {"id": "MORE", "currency": "USD"}, 507,
                  "ledger_full")
    assert e["message"].find("4 accounts") >= 0 and e["message"].find("max_accounts") >= 0, e
    batch = [{"debit_account_id": "BANK", "credit_account_id": "ACC002", "amount_minor": 1,
              "currency": "USD", "reference": "C%d" % i} for i in range(6)]
    # Room is reserved for every event of a request, failures included: 6 do not fit 5 left.
    env.error("POST", "/api/v1/transactions", {"transfers": batch}, 507, "ledger_full")
    assert wal.bytes_written == before            # nothing of the refused requests was logged
    r = env.ok("POST", "/api/v1/transactions", {"transfers": batch[:5]})
    assert r["committed"] == 5, r
    e = env.error("POST", "/api/v1/transaction", {"from_account": "BANK", "to_account": "ACC002",
                                                  "amount": "1.00", "currency": "USD"}, 507,
                  "ledger_full")
    assert e["message"].find("6 transfers") >= 0 and e["message"].find("max_transfers") >= 0, e
    assert env.svc.ledger.stats()["transfers"] == 6
    assert env.svc._reserved == [0, 0]            # every reservation was given back
    assert env.svc.at_capacity == 3
    problems, _ = env.run(env.svc.verify())
    assert problems == [], problems
    # The storage reserved at boot held it all: nothing grew.
    assert env.svc.ledger.capacity == (4, 6)
    env.check_clean()


def test_capacity_is_limited_to_what_the_heap_holds_at_the_worst():
    room = ledger.HEAP_RESERVE + 2 * ledger.ACCOUNT_BYTES + 30 * ledger.TRANSFER_BYTES
    env = Env(cfg=_small(4, 100), heap_free=lambda: room)
    acc, tr = env.svc.capacity
    assert acc < 4 and tr < 100 and acc * ledger.ACCOUNT_BYTES + tr * ledger.TRANSFER_BYTES \
        <= room - ledger.HEAP_RESERVE, (acc, tr)
    assert [line for line in env.logs if line.find("fewer than configured (4, 100)") >= 0]
    env.ok("POST", "/api/v1/accounts", {"id": "A1", "currency": "USD"}, 201)
    env.check_clean()


# ---- the record format -------------------------------------------------------------------

def test_record_round_trip_and_refusal():
    evs = [{"id": "T1", "debit_account_id": "A", "credit_account_id": "B", "amount": 5,
            "currency": "USD", "reference": "r \u00e9", "flags": 2, "timeout": 9},
           {"id": "T2", "pending_id": "T1", "flags": 4}]
    rec = requests.encode(requests.CREATE_TRANSFERS, 42, evs)
    assert requests.decode(rec) == (requests.CREATE_TRANSFERS, 42, evs)
    assert requests.decode(requests.encode(requests.PULSE, 7, [])) == (requests.PULSE, 7, [])
    for bad in (b"", b"QXR2 T 1", b"QXR1 T x", b"QXR1 T 1\x1eA\x1fB", b"\xff"):
        try:
            requests.decode(bad)
        except requests.RecordError:
            continue
        raise AssertionError("decoded %r" % bad)


def test_default_layout_fits_a_small_disk_for_its_segment_size():
    from transaction import superblock
    # 64 MiB with 16 MiB segments: two segments, the rest to the checkpoint areas.
    sb = superblock.layout(131072, 16 << 20, b"0123456789abcdef")
    assert sb.nseg == 2 and sb.ckpt_blocks >= 8
    assert sb.wal_lba + sb.nseg * sb.seg_size // BLOCK <= 131072 - 16
    sb = superblock.layout(524288, 16 << 20, b"0123456789abcdef")   # 256 MiB: a quarter each
    assert sb.ckpt_blocks == (524288 - 64 - 16) // 4 // 8 * 8 and sb.nseg >= 4


def test_damage_to_the_last_group_is_found_once_the_burst_is_sealed():
    # Without a later group, damage to the last group looks like a torn write (FORMAT.md); the
    # service appends an empty record once the log is quiet, so the burst's last group has a
    # later group and damage to it is corruption, not a silently cut tail.
    env = Env()
    seed_accounts(env)
    last = env.ok("POST", "/api/v1/transaction", {"from_account": "ACC001",
                                                  "to_account": "ACC002", "amount": "1.00",
                                                  "currency": "USD"}, 201)

    async def quiet():
        await env.sched.sleep_ms(2000)
    env.run(quiet())
    assert env.svc.seals >= 1
    sb = env.svc.store.sb
    env.disk.power_cut()
    # Find the last data record with a payload (the transfer) and flip a bit in its payload.
    from transaction import wal as walmod
    data = env.media.data
    found = None
    for i in range(sb.nseg * sb.seg_size // BLOCK):
        lba = sb.wal_lba + i
        h = walmod.parse_header(bytes(data[lba * BLOCK:(lba + 1) * BLOCK]), 0)
        if h is not None and h.log_id == sb.log_id and h.length > 0:
            found = lba
    assert found is not None
    data[found * BLOCK + 128 + 3] ^= 0x10
    env2 = Env(env.media)
    assert env2.svc.state == "down" and env2.svc.reason.find("corruption") >= 0, \
        (env2.svc.reason, last["id"])
