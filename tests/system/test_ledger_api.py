# The ledger in the booted kernel: the seed's POST /api/v1/transaction with curl against
# accounts made through the API, idempotency, every class of bad input (a 4xx naming the
# field, nothing written), batches of 8190 and 8191, two-phase, the console commands, and the
# state after a kill and a boot on the same disk.
import json
import subprocess
import time

import pytest

from qemu_console import ISO, Kernel, free_port
from tools.apiclient import Api


def boot(disk, iso=None):
    k = Kernel(iso or ISO, disk=disk, http_port=free_port())
    # Recovery reports on the console before the prompt.
    k.expect(r"ledger: [^\r\n]*\r+\n", timeout=300)
    k.wait_prompt()
    wait_ledger(k)
    return k


def wait_ledger(k, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # the DHCP lease, the listener, then recovery
        try:
            s, body = call(k, "GET", "/health")
            if s == 200:
                break
        except OSError:
            pass
        time.sleep(0.3)
    else:
        raise AssertionError("the ledger never came up: " + k.output()[-2000:])


def call(k, method, path, body=None, headers=None, raw=None):
    with Api(k.http_port, timeout=60, key=k.api_key) as c:     # a connection of its own
        return c.request_json(method, path, raw if raw is not None else body, headers)


def ledger_state(k):
    """What the ledger holds and logged of its own (not the audit trail's entries)."""
    m = call(k, "GET", "/api/v1/metrics/transactions")[1]
    return (m["ledger_records"], m["committed"], m["rejected"], m["accounts"], m["transfers"])


def audit_size(k):
    return call(k, "GET", "/api/v1/audit/sth")[1]["tree_size"]


@pytest.fixture(scope="module")
def led(tmp_path_factory):
    disk = str(tmp_path_factory.mktemp("ledger") / "disk.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    # A long timeout_seconds: the 8190 batch takes seconds in the kernel under TCG (make bench
    # measures it); here it is about results, not speed.
    from test_config import make_iso
    iso = make_iso(tmp_path_factory.mktemp("iso"),
                   system_text="[transaction]\ntimeout_seconds = 300\n")
    k = boot(disk, iso)
    k.disk = disk
    k.iso = iso
    s, out = call(k, "POST", "/api/v1/accounts", {"accounts": [
        {"id": "BANK", "currency": "USD"},
        {"id": "ACC001", "currency": "USD", "flags": ["debits_must_not_exceed_credits"]},
        {"id": "ACC002", "currency": "USD", "flags": ["debits_must_not_exceed_credits"]},
        {"id": "EUR1", "currency": "EUR"}]})
    assert s == 200 and out["committed"] == 4, out
    s, out = call(k, "POST", "/api/v1/transaction", {"from_account": "BANK",
                                                     "to_account": "ACC001",
                                                     "amount": "5000.00", "currency": "USD",
                                                     "reference": "fund-ACC001"})
    assert s == 201, out
    yield k
    k.close()


SEED = {"from_account": "ACC001", "to_account": "ACC002", "amount": "1000.00",
        "currency": "USD", "reference": "INV-2026-0001"}


def test_seed_example_with_curl(led):
    url = "http://127.0.0.1:%d/api/v1/transaction" % led.http_port
    # Without a credential: 401, nothing written (README, "First boot").
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", url,
                          "-H", "Content-Type: application/json", "-d", json.dumps(SEED)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.endswith("\n401") and '"unauthenticated"' in out, out
    out = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", url,
         "-H", "Authorization: Bearer " + led.api_key,
         "-H", "Content-Type: application/json", "-d", json.dumps(SEED)],
        capture_output=True, text=True, check=True, timeout=60).stdout
    body, code = out.rsplit("\n", 1)
    assert code == "201", out
    t = json.loads(body)
    assert t["status"] == "committed" and t["transfer"]["amount"] == 100000
    assert t["balances"]["from"]["balance"] == "4000.00"
    assert t["balances"]["to"]["balance"] == "1000.00"
    s, got = call(led, "GET", "/api/v1/transactions/" + t["id"])
    assert s == 200 and got["reference"] == SEED["reference"]
    # A retry with the same reference and body: the original transfer, nothing new.
    s, again = call(led, "POST", "/api/v1/transaction", SEED)
    assert s == 200 and again["duplicate"] is True and again["id"] == t["id"]
    s, acc = call(led, "GET", "/api/v1/accounts/ACC001")
    assert acc["balance"] == "4000.00"
    bad = dict(SEED, amount="999.99")
    s, err = call(led, "POST", "/api/v1/transaction", bad)
    assert s == 409 and err["error"]["code"] == "exists_with_different_fields"
    assert err["error"]["field"] == "amount"


