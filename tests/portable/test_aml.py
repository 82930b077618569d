# Portable tests for compliance/aml.py: every rule firing and not firing on constructed
# histories (just under, at and over each boundary), de-duplication, the alert lifecycle,
# records replayed giving the same state, parameters per jurisdiction and their errors.
# Plain asserts: run by pytest on the host and in the kernel.
import json

from compliance import aml
from compliance.aml import AmlError, Monitor, params
from tests.portable.support.asserts import raises

S = 10 ** 9
H = 3600 * S
DAY = 24 * H
T0 = 1735732800 * S            # 2025-01-01T12:00:00Z
ACC = "ACC1"
CASH = "CASH-01"
OTHER = "ACC2"
_n = [0]


def tr(amount, ts, frm, to, cur="USD", flags=0, tid=None):
    """A transfer as the ledger's transfer_dict gives it."""
    _n[0] += 1
    return {"id": tid or "T%d" % _n[0], "debit_account_id": frm, "credit_account_id": to,
            "amount": amount, "currency": cur, "pending_id": None, "timeout": 0,
            "reference": "", "user_data": "", "flags": flags, "timestamp": ts}


def dep(amount, ts, **kw):        # cash deposit into ACC
    return tr(amount, ts, CASH, ACC, **kw)


def wd(amount, ts, **kw):         # cash withdrawal from ACC
    return tr(amount, ts, ACC, CASH, **kw)


def tin(amount, ts, **kw):        # a transfer in from another account
    return tr(amount, ts, OTHER, ACC, **kw)


def tout(amount, ts, **kw):       # a transfer out to another account
    return tr(amount, ts, ACC, OTHER, **kw)


def only(rule, **kw):
    """A US monitor with one rule enabled (its parameters overridden by kw)."""
    rules = {}
    for name in aml.RULE_NAMES:
        rules[name] = {"enabled": name == rule}
    rules[rule].update(kw)
    return Monitor(params("US", {"cash_accounts": [CASH], "rules": rules}))


def fired(mon, t, hist, meta=None, acct=ACC):
    return [a["rule"] for a in mon.evaluate(acct, t, hist, meta)]


# ---- structuring ------------------------------------------------------------------------------

def test_structuring_fires_on_three_deposits_under_the_threshold():
    m = only("structuring")
    h = [dep(950000, T0), dep(950000, T0 + H)]
    t = dep(950000, T0 + 2 * H)
    alerts = m.evaluate(ACC, t, h, {"customer_id": "C1"})
    assert len(alerts) == 1
    a = alerts[0]
    assert a["rule"] == "structuring" and a["severity"] == "high"
    assert a["amount"] == 2850000 and a["currency"] == "USD"
    assert a["evidence"] == [h[0]["id"], h[1]["id"], t["id"]]
    assert a["account_id"] == ACC and a["customer_id"] == "C1" and a["at"] == t["timestamp"]
    assert "3 cash deposits" in a["detail"] and "9000.00 to 9999.99" in a["detail"]
    assert "28500.00 USD" in a["detail"]
    assert a["id"] == aml.alert_id("structuring", ACC, a["evidence"])
    assert fired(m, t, h[:1]) == []                         # two are not enough


def test_structuring_band_boundaries():
    m = only("structuring")
    for amount, counts in ((899999, False), (900000, True), (999999, True),
                           (1000000, False)):
        h = [dep(950000, T0), dep(amount, T0 + H)]
        assert (fired(m, dep(950000, T0 + 2 * H), h) == ["structuring"]) == counts, amount
        # the new transfer itself must be in the band
        h = [dep(950000, T0), dep(950000, T0 + H)]
        assert (fired(m, dep(amount, T0 + 2 * H), h) == ["structuring"]) == counts, amount


def test_structuring_window_boundary():
    m = only("structuring")
    t = dep(950000, T0 + DAY)
    assert fired(m, t, [dep(950000, T0), dep(950000, T0 + H)]) == ["structuring"]  # at 24 h
    assert fired(m, t, [dep(950000, T0 - 1), dep(950000, T0 + H)]) == []           # over


