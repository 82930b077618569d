# Portable tests for compliance/reporting.py: CTR aggregation per customer per business day
# (two days, two customers, cash in and out, the threshold's boundary, the day's offset), the
# SAR draft from a structuring alert, and CSV quoting of commas, quotes and newlines.
# Plain asserts: run by pytest on the host and in the kernel.
from compliance import reporting
from compliance.aml import Monitor, params
from compliance.kyc import Kyc
from compliance.reporting import ReportError, csv_text, ctr_csv, ctr_reports, sar_csv, sar_draft
from tests.portable.support.asserts import raises

S = 10 ** 9
H = 3600 * S
DAY = 24 * H
T0 = 1735689600 * S            # 2025-01-01T00:00:00Z
CASH = ["CASH-01", "CASH-02"]
INST = {"name": "QENEX Bank, N.A.", "address": "1 Main St\nSuite 200", "city": "Springfield",
        "state": "IL", "zip": "62701", "country": "US", "regulator": "OCC"}
_n = [0]


def tr(amount, ts, frm, to, cur="USD", flags=0, tid=None, ref=""):
    _n[0] += 1
    return {"id": tid or "T%d" % _n[0], "debit_account_id": frm, "credit_account_id": to,
            "amount": amount, "currency": cur, "pending_id": None, "timeout": 0,
            "reference": ref, "user_data": "", "flags": flags, "timestamp": ts}


def registry():
    k = Kyc(max_customers=10)
    k.apply(k.upsert({"id": "C1", "type": "individual", "name": "Ada Augusta Lovelace",
                      "aliases": ["Ada King"], "dob": "1815-12-10", "country": "GB",
                      "address_country": "US",
                      "documents": [{"type": "national_id", "number": "N1", "country": "GB"},
                                    {"type": "passport", "number": "P1", "country": "GB",
                                     "expires": "2030-01-01"}],
                      "document_status": "verified"}, T0))
    k.apply(k.upsert({"id": "C2", "type": "entity", "name": "Doe, \"Quoted\" & Sons Ltd",
                      "country": "US"}, T0))
    for acct, cid in (("ACC1", "C1"), ("ACC3", "C1"), ("ACC2", "C2")):
        k.apply(k.link(acct, cid, T0))
    return k


def day_transfers():
    return [
        # day 1: C1 deposits 6,000 + 5,000 through two accounts (over), withdraws 2,000
        tr(600000, T0 + 9 * H, "CASH-01", "ACC1", tid="D1a"),
        tr(500000, T0 + 10 * H, "CASH-02", "ACC3", tid="D1b"),
        tr(200000, T0 + 11 * H, "ACC1", "CASH-01", tid="D1c"),
        # day 1: C2 deposits exactly 10,000.00 (not more: no report)
        tr(1000000, T0 + 12 * H, "CASH-01", "ACC2", tid="D1d"),
        # day 2: C2 withdraws 7,000.00 + 3,000.01 (over); C1 deposits 9,000 (under)
        tr(700000, T0 + DAY + 1 * H, "ACC2", "CASH-01", tid="D2a"),
        tr(300001, T0 + DAY + 13 * H, "ACC2", "CASH-02", tid="D2b"),
        tr(900000, T0 + DAY + 14 * H, "CASH-01", "ACC1", tid="D2c"),
        # not cash, cash to cash, another currency, pending: left out
        tr(5000000, T0 + 13 * H, "ACC1", "ACC2", tid="X1"),
        tr(5000000, T0 + 14 * H, "CASH-01", "CASH-02", tid="X2"),
        tr(5000000, T0 + 15 * H, "CASH-01", "ACC1", cur="EUR", tid="X3"),
        tr(5000000, T0 + 16 * H, "CASH-01", "ACC1", flags=2, tid="X4"),
    ]


