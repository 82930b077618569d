# Portable tests for compliance/kyc.py: validation naming the field, the risk rating's branches,
# the customer lifecycle and its refusals, account links, bounds, and records replayed giving
# the same state. Plain asserts: run by pytest on the host and in the kernel.
import json

from compliance import kyc
from compliance.kyc import Kyc, KycError, add_years, date_of, rate, validate_customer
from tests.portable.support.asserts import raises

DAY = 86400 * 10 ** 9
T0 = 1735732800 * 10 ** 9          # 2025-01-01T12:00:00Z


def person(**kw):
    c = {"id": "C1", "type": "individual", "name": "Ada Lovelace", "country": "GB",
         "dob": "1815-12-10",
         "documents": [{"type": "passport", "number": "P123", "country": "GB",
                        "expires": "2030-01-01"}],
         "document_status": "verified"}
    c.update(kw)
    return c


def field_of(obj):
    return raises(KycError, validate_customer, obj).field


def test_validation_names_the_field():
    assert field_of("x") == "customer"
    assert field_of(person(id="")) == "id"
    assert field_of(person(id="a b")) == "id"
    assert field_of(person(id="x" * 65)) == "id"
    assert field_of(person(type="person")) == "type"
    assert field_of(person(name="   ")) == "name"
    assert field_of(person(name="Ada\nLovelace")) == "name"
    assert field_of(person(name="x" * 201)) == "name"
    assert field_of(person(name=5)) == "name"
    assert field_of(person(aliases="Ada")) == "aliases"
    assert field_of(person(aliases=["A%d" % i for i in range(17)])) == "aliases"
    assert field_of(person(aliases=["ok", "fine", "good", ""])) == "aliases[3]"
    assert field_of(person(dob="1815-13-10")) == "dob"
    assert field_of(person(dob="2023-02-29")) == "dob"
    assert field_of(person(dob="10/12/1815")) == "dob"
    assert field_of(person(country="gb")) == "country"
    assert "\"GB\"" in raises(KycError, validate_customer, person(country="gb")).message
    assert field_of(person(country="UK")) == "country"
    assert field_of(person(address_country="ZZ")) == "address_country"
    assert field_of(person(documents={})) == "documents"
    assert field_of(person(documents=[{}] * 9)) == "documents"
    docs = [{"type": "passport", "number": "1", "country": "GB", "expires": ""},
            {"type": "visa", "number": "1", "country": "GB"}]
    assert field_of(person(documents=docs)) == "documents[1].type"
    docs[1] = {"type": "passport", "number": "1", "country": "GB", "expires": "2024-02-30"}
    assert field_of(person(documents=docs)) == "documents[1].expires"
    docs[1] = {"type": "passport", "number": "", "country": "GB"}
    assert field_of(person(documents=docs)) == "documents[1].number"
    docs[1] = {"type": "passport", "number": "2", "country": "GB", "colour": "red"}
    assert field_of(person(documents=docs)) == "documents[1].colour"
    assert field_of(person(document_status="checked")) == "document_status"
    assert field_of(person(documents=[], document_status="verified")) == "document_status"
    assert field_of(person(document_status="missing")) == "document_status"
    assert field_of(person(pep="no")) == "pep"
    assert field_of(person(pep=1)) == "pep"
    assert field_of(person(nickname="Ada")) == "nickname"
    e = raises(KycError, validate_customer, person(status="approved"))
    assert e.field == "status" and "computed" in e.message
    assert field_of(person(risk="low")) == "risk"
    assert str(raises(KycError, validate_customer, person(type="x"))).startswith("type: ")


