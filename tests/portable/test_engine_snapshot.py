# Portable tests of the ledger's snapshots (transaction/engine.py: snapshot, restore), of
# verify() and of the invariants checked after every batch. Plain asserts: pytest on the host,
# `selftest engine` in the kernel.
from tests.portable.test_engine import (acct, bal, check, codes, funded, ledger, post, raises,
                                        void, xfer)
from transaction import acid
from transaction.engine import Ledger, SnapshotError

try:
    from kernel.lib import json as kjson
except ImportError:
    import json as kjson

P = acid.PENDING
LK = acid.LINKED


def busy():
    """A ledger with something of everything, counting milliseconds."""
    led = funded(acct("J", "JPY", user_data="\u65e5\u672c \"quoted\" \\"), acct("J2", "JPY"),
                 ticks_per_second=1000)
    r = led.create_transfers([
        xfer("T1", "A", "B", 123, reference="ref-1", user_data="caf\u00e9"),
        xfer("T2", "J", "J2", 5000, "JPY"),
        xfer("P1", "A", "B", 10, flags=P, timeout=30),
        xfer("P2", "A", "B", 20, flags=P, timeout=1),
        xfer("P3", "A", "B", 30, flags=P),
        xfer("P4", "B", "A", 40, flags=P, timeout=2),
        xfer("K1", "E", "A", 0, "EUR", flags=P | acid.CLOSING_DEBIT),
        xfer("C1", "A", "L", 1, flags=LK), xfer("C2", "L", "B", 1),
        xfer("bad", "L", "B", 10 ** 6)], 10000)
    assert codes(r) == ["ok"] * 6 + ["currency_mismatch"] + ["ok"] * 2 + ["exceeds_credits"]
    r = led.create_transfers([post("Q1", "P1", amount=4), void("V3", "P3"),
                              xfer("K1", "E", "J", 0, "EUR", flags=P | acid.CLOSING_DEBIT)],
                             11500)  # P2 expired at the start of this batch
    assert codes(r) == ["ok", "ok", "currency_mismatch"]
    r = led.create_accounts([acct("E2", "EUR"), acct("E3", "EUR", flags=LK)], 11600)
    assert codes(r) == ["ok", "linked_event_chain_open"]
    r = led.create_transfers([xfer("K2", "E", "E2", 0, "EUR", flags=P | acid.CLOSING_DEBIT)],
                             11700)
    assert codes(r) == ["ok"]
    check(led)
    return led


def test_round_trip():
    led = busy()
    s = led.snapshot()
    assert type(s) is bytes
    doc = kjson.loads(s)
    assert doc["format"] == "qenex-ledger" and doc["version"] == 1
    assert doc["ticks_per_second"] == 1000
    led2 = Ledger.restore(s)
    assert led2.snapshot() == s
    assert led2.stats() == led.stats()
    ids = ["A", "B", "E", "E2", "L", "M", "X", "J", "J2"]
    assert led2.lookup_accounts(ids) == led.lookup_accounts(ids)
    tids = ["F1", "F2", "T1", "T2", "P1", "P2", "P3", "P4", "Q1", "V3", "C1", "C2", "K2"]
    assert led2.lookup_transfers(tids) == led.lookup_transfers(tids)
    assert led2.lookup_transfers(["P2"])[0]["state"] == "expired"
    assert led2.lookup_reference("ref-1")["id"] == "T1"
    assert led2.get_account_transfers("A") == led.get_account_transfers("A")
    check(led2)
    # both continue alike: the same batches give the same results and the same bytes,
    # expiry (P4 at 12003) and idempotency included
    for led_ in (led, led2):
        out = [led_.create_transfers([post("Q4", "P4"), xfer("T1", "A", "B", 123,
                                      reference="ref-1", user_data="caf\u00e9"),
                                      xfer("T9", "B", "A", 1, reference="ref-1")], 12500),
               led_.create_transfers([void("V1", "P1"), void("VK", "K2")], 12600),
               led_.pulse(50000)]
        if led_ is led:
            first = out
    assert out == first
    assert codes(out[0]) == ["pending_transfer_expired", "exists", "exists_with_different_fields"]
    assert codes(out[1]) == ["pending_transfer_already_posted", "ok"]
    assert led2.snapshot() == led.snapshot()
    assert bal(led2, "A") == bal(led, "A")


