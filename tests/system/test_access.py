# Who may do what, in the booted kernel (security/ACCESS.md): every role x every HTTP route
# and console command, plus no credential and a wrong one, each expecting exactly allow or
# deny; a second factor (TOTP made with pyotp) for privileged actions; revocation at once;
# the audit trail holding every state change, its tree head verified by qenex-audit.
import base64
import json
import os
import subprocess
import time

import pyotp
import pytest

from qemu_console import Kernel, free_port
from security import access
from tests.host.support import fakeauthn
from tools.apiclient import Api

ROLES = access.ROLES
# A value for each path parameter: nothing the requests below could harm.
PARAMS = {"{id}": "NOPE", "{kind}": "cpu", "{key_id}": "0000000000000000",
          "{name}": "nope"}
# Bodies that every allowed role gets a 4xx (not 401/403) or a harmless 2xx for.
BODIES = {
    ("POST", "/api/v1/auth/mfa/totp"): {"digits": 5},           # 400: enrolls nothing
    ("POST", "/api/v1/auth/mfa/hotp"): {"secret": "!"},         # 400
    ("POST", "/api/v1/auth/keys"): {"scopes": ["nope"]},        # 400: makes no key
    ("POST", "/api/v1/auth/principals"): {"id": "x"},           # 400: no role
    ("POST", "/api/v1/auth/principals/{id}/keys"): {},          # 404: no principal NOPE
    ("PATCH", "/api/v1/auth/principals/{id}"): {},              # 404
    ("POST", "/api/v1/accounts"): {"id": "bad id!", "currency": "USD"},       # 400
    ("POST", "/api/v1/transaction"): {"from_account": "A"},     # 400
    ("POST", "/api/v1/transactions"): {"transfers": []},        # 400
}


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    disk = str(tmp_path_factory.mktemp("access") / "disk.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    k = Kernel(disk=disk, http_port=free_port())
    k.wait_prompt(timeout=120)
    assert k.api_key, "the first boot printed no admin api key"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with k.api() as c:
                if c.request("GET", "/health")[0] == 200:
                    break
        except OSError:
            pass
        time.sleep(0.3)
    # The admin's second factor, then a principal of every other role.
    with k.api() as c:
        s, d = c.request("POST", "/api/v1/auth/mfa/totp", {})
        assert s == 201, (s, d)
        k.totp = pyotp.TOTP(d["secret"])
        k.last_code_step = -1
        s, d = c.request("POST", "/api/v1/auth/mfa/totp/confirm", {"code": otp(k)})
        assert s == 200, (s, d)
        k.keys = {"admin": k.api_key}
        # A one-time code is good once: privileged calls below use a WebAuthn session (a
        # hardware key made on the host), the console a code.
        k.session = webauthn_session(k)
        for role in ROLES[1:]:
            with k.api(key=k.session) as s_api:
                s, d = s_api.request("POST", "/api/v1/auth/principals",
                                     {"id": role, "role": role})
            assert s == 201, (role, s, d)
            k.keys[role] = d["key"]
    yield k
    k.close()


def otp(k):
    """A TOTP code the kernel has not seen yet: a code is good once, and the kernel takes the
    step of now or the next one; past that, wait for time to move on."""
    while True:
        now = int(time.time()) // 30
        step = max(now, k.last_code_step + 1)
        if step <= now + 1:
            k.last_code_step = step
            return k.totp.at(step * 30)
        time.sleep(30 - time.time() % 30 + 0.2)


def webauthn_session(k):
    """Register a P-256 hardware key (tests/host/support/fakeauthn.py) and open a session
    with it: the second factor for privileged calls."""
    auth = fakeauthn.FakeAuthenticator(fakeauthn.ES256, os.urandom(31) + b"\x01",
                                       os.urandom(16))
    rp, origin = "localhost", "http://localhost:8080"
    with k.api() as c:
        s, opts = c.request("POST", "/api/v1/auth/webauthn/register/begin", {})
        assert s == 200, (s, opts)
        cdj, att = auth.register(rp, origin, unb64(opts["challenge"]))
        s, d = c.request("POST", "/api/v1/auth/webauthn/register",
                         {"client_data_json": b64(cdj), "attestation_object": b64(att)})
        assert s == 201, (s, d)
        cid = d["credential_id"]
        s, opts = c.request("POST", "/api/v1/auth/webauthn/assert/begin", {})
        cdj, ad, sig = auth.assertion(rp, origin, unb64(opts["challenge"]))
        s, d = c.request("POST", "/api/v1/auth/webauthn/assert", {
            "credential_id": cid, "client_data_json": b64(cdj), "authenticator_data": b64(ad),
            "signature": b64(sig)})
        assert s == 201 and d["mfa"] is True, (s, d)
    return d["session"]


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(t):
    return base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))


def routes(k):
    with k.api() as c:
        s, doc = c.request("GET", "/api/v1/openapi.json")
    assert s == 200
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            out.append((method.upper(), path, op["x-permission"]))
    return out


def concrete(path):
    for name, value in PARAMS.items():
        path = path.replace(name, value)
    return path


def test_the_route_table_and_the_served_routes_agree(kernel):
    served = {(m, p) for m, p, _ in routes(kernel)}
    assert served == set(access.ROUTES), (served ^ set(access.ROUTES))


