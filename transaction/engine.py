"""The ledger's state machine: double-entry accounts and immutable transfers with TigerBeetle's
semantics (single- and two-phase transfers, linked chains, balance limits, idempotency), in
portable Python (CPython for the host tests, MicroPython in the kernel). Design notes:
transaction/ENGINE.md; rules, result codes and invariants: transaction/acid.py.

    led = Ledger()
    led.create_accounts([{"id": "A", "currency": "USD"}, {"id": "B", "currency": "USD"}], ts)
    led.create_transfers([{"id": "T1", "debit_account_id": "A", "credit_account_id": "B",
                           "amount": 100000, "currency": "USD"}], ts)
    -> [(0, "ok", None)]

`apply((operation, events), timestamp)` is the only mutator; create_accounts and
create_transfers are shorthands for it. The result is deterministic: the same sequence of
batches and timestamps gives the same results and the same `snapshot()` bytes, on CPython and
on MicroPython. Nothing here reads a clock, a random source or dict iteration order.
"""
from transaction.acid import (
    ACCOUNT_CLOSED, ACCOUNT_FIELDS, ACCOUNT_FLAGS, ACCOUNT_NOT_FOUND, ACCOUNTS_MUST_BE_DIFFERENT,
    AMOUNT_INVALID, AMOUNT_MUST_NOT_BE_ZERO, AMOUNT_NEGATIVE, AMOUNT_TOO_LARGE, A_CFLAGS, A_CPE,
    A_CPO, A_CUR, A_DPE, A_DPO, A_FLAGS, A_ID, A_LOG, A_MARK, A_NUM, A_TS, A_UD, CLOSED, CLOSING_CREDIT,
    CLOSING_DEBIT, CLOSING_TRANSFER_MUST_BE_PENDING, CREDITS_MUST_NOT_EXCEED_DEBITS,
    CURRENCY_INVALID, CURRENCY_MISMATCH, DEBITS_MUST_NOT_EXCEED_CREDITS, EVENT_INVALID,
    EXCEEDS_CREDITS, EXCEEDS_DEBITS, EXCEEDS_PENDING_TRANSFER_AMOUNT, EXISTS,
    EXISTS_WITH_DIFFERENT_FIELDS, FIELD_UNKNOWN, FLAGS_ARE_MUTUALLY_EXCLUSIVE, FLAGS_INVALID,
    ID_CHARS, ID_INVALID, LINKED, LINKED_EVENT_CHAIN_OPEN, LINKED_EVENT_FAILED, MAX_BALANCE,
    MAX_BATCH, MAX_PAGE, MAX_TIMEOUT, OK, OVERFLOWS_CREDITS, OVERFLOWS_DEBITS, PENDING,
    PENDING_ID_MUST_BE_DIFFERENT, PENDING_ID_NOT_ALLOWED, PENDING_ID_REQUIRED,
    PENDING_TRANSFER_ALREADY_POSTED, PENDING_TRANSFER_ALREADY_VOIDED, PENDING_TRANSFER_EXPIRED,
    PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, PENDING_TRANSFER_NOT_FOUND,
    PENDING_TRANSFER_NOT_PENDING, POST_PENDING_TRANSFER, REFERENCE_INVALID, REFERENCE_MAX,
    STATE_EXPIRED, STATE_NAMES, STATE_PENDING, STATE_POSTED, STATE_VOIDED, TIMEOUT_INVALID,
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER, TRANSFER_FIELDS, TRANSFER_FLAGS, T_AMT, T_CR, T_CUR,
    T_DR, T_FLAGS, T_ID, T_PID, T_REF, T_TIMEOUT, T_TS, T_UD, USER_DATA_INVALID, USER_DATA_MAX,
    VOID_PENDING_TRANSFER, Index, LedgerStateError, _hash, check_batch, valid_id, verify)
from transaction.currency import CURRENCIES, MAX_AMOUNT
import binascii
import struct

CREATE_ACCOUNTS = "create_accounts"
CREATE_TRANSFERS = "create_transfers"
PULSE = "pulse"            # no events: only advances time (expires pending transfers)
OPERATIONS = (CREATE_ACCOUNTS, CREATE_TRANSFERS, PULSE)

SNAPSHOT_MAGIC = b"QXLG"
SNAPSHOT_VERSION = 1
MAX_TIMESTAMP = (1 << 63) - 1
# Snapshot records (little-endian; see Ledger.snapshot):
_HEAD = "<4sHHQQQQQQQII"   # magic, version, 0, ticks/s, last ts, batches, 4 counters, #acc, #tr
_ACC = "<B3sHQQQQIQI"      # id len, currency, user_data len, 4 balances, flags, ts, cflags
_TR = "<BBHHIIQIQHB"       # id len, pending_id len, reference len, user_data len, debit and
#                            credit account numbers, amount, timeout, ts, flags, pending state
_NONE8 = 0xFF              # length of an absent string
_NONE16 = 0xFFFF
_NO_STATE = 0xFF

_RESOLVING = POST_PENDING_TRANSFER | VOID_PENDING_TRANSFER
_KINDS = PENDING | _RESOLVING
_CLOSING = CLOSING_DEBIT | CLOSING_CREDIT

# (i, "ok", None) for every index of a batch, built once and shared (tuples are immutable):
# the success path of a batch then allocates no result objects.
_OK_RESULTS = []


def _ok_results(n):
    k = len(_OK_RESULTS)
    while k < n:
        _OK_RESULTS.append((k, OK, None))
        k += 1
    return _OK_RESULTS


class BatchError(ValueError):
    """A batch the ledger does not take at all (nothing of it is applied): an unknown
    operation, events that are not a list, more than MAX_BATCH events, a bad timestamp."""