def test_ctr_per_customer_per_business_day():
    k = registry()
    ts = day_transfers()
    res = ctr_reports(ts + [ts[0]], k.customer_of, CASH, INST)   # D1a twice: counted once
    assert res["form"] == "FinCEN CTR (Form 112)" and res["threshold"] == "10000.00"
    assert res["not_converted"] == ["X3"]
    reps = res["reports"]
    assert [(r["part_i_person"]["customer_id"], r["business_day"]) for r in reps] == \
        [("C1", "2025-01-01"), ("C2", "2025-01-02")]
    c1 = reps[0]
    p1, p2, p3 = c1["part_i_person"], c1["part_ii_transaction"], c1["part_iii_institution"]
    assert c1["id"] == "CTR-20250101-C1"
    assert (p1["last_name_or_entity_name"], p1["first_name"], p1["middle_name"]) == \
        ("Lovelace", "Ada", "Augusta")
    assert p1["alternate_name"] == "Ada King" and p1["dob"] == "1815-12-10"
    assert p1["entity"] is False and p1["address_country"] == "US"
    assert (p1["id_type"], p1["id_number"], p1["id_issuer_country"]) == ("Passport", "P1", "GB")
    assert (p1["cash_in"], p1["cash_out"]) == ("11000.00", "2000.00")
    assert p1["accounts_cash_in"] == ["ACC1", "ACC3"] and p1["accounts_cash_out"] == ["ACC1"]
    assert p2["date"] == "2025-01-01" and p2["total_cash_in"] == "11000.00"
    assert p2["total_cash_out"] == "2000.00" and p2["multiple_transactions"] is True
    assert p2["transactions"] == 3 and p2["transfer_ids"] == ["D1a", "D1b", "D1c"]
    assert p2["cash_in_type"] == "Deposit(s)" and p2["cash_out_type"] == "Withdrawal(s)"
    assert p3["name"] == "QENEX Bank, N.A." and p3["type"] == "Depository institution"
    assert p1["tin"] == "" and "part_i_person.tin" in c1["to_complete"]
    assert "part_iii_institution.ein" in c1["to_complete"]
    assert "part_i_person.dob" not in c1["to_complete"]
    c2 = reps[1]
    assert c2["part_i_person"]["entity"] is True
    assert c2["part_i_person"]["first_name"] == ""
    assert c2["part_ii_transaction"]["total_cash_out"] == "10000.01"
    assert c2["part_ii_transaction"]["total_cash_in"] == "0.00"
    assert c2["part_ii_transaction"]["cash_in_type"] == ""
    assert c2["part_i_person"]["accounts_cash_out"] == ["ACC2"]


def test_ctr_threshold_offset_and_unknown_holder():
    k = registry()
    ts = day_transfers()
    # a higher threshold: C1's 11,000 is not over 11,000.00
    res = ctr_reports(ts, k.customer_of, CASH, INST, threshold=1100000)
    assert [r["id"] for r in res["reports"]] == []
    res = ctr_reports(ts, k.customer_of, CASH, INST, threshold=1099999)
    assert [r["id"] for r in res["reports"]] == ["CTR-20250101-C1"]
    # New York's business day (UTC-05:00): C2's 01:00 UTC withdrawal is on the 1st, so
    # neither day of C2 is over; its 10,000.00 deposit of the 1st now adds nothing to cash out
    res = ctr_reports(ts, k.customer_of, CASH, INST, offset_minutes=-300)
    assert [r["id"] for r in res["reports"]] == ["CTR-20250101-C1"]
    assert reporting.business_day(T0 + DAY + H, -300) == "2025-01-01"
    assert reporting.business_day(T0 + DAY + H) == "2025-01-02"
    # an account without a KYC customer: reported by account, its identity to be completed
    res = ctr_reports([tr(1500000, T0, "CASH-01", "ACC9")], k.customer_of, CASH, {})
    r = res["reports"][0]
    assert r["id"] == "CTR-20250101-account:ACC9"
    assert r["part_i_person"]["customer_id"] == "" and r["part_i_person"]["cash_in"] == \
        "15000.00"
    assert "part_i_person.last_name_or_entity_name" in r["to_complete"]
    assert "part_iii_institution.name" in r["to_complete"]


