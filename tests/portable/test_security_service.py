# Portable tests of the security package (security/service.py, api.py, console.py) attached as
# the kernel attaches it, on the ledger's log: the real HTTP server over in-memory streams
# with the security guard, the real WAL on an in-memory disk, a fake clock and entropy.
# First boot's admin key, 401/403/429, roles, second factor, revocation, lockout, access
# windows, and the audit trail: an entry per state-changing request, durable across a power
# cut and a checkpoint, its signed tree head and proofs. Plain asserts: they run in the
# kernel too (selftest security).
import binascii

from kernel import commands, packages, process
from kernel.http import response, server
from kernel.http.router import Router
from security import merkle, otp, sign
from security import package as security_package
from tests.portable.support import fakeclock, memnet
from tests.portable.support.faultdisk import FaultDisk, MemDisk
from transaction import package as ledger_package

PORT = 8080
BLOCKS = 8192
T0 = 1767600000            # 2026-01-05 08:00:00 UTC, a Monday


def config(windows=None, **security):
    sec = {"password_min_length": 12, "session_timeout_seconds": 900, "max_failed_logins": 3,
           "lockout_seconds": 60, "audit_log": True, "audit_capacity": 2000,
           "key_hash_iterations": 1000, "rate_limit": 1000, "mfa_for_privileged": True,
           "public_monitoring": False,
           "admin_key_hash": None, "webauthn_rp_id": "localhost",
           "webauthn_origin": "http://localhost:8080"}
    sec.update(security)
    aw = {"admin": None, "operator": None, "auditor": None, "compliance_officer": None,
          "service": None}
    aw.update(windows or {})
    return {"network": {"port": PORT},
            "transaction": {"max_concurrent": 16, "timeout_ms": 30000,
                            "wal_segment_size": 65536, "max_accounts": 1000,
                            "max_transfers": 20000},
            "security": sec, "access_windows": aw}


class Entropy:
    """Deterministic bytes (a counter through SHA-256): the tests need no real randomness."""

    def __init__(self, seed=1):
        self.n = seed * 1000000

    async def read(self, n):
        import hashlib
        out = b""
        while len(out) < n:
            self.n += 1
            out += hashlib.sha256(str(self.n).encode()).digest()
        return out[:n]


class Devices:
    def __init__(self, disk, seed):
        self.disk = disk
        self.entropy = Entropy(seed)


class Shell:
    """What a console command handler needs of kernel.console.Console."""

    def __init__(self):
        self.lines = []
        self.session = None

    def println(self, text=""):
        self.lines.append(str(text))


