"""The ledger's state machine: double-entry accounts and immutable transfers with TigerBeetle's
semantics (single- and two-phase transfers, linked chains, balance limits, idempotency), in
portable Python (CPython for the host tests, MicroPython in the kernel). Design notes:
transaction/ENGINE.md; rules, result codes, storage layouts and invariants: transaction/acid.py.

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
import binascii
import struct

from transaction.acid import (
    ACCOUNT_CLOSED, ACCOUNT_FIELDS, ACCOUNT_FLAGS, ACCOUNT_NOT_FOUND, ACCOUNTS_MUST_BE_DIFFERENT,
    AMOUNT_INVALID, AMOUNT_MUST_NOT_BE_ZERO, AMOUNT_NEGATIVE, AMOUNT_TOO_LARGE, A_B_CPE, A_B_CPO,
    A_B_DPE, A_B_DPO, A_CFLAGS, A_COUNT, A_CPE, A_CPO, A_CUR, A_DPE, A_DPO, A_FLAGS, A_HEAD, A_ID,
    A_MARK, A_NUM, A_TS, A_UD, CLOSED, CLOSING_CREDIT, CLOSING_DEBIT,
    CLOSING_TRANSFER_MUST_BE_PENDING, CREDITS_MUST_NOT_EXCEED_DEBITS, CURRENCY_INVALID,
    CURRENCY_MISMATCH, DEBITS_MUST_NOT_EXCEED_CREDITS, EMPTY, EVENT_INVALID, EXCEEDS_CREDITS,
    EXCEEDS_DEBITS, EXCEEDS_PENDING_TRANSFER_AMOUNT, EXISTS, EXISTS_WITH_DIFFERENT_FIELDS,
    FIELD_UNKNOWN, FLAGS_ARE_MUTUALLY_EXCLUSIVE, FLAGS_INVALID, FLAGS_MASK, ID_CHARS, ID_INVALID,
    LINKED, LINKED_EVENT_CHAIN_OPEN, LINKED_EVENT_FAILED, MAX_BALANCE, MAX_BATCH, MAX_PAGE,
    MAX_TIMEOUT, OK, OVERFLOWS_CREDITS, OVERFLOWS_DEBITS, PENDING, PENDING_ID_MUST_BE_DIFFERENT,
    PENDING_ID_NOT_ALLOWED, PENDING_ID_REQUIRED, PENDING_TRANSFER_ALREADY_POSTED,
    PENDING_TRANSFER_ALREADY_VOIDED, PENDING_TRANSFER_EXPIRED,
    PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, PENDING_TRANSFER_NOT_FOUND,
    PENDING_TRANSFER_NOT_PENDING, POST_PENDING_TRANSFER, REFERENCE_INVALID, REFERENCE_MAX,
    STATE_EXPIRED, STATE_NAMES, STATE_PENDING, STATE_POSTED, STATE_SHIFT, STATE_VOIDED,
    TIMEOUT_INVALID, TIMEOUT_RESERVED_FOR_PENDING_TRANSFER, TRANSFER_FIELDS, TRANSFER_FLAGS,
    USER_DATA_INVALID, USER_DATA_MAX, VOID_PENDING_TRANSFER, Index, PositionIndex, _hash,
    check_batch, valid_id, verify)
from transaction.currency import CURRENCIES, MAX_AMOUNT

CREATE_ACCOUNTS = "create_accounts"
CREATE_TRANSFERS = "create_transfers"
PULSE = "pulse"            # no events: only advances time (expires pending transfers)
OPERATIONS = (CREATE_ACCOUNTS, CREATE_TRANSFERS, PULSE)

MAX_TIMESTAMP = (1 << 63) - 1

SNAPSHOT_MAGIC = b"QXLG"
SNAPSHOT_VERSION = 1
# A snapshot is built, written, read and compared as pieces of about this many bytes: the heap
# never moves objects, so a large ledger's heap may hold 100+ MiB free without one run the size
# of a whole snapshot (ENGINE.md, fact 2), while pieces of 64 KiB always fit.
SNAPSHOT_PIECE = 65536
# Snapshot records (little-endian; see Ledger.snapshot):
_HEAD = "<4sHHQQQQQQQII"   # magic, version, 0, ticks/s, last ts, batches, 4 counters, #acc, #tr
_ACC = "<B3sHQQQQIQI"      # id len, currency, user_data len, 4 balances, flags, ts, cflags
_TR = "<BHHIIQIQHB"        # id len, reference len, user_data len, debit and credit account
#                            numbers, amount, aux, ts, flags, state
_NONE16 = 0xFFFF           # length of an absent string

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


def warm_up(n=MAX_BATCH):
    """Build the shared ok results of batches of up to n events now rather than in the first
    such batch (in the kernel each 3-tuple is an allocation of two heap blocks, 0.1-0.5 ms:
    up to a few seconds for 8190, once)."""
    _ok_results(n)


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


def reserve_list(lst, n):
    """Give `lst` storage for n items, so that appends up to n never reallocate it. Full,
    MicroPython's list doubles its storage: a copy into one contiguous allocation, which a heap
    whose survivors are scattered may not have even when mostly free (issue 8: a 2 MiB column
    growth failed with 90% of the heap free). A slice deletion keeps the storage; pop() and
    clear() may give it back, so reserved lists shrink only through truncate()."""
    k = len(lst)
    if n > k:
        lst.extend([None] * (n - k))
        del lst[k:]


def truncate(lst, n):
    """Shorten `lst` to n items keeping its storage (see reserve_list)."""
    del lst[n:]


def _heappop(h):
    top = h[0]
    n = len(h) - 1
    last = h[n]
    truncate(h, n)
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


def account_dict(a):
    """An account as a dict (balances in minor units, flags an int: acid.ACCOUNT_FLAG_NAMES)."""
    return {"id": a[A_ID], "currency": a[A_CUR], "debits_pending": a[A_DPE],
            "debits_posted": a[A_DPO], "credits_pending": a[A_CPE], "credits_posted": a[A_CPO],
            "flags": a[A_FLAGS], "user_data": a[A_UD], "timestamp": a[A_TS]}


class Ledger:
    """Accounts and transfers, changed only by `apply`. `ticks_per_second`: the unit of the
    timestamps given to apply (10**9: nanoseconds, like TigerBeetle; 1000: milliseconds); a
    pending transfer's timeout is in seconds. `check`: verify the invariants of every batch
    (acid.check_batch; a failure raises LedgerStateError).

    Storage (acid.py, "storage layouts"): accounts are lists in `_acc` (creation order) found
    by id through `_accounts`; transfers are positions in the columns t_* (commit order), found
    by id through `_tindex` and by reference through `_rindex`."""

    def __init__(self, ticks_per_second=10 ** 9, check=True, capacity=None):
        if type(ticks_per_second) is not int or not 0 < ticks_per_second <= MAX_TIMESTAMP:
            raise ValueError("ticks_per_second must be a positive int")
        self.ticks_per_second = ticks_per_second
        self.check = check
        self._fast = True          # the inline path (plain, pending, post, void; tests: off)
        self._acc = []             # accounts in creation order (A_NUM is the position)
        self._accounts = Index()   # id -> account
        self.t_id = []             # the transfer columns (acid.py)
        self.t_dr = []
        self.t_cr = []
        self.t_amount = []
        self.t_fs = []
        self.t_ts = []
        self.t_ref = []
        self.t_ud = []
        self.t_aux = []
        self.t_prev_dr = []
        self.t_prev_cr = []
        self._tindex = PositionIndex(self.t_id)
        self._rindex = PositionIndex(self.t_ref)
        self._expiry = []          # heap of (expires_at, position) of pending transfers
        self._field = None         # the field of the last result of _transfer / _account
        self._last_ts = 0          # the last timestamp given to an event (or a pulse)
        self._batches = 0
        self._committed = 0        # events that returned ok
        self._rejected = 0         # events that returned an error (exists is not one)
        self._exists = 0           # events that returned exists (idempotent retries)
        self._expired = 0          # pending transfers that timed out
        self._open = 0             # pending transfers not yet resolved
        self._touched = []         # scratch: the accounts one batch changed (reused)
        self._undo = []            # scratch: what the open chain committed (reused)
        self.capacity = (0, 0)     # (accounts, transfers) storage is reserved for
        if capacity is not None:
            self.reserve(capacity[0], capacity[1])

    def reserve(self, accounts, transfers):
        """Reserve storage for `accounts` accounts and `transfers` transfers in all, so that
        applying batches within them allocates nothing whose size grows with the ledger:
        columns, index tables, the expiry heap and the batch scratch lists are allocated here
        once (at boot, on a heap not yet fragmented) and never regrow. Objects of one event
        (an account's list, an expiry entry) are still small allocations. The caller keeps
        the counts within the capacity (LedgerService reserves room before logging)."""
        assert type(accounts) is int and type(transfers) is int and accounts >= 0 \
            and transfers >= 0
        accounts = max(accounts, len(self._acc))
        transfers = max(transfers, len(self.t_id))
        for col in self._columns():
            reserve_list(col, transfers)
        reserve_list(self._expiry, transfers)
        reserve_list(self._acc, accounts)
        reserve_list(self._touched, min(accounts, 2 * MAX_BATCH) + 2)
        reserve_list(self._undo, MAX_BATCH)
        self._accounts.reserve(accounts - len(self._accounts))
        self._tindex.reserve(transfers - len(self._tindex))
        self._rindex.reserve(transfers - len(self._rindex))
        self.capacity = (accounts, transfers)

    def emptied(self, ticks_per_second=None, check=None):
        """A new empty Ledger that takes over this one's containers (columns, tables, lists),
        emptied in place, with their reserved storage: `ledger verify` rebuilds its copy in a
        spare reserved at boot, so it needs no large allocation on a fragmented heap. This
        ledger shares them afterwards and must not be used (only emptied again)."""
        led = Ledger(self.ticks_per_second if ticks_per_second is None else ticks_per_second,
                     self.check if check is None else check)
        for col in self._columns():
            truncate(col, 0)
        (led.t_id, led.t_dr, led.t_cr, led.t_amount, led.t_fs, led.t_ts, led.t_ref, led.t_ud,
         led.t_aux, led.t_prev_dr, led.t_prev_cr) = self._columns()
        for name in ("_acc", "_expiry", "_touched", "_undo"):
            lst = getattr(self, name)
            truncate(lst, 0)
            setattr(led, name, lst)
        for b in self._accounts.buckets:
            b.clear()
        self._accounts.n = 0
        led._accounts = self._accounts
        for idx, keys in ((self._tindex, led.t_id), (self._rindex, led.t_ref)):
            t = idx.table
            for i in range(len(t)):
                t[i] = EMPTY
            idx.n = idx.used = 0
            idx.keys = keys
        led._tindex = self._tindex
        led._rindex = self._rindex
        led.capacity = self.capacity
        return led

    def _columns(self):
        return (self.t_id, self.t_dr, self.t_cr, self.t_amount, self.t_fs, self.t_ts,
                self.t_ref, self.t_ud, self.t_aux, self.t_prev_dr, self.t_prev_cr)

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
        touched = self._touched
        truncate(touched, 0)
        self._expire(base, touched, mark)
        if op == CREATE_TRANSFERS:
            self._tindex.reserve(n)
            self._rindex.reserve(n)
            results = self._run(events, base, touched, mark, True)
        elif op == CREATE_ACCOUNTS:
            self._accounts.reserve(n)
            results = self._run(events, base, touched, mark, False)
        else:
            results = []
        if self.check:
            check_batch(touched)
        truncate(touched, 0)       # no references kept past the batch
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

        Plain and pending transfers that commit are done inline here: one frame for the whole
        batch (on MicroPython a call with a big frame allocates it), no allocation per
        transfer. Anything else, failures included, goes through _transfer or _account, which
        check every rule in order."""
        n = len(events)
        last = n - 1
        results = [None] * n
        ok = _ok_results(n)
        tp = type
        str_ = str
        int_ = int
        len_ = len
        crc = _hash
        acc = self._acc
        abk = self._accounts.buckets
        amask = self._accounts.mask
        ids = self.t_id
        drs = self.t_dr
        crs = self.t_cr
        amounts = self.t_amount
        fss = self.t_fs
        tss = self.t_ts
        aux_col = self.t_aux
        ttab = self._tindex.table
        tmask = self._tindex.mask
        trefs = self.t_ref
        rtab = self._rindex.table
        rmask = self._rindex.mask
        add_id = ids.append
        add_dr = self.t_dr.append
        add_cr = self.t_cr.append
        add_amount = self.t_amount.append
        add_fs = self.t_fs.append
        add_ts = self.t_ts.append
        add_ref = trefs.append
        add_ud = self.t_ud.append
        add_aux = self.t_aux.append
        add_pdr = self.t_prev_dr.append
        add_pcr = self.t_prev_cr.append
        expiry = self._expiry
        tps = self.ticks_per_second
        one = self._transfer if transfers_op else self._account
        undo_one = self._undo_transfer if transfers_op else self._undo_account
        fast = self._fast and transfers_op
        valid_flags = TRANSFER_FLAGS if transfers_op else ACCOUNT_FLAGS
        id_chars = ID_CHARS
        max_amount = MAX_AMOUNT
        max_balance = MAX_BALANCE
        max_timeout = MAX_TIMEOUT
        max_ref = REFERENCE_MAX
        max_ud = USER_DATA_MAX
        limit_flags = DEBITS_MUST_NOT_EXCEED_CREDITS | CREDITS_MUST_NOT_EXCEED_DEBITS | CLOSED
        chain = -1         # first event of the open chain, -1 outside one
        undo = self._undo  # what the open chain has committed (positions / accounts), in order
        truncate(undo, 0)
        skip = False       # the chain failed: its remaining events fail unseen
        committed = rejected = exists = 0
        fast_ids = fast_refs = opened = 0  # entered inline (the indexes count them at the end)
        for i in range(n):
            ev = events[i]
            if skip:
                results[i] = (i, LINKED_EVENT_FAILED, None)
                rejected += 1
                skip = _linked(ev, valid_flags)
                continue
            ts = base + i
            done = False
            if fast and tp(ev) is dict:
                # The common events, when they commit: a plain or pending transfer (id,
                # debit_account_id, credit_account_id, amount, currency; optionally flags linked
                # and pending, timeout, reference, user_data), or the post or void of a pending
                # transfer (id, pending_id, flags; optionally amount, reference, user_data).
                # Every check of _transfer for the case where all pass; anything else (other
                # members, a failure, closing transfers) falls through to _transfer.
                tid = ev.get("id")
                k = len_(ev)
                if k == 5:  # no optional member (or a required one missing: checked below)
                    pid = ref = ud = None
                    f = to = 0
                else:  # k ends at 5 (1 for a post or void) if nothing else is there
                    pid = ev.get("pending_id")
                    f = ev.get("flags")
                    ref = ev.get("reference")
                    ud = ev.get("user_data")
                    to = ev.get("timeout")
                    if pid is not None:
                        k -= 1
                    if f is None:
                        f = 0
                    else:
                        k -= 1
                    if ref is not None:
                        k -= 1
                    if ud is not None:
                        k -= 1
                    if to is None:
                        to = 0
                    else:
                        k -= 1
                if pid is None:
                    did = ev.get("debit_account_id")
                    cid = ev.get("credit_account_id")
                    amount = ev.get("amount")
                    cur = ev.get("currency")
                    good = (k == 5 and tp(f) is int_ and 0 <= f <= 3 and (not f & 1 or i != last)
                            and tp(to) is int_ and (to == 0 or (f & 2 and 0 < to <= max_timeout))
                            and tp(amount) is int_ and 0 < amount <= max_amount
                            and tp(did) is str_ and tp(cid) is str_ and did != cid)
                else:
                    amount = ev.get("amount")
                    if amount is not None:
                        k -= 1
                    good = (k == 1 and tp(f) is int_ and tp(to) is int_ and to == 0
                            and (f == 4 or f == 8 or ((f == 5 or f == 9) and i != last))
                            and tp(pid) is str_ and pid != tid
                            and (amount is None or tp(amount) is int_))
                if (good and tp(tid) is str_ and 0 < len_(tid) <= 64 and not tid.strip(id_chars)
                        and (ud is None or (tp(ud) is str_ and len_(ud) <= max_ud))):
                    ti = crc(tid) & tmask      # the id must be new: find it, or a free slot
                    p = ttab[ti]
                    while p != -1:
                        if p >= 0 and ids[p] == tid:
                            break
                        ti = (ti + 1) & tmask
                        p = ttab[ti]
                    ri = -1
                    if ref is not None and p == -1:  # a reference must be new too
                        if tp(ref) is str_ and 0 < len_(ref) <= max_ref:
                            ri = crc(ref) & rmask
                            q = rtab[ri]
                            while q != -1:
                                if q >= 0 and trefs[q] == ref:
                                    break
                                ri = (ri + 1) & rmask
                                q = rtab[ri]
                            if q != -1:
                                ri = -2
                        else:
                            ri = -2
                    d = None
                    if p == -1 and ri != -2:
                        pos = len_(ids)
                        # accounts: 1 currency, 2 debits_pending, 3 debits_posted,
                        # 4 credits_pending, 5 credits_posted, 6 flags, 9 newest transfer,
                        # 11 batch mark, 12 number, 13 transfer count, 14-17 balances when the
                        # batch first touched it
                        if pid is None:
                            d = abk[crc(did) & amask].get(did)
                            c = abk[crc(cid) & amask].get(cid)
                            if d is None or c is None or cur != d[1] or cur != c[1]:
                                d = None
                            else:
                                df = d[6]
                                cf = c[6]
                                dsum = d[2] + d[3] + amount
                                csum = c[4] + c[5] + amount
                                if (dsum > max_balance or csum > max_balance
                                        or ((df | cf) & limit_flags
                                            and ((df | cf) & CLOSED
                                                 or (df & DEBITS_MUST_NOT_EXCEED_CREDITS
                                                     and dsum > d[5])
                                                 or (cf & CREDITS_MUST_NOT_EXCEED_DEBITS
                                                     and csum > c[3])))):
                                    d = None
                        else:
                            q = crc(pid) & tmask  # the pending transfer: open, in time
                            qp = ttab[q]
                            while qp != -1:
                                if qp >= 0 and ids[qp] == pid:
                                    break
                                q = (q + 1) & tmask
                                qp = ttab[q]
                            if qp >= 0:
                                qfs = fss[qp]
                                pa = amounts[qp]
                                if amount is None:
                                    amount = pa
                                qto = aux_col[qp]
                                # pending (flag 2) and still open (state 0: qfs < 256)
                                if (qfs & 2 and qfs < 256
                                        and (amount == pa if f & 8 else 0 < amount <= pa)
                                        and (qto == 0 or ts < tss[qp] + qto * tps)):
                                    d = acc[drs[qp]]
                                    c = acc[crs[qp]]
                                    if (d[6] | c[6]) & CLOSED:
                                        d = None
                    if d is not None:  # it commits
                        if d[11] != mark:
                            d[11] = mark
                            d[14] = d[2]
                            d[15] = d[3]
                            d[16] = d[4]
                            d[17] = d[5]
                            touched.append(d)
                        if c[11] != mark:
                            c[11] = mark
                            c[14] = c[2]
                            c[15] = c[3]
                            c[16] = c[4]
                            c[17] = c[5]
                            touched.append(c)
                        if pid is not None:
                            d[2] -= pa
                            c[4] -= pa
                            if f & 4:
                                d[3] += amount
                                c[5] += amount
                                fss[qp] = qfs | 256   # posted
                            else:
                                fss[qp] = qfs | 512   # voided
                            opened -= 1
                            to = qp
                        elif f & 2:
                            d[2] += amount
                            c[4] += amount
                            opened += 1
                            if to:
                                _heappush(expiry, (ts + to * tps, pos))
                        else:
                            d[3] += amount
                            c[5] += amount
                        ttab[ti] = pos
                        fast_ids += 1
                        if ri >= 0:
                            rtab[ri] = pos
                            fast_refs += 1
                        add_id(tid)
                        add_dr(d[12])
                        add_cr(c[12])
                        add_amount(amount)
                        add_fs(f)
                        add_ts(ts)
                        add_ref(ref)
                        add_ud(ud)
                        add_aux(to)
                        add_pdr(d[9])
                        add_pcr(c[9])
                        d[9] = pos
                        c[9] = pos
                        d[13] += 1
                        c[13] += 1
                        if not f & 1:
                            results[i] = ok[i]
                            committed += 1
                            if chain >= 0:  # this event closes the chain: it commits
                                chain = -1
                                truncate(undo, 0)
                            continue
                        linked = True
                        done = True
            if not done:
                linked = _linked(ev, valid_flags)
                if linked and i == last:
                    code = LINKED_EVENT_CHAIN_OPEN
                    self._field = None
                else:
                    code = one(ev, ts, touched, mark)
                done = code is OK
            if done:
                results[i] = ok[i]
                committed += 1
                if linked:
                    if chain < 0:
                        chain = i
                    undo.append(len_(ids) - 1 if transfers_op else len_(acc) - 1)
                elif chain >= 0:
                    chain = -1
                    truncate(undo, 0)
                continue
            results[i] = (i, code, self._field)
            if code is EXISTS:
                exists += 1
            else:
                rejected += 1
            if chain >= 0 or linked:  # the chain fails: undo it, newest first
                k = len_(undo)
                while k:
                    k -= 1
                    undo_one(undo[k])
                if chain >= 0:
                    for j in range(chain, i):
                        results[j] = (j, LINKED_EVENT_FAILED, None)
                    committed -= i - chain
                    rejected += i - chain
                chain = -1
                truncate(undo, 0)
                skip = linked
        self._tindex.n += fast_ids
        self._tindex.used += fast_ids
        self._rindex.n += fast_refs
        self._rindex.used += fast_refs
        self._open += opened
        self._committed += committed
        self._rejected += rejected
        self._exists += exists
        return results

    def _fail(self, code, field):
        self._field = field
        return code

    @staticmethod
    def _touch(a, touched, mark):
        if a[A_MARK] != mark:
            a[A_MARK] = mark
            a[A_B_DPE] = a[A_DPE]
            a[A_B_DPO] = a[A_DPO]
            a[A_B_CPE] = a[A_CPE]
            a[A_B_CPO] = a[A_CPO]
            touched.append(a)

    def _store(self, tid, d, c, amount, fs, ts, ref, ud, aux):
        """Append a transfer to the columns and the indexes; its position."""
        pos = len(self.t_id)
        self.t_id.append(tid)
        self.t_dr.append(d[A_NUM])
        self.t_cr.append(c[A_NUM])
        self.t_amount.append(amount)
        self.t_fs.append(fs)
        self.t_ts.append(ts)
        self.t_ref.append(ref)
        self.t_ud.append(ud)
        self.t_aux.append(aux)
        self.t_prev_dr.append(d[A_HEAD])
        self.t_prev_cr.append(c[A_HEAD])
        d[A_HEAD] = pos
        c[A_HEAD] = pos
        d[A_COUNT] += 1
        c[A_COUNT] += 1
        self._tindex.insert(tid, pos)
        if ref is not None:
            self._rindex.insert(ref, pos)
        return pos

    def _differs(self, p, ev, f, by_reference):
        """The first field in which the request `ev` (flags `f`) differs from the stored
        transfer p, or None. A post or void may leave out the accounts, currency and amount
        (they come from the pending transfer); those it gives are compared. The id is not
        compared when the match is by reference (a retry may carry a new id)."""
        fs = self.t_fs[p]
        d = self._acc[self.t_dr[p]]
        resolving = fs & _RESOLVING
        for name, v in (("debit_account_id", d[A_ID]),
                        ("credit_account_id", self._acc[self.t_cr[p]][A_ID]),
                        ("amount", self.t_amount[p]), ("currency", d[A_CUR])):
            e = ev.get(name)
            if not (e is None and resolving) and not _same(e, v):
                return name
        pid = self.t_id[self.t_aux[p]] if resolving else None
        if not _same(ev.get("pending_id"), pid):
            return "pending_id"
        e = ev.get("timeout")
        if not _same(0 if e is None else e, self.t_aux[p] if fs & PENDING else 0):
            return "timeout"
        if not by_reference and not _same(ev.get("reference"), self.t_ref[p]):
            return "reference"
        if not _same(ev.get("user_data"), self.t_ud[p]):
            return "user_data"
        if f != fs & FLAGS_MASK:
            return "flags"
        return None

    def _exists_code(self, p, ev, f, by_reference):
        field = self._differs(p, ev, f, by_reference)
        self._field = field
        return EXISTS if field is None else EXISTS_WITH_DIFFERENT_FIELDS

    # ---- one transfer, every rule in order ----------------------------------------------------

    def _transfer(self, ev, ts, touched, mark):
        """Check and apply one create_transfers event: its code (the field in self._field)."""
        self._field = None
        if type(ev) is not dict:
            return EVENT_INVALID
        bad = _unknown_field(ev, TRANSFER_FIELDS)
        if bad is not None:
            return self._fail(FIELD_UNKNOWN, bad)
        f = ev.get("flags")
        if f is None:
            f = 0
        if type(f) is not int or f < 0 or f & ~TRANSFER_FLAGS:
            return self._fail(FLAGS_INVALID, "flags")
        tid = ev.get("id")
        if not valid_id(tid):
            return self._fail(ID_INVALID, "id")
        p = self._tindex.find(tid)
        if p >= 0:
            return self._exists_code(p, ev, f, False)
        kind = f & _KINDS
        if kind & (kind - 1):
            return self._fail(FLAGS_ARE_MUTUALLY_EXCLUSIVE, "flags")
        if f & _CLOSING and not f & PENDING:
            return self._fail(CLOSING_TRANSFER_MUST_BE_PENDING, "flags")
        ref = ev.get("reference")
        if ref is not None and not (type(ref) is str and 0 < len(ref) <= REFERENCE_MAX):
            return self._fail(REFERENCE_INVALID, "reference")
        ud = ev.get("user_data")
        if ud is not None and not (type(ud) is str and len(ud) <= USER_DATA_MAX):
            return self._fail(USER_DATA_INVALID, "user_data")
        if ref is not None:
            p = self._rindex.find(ref)
            if p >= 0:
                return self._exists_code(p, ev, f, True)
        if kind & _RESOLVING:
            return self._resolve(ev, tid, f, ref, ud, ts, touched, mark)
        if ev.get("pending_id") is not None:
            return self._fail(PENDING_ID_NOT_ALLOWED, "pending_id")
        timeout = ev.get("timeout")
        if timeout is None:
            timeout = 0
        if f & PENDING:
            if type(timeout) is not int or not 0 <= timeout <= MAX_TIMEOUT:
                return self._fail(TIMEOUT_INVALID, "timeout")
        elif type(timeout) is not int or timeout != 0:
            return self._fail(TIMEOUT_RESERVED_FOR_PENDING_TRANSFER, "timeout")
        did = ev.get("debit_account_id")
        if type(did) is not str:
            return self._fail(ID_INVALID, "debit_account_id")
        cid = ev.get("credit_account_id")
        if type(cid) is not str:
            return self._fail(ID_INVALID, "credit_account_id")
        if did == cid:
            return ACCOUNTS_MUST_BE_DIFFERENT
        amount = ev.get("amount")
        if type(amount) is not int:
            return self._fail(AMOUNT_INVALID, "amount")
        if amount < 0:
            return self._fail(AMOUNT_NEGATIVE, "amount")
        if amount == 0 and not f & _CLOSING:  # a closing transfer may move nothing
            return self._fail(AMOUNT_MUST_NOT_BE_ZERO, "amount")
        if amount > MAX_AMOUNT:
            return self._fail(AMOUNT_TOO_LARGE, "amount")
        cur = ev.get("currency")
        if type(cur) is not str or cur not in CURRENCIES:
            return self._fail(CURRENCY_INVALID, "currency")
        d = self._accounts.get(did)
        if d is None:
            return self._fail(ACCOUNT_NOT_FOUND, "debit_account_id")
        c = self._accounts.get(cid)
        if c is None:
            return self._fail(ACCOUNT_NOT_FOUND, "credit_account_id")
        if d[A_CUR] != cur:
            return self._fail(CURRENCY_MISMATCH, "debit_account_id")
        if c[A_CUR] != cur:
            return self._fail(CURRENCY_MISMATCH, "credit_account_id")
        if d[A_FLAGS] & CLOSED:
            return self._fail(ACCOUNT_CLOSED, "debit_account_id")
        if c[A_FLAGS] & CLOSED:
            return self._fail(ACCOUNT_CLOSED, "credit_account_id")
        dsum = d[A_DPE] + d[A_DPO] + amount
        csum = c[A_CPE] + c[A_CPO] + amount
        if dsum > MAX_BALANCE:
            return self._fail(OVERFLOWS_DEBITS, "debit_account_id")
        if csum > MAX_BALANCE:
            return self._fail(OVERFLOWS_CREDITS, "credit_account_id")
        if d[A_FLAGS] & DEBITS_MUST_NOT_EXCEED_CREDITS and dsum > d[A_CPO]:
            return self._fail(EXCEEDS_CREDITS, "debit_account_id")
        if c[A_FLAGS] & CREDITS_MUST_NOT_EXCEED_DEBITS and csum > c[A_DPO]:
            return self._fail(EXCEEDS_DEBITS, "credit_account_id")
        self._touch(d, touched, mark)
        self._touch(c, touched, mark)
        if f & PENDING:
            d[A_DPE] += amount
            c[A_CPE] += amount
            self._open += 1
            if timeout:
                _heappush(self._expiry, (ts + timeout * self.ticks_per_second, len(self.t_id)))
            if f & CLOSING_DEBIT:
                d[A_FLAGS] |= CLOSED
            if f & CLOSING_CREDIT:
                c[A_FLAGS] |= CLOSED
        else:
            d[A_DPO] += amount
            c[A_CPO] += amount
        self._store(tid, d, c, amount, f, ts, ref, ud, timeout)
        return OK

    def _resolve(self, ev, tid, f, ref, ud, ts, touched, mark):
        """A post_pending_transfer or void_pending_transfer event (flags, id, reference and
        user_data already checked)."""
        pid = ev.get("pending_id")
        if pid is None:
            return self._fail(PENDING_ID_REQUIRED, "pending_id")
        if type(pid) is not str:
            return self._fail(ID_INVALID, "pending_id")
        if pid == tid:
            return self._fail(PENDING_ID_MUST_BE_DIFFERENT, "pending_id")
        timeout = ev.get("timeout")
        if timeout is not None and (type(timeout) is not int or timeout != 0):
            return self._fail(TIMEOUT_RESERVED_FOR_PENDING_TRANSFER, "timeout")
        q = self._tindex.find(pid)
        if q < 0:
            return self._fail(PENDING_TRANSFER_NOT_FOUND, "pending_id")
        qfs = self.t_fs[q]
        if not qfs & PENDING:
            return self._fail(PENDING_TRANSFER_NOT_PENDING, "pending_id")
        d = self._acc[self.t_dr[q]]
        c = self._acc[self.t_cr[q]]
        for name, v in (("debit_account_id", d[A_ID]), ("credit_account_id", c[A_ID]),
                        ("currency", d[A_CUR])):
            e = ev.get(name)
            if e is not None and not _same(e, v):
                return self._fail(PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, name)
        pa = self.t_amount[q]
        amount = ev.get("amount")
        if amount is None:
            amount = pa
        elif type(amount) is not int:
            return self._fail(AMOUNT_INVALID, "amount")
        elif f & VOID_PENDING_TRANSFER:
            if amount != pa:
                return self._fail(PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, "amount")
        elif amount < 0:
            return self._fail(AMOUNT_NEGATIVE, "amount")
        elif amount == 0 and pa:
            return self._fail(AMOUNT_MUST_NOT_BE_ZERO, "amount")
        elif amount > pa:
            return self._fail(EXCEEDS_PENDING_TRANSFER_AMOUNT, "amount")
        state = qfs >> STATE_SHIFT
        if state == STATE_POSTED:
            return self._fail(PENDING_TRANSFER_ALREADY_POSTED, "pending_id")
        if state == STATE_VOIDED:
            return self._fail(PENDING_TRANSFER_ALREADY_VOIDED, "pending_id")
        timeout = self.t_aux[q]
        if state == STATE_EXPIRED or (timeout and
                                      ts >= self.t_ts[q] + timeout * self.ticks_per_second):
            return self._fail(PENDING_TRANSFER_EXPIRED, "pending_id")
        # A closed account takes no transfer, except the post or void of the pending transfer
        # that closed it.
        if d[A_FLAGS] & CLOSED and not qfs & CLOSING_DEBIT:
            return self._fail(ACCOUNT_CLOSED, "debit_account_id")
        if c[A_FLAGS] & CLOSED and not qfs & CLOSING_CREDIT:
            return self._fail(ACCOUNT_CLOSED, "credit_account_id")
        self._touch(d, touched, mark)
        self._touch(c, touched, mark)
        d[A_DPE] -= pa
        c[A_CPE] -= pa
        if f & POST_PENDING_TRANSFER:
            d[A_DPO] += amount
            c[A_CPO] += amount
            self.t_fs[q] = (qfs & FLAGS_MASK) | (STATE_POSTED << STATE_SHIFT)
        else:
            self.t_fs[q] = (qfs & FLAGS_MASK) | (STATE_VOIDED << STATE_SHIFT)
            self._reopen(qfs, d, c)
        self._open -= 1
        self._store(tid, d, c, amount, f, ts, ref, ud, q)
        return OK

    @staticmethod
    def _reopen(fs, d, c):
        """Voiding or expiring a pending transfer (flags fs) reopens the accounts it closed."""
        if fs & CLOSING_DEBIT:
            d[A_FLAGS] &= ~CLOSED
        if fs & CLOSING_CREDIT:
            c[A_FLAGS] &= ~CLOSED

    def _undo_transfer(self, p):
        """Take back transfer p, the newest one (a failed linked chain)."""
        d = self._acc[self.t_dr[p]]
        c = self._acc[self.t_cr[p]]
        fs = self.t_fs[p]
        amt = self.t_amount[p]
        if fs & PENDING:
            d[A_DPE] -= amt
            c[A_CPE] -= amt
            self._open -= 1
            self._reopen(fs, d, c)  # a closing transfer needs open accounts: they were
            # (an expiry entry stays in the heap; _expire skips it)
        elif fs & _RESOLVING:
            q = self.t_aux[p]
            qfs = self.t_fs[q]
            d[A_DPE] += self.t_amount[q]
            c[A_CPE] += self.t_amount[q]
            if fs & POST_PENDING_TRANSFER:
                d[A_DPO] -= amt
                c[A_CPO] -= amt
            else:
                if qfs & CLOSING_DEBIT:
                    d[A_FLAGS] |= CLOSED
                if qfs & CLOSING_CREDIT:
                    c[A_FLAGS] |= CLOSED
            self.t_fs[q] = qfs & FLAGS_MASK  # pending again
            self._open += 1
        else:
            d[A_DPO] -= amt
            c[A_CPO] -= amt
        d[A_HEAD] = self.t_prev_dr[p]
        c[A_HEAD] = self.t_prev_cr[p]
        d[A_COUNT] -= 1
        c[A_COUNT] -= 1
        self._tindex.remove(self.t_id[p], p)
        if self.t_ref[p] is not None:
            self._rindex.remove(self.t_ref[p], p)
        for col in self._columns():
            truncate(col, p)

    def _expire(self, now, touched, mark):
        """Expire every pending transfer whose timeout has passed at `now`, oldest deadline
        first: its pending amounts are released and the accounts it closed reopen."""
        h = self._expiry
        fss = self.t_fs
        while h and h[0][0] <= now:
            due, p = _heappop(h)
            if p >= len(fss):
                continue  # undone with its chain
            fs = fss[p]
            if (not fs & PENDING or fs >> STATE_SHIFT != STATE_PENDING or not self.t_aux[p] or
                    self.t_ts[p] + self.t_aux[p] * self.ticks_per_second != due):
                continue  # posted, voided, or undone with its chain
            d = self._acc[self.t_dr[p]]
            c = self._acc[self.t_cr[p]]
            self._touch(d, touched, mark)
            self._touch(c, touched, mark)
            d[A_DPE] -= self.t_amount[p]
            c[A_CPE] -= self.t_amount[p]
            fss[p] = (fs & FLAGS_MASK) | (STATE_EXPIRED << STATE_SHIFT)
            self._open -= 1
            self._reopen(fs, d, c)
            self._expired += 1

    # ---- accounts ---------------------------------------------------------------------------

    def _account(self, ev, ts, touched, mark):
        """Check and apply one create_accounts event: its code (the field in self._field)."""
        self._field = None
        if type(ev) is not dict:
            return EVENT_INVALID
        bad = _unknown_field(ev, ACCOUNT_FIELDS)
        if bad is not None:
            return self._fail(FIELD_UNKNOWN, bad)
        f = ev.get("flags")
        if f is None:
            f = 0
        if type(f) is not int or f < 0 or f & ~ACCOUNT_FLAGS:
            return self._fail(FLAGS_INVALID, "flags")
        aid = ev.get("id")
        if not valid_id(aid):
            return self._fail(ID_INVALID, "id")
        cur = ev.get("currency")
        ud = ev.get("user_data")
        a = self._accounts.get(aid)
        if a is not None:
            if not _same(cur, a[A_CUR]):
                return self._fail(EXISTS_WITH_DIFFERENT_FIELDS, "currency")
            if not _same(ud, a[A_UD]):
                return self._fail(EXISTS_WITH_DIFFERENT_FIELDS, "user_data")
            if f != a[A_CFLAGS]:
                return self._fail(EXISTS_WITH_DIFFERENT_FIELDS, "flags")
            return EXISTS
        if f & DEBITS_MUST_NOT_EXCEED_CREDITS and f & CREDITS_MUST_NOT_EXCEED_DEBITS:
            return self._fail(FLAGS_ARE_MUTUALLY_EXCLUSIVE, "flags")
        if type(cur) is not str or cur not in CURRENCIES:
            return self._fail(CURRENCY_INVALID, "currency")
        if ud is not None and not (type(ud) is str and len(ud) <= USER_DATA_MAX):
            return self._fail(USER_DATA_INVALID, "user_data")
        self._new_account(aid, cur, 0, 0, 0, 0, f, ud, ts, f)
        return OK

    def _new_account(self, aid, cur, dpe, dpo, cpe, cpo, f, ud, ts, cf):
        a = [aid, cur, dpe, dpo, cpe, cpo, f, ud, ts, -1, cf, 0, len(self._acc), 0, 0, 0, 0, 0]
        self._accounts.add(aid, a)
        self._acc.append(a)
        return a

    def _undo_account(self, num):
        a = self._acc[num]
        truncate(self._acc, num)
        self._accounts.pop(a[A_ID])

    # ---- queries ----------------------------------------------------------------------------

    def transfer_dict(self, p):
        """Transfer p as a dict; a pending transfer also has its "state" (pending, posted,
        voided or expired)."""
        fs = self.t_fs[p]
        d = self._acc[self.t_dr[p]]
        out = {"id": self.t_id[p], "debit_account_id": d[A_ID],
               "credit_account_id": self._acc[self.t_cr[p]][A_ID], "amount": self.t_amount[p],
               "currency": d[A_CUR],
               "pending_id": self.t_id[self.t_aux[p]] if fs & _RESOLVING else None,
               "timeout": self.t_aux[p] if fs & PENDING else 0, "reference": self.t_ref[p],
               "user_data": self.t_ud[p], "flags": fs & FLAGS_MASK, "timestamp": self.t_ts[p]}
        if fs & PENDING:
            out["state"] = STATE_NAMES[fs >> STATE_SHIFT]
        return out

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
            p = self._tindex.find(tid) if type(tid) is str else -1
            if p >= 0:
                out.append(self.transfer_dict(p))
        return out

    def lookup_reference(self, reference):
        """The transfer committed with this reference (a dict), or None."""
        p = self._rindex.find(reference) if type(reference) is str else -1
        return None if p < 0 else self.transfer_dict(p)

    def get_account_transfers(self, account_id, limit=100, before_ts=None, after_ts=None,
                              newest_first=True, debits=True, credits=True):
        """The transfers of an account with after_ts < timestamp < before_ts (either bound may
        be None), newest first (or oldest first), at most `limit` (1..8190); `debits` /
        `credits` pick the side the account is on. Returns (transfers as dicts, cursor), where
        cursor is None if that was all, else the timestamp to pass as before_ts (newest first)
        or after_ts (oldest first) for the next page. None if the account does not exist.
        (Walks the account's chain from its newest transfer.)"""
        if type(limit) is not int or not 0 < limit <= MAX_PAGE:
            raise ValueError("limit must be 1..%d" % MAX_PAGE)
        a = self._accounts.get(account_id) if type(account_id) is str else None
        if a is None:
            return None
        num = a[A_NUM]
        drs = self.t_dr
        tss = self.t_ts
        found = []  # matching positions, newest first
        p = a[A_HEAD]
        while p >= 0:
            ts = tss[p]
            if after_ts is not None and ts <= after_ts:
                break
            is_debit = drs[p] == num
            if (before_ts is None or ts < before_ts) and (debits if is_debit else credits):
                found.append(p)
                if newest_first and len(found) > limit:
                    break
            p = self.t_prev_dr[p] if is_debit else self.t_prev_cr[p]
        if not newest_first:
            found.reverse()
        cursor = None
        if len(found) > limit:
            del found[limit:]
            cursor = tss[found[-1]]
        return [self.transfer_dict(p) for p in found], cursor

    def next_expiry(self):
        """The earliest deadline (in ticks) of a pending transfer that may still expire, or
        None: a pulse at or after it releases something (or drops a stale entry)."""
        return self._expiry[0][0] if self._expiry else None

    def stats(self):
        """Counters: accounts, transfers (stored), pending (open now), committed and rejected
        events, exists (idempotent retries), expired pending transfers, batches,
        last_timestamp."""
        return {"accounts": len(self._acc), "transfers": len(self.t_id),
                "pending": self._open, "committed": self._committed,
                "rejected": self._rejected, "exists": self._exists, "expired": self._expired,
                "batches": self._batches, "last_timestamp": self._last_ts}

    def verify(self):
        """Recompute every balance from the stored transfers and check every invariant, chain
        and index (acid.verify). Returns the problems found: an empty list when the state is
        sound."""
        return verify(self)

    # ---- snapshots --------------------------------------------------------------------------

    def snapshot(self):
        """The whole state as bytes; the same state gives the same bytes, on CPython and on
        MicroPython. Format version 1, little-endian (struct formats _HEAD, _ACC, _TR):

          header   "QXLG", version, 0, ticks_per_second, last_timestamp, batches, committed,
                   rejected, exists, expired, number of accounts, number of transfers
          accounts in creation order: id length, currency, user_data length (0xFFFF: none),
                   debits_pending, debits_posted, credits_pending, credits_posted, flags,
                   timestamp, creation flags; then the id and user_data (UTF-8)
          transfers in timestamp order: id length, reference length and user_data length
                   (0xFFFF: none), debit and credit account numbers (positions in the account
                   list), amount, aux (a pending transfer's timeout, a post or void's pending
                   transfer as its position in this list), timestamp, flags, state of a pending
                   transfer (0 pending, 1 posted, 2 voided, 3 expired); then the id, reference
                   and user_data (the currency is the accounts')
          trailer  CRC-32 of everything before it
        """
        return b"".join(self.snapshot_pieces())

    def snapshot_pieces(self, piece=SNAPSHOT_PIECE):
        """snapshot() as a list of bytes whose concatenation is the snapshot: each piece ends at
        the first record boundary at or after `piece` bytes, the last one is the CRC trailer.
        The same state gives the same pieces. Nothing as large as the whole is allocated."""
        assert piece > 0
        pack = struct.pack
        accs = self._acc
        n = len(self.t_id)
        head = pack(_HEAD, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 0, self.ticks_per_second,
                    self._last_ts, self._batches, self._committed, self._rejected,
                    self._exists, self._expired, len(accs), n)
        out = []
        crc = 0
        parts = [head]
        size = len(head)
        add = parts.append
        asize = struct.calcsize(_ACC)
        tsize = struct.calcsize(_TR)
        for a in accs:
            aid = a[A_ID].encode()
            ud = a[A_UD]
            if ud is not None:
                ud = ud.encode()
            add(pack(_ACC, len(aid), a[A_CUR].encode(), _NONE16 if ud is None else len(ud),
                     a[A_DPE], a[A_DPO], a[A_CPE], a[A_CPO], a[A_FLAGS], a[A_TS], a[A_CFLAGS]))
            add(aid)
            size += asize + len(aid)
            if ud is not None:
                add(ud)
                size += len(ud)
            if size >= piece:
                crc = _flush(parts, out, crc)
                size = 0
        ids, drs, crs, amts, fss, tss, refs, uds, aux = self._columns()[:9]
        for p in range(n):
            tid = ids[p].encode()
            ref = refs[p]
            ud = uds[p]
            if ref is not None:
                ref = ref.encode()
            if ud is not None:
                ud = ud.encode()
            fs = fss[p]
            add(pack(_TR, len(tid), _NONE16 if ref is None else len(ref),
                     _NONE16 if ud is None else len(ud), drs[p], crs[p], amts[p], aux[p], tss[p],
                     fs & FLAGS_MASK, fs >> STATE_SHIFT))
            add(tid)
            size += tsize + len(tid)
            if ref is not None:
                add(ref)
                size += len(ref)
            if ud is not None:
                add(ud)
                size += len(ud)
            if size >= piece:
                crc = _flush(parts, out, crc)
                size = 0
        if parts:
            crc = _flush(parts, out, crc)
        out.append(pack("<I", crc & 0xFFFFFFFF))
        return out

    @classmethod
    def restore(cls, data, check=True, capacity=None, into=None):
        """A Ledger from snapshot() bytes, or from a list of bytes pieces that concatenate to
        them (snapshot_pieces(), or a snapshot read from the disk piece by piece). Every balance
        is recomputed from the transfers and every invariant checked (verify); SnapshotError if
        anything does not hold. `capacity`: (accounts, transfers) to reserve first (raised to
        the snapshot's counts). `into`: a ledger whose reserved storage is taken over (emptied)
        instead; SnapshotError if the snapshot holds more than it reserves."""
        if type(data) is bytes or type(data) is bytearray:
            data = [bytes(data)]
        elif type(data) is not list:
            raise SnapshotError("a snapshot is bytes or a list of bytes")
        for x in data:
            if type(x) is not bytes and type(x) is not bytearray:
                raise SnapshotError("a snapshot is bytes or a list of bytes")
        r = _Pieces(data)
        hsize = struct.calcsize(_HEAD)
        if r.size < hsize + 4:
            raise SnapshotError("not a ledger snapshot")
        r.limit = r.size - 4
        crc = 0
        left = r.limit
        for x in data:
            k = len(x) if len(x) <= left else left
            if k:
                crc = binascii.crc32(x if k == len(x) else x[:k], crc)
            left -= k
        trailer = r.tail(4)
        h = r.take(hsize)
        if h[:4] != SNAPSHOT_MAGIC:
            raise SnapshotError("not a ledger snapshot")
        head = struct.unpack(_HEAD, h)
        if head[1] != SNAPSHOT_VERSION:
            raise SnapshotError("snapshot version %d, this ledger reads %d" %
                                (head[1], SNAPSHOT_VERSION))
        if crc & 0xFFFFFFFF != struct.unpack("<I", trailer)[0]:
            raise SnapshotError("snapshot checksum mismatch")
        try:
            if into is not None:
                if head[10] > into.capacity[0] or head[11] > into.capacity[1]:
                    raise SnapshotError("the snapshot holds %d accounts and %d transfers, the "
                                        "storage %d and %d" % (head[10], head[11],
                                                               into.capacity[0],
                                                               into.capacity[1]))
                led = into.emptied(head[3], check)
            else:
                led = cls(head[3], check)
            if capacity is not None:
                led.reserve(max(capacity[0], head[10]), max(capacity[1], head[11]))
            led._load(r, head)
        except SnapshotError:
            raise
        except Exception as e:  # anything a damaged snapshot makes the decoder raise
            raise SnapshotError("malformed snapshot: %s %s" % (type(e).__name__, e))
        problems = led.verify()
        if problems:
            raise SnapshotError("inconsistent snapshot: " + "; ".join(problems[:5]))
        return led

    def _load(self, r, head):
        (_, _, _, _, self._last_ts, self._batches, self._committed, self._rejected,
         self._exists, self._expired, n_acc, n_tr) = head
        last_ts = self._last_ts
        unpack = struct.unpack
        take = r.take
        asize = struct.calcsize(_ACC)
        tsize = struct.calcsize(_TR)
        if n_acc * asize + n_tr * tsize > r.limit - r.pos:
            raise SnapshotError("snapshot truncated")
        accs = self._acc
        self._accounts.reserve(n_acc)
        currencies = {}  # currency bytes -> the str of the table (decoded once)
        prev = -1
        for _ in range(n_acc):
            (idlen, cur, udlen, dpe, dpo, cpe, cpo, f, ts, cf) = unpack(_ACC, take(asize))
            aid = take(idlen).decode()
            ud = None
            if udlen != _NONE16:
                ud = take(udlen).decode()
            c = currencies.get(cur)
            if c is None:
                c = cur.decode()
                for k in CURRENCIES:  # share the table's str
                    if k == c:
                        c = k
                        break
                currencies[cur] = c
            if not valid_id(aid) or aid in self._accounts:
                raise SnapshotError("bad or repeated account id %r" % aid)
            if ts <= prev or ts > last_ts or f & ~ACCOUNT_FLAGS or cf & ~ACCOUNT_FLAGS:
                raise SnapshotError("account %s: bad timestamp or flags" % aid)
            prev = ts
            a = self._new_account(aid, c, dpe, dpo, cpe, cpo, f, ud, ts, cf)
            a[A_MARK] = -1
        self._tindex.reserve(n_tr)
        self._rindex.reserve(n_tr)
        tps = self.ticks_per_second
        prev = -1
        for p in range(n_tr):
            (idlen, reflen, udlen, dnum, cnum, amount, aux, ts, f,
             state) = unpack(_TR, take(tsize))
            tid = take(idlen).decode()
            ref = ud = None
            if reflen != _NONE16:
                ref = take(reflen).decode()
            if udlen != _NONE16:
                ud = take(udlen).decode()
            if not valid_id(tid) or self._tindex.find(tid) >= 0:
                raise SnapshotError("bad or repeated transfer id %r" % tid)
            if ref is not None and self._rindex.find(ref) >= 0:
                raise SnapshotError("repeated reference %r" % ref)
            if f & ~TRANSFER_FLAGS or ts <= prev or ts > last_ts or state > STATE_EXPIRED:
                raise SnapshotError("transfer %s: bad flags, state or timestamp" % tid)
            prev = ts
            if dnum >= n_acc or cnum >= n_acc or dnum == cnum:
                raise SnapshotError("transfer %s: bad accounts" % tid)
            if f & _RESOLVING and aux >= p:
                raise SnapshotError("transfer %s resolves a later transfer" % tid)
            if f & PENDING and aux > MAX_TIMEOUT:
                raise SnapshotError("transfer %s: bad timeout" % tid)
            self._store(tid, accs[dnum], accs[cnum], amount, f | (state << STATE_SHIFT), ts,
                        ref, ud, aux)
            if f & PENDING and state == STATE_PENDING:
                self._open += 1
                if aux:
                    _heappush(self._expiry, (ts + aux * tps, p))
        if r.pos != r.limit:
            raise SnapshotError("%d bytes after the last record" % (r.limit - r.pos))


def _flush(parts, out, crc):
    """Join `parts` into one piece of `out`, empty them; the CRC-32 carried on over it."""
    chunk = b"".join(parts)
    out.append(chunk)
    del parts[:]
    return binascii.crc32(chunk, crc)


class _Pieces:
    """Reads a snapshot held as a list of bytes pieces, across their boundaries (restore)."""

    def __init__(self, pieces):
        self.pieces = pieces
        size = 0
        for x in pieces:
            size += len(x)
        self.size = size
        self.limit = size       # bytes that may be taken (the records, not the trailer)
        self.pos = 0            # bytes taken
        self.i = 0              # the piece being read...
        self.off = 0            # ...and the offset in it

    def take(self, n):
        """The next `n` bytes; SnapshotError past the limit."""
        if self.pos + n > self.limit:
            raise SnapshotError("snapshot truncated")
        self.pos += n
        x = self.pieces[self.i] if self.i < len(self.pieces) else b""
        off = self.off
        if off + n <= len(x):
            self.off = off + n
            return x[off:off + n]
        out = [x[off:]]
        need = n - (len(x) - off)
        while need > 0:
            self.i += 1
            x = self.pieces[self.i]
            k = need if need <= len(x) else len(x)
            out.append(x[:k])
            need -= k
            self.off = k
        return b"".join(out)

    def tail(self, n):
        """The last `n` bytes of the whole."""
        out = b""
        i = len(self.pieces) - 1
        while len(out) < n:
            x = self.pieces[i]
            out = x[-(n - len(out)):] + out if len(x) else out
            i -= 1
        return out