def test_ctr_input_errors():
    k = registry()
    bad = tr(1, T0, "CASH-01", "ACC1")
    bad["amount"] = "1.00"
    assert raises(ReportError, ctr_reports, [bad], k.customer_of, CASH, INST).field == \
        "transfers[0].amount"
    assert raises(ReportError, ctr_reports, [], k.customer_of, CASH, {"ein": 5}).field == \
        "institution.ein"
    assert raises(ReportError, ctr_reports, [], k.customer_of, CASH, {"bank": "x"}).field == \
        "institution.bank"
    assert raises(ReportError, ctr_reports, [], k.customer_of, CASH, INST,
                  "usd").field == "currency"
    assert raises(ReportError, ctr_reports, [], k.customer_of, CASH, INST, "USD",
                  1000000, 900).field == "offset_minutes"


def structuring_case():
    k = registry()
    m = Monitor(params("US", {"cash_accounts": CASH}))
    h = [tr(950000, T0 + 9 * H, "CASH-01", "ACC1", tid="S1", ref="rent, \"cash\""),
         tr(960000, T0 + 12 * H, "CASH-02", "ACC1", tid="S2")]
    t = tr(940000, T0 + 15 * H, "CASH-01", "ACC1", tid="S3")
    alerts = m.evaluate("ACC1", t, h, {"customer_id": "C1"})
    assert [a["rule"] for a in alerts] == ["structuring"]
    return k, alerts, h + [t]


def test_sar_from_a_structuring_alert():
    k, alerts, transfers = structuring_case()
    sar = sar_draft(alerts, transfers, k.get, INST, cash_accounts=CASH)
    assert sar["form"] == "FinCEN SAR (Form 111)" and sar["id"].startswith("SAR-")
    act = sar["part_ii_activity"]
    assert act["categories"] == ["Structuring: Multiple transactions below CTR threshold"]
    assert act["amount"] == "28500.00" and act["currency"] == "USD"
    assert (act["date_from"], act["date_to"]) == ("2025-01-01", "2025-01-01")
    assert act["transfer_ids"] == ["S1", "S2", "S3"] and act["alert_ids"] == [alerts[0]["id"]]
    assert act["instrument_types"] == ["U.S. Currency"] and act["not_converted"] == []
    subj = sar["part_i_subjects"]
    assert len(subj) == 1 and subj[0]["customer_id"] == "C1"
    assert subj[0]["last_name_or_entity_name"] == "Lovelace" and subj[0]["accounts"] == ["ACC1"]
    assert subj[0]["alternate_names"] == ["Ada King"] and subj[0]["relationship"] == "Customer"
    assert subj[0]["id_type"] == "Passport"
    n = sar["part_v_narrative"]
    assert "Ada Augusta Lovelace (customer C1, individual" in n
    assert "Structuring (%s) on account ACC1" % alerts[0]["id"] in n
    assert "3 cash deposits" in n and "28500.00 USD" in n
    assert "2025-01-01 09:00:00 UTC S1: 9500.00 USD from CASH-01 to ACC1 (cash deposit)" in n
    assert "reference rent, \"cash\"" in n
    assert "part_v_narrative" in sar["to_complete"]
    assert "part_i_subjects[0].tin" in sar["to_complete"]
    # the same alerts give the same draft
    assert sar_draft(alerts, transfers, k.get, INST, cash_accounts=CASH) == sar


