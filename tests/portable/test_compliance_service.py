# Portable tests of the compliance package (compliance/service.py, api.py) attached as the
# kernel attaches it, after the ledger and security, on the real HTTP server over in-memory
# streams: screening over the API, a transfer to a listed party held as a pending transfer
# with a case until an officer releases or rejects it (and nobody else can post it), KYC
# enforcement, AML alerts from committed cash deposits with the CTR and SAR drafts, a list
# upload that fails leaving the list in force, and the state surviving a restart. The list
# is a small OFAC-format file written here. Plain asserts: they run in the kernel too.
from compliance import package as compliance_package
from kernel import config as kconfig
from tests.portable import test_security_service as sec

# OFAC's legacy SDN layout: ent_num, name, type, programs, ..., remarks ("-0- " is empty).
SDN = (b'7001,"NORTHWIND MARITIME TRADING LLC",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
       b'-0- ,"Registration ID 55 (Panama)."\n'
       b'7002,"KOVALENKO, Dmitri Ivanovich","individual","UKRAINE-EO13660",-0- ,-0- ,-0- ,'
       b'-0- ,-0- ,-0- ,-0- ,"DOB 12 Mar 1961; nationality Russia."\n')
ALT = b'7002,901,"aka","KOVALENKO, Dima"," "\n'
CASH = "CASH-VAULT"


def cfg(**compliance):
    c = sec.config()
    comp = dict(kconfig.defaults()["compliance"])
    comp["cash_accounts"] = (CASH,)
    comp.update(compliance)
    c["compliance"] = comp
    return c


class Env(sec.Env):
    def __init__(self, media=None, lists=True, **compliance):
        def attach(env):
            env.k.services["compliance"] = env.comp = compliance_package.attach(env.k)
        sec.Env.__init__(self, media=media, cfg=cfg(**compliance), before_start=attach)
        self.keys = {}
        self.code = None
        if lists:
            self.run(self.comp.load_list("ofac_sdn", {"sdn.csv": SDN, "alt.csv": ALT}, "test"))

    def principal(self, pid, role):
        if self.code is None:
            self.code = self.totp(self.key)
        if pid not in self.keys:
            self.call("POST", "/api/v1/auth/principals", {"id": pid, "role": role}, 201,
                      headers=(("X-QENEX-OTP", self.code()),))
            d = self.call("POST", "/api/v1/auth/principals/%s/keys" % pid, {}, 201,
                          headers=(("X-QENEX-OTP", self.code()),))
            self.keys[pid] = d["key"]
        return self.keys[pid]

    def call(self, method, path, body=None, status=200, key=None, headers=()):
        if type(body) is bytes:
            r = self.raw(method, path, body, key or self.key)
        else:
            r = self.request(method, path, body, key or self.key, headers)
        assert r.status == status, (method, path, r.status, r.body)
        return r.json() if r.body else None

    def raw(self, method, path, data, key):
        req = (method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n"
               b"Authorization: Bearer " + key.encode() + b"\r\n"
               b"Content-Type: text/csv\r\n"
               b"Content-Length: %d\r\n\r\n" % len(data)) + data
        cl = self.net.connect(sec.PORT)
        cl.write(req)
        rs = self.run(sec._read_one(cl))
        cl.close()
        return rs[0]


def test_screen_api_hits_misses_and_field_errors():
    env = Env()
    d = env.call("POST", "/api/v1/compliance/screen",
                 {"entity": {"name": "Dmitri Kovalenko", "type": "individual"}})
    assert d["hit"] and d["matches"][0]["entry_id"] == "7002"
    assert d["matches"][0]["list"] == "ofac_sdn"
    d = env.call("POST", "/api/v1/compliance/screen",
                 {"entity": {"name": "Northwind Maritime Trading", "country": "PA"}})
    assert d["hit"] and d["matches"][0]["entry_id"] == "7001"
    d = env.call("POST", "/api/v1/compliance/screen", {"entity": {"name": "Grace Hopper"}})
    assert not d["hit"] and d["matches"] == []
    d = env.call("POST", "/api/v1/compliance/screen", {"entity": {"name": ""}}, 400)
    assert d["error"]["field"] == "entity.name"
    d = env.call("POST", "/api/v1/compliance/screen", {"entity": {"name": "x"}, "limit": 0}, 400)
    assert d["error"]["field"] == "limit"
    for k in ("aliases", "type", "country", "dob"):
        d = env.call("POST", "/api/v1/compliance/screen", {"entity": {"name": "x", k: None}},
                     400)
        assert d["error"]["field"] == "entity." + k, d
    d = env.call("POST", "/api/v1/compliance/screen", {"entity": {"name": "x"},
                                                       "threshold": None}, 400)
    assert d["error"]["field"] == "threshold"