class SnapshotError(ValueError):
    """Bytes that are not a snapshot this version can restore."""


def _linked(ev, valid):
    """True if the event has the linked flag among valid flags (an event whose flags are not
    valid fails on them and is not linked to the next)."""
    if type(ev) is not dict:
        return False
    f = ev.get("flags")
    return type(f) is int and f & LINKED != 0 and f >= 0 and not f & ~valid


def _unknown_field(ev, known):
    """The first (in sorted order: deterministic) member of `ev` not in `known`, or None."""
    bad = None
    for k in ev:
        if k not in known and (bad is None or (type(k) is str and type(bad) is str and k < bad)):
            bad = k
    return bad if bad is None or type(bad) is str else repr(bad)


def _same(a, b):
    return a == b and type(a) is type(b)


def _transfer_differs(t, ev, f, by_reference):
    """The first field in which the request `ev` (flags `f`) differs from the stored transfer
    `t`, or None. A post or void may leave out the accounts, currency and amount (they come
    from the pending transfer); those it gives are compared. The id is not compared when the
    match is by reference (a retry may carry a new id)."""
    resolving = t[T_FLAGS] & _RESOLVING
    for name, slot in (("debit_account_id", T_DR), ("credit_account_id", T_CR),
                       ("amount", T_AMT), ("currency", T_CUR)):
        v = ev.get(name)
        if not (v is None and resolving) and not _same(v, t[slot]):
            return name
    if not _same(ev.get("pending_id"), t[T_PID]):
        return "pending_id"
    v = ev.get("timeout")
    if not _same(0 if v is None else v, t[T_TIMEOUT]):
        return "timeout"
    if not by_reference and not _same(ev.get("reference"), t[T_REF]):
        return "reference"
    if not _same(ev.get("user_data"), t[T_UD]):
        return "user_data"
    if f != t[T_FLAGS]:
        return "flags"
    return None


def _heappush(h, item):
    h.append(item)
    i = len(h) - 1
    while i:
        up = (i - 1) >> 1
        if not item < h[up]:
            break
        h[i] = h[up]
        i = up
    h[i] = item


def _heappop(h):
    top = h[0]
    last = h.pop()
    n = len(h)
    if n:
        i = 0
        while True:
            k = 2 * i + 1
            if k >= n:
                break
            if k + 1 < n and h[k + 1] < h[k]:
                k += 1
            if not h[k] < last:
                break
            h[i] = h[k]
            i = k
        h[i] = last
    return top


def _bisect_ts(lst, ts):
    """The first index of `lst` (transfers by timestamp) whose timestamp is >= ts."""
    lo, hi = 0, len(lst)
    while lo < hi:
        mid = (lo + hi) >> 1
        if lst[mid][T_TS] < ts:
            lo = mid + 1
        else:
            hi = mid
    return lo


def account_dict(a):
    """An account as a dict (balances in minor units, flags an int: acid.ACCOUNT_FLAG_NAMES)."""
    return {"id": a[A_ID], "currency": a[A_CUR], "debits_pending": a[A_DPE],
            "debits_posted": a[A_DPO], "credits_pending": a[A_CPE], "credits_posted": a[A_CPO],
            "flags": a[A_FLAGS], "user_data": a[A_UD], "timestamp": a[A_TS]}