def test_sar_several_alerts_and_errors():
    k, alerts, transfers = structuring_case()
    other = dict(alerts[0], id="AL-x", rule="high_risk_country", account_id="ACC7",
                 customer_id="", evidence=["E1"], at=T0 + 2 * DAY)
    eur = tr(100000, T0 + 2 * DAY, "ACC7", "ACC8", cur="EUR", tid="E1")
    sar = sar_draft(alerts + [other], transfers + [eur], k.get, INST, cash_accounts=CASH)
    act = sar["part_ii_activity"]
    assert act["rules"] == ["structuring", "high_risk_country"]
    assert act["categories"][1].endswith("involving foreign high risk jurisdiction")
    assert act["not_converted"] == ["E1"] and act["amount"] == "28500.00"
    assert act["date_to"] == "2025-01-03"
    assert act["instrument_types"] == ["U.S. Currency", "Funds transfer"]
    assert [s["customer_id"] for s in sar["part_i_subjects"]] == ["C1", ""]
    assert "part_i_subjects[1].last_name_or_entity_name" in sar["to_complete"]
    assert "holder of account ACC7 (no KYC customer on file)" in sar["part_v_narrative"]
    e = raises(ReportError, sar_draft, alerts, transfers[:2], k.get, INST)
    assert e.field == "transfers" and "S3" in e.message
    assert raises(ReportError, sar_draft, [], transfers, k.get, INST).field == "alerts"
    assert raises(ReportError, sar_draft, [{"rule": "x"}], [], k.get, INST).field == \
        "alerts[0]"


def test_sar_narrative_is_bounded():
    k, alerts, _ = structuring_case()
    many = [tr(1, T0 + i, "ACC1", "ACC2", tid="M%d" % i) for i in range(3000)]
    a = dict(alerts[0], evidence=[t["id"] for t in many])
    sar = sar_draft([a], many, k.get, INST)
    n = sar["part_v_narrative"]
    assert len(n) <= reporting.MAX_NARRATIVE
    assert "more transfer(s), listed in part_ii_activity.transfer_ids" in n
    assert len(sar["part_ii_activity"]["transfer_ids"]) == 3000


def test_csv_quoting():
    text = csv_text(["a", "b,c"], [["plain", "with, comma"],
                                   ["say \"hi\"", "two\nlines"],
                                   ["cr\rhere", ""]])
    assert text == ("a,\"b,c\"\r\n"
                    "plain,\"with, comma\"\r\n"
                    "\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
                    "\"cr\rhere\",\r\n")
    assert csv_text(["h"], [["=SUM(A1)"], ["-1"], ["ok"]], excel_safe=True) == \
        "h\r\n'=SUM(A1)\r\n'-1\r\nok\r\n"
    assert reporting.cell(True) == "true" and reporting.cell(None) == ""
    assert reporting.cell(12) == "12" and reporting.cell(["a", "b"]) == "a; b"
    assert raises(ReportError, reporting.cell, {"a": 1}).field == "cell"


def test_ctr_and_sar_csv():
    k = registry()
    res = ctr_reports(day_transfers(), k.customer_of, CASH, INST)
    text = ctr_csv(res)
    lines = text.split("\r\n")
    assert lines[0] == ",".join(reporting.CTR_COLUMNS) and lines[-1] == ""
    # C2's name holds a comma and quotes, the bank's address a newline
    assert "\"Doe, \"\"Quoted\"\" & Sons Ltd\"" in text
    assert ",\"1 Main St\nSuite 200\",Springfield," in text
    assert "\"QENEX Bank, N.A.\"" in text
    assert ",11000.00,2000.00,ACC1; ACC3,ACC1," in text
    header, rows = reporting.ctr_rows(res)
    assert len(rows) == 2 and len(rows[0]) == len(header)
    k2, alerts, transfers = structuring_case()
    sar = sar_draft(alerts, transfers, k2.get, INST, cash_accounts=CASH)
    header, rows = reporting.sar_rows(sar)
    assert len(rows) == 1 and header[-1] == "subject.accounts"
    assert rows[0][header.index("part_v_narrative")] == sar["part_v_narrative"]
    assert sar_csv(sar).startswith("id,form,type_of_filing,")