def test_validation_cleans_and_defaults():
    c = validate_customer({"id": "E.1-x_", "type": "entity", "name": "  Acme Ltd ",
                           "aliases": ["Acme", "Acme Ltd", "Acme", " ACME Trading "],
                           "country": "DE"})
    assert c["name"] == "Acme Ltd"
    assert c["aliases"] == ["Acme", "ACME Trading"]       # the name and repeats dropped
    assert c["address_country"] == "DE"
    assert c["document_status"] == "missing"
    assert c["documents"] == [] and c["pep"] is False and c["dob"] == ""
    c = validate_customer({"id": "C2", "type": "individual", "name": "B", "country": "US",
                           "documents": [{"type": "national_id", "number": "9",
                                          "country": "US"}]})
    assert c["document_status"] == "submitted"
    assert c["documents"][0]["expires"] == ""
    assert kyc.valid_date("2024-02-29") and not kyc.valid_date("2023-02-29")
    assert not kyc.valid_date("999-01-01") and not kyc.valid_date("2024-1-01")


def test_rate_branches():
    low = validate_customer(person())
    assert rate(low, False, ("IR",)) == ("low", [])
    assert rate(dict(low, pep=True), False, ()) == ("high", ["pep"])
    assert rate(low, True, ()) == ("high", ["screening_hit"])
    assert rate(dict(low, country="IR", address_country="IR"), False, ("IR",)) == \
        ("high", ["country_high_risk:IR", "address_country_high_risk:IR"])
    # a high-risk address alone, and the cross-border reason beside it
    assert rate(dict(low, address_country="IR"), False, ("IR",)) == \
        ("high", ["address_country_high_risk:IR", "cross_border"])
    assert rate(dict(low, document_status="expired"), False, ()) == \
        ("high", ["document_expired"])
    # a document past its date counts once `today` is after it (not on the day itself)
    assert rate(low, False, (), today="2030-01-01") == ("low", [])
    assert rate(low, False, (), today="2030-01-02") == ("high", ["document_expired"])
    assert rate(dict(low, type="entity"), False, ()) == ("medium", ["entity"])
    assert rate(dict(low, document_status="submitted"), False, ()) == \
        ("medium", ["documents_not_verified"])
    assert rate(dict(low, document_status="missing", documents=[]), False, ()) == \
        ("medium", ["documents_not_verified"])
    assert rate(dict(low, address_country="FR"), False, ()) == ("medium", ["cross_border"])
    assert rate(low, False, (), ("GB",)) == \
        ("medium", ["country_medium_risk:GB", "address_country_medium_risk:GB"])
    # every reason is listed, high ones first
    risk, why = rate(dict(low, type="entity", pep=True), True, ())
    assert risk == "high" and why == ["pep", "screening_hit", "entity"]


def test_dates():
    assert date_of(T0) == "2025-01-01"
    assert date_of(0) == "1970-01-01"
    assert add_years("2024-02-29", 1) == "2025-02-28"
    assert add_years("2024-02-29", 4) == "2028-02-29"
    assert add_years("2025-01-01", 3) == "2028-01-01"


def new(**kw):
    k = Kyc(max_customers=kw.pop("max_customers", 100), **kw)
    return k


def test_upsert_pending_and_rated():
    k = new()
    r = k.upsert(person(), T0)
    assert r["t"] == "customer" and k.get("C1") is None     # nothing changes before apply
    k.apply(r)
    c = k.get("C1")
    assert c["status"] == "pending" and c["risk"] == "low" and c["risk_reasons"] == []
    assert c["created"] == T0 and c["updated"] == T0
    assert c["next_review"] == "" and c["screening"] == "none"
    k.apply(k.upsert(person(pep=True), T0 + 5))
    c = k.get("C1")
    assert c["risk"] == "high" and c["risk_reasons"] == ["pep"]
    assert c["created"] == T0 and c["updated"] == T0 + 5
    c["name"] = "changed"                                      # get() is a copy
    assert k.get("C1")["name"] == "Ada Lovelace"