def test_structuring_cash_direction_currency_and_sum():
    m = only("structuring")
    t = dep(950000, T0 + 2 * H)
    # not cash: transfers from another customer account do not count
    assert fired(m, t, [tin(950000, T0), tin(950000, T0 + H)]) == []
    assert fired(m, tin(950000, T0 + 2 * H), [dep(950000, T0), dep(950000, T0 + H)]) == []
    # withdrawals and deposits are counted apart
    assert fired(m, t, [wd(950000, T0), dep(950000, T0 + H)]) == []
    assert fired(m, wd(950000, T0 + 2 * H), [wd(950000, T0), wd(950000, T0 + H)]) == \
        ["structuring"]
    # another currency is not converted: skipped
    assert fired(m, t, [dep(950000, T0, cur="EUR"), dep(950000, T0 + H)]) == []
    assert fired(m, dep(950000, T0 + 2 * H, cur="EUR"), [dep(950000, T0),
                                                           dep(950000, T0 + H)]) == []
    # pending and void transfers move no money
    assert fired(m, t, [dep(950000, T0, flags=2), dep(950000, T0 + H)]) == []
    assert fired(m, dep(950000, T0 + 2 * H, flags=2), [dep(950000, T0),
                                                         dep(950000, T0 + H)]) == []
    # the sum must exceed the threshold: two deposits in a 50% band
    m2 = only("structuring", min_count=2, band_pct=50)
    assert fired(m2, dep(500000, T0 + H), [dep(500000, T0)]) == []      # 10,000.00: at
    assert fired(m2, dep(500001, T0 + H), [dep(500000, T0)]) == ["structuring"]


def test_structuring_fires_once_when_it_becomes_true():
    m = only("structuring")
    h = [dep(950000, T0), dep(950000, T0 + H), dep(950000, T0 + 2 * H)]
    assert fired(m, dep(950000, T0 + 3 * H), h) == []       # already true without it
    # after the window slid past the first ones, a new group fires again
    assert fired(m, dep(950000, T0 + 2 * H + DAY), h[2:] + [dep(950000, T0 + 3 * H + H)]) == \
        ["structuring"]


# ---- velocity ---------------------------------------------------------------------------------

def test_velocity_count():
    m = only("velocity", max_count=3, max_amount=0, window_s=3600)
    h = [tin(100, T0), tout(100, T0 + 1), tin(100, T0 + 2, cur="EUR")]   # EUR counts too
    a = m.evaluate(ACC, tin(100, T0 + 3), h)
    assert [x["rule"] for x in a] == ["velocity"] and len(a[0]["evidence"]) == 4
    assert "4 transfers (limit 3)" in a[0]["detail"] and a[0]["severity"] == "medium"
    assert fired(m, tin(100, T0 + 3), h[:2]) == []                      # 3: at the limit
    assert fired(m, tin(100, T0 + 4), h + [tin(100, T0 + 3)]) == []     # already over
    assert fired(m, tin(100, T0 + H), h) == ["velocity"]               # first at exactly 1 h
    assert fired(m, tin(100, T0 + H + 1), h) == []                     # it left the window


def test_velocity_amount():
    m = only("velocity", max_count=0, max_amount=1000000, window_s=3600)
    h = [tin(400000, T0), tout(500000, T0 + 1)]
    assert fired(m, tin(100000, T0 + 2), h) == []                      # 10,000.00: at
    a = m.evaluate(ACC, tin(100001, T0 + 2), h)
    assert [x["rule"] for x in a] == ["velocity"] and a[0]["amount"] == 1000001
    assert "10000.01 USD (limit 10000.00 USD)" in a[0]["detail"]
    assert fired(m, tin(5, T0 + 3), h + [tin(100001, T0 + 2)]) == []   # already over
    assert fired(m, tin(100001, T0 + 2, cur="EUR"), h) == []           # not converted


