# Portable tests for the ledger state machine (transaction/engine.py, rules in acid.py): accounts,
# single-phase transfers, every validation code, idempotency by id and by reference, balance
# limits, queries, batches and timestamps. Plain asserts: pytest on the host, `selftest engine`
# in the kernel. Two-phase transfers, linked chains and snapshots have their own files; the
# helpers here are shared with them.
from transaction import acid, engine
from transaction.engine import BatchError, Ledger, SnapshotError

USD = "USD"
TOP = (1 << 63) - 1


def raises(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


def acct(aid, cur=USD, flags=0, user_data=None):
    ev = {"id": aid, "currency": cur}
    if flags:
        ev["flags"] = flags
    if user_data is not None:
        ev["user_data"] = user_data
    return ev


def xfer(tid, dr, cr, amount, cur=USD, **kw):
    ev = {"id": tid, "debit_account_id": dr, "credit_account_id": cr, "amount": amount,
          "currency": cur}
    for k in kw:
        ev[k] = kw[k]
    return ev


def post(tid, pid, **kw):
    kw["pending_id"] = pid
    kw["flags"] = kw.get("flags", 0) | acid.POST_PENDING_TRANSFER
    kw["id"] = tid
    return kw


def void(tid, pid, **kw):
    kw["pending_id"] = pid
    kw["flags"] = kw.get("flags", 0) | acid.VOID_PENDING_TRANSFER
    kw["id"] = tid
    return kw


def check(led):
    problems = led.verify()
    assert problems == [], problems


def codes(results):
    """The codes of a batch's results (checking that they are in order, one per event)."""
    for i in range(len(results)):
        assert results[i][0] == i, results
        assert results[i][1] in acid.CODES, results[i]
    return [r[1] for r in results]


def ledger(*accounts, **kw):
    """A ledger with these accounts: ids ("A"), or create_accounts events (dicts)."""
    led = Ledger(**kw)
    evs = [a if type(a) is dict else acct(a) for a in accounts]
    if evs:
        assert codes(led.create_accounts(evs, 1000)) == ["ok"] * len(evs)
    return led


def one(led, ev, ts=0):
    """(code, field) of a one-event create_transfers batch; the ledger is verified after it."""
    r = led.create_transfers([ev], ts)
    assert len(r) == 1 and r[0][0] == 0
    check(led)
    return r[0][1], r[0][2]


def one_account(led, ev, ts=0):
    r = led.create_accounts([ev], ts)
    assert len(r) == 1 and r[0][0] == 0
    check(led)
    return r[0][1], r[0][2]


def bal(led, aid):
    a = led.lookup_accounts([aid])[0]
    return (a["debits_pending"], a["debits_posted"], a["credits_pending"], a["credits_posted"])


def funded(*extra, **kw):
    """Accounts A, B (USD), E (EUR), L (debits_must_not_exceed_credits), M
    (credits_must_not_exceed_debits), X (closed), with L funded by 1000 from A and M owing
    1000 to B."""
    led = ledger("A", "B", acct("E", "EUR"), acct("L", flags=acid.DEBITS_MUST_NOT_EXCEED_CREDITS),
                 acct("M", flags=acid.CREDITS_MUST_NOT_EXCEED_DEBITS), acct("X", flags=acid.CLOSED),
                 *extra, **kw)
    assert codes(led.create_transfers([xfer("F1", "A", "L", 1000), xfer("F2", "M", "B", 1000)],
                                      2000)) == ["ok", "ok"]
    return led


# ---- accounts -----------------------------------------------------------------------------------

def test_create_account():
    led = Ledger()
    r = led.create_accounts([acct("ACC001"), acct("acc-2.x_Y", "JPY", user_data="cust 42")], 5000)
    assert r == [(0, "ok", None), (1, "ok", None)]
    a, b = led.lookup_accounts(["ACC001", "acc-2.x_Y"])
    assert a == {"id": "ACC001", "currency": "USD", "debits_pending": 0, "debits_posted": 0,
                 "credits_pending": 0, "credits_posted": 0, "flags": 0, "user_data": None,
                 "timestamp": 5000}
    assert b["currency"] == "JPY" and b["user_data"] == "cust 42" and b["timestamp"] == 5001
    assert led.stats()["accounts"] == 2
    check(led)


def test_account_exists_is_idempotent():
    led = ledger(acct("A", "EUR", flags=acid.DEBITS_MUST_NOT_EXCEED_CREDITS, user_data="x"))
    assert one_account(led, acct("A", "EUR", flags=acid.DEBITS_MUST_NOT_EXCEED_CREDITS,
                                 user_data="x")) == ("exists", None)
    assert one_account(led, acct("A", "USD", flags=acid.DEBITS_MUST_NOT_EXCEED_CREDITS,
                                 user_data="x")) == ("exists_with_different_fields", "currency")
    assert one_account(led, acct("A", "EUR", user_data="x")) == \
        ("exists_with_different_fields", "flags")
    assert one_account(led, acct("A", "EUR", flags=acid.DEBITS_MUST_NOT_EXCEED_CREDITS)) == \
        ("exists_with_different_fields", "user_data")
    # the stored account is unchanged, its timestamp too
    a = led.lookup_accounts(["A"])[0]
    assert a["currency"] == "EUR" and a["timestamp"] == 1000 and a["user_data"] == "x"
    s = led.stats()
    assert s["accounts"] == 1 and s["exists"] == 1 and s["rejected"] == 3


def test_account_validation():
    led = ledger("A")
    cases = [
        ("nope", ("event_invalid", None)),
        ({"id": "Z", "currency": "USD", "debits_posted": 5}, ("field_unknown", "debits_posted")),
        ({"id": "Z", "currency": "USD", "zz": 1, "aa": 2}, ("field_unknown", "aa")),
        (acct(""), ("id_invalid", "id")),
        (acct("has space"), ("id_invalid", "id")),
        (acct("a/b"), ("id_invalid", "id")),
        (acct("x" * 65), ("id_invalid", "id")),
        (acct("caf\u00e9"), ("id_invalid", "id")),
        ({"currency": "USD"}, ("id_invalid", "id")),
        ({"id": 7, "currency": "USD"}, ("id_invalid", "id")),
        (acct("Z", "usd"), ("currency_invalid", "currency")),
        (acct("Z", "XXX"), ("currency_invalid", "currency")),
        ({"id": "Z"}, ("currency_invalid", "currency")),
        (acct("Z", flags=acid.DEBITS_MUST_NOT_EXCEED_CREDITS |
              acid.CREDITS_MUST_NOT_EXCEED_DEBITS), ("flags_are_mutually_exclusive", "flags")),
        (acct("Z", flags=8), ("flags_invalid", "flags")),
        (acct("Z", flags=-1), ("flags_invalid", "flags")),
        ({"id": "Z", "currency": "USD", "flags": True}, ("flags_invalid", "flags")),
        ({"id": "Z", "currency": "USD", "flags": "closed"}, ("flags_invalid", "flags")),
        (acct("Z", user_data="u" * 257), ("user_data_invalid", "user_data")),
        ({"id": "Z", "currency": "USD", "user_data": 5}, ("user_data_invalid", "user_data")),
    ]
    for ev, want in cases:
        assert one_account(led, ev) == want, (ev, want)
    assert led.lookup_accounts(["Z"]) == []
    assert one_account(led, acct("x" * 64, user_data="u" * 256)) == ("ok", None)
    assert one_account(led, acct("Z", flags=acid.CLOSED)) == ("ok", None)
    assert led.stats()["accounts"] == 3


def test_accounts_in_one_batch_and_duplicates_within():
    led = Ledger()
    r = led.create_accounts([acct("A"), acct("A"), acct("A", "EUR"), acct("B")], 10)
    assert codes(r) == ["ok", "exists", "exists_with_different_fields", "ok"]
    assert r[2][2] == "currency"


# ---- single-phase transfers ---------------------------------------------------------------------

def test_transfer_moves_posted_amounts():
    led = ledger("A", "B")
    assert one(led, xfer("T1", "A", "B", 100000)) == ("ok", None)
    assert bal(led, "A") == (0, 100000, 0, 0)
    assert bal(led, "B") == (0, 0, 0, 100000)
    assert one(led, xfer("T2", "B", "A", 1)) == ("ok", None)
    assert bal(led, "A") == (0, 100000, 0, 1)
    t = led.lookup_transfers(["T1"])[0]
    assert t == {"id": "T1", "debit_account_id": "A", "credit_account_id": "B", "amount": 100000,
                 "currency": "USD", "pending_id": None, "timeout": 0, "reference": None,
                 "user_data": None, "flags": 0, "timestamp": t["timestamp"]}
    assert led.lookup_transfers(["nope", "T2", 5, "T1"])[0]["id"] == "T2"
    assert len(led.lookup_transfers(["nope", "T2", 5, "T1"])) == 2


def test_every_transfer_rule():
    """One event per rule, against the same ledger; nothing is applied by a failing event."""
    led = funded(acct("O1"), acct("O2"))
    assert one(led, xfer("BIG", "O1", "O2", TOP)) == ("ok", None)
    assert one(led, xfer("P", "A", "B", 50, flags=acid.PENDING)) == ("ok", None)
    before = led.snapshot()
    P = acid.PENDING
    cases = [
        ([1, 2], "event_invalid", None),
        (xfer("T", "A", "B", 1, colour="red"), "field_unknown", "colour"),
        (xfer("T", "A", "B", 1, v=1, w=2, x=3, y=4, z=5), "field_unknown", "v"),
        (xfer("T", "A", "B", 1, flags=None, reference=None, user_data=None, timeout=None,
              zz=None), "field_unknown", "zz"),
        (xfer("T", "A", "B", 1, flags=16), "flags_invalid", "flags"),
        (xfer("T", "A", "B", 1, flags=1 << 40), "flags_invalid", "flags"),
        (xfer("T", "A", "B", 1, flags=-2), "flags_invalid", "flags"),
        (xfer("T", "A", "B", 1, flags=False), "flags_invalid", "flags"),
        (xfer("", "A", "B", 1), "id_invalid", "id"),
        (xfer("T T", "A", "B", 1), "id_invalid", "id"),
        (xfer("T" * 65, "A", "B", 1), "id_invalid", "id"),
        (xfer(None, "A", "B", 1), "id_invalid", "id"),
        (xfer("T", "A", "B", 1, flags=P | acid.POST_PENDING_TRANSFER),
         "flags_are_mutually_exclusive", "flags"),
        (xfer("T", "A", "B", 1, flags=acid.POST_PENDING_TRANSFER | acid.VOID_PENDING_TRANSFER),
         "flags_are_mutually_exclusive", "flags"),
        (xfer("T", "A", "B", 1, flags=acid.CLOSING_DEBIT), "closing_transfer_must_be_pending",
         "flags"),
        (xfer("T", "A", "B", 1, reference=""), "reference_invalid", "reference"),
        (xfer("T", "A", "B", 1, reference="r" * 129), "reference_invalid", "reference"),
        (xfer("T", "A", "B", 1, reference=12), "reference_invalid", "reference"),
        (xfer("T", "A", "B", 1, user_data="u" * 257), "user_data_invalid", "user_data"),
        (xfer("T", "A", "B", 1, user_data=["x"]), "user_data_invalid", "user_data"),
        (xfer("T", "A", "B", 1, pending_id="P"), "pending_id_not_allowed", "pending_id"),
        (xfer("T", "A", "B", 1, timeout=5), "timeout_reserved_for_pending_transfer", "timeout"),
        (xfer("T", "A", "B", 1, flags=P, timeout=-1), "timeout_invalid", "timeout"),
        (xfer("T", "A", "B", 1, flags=P, timeout=1 << 32), "timeout_invalid", "timeout"),
        (xfer("T", "A", "B", 1, flags=P, timeout="5"), "timeout_invalid", "timeout"),
        (xfer("T", 5, "B", 1), "id_invalid", "debit_account_id"),
        (xfer("T", "A", None, 1), "id_invalid", "credit_account_id"),
        (xfer("T", "A", "A", 1), "accounts_must_be_different", None),
        (xfer("T", "A", "B", "1"), "amount_invalid", "amount"),
        (xfer("T", "A", "B", 1.0), "amount_invalid", "amount"),
        (xfer("T", "A", "B", True), "amount_invalid", "amount"),
        (xfer("T", "A", "B", None), "amount_invalid", "amount"),
        (xfer("T", "A", "B", -5), "amount_negative", "amount"),
        (xfer("T", "A", "B", 0), "amount_must_not_be_zero", "amount"),
        (xfer("T", "A", "B", 0, flags=P), "amount_must_not_be_zero", "amount"),
        (xfer("T", "A", "B", TOP + 1), "amount_too_large", "amount"),
        (xfer("T", "A", "B", 1, "usd"), "currency_invalid", "currency"),
        (xfer("T", "A", "B", 1, None), "currency_invalid", "currency"),
        (xfer("T", "nobody", "B", 1), "account_not_found", "debit_account_id"),
        (xfer("T", "A", "nobody", 1), "account_not_found", "credit_account_id"),
        (xfer("T", "A", "B", 1, "EUR"), "currency_mismatch", "debit_account_id"),
        (xfer("T", "E", "B", 1, "EUR"), "currency_mismatch", "credit_account_id"),
        (xfer("T", "A", "E", 1), "currency_mismatch", "credit_account_id"),
        (xfer("T", "X", "B", 1), "account_closed", "debit_account_id"),
        (xfer("T", "A", "X", 1), "account_closed", "credit_account_id"),
        (xfer("T", "O1", "B", 1), "overflows_debits", "debit_account_id"),
        (xfer("T", "A", "O2", 1), "overflows_credits", "credit_account_id"),
        (xfer("T", "L", "B", 1001), "exceeds_credits", "debit_account_id"),
        (xfer("T", "A", "M", 1001), "exceeds_debits", "credit_account_id"),
        (xfer("T", "L", "B", 1001, flags=P), "exceeds_credits", "debit_account_id"),
        (post("T", None), "pending_id_required", "pending_id"),
        (post("T", 5), "id_invalid", "pending_id"),
        (post("T", "T"), "pending_id_must_be_different", "pending_id"),
        (post("T", "P", timeout=3), "timeout_reserved_for_pending_transfer", "timeout"),
        (post("T", "nope"), "pending_transfer_not_found", "pending_id"),
        (post("T", "F1"), "pending_transfer_not_pending", "pending_id"),
        (post("T", "P", debit_account_id="B"), "pending_transfer_has_different_fields",
         "debit_account_id"),
        (post("T", "P", credit_account_id="A"), "pending_transfer_has_different_fields",
         "credit_account_id"),
        (post("T", "P", currency="EUR"), "pending_transfer_has_different_fields", "currency"),
        (void("T", "P", amount=49), "pending_transfer_has_different_fields", "amount"),
        (post("T", "P", amount=51), "exceeds_pending_transfer_amount", "amount"),
        (post("T", "P", amount=0), "amount_must_not_be_zero", "amount"),
        (post("T", "P", amount=-1), "amount_negative", "amount"),
        (post("T", "P", amount="5"), "amount_invalid", "amount"),
        (xfer("F1", "A", "L", 999), "exists_with_different_fields", "amount"),
        (xfer("F1", "A", "L", 1000), "exists", None),
    ]
    seen = set()
    for ev, code, field in cases:
        r = led.create_transfers([ev], 0)
        assert r == [(0, code, field)], (ev, r, code, field)
        assert led.lookup_transfers(["T"]) == [], ev
        seen.add(code)
    check(led)
    assert led.snapshot() != before  # (the counters moved)
    after = Ledger.restore(led.snapshot())
    assert after.lookup_accounts(["A", "B", "L", "M"]) == \
        Ledger.restore(before).lookup_accounts(["A", "B", "L", "M"])
    # the codes of the other files: two-phase states, linked chains
    seen.update(("ok", "pending_transfer_already_posted", "pending_transfer_already_voided",
                 "pending_transfer_expired", "linked_event_failed", "linked_event_chain_open"))
    assert sorted(seen) == sorted(acid.CODES), sorted(set(acid.CODES) - seen)


def test_limits_exactly_at_the_boundary():
    led = funded()
    assert one(led, xfer("T1", "L", "B", 1000)) == ("ok", None)  # debits == credits
    assert one(led, xfer("T2", "L", "B", 1)) == ("exceeds_credits", "debit_account_id")
    assert one(led, xfer("T3", "A", "L", 5)) == ("ok", None)
    assert one(led, xfer("T4", "L", "B", 5)) == ("ok", None)
    assert one(led, xfer("T5", "A", "M", 1000)) == ("ok", None)  # credits == debits
    assert one(led, xfer("T6", "A", "M", 1)) == ("exceeds_debits", "credit_account_id")
    # the other direction is never limited
    assert one(led, xfer("T7", "B", "L", 10 ** 9)) == ("ok", None)
    assert one(led, xfer("T8", "M", "B", 10 ** 9)) == ("ok", None)
    assert bal(led, "L") == (0, 1005, 0, 1005 + 10 ** 9)


def test_pending_debits_count_against_the_limit():
    led = funded()
    assert one(led, xfer("P1", "L", "B", 600, flags=acid.PENDING)) == ("ok", None)
    assert one(led, xfer("T1", "L", "B", 401)) == ("exceeds_credits", "debit_account_id")
    assert one(led, xfer("T2", "L", "B", 400)) == ("ok", None)
    # pending credits do not raise the limit
    assert one(led, xfer("P2", "A", "L", 500, flags=acid.PENDING)) == ("ok", None)
    assert one(led, xfer("T3", "L", "B", 1)) == ("exceeds_credits", "debit_account_id")


def test_overflow_bounds():
    led = ledger("A", "B", "C")
    assert one(led, xfer("T1", "A", "B", TOP)) == ("ok", None)
    assert one(led, xfer("T2", "A", "C", 1)) == ("overflows_debits", "debit_account_id")
    assert one(led, xfer("T3", "C", "B", 1)) == ("overflows_credits", "credit_account_id")
    assert one(led, xfer("T4", "B", "A", TOP)) == ("ok", None)
    assert bal(led, "A") == (0, TOP, 0, TOP)


# ---- idempotency -------------------------------------------------------------------------

def test_same_id_same_body_is_exists():
    led = ledger("A", "B")
    ev = xfer("T1", "A", "B", 250, reference="inv-1", user_data="note")
    assert one(led, ev) == ("ok", None)
    assert one(led, dict(ev)) == ("exists", None)
    assert bal(led, "A") == (0, 250, 0, 0)
    s = led.stats()
    assert s["committed"] == 3 and s["exists"] == 1 and s["transfers"] == 1


def test_same_id_different_body_names_the_field():
    led = ledger("A", "B", "C", acct("E", "EUR"))
    ev = xfer("T1", "A", "B", 250, reference="inv-1", user_data="note")
    assert one(led, ev) == ("ok", None)
    changes = [("debit_account_id", "C"), ("credit_account_id", "C"), ("amount", 251),
               ("amount", True), ("currency", "EUR"), ("pending_id", "X"), ("timeout", 7),
               ("reference", "inv-2"), ("reference", None), ("user_data", "other"),
               ("user_data", None), ("flags", acid.PENDING)]
    for name, value in changes:
        ev2 = dict(ev)
        ev2[name] = value
        assert one(led, ev2) == ("exists_with_different_fields", name), (name, value)
    # a retry checks the id first: even with an unknown account it is a conflict, not a 404
    ev2 = dict(ev)
    ev2["debit_account_id"] = "nobody"
    assert one(led, ev2) == ("exists_with_different_fields", "debit_account_id")
    assert bal(led, "A") == (0, 250, 0, 0)


def test_reference_is_an_idempotency_key():
    led = ledger("A", "B", "C")
    assert one(led, xfer("T1", "A", "B", 100, reference="order-77")) == ("ok", None)
    # a retry under a new id (the API made one) with the same body: the original stands
    assert one(led, xfer("T2", "A", "B", 100, reference="order-77")) == ("exists", None)
    assert led.lookup_transfers(["T2"]) == []
    assert led.lookup_reference("order-77")["id"] == "T1"
    assert led.lookup_reference("other") is None
    assert led.lookup_reference(5) is None
    # the same key with another body: a conflict naming the field
    assert one(led, xfer("T3", "A", "B", 101, reference="order-77")) == \
        ("exists_with_different_fields", "amount")
    assert one(led, xfer("T3", "A", "C", 100, reference="order-77")) == \
        ("exists_with_different_fields", "credit_account_id")
    assert one(led, xfer("T3", "A", "B", 100, reference="order-77", user_data="x")) == \
        ("exists_with_different_fields", "user_data")
    # without a reference, or with another one, a new id is a new transfer
    assert one(led, xfer("T4", "A", "B", 100)) == ("ok", None)
    assert one(led, xfer("T5", "A", "B", 100, reference="order-78")) == ("ok", None)
    assert bal(led, "B") == (0, 0, 0, 300)


def test_duplicates_within_one_batch():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("T1", "A", "B", 5), xfer("T1", "A", "B", 5),
                              xfer("T1", "A", "B", 6), xfer("T2", "A", "B", 5, reference="k"),
                              xfer("T3", "A", "B", 5, reference="k")], 0)
    assert codes(r) == ["ok", "exists", "exists_with_different_fields", "ok", "exists"]
    assert bal(led, "A") == (0, 10, 0, 0)