def test_rules_broken_are_4xx_with_codes(led):
    cases = ((dict(SEED, reference="r1", to_account="NOPE"), 404, "account_not_found",
              "to_account"),
             (dict(SEED, reference="r2", amount="100000.00"), 422, "exceeds_credits", None),
             (dict(SEED, reference="r3", to_account="EUR1"), 422, "currency_mismatch", None))
    for body, status, code, field in cases:
        s, out = call(led, "POST", "/api/v1/transaction", body)
        assert s == status and out["error"]["code"] == code, (body, s, out)
        if field:
            assert out["error"]["field"] == field


def test_bad_input_is_400_and_writes_nothing(led):
    before = ledger_state(led)
    entries = audit_size(led)
    cases = ((dict(SEED, amount="1.001"), "amount"), (dict(SEED, amount="-5.00"), "amount"),
             (dict(SEED, amount="0.00"), "amount"), (dict(SEED, amount="1e400"), "amount"),
             (dict(SEED, amount="9" * 40), "amount"), (dict(SEED, amount=[1]), "amount"),
             (dict(SEED, currency="XYZ"), "currency"), (dict(SEED, from_account=7),
                                                        "from_account"),
             (dict(SEED, reference="x" * 129), "reference"), ({"to_account": "A"},
                                                              "from_account"))
    for body, field in cases:
        s, out = call(led, "POST", "/api/v1/transaction", body)
        assert s == 400 and out["error"]["field"] == field, (body, s, out)
    for raw in ('{"from_account":', "[1, 2", '{"a": tru}', "\xff"):
        s, out = call(led, "POST", "/api/v1/transaction", raw=raw.encode("latin-1"))
        assert s == 400 and out["error"]["code"] == "invalid_json", (raw, s, out)
    s, out = call(led, "POST", "/api/v1/transaction", raw=json.dumps(SEED).encode(),
                  headers={"Content-Type": "text/plain"})
    assert s == 415
    item = {"debit_account_id": "BANK", "credit_account_id": "ACC002", "amount_minor": 1,
            "currency": "USD"}
    s, out = call(led, "POST", "/api/v1/transactions", {"transfers": [item] * 8191})
    assert s == 400 and out["error"]["code"] == "too_many_items", out
    assert ledger_state(led) == before
    # Nothing in the ledger; each refused request (but the 415, refused before any handler)
    # has its audit entry (security/AUDIT.md).
    n = audit_size(led) - entries
    assert n == 15, n
    s, page = call(led, "GET", "/api/v1/audit/entries?start=%d&count=15" % entries)
    assert [(e["entry"]["kind"], e["entry"]["status"]) for e in page["entries"]] == \
        [("request", 400)] * 15, page