def test_approve_needs_verified_documents():
    k = new()
    k.apply(k.upsert(person(document_status="submitted"), T0))
    e = raises(KycError, k.approve, "C1", T0)
    assert e.field == "document_status" and e.code == "conflict"
    assert "verified" in e.message
    k.apply(k.set_documents("C1", "verified", T0 + 1, by="officer1"))
    k.apply(k.approve("C1", T0 + 2, by="officer1", reason="ok"))
    c = k.get("C1")
    assert c["status"] == "approved" and c["status_by"] == "officer1"
    assert c["reviewed"] == "2025-01-01" and c["next_review"] == "2028-01-01"   # low: 3 years


def test_approve_refuses_expired_document():
    k = new()
    k.apply(k.upsert(person(documents=[{"type": "passport", "number": "1", "country": "GB",
                                        "expires": "2024-12-31"}]), T0))
    e = raises(KycError, k.approve, "C1", T0)
    assert e.field == "documents[0].expires"
    assert k.get("C1")["risk_reasons"] == ["document_expired"]


def test_approve_refused_on_unresolved_hit_until_resolved():
    k = new()
    k.apply(k.upsert(person(), T0))
    k.apply(k.screened("C1", True, "ofac_sdn 123 score 0.97", T0 + 1))
    c = k.get("C1")
    assert c["screening"] == "hit" and c["risk"] == "high" and "screening_hit" in c["risk_reasons"]
    e = raises(KycError, k.approve, "C1", T0 + 2)
    assert e.field == "screening" and "unresolved" in e.message and "ofac_sdn 123" in e.message
    k.apply(k.resolve_screening("C1", False, T0 + 3, by="officer1", reason="different dob"))
    c = k.get("C1")
    assert c["screening"] == "cleared" and c["risk"] == "low"
    k.apply(k.approve("C1", T0 + 4))
    assert k.get("C1")["status"] == "approved"
    # nothing left to resolve
    assert raises(KycError, k.resolve_screening, "C1", True, T0 + 5).field == "screening"


def test_confirmed_match_refuses_approval():
    k = new()
    k.apply(k.upsert(person(), T0))
    k.apply(k.screened("C1", True, "un 7", T0))
    k.apply(k.resolve_screening("C1", True, T0, by="o"))
    assert k.get("C1")["screening"] == "confirmed"
    e = raises(KycError, k.approve, "C1", T0)
    assert e.field == "screening" and "true match" in e.message
    # a later clear screening does not undo a confirmed match
    assert raises(KycError, k.screened, "C1", False, "", T0).code == "conflict"
    k.apply(k.reject("C1", T0, reason="sanctioned"))
    assert k.get("C1")["status"] == "rejected"


def test_review_date_follows_risk():
    k = new()
    k.apply(k.upsert(person(id="L"), T0))
    k.apply(k.upsert(person(id="M", address_country="FR"), T0))
    k.apply(k.upsert(person(id="H", pep=True), T0))
    for cid in ("L", "M", "H"):
        k.apply(k.approve(cid, T0))
    assert k.get("L")["next_review"] == "2028-01-01"
    assert k.get("M")["next_review"] == "2027-01-01"
    assert k.get("H")["next_review"] == "2026-01-01"
    # a screening hit after approval: high risk, review a year after the approval
    k.apply(k.screened("L", True, "x", T0 + 30 * DAY))
    assert k.get("L")["risk"] == "high" and k.get("L")["next_review"] == "2026-01-01"
    # configurable
    k2 = new(review_years={"low": 5})
    k2.apply(k2.upsert(person(), T0))
    k2.apply(k2.approve("C1", T0))
    assert k2.get("C1")["next_review"] == "2030-01-01"
    assert raises(ValueError, Kyc, 10, (), (), {"low": 0})
    assert raises(ValueError, Kyc, 10, (), (), {"none": 1})
    due = k.due_for_review("2026-01-01")
    assert ("H", "review due 2026-01-01") in due and ("L", "review due 2026-01-01") in due
    assert ("M", "review due 2027-01-01") not in due
    assert k.due_for_review("2025-12-31") == []