def test_screening_without_lists_is_503():
    env = Env(lists=False)
    d = env.call("POST", "/api/v1/compliance/screen", {"entity": {"name": "A B"}}, 503)
    assert d["error"]["code"] == "no_lists"


def test_bad_upload_keeps_the_list_in_force():
    env = Env()
    before = env.comp.screening.lists["ofac_sdn"].data.version
    bad = SDN + b'7003,"UNTERMINATED QUOTE,-0- ,"SDGT"\n'
    d = env.call("PUT", "/api/v1/compliance/lists/ofac_sdn", bad, 422)
    assert d["error"]["code"] == "invalid_list" and "sdn.csv:3" in d["error"]["message"], d
    assert env.comp.screening.lists["ofac_sdn"].data.version == before
    d = env.call("PUT", "/api/v1/compliance/lists/no_such_list", b"x", 404)
    assert d["error"]["code"] == "unknown_list"


def _setup_parties(env, teller):
    env.call("POST", "/api/v1/compliance/customers",
             {"id": "alice", "type": "individual", "name": "Alice Example", "country": "US"},
             201, key=teller)
    env.call("POST", "/api/v1/compliance/customers",
             {"id": "nw", "type": "entity", "name": "NORTHWIND MARITIME TRADING",
              "country": "PA"}, 201, key=teller)
    for aid in ("ALICE", "NW", CASH):
        env.call("POST", "/api/v1/accounts", {"id": aid, "currency": "USD"}, 201, key=teller)
    env.call("POST", "/api/v1/compliance/customers/alice/accounts", {"account_id": "ALICE"},
             key=teller)
    env.call("POST", "/api/v1/compliance/customers/nw/accounts", {"account_id": "NW"},
             key=teller)


def test_transfer_to_listed_party_is_held_then_released_or_rejected():
    env = Env()
    teller = env.principal("teller", "operator")
    officer = env.principal("officer", "compliance_officer")
    _setup_parties(env, teller)
    nw = env.call("GET", "/api/v1/compliance/customers/nw", key=officer)
    assert nw["screening"] == "hit", nw
    held = []
    for ref in ("r1", "r2"):
        d = env.call("POST", "/api/v1/transaction",
                     {"from_account": "ALICE", "to_account": "NW", "amount": "100.00",
                      "currency": "USD", "reference": ref}, 202, key=teller)
        assert d["status"] == "held" and "pending" in d["transfer"]["flags"]
        held.append(d)
    # A retry of a held transfer is the same transfer, not a second case.
    d = env.call("POST", "/api/v1/transaction",
                 {"from_account": "ALICE", "to_account": "NW", "amount": "100.00",
                  "currency": "USD", "reference": "r1"}, 200, key=teller)
    assert d["duplicate"] and len(env.comp.cases.cases) == 2
    d = env.call("POST", "/api/v1/transactions/%s/post" % held[0]["id"], {}, 409, key=teller)
    assert d["error"]["code"] == "held_for_compliance"
    env.call("POST", "/api/v1/compliance/cases/%s/release" % held[0]["case_id"], {}, 403,
             key=teller)
    c = env.call("POST", "/api/v1/compliance/cases/%s/release" % held[0]["case_id"],
                 {"note": "checked"}, key=officer)
    assert c["state"] == "released" and c["decided_by"] == "officer"
    c = env.call("POST", "/api/v1/compliance/cases/%s/reject" % held[1]["case_id"], {},
                 key=officer)
    assert c["state"] == "rejected"
    a = env.call("GET", "/api/v1/accounts/NW", key=officer)
    assert a["credits_posted"] == 10000 and a["credits_pending"] == 0
    a = env.call("GET", "/api/v1/accounts/ALICE", key=officer)
    assert a["debits_posted"] == 10000 and a["debits_pending"] == 0
    # Durable: after a power cut and a restart the cases are as they were.
    env.disk.power_cut()
    env2 = Env(media=env.media, lists=False)
    got = env2.comp.cases.counts()
    assert got["released"] == 1 and got["rejected"] == 1 and got["open"] == 0, got
    assert env2.comp.kyc.holder("NW") == "nw"


