# Portable tests of two-phase transfers in the ledger (transaction/engine.py): pending, post
# (full and partial), void, expiry by timeout, closing transfers. Plain asserts: pytest on the
# host, `selftest engine` in the kernel.
from tests.portable.test_engine import (acct, bal, check, codes, funded, ledger, one, post, void,
                                        xfer)
from transaction import acid

P = acid.PENDING
MS = 1000  # ledgers here count milliseconds: a timeout of 1 s is 1000 ticks


def state(led, tid):
    return led.lookup_transfers([tid])[0]["state"]


def test_pending_reserves_then_post_moves_it():
    led = ledger("A", "B")
    assert one(led, xfer("P1", "A", "B", 700, flags=P)) == ("ok", None)
    assert bal(led, "A") == (700, 0, 0, 0)
    assert bal(led, "B") == (0, 0, 700, 0)
    assert state(led, "P1") == "pending"
    assert led.stats()["pending"] == 1
    assert one(led, post("Q1", "P1")) == ("ok", None)
    assert bal(led, "A") == (0, 700, 0, 0)
    assert bal(led, "B") == (0, 0, 0, 700)
    assert state(led, "P1") == "posted"
    q = led.lookup_transfers(["Q1"])[0]
    assert (q["debit_account_id"], q["credit_account_id"], q["amount"], q["currency"],
            q["pending_id"], q["flags"]) == ("A", "B", 700, "USD", "P1", acid.POST_PENDING_TRANSFER)
    assert "state" not in q
    assert led.stats()["pending"] == 0
    # a pending transfer resolves at most once
    assert one(led, post("Q2", "P1")) == ("pending_transfer_already_posted", "pending_id")
    assert one(led, void("Q3", "P1")) == ("pending_transfer_already_posted", "pending_id")
    assert bal(led, "A") == (0, 700, 0, 0)


def test_void_releases():
    led = ledger("A", "B")
    one(led, xfer("P1", "A", "B", 700, flags=P))
    assert one(led, void("V1", "P1")) == ("ok", None)
    assert bal(led, "A") == (0, 0, 0, 0) and bal(led, "B") == (0, 0, 0, 0)
    assert state(led, "P1") == "voided"
    assert led.lookup_transfers(["V1"])[0]["amount"] == 700
    assert one(led, void("V2", "P1")) == ("pending_transfer_already_voided", "pending_id")
    assert one(led, post("V3", "P1")) == ("pending_transfer_already_voided", "pending_id")
    # a void may name the amount, which must then be the pending amount
    one(led, xfer("P2", "A", "B", 50, flags=P))
    assert one(led, void("V4", "P2", amount=49)) == ("pending_transfer_has_different_fields",
                                                     "amount")
    assert one(led, void("V4", "P2", amount=50, debit_account_id="A", credit_account_id="B",
                         currency="USD")) == ("ok", None)


def test_partial_post():
    led = ledger("A", "B")
    one(led, xfer("P1", "A", "B", 1000, flags=P))
    assert one(led, post("Q1", "P1", amount=1001)) == ("exceeds_pending_transfer_amount", "amount")
    assert one(led, post("Q1", "P1", amount=400)) == ("ok", None)
    # the rest of the reservation is released, not left pending
    assert bal(led, "A") == (0, 400, 0, 0)
    assert bal(led, "B") == (0, 0, 0, 400)
    assert led.lookup_transfers(["Q1"])[0]["amount"] == 400
    assert one(led, post("Q2", "P1", amount=100)) == ("pending_transfer_already_posted",
                                                      "pending_id")


def test_post_and_void_check_the_pending_transfer():
    led = funded()
    one(led, xfer("P1", "A", "B", 10, flags=P))
    assert one(led, post("Q", "nope")) == ("pending_transfer_not_found", "pending_id")
    assert one(led, post("Q", "F1")) == ("pending_transfer_not_pending", "pending_id")
    assert one(led, post("Q", "P1", debit_account_id="L")) == \
        ("pending_transfer_has_different_fields", "debit_account_id")
    assert one(led, post("Q", "P1", credit_account_id="L")) == \
        ("pending_transfer_has_different_fields", "credit_account_id")
    assert one(led, post("Q", "P1", currency="EUR")) == \
        ("pending_transfer_has_different_fields", "currency")
    assert one(led, post("Q", "P1", timeout=1)) == ("timeout_reserved_for_pending_transfer",
                                                    "timeout")
    assert one(led, post("Q", None)) == ("pending_id_required", "pending_id")
    assert one(led, post("P1", "P1")) == ("exists_with_different_fields", "debit_account_id")
    assert one(led, post("Q", "Q")) == ("pending_id_must_be_different", "pending_id")
    # a post of a post is not a post of a pending transfer
    assert one(led, post("Q", "P1", amount=4)) == ("ok", None)
    assert one(led, post("R", "Q")) == ("pending_transfer_not_pending", "pending_id")
    assert state(led, "P1") == "posted"