def test_identity_change_needs_new_screening():
    k = new()
    k.apply(k.upsert(person(), T0))
    k.apply(k.screened("C1", False, "", T0))
    k.apply(k.upsert(person(), T0 + 1))                   # same identity: still clear
    assert k.get("C1")["screening"] == "clear"
    k.apply(k.upsert(person(name="Ada King"), T0 + 2))
    assert k.get("C1")["screening"] == "none"
    k.apply(k.screened("C1", True, "hit", T0 + 3))
    k.apply(k.upsert(person(name="Ada Byron"), T0 + 4))   # renaming does not hide a hit
    assert k.get("C1")["screening"] == "hit"


def test_status_transitions():
    k = new()
    k.apply(k.upsert(person(), T0))
    k.apply(k.approve("C1", T0))
    k.apply(k.suspend("C1", T0 + 1, reason="review"))
    assert k.get("C1")["status"] == "suspended"
    k.apply(k.approve("C1", T0 + 2))
    k.apply(k.approve("C1", T0 + 400 * DAY))              # a periodic review
    assert k.get("C1")["reviewed"] == "2026-02-05"
    k.apply(k.reject("C1", T0 + 401 * DAY))
    for fn in (k.approve, k.suspend, k.reject):
        e = raises(KycError, fn, "C1", T0 + 402 * DAY)
        assert e.field == "status" and e.code == "conflict"
    assert raises(KycError, k.approve, "nobody", T0).code == "not_found"
    assert raises(KycError, k.approve, "C1", -1).field == "ts"
    # apply re-checks: a record that no longer fits is refused
    k2 = new()
    k2.apply(k2.upsert(person(), T0))
    r1 = k2.reject("C1", T0)
    r2 = k2.approve("C1", T0)
    k2.apply(r1)
    assert raises(KycError, k2.apply, r2).code == "conflict"
    assert raises(KycError, k2.apply, {"t": "nonsense"}).field == "record"


def test_links_and_can_transact():
    k = new()
    k.apply(k.upsert(person(), T0))
    k.apply(k.upsert(person(id="C2"), T0))
    assert k.can_transact("ACC1", False) == (True, "ok", "")
    assert k.can_transact("ACC1", True)[:2] == (False, "kyc_no_customer")
    k.apply(k.link("ACC1", "C1", T0))
    k.apply(k.link("ACC1", "C1", T0))                     # again: no change
    assert k.get("C1")["accounts"] == ["ACC1"] and k.holder("ACC1") == "C1"
    assert k.customer_of("ACC1")["id"] == "C1"
    e = raises(KycError, k.link, "ACC1", "C2", T0)
    assert e.field == "account_id" and e.code == "conflict" and "C1" in e.message
    assert raises(KycError, k.link, "bad id", "C1", T0).field == "account_id"
    assert raises(KycError, k.link, "ACC9", "C9", T0).code == "not_found"
    ok, code, msg = k.can_transact("ACC1", True)
    assert (ok, code) == (False, "kyc_pending") and "C1" in msg and "ACC1" in msg
    k.apply(k.approve("C1", T0))
    assert k.can_transact("ACC1", True) == (True, "ok", "")
    k.apply(k.suspend("C1", T0))
    assert k.can_transact("ACC1", True)[1] == "kyc_suspended"
    k.apply(k.reject("C1", T0))
    assert k.can_transact("ACC1", True)[1] == "kyc_rejected"
    k.apply(k.unlink("ACC1", T0))
    assert k.holder("ACC1") is None and k.get("C1")["accounts"] == []
    assert raises(KycError, k.unlink, "ACC1", T0).code == "not_found"
    k.apply(k.link("ACC1", "C2", T0))
    assert k.holder("ACC1") == "C2"