def test_every_role_and_every_route_is_exactly_allowed_or_denied(kernel):
    wrong = "qx_0123456789abcdef_" + "0" * 64
    for method, path, perm in routes(kernel):
        body = BODIES.get((method, path), {} if method in ("POST", "PATCH") else None)
        url = concrete(path)
        for who in ("none", "wrong") + ROLES:
            key = {"none": None, "wrong": wrong}.get(who, kernel.keys.get(who))
            headers = {}
            if who == "admin" and perm in access.PRIVILEGED:
                key = kernel.session
            with Api(kernel.http_port, timeout=60, key=key) as c:
                s, d = c.request(method, url, body, headers)
            allowed = perm == access.OPEN or (
                who in ROLES and access.role_allows(who, perm))
            what = "%s %s as %s (%s): %s %r" % (method, url, who, perm, s, d)
            if allowed:
                assert s not in (401, 403), what
            elif who in ("none", "wrong"):
                assert s == 401, what
                assert d["error"]["code"] in ("unauthenticated", "invalid_credential"), what
            else:
                assert s == 403 and d["error"]["code"] == "permission_denied", what
                assert perm in d["error"]["message"], what


CONSOLE = [  # (command line, permission); the destructive ones are harmless here
    ("whoami", "open"), ("uptime", "open"), ("help", "open"),
    ("status", "system.read"), ("metrics cpu", "system.read"), ("tasks", "system.read"),
    ("config show", "system.read"), ("devices", "system.read"), ("entropy", "system.read"),
    ("disk info", "system.read"), ("network", "system.read"),
    ("debug memory", "system.admin"), ("selftest no-such-test", "system.admin"),
    ("ledger format", "system.admin"),          # refused by the ledger: it holds a ledger
    ("ledger checkpoint", "system.admin"),
    ("ledger", "ledger.read"), ("ledger account NOPE", "ledger.read"),
    ("ledger verify", "ledger.read"),
    ("audit", "audit.read"), ("audit verify", "audit.read"),
    ("users", "auth.admin"),
    ("screening", "compliance.read"), ("screen NOPE", "compliance.screen"),
    ("cases", "compliance.read"), ("alerts", "compliance.read"),
]


def test_every_role_and_every_console_command_is_exactly_allowed_or_denied(kernel):
    k = kernel
    for who in ("none",) + ROLES:
        k.cmd("logout")
        if who != "none":
            line = "login " + k.keys[who]
            if who == "admin":
                line += " " + otp(k)
            out = k.cmd(line)
            if who == "service":
                assert "login failed" in out and "no console" in out, out
            else:
                assert "logged in as %s" % who in out, out
        for line, perm in CONSOLE:
            out = k.cmd(line, timeout=120)
            role = None if who in ("none", "service") else who
            allowed = perm == access.OPEN or (role is not None and
                                              access.role_allows(role, perm))
            denied = "error: permission denied" in out
            assert denied != allowed, "%s as %s (%s): %r" % (line, who, perm, out)
    for line in ("python", "reboot", "halt"):      # denied to all but admin
        k.cmd("logout")
        k.cmd("login " + k.keys["operator"])
        out = k.cmd(line)
        assert "error: permission denied" in out and "system.admin" in out, out
    k.cmd("logout")
    k.cmd("login " + k.keys["admin"])


def test_revoked_key_fails_at_once_and_the_audit_trail_verifies(kernel, tmp_path):
    k = kernel
    with k.api(key=k.keys["operator"]) as c:
        s, d = c.request("POST", "/api/v1/auth/keys", {})
        assert s == 201, (s, d)
        new = d["key"]
    with k.api(key=new) as c:
        assert c.request("GET", "/api/v1/auth/whoami")[1]["id"] == "operator"
        s, _ = c.request("DELETE", "/api/v1/auth/keys/" + d["id"])
        assert s == 204
        s, d2 = c.request("GET", "/api/v1/auth/whoami")
        assert s == 401 and d2["error"]["code"] == "invalid_credential", (s, d2)
    out = k.cmd("audit verify", timeout=120)
    assert "audit verify: ok" in out, out
    env = dict(os.environ, QENEX_API_KEY=k.keys["auditor"])
    state = str(tmp_path / "audit-state.json")
    url = "http://127.0.0.1:%d" % k.http_port
    r = subprocess.run(["qenex-audit", "--url", url, "verify", "--state", state],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0 and "audit verify: ok" in r.stdout, r.stdout + r.stderr
    with k.api() as c:       # more entries, then the tree must extend the saved one
        c.request("POST", "/api/v1/accounts", {"id": "AUD1", "currency": "USD"})
    r = subprocess.run(["qenex-audit", "--url", url, "verify", "--state", state],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0 and "audit verify: ok" in r.stdout, r.stdout + r.stderr
    with open(state) as f:
        assert json.load(f)


def test_unauthenticated_transaction_is_401_with_www_authenticate(kernel):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", kernel.http_port, timeout=10)
    c.request("POST", "/api/v1/transaction", body=b'{"from_account": "A"}',
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read())
    assert r.status == 401 and r.getheader("WWW-Authenticate").startswith("Bearer")
    assert body["error"]["code"] == "unauthenticated" and body["error"]["field"] == \
        "authorization"