def test_a_batch_with_a_held_item():
    env = Env()
    teller = env.principal("teller", "operator")
    _setup_parties(env, teller)
    d = env.call("POST", "/api/v1/transactions", {"transfers": [
        {"debit_account_id": "ALICE", "credit_account_id": CASH, "amount": "5.00",
         "currency": "USD"},
        {"debit_account_id": "ALICE", "credit_account_id": "NW", "amount": "7.00",
         "currency": "USD"}]}, 200, key=teller)
    assert d["committed"] == 2 and d["held"] == 1, d
    assert d["results"][0]["code"] == "ok" and d["results"][1]["code"] == "held"
    assert d["results"][1]["case_id"] in env.comp.cases.cases


def test_require_kyc_refuses_accounts_of_unapproved_customers():
    env = Env(require_kyc=True)
    teller = env.principal("teller", "operator")
    officer = env.principal("officer", "compliance_officer")
    env.call("POST", "/api/v1/compliance/customers",
             {"id": "bob", "type": "individual", "name": "Bob Example", "country": "US",
              "documents": [{"type": "passport", "number": "X1", "country": "US",
                             "expires": "2035-01-01"}]}, 201, key=teller)
    for aid in ("BOB", CASH):
        env.call("POST", "/api/v1/accounts", {"id": aid, "currency": "USD"}, 201, key=teller)
    env.call("POST", "/api/v1/compliance/customers/bob/accounts", {"account_id": "BOB"},
             key=teller)
    d = env.call("POST", "/api/v1/transaction", {"from_account": CASH, "to_account": "BOB",
                                                 "amount": "1.00", "currency": "USD"}, 403,
                 key=teller)
    assert d["error"]["code"] == "kyc_pending" and d["error"]["field"] == "to_account", d
    d = env.call("POST", "/api/v1/compliance/customers/bob/approve", {}, 409, key=officer)
    assert d["error"]["field"] == "document_status"
    env.call("POST", "/api/v1/compliance/customers/bob/documents", {"status": "verified"},
             key=officer)
    c = env.call("POST", "/api/v1/compliance/customers/bob/approve", {}, key=officer)
    assert c["status"] == "approved" and c["next_review"]
    env.call("POST", "/api/v1/transaction", {"from_account": CASH, "to_account": "BOB",
                                             "amount": "1.00", "currency": "USD"}, 201,
             key=teller)


async def _pause(env, ms):
    await env.sched.sleep_ms(ms)


def test_structuring_raises_an_alert_with_ctr_and_sar_drafts():
    env = Env()
    teller = env.principal("teller", "operator")
    officer = env.principal("officer", "compliance_officer")
    _setup_parties(env, teller)
    ids = []
    for i in range(3):
        d = env.call("POST", "/api/v1/transaction",
                     {"from_account": CASH, "to_account": "ALICE", "amount": "9500.00",
                      "currency": "USD", "reference": "dep-%d" % i}, 201, key=teller)
        ids.append(d["id"])
        env.run(_pause(env, 50))
    env.run(_pause(env, 500))
    d = env.call("GET", "/api/v1/compliance/alerts?account_id=ALICE", key=officer)
    rules = [a["rule"] for a in d["alerts"]]
    assert "structuring" in rules, d
    alert = [a for a in d["alerts"] if a["rule"] == "structuring"][0]
    assert alert["evidence"] == ids and alert["customer_id"] == "alice"
    sar = env.call("POST", "/api/v1/compliance/reports/sar", {"alert_ids": [alert["id"]]},
                   key=officer)
    assert sar["part_i_subjects"][0]["customer_id"] == "alice", sar
    assert ids[0] in sar["part_v_narrative"], sar["part_v_narrative"]
    day = env.comp.clock_ns() // (86400 * 10 ** 9)
    from compliance import reporting
    date = reporting.business_day(day * 86400 * 10 ** 9)
    ctr = env.call("GET", "/api/v1/compliance/reports/ctr?date=" + date, key=officer)
    assert len(ctr["reports"]) == 1, ctr
    env.call("GET", "/api/v1/compliance/reports/ctr?date=2026-13-01", None, 400, key=officer)
    env.call("POST", "/api/v1/compliance/alerts/%s/escalate" % alert["id"], {}, key=officer)
    got = env.call("GET", "/api/v1/compliance/alerts?status=escalated", key=officer)
    assert [a["id"] for a in got["alerts"]] == [alert["id"]]