class Ledger:
    """Accounts and transfers, changed only by `apply`. `ticks_per_second`: the unit of the
    timestamps given to apply (10**9: nanoseconds, like TigerBeetle; 1000: milliseconds); a
    pending transfer's timeout is in seconds. `check`: verify the invariants of every batch
    (acid.check_batch; a failure raises LedgerStateError)."""

    def __init__(self, ticks_per_second=10 ** 9, check=True):
        if type(ticks_per_second) is not int or not 0 < ticks_per_second <= MAX_TIMESTAMP:
            raise ValueError("ticks_per_second must be a positive int")
        self.ticks_per_second = ticks_per_second
        self.check = check
        self._fast = True          # the inline path for plain transfers (tests turn it off)
        self._accounts = Index()   # id -> account list (acid.A_*)
        self._account_order = []   # accounts in creation order (A_NUM is the position)
        self._transfers = Index()  # id -> transfer tuple (acid.T_*)
        self._log = []             # every transfer in commit (= timestamp) order
        self._pending = Index()    # pending transfer id -> STATE_*
        self._refs = Index()       # reference -> transfer
        self._expiry = []          # heap of (expires_at, timestamp, id) of pending transfers
        self._last_ts = 0          # the last timestamp given to an event (or a pulse)
        self._batches = 0
        self._committed = 0        # events that returned ok
        self._rejected = 0         # events that returned an error (exists is not one)
        self._exists = 0           # events that returned exists (idempotent retries)
        self._expired = 0          # pending transfers that timed out
        self._open = 0             # pending transfers not yet resolved

    # ---- the mutator ------------------------------------------------------------------------

    def apply(self, batch, timestamp):
        """Apply one batch: `(operation, events)` with operation "create_accounts",
        "create_transfers" or "pulse" (no events). `timestamp`: an int in ticks; event i of the
        batch is stamped base + i where base = max(timestamp, last timestamp + 1), so stamps
        are unique and increasing even if the clock goes back. Pending transfers whose timeout
        has passed at base are expired first. Returns one (index, code, field) per event, in
        order. Raises BatchError (nothing applied) for a malformed batch."""
        if type(batch) is not tuple and type(batch) is not list or len(batch) != 2:
            raise BatchError("a batch is (operation, events)")
        op, events = batch
        if op != CREATE_TRANSFERS and op != CREATE_ACCOUNTS and op != PULSE:
            raise BatchError("unknown operation %r" % (op,))
        if type(events) is not list and type(events) is not tuple:
            raise BatchError("events must be a list")
        n = len(events)
        if n > MAX_BATCH:
            raise BatchError("%d events in one batch, at most %d" % (n, MAX_BATCH))
        if op == PULSE and n:
            raise BatchError("a pulse has no events")
        if type(timestamp) is not int or timestamp < 0:
            raise BatchError("the timestamp must be an int >= 0")
        base = timestamp if timestamp > self._last_ts else self._last_ts + 1
        if base + n > MAX_TIMESTAMP:
            raise BatchError("timestamp past 2**63")
        self._last_ts = base + n - 1 if n else base
        self._batches += 1
        mark = self._batches
        touched = []
        self._expire(base, touched, mark)
        if op == CREATE_TRANSFERS:
            self._transfers.reserve(n)
            self._refs.reserve(n)
            self._pending.reserve(n)
            results = self._run(events, base, touched, mark, True)
        elif op == CREATE_ACCOUNTS:
            self._accounts.reserve(n)
            results = self._run(events, base, touched, mark, False)
        else:
            results = []
        if self.check:
            check_batch(touched)
        return results

    def create_accounts(self, events, timestamp):
        return self.apply((CREATE_ACCOUNTS, events), timestamp)

    def create_transfers(self, events, timestamp):
        return self.apply((CREATE_TRANSFERS, events), timestamp)

    def pulse(self, timestamp):
        """Advance time to `timestamp`: expire the pending transfers whose timeout passed."""
        return self.apply((PULSE, ()), timestamp)

    # ---- one batch --------------------------------------------------------------------------

    def _run(self, events, base, touched, mark, transfers_op):
        """The events of one batch in order, with linked chains: a chain (events with the linked
        flag up to the first without it) commits as a unit. When one of its events fails (an
        `exists` too, as in TigerBeetle), what the chain did so far is undone, that event keeps
        its own code and every other event of the chain gets linked_event_failed; a chain still
        open at the end of the batch fails at its last event with linked_event_chain_open.

        Plain transfers that commit are done inline here (one frame for the whole batch: on
        MicroPython a call with a big frame costs tens of microseconds); anything else, failures
        included, goes through _transfer or _account, which check every rule in order."""
        n = len(events)
        last = n - 1
        results = [None] * n
        ok = _ok_results(n)
        log = self._log
        crc = _hash
        abk = self._accounts.buckets
        amask = self._accounts.mask
        tbk = self._transfers.buckets
        tmask = self._transfers.mask
        rbk = self._refs.buckets
        rmask = self._refs.mask
        one = self._transfer if transfers_op else self._account
        undo_one = self._undo_transfer if transfers_op else self._undo_account
        fast = self._fast and transfers_op
        valid_flags = TRANSFER_FLAGS if transfers_op else ACCOUNT_FLAGS
        ids = ID_CHARS
        max_amount = MAX_AMOUNT
        max_balance = MAX_BALANCE
        max_ref = REFERENCE_MAX
        max_ud = USER_DATA_MAX
        limit_flags = DEBITS_MUST_NOT_EXCEED_CREDITS | CREDITS_MUST_NOT_EXCEED_DEBITS | CLOSED
        chain = -1         # first event of the open chain, -1 outside one
        undo = []          # what the open chain has committed, in order
        skip = False       # the chain failed: its remaining events fail unseen
        committed = rejected = exists = 0
        fast_transfers = fast_refs = 0  # added to the indexes inline (not counted by them)
        for i in range(n):
            ev = events[i]
            if skip:
                results[i] = (i, LINKED_EVENT_FAILED, None)
                rejected += 1
                skip = _linked(ev, valid_flags)
                continue
            ts = base + i
            rec = None
            if fast and type(ev) is dict:
                # A plain transfer: members id, debit_account_id, credit_account_id, amount,
                # currency, and optionally flags (0 or linked), reference, user_data; nothing
                # else (len(ev) == k). Every check of _transfer, for the case where all pass.
                tid = ev.get("id")
                did = ev.get("debit_account_id")
                cid = ev.get("credit_account_id")
                amount = ev.get("amount")
                cur = ev.get("currency")
                f = ev.get("flags")
                ref = ev.get("reference")
                ud = ev.get("user_data")
                k = 5
                if f is None:
                    f = 0
                else:
                    k += 1
                if ref is not None:
                    k += 1
                if ud is not None:
                    k += 1
                if (len(ev) == k and type(f) is int and (f == 0 or (f == 1 and i != last))
                        and type(tid) is str and 0 < len(tid) <= 64 and not tid.strip(ids)
                        and type(amount) is int and 0 < amount <= max_amount
                        and type(did) is str and type(cid) is str and did != cid
                        and (ud is None or (type(ud) is str and len(ud) <= max_ud))
                        and (ref is None or (type(ref) is str and 0 < len(ref) <= max_ref
                                             and ref not in rbk[crc(ref) & rmask]))):
                    tb = tbk[crc(tid) & tmask]
                    d = abk[crc(did) & amask].get(did)
                    c = abk[crc(cid) & amask].get(cid)
                    if (tid not in tb and d is not None and c is not None
                            and cur == d[1] and cur == c[1]):
                        # accounts: 1 currency, 2 debits_pending, 3 debits_posted,
                        # 4 credits_pending, 5 credits_posted, 6 flags, 9 transfers, 11 mark
                        df = d[6]
                        cf = c[6]
                        dsum = d[2] + d[3] + amount
                        csum = c[4] + c[5] + amount
                        if (dsum <= max_balance and csum <= max_balance
                                and (not (df | cf) & limit_flags
                                     or (not (df | cf) & CLOSED
                                         and not (df & DEBITS_MUST_NOT_EXCEED_CREDITS
                                                  and dsum > d[5])
                                         and not (cf & CREDITS_MUST_NOT_EXCEED_DEBITS
                                                  and csum > c[3])))):
                            if d[11] != mark:
                                d[11] = mark
                                touched.append((d, d[2], d[3], d[4], d[5]))
                            if c[11] != mark:
                                c[11] = mark
                                touched.append((c, c[2], c[3], c[4], c[5]))
                            d[3] += amount
                            c[5] += amount
                            rec = (tid, did, cid, amount, cur, None, 0, ref, ud, f, ts)
                            tb[tid] = rec
                            fast_transfers += 1
                            log.append(rec)
                            d[9].append(rec)
                            c[9].append(rec)
                            if ref is not None:
                                rbk[crc(ref) & rmask][ref] = rec
                                fast_refs += 1
                            if not f:
                                results[i] = ok[i]
                                committed += 1
                                if chain >= 0:  # this event closes the chain: it commits
                                    chain = -1
                                    undo = []
                                continue
                            linked = True
            if rec is None:
                linked = _linked(ev, valid_flags)
                if linked and i == last:
                    code, field = LINKED_EVENT_CHAIN_OPEN, None
                else:
                    code, field, rec = one(ev, ts, touched, mark)
            if rec is not None:
                results[i] = ok[i]
                committed += 1
                if linked:
                    if chain < 0:
                        chain = i
                    undo.append(rec)
                elif chain >= 0:
                    chain = -1
                    undo = []
                continue
            results[i] = (i, code, field)
            if code == EXISTS:
                exists += 1
            else:
                rejected += 1
            if chain >= 0 or linked:  # the chain fails: undo it, newest first
                k = len(undo)
                while k:
                    k -= 1
                    undo_one(undo[k])
                if chain >= 0:
                    for j in range(chain, i):
                        results[j] = (j, LINKED_EVENT_FAILED, None)
                    committed -= i - chain
                    rejected += i - chain
                chain = -1
                undo = []
                skip = linked
        self._transfers.n += fast_transfers
        self._refs.n += fast_refs
        self._committed += committed
        self._rejected += rejected
        self._exists += exists
        return results

    def _touch(self, a, touched, mark):
        if a[A_MARK] != mark:
            a[A_MARK] = mark
            touched.append((a, a[A_DPE], a[A_DPO], a[A_CPE], a[A_CPO]))

    def _store(self, rec, d, c):
        self._transfers.add(rec[T_ID], rec)
        self._log.append(rec)
        d[A_LOG].append(rec)
        c[A_LOG].append(rec)
        if rec[T_REF] is not None:
            self._refs.add(rec[T_REF], rec)

    # ---- one transfer, every rule in order ----------------------------------------------------

    def _transfer(self, ev, ts, touched, mark):
        """Check and apply one create_transfers event: (code, field, transfer or None)."""
        if type(ev) is not dict:
            return EVENT_INVALID, None, None
        bad = _unknown_field(ev, TRANSFER_FIELDS)
        if bad is not None:
            return FIELD_UNKNOWN, bad, None
        f = ev.get("flags")
        if f is None:
            f = 0
        if type(f) is not int or f < 0 or f & ~TRANSFER_FLAGS:
            return FLAGS_INVALID, "flags", None
        tid = ev.get("id")
        if not valid_id(tid):
            return ID_INVALID, "id", None
        t = self._transfers.get(tid)
        if t is not None:
            field = _transfer_differs(t, ev, f, False)
            if field is None:
                return EXISTS, None, None
            return EXISTS_WITH_DIFFERENT_FIELDS, field, None
        kind = f & _KINDS
        if kind & (kind - 1):
            return FLAGS_ARE_MUTUALLY_EXCLUSIVE, "flags", None
        if f & _CLOSING and not f & PENDING:
            return CLOSING_TRANSFER_MUST_BE_PENDING, "flags", None
        ref = ev.get("reference")
        if ref is not None and not (type(ref) is str and 0 < len(ref) <= REFERENCE_MAX):
            return REFERENCE_INVALID, "reference", None
        ud = ev.get("user_data")
        if ud is not None and not (type(ud) is str and len(ud) <= USER_DATA_MAX):
            return USER_DATA_INVALID, "user_data", None
        if ref is not None:
            t = self._refs.get(ref)
            if t is not None:
                field = _transfer_differs(t, ev, f, True)
                if field is None:
                    return EXISTS, None, None
                return EXISTS_WITH_DIFFERENT_FIELDS, field, None
        if kind & _RESOLVING:
            return self._resolve(ev, tid, f, ref, ud, ts, touched, mark)
        if ev.get("pending_id") is not None:
            return PENDING_ID_NOT_ALLOWED, "pending_id", None
        timeout = ev.get("timeout")
        if timeout is None:
            timeout = 0
        if f & PENDING:
            if type(timeout) is not int or not 0 <= timeout <= MAX_TIMEOUT:
                return TIMEOUT_INVALID, "timeout", None
        elif type(timeout) is not int or timeout != 0:
            return TIMEOUT_RESERVED_FOR_PENDING_TRANSFER, "timeout", None
        did = ev.get("debit_account_id")
        if type(did) is not str:
            return ID_INVALID, "debit_account_id", None
        cid = ev.get("credit_account_id")
        if type(cid) is not str:
            return ID_INVALID, "credit_account_id", None
        if did == cid:
            return ACCOUNTS_MUST_BE_DIFFERENT, None, None
        amount = ev.get("amount")
        if type(amount) is not int:
            return AMOUNT_INVALID, "amount", None
        if amount < 0:
            return AMOUNT_NEGATIVE, "amount", None
        if amount == 0 and not f & _CLOSING:  # a closing transfer may move nothing
            return AMOUNT_MUST_NOT_BE_ZERO, "amount", None
        if amount > MAX_AMOUNT:
            return AMOUNT_TOO_LARGE, "amount", None
        cur = ev.get("currency")
        if type(cur) is not str or cur not in CURRENCIES:
            return CURRENCY_INVALID, "currency", None
        d = self._accounts.get(did)
        if d is None:
            return ACCOUNT_NOT_FOUND, "debit_account_id", None
        c = self._accounts.get(cid)
        if c is None:
            return ACCOUNT_NOT_FOUND, "credit_account_id", None
        if d[A_CUR] != cur:
            return CURRENCY_MISMATCH, "debit_account_id", None
        if c[A_CUR] != cur:
            return CURRENCY_MISMATCH, "credit_account_id", None
        if d[A_FLAGS] & CLOSED:
            return ACCOUNT_CLOSED, "debit_account_id", None
        if c[A_FLAGS] & CLOSED:
            return ACCOUNT_CLOSED, "credit_account_id", None
        dsum = d[A_DPE] + d[A_DPO] + amount
        csum = c[A_CPE] + c[A_CPO] + amount
        if dsum > MAX_BALANCE:
            return OVERFLOWS_DEBITS, "debit_account_id", None
        if csum > MAX_BALANCE:
            return OVERFLOWS_CREDITS, "credit_account_id", None
        if d[A_FLAGS] & DEBITS_MUST_NOT_EXCEED_CREDITS and dsum > d[A_CPO]:
            return EXCEEDS_CREDITS, "debit_account_id", None
        if c[A_FLAGS] & CREDITS_MUST_NOT_EXCEED_DEBITS and csum > c[A_DPO]:
            return EXCEEDS_DEBITS, "credit_account_id", None
        self._touch(d, touched, mark)
        self._touch(c, touched, mark)
        if f & PENDING:
            d[A_DPE] += amount
            c[A_CPE] += amount
            self._pending.add(tid, STATE_PENDING)
            self._open += 1
            if timeout:
                _heappush(self._expiry, (ts + timeout * self.ticks_per_second, ts, tid))
            if f & CLOSING_DEBIT:
                d[A_FLAGS] |= CLOSED
            if f & CLOSING_CREDIT:
                c[A_FLAGS] |= CLOSED
        else:
            d[A_DPO] += amount
            c[A_CPO] += amount
        rec = (tid, did, cid, amount, cur, None, timeout, ref, ud, f, ts)
        self._store(rec, d, c)
        return OK, None, rec

    def _resolve(self, ev, tid, f, ref, ud, ts, touched, mark):
        """A post_pending_transfer or void_pending_transfer event (flags, id, reference and
        user_data already checked)."""
        pid = ev.get("pending_id")
        if pid is None:
            return PENDING_ID_REQUIRED, "pending_id", None
        if type(pid) is not str:
            return ID_INVALID, "pending_id", None
        if pid == tid:
            return PENDING_ID_MUST_BE_DIFFERENT, "pending_id", None
        timeout = ev.get("timeout")
        if timeout is not None and (type(timeout) is not int or timeout != 0):
            return TIMEOUT_RESERVED_FOR_PENDING_TRANSFER, "timeout", None
        p = self._transfers.get(pid)
        if p is None:
            return PENDING_TRANSFER_NOT_FOUND, "pending_id", None
        if not p[T_FLAGS] & PENDING:
            return PENDING_TRANSFER_NOT_PENDING, "pending_id", None
        for name, slot in (("debit_account_id", T_DR), ("credit_account_id", T_CR),
                           ("currency", T_CUR)):
            v = ev.get(name)
            if v is not None and not _same(v, p[slot]):
                return PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, name, None
        pa = p[T_AMT]
        amount = ev.get("amount")
        if amount is None:
            amount = pa
        elif type(amount) is not int:
            return AMOUNT_INVALID, "amount", None
        elif f & VOID_PENDING_TRANSFER:
            if amount != pa:
                return PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, "amount", None
        elif amount < 0:
            return AMOUNT_NEGATIVE, "amount", None
        elif amount == 0 and pa:
            return AMOUNT_MUST_NOT_BE_ZERO, "amount", None
        elif amount > pa:
            return EXCEEDS_PENDING_TRANSFER_AMOUNT, "amount", None
        state = self._pending.get(pid)
        if state == STATE_POSTED:
            return PENDING_TRANSFER_ALREADY_POSTED, "pending_id", None
        if state == STATE_VOIDED:
            return PENDING_TRANSFER_ALREADY_VOIDED, "pending_id", None
        if state == STATE_EXPIRED or (p[T_TIMEOUT] and
                                      ts >= p[T_TS] + p[T_TIMEOUT] * self.ticks_per_second):
            return PENDING_TRANSFER_EXPIRED, "pending_id", None
        d = self._accounts.get(p[T_DR])
        c = self._accounts.get(p[T_CR])
        # A closed account takes no transfer, except the post or void of the pending transfer
        # that closed it.
        if d[A_FLAGS] & CLOSED and not p[T_FLAGS] & CLOSING_DEBIT:
            return ACCOUNT_CLOSED, "debit_account_id", None
        if c[A_FLAGS] & CLOSED and not p[T_FLAGS] & CLOSING_CREDIT:
            return ACCOUNT_CLOSED, "credit_account_id", None
        self._touch(d, touched, mark)
        self._touch(c, touched, mark)
        d[A_DPE] -= pa
        c[A_CPE] -= pa
        if f & POST_PENDING_TRANSFER:
            d[A_DPO] += amount
            c[A_CPO] += amount
            self._pending.add(pid, STATE_POSTED)
        else:
            self._pending.add(pid, STATE_VOIDED)
            self._reopen(p, d, c)
        self._open -= 1
        rec = (tid, p[T_DR], p[T_CR], amount, p[T_CUR], pid, 0, ref, ud, f, ts)
        self._store(rec, d, c)
        return OK, None, rec

    @staticmethod
    def _reopen(p, d, c):
        """Voiding or expiring the pending transfer p reopens the accounts it closed."""
        if p[T_FLAGS] & CLOSING_DEBIT:
            d[A_FLAGS] &= ~CLOSED
        if p[T_FLAGS] & CLOSING_CREDIT:
            c[A_FLAGS] &= ~CLOSED

    def _undo_transfer(self, rec):
        """Take back the transfer `rec`, the newest one (a failed linked chain)."""
        d = self._accounts.get(rec[T_DR])
        c = self._accounts.get(rec[T_CR])
        f = rec[T_FLAGS]
        amt = rec[T_AMT]
        if f & PENDING:
            d[A_DPE] -= amt
            c[A_CPE] -= amt
            self._pending.pop(rec[T_ID])
            self._open -= 1
            self._reopen(rec, d, c)  # a closing transfer needs open accounts: they were
            # (its expiry entry stays in the heap and is skipped: the transfer is gone)
        elif f & _RESOLVING:
            p = self._transfers.get(rec[T_PID])
            d[A_DPE] += p[T_AMT]
            c[A_CPE] += p[T_AMT]
            if f & POST_PENDING_TRANSFER:
                d[A_DPO] -= amt
                c[A_CPO] -= amt
            else:
                if p[T_FLAGS] & CLOSING_DEBIT:
                    d[A_FLAGS] |= CLOSED
                if p[T_FLAGS] & CLOSING_CREDIT:
                    c[A_FLAGS] |= CLOSED
            self._pending.add(rec[T_PID], STATE_PENDING)
            self._open += 1
        else:
            d[A_DPO] -= amt
            c[A_CPO] -= amt
        self._transfers.pop(rec[T_ID])
        if rec[T_REF] is not None:
            self._refs.pop(rec[T_REF])
        self._log.pop()
        d[A_LOG].pop()
        c[A_LOG].pop()

    def _expire(self, now, touched, mark):
        """Expire every pending transfer whose timeout has passed at `now`, oldest deadline
        first: its pending amounts are released and the accounts it closed reopen."""
        h = self._expiry
        while h and h[0][0] <= now:
            _, ts, tid = _heappop(h)
            p = self._transfers.get(tid)
            if p is None or p[T_TS] != ts or self._pending.get(tid) != STATE_PENDING:
                continue  # posted, voided, or undone with its chain
            d = self._accounts.get(p[T_DR])
            c = self._accounts.get(p[T_CR])
            self._touch(d, touched, mark)
            self._touch(c, touched, mark)
            d[A_DPE] -= p[T_AMT]
            c[A_CPE] -= p[T_AMT]
            self._pending.put(tid, STATE_EXPIRED)
            self._open -= 1
            self._reopen(p, d, c)
            self._expired += 1

    # ---- accounts ---------------------------------------------------------------------------

    def _account(self, ev, ts, touched, mark):
        """Check and apply one create_accounts event: (code, field, account or None)."""
        if type(ev) is not dict:
            return EVENT_INVALID, None, None
        bad = _unknown_field(ev, ACCOUNT_FIELDS)
        if bad is not None:
            return FIELD_UNKNOWN, bad, None
        f = ev.get("flags")
        if f is None:
            f = 0
        if type(f) is not int or f < 0 or f & ~ACCOUNT_FLAGS:
            return FLAGS_INVALID, "flags", None
        aid = ev.get("id")
        if not valid_id(aid):
            return ID_INVALID, "id", None
        cur = ev.get("currency")
        ud = ev.get("user_data")
        a = self._accounts.get(aid)
        if a is not None:
            if not _same(cur, a[A_CUR]):
                return EXISTS_WITH_DIFFERENT_FIELDS, "currency", None
            if not _same(ud, a[A_UD]):
                return EXISTS_WITH_DIFFERENT_FIELDS, "user_data", None
            if f != a[A_CFLAGS]:
                return EXISTS_WITH_DIFFERENT_FIELDS, "flags", None
            return EXISTS, None, None
        if f & DEBITS_MUST_NOT_EXCEED_CREDITS and f & CREDITS_MUST_NOT_EXCEED_DEBITS:
            return FLAGS_ARE_MUTUALLY_EXCLUSIVE, "flags", None
        if type(cur) is not str or cur not in CURRENCIES:
            return CURRENCY_INVALID, "currency", None
        if ud is not None and not (type(ud) is str and len(ud) <= USER_DATA_MAX):
            return USER_DATA_INVALID, "user_data", None
        a = [aid, cur, 0, 0, 0, 0, f, ud, ts, [], f, 0, len(self._account_order)]
        self._accounts.add(aid, a)
        self._account_order.append(a)
        return OK, None, a

    def _undo_account(self, a):
        self._accounts.pop(a[A_ID])
        self._account_order.pop()

    # ---- queries ----------------------------------------------------------------------------

    def transfer_dict(self, t):
        """A transfer as a dict; a pending transfer also has its "state" (pending, posted,
        voided or expired)."""
        d = {"id": t[T_ID], "debit_account_id": t[T_DR], "credit_account_id": t[T_CR],
             "amount": t[T_AMT], "currency": t[T_CUR], "pending_id": t[T_PID],
             "timeout": t[T_TIMEOUT], "reference": t[T_REF], "user_data": t[T_UD],
             "flags": t[T_FLAGS], "timestamp": t[T_TS]}
        if t[T_FLAGS] & PENDING:
            d["state"] = STATE_NAMES[self._pending.get(t[T_ID])]
        return d

    def lookup_accounts(self, ids):
        """The accounts with these ids, as dicts, in the order asked (unknown ids left out)."""
        out = []
        for aid in ids:
            a = self._accounts.get(aid) if type(aid) is str else None
            if a is not None:
                out.append(account_dict(a))
        return out

    def lookup_transfers(self, ids):
        """The transfers with these ids, as dicts, in the order asked (unknown ids left out)."""
        out = []
        for tid in ids:
            t = self._transfers.get(tid) if type(tid) is str else None
            if t is not None:
                out.append(self.transfer_dict(t))
        return out

    def lookup_reference(self, reference):
        """The transfer committed with this reference (a dict), or None."""
        t = self._refs.get(reference) if type(reference) is str else None
        return None if t is None else self.transfer_dict(t)

    def get_account_transfers(self, account_id, limit=100, before_ts=None, after_ts=None,
                              newest_first=True, debits=True, credits=True):
        """The transfers of an account with after_ts < timestamp < before_ts (either bound may
        be None), newest first (or oldest first), at most `limit` (1..8190); `debits` /
        `credits` pick the side the account is on. Returns (transfers as dicts, cursor), where
        cursor is None if that was all, else the timestamp to pass as before_ts (newest first)
        or after_ts (oldest first) for the next page. None if the account does not exist."""
        if type(limit) is not int or not 0 < limit <= MAX_PAGE:
            raise ValueError("limit must be 1..%d" % MAX_PAGE)
        a = self._accounts.get(account_id) if type(account_id) is str else None
        if a is None:
            return None
        lst = a[A_LOG]
        lo = 0 if after_ts is None else _bisect_ts(lst, after_ts + 1)
        hi = len(lst) if before_ts is None else _bisect_ts(lst, before_ts)
        if newest_first:
            span = range(hi - 1, lo - 1, -1)
        else:
            span = range(lo, hi)
        out = []
        cursor = None
        for j in span:
            t = lst[j]
            if (debits and t[T_DR] == account_id) or (credits and t[T_CR] == account_id):
                if len(out) == limit:
                    cursor = out[-1]["timestamp"]
                    break
                out.append(self.transfer_dict(t))
        return out, cursor

    def stats(self):
        """Counters: accounts, transfers (stored), pending (open now), committed and rejected
        events, exists (idempotent retries), expired pending transfers, batches,
        last_timestamp."""
        return {"accounts": len(self._account_order), "transfers": len(self._log),
                "pending": self._open, "committed": self._committed,
                "rejected": self._rejected, "exists": self._exists, "expired": self._expired,
                "batches": self._batches, "last_timestamp": self._last_ts}

    def verify(self):
        """Recompute every balance from the stored transfers and check every invariant and
        index (acid.verify). Returns the problems found: an empty list when the state is
        sound."""
        problems = verify(self._account_order, self._accounts, self._log, self._transfers,
                          self._pending, self._refs)
        n = 0
        for t in self._log:
            if t[T_FLAGS] & PENDING and self._pending.get(t[T_ID]) == STATE_PENDING:
                n += 1
        if n != self._open:
            problems.append("%d pending transfers open, counted %d" % (n, self._open))
        return problems

    # ---- snapshots --------------------------------------------------------------------------

    def snapshot(self):
        """The whole state as bytes; the same state gives the same bytes, on CPython and on
        MicroPython. Format version 1, little-endian (struct formats _HEAD, _ACC, _TR):

          header   "QXLG", version, 0, ticks_per_second, last_timestamp, batches, committed,
                   rejected, exists, expired, number of accounts, number of transfers
          accounts in creation order: id length, currency, user_data length (0xFFFF: none),
                   debits_pending, debits_posted, credits_pending, credits_posted, flags,
                   timestamp, creation flags; then the id and user_data (UTF-8)
          transfers in timestamp order: id length, pending_id length (0xFF: none), reference
                   length and user_data length (0xFFFF: none), debit and credit account
                   numbers (positions in the account list), amount, timeout, timestamp,
                   flags, pending state (0xFF unless a pending transfer); then the id,
                   pending_id, reference and user_data (the currency is the accounts')
          trailer  CRC-32 of everything before it
        """
        pack = struct.pack
        accounts = self._account_order
        parts = [pack(_HEAD, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 0, self.ticks_per_second,
                      self._last_ts, self._batches, self._committed, self._rejected,
                      self._exists, self._expired, len(accounts), len(self._log))]
        for a in accounts:
            aid = a[0].encode()
            ud = a[7]
            if ud is not None:
                ud = ud.encode()
            parts.append(pack(_ACC, len(aid), a[1].encode(), _NONE16 if ud is None else len(ud),
                              a[2], a[3], a[4], a[5], a[6], a[8], a[10]))
            parts.append(aid)
            if ud is not None:
                parts.append(ud)
        pending = self._pending
        get = self._accounts.get
        for t in self._log:
            tid = t[0].encode()
            pid = t[5]
            ref = t[7]
            ud = t[8]
            f = t[9]
            if pid is not None:
                pid = pid.encode()
            if ref is not None:
                ref = ref.encode()
            if ud is not None:
                ud = ud.encode()
            parts.append(pack(_TR, len(tid), _NONE8 if pid is None else len(pid),
                              _NONE16 if ref is None else len(ref),
                              _NONE16 if ud is None else len(ud), get(t[1])[12], get(t[2])[12],
                              t[3], t[6], t[10], f,
                              pending.get(t[0]) if f & PENDING else _NO_STATE))
            parts.append(tid)
            if pid is not None:
                parts.append(pid)
            if ref is not None:
                parts.append(ref)
            if ud is not None:
                parts.append(ud)
        body = b"".join(parts)
        return body + pack("<I", binascii.crc32(body) & 0xFFFFFFFF)

    @classmethod
    def restore(cls, data, check=True):
        """A Ledger from snapshot() bytes. Every balance is recomputed from the transfers and
        every invariant checked (verify); SnapshotError if anything does not hold."""
        if type(data) is not bytes and type(data) is not bytearray:
            raise SnapshotError("a snapshot is bytes")
        data = bytes(data)
        hsize = struct.calcsize(_HEAD)
        if len(data) < hsize + 4 or data[:4] != SNAPSHOT_MAGIC:
            raise SnapshotError("not a ledger snapshot")
        head = struct.unpack_from(_HEAD, data, 0)
        if head[1] != SNAPSHOT_VERSION:
            raise SnapshotError("snapshot version %d, this ledger reads %d" %
                                (head[1], SNAPSHOT_VERSION))
        crc = struct.unpack_from("<I", data, len(data) - 4)[0]
        if binascii.crc32(data[:-4]) & 0xFFFFFFFF != crc:
            raise SnapshotError("snapshot checksum mismatch")
        try:
            led = cls(head[3], check)
            led._load(data, head, hsize)
        except SnapshotError:
            raise
        except Exception as e:  # anything a damaged snapshot makes the decoder raise
            raise SnapshotError("malformed snapshot: %s %s" % (type(e).__name__, e))
        problems = led.verify()
        if problems:
            raise SnapshotError("inconsistent snapshot: " + "; ".join(problems[:5]))
        return led

    def _load(self, data, head, off):
        (_, _, _, _, self._last_ts, self._batches, self._committed, self._rejected,
         self._exists, self._expired, n_acc, n_tr) = head
        last_ts = self._last_ts
        unpack = struct.unpack_from
        asize = struct.calcsize(_ACC)
        tsize = struct.calcsize(_TR)
        end = len(data) - 4
        order = self._account_order
        accounts = self._accounts
        accounts.reserve(n_acc)
        currencies = {}  # currency bytes -> the str of the table (decoded once)
        prev = -1
        for num in range(n_acc):
            (idlen, cur, udlen, dpe, dpo, cpe, cpo, f, ts, cf) = unpack(_ACC, data, off)
            off += asize
            aid = data[off:off + idlen].decode()
            off += idlen
            ud = None
            if udlen != _NONE16:
                ud = data[off:off + udlen].decode()
                off += udlen
            if off > end:
                raise SnapshotError("snapshot truncated")
            c = currencies.get(cur)
            if c is None:
                c = cur.decode()
                for k in CURRENCIES:  # share the table's str
                    if k == c:
                        c = k
                        break
                currencies[cur] = c
            if not valid_id(aid) or aid in accounts:
                raise SnapshotError("bad or repeated account id %r" % aid)
            if ts <= prev or ts > last_ts or f & ~ACCOUNT_FLAGS or cf & ~ACCOUNT_FLAGS:
                raise SnapshotError("account %s: bad timestamp or flags" % aid)
            prev = ts
            a = [aid, c, dpe, dpo, cpe, cpo, f, ud, ts, [], cf, -1, num]
            accounts.add(aid, a)
            order.append(a)
        transfers = self._transfers
        transfers.reserve(n_tr)
        pending = self._pending
        refs = self._refs
        tps = self.ticks_per_second
        prev = -1
        for _ in range(n_tr):
            (idlen, pidlen, reflen, udlen, dnum, cnum, amount, timeout, ts, f,
             state) = unpack(_TR, data, off)
            off += tsize
            tid = data[off:off + idlen].decode()
            off += idlen
            pid = ref = ud = None
            if pidlen != _NONE8:
                pid = data[off:off + pidlen].decode()
                off += pidlen
                p = transfers.get(pid)
                if p is None:
                    raise SnapshotError("transfer %s resolves unknown %s" % (tid, pid))
                pid = p[T_ID]
            if reflen != _NONE16:
                ref = data[off:off + reflen].decode()
                off += reflen
            if udlen != _NONE16:
                ud = data[off:off + udlen].decode()
                off += udlen
            if off > end:
                raise SnapshotError("snapshot truncated")
            if not valid_id(tid) or tid in transfers:
                raise SnapshotError("bad or repeated transfer id %r" % tid)
            if f & ~TRANSFER_FLAGS or ts <= prev or ts > last_ts or timeout > MAX_TIMEOUT:
                raise SnapshotError("transfer %s: bad flags, timestamp or timeout" % tid)
            prev = ts
            if dnum >= n_acc or cnum >= n_acc:
                raise SnapshotError("transfer %s: unknown account" % tid)
            d = order[dnum]
            c = order[cnum]
            t = (tid, d[0], c[0], amount, d[1], pid, timeout, ref, ud, f, ts)
            transfers.add(tid, t)
            self._log.append(t)
            d[9].append(t)
            c[9].append(t)
            if ref is not None:
                refs.put(ref, t)
            if f & PENDING:
                if state > STATE_EXPIRED:
                    raise SnapshotError("transfer %s: bad state %d" % (tid, state))
                pending.put(tid, state)
                if state == STATE_PENDING:
                    self._open += 1
                    if timeout:
                        _heappush(self._expiry, (ts + timeout * tps, ts, tid))
            elif state != _NO_STATE:
                raise SnapshotError("transfer %s: a state, not pending" % tid)
        if off != end:
            raise SnapshotError("%d bytes after the last record" % (end - off))