class Env:
    def __init__(self, media=None, cfg=None, seed=1, start_s=T0, before_start=None):
        self.clock = fakeclock.FakeClock()
        self.start_s = start_s
        self.logs = []
        self.reports = []
        self.sched = process.Scheduler(self.clock, reporter=self._report, max_tasks=128)
        self.media = media if media is not None else MemDisk(BLOCKS)
        self.disk = FaultDisk(self.media, seed=seed, sched=self.sched)
        self.registry = commands.Registry()
        self.cfg = cfg or config()
        self.k = packages.Kernel(self.sched, self.cfg, Devices(self.disk, seed),
                                 log=self.logs.append, clock_ns=self.now_ns,
                                 ticks_us=self.clock.ticks_us, registry=self.registry)
        self.k.services["transaction"] = self.ledger = ledger_package.attach(self.k)
        self.k.services["security"] = self.svc = security_package.attach(self.k)
        if before_start is not None:
            before_start(self)
        for _name, start in self.k.before_prompt:
            self.run(start())
        self.net = memnet.MemNet(self.sched)
        r = Router()
        self.k.install_routes(r)
        self.srv = server.start(self.sched, self.net, self.cfg, router=r, log=self.logs.append,
                                limits=self.k.http_limits, guard=self.k.http_guard)
        self.key = None
        for line in self.logs:
            if line.startswith("admin api key: "):
                self.key = line[len("admin api key: "):]

    def now_ns(self):
        return self.start_s * 10 ** 9 + self.clock.ticks_us() * 1000

    def _report(self, task, exc):
        self.reports.append((task.name, process.format_exception(exc)))

    def run(self, coro, timeout_ms=600000):
        return self.sched.run_until_complete(coro, timeout_ms)

    def request(self, method, path, body=None, key=None, headers=()):
        raw = method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n"
        if key:
            raw += b"Authorization: Bearer " + key.encode() + b"\r\n"
        for name, value in headers:
            raw += name.encode() + b": " + value.encode() + b"\r\n"
        if body is not None:
            data = response.dumps(body).encode()
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

    def ok(self, method, path, body=None, key=None, status=None, headers=()):
        r = self.request(method, path, body, key or self.key, headers)
        assert r.status < 300 and (status is None or r.status == status), (r.status, r.body)
        return r.json() if r.body else None

    def error(self, method, path, body, key, status, code):
        r = self.request(method, path, body, key, ())
        assert r.status == status, (method, path, r.status, r.body)
        assert r.json()["error"]["code"] == code, r.body
        return r

    def totp(self, principal_key):
        """Enroll and confirm a TOTP for the key's principal; returns a code maker."""
        d = self.ok("POST", "/api/v1/auth/mfa/totp", {}, principal_key, 201)
        secret = otp.b32decode(d["secret"])
        state = {"step": 0}

        def code():
            # A new 30 s step for every code: a code is good once.
            self.clock.burn(30 * 1000000)
            state["step"] += 1
            return otp.totp(secret, self.now_ns() // 10 ** 9)
        self.ok("POST", "/api/v1/auth/mfa/totp/confirm", {"code": code()}, principal_key)
        return code

    def audit(self):
        return self.svc.audit

    def console(self, line, sh=None):
        sh = sh or Shell()
        words = line.split()
        c = commands.find(words[0], self.registry)
        refused = self.run(self.registry.guard(sh, c.name, words[1:]))
        if refused is not None:
            sh.lines.append("error: " + refused)
        else:
            self.run(c.handler(sh, words[1:]))
        return sh


async def _read_one(cl):
    def done(buf):
        return len(response.parse_responses(buf)[0]) >= 1
    data = await cl.read_until(done, 60000)
    return response.parse_responses(data)[0]


def seed_accounts(env, key=None):
    env.ok("POST", "/api/v1/accounts", {"accounts": [
        {"id": "A", "currency": "USD"}, {"id": "B", "currency": "USD"}]}, key)
    env.ok("POST", "/api/v1/transactions", {"transfers": [
        {"id": "fund", "debit_account_id": "B", "credit_account_id": "A",
         "amount": "500.00", "currency": "USD"}]}, key)


def test_first_boot_prints_one_admin_key_and_the_api_needs_it():
    env = Env()
    assert env.key is not None and env.key.startswith("qx_"), env.logs
    r = env.error("POST", "/api/v1/transaction", {"from_account": "A", "to_account": "B",
                                                  "amount": "1.00", "currency": "USD"},
                  None, 401, "unauthenticated")
    assert r.headers["www-authenticate"].startswith("Bearer"), r.headers
    env.error("POST", "/api/v1/accounts", {"id": "A", "currency": "USD"},
              "qx_0000000000000000_" + "0" * 64, 401, "invalid_credential")
    assert env.request("GET", "/health").status == 200          # open
    env.error("GET", "/status", None, None, 401, "unauthenticated")
    seed_accounts(env)
    out = env.ok("POST", "/api/v1/transaction", {"from_account": "A", "to_account": "B",
                                                 "amount": "1.00", "currency": "USD"})
    assert out["status"] == "committed"
    me = env.ok("GET", "/api/v1/auth/whoami")
    assert me["id"] == "admin" and me["role"] == "admin", me
    # A second boot on the same disk prints no key, and the first still works.
    again = Env(env.media)
    assert again.key is None and not [x for x in again.logs if "admin api key" in x]
    assert again.ok("GET", "/api/v1/auth/whoami", key=env.key)["id"] == "admin"


def test_roles_allow_exactly_their_permissions():
    env = Env()
    code = env.totp(env.key)
    otp_header = (("X-QENEX-OTP", code()),)
    env.error("POST", "/api/v1/auth/principals", {"id": "teller1", "role": "operator"},
              env.key, 401, "mfa_required")
    keys = {}
    for role in ("operator", "auditor", "compliance_officer", "service"):
        d = env.ok("POST", "/api/v1/auth/principals", {"id": role + "1", "role": role},
                   headers=(("X-QENEX-OTP", code()),), status=201)
        keys[role] = d["key"]
    assert otp_header
    seed_accounts(env, keys["operator"])
    tx = {"from_account": "A", "to_account": "B", "amount": "1.00", "currency": "USD"}
    env.ok("POST", "/api/v1/transaction", tx, keys["operator"], 201)
    env.ok("POST", "/api/v1/transaction", tx, keys["service"], 201)
    for role in ("auditor", "compliance_officer"):
        r = env.error("POST", "/api/v1/transaction", tx, keys[role], 403, "permission_denied")
        assert "ledger.write" in r.json()["error"]["message"]
        env.ok("GET", "/api/v1/accounts/A", key=keys[role])
        env.ok("GET", "/api/v1/audit/sth", key=keys[role])
    env.error("GET", "/status", None, keys["operator"], 403, "permission_denied")
    env.ok("GET", "/status", key=keys["auditor"])
    env.error("GET", "/api/v1/audit/entries", None, keys["operator"], 403, "permission_denied")
    env.error("GET", "/api/v1/auth/principals", None, keys["auditor"], 403, "permission_denied")
    perms = env.ok("GET", "/api/v1/auth/permissions", key=None)
    assert perms["roles"]["operator"] == ["ledger.read", "ledger.write", "compliance.screen",
                                          "kyc.write", "auth.self"]


def test_revoked_key_fails_at_once_and_rotation_keeps_working():
    env = Env()
    d = env.ok("POST", "/api/v1/auth/keys", {}, status=201)
    new = d["key"]
    assert env.ok("GET", "/api/v1/auth/whoami", key=new)["id"] == "admin"
    env.ok("DELETE", "/api/v1/auth/keys/" + d["id"], key=env.key, status=204)
    env.error("GET", "/api/v1/auth/whoami", None, new, 401, "invalid_credential")
    assert env.ok("GET", "/api/v1/auth/whoami")["id"] == "admin"
    # Revocation survives a reboot.
    again = Env(env.media)
    again.error("GET", "/api/v1/auth/whoami", None, new, 401, "invalid_credential")


def test_scoped_key_is_limited_to_its_scopes():
    env = Env()
    d = env.ok("POST", "/api/v1/auth/keys", {"scopes": ["ledger.read"]}, status=201)
    env.ok("GET", "/api/v1/auth/whoami", key=env.key)
    env.error("POST", "/api/v1/accounts", {"id": "Z", "currency": "USD"}, d["key"], 403,
              "permission_denied")


def test_wrong_secrets_lock_the_principal_then_it_unlocks_in_time():
    env = Env()
    kid = env.key.split("_")[1]
    wrong = "qx_" + kid + "_" + "f" * 64
    for _ in range(3):
        env.error("GET", "/api/v1/auth/whoami", None, wrong, 401, "invalid_credential")
    r = env.error("GET", "/api/v1/auth/whoami", None, env.key, 401, "locked")
    assert int(r.headers["retry-after"]) > 0
    env.clock.burn(61 * 1000000)
    assert env.ok("GET", "/api/v1/auth/whoami")["id"] == "admin"


def test_access_window_refuses_outside_and_names_it():
    from security import windows
    w = windows.parse("Mon-Fri 09:00-17:00 UTC")
    env = Env(cfg=config({"operator": w}), start_s=T0)          # Monday 08:00 UTC
    code = env.totp(env.key)
    d = env.ok("POST", "/api/v1/auth/principals", {"id": "teller", "role": "operator"},
               headers=(("X-QENEX-OTP", code()),), status=201)
    r = env.error("GET", "/api/v1/accounts/A", None, d["key"], 403, "outside_access_window")
    assert "09:00-17:00" in r.json()["error"]["message"]
    env.clock.burn(3600 * 1000000)                         # 09:00+
    env.error("GET", "/api/v1/accounts/A", None, d["key"], 404, "account_not_found")


def test_every_state_change_and_failure_is_in_the_audit_trail_durably():
    env = Env()
    seed_accounts(env)
    n0 = env.audit().size()
    env.ok("POST", "/api/v1/transaction", {"from_account": "A", "to_account": "B",
                                           "amount": "2.00", "currency": "USD"})
    env.error("POST", "/api/v1/transaction", {"from_account": "A"}, env.key, 400,
              "invalid_field")
    env.error("POST", "/api/v1/transaction", {}, None, 401, "unauthenticated")
    env.ok("GET", "/api/v1/accounts/A")                          # a read: no entry
    log = env.audit()
    assert log.size() == n0 + 3, log.size()
    kinds = [log.entry(i)["kind"] for i in range(n0, n0 + 3)]
    assert kinds == ["request", "request", "auth_failure"], kinds
    e = log.entry(n0)
    assert e["actor"] == "admin" and e["status"] == 201 and len(e["body_sha256"]) == 64, e
    assert log.entry(n0 + 1)["code"] == "invalid_field"
    assert log.verify() == []
    # Signed tree head and proofs, checked with the verifiers.
    sth = env.ok("GET", "/api/v1/audit/sth")
    key = env.ok("GET", "/api/v1/audit/key")
    root = binascii.unhexlify(sth["root_hash"])
    msg = merkle.sth_signed_bytes(sth["tree_size"], sth["timestamp"], root)
    assert sign.p256_verify(binascii.unhexlify(key["public_key"]), msg,
                            binascii.unhexlify(sth["signature"]))
    p = env.ok("GET", "/api/v1/audit/proof/inclusion?index=%d&tree_size=%d"
               % (n0, sth["tree_size"]))
    assert merkle.verify_inclusion(binascii.unhexlify(p["leaf_hash"]), n0, sth["tree_size"],
                                   [binascii.unhexlify(h) for h in p["audit_path"]], root)
    c = env.ok("GET", "/api/v1/audit/proof/consistency?first=%d&second=%d"
               % (n0, sth["tree_size"]))
    assert merkle.verify_consistency(n0, sth["tree_size"], log.tree.root(n0), root,
                                     [binascii.unhexlify(h) for h in c["consistency"]])
    # A power cut, then a checkpoint and another reboot: the same entries and root.
    size, rt = log.size(), log.tree.root(log.size())
    env.disk.power_cut()
    again = Env(env.media)
    assert again.audit().size() >= size
    assert again.audit().tree.root(size) == rt
    again.run(again.ledger.checkpoint())
    third = Env(again.media)
    assert third.audit().tree.root(size) == rt and third.audit().verify() == []
    assert third.ok("GET", "/api/v1/auth/whoami", key=env.key)["id"] == "admin"


def test_console_needs_a_login_and_audits_admin_commands():
    env = Env()
    sh = env.console("status")
    assert sh.lines[-1].startswith("error: permission denied"), sh.lines
    sh = env.console("login " + "qx_0000000000000000_" + "0" * 64)
    assert sh.lines[-1].startswith("login failed"), sh.lines
    sh = env.console("login " + env.key)
    assert sh.lines[-1].startswith("logged in as admin"), sh.lines
    n = env.audit().size()
    env.console("audit verify", sh)
    assert sh.lines[-1].startswith("audit verify: ok"), sh.lines
    env.console("users", sh)
    assert sh.lines[-1].startswith("error: permission denied") and "login with a one-time" \
        in sh.lines[-1], sh.lines
    env.console("ledger checkpoint", sh)          # system.admin: recorded before it runs
    assert env.audit().entry(env.audit().size() - 1)["command"] == "ledger checkpoint"
    assert env.audit().size() > n


def test_disabled_principal_is_refused_and_unknown_routes_are_closed():
    env = Env()
    code = env.totp(env.key)
    d = env.ok("POST", "/api/v1/auth/principals", {"id": "svc1", "role": "service"},
               headers=(("X-QENEX-OTP", code()),), status=201)
    env.ok("PATCH", "/api/v1/auth/principals/svc1", {"disabled": True},
           headers=(("X-QENEX-OTP", code()),))
    env.error("GET", "/api/v1/auth/whoami", None, d["key"], 401, "principal_disabled")


def test_openapi_document_shows_the_security_scheme_and_each_permission():
    env = Env()
    doc = env.request("GET", "/api/v1/openapi.json").json()      # open
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    post = doc["paths"]["/api/v1/transaction"]["post"]
    assert post["security"] == [{"bearer": []}] and post["x-permission"] == "ledger.write"
    assert "401" in post["responses"] and "403" in post["responses"]
    assert doc["paths"]["/health"]["get"]["security"] == []


def test_hotp_hardware_token_enrolls_and_each_code_works_once():
    secret = bytes(range(20))
    env = Env()
    d = {"secret": otp.b32encode(secret), "counter": 5, "code": otp.hotp(secret, 7)}
    env.ok("POST", "/api/v1/auth/mfa/hotp", d, status=201)          # within the look-ahead
    code = otp.hotp(secret, 8)
    env.ok("POST", "/api/v1/auth/principals", {"id": "t1", "role": "operator"},
           headers=(("X-QENEX-OTP", code),), status=201)
    r = env.request("POST", "/api/v1/auth/principals", {"id": "t2", "role": "operator"},
                    env.key, (("X-QENEX-OTP", code),))
    assert r.status == 401 and r.json()["error"]["code"] == "mfa_invalid", r.body
    # The counter is durable: after a reboot the used code is still refused, the next works.
    again = Env(env.media)
    again.key = env.key
    r = again.request("POST", "/api/v1/auth/principals", {"id": "t2", "role": "operator"},
                      env.key, (("X-QENEX-OTP", code),))
    assert r.status == 401, r.body
    again.ok("POST", "/api/v1/auth/principals", {"id": "t2", "role": "operator"},
             headers=(("X-QENEX-OTP", otp.hotp(secret, 9)),), status=201)


def test_public_monitoring_opens_status_and_metrics_only():
    env = Env(cfg=config(public_monitoring=True))
    assert env.request("GET", "/status").status == 200
    assert env.request("GET", "/metrics").status == 200
    env.error("GET", "/api/v1/accounts/A", None, None, 401, "unauthenticated")
    env.error("GET", "/api/v1/audit/sth", None, None, 401, "unauthenticated")


def test_a_full_audit_trail_refuses_state_changes_with_507_and_never_overflows():
    env = Env(cfg=config(audit_capacity=1000))
    log = env.audit()
    log.capacity = log.size() + 3         # a nearly full trail (the tree has room for more)
    seed = {"id": "X%d", "currency": "USD"}
    got = []
    for i in range(6):
        r = env.request("POST", "/api/v1/accounts", dict(seed, id="X%d" % i), env.key)
        got.append(r.status)
    assert got[:3] == [201, 201, 201] and got[3:] == [507, 507, 507], got
    assert log.size() == log.capacity and log.reserved == 0
    assert env.ledger.state == "up"
    assert env.request("GET", "/api/v1/accounts/X0", None, env.key).status == 200   # reads go on


def test_a_full_log_at_boot_leaves_the_credentials_up_and_the_boot_entry_comes_later():
    from transaction import service as ledger_service
    env = Env()
    refused = []

    def full_log(e):
        # The log has no room for the first two audit entries (a checkpoint frees it later).
        real = e.ledger.append_journal

        async def append(record, timeout_ms=None):
            if record[:4] == b"QXA1" and len(refused) < 2:
                refused.append(record)
                raise ledger_service.Full("WAL full")
            return await real(record, timeout_ms)
        e.ledger.append_journal = append

    again = Env(env.media, before_start=full_log)
    assert again.svc.state == "up", again.svc.reason
    assert any("boot entry not written yet" in x for x in again.logs), again.logs
    assert again.ok("GET", "/api/v1/auth/whoami", key=env.key)["id"] == "admin"
    n = again.audit().size()

    async def later():
        await again.sched.sleep_ms(2500)                 # the retries, one a second
    again.run(later())
    assert len(refused) == 2 and again.audit().size() == n + 1
    assert again.audit().entry(n)["event"] == "boot"


def test_a_full_log_still_lets_the_console_log_in_and_checkpoint_but_not_other_admin_acts():
    from transaction import service as ledger_service
    env = Env()
    real = env.ledger.append_journal

    async def full(record, timeout_ms=None):
        if record[:4] == b"QXA1":
            raise ledger_service.Full("WAL full")
        return await real(record, timeout_ms)
    env.ledger.append_journal = full
    sh = env.console("login " + env.key)
    assert sh.lines[-1].startswith("logged in as admin"), sh.lines
    env.console("debug memory", sh)
    assert "cannot record this now" in sh.lines[-1], sh.lines
    env.console("ledger checkpoint", sh)
    assert sh.lines[-1].startswith("ledger: checkpoint"), sh.lines