def test_post_is_idempotent():
    led = ledger("A", "B")
    one(led, xfer("P1", "A", "B", 300, flags=P))
    assert one(led, post("Q1", "P1", amount=200)) == ("ok", None)
    assert one(led, post("Q1", "P1", amount=200)) == ("exists", None)
    # fields a post may leave out are not compared; those it gives are
    assert one(led, post("Q1", "P1")) == ("exists", None)
    assert one(led, post("Q1", "P1", debit_account_id="A")) == ("exists", None)
    assert one(led, post("Q1", "P1", amount=300)) == ("exists_with_different_fields", "amount")
    assert one(led, void("Q1", "P1")) == ("exists_with_different_fields", "flags")
    assert one(led, post("Q1", "P9", amount=200)) == ("exists_with_different_fields", "pending_id")
    # by reference too
    one(led, xfer("P2", "A", "B", 300, flags=P))
    assert one(led, void("V1", "P2", reference="cancel-9")) == ("ok", None)
    assert one(led, void("V2", "P2", reference="cancel-9")) == ("exists", None)
    assert one(led, void("V2", "P1", reference="cancel-9")) == \
        ("exists_with_different_fields", "pending_id")
    assert bal(led, "A") == (0, 200, 0, 0)


def test_resolution_in_the_same_batch():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("P1", "A", "B", 10, flags=P), post("Q1", "P1"),
                              void("Q2", "P1"), xfer("P2", "A", "B", 5, flags=P),
                              void("Q3", "P2")], 0)
    assert codes(r) == ["ok", "ok", "pending_transfer_already_posted", "ok", "ok"]
    assert bal(led, "A") == (0, 10, 0, 0)
    check(led)


def test_expiry():
    led = ledger("A", "B", ticks_per_second=MS)
    led.create_transfers([xfer("P1", "A", "B", 100, flags=P, timeout=2),
                          xfer("P2", "A", "B", 30, flags=P, timeout=5),
                          xfer("P3", "A", "B", 7, flags=P)], 10000)  # stamps 10000..10002
    assert bal(led, "A") == (137, 0, 0, 0)
    # before the deadline: still pending
    led.pulse(11999)
    assert bal(led, "A") == (137, 0, 0, 0) and state(led, "P1") == "pending"
    # at the deadline (10000 + 2 s): expired, the amounts released at the start of the batch
    led.pulse(12000)
    assert state(led, "P1") == "expired" and state(led, "P2") == "pending"
    assert bal(led, "A") == (37, 0, 0, 0) and bal(led, "B") == (0, 0, 37, 0)
    assert one(led, post("Q1", "P1")) == ("pending_transfer_expired", "pending_id")
    assert one(led, void("Q1", "P1")) == ("pending_transfer_expired", "pending_id")
    s = led.stats()
    assert s["expired"] == 1 and s["pending"] == 2
    # any batch expires what is due at its timestamp, then runs its events
    r = led.create_transfers([post("Q2", "P2")], 15001)
    assert codes(r) == ["pending_transfer_expired"]
    assert state(led, "P2") == "expired" and bal(led, "A") == (7, 0, 0, 0)
    # no timeout: never expires
    led.pulse(10 ** 12)
    assert state(led, "P3") == "pending"
    assert one(led, post("Q3", "P3")) == ("ok", None)
    assert led.stats()["expired"] == 2


def test_expired_at_the_event_even_before_the_release():
    """An event past the deadline sees the transfer expired although its amounts are released
    only when the next batch starts at or after the deadline."""
    led = ledger("A", "B", ticks_per_second=MS)
    one(led, xfer("P1", "A", "B", 100, flags=P, timeout=1), 20000)
    evs = [xfer("T%d" % i, "A", "B", 1) for i in range(999)] + [post("Q1", "P1")]
    r = led.create_transfers(evs, 20001)  # the post is stamped 20001 + 999 = 21000
    assert r[999] == (999, "pending_transfer_expired", "pending_id")
    assert state(led, "P1") == "pending" and bal(led, "A")[0] == 100
    led.pulse(0)
    assert state(led, "P1") == "expired" and bal(led, "A")[0] == 0
    check(led)


