# Portable tests of the ledger's snapshots (transaction/engine.py: snapshot, restore), of
# verify() and of the invariants checked after every batch. Plain asserts: pytest on the host,
# `selftest engine` in the kernel.
from tests.portable.test_engine import (acct, bal, check, codes, funded, post, raises,
                                        void, xfer)
import binascii
import struct

from transaction import acid, engine
from transaction.engine import Ledger, SnapshotError

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
    assert s[:4] == b"QXLG" and struct.unpack_from("<H", s, 4)[0] == 1
    assert struct.unpack_from("<I", s, len(s) - 4)[0] == binascii.crc32(s[:-4]) & 0xFFFFFFFF
    led2 = Ledger.restore(s)
    assert led2.snapshot() == s
    assert led2.ticks_per_second == 1000
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
    assert Ledger.restore(bytearray(s)).snapshot() == s


def split(s, sizes):
    """`s` cut into pieces of the given sizes, cycled (some empty)."""
    out = []
    i = k = 0
    while i < len(s):
        n = sizes[k % len(sizes)]
        out.append(s[i:i + n])
        i += n
        k += 1
    return out


def test_snapshot_pieces_concatenate_to_the_snapshot():
    led = busy()
    s = led.snapshot()
    for piece in (1, 50, 64, 1000, engine.SNAPSHOT_PIECE):
        ps = led.snapshot_pieces(piece)
        assert b"".join(ps) == s
        assert ps[-1] == s[-4:]                   # the trailer, a piece of its own
        for x in ps[:-2]:                        # a piece ends at the first record boundary
            assert piece <= len(x) < piece + 300  # at or after `piece` bytes
    assert len(led.snapshot_pieces(50)) > 10 and len(led.snapshot_pieces()) == 2
    assert led.snapshot_pieces(64) == busy().snapshot_pieces(64)


def test_restore_from_pieces_cut_anywhere():
    led = busy()
    s = led.snapshot()
    for sizes in ((1,), (3, 0, 7), (2, 1000), (len(s) - 2, 1, 1), (len(s),), (41, 0)):
        led2 = Ledger.restore(split(s, sizes))
        assert led2.snapshot() == s and led2.stats() == led.stats()
    assert Ledger.restore(led.snapshot_pieces(64)).snapshot() == s
    assert Ledger.restore([bytearray(x) for x in split(s, (5,))]).snapshot() == s
    # the same errors as whole bytes
    for bad in (split(s[:-1], (9,)), split(s[:-5] + s[-4:], (9,)), [], [b""], [s, 1]):
        raises(SnapshotError, Ledger.restore, bad)
    e = raises(SnapshotError, Ledger.restore, split(s[:-4] + b"\x00\x00\x00\x00", (7,)))
    assert "checksum" in str(e)
    raises(SnapshotError, Ledger.restore, split(signed(s[:-40]), (13,)))
    raises(SnapshotError, Ledger.restore, split(signed(s[:-4] + b"\x00"), (13,)))


def test_same_batches_same_bytes():
    a = busy().snapshot()
    b = busy().snapshot()
    assert a == b


def signed(body):
    """A snapshot body with a valid checksum (to reach the checks behind it)."""
    return body + struct.pack("<I", binascii.crc32(body) & 0xFFFFFFFF)


def test_restore_refuses_what_is_not_a_snapshot():
    s = busy().snapshot()
    for bad in (b"", b"QXLG", b"not a snapshot at all, not at all, no no no no no", s[:-1],
                s[:-5] + s[-4:], s[:40] + bytes([s[40] ^ 1]) + s[41:], "text", None):
        e = raises(SnapshotError, Ledger.restore, bad)
        assert isinstance(e, ValueError)
    e = raises(SnapshotError, Ledger.restore, signed(s[:4] + b"\x02\x00" + s[6:-4]))
    assert "version" in str(e)
    e = raises(SnapshotError, Ledger.restore, s[:-4] + b"\x00\x00\x00\x00")
    assert "checksum" in str(e)
    # cut short, or with bytes after the last record, behind a valid checksum
    raises(SnapshotError, Ledger.restore, signed(s[:-40]))
    raises(SnapshotError, Ledger.restore, signed(s[:-4] + b"\x00"))
    # a transfer count that says more than there is
    head = struct.calcsize(engine._HEAD)
    body = s[:head - 4] + struct.pack("<I", 10 ** 6) + s[head:-4]
    raises(SnapshotError, Ledger.restore, signed(body))
    Ledger.restore(signed(s[:-4]))