def test_failed_transfer_does_not_reserve_its_id():
    led = funded()
    assert one(led, xfer("T1", "L", "B", 5000)) == ("exceeds_credits", "debit_account_id")
    assert one(led, xfer("T1", "A", "L", 5000)) == ("ok", None)
    assert one(led, xfer("T1", "L", "B", 5000)) == ("exists_with_different_fields",
                                                    "debit_account_id")


# ---- batches, timestamps, queries ----------------------------------------------------------------

def test_batch_limits_and_errors():
    led = ledger("A", "B")
    evs = [xfer("T%d" % i, "A", "B", 1) for i in range(8191)]
    raises(BatchError, led.create_transfers, evs, 0)
    assert led.stats()["transfers"] == 0
    raises(BatchError, led.apply, ("create_widgets", []), 0)
    raises(BatchError, led.apply, ("create_transfers",), 0)
    raises(BatchError, led.apply, "create_transfers", 0)
    raises(BatchError, led.apply, ("create_transfers", {"id": "T"}), 0)
    raises(BatchError, led.apply, ("pulse", [xfer("T", "A", "B", 1)]), 0)
    raises(BatchError, led.create_transfers, [], -1)
    raises(BatchError, led.create_transfers, [], 1.5)
    raises(BatchError, led.create_transfers, [], True)
    assert isinstance(BatchError("x"), ValueError)
    r = led.create_transfers(evs[:8190], 0)
    assert len(r) == 8190 and r[8189] == (8189, "ok", None)
    assert bal(led, "B") == (0, 0, 0, 8190)
    assert led.create_transfers([], 0) == []
    assert led.apply(["create_transfers", [xfer("U", "A", "B", 1)]], 0) == [(0, "ok", None)]
    check(led)