def test_velocity_evidence_is_bounded():
    m = only("velocity", max_count=300, max_amount=0, window_s=3600)
    h = [tin(1, T0 + i) for i in range(300)]
    a = m.evaluate(ACC, tin(1, T0 + 300), h)[0]
    assert len(a["evidence"]) == aml.MAX_EVIDENCE and a["evidence"][-1] == "T%d" % _n[0]
    assert "the newest 256 of 301" in a["detail"]


# ---- rapid pass-through ---------------------------------------------------------------------

def test_passthrough_ratio_boundary():
    m = only("passthrough")                       # US: 48 h, 90%, inflow >= 5,000.00
    h = [tin(1000000, T0)]
    assert fired(m, tout(899999, T0 + H), h) == []
    a = m.evaluate(ACC, tout(900000, T0 + H), h)
    assert [x["rule"] for x in a] == ["passthrough"]
    assert a[0]["amount"] == 900000 and "(90%)" in a[0]["detail"]
    assert a[0]["evidence"][0] == h[0]["id"]
    # reached by a second outflow; not again by a third
    h2 = h + [tout(500000, T0 + H)]
    assert fired(m, tout(400000, T0 + 2 * H), h2) == ["passthrough"]
    assert fired(m, tout(10, T0 + 3 * H), h2 + [tout(400000, T0 + 2 * H)]) == []


def test_passthrough_inflow_floor_window_and_order():
    m = only("passthrough")
    assert fired(m, tout(499999, T0 + H), [tin(499999, T0)]) == []     # under the floor
    assert fired(m, tout(500000, T0 + H), [tin(500000, T0)]) == ["passthrough"]  # at it
    t = tout(1000000, T0 + 48 * H)
    assert fired(m, t, [tin(1000000, T0)]) == ["passthrough"]          # in at exactly 48 h
    assert fired(m, t, [tin(1000000, T0 - 1)]) == []                   # outside the window
    # money out before the money came in is not pass-through of it
    h = [tout(900000, T0), tin(1000000, T0 + H)]
    assert fired(m, tout(100, T0 + 2 * H), h) == []
    assert fired(m, tin(1000000, T0 + 2 * H), [tin(1000000, T0)]) == []   # inbound: no
    assert fired(m, tout(1000000, T0 + H, cur="EUR"), [tin(1000000, T0)]) == []
    m80 = only("passthrough", ratio_pct=80)
    assert fired(m80, tout(800000, T0 + H), [tin(1000000, T0)]) == ["passthrough"]


# ---- round amounts --------------------------------------------------------------------------

def test_round_amounts():
    m = only("round_amounts")                      # 1,000.00 multiples >= 5,000.00, 3 in 7 days
    h = [tin(500000, T0), tout(1200000, T0 + DAY)]
    a = m.evaluate(ACC, tin(2000000, T0 + 2 * DAY), h)
    assert [x["rule"] for x in a] == ["round_amounts"] and a[0]["severity"] == "low"
    assert a[0]["amount"] == 3700000 and len(a[0]["evidence"]) == 3
    assert fired(m, tin(2000000, T0 + 2 * DAY), h[:1]) == []           # two only
    for amount in (499900, 500050, 1234567):                           # under, not multiples
        assert fired(m, tin(amount, T0 + 2 * DAY), h) == []
        assert fired(m, tin(500000, T0 + 2 * DAY), [h[0], tin(amount, T0 + 1)]) == []
    assert fired(m, tin(500000, T0 + 7 * DAY), h) == ["round_amounts"]  # at 7 days
    assert fired(m, tin(500000, T0 + 7 * DAY + 1), h) == []            # over
    assert fired(m, tin(500000, T0 + 3 * DAY), h + [tin(600000, T0 + 2 * DAY)]) == []
    m2 = only("round_amounts", unit=1000000, min_amount=1000000, min_count=2)
    assert fired(m2, tin(1000000, T0 + 1), [tin(2000000, T0)]) == ["round_amounts"]
    assert fired(m2, tin(1500000, T0 + 1), [tin(2000000, T0)]) == []


