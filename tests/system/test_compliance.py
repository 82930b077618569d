# Compliance in the booted kernel (compliance/SCREENING.md): the boot module's lists load in
# the background and screening answers the seed's example from them; a transfer to a listed
# party is held as a pending transfer until a compliance officer releases (posts) or rejects
# (voids) it, and nobody else can post it; KYC refuses an unapproved holder when required; a
# list upload swaps atomically and a malformed one leaves the list in force; AML alerts and
# the CTR come from committed transfers.
import csv
import io
import os
import tarfile
import time

import pytest
import test_access as access_tests

from qemu_console import LISTS_ISO, Kernel, free_port

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WATCHMAN = os.path.join(REPO, "..", "shared", "testdata", "sanctions", "watchman")
SDN = os.path.join(WATCHMAN, "test", "testdata", "sdn.csv")
LOAD_TIMEOUT = 900          # the full lists under TCG, on a busy 2-core machine


def sdn_rows():
    with open(SDN, encoding="utf-8", errors="replace", newline="") as f:
        return [r for r in csv.reader(f) if len(r) >= 4]


def wait_lists(c, timeout=LOAD_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s, d = c.request("GET", "/api/v1/compliance/lists")
        assert s == 200, (s, d)
        if d["state"] == "ready" and d["loading"] is None:
            return d
        time.sleep(2)
    raise AssertionError("lists not loaded in %d s: %r" % (timeout, d))


def make_principal(c, pid, role):
    s, d = c.request("POST", "/api/v1/auth/principals", {"id": pid, "role": role})
    assert s == 201, (s, d)
    s, d = c.request("POST", "/api/v1/auth/principals/%s/keys" % pid, {})
    assert s == 201, (s, d)
    return d["key"]


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    assert os.path.isfile(SDN), "the reference lists are missing: %s" % SDN
    disk = str(tmp_path_factory.mktemp("compliance") / "disk.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    k = Kernel(iso=LISTS_ISO, disk=disk, http_port=free_port())
    k.wait_prompt(timeout=120)
    with k.api(timeout=120) as c:
        k.lists = wait_lists(c)
    yield k
    k.close()


def test_lists_in_force_and_status(kernel):
    d = kernel.lists
    by = {x["name"]: x for x in d["lists"]}
    rows = sdn_rows()
    assert by["ofac_sdn"]["entries"] == len(rows)
    assert by["ofac_sdn"]["origin"] == "boot"
    for name in ("un", "us_csl", "pep", "ofac_cons", "bis_dpl"):
        assert by[name]["entries"] > 0, name
        assert by[name]["version"], name
    out = kernel.cmd("screening", timeout=60)
    assert "ofac_sdn" in out and str(len(rows)) in out, out


def test_seed_screen_example(kernel):
    with kernel.api() as c:
        s, d = c.request("POST", "/api/v1/compliance/screen", {
            "entity": {"name": "AEROCARIBBEAN AIRLINES", "type": "entity", "country": "CU"}})
    assert s == 200, (s, d)
    assert d["hit"] is True
    top = d["matches"][0]
    assert top["list"] == "ofac_sdn" and top["entry_id"] == "36", top
    assert top["score"] == "1.0000" and top["score_bp"] == 10000
    assert top["why"]["tokens"], top
    assert 0 < d["candidates"] < 2000, d["candidates"]


def test_screen_variants_and_misses(kernel):
    rows = sdn_rows()
    person = next(r for r in rows if r[2].strip() == "individual" and ", " in r[1]
                  and len(r[1].split(", ")[0].split()) == 1)
    last, first = person[1].split(", ", 1)
    with kernel.api() as c:
        # Reordered and lower case: the same person.
        s, d = c.request("POST", "/api/v1/compliance/screen", {
            "entity": {"name": "%s %s" % (first.lower(), last.lower()), "type": "individual"}})
        assert s == 200 and d["hit"], (person, d)
        assert d["matches"][0]["entry_id"] == person[0]
        # A made-up name and a generic company name: no hit.
        for name in ("Wilhelmina Quartermaine-Oyelaran", "International Trading Company"):
            s, d = c.request("POST", "/api/v1/compliance/screen", {"entity": {"name": name}})
            assert s == 200 and not d["hit"], (name, d)


def test_screen_bad_input_names_the_field(kernel):
    with kernel.api() as c:
        for body, field in (({}, "entity"), ({"entity": {}}, "entity.name"),
                            ({"entity": {"name": "x", "type": "robot"}}, "entity.type"),
                            ({"entity": {"name": "x", "country": "Atlantis"}}, "entity.country"),
                            ({"entity": {"name": "x", "dob": "1990-13-01"}}, "entity.dob"),
                            ({"entity": {"name": "x"}, "threshold": 0.9}, "threshold")):
            s, d = c.request("POST", "/api/v1/compliance/screen", body)
            assert s == 400, (body, s, d)
            assert d["error"]["field"] == field, (body, d)


def test_batch_screening(kernel):
    with kernel.api() as c:
        s, d = c.request("POST", "/api/v1/compliance/screen/batch", {"entities": [
            {"id": "c1", "name": "BANCO NACIONAL DE CUBA"},
            {"id": "c2", "name": "Wilhelmina Quartermaine-Oyelaran"}]})
    assert s == 200, (s, d)
    assert d["screened"] == 2 and d["hits"] == 1
    assert d["results"][0]["id"] == "c1" and d["results"][0]["hit"]
    assert not d["results"][1]["hit"]


def _customer(c, cid, name, ctype="individual", country="US"):
    s, d = c.request("POST", "/api/v1/compliance/customers", {
        "id": cid, "type": ctype, "name": name, "country": country,
        "documents": [{"type": "passport", "number": "P%s" % cid, "country": country,
                       "expires": "2031-01-01"}]})
    assert s in (200, 201), (s, d)
    return d


def _account(c, aid, customer=None):
    s, d = c.request("POST", "/api/v1/accounts", {"id": aid, "currency": "USD"})
    assert s == 201, (s, d)
    if customer is not None:
        s, d = c.request("POST", "/api/v1/compliance/customers/%s/accounts" % customer,
                         {"account_id": aid})
        assert s in (200, 201), (s, d)


def _balance(c, aid):
    s, d = c.request("GET", "/api/v1/accounts/%s" % aid)
    assert s == 200, (s, d)
    return d["credits_posted"] - d["debits_posted"], d["debits_pending"]


def test_transfer_to_listed_party_is_held_until_an_officer_decides(kernel):
    officer = make_principal_once(kernel, "officer1", "compliance_officer")
    teller = make_principal_once(kernel, "teller1", "operator")
    with kernel.api(key=teller) as c:
        _customer(c, "alice", "Alice Example")
        _customer(c, "bnc", "BANCO NACIONAL DE CUBA", "entity", "CU")
        _account(c, "ALICE", "alice")
        _account(c, "BNC", "bnc")
        _account(c, "CAROL")
        # Not listed: committed at once.
        s, d = c.request("POST", "/api/v1/transaction", {
            "from_account": "ALICE", "to_account": "CAROL", "amount": "10.00",
            "currency": "USD"})
        assert s == 201 and d["status"] == "committed", (s, d)
        # To a listed party: held (a pending transfer) with a case.
        held = []
        for ref in ("pay-bnc-1", "pay-bnc-2"):
            s, d = c.request("POST", "/api/v1/transaction", {
                "from_account": "ALICE", "to_account": "BNC", "amount": "250.00",
                "currency": "USD", "reference": ref})
            assert s == 202 and d["status"] == "held", (s, d)
            assert "pending" in d["transfer"]["flags"]
            held.append((d["case_id"], d["id"]))
        assert _balance(c, "BNC") == (0, 0)
        assert _balance(c, "ALICE") == (-1000, 50000)
        # The teller cannot post it, nor read or decide the case.
        s, d = c.request("POST", "/api/v1/transactions/%s/post" % held[0][1], {})
        assert s == 409 and d["error"]["code"] == "held_for_compliance", (s, d)
        s, d = c.request("POST", "/api/v1/compliance/cases/%s/release" % held[0][0], {})
        assert s == 403, (s, d)
    with kernel.api(key=officer) as c:
        s, d = c.request("GET", "/api/v1/compliance/cases?state=open")
        assert s == 200
        open_ids = [x["id"] for x in d["cases"]]
        assert held[0][0] in open_ids and held[1][0] in open_ids
        case = c.request("GET", "/api/v1/compliance/cases/%s" % held[0][0])[1]
        party = case["parties"][0]
        assert party["customer_id"] == "bnc" and party["matches"][0]["list"] == "ofac_sdn"
        s, d = c.request("POST", "/api/v1/compliance/cases/%s/release" % held[0][0],
                         {"note": "false positive: documents checked"})
        assert s == 200 and d["state"] == "released" and d["decided_by"] == "officer1", d
        s, d = c.request("POST", "/api/v1/compliance/cases/%s/reject" % held[1][0], {})
        assert s == 200 and d["state"] == "rejected", d
        s, d = c.request("POST", "/api/v1/compliance/cases/%s/reject" % held[0][0], {})
        assert s == 409 and d["error"]["code"] == "case_closed", (s, d)
        assert _balance(c, "BNC") == (25000, 0)
        assert _balance(c, "ALICE") == (-26000, 0)
    # Every step is in the audit trail.
    with kernel.api() as c:
        n = c.request("GET", "/api/v1/audit/entries?count=1")[1]["tree_size"]
        s, d = c.request("GET", "/api/v1/audit/entries?start=%d&count=1000" % max(0, n - 1000))
        assert s == 200
        routes = [(x["entry"].get("actor"), x["entry"].get("route"), x["entry"].get("status"))
                  for x in d["entries"]]
        assert ("teller1", "/api/v1/transaction", 202) in routes
        assert ("officer1", "/api/v1/compliance/cases/{id}/release", 200) in routes
        assert ("officer1", "/api/v1/compliance/cases/{id}/reject", 200) in routes


def make_principal_once(kernel, pid, role):
    """A principal of ``role`` and its key; the admin's privileged calls go through a
    WebAuthn session (a hardware key made on the host: test_access.webauthn_session)."""
    keys = getattr(kernel, "principal_keys", None)
    if keys is None:
        keys = kernel.principal_keys = {}
        kernel.session = access_tests.webauthn_session(kernel)
    if pid not in keys:
        with kernel.api(key=kernel.session) as c:
            keys[pid] = make_principal(c, pid, role)
    return keys[pid]


def test_list_upload_swaps_and_a_bad_file_keeps_the_list(kernel):
    small = os.path.join(WATCHMAN, "internal", "ofactest", "testdata")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in ("sdn.csv", "alt.csv", "add.csv"):
            tar.add(os.path.join(small, name), arcname=name)
    with kernel.api() as c:
        before = {x["name"]: x for x in c.request("GET", "/api/v1/compliance/lists")[1]["lists"]}
        bad = open(os.path.join(WATCHMAN, "test", "testdata", "invalidFiles", "sdn.csv"),
                   "rb").read()
        s, d = c.request("PUT", "/api/v1/compliance/lists/ofac_sdn", bad,
                         {"Content-Type": "text/csv"})
        assert s == 422, (s, d)
        assert d["error"]["code"] == "invalid_list" and "sdn.csv:" in d["error"]["message"]
        after = {x["name"]: x for x in c.request("GET", "/api/v1/compliance/lists")[1]["lists"]}
        assert after["ofac_sdn"]["version"] == before["ofac_sdn"]["version"]
        assert after["ofac_sdn"]["entries"] == before["ofac_sdn"]["entries"]
        # A good upload (a tar of the list's files) is in force at once, and audited.
        s, d = c.request("PUT", "/api/v1/compliance/lists/ofac_sdn", buf.getvalue(),
                         {"Content-Type": "application/x-tar"})
        assert s == 200, (s, d)
        with open(os.path.join(small, "sdn.csv"), encoding="utf-8", newline="") as f:
            rows = [r for r in csv.reader(f) if r]
        assert d["entries"] == len(rows) and d["origin"] == "upload by admin", d
        assert d["version"] != before["ofac_sdn"]["version"]
        s, d = c.request("POST", "/api/v1/compliance/screen",
                         {"entity": {"name": rows[1][1]}})
        assert s == 200 and d["matches"][0]["entry_id"] == rows[1][0], d
        n = c.request("GET", "/api/v1/audit/entries?count=1")[1]["tree_size"]
        s, d = c.request("GET", "/api/v1/audit/entries?start=%d&count=20" % max(0, n - 20))
        puts = [x["entry"]["status"] for x in d["entries"]
                if x["entry"].get("route") == "/api/v1/compliance/lists/{name}"]
        assert puts[-2:] == [422, 200], puts