def test_warm_up():
    engine.warm_up(10)
    led = ledger("A", "B")
    assert led.create_transfers([xfer("T%d" % i, "A", "B", 1) for i in range(12)], 0)[11] == \
        (11, "ok", None)


def test_timestamps_unique_and_increasing():
    led = ledger("A", "B")
    assert led.lookup_accounts(["A"])[0]["timestamp"] == 1000
    led.create_transfers([xfer("T1", "A", "B", 1), xfer("T2", "A", "B", 1)], 5000)
    t1, t2 = led.lookup_transfers(["T1", "T2"])
    assert (t1["timestamp"], t2["timestamp"]) == (5000, 5001)
    # a clock that goes back (or repeats) still gives later stamps
    led.create_transfers([xfer("T3", "A", "B", 1)], 4000)
    assert led.lookup_transfers(["T3"])[0]["timestamp"] == 5002
    # a failed event uses its stamp too: the next event's stamp is its index in the batch
    led.create_transfers([xfer("bad", "A", "A", 1), xfer("T4", "A", "B", 1)], 9000)
    assert led.lookup_transfers(["T4"])[0]["timestamp"] == 9001
    assert led.stats()["last_timestamp"] == 9001
    led.pulse(9001)
    assert led.stats()["last_timestamp"] == 9002