def test_post_before_the_deadline_wins():
    led = ledger("A", "B", ticks_per_second=MS)
    one(led, xfer("P1", "A", "B", 100, flags=P, timeout=1), 20000)
    assert one(led, post("Q1", "P1", amount=60), 20999) == ("ok", None)
    led.pulse(30000)
    assert state(led, "P1") == "posted" and led.stats()["expired"] == 0
    assert bal(led, "A") == (0, 60, 0, 0)


def test_nanosecond_clock_by_default():
    led = ledger("A", "B")
    one(led, xfer("P1", "A", "B", 100, flags=P, timeout=3), 10 ** 18)
    led.pulse(10 ** 18 + 3 * 10 ** 9 - 1)
    assert state(led, "P1") == "pending"
    led.pulse(10 ** 18 + 3 * 10 ** 9)
    assert state(led, "P1") == "expired"


def test_pending_against_limits_and_void_frees_room():
    led = funded()
    assert one(led, xfer("P1", "L", "B", 800, flags=P)) == ("ok", None)
    assert one(led, xfer("P2", "L", "B", 201, flags=P)) == ("exceeds_credits", "debit_account_id")
    assert one(led, void("V1", "P1")) == ("ok", None)
    assert one(led, xfer("P2", "L", "B", 1000, flags=P)) == ("ok", None)
    assert one(led, post("Q2", "P2", amount=1)) == ("ok", None)
    assert bal(led, "L") == (0, 1, 0, 1000)
    assert one(led, xfer("P3", "A", "M", 1000, flags=P)) == ("ok", None)
    assert one(led, xfer("P4", "A", "M", 1, flags=P)) == ("exceeds_debits", "credit_account_id")


def test_closing_transfers():
    C = acid.CLOSING_DEBIT
    led = ledger("A", "B", "C")
    one(led, xfer("T0", "A", "B", 50))
    # closing needs the pending flag; a closing transfer may move nothing
    assert one(led, xfer("K1", "A", "B", 0, flags=C)) == ("closing_transfer_must_be_pending",
                                                          "flags")
    assert one(led, xfer("K1", "A", "B", 0, flags=C | P)) == ("ok", None)
    assert led.lookup_accounts(["A"])[0]["flags"] & acid.CLOSED
    assert one(led, xfer("T1", "A", "C", 1)) == ("account_closed", "debit_account_id")
    assert one(led, xfer("T1", "C", "A", 1)) == ("account_closed", "credit_account_id")
    assert one(led, xfer("K2", "C", "A", 0, flags=acid.CLOSING_CREDIT | P)) == \
        ("account_closed", "credit_account_id")
    # voiding the closing transfer reopens the account
    assert one(led, void("V1", "K1")) == ("ok", None)
    assert not led.lookup_accounts(["A"])[0]["flags"] & acid.CLOSED
    assert one(led, xfer("T1", "A", "C", 1)) == ("ok", None)
    # posting it keeps the account closed for good
    assert one(led, xfer("K3", "C", "A", 5, flags=acid.CLOSING_CREDIT | P)) == ("ok", None)
    assert led.lookup_accounts(["A"])[0]["flags"] & acid.CLOSED
    assert one(led, post("Q3", "K3")) == ("ok", None)
    assert led.lookup_accounts(["A"])[0]["flags"] & acid.CLOSED
    assert one(led, xfer("T2", "B", "A", 1)) == ("account_closed", "credit_account_id")
    assert bal(led, "A") == (0, 51, 0, 5)


def test_closed_account_blocks_other_resolutions():
    led = ledger("A", "B", ticks_per_second=MS)
    one(led, xfer("P1", "A", "B", 10, flags=P, timeout=60), 10000)
    one(led, xfer("K1", "B", "A", 0, flags=acid.CLOSING_DEBIT | P, timeout=5), 10001)
    # B is closed: P1 (not the closing transfer) can neither be posted nor voided now
    assert one(led, post("Q1", "P1")) == ("account_closed", "credit_account_id")
    assert one(led, void("Q1", "P1")) == ("account_closed", "credit_account_id")
    # the closing transfer expires: B reopens
    led.pulse(15001)
    assert state(led, "K1") == "expired"
    assert not led.lookup_accounts(["B"])[0]["flags"] & acid.CLOSED
    assert one(led, post("Q1", "P1")) == ("ok", None)


def test_account_created_closed():
    led = ledger("A", acct("X", flags=acid.CLOSED))
    assert one(led, xfer("T", "A", "X", 1)) == ("account_closed", "credit_account_id")
    assert one(led, xfer("T", "X", "A", 0, flags=acid.CLOSING_DEBIT | P)) == \
        ("account_closed", "debit_account_id")
    assert led.lookup_accounts(["X"])[0]["flags"] == acid.CLOSED