def test_batch_of_8190_and_two_phase(led):
    items = [{"debit_account_id": "BANK", "credit_account_id": "ACC002", "amount_minor": 1,
              "currency": "USD", "reference": "batch-%d" % i} for i in range(8190)]
    s, out = call(led, "POST", "/api/v1/transactions", {"transfers": items})
    assert s == 200 and out["committed"] == 8190 and len(out["results"]) == 8190, \
        (s, str(out)[:500])
    s, out = call(led, "POST", "/api/v1/transactions", {"transfers": [
        {"id": "HOLD1", "debit_account_id": "ACC001", "credit_account_id": "ACC002",
         "amount": "300.00", "currency": "USD", "flags": ["pending"]}]})
    assert out["results"][0]["code"] == "ok", out
    s, acc = call(led, "GET", "/api/v1/accounts/ACC001")
    assert acc["debits_pending"] == 30000 and acc["available"] == "3700.00"
    s, post = call(led, "POST", "/api/v1/transactions/HOLD1/post", {"amount": "100.00",
                                                                    "currency": "USD"})
    assert s == 201 and post["amount"] == 10000, post
    s, hold = call(led, "GET", "/api/v1/transactions/HOLD1")
    assert hold["state"] == "posted"
    s, err = call(led, "POST", "/api/v1/transactions/HOLD1/void", {})
    assert s == 409 and err["error"]["code"] == "pending_transfer_already_posted"
    s, page = call(led, "GET", "/api/v1/accounts/ACC001/transfers?limit=2")
    assert s == 200 and len(page["transfers"]) == 2 and page["next"] is not None


def test_console_commands(led):
    out = led.cmd("ledger account ACC001")
    assert "balance   3900.00 USD" in out, out
    out = led.cmd("ledger")
    assert "ledger: up" in out and "committed" in out, out
    out = led.cmd("metrics transactions")
    assert "committed" in out and "wal" in out.lower(), out
    out = led.cmd("ledger verify", timeout=300)
    assert "ledger verify: ok" in out, out


def test_openapi_lists_the_ledger(led):
    s, doc = call(led, "GET", "/api/v1/openapi.json")
    for path in ("/api/v1/accounts", "/api/v1/accounts/{id}", "/api/v1/transaction",
                 "/api/v1/transactions", "/api/v1/transactions/{id}/post"):
        assert path in doc["paths"], path


def test_survives_a_kill_and_a_boot_on_the_same_disk(led):
    s, before = call(led, "GET", "/api/v1/accounts/ACC002")
    s, t = call(led, "POST", "/api/v1/transaction", dict(SEED, reference="last-before-kill",
                                                         amount="1.00"))
    assert s == 201
    led.p.kill(9)
    led.p.wait()
    k = boot(led.disk, led.iso)
    try:
        s, got = call(k, "GET", "/api/v1/transactions/" + t["id"])
        assert s == 200 and got["amount"] == 100
        s, acc = call(k, "GET", "/api/v1/accounts/ACC002")
        assert acc["credits_posted"] == before["credits_posted"] + 100
        out = k.cmd("ledger verify", timeout=300)
        assert "ledger verify: ok" in out, out
    finally:
        k.close()


def test_a_disk_with_other_data_is_never_formatted_over(tmp_path):
    disk = str(tmp_path / "foreign.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
        f.seek(0)
        f.write(b"not a ledger" * 100)
    k = Kernel(disk=disk, http_port=free_port())
    try:
        k.expect(r"ledger: down: the disk holds data that is not a ledger", timeout=120)
        k.wait_prompt()
        with open(disk, "rb") as f:
            assert f.read(12) == b"not a ledger"        # untouched
        assert "format" in k.cmd("ledger")
        # No credentials without a ledger: the console is a maintenance console until the
        # format; then the security service starts on the new disk and shows its admin key.
        assert "maintenance" in k.cmd("whoami")
        out = k.cmd("ledger format", timeout=120)
        assert "ledger: up" in out, out
        wait_ledger(k)
        deadline = time.monotonic() + 60
        while not k.take_key():           # the line is in the console's output by now
            assert time.monotonic() < deadline, k.output()[-2000:]
            k.cmd("uptime")
        s, out = call(k, "POST", "/api/v1/accounts", {"id": "A1", "currency": "EUR"})
        assert s == 201, out
        assert "permission denied" in k.cmd("ledger format")   # logged out now
        assert "logged in as admin" in k.cmd("login " + k.api_key)
        out = k.cmd("ledger format")
        assert "error: only a disk that holds no ledger" in out, out   # never over a ledger
    finally:
        k.close()