def test_account_transfers_pagination():
    led = ledger("A", "B", "C")
    for i in range(10):
        dr, cr = ("A", "B") if i % 2 == 0 else ("C", "A")
        led.create_transfers([xfer("T%d" % i, dr, cr, i + 1)], 10000 * (i + 1))
    assert led.get_account_transfers("nobody") is None
    items, cursor = led.get_account_transfers("A")
    assert [t["id"] for t in items] == ["T%d" % i for i in range(9, -1, -1)]
    assert cursor is None
    # newest first, pages of 4
    seen = []
    page, cursor = led.get_account_transfers("A", limit=4)
    while True:
        seen.extend(t["id"] for t in page)
        if cursor is None:
            break
        page, cursor = led.get_account_transfers("A", limit=4, before_ts=cursor)
    assert seen == ["T%d" % i for i in range(9, -1, -1)]
    # oldest first
    seen = []
    page, cursor = led.get_account_transfers("A", limit=3, newest_first=False)
    while True:
        seen.extend(t["id"] for t in page)
        if cursor is None:
            break
        page, cursor = led.get_account_transfers("A", limit=3, after_ts=cursor,
                                                 newest_first=False)
    assert seen == ["T%d" % i for i in range(10)]
    # a time window, and one side only
    page, _ = led.get_account_transfers("A", after_ts=30000, before_ts=70000)
    assert [t["id"] for t in page] == ["T5", "T4", "T3"]
    page, _ = led.get_account_transfers("A", debits=False)
    assert [t["id"] for t in page] == ["T9", "T7", "T5", "T3", "T1"]
    page, _ = led.get_account_transfers("A", credits=False, newest_first=False, limit=2)
    assert [t["id"] for t in page] == ["T0", "T2"]
    page, cursor = led.get_account_transfers("B", limit=5)
    assert len(page) == 5 and cursor is None
    page, cursor = led.get_account_transfers("B", limit=4)
    assert len(page) == 4 and cursor == page[-1]["timestamp"]
    raises(ValueError, led.get_account_transfers, "A", limit=0)
    raises(ValueError, led.get_account_transfers, "A", limit=8191)