# ---- high-risk countries -------------------------------------------------------------------

def test_high_risk_country():
    m = only("high_risk_country")                  # FATF call for action: IR, KP, MM
    t = tin(100, T0)
    a = m.evaluate(ACC, t, [], {"country": "IR"})
    assert [x["rule"] for x in a] == ["high_risk_country"] and a[0]["evidence"] == [t["id"]]
    assert "customer's country IR" in a[0]["detail"]
    a = m.evaluate(ACC, t, [], {"country": "US", "counterparty_country": "KP"})
    assert "counterparty's country KP" in a[0]["detail"]
    a = m.evaluate(ACC, t, [], {"country": "MM", "counterparty_country": "KP"})
    assert len(a) == 1 and "MM" in a[0]["detail"] and "KP" in a[0]["detail"]
    assert fired(m, t, [], {"country": "US", "counterparty_country": "GB"}) == []
    assert fired(m, t, []) == []
    # any currency without a floor; with one, only the currency's amounts at or above it
    assert fired(m, tin(100, T0, cur="EUR"), [], {"country": "IR"}) == ["high_risk_country"]
    m2 = only("high_risk_country", min_amount=100000)
    assert fired(m2, tin(99999, T0), [], {"country": "IR"}) == []
    assert fired(m2, tin(100000, T0), [], {"country": "IR"}) == ["high_risk_country"]
    assert fired(m2, tin(100000, T0, cur="EUR"), [], {"country": "IR"}) == []
    m3 = Monitor(params("EU", {"high_risk_countries": ["RU"], "rules": {
        n: {"enabled": n == "high_risk_country"} for n in aml.RULE_NAMES}}))
    assert fired(m3, tin(1, T0), [], {"country": "RU"}) == ["high_risk_country"]
    assert fired(m3, tin(1, T0), [], {"country": "IR"}) == []


# ---- dormant accounts -------------------------------------------------------------------------

def test_dormant_reactivated():
    m = only("dormant")                            # 180 days, 5,000.00
    t = tin(500000, T0)
    assert fired(m, t, [], {"last_activity": T0 - 180 * DAY}) == []    # exactly 180 days
    a = m.evaluate(ACC, t, [], {"last_activity": T0 - 180 * DAY - 1})
    assert [x["rule"] for x in a] == ["dormant"] and "after 180 days" in a[0]["detail"]
    assert fired(m, tin(499999, T0), [], {"last_activity": T0 - 400 * DAY}) == []
    assert fired(m, tout(500000, T0), [], {"last_activity": T0 - 400 * DAY}) == ["dormant"]
    assert fired(m, t, [], {"last_activity": None}) == []               # a new account
    assert fired(m, t, []) == []
    # a later transfer in the history is activity too
    assert fired(m, t, [tin(1, T0 - 10 * DAY)], {"last_activity": T0 - 400 * DAY}) == []


# ---- the monitor ----------------------------------------------------------------------------

def test_all_rules_together_and_window():
    m = Monitor(params("US", {"cash_accounts": [CASH]}))
    assert m.window_ns() == 7 * DAY                  # round_amounts' window is the longest
    h = [dep(950000, T0), dep(950000, T0 + H)]
    t = dep(950000, T0 + 2 * H)
    got = fired(m, t, h, {"customer_id": "C1", "country": "KP"})
    assert got == ["structuring", "high_risk_country"]
    m2 = only("passthrough")
    assert m2.window_ns() == 48 * H