def test_bounds():
    k = new(max_customers=2)
    k.apply(k.upsert(person(id="A"), T0))
    k.apply(k.upsert(person(id="B"), T0))
    e = raises(KycError, k.upsert, person(id="C"), T0)
    assert e.code == "full" and e.field == "id"
    k.apply(k.upsert(person(id="A", name="Other"), T0))   # an update still fits
    for i in range(kyc.MAX_ACCOUNTS):
        k.apply(k.link("A%d" % i, "A", T0))
    e = raises(KycError, k.link, "A-extra", "A", T0)
    assert e.code == "full" and e.field == "accounts"
    assert len(k.get("A")["accounts"]) == 64
    assert raises(KycError, k.screened, "A", True, "x" * 501, T0).field == "detail"


def test_listing():
    k = new()
    for i in range(5):
        k.apply(k.upsert(person(id="C%d" % i, pep=(i % 2 == 1)), T0))
    page, cur = k.customers(limit=2)
    assert [c["id"] for c in page] == ["C0", "C1"] and cur == "C1"
    page, cur = k.customers(after=cur, limit=2)
    assert [c["id"] for c in page] == ["C2", "C3"] and cur == "C3"
    page, cur = k.customers(after=cur, limit=2)
    assert [c["id"] for c in page] == ["C4"] and cur is None
    page, cur = k.customers(risk="high")
    assert [c["id"] for c in page] == ["C1", "C3"] and cur is None
    assert raises(KycError, k.customers, None, None, None, 0).field == "limit"
    s = k.stats()
    assert s["customers"] == 5 and s["pending"] == 5 and s["risk_high"] == 2


def _history(k):
    """A mixed history of records (kept as the log would: JSON text)."""
    log = []

    def do(r):
        log.append(json.dumps(r))
        k.apply(r)
    do(k.upsert(person(), T0))
    do(k.upsert(person(id="E1", type="entity", name="Acme Holdings", country="CY",
                       address_country="GB"), T0 + 1))
    do(k.link("ACC1", "C1", T0 + 2))
    do(k.link("ACC2", "C1", T0 + 3))
    do(k.link("ACC3", "E1", T0 + 4))
    do(k.screened("C1", True, "pep list 4", T0 + 5))
    do(k.resolve_screening("C1", False, T0 + 6, by="o1", reason="other person"))
    do(k.approve("C1", T0 + 7, by="o1"))
    do(k.upsert(person(id="E1", type="entity", name="Acme Holdings Ltd", country="CY",
                       address_country="IR"), T0 + 8))
    do(k.set_documents("C1", "expired", T0 + 9))
    do(k.suspend("C1", T0 + 10))
    do(k.unlink("ACC2", T0 + 11))
    do(k.rerate(T0 + 12))
    return log


def test_records_replayed_give_the_same_state():
    k = new(high_risk_countries=("IR",))
    log = _history(k)
    again = new(high_risk_countries=("IR",))
    for line in log:
        again.apply(json.loads(line))
    assert again.snapshot() == k.snapshot()
    assert again.holder("ACC1") == "C1" and again.holder("ACC2") is None
    e1 = again.get("E1")
    assert e1["risk"] == "high" and "address_country_high_risk:IR" in e1["risk_reasons"]
    assert again.get("C1")["status"] == "suspended"
    assert again.get("C1")["risk_reasons"] == ["document_expired"]


def test_snapshot_restore():
    k = new(high_risk_countries=("IR",))
    _history(k)
    snap = json.loads(json.dumps(k.snapshot()))          # through JSON, as a checkpoint
    r = new(high_risk_countries=("IR",))
    r.restore(snap)
    assert r.snapshot() == k.snapshot()
    assert r.holder("ACC3") == "E1" and r.stats() == k.stats()
    # the restored registry goes on like the original
    for reg in (k, r):
        reg.apply(reg.upsert(person(id="C9"), T0 + 20))
        reg.apply(reg.link("ACC2", "C9", T0 + 21))
    assert r.snapshot() == k.snapshot()
    bad = json.loads(json.dumps(k.snapshot()))
    bad[1]["accounts"] = ["ACC1"]                         # held twice
    assert raises(KycError, new().restore, bad).field == "snapshot[1].accounts"
    assert raises(KycError, new(max_customers=1).restore, snap).field == "snapshot"