def test_stats_count_events():
    led = ledger("A", "B")
    led.create_transfers([xfer("T1", "A", "B", 1), xfer("T1", "A", "B", 1),
                          xfer("T2", "A", "A", 1)], 0)
    s = led.stats()
    assert s["accounts"] == 2 and s["transfers"] == 1
    assert s["committed"] == 3 and s["exists"] == 1 and s["rejected"] == 1
    assert s["batches"] == 2 and s["pending"] == 0 and s["expired"] == 0


def test_flag_names():
    assert acid.flags_from_names(["pending", "linked"]) == acid.PENDING | acid.LINKED
    assert acid.flag_names(acid.PENDING | acid.LINKED) == ["linked", "pending"]
    assert acid.flags_from_names(["debits_must_not_exceed_credits"], "account") == 2
    assert acid.flag_names(acid.CLOSED, "account") == ["closed"]
    raises(ValueError, acid.flags_from_names, ["bogus"])


def test_valid_id():
    for good in ("A", "ACC001", "a.b-c_d", "0", "x" * 64, "-", "..."):
        assert acid.valid_id(good), good
    for bad in ("", "x" * 65, "a b", "a\n", "a/b", "\u00e9", "a\x00", None, 5, b"AB", ["A"]):
        assert not acid.valid_id(bad), bad