def test_deduplication():
    m = only("structuring")
    h = [dep(950000, T0), dep(950000, T0 + H)]
    t = dep(950000, T0 + 2 * H)
    first = m.evaluate(ACC, t, h)
    # the same evaluation again: the same alert (same id) until it is kept
    assert [a["id"] for a in m.evaluate(ACC, t, list(reversed(h)))] == [first[0]["id"]]
    r = m.open(first[0])
    m.apply(r)
    assert m.evaluate(ACC, t, h) == []
    m.apply(r)                                      # applied twice: kept once
    assert m.stats()["alerts"] == 1
    assert raises(AmlError, m.open, first[0]).code == "conflict"
    # the same transfers seen from the cash account's side are another alert
    assert aml.alert_id("structuring", CASH, first[0]["evidence"]) != first[0]["id"]
    # the history may hold the transfer itself and later ones: ignored
    assert m.evaluate(ACC, t, h + [t, dep(950000, T0 + 3 * H)]) == []
    m2 = only("structuring")
    assert len(m2.evaluate(ACC, t, h + [t, dep(950000, T0 + 3 * H)])) == 1


def _alert(m, k):
    h = [dep(950000, T0 + k * DAY), dep(950000, T0 + k * DAY + H)]
    a = m.evaluate(ACC, dep(950000, T0 + k * DAY + 2 * H), h, {"customer_id": "C1"})
    assert len(a) == 1
    return a[0]


def test_lifecycle():
    m = only("structuring")
    a = _alert(m, 0)
    b = _alert(m, 5)
    log = []
    for r in (m.open(a), m.open(b)):
        log.append(json.dumps(r))
        m.apply(r)
    assert m.get(a["id"])["status"] == "open"
    steps = ((m.escalate, a["id"], T0 + 10 * DAY, "o1", "pattern"),
             (m.report, a["id"], T0 + 11 * DAY, "o1", "SAR-1"),
             (m.close, b["id"], T0 + 12 * DAY, "o2", "payroll cash"))
    for fn, aid, ts, by, why in steps:
        r = fn(aid, ts, by, why)             # each made against the state the last one left
        log.append(json.dumps(r))
        m.apply(r)
    got = m.get(a["id"])
    assert got["status"] == "sar" and [h["to"] for h in got["history"]] == ["escalated", "sar"]
    assert got["history"][1]["reason"] == "SAR-1" and got["updated"] == T0 + 11 * DAY
    assert m.get(b["id"])["status"] == "closed"
    for fn in (m.escalate, m.report, m.close):
        assert raises(AmlError, fn, b["id"], T0).code == "conflict"
    assert raises(AmlError, m.close, "AL-none", T0).code == "not_found"
    assert raises(AmlError, m.report, a["id"], T0).field == "status"
    c = _alert(m, 20)
    m.apply(m.open(c))
    assert raises(AmlError, m.report, c["id"], T0).code == "conflict"   # sar needs escalated
    assert m.alerts(status="open")[0][0]["id"] == c["id"]
    page, cur = m.alerts(limit=2)
    assert [x["id"] for x in page] == [a["id"], b["id"]] and cur == b["id"]
    assert [x["id"] for x in m.alerts(after=cur)[0]] == [c["id"]]
    s = m.stats()
    assert (s["open"], s["closed"], s["sar"], s["escalated"]) == (1, 1, 1, 0)
    # the log replayed gives the same state; so does the snapshot
    again = only("structuring")
    for line in log:
        again.apply(json.loads(line))
    again.apply(again.open(c))
    assert again.snapshot() == m.snapshot()
    r = only("structuring")
    r.restore(json.loads(json.dumps(m.snapshot())))
    assert r.snapshot() == m.snapshot()
    assert raises(AmlError, r.apply, {"t": "alert_status", "id": a["id"], "to": "open",
                                      "by": "", "reason": "", "ts": 0}).code == "conflict"


