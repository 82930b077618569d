# Portable tests of linked chains in the ledger (transaction/engine.py): events with the linked
# flag up to the first without it commit or fail as a unit. Plain asserts: pytest on the host,
# `selftest engine` in the kernel.
from tests.portable.test_engine import acct, bal, check, codes, funded, ledger, post, void, xfer
import struct

from transaction import acid, engine

LK = acid.LINKED
P = acid.PENDING


def test_chain_commits_as_a_unit():
    led = ledger("A", "B", "C")
    r = led.create_transfers([xfer("T1", "A", "B", 10, flags=LK), xfer("T2", "B", "C", 10,
                              flags=LK), xfer("T3", "C", "A", 3)], 0)
    assert codes(r) == ["ok", "ok", "ok"]
    assert bal(led, "B") == (0, 10, 0, 10)
    check(led)


def test_failing_event_fails_the_whole_chain():
    led = funded()
    evs = [xfer("T0", "A", "B", 1),                        # alone: commits
           xfer("T1", "A", "B", 10, flags=LK),             # chain T1..T4
           xfer("T2", "A", "L", 500, flags=LK),
           xfer("T3", "L", "B", 1600, flags=LK),           # fails: exceeds_credits
           xfer("T4", "A", "B", 10),                       # chain end
           xfer("T5", "A", "B", 2)]                        # after the chain: commits
    r = led.create_transfers(evs, 0)
    assert r == [(0, "ok", None), (1, "linked_event_failed", None),
                 (2, "linked_event_failed", None), (3, "exceeds_credits", "debit_account_id"),
                 (4, "linked_event_failed", None), (5, "ok", None)]
    assert led.lookup_transfers(["T1", "T2", "T3", "T4"]) == []
    assert bal(led, "A") == (0, 1003, 0, 0)  # F1 (1000) + T0 + T5
    assert bal(led, "L") == (0, 0, 0, 1000)
    s = led.stats()
    assert s["rejected"] == 4 and s["committed"] == 8 + 2  # 6 accounts, F1, F2, T0, T5
    check(led)


def test_failure_at_first_and_last_events():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("T1", "A", "A", 1, flags=LK), xfer("T2", "A", "B", 1,
                              flags=LK), xfer("T3", "A", "B", 1)], 0)
    assert codes(r) == ["accounts_must_be_different", "linked_event_failed",
                        "linked_event_failed"]
    r = led.create_transfers([xfer("T1", "A", "B", 1, flags=LK), xfer("T2", "A", "B", 1,
                              flags=LK), xfer("T3", "A", "A", 1)], 0)
    assert codes(r) == ["linked_event_failed", "linked_event_failed",
                        "accounts_must_be_different"]
    assert led.stats()["transfers"] == 0
    check(led)


def test_chain_left_open():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("T0", "A", "B", 1), xfer("T1", "A", "B", 1, flags=LK),
                              xfer("T2", "A", "B", 1, flags=LK)], 0)
    assert codes(r) == ["ok", "linked_event_failed", "linked_event_chain_open"]
    r = led.create_transfers([xfer("T3", "A", "B", 1, flags=LK)], 0)
    assert codes(r) == ["linked_event_chain_open"]
    assert bal(led, "A") == (0, 1, 0, 0)
    check(led)


def test_two_chains_in_a_batch_are_independent():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("T1", "A", "B", 1, flags=LK), xfer("T2", "A", "A", 1),
                              xfer("T3", "A", "B", 1, flags=LK), xfer("T4", "A", "B", 1)], 0)
    assert codes(r) == ["linked_event_failed", "accounts_must_be_different", "ok", "ok"]
    assert [t["id"] for t in led.lookup_transfers(["T1", "T2", "T3", "T4"])] == ["T3", "T4"]


def test_exists_fails_a_chain():
    """As in TigerBeetle: a chain replayed after it committed does not commit a second time."""
    led = ledger("A", "B")
    chain = [xfer("T1", "A", "B", 5, flags=LK), xfer("T2", "B", "A", 2)]
    assert codes(led.create_transfers(chain, 0)) == ["ok", "ok"]
    assert codes(led.create_transfers(chain, 0)) == ["exists", "linked_event_failed"]
    mixed = [xfer("T3", "A", "B", 1, flags=LK), xfer("T2", "B", "A", 2)]
    assert codes(led.create_transfers(mixed, 0)) == ["linked_event_failed", "exists"]
    assert led.lookup_transfers(["T3"]) == []
    assert bal(led, "A") == (0, 5, 0, 2)
    s = led.stats()
    assert s["exists"] == 2