def test_slow_path_agrees_with_fast_path():
    """The inline path for plain and pending transfers and the general one give the same results
    and the same state."""
    evs = []
    for i in range(400):
        dr = "ACDEFL"[i % 6]
        cr = "BLMBCA"[(i * 7) % 6]
        amount = (i * 37) % 700 - 20
        ev = xfer("T%d" % (i % 330), dr, cr, amount)
        if i % 5 == 0:
            ev["reference"] = "r%d" % (i % 40)
        if i % 11 == 0:
            ev["flags"] = acid.LINKED
        if i % 7 == 0:
            ev["flags"] = ev.get("flags", 0) | acid.PENDING
            if i % 3:
                ev["timeout"] = i % 4
        if i % 13 == 0:
            ev["user_data"] = "u"
        if i % 17 == 0:
            ev["timeout"] = 0
        if i % 19 == 0:
            ev["flags"] = None
        evs.append(ev)
    later = [post("Q%d" % i, "T%d" % i) for i in range(0, 330, 7)]
    later += [void("V%d" % i, "T%d" % i) for i in range(0, 330, 14)]
    out = []
    for fast in (True, False):
        led = funded(acct("C"), acct("D"), acct("F", "EUR"))
        led._fast = fast
        r = led.create_transfers(evs, 5000)
        check(led)
        r2 = led.create_transfers(later, 5000 + 2 * 10 ** 9)
        check(led)
        out.append((r, r2, led.snapshot()))
    assert out[0] == out[1]
    got = codes(out[0][0])
    for code in ("ok", "exceeds_credits", "exists_with_different_fields", "amount_negative",
                 "linked_event_failed"):
        assert code in got, code
    got = codes(out[0][1])
    assert "ok" in got and "pending_transfer_expired" in got