def test_bounded_alerts():
    p = only("structuring").p
    m = Monitor(p, max_alerts=2)
    a, b, c = _alert(m, 0), _alert(m, 5), _alert(m, 10)
    m.apply(m.open(a))
    m.apply(m.open(b))
    e = raises(AmlError, m.open, c)
    assert e.code == "full"
    m.apply(m.close(b["id"], T0))
    m.apply(m.open(c))                               # replaces the closed one
    assert m.get(b["id"]) is None and m.get(c["id"])["status"] == "open"
    assert [x["id"] for x in m.snapshot()] == [a["id"], c["id"]]


def test_tampered_alert_refused():
    m = only("structuring")
    a = _alert(m, 0)
    a["evidence"] = a["evidence"][:2]
    assert raises(AmlError, m.open, a).field == "alert.id"


def test_parameters():
    p = params("US")
    assert p["currency"] == "USD" and p["threshold"] == 1000000
    assert p["rules"]["velocity"]["max_amount"] == 5000000
    assert p["high_risk_countries"] == ["IR", "KP", "MM"]
    e = params("EU")
    assert e["currency"] == "EUR" and e["threshold"] == 1000000
    u = params("UK")
    assert u["currency"] == "GBP" and u["rules"]["passthrough"]["ratio_pct"] == 80
    j = params("US", {"currency": "JPY"})               # defaults in yen's (0-digit) units
    assert j["threshold"] == 10000 and j["rules"]["round_amounts"]["unit"] == 1000
    k = params("US", {"currency": "KWD", "threshold": 3000000})
    assert k["threshold"] == 3000000 and k["rules"]["dormant"]["min_amount"] == 5000000

    def field(*a):
        return raises(AmlError, params, *a).field
    assert field("FR") == "jurisdiction"
    assert field("US", {"limit": 1}) == "limit"
    assert field("US", {"currency": "usd"}) == "currency"
    assert field("US", {"threshold": "10000.00"}) == "threshold"
    assert field("US", {"threshold": 0}) == "threshold"
    assert field("US", {"cash_accounts": ["bad id"]}) == "cash_accounts[0]"
    assert field("US", {"high_risk_countries": ["IR", "Iran"]}) == "high_risk_countries[1]"
    assert field("US", {"rules": {"smurfing": {}}}) == "rules.smurfing"
    assert field("US", {"rules": {"velocity": {"speed": 1}}}) == "rules.velocity.speed"
    assert field("US", {"rules": {"velocity": {"window_s": 59}}}) == "rules.velocity.window_s"
    assert field("US", {"rules": {"velocity": {"max_amount": -1}}}) == \
        "rules.velocity.max_amount"
    assert field("US", {"rules": {"velocity": {"max_amount": True}}}) == \
        "rules.velocity.max_amount"
    assert field("US", {"rules": {"dormant": {"enabled": 1}}}) == "rules.dormant.enabled"
    assert field("US", {"rules": {"dormant": {"severity": "urgent"}}}) == \
        "rules.dormant.severity"
    assert field("US", {"rules": {"structuring": {"band_pct": 100}}}) == \
        "rules.structuring.band_pct"


def test_evaluate_input_errors():
    m = only("structuring")
    t = dep(950000, T0)

    def field(*a):
        return raises(AmlError, m.evaluate, *a).field
    bad = dict(t)
    bad["amount"] = "9500.00"
    assert field(ACC, bad, []) == "transfer.amount"
    assert field("ACC9", t, []) == "account_id"
    assert field(ACC, t, [tr(1, T0 - 1, "X", "Y")]) == "history[0]"
    assert field(ACC, t, [{"id": "x"}]) == "history[0]"
    assert field(ACC, t, "none") == "history"
    assert field(ACC, t, [], {"colour": 1}) == "meta.colour"
    assert field(ACC, t, [], {"last_activity": "yesterday"}) == "meta.last_activity"
    assert m.evaluate(ACC, dep(950000, T0, flags=8), "not even looked at") == []   # a void
    # the cash account's own side is not monitored
    h = [dep(950000, T0), dep(950000, T0 + H)]
    assert m.evaluate(CASH, dep(950000, T0 + 2 * H), h) == []