def test_console_commands():
    env = Env()
    teller = env.principal("teller", "operator")
    _setup_parties(env, teller)
    env.call("POST", "/api/v1/transaction", {"from_account": "ALICE", "to_account": "NW",
                                             "amount": "1.00", "currency": "USD"}, 202,
             key=teller)
    sh = sec.Shell()
    env.console("login " + env.key, sh)
    out = "\n".join(env.console("screening", sh).lines)
    assert "ofac_sdn" in out and "2 entries" in out and "3 names" in out, out
    out = "\n".join(env.console("screen dmitri kovalenko", sh).lines)
    assert "7002" in out and "KOVALENKO" in out, out
    out = "\n".join(env.console("screen grace hopper", sh).lines)
    assert "no match" in out, out
    out = "\n".join(env.console("cases open", sh).lines)
    assert "1 open" in out and "ALICE -> NW" in out, out
    out = "\n".join(env.console("alerts", sh).lines)
    assert "0 open" in out, out
    env.console("logout", sh)
    out = "\n".join(env.console("cases", sh).lines)
    assert "permission denied" in out, out
    health = env.comp.health()
    assert health[0] == "up" and "ofac_sdn" in health[1], health


PEP = (b'[{"DATA_SOURCE": "PEP", "RECORD_ID": "P77", "RECORD_TYPE": "PERSON", '
       b'"NAMES": [{"NAME_TYPE": "PRIMARY", "NAME_FULL": "Marisol Quintanilla Obregon"}], '
       b'"DATES": [{"DATE_OF_BIRTH": "1968-02-03"}]}]')


def test_a_pep_match_shows_on_the_customer_and_does_not_hold_payments():
    env = Env()
    env.run(env.comp.load_list("pep", {"pep.json": PEP}, "test"))
    teller = env.principal("teller", "operator")
    _setup_parties(env, teller)
    c = env.call("POST", "/api/v1/compliance/customers",
                 {"id": "mq", "type": "individual", "name": "Marisol Quintanilla Obregon",
                  "country": "MX"}, 201, key=teller)
    assert c["screening"] == "hit" and "pep P77" in c["screening_detail"], c
    env.call("POST", "/api/v1/accounts", {"id": "MQ", "currency": "USD"}, 201, key=teller)
    env.call("POST", "/api/v1/compliance/customers/mq/accounts", {"account_id": "MQ"},
             key=teller)
    d = env.call("POST", "/api/v1/transaction", {"from_account": "ALICE", "to_account": "MQ",
                                                 "amount": "3.00", "currency": "USD"}, 201,
                 key=teller)
    assert d["status"] == "committed"


def test_a_held_transfer_that_fails_closes_its_case_and_a_retry_opens_a_new_one():
    env = Env()
    teller = env.principal("teller", "operator")
    _setup_parties(env, teller)
    env.call("POST", "/api/v1/accounts", {"id": "POOR", "currency": "USD",
                                          "flags": ["debits_must_not_exceed_credits"]}, 201,
             key=teller)
    env.call("POST", "/api/v1/compliance/customers/alice/accounts", {"account_id": "POOR"},
             key=teller)
    body = {"from_account": "POOR", "to_account": "NW", "amount": "5.00", "currency": "USD",
            "reference": "try-1"}
    d = env.call("POST", "/api/v1/transaction", body, 422, key=teller)
    assert d["error"]["code"] == "exceeds_credits", d
    first = env.comp.cases.get("C00000001")
    assert first["state"] == "not_created" and first["decided_by"] == "system", first
    env.call("POST", "/api/v1/transaction", {"from_account": "ALICE", "to_account": "POOR",
                                             "amount": "10.00", "currency": "USD"}, 201,
             key=teller)
    d = env.call("POST", "/api/v1/transaction", body, 202, key=teller)
    assert d["case_id"] == "C00000002" and env.comp.cases.get("C00000002")["state"] == "open"