# ---- reserved storage (issue 8) -------------------------------------------------------------

def _storage(led):
    """What must not be allocated again while the ledger stays within its capacity: the index
    tables (by identity and size) and, where the runtime reports a list's allocated size
    (MicroPython's sys.getsizeof), the columns and the expiry heap."""
    import sys
    out = [id(led._tindex.table), led._tindex.mask, id(led._rindex.table), led._rindex.mask,
           id(led._accounts.buckets), led._accounts.mask]
    if sys.implementation.name == "micropython" and hasattr(sys, "getsizeof"):
        for col in led._columns() + (led._expiry, led._acc, led._touched, led._undo):
            out.append(sys.getsizeof(col))
    return out


def test_reserved_storage_holds_the_capacity_without_regrowing():
    led = Ledger(capacity=(40, 400))
    assert led.capacity == (40, 400)
    before = _storage(led)
    ids = ["A%d" % i for i in range(40)]
    assert codes(led.create_accounts([acct(a) for a in ids[:39]], 10)) == ["ok"] * 39
    # A failed linked chain of accounts is undone (the list is truncated, not popped).
    r = led.create_accounts([acct(ids[39], flags=acid.LINKED), acct(ids[0])], 11)
    assert codes(r) == ["linked_event_failed", "exists"], r
    assert codes(led.create_accounts([acct(ids[39])], 12)) == ["ok"]
    ts = 100
    n = 0
    while n < 390:
        batch = []
        for j in range(30):
            k = n + j
            ev = xfer("T%d" % k, ids[k % 40], ids[(k + 1) % 40], 1 + k % 7)
            if k % 5 == 0:
                ev["flags"] = acid.PENDING
                ev["timeout"] = 1          # expires: the expiry heap fills and drains
            batch.append(ev)
        # Then a linked chain that fails on its last event: its transfers are undone.
        batch.append(xfer("U%d" % n, "A1", "A2", 1, flags=acid.LINKED))
        batch.append(xfer("V%d" % n, "A1", "NOPE", 1))
        r = led.create_transfers(batch, ts)
        assert codes(r)[:30] == ["ok"] * 30, r
        assert codes(r)[30] == "linked_event_failed", r
        n += 30
        ts += 3 * led.ticks_per_second
    led.pulse(ts)
    assert (led.stats()["transfers"], led.stats()["expired"]) == (390, 78), led.stats()
    assert _storage(led) == before
    check(led)