def corrupted(edit):
    """restore() of the snapshot of busy() after `edit(ledger)` (must fail)."""
    led = busy()
    edit(led)
    return raises(SnapshotError, Ledger.restore, led.snapshot())


def set_column(led, tid, column, value):
    """Overwrite one field of a stored transfer (the index is not told)."""
    getattr(led, column)[led._tindex.find(tid)] = value


def set_state(led, tid, state):
    p = led._tindex.find(tid)
    led.t_fs[p] = (led.t_fs[p] & acid.FLAGS_MASK) | (state << acid.STATE_SHIFT)


def test_restore_checks_the_state():
    def balance(led):
        led._accounts.get("A")[acid.A_DPO] += 1

    def amount(led):
        set_column(led, "T1", "t_amount", 124)

    def state(led):
        set_state(led, "P1", acid.STATE_PENDING)  # P1 was posted by Q1

    def order(led):
        set_column(led, "T2", "t_ts", led.t_ts[led._tindex.find("T1")])

    def closed(led):
        led._accounts.get("X")[acid.A_FLAGS] = 0  # created closed

    def reopened(led):
        led._accounts.get("E")[acid.A_FLAGS] = 0  # closed by K2, still pending

    def currency(led):
        led._accounts.get("A")[acid.A_CUR] = "XXX"

    def limit(led):  # consistent balances, but L's debits past its credits
        set_column(led, "C2", "t_amount", 2000)
        led._accounts.get("L")[acid.A_DPO] += 1999
        led._accounts.get("B")[acid.A_CPO] += 1999

    def bad_id(led):
        set_column(led, "T2", "t_id", "T 2")

    def dup_id(led):
        set_column(led, "T2", "t_id", "T1")

    for edit, words in ((balance, "account A: balances"), (amount, "account A: balances"),
                        (state, "pending transfer P1"), (order, "transfer T2"),
                        (closed, "account X: closed"), (reopened, "account E: closed"),
                        (currency, "unknown currency"), (limit, "debits exceed credits"),
                        (bad_id, "T 2"), (dup_id, "repeated transfer id")):
        e = corrupted(edit)
        assert words in str(e), (words, str(e))
    Ledger.restore(busy().snapshot())


def test_verify_finds_a_corrupted_balance():
    led = busy()
    assert led.verify() == []
    led._accounts.get("B")[acid.A_CPO] += 5
    problems = led.verify()
    assert problems, problems
    text = " ".join(problems)
    assert "account B" in text and "USD" in text  # its balance, and the currency's sums
    led._accounts.get("B")[acid.A_CPO] -= 5
    assert led.verify() == []
    set_state(led, "P3", acid.STATE_PENDING)  # voided by V3
    assert any("P3" in p for p in led.verify())
    set_state(led, "P3", acid.STATE_VOIDED)
    led._rindex.remove("ref-1", led._tindex.find("T1"))
    assert any("ref-1" in p for p in led.verify())


def test_batch_invariants_raise_on_corruption():
    led = funded()
    led._accounts.get("L")[acid.A_DPO] += 5000  # L's debits now exceed its credits
    # a batch that touches L (crediting it: allowed by the rules) finds the broken limit
    e = raises(acid.LedgerStateError, led.create_transfers, [xfer("T1", "A", "L", 1)], 0)
    assert "L" in str(e)
    # the sums of a batch: a debit without its credit
    led = funded()
    a = led._accounts.get("A")
    c = led._accounts.get("B")
    touched = [a, c]
    for x in touched:
        x[acid.A_B_DPE:acid.A_B_CPO + 1] = x[acid.A_DPE:acid.A_CPO + 1]
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
    led._accounts.get("L")[acid.A_DPO] += 5000
    assert codes(led.create_transfers([xfer("T1", "A", "L", 1)], 0)) == ["ok"]
    assert led.verify() != []