def test_chain_undo_restores_every_kind_of_change():
    led = funded(ticks_per_second=1000)
    assert codes(led.create_transfers([xfer("P1", "A", "B", 100, flags=P),
                                       xfer("P2", "A", "B", 40, flags=P),
                                       xfer("K1", "A", "B", 0, flags=P | acid.CLOSING_CREDIT)],
                                      5000)) == ["ok", "ok", "ok"]
    before = [bal(led, x) for x in ("A", "B", "L", "M")]
    states = [t["state"] for t in led.lookup_transfers(["P1", "P2", "K1"])]
    snap = led.snapshot()
    evs = [void("V1", "K1", flags=LK),                                  # void reopens B
           post("Q1", "P1", amount=60, flags=LK, reference="post-1"),   # post
           xfer("N1", "A", "B", 7, flags=LK, reference="n-1"),          # plain (B reopened)
           xfer("N2", "A", "L", 3, flags=LK),                           # plain, fast path
           xfer("P3", "A", "B", 9, flags=P | LK, timeout=1),            # pending with timeout
           void("V2", "P2", flags=LK),
           xfer("K2", "B", "A", 0, flags=P | LK | acid.CLOSING_DEBIT),  # closes B again
           xfer("T9", "L", "A", 10 ** 6)]                               # fails
    r = led.create_transfers(evs, 6000)
    assert codes(r) == ["linked_event_failed"] * 7 + ["exceeds_credits"]
    assert [bal(led, x) for x in ("A", "B", "L", "M")] == before
    assert [t["state"] for t in led.lookup_transfers(["P1", "P2", "K1"])] == states
    assert led.lookup_accounts(["B"])[0]["flags"] & acid.CLOSED
    assert led.lookup_reference("post-1") is None and led.lookup_reference("n-1") is None
    assert led.lookup_transfers(["Q1", "V1", "N1", "N2", "P3", "K2", "V2"]) == []
    check(led)
    # the same state as before the batch, but for the counters and the clock
    a = led.snapshot()
    head = struct.calcsize(engine._HEAD)
    assert a[head:-4] == snap[head:-4]
    # the undone pending transfer with a timeout does not expire anything later
    led.pulse(10 ** 9)
    assert led.stats()["expired"] == 0
    check(led)
    # the same chain without the failing event commits
    r = led.create_transfers(evs[:6] + [xfer("K2", "B", "A", 0, flags=P | acid.CLOSING_DEBIT)], 0)
    assert codes(r) == ["ok"] * 7


def test_linked_accounts():
    led = Ledger_with("A")
    r = led.create_accounts([acct("N1", flags=LK), acct("N2", flags=LK), acct("N3", "usd")], 0)
    assert codes(r) == ["linked_event_failed", "linked_event_failed", "currency_invalid"]
    assert led.lookup_accounts(["N1", "N2", "N3"]) == []
    check(led)
    r = led.create_accounts([acct("N1", flags=LK), acct("N2")], 0)
    assert codes(r) == ["ok", "ok"]
    r = led.create_accounts([acct("N4", flags=LK)], 0)
    assert codes(r) == ["linked_event_chain_open"]
    r = led.create_accounts([acct("N5", flags=LK), acct("A")], 0)
    assert codes(r) == ["linked_event_failed", "exists"]
    assert led.stats()["accounts"] == 3
    # an account that linked at creation keeps that flag, and exists compares it
    assert led.lookup_accounts(["N1"])[0]["flags"] == LK
    assert codes(led.create_accounts([acct("N1")], 0)) == ["exists_with_different_fields"]
    check(led)


def Ledger_with(*ids):
    return ledger(*ids)


def test_invalid_flags_do_not_link():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("T1", "A", "B", 1, flags=LK), xfer("T2", "A", "B", 1,
                              flags=LK | 16), xfer("T3", "A", "B", 1)], 0)
    assert r == [(0, "linked_event_failed", None), (1, "flags_invalid", "flags"),
                 (2, "ok", None)]
    r = led.create_transfers([xfer("T4", "A", "B", 1, flags=-1)], 0)
    assert r == [(0, "flags_invalid", "flags")]


def test_chain_of_non_dict_events():
    led = ledger("A", "B")
    r = led.create_transfers([xfer("T1", "A", "B", 1, flags=LK), None, xfer("T2", "A", "B", 1)],
                             0)
    assert codes(r) == ["linked_event_failed", "event_invalid", "ok"]