def test_reserve_is_raised_to_what_the_ledger_holds_and_survives_restore():
    led = ledger("A", "B")
    assert codes(led.create_transfers([xfer("T1", "A", "B", 5)], 10)) == ["ok"]
    led.reserve(1, 0)                 # below what it holds: raised to it
    assert led.capacity == (2, 1)
    back = Ledger.restore(led.snapshot(), capacity=(100, 1000))
    assert back.capacity == (100, 1000) and bal(back, "B") == bal(led, "B")
    check(back)


def test_restore_into_a_spare_reuses_its_reserved_storage():
    led = ledger("A", "B", "C")
    r = led.create_transfers([xfer("T%d" % i, "A", "B" if i % 2 else "C", 1 + i,
                                   reference="r%d" % i) for i in range(20)], 10)
    assert codes(r) == ["ok"] * 20
    snap = led.snapshot()
    spare = Ledger(capacity=(10, 100))
    before = _storage(spare)
    cols = [id(c) for c in spare._columns()]
    copy = Ledger.restore(snap, into=spare)
    assert copy.snapshot() == snap and copy.stats() == led.stats()
    assert _storage(copy) == before and [id(c) for c in copy._columns()] == cols
    assert copy.lookup_reference("r7")["id"] == "T7"
    check(copy)
    # Emptied: a new ledger on the same storage, as a fresh one, usable and restorable again.
    empty = copy.emptied()
    assert empty.snapshot() == Ledger().snapshot() and empty.capacity == (10, 100)
    assert _storage(empty) == before
    assert empty.lookup_transfers(["T7"]) == [] and empty.lookup_reference("r7") is None
    assert codes(empty.create_accounts([acct("X"), acct("Y")], 5)) == ["ok", "ok"]
    assert codes(empty.create_transfers([xfer("T7", "X", "Y", 3, reference="r7")], 6)) == ["ok"]
    check(empty)
    again = Ledger.restore(led.snapshot_pieces(64), into=empty)
    assert again.snapshot() == snap and _storage(again) == before
    # More than the spare holds is refused, not grown into.
    raises(SnapshotError, Ledger.restore, snap, into=Ledger(capacity=(2, 100)))
    raises(SnapshotError, Ledger.restore, snap, into=Ledger(capacity=(10, 19)))