def test_empty_ledger_round_trip():
    led = Ledger()
    s = led.snapshot()
    led2 = Ledger.restore(s)
    assert led2.snapshot() == s
    assert led2.ticks_per_second == 10 ** 9
    assert led2.stats() == led.stats()


def test_same_batches_same_bytes():
    a = busy().snapshot()
    b = busy().snapshot()
    assert a == b
    assert a.startswith(b'{"accounts":[["A","USD",')


def test_restore_refuses_what_is_not_a_snapshot():
    s = busy().snapshot()
    for bad in (b"", b"not json", b"[]", b'{"format":"other","version":1}', s[:-1]):
        raises(SnapshotError, Ledger.restore, bad)
    doc = kjson.loads(s)
    doc["version"] = 2
    e = raises(SnapshotError, Ledger.restore, kjson.dumps_bytes(doc))
    assert "version" in str(e)
    assert isinstance(e, ValueError)


def edited(s, edit):
    doc = kjson.loads(s)
    edit(doc)
    return kjson.dumps_bytes(doc, sort_keys=True, separators=(",", ":"))


def test_restore_checks_the_state():
    s = busy().snapshot()

    def balance(doc):
        doc["accounts"][0][3] += 1  # A's debits_posted

    def amount(doc):
        doc["transfers"][2][3] += 1

    def state(doc):
        doc["pending_states"][0] = 0  # P1 was posted

    def states(doc):
        doc["pending_states"].pop()

    def account(doc):
        doc["transfers"][2][1] = "nobody"

    def dup(doc):
        doc["transfers"].append(doc["transfers"][2][:10] + [10 ** 9])

    def order(doc):
        doc["transfers"][3][10] = doc["transfers"][2][10]

    def flags(doc):
        doc["accounts"][5][6] = 0  # X, created closed, no longer closed

    def currency(doc):
        doc["accounts"][0][1] = "XXX"

    def row(doc):
        doc["transfers"][0].append(1)

    def counters(doc):
        doc["counters"] = [1, 2]

    def tps(doc):
        doc["ticks_per_second"] = 0

    for edit in (balance, amount, state, states, account, dup, order, flags, currency, row,
                 counters, tps):
        raises(SnapshotError, Ledger.restore, edited(s, edit))
    # unchanged, it restores
    Ledger.restore(edited(s, lambda doc: None))


def test_verify_finds_a_corrupted_balance():
    led = busy()
    assert led.verify() == []
    led._accounts["B"][acid.A_CPO] += 5
    problems = led.verify()
    assert problems, problems
    text = " ".join(problems)
    assert "account B" in text and "USD" in text  # its balance, and the currency's sums
    led._accounts["B"][acid.A_CPO] -= 5
    assert led.verify() == []
    led._pending["P3"] = acid.STATE_PENDING  # voided by V3
    assert any("P3" in p for p in led.verify())
    led._pending["P3"] = acid.STATE_VOIDED
    del led._refs["ref-1"]
    assert any("ref-1" in p for p in led.verify())


def test_batch_invariants_raise_on_corruption():
    led = funded()
    led._accounts["L"][acid.A_DPO] += 5000  # L's debits now exceed its credits
    # a batch that touches L (crediting it: allowed by the rules) finds the broken limit
    e = raises(acid.LedgerStateError, led.create_transfers, [xfer("T1", "A", "L", 1)], 0)
    assert "L" in str(e)
    # the sums of a batch: a debit without its credit
    led = funded()
    a = led._accounts["A"]
    c = led._accounts["B"]
    touched = [(a, a[acid.A_DPE], a[acid.A_DPO], a[acid.A_CPE], a[acid.A_CPO]),
               (c, c[acid.A_DPE], c[acid.A_DPO], c[acid.A_CPE], c[acid.A_CPO])]
    acid.check_batch(touched)
    a[acid.A_DPO] += 7
    e = raises(acid.LedgerStateError, acid.check_batch, touched)
    assert "USD" in str(e)
    c[acid.A_CPO] += 7
    acid.check_batch(touched)
    a[acid.A_DPE] += 1
    raises(acid.LedgerStateError, acid.check_batch, touched)


def test_checks_can_be_turned_off():
    led = funded(check=False)
    led._accounts["L"][acid.A_DPO] += 5000
    assert codes(led.create_transfers([xfer("T1", "A", "L", 1)], 0)) == ["ok"]
    assert led.verify() != []
