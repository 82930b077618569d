"""Rules of the ledger (transaction/engine.py): flags, result codes, limits, record layouts, and
the invariants checked after every batch and by `verify()`.

Invariants (double entry, TigerBeetle's):
  * in every currency, the sum of debits_posted over all accounts equals the sum of
    credits_posted, and the sum of debits_pending equals the sum of credits_pending;
  * every balance is >= 0 and below MAX_BALANCE;
  * debits_must_not_exceed_credits: debits_pending + debits_posted <= credits_posted;
    credits_must_not_exceed_debits: credits_pending + credits_posted <= debits_posted;
  * every balance equals what the stored transfers give (verify() recomputes them);
  * a pending transfer is resolved (posted, voided or expired) at most once.

Portable: CPython on the host, MicroPython in the kernel.
"""
from transaction.currency import CURRENCIES, MAX_AMOUNT

try:
    from _crypto import crc32 as _hash  # the kernel: 32 well-mixed bits, computed in C
except ImportError:
    _hash = hash                         # CPython

# ---- limits -----------------------------------------------------------------------------------
MAX_BATCH = 8190                 # events per request (TigerBeetle's batch size)
ID_MAX = 64                      # characters of an id
REFERENCE_MAX = 128              # characters of a transfer's reference (idempotency key)
USER_DATA_MAX = 256              # characters of user_data
MAX_BALANCE = (1 << 63) - 1      # debits (pending + posted) and credits of an account, at most
MAX_TIMEOUT = (1 << 32) - 1      # seconds of a pending transfer's timeout, at most
MAX_PAGE = 8190                  # transfers per get_account_transfers page, at most
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."

# ---- flags (TigerBeetle's bit values) ----------------------------------------------------------
LINKED = 1                          # both kinds: the event is linked with the next one

# accounts
DEBITS_MUST_NOT_EXCEED_CREDITS = 2
CREDITS_MUST_NOT_EXCEED_DEBITS = 4
CLOSED = 32
ACCOUNT_FLAGS = LINKED | DEBITS_MUST_NOT_EXCEED_CREDITS | CREDITS_MUST_NOT_EXCEED_DEBITS | CLOSED

# transfers
PENDING = 2
POST_PENDING_TRANSFER = 4
VOID_PENDING_TRANSFER = 8
CLOSING_DEBIT = 64                  # a pending transfer that closes its debit account
CLOSING_CREDIT = 128                # ... its credit account (voiding or expiry reopens)
TRANSFER_FLAGS = (LINKED | PENDING | POST_PENDING_TRANSFER | VOID_PENDING_TRANSFER |
                  CLOSING_DEBIT | CLOSING_CREDIT)

ACCOUNT_FLAG_NAMES = (("linked", LINKED),
                      ("debits_must_not_exceed_credits", DEBITS_MUST_NOT_EXCEED_CREDITS),
                      ("credits_must_not_exceed_debits", CREDITS_MUST_NOT_EXCEED_DEBITS),
                      ("closed", CLOSED))
TRANSFER_FLAG_NAMES = (("linked", LINKED), ("pending", PENDING),
                       ("post_pending_transfer", POST_PENDING_TRANSFER),
                       ("void_pending_transfer", VOID_PENDING_TRANSFER),
                       ("closing_debit", CLOSING_DEBIT), ("closing_credit", CLOSING_CREDIT))

# states of a pending transfer
STATE_PENDING = 0
STATE_POSTED = 1
STATE_VOIDED = 2
STATE_EXPIRED = 3
STATE_NAMES = ("pending", "posted", "voided", "expired")

# ---- result codes: each result is (index, code, field or None) ----------------------------------
OK = "ok"
EXISTS = "exists"                                   # same id (or reference), same body
EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"   # field: the first that differs
EVENT_INVALID = "event_invalid"                     # not an object
FIELD_UNKNOWN = "field_unknown"                     # field: the unknown member name
ID_INVALID = "id_invalid"                           # field: id, debit_account_id, ...
FLAGS_INVALID = "flags_invalid"
FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
CURRENCY_INVALID = "currency_invalid"
USER_DATA_INVALID = "user_data_invalid"
REFERENCE_INVALID = "reference_invalid"
ACCOUNT_NOT_FOUND = "account_not_found"             # field: debit_account_id / credit_account_id
ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
CURRENCY_MISMATCH = "currency_mismatch"             # field: the account that differs
AMOUNT_INVALID = "amount_invalid"                   # not an int
AMOUNT_NEGATIVE = "amount_negative"
AMOUNT_MUST_NOT_BE_ZERO = "amount_must_not_be_zero"
AMOUNT_TOO_LARGE = "amount_too_large"
EXCEEDS_CREDITS = "exceeds_credits"                 # debit account's limit
EXCEEDS_DEBITS = "exceeds_debits"                   # credit account's limit
OVERFLOWS_DEBITS = "overflows_debits"               # debit account would pass MAX_BALANCE
OVERFLOWS_CREDITS = "overflows_credits"
ACCOUNT_CLOSED = "account_closed"                   # field: debit_account_id / credit_account_id
CLOSING_TRANSFER_MUST_BE_PENDING = "closing_transfer_must_be_pending"
TIMEOUT_INVALID = "timeout_invalid"
TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
PENDING_ID_REQUIRED = "pending_id_required"
PENDING_ID_NOT_ALLOWED = "pending_id_not_allowed"
PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
PENDING_TRANSFER_HAS_DIFFERENT_FIELDS = "pending_transfer_has_different_fields"  # field
PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
LINKED_EVENT_FAILED = "linked_event_failed"
LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"

CODES = (OK, EXISTS, EXISTS_WITH_DIFFERENT_FIELDS, EVENT_INVALID, FIELD_UNKNOWN, ID_INVALID,
         FLAGS_INVALID, FLAGS_ARE_MUTUALLY_EXCLUSIVE, CURRENCY_INVALID, USER_DATA_INVALID,
         REFERENCE_INVALID, ACCOUNT_NOT_FOUND, ACCOUNTS_MUST_BE_DIFFERENT, CURRENCY_MISMATCH,
         AMOUNT_INVALID, AMOUNT_NEGATIVE, AMOUNT_MUST_NOT_BE_ZERO, AMOUNT_TOO_LARGE,
         EXCEEDS_CREDITS, EXCEEDS_DEBITS, OVERFLOWS_DEBITS, OVERFLOWS_CREDITS, ACCOUNT_CLOSED,
         CLOSING_TRANSFER_MUST_BE_PENDING, TIMEOUT_INVALID, TIMEOUT_RESERVED_FOR_PENDING_TRANSFER,
         PENDING_ID_REQUIRED, PENDING_ID_NOT_ALLOWED, PENDING_ID_MUST_BE_DIFFERENT,
         PENDING_TRANSFER_NOT_FOUND, PENDING_TRANSFER_NOT_PENDING,
         PENDING_TRANSFER_HAS_DIFFERENT_FIELDS, PENDING_TRANSFER_ALREADY_POSTED,
         PENDING_TRANSFER_ALREADY_VOIDED, PENDING_TRANSFER_EXPIRED,
         EXCEEDS_PENDING_TRANSFER_AMOUNT, LINKED_EVENT_FAILED, LINKED_EVENT_CHAIN_OPEN)

# The members an event may have (anything else: field_unknown).
ACCOUNT_FIELDS = ("id", "currency", "flags", "user_data")
TRANSFER_FIELDS = ("id", "debit_account_id", "credit_account_id", "amount", "currency",
                   "pending_id", "timeout", "reference", "user_data", "flags")

# ---- record layouts ---------------------------------------------------------------------------
# An account is a list (its balances change in place):
#   [id, currency, debits_pending, debits_posted, credits_pending, credits_posted, flags,
#    user_data, timestamp, transfers (its own, oldest first), creation flags, batch mark,
#    number (its position in creation order)]
# A transfer is a tuple (immutable):
#   (id, debit_account_id, credit_account_id, amount, currency, pending_id, timeout,
#    reference, user_data, flags, timestamp)
# For a post or void the accounts, currency and amount are the resolved ones (amount: what was
# posted; a void's is the pending amount, none of which moves to posted).
(A_ID, A_CUR, A_DPE, A_DPO, A_CPE, A_CPO, A_FLAGS, A_UD, A_TS, A_LOG, A_CFLAGS, A_MARK,
 A_NUM) = range(13)
T_ID, T_DR, T_CR, T_AMT, T_CUR, T_PID, T_TIMEOUT, T_REF, T_UD, T_FLAGS, T_TS = range(11)


class LedgerStateError(RuntimeError):
    """An invariant does not hold: the state is corrupt (a bug or a damaged snapshot)."""


def valid_id(s):
    """True for an id of 1 to 64 characters from A-Z a-z 0-9 _ - . (e.g. "ACC001")."""
    # strip() removes every leading and trailing character of the set: if none is left, all
    # were in it (one C call, no scan in Python, no new str for a valid id).
    return type(s) is str and 0 < len(s) <= ID_MAX and not s.strip(ID_CHARS)


def flags_from_names(names, kind="transfer"):
    """The flags int for a list of flag names; ValueError for an unknown name."""
    table = TRANSFER_FLAG_NAMES if kind == "transfer" else ACCOUNT_FLAG_NAMES
    flags = 0
    for name in names:
        for n, bit in table:
            if n == name:
                flags |= bit
                break
        else:
            raise ValueError("unknown %s flag %r" % (kind, name))
    return flags


def flag_names(flags, kind="transfer"):
    """The names of the flags set in `flags`, in bit order."""
    table = TRANSFER_FLAG_NAMES if kind == "transfer" else ACCOUNT_FLAG_NAMES
    return [n for n, bit in table if flags & bit]


def _limits_problem(a):
    """What is wrong with one account's balances and limit flags (a str), or None."""
    dpe, dpo, cpe, cpo, f = a[A_DPE], a[A_DPO], a[A_CPE], a[A_CPO], a[A_FLAGS]
    if dpe < 0 or dpo < 0 or cpe < 0 or cpo < 0:
        return "account %s: negative balance" % a[A_ID]
    if dpe + dpo > MAX_BALANCE or cpe + cpo > MAX_BALANCE:
        return "account %s: balance over the maximum" % a[A_ID]
    if f & DEBITS_MUST_NOT_EXCEED_CREDITS and dpe + dpo > cpo:
        return "account %s: debits exceed credits (debits_must_not_exceed_credits)" % a[A_ID]
    if f & CREDITS_MUST_NOT_EXCEED_DEBITS and cpe + cpo > dpo:
        return "account %s: credits exceed debits (credits_must_not_exceed_debits)" % a[A_ID]
    return None


def check_batch(touched):
    """The invariants over one batch: `touched` holds (account, debits_pending, debits_posted,
    credits_pending, credits_posted) for every account the batch changed, with its balances
    before the batch. Per currency the batch must have moved as much to debits as to credits
    (pending and posted): with the sums equal before, they are equal after. Every touched
    account must satisfy its limits. Raises LedgerStateError."""
    sums = {}
    for t in touched:
        a = t[0]
        p = _limits_problem(a)
        if p is not None:
            raise LedgerStateError(p)
        s = sums.get(a[A_CUR])
        if s is None:
            s = sums[a[A_CUR]] = [0, 0]
        s[0] += (a[A_DPE] - t[1]) - (a[A_CPE] - t[3])
        s[1] += (a[A_DPO] - t[2]) - (a[A_CPO] - t[4])
    for cur in sums:
        s = sums[cur]
        if s[0] or s[1]:
            raise LedgerStateError("%s: a batch moved %d more to debits than to credits "
                                   "(pending %d)" % (cur, s[1], s[0]))


class Index:
    """A map with str keys that stays fast when large on MicroPython.

    MicroPython's dict is an open-addressing table with linear probing that grows only when it
    is completely full, and its str hashes have 16 bits: a dict of tens of thousands of ids
    probes thousands of slots for every key it does not hold (measured: ~1 ms per insert at 40k
    transfers in the kernel). An Index is a list of small dicts (about LOAD keys each on
    average) picked by a 32-bit hash (crc32 in the kernel, hash() on CPython), and it grows by
    doubling that list. `bucket(key)` gives the dict a key lives in, for inline use on hot
    paths; `reserve(n)` before adding up to n keys with `add` (which never regrows, so buckets
    held by a caller stay valid). Iteration order is unspecified (it differs between CPython
    and MicroPython): nothing whose result must be deterministic may depend on it."""

    LOAD = 4

    def __init__(self):
        self.n = 0
        self.mask = 15
        self.buckets = [{} for _ in range(16)]

    def reserve(self, extra):
        """Make room for `extra` more keys at the target load (regrows: buckets change)."""
        need = self.n + extra
        size = self.mask + 1
        if need <= self.LOAD * size:
            return
        while need > self.LOAD * size:
            size *= 2
        old = self.buckets
        new = [{} for _ in range(size)]
        mask = size - 1
        h = _hash
        for b in old:
            for k in b:
                new[h(k) & mask][k] = b[k]
        self.buckets = new
        self.mask = mask

    def bucket(self, key):
        return self.buckets[_hash(key) & self.mask]

    def get(self, key, default=None):
        return self.buckets[_hash(key) & self.mask].get(key, default)

    def __contains__(self, key):
        return key in self.buckets[_hash(key) & self.mask]

    def add(self, key, value):
        """Set key (absent or present) without regrowing."""
        b = self.buckets[_hash(key) & self.mask]
        if key not in b:
            self.n += 1
        b[key] = value

    def put(self, key, value):
        """Set key, regrowing when the index is past its load."""
        if self.n >= self.LOAD * (self.mask + 1):
            self.reserve(1)
        self.add(key, value)

    def pop(self, key):
        v = self.buckets[_hash(key) & self.mask].pop(key)
        self.n -= 1
        return v

    def __len__(self):
        return self.n

    def items(self):
        for b in self.buckets:
            for k in b:
                yield k, b[k]


def verify(order, accounts, log, transfers, pending, references):
    """Recompute every balance from the stored transfers and check every invariant and index.

    order: the accounts (lists) in creation order; accounts: Index id -> account; log: every
    transfer, oldest first; transfers: Index id -> transfer; pending: Index pending transfer id
    -> state; references: Index reference -> transfer. Returns the problems found (strs, empty
    if none)."""
    problems = []
    work = Index()  # account id -> [debits_pending, debits_posted, credits_pending,
    work.reserve(len(order))  # credits_posted, transfers of it seen] recomputed
    last = -1
    for i in range(len(order)):
        a = order[i]
        aid = a[A_ID]
        if a[A_NUM] != i:
            problems.append("account %s: number %r, position %d" % (aid, a[A_NUM], i))
        if accounts.get(aid) is not a or aid in work:
            problems.append("account %s: not indexed, or stored twice" % aid)
        if a[A_CUR] not in CURRENCIES:
            problems.append("account %s: unknown currency %r" % (aid, a[A_CUR]))
        if a[A_TS] <= last:
            problems.append("account %s: timestamps out of order" % aid)
        last = a[A_TS]
        work.put(aid, [0, 0, 0, 0, 0])
    if len(accounts) != len(order):
        problems.append("%d accounts indexed, %d stored" % (len(accounts), len(order)))
    resolved = Index()  # pending id -> the post or void that resolved it
    closers = Index()   # account id -> the closing pending transfer in force
    last = -1
    for t in log:
        tid = t[T_ID]
        if t[T_TS] <= last:
            problems.append("transfer %s: timestamps out of order" % tid)
        last = t[T_TS]
        if transfers.get(tid) is not t:
            problems.append("transfer %s: not indexed, or stored twice" % tid)
        d = work.get(t[T_DR])
        c = work.get(t[T_CR])
        if d is None or c is None or t[T_DR] == t[T_CR]:
            problems.append("transfer %s: bad accounts" % tid)
            continue
        for aid, w in ((t[T_DR], d), (t[T_CR], c)):
            a = accounts.get(aid)
            k = w[4]
            if k >= len(a[A_LOG]) or a[A_LOG][k] is not t:
                problems.append("transfer %s missing from the transfers of %s" % (tid, aid))
            w[4] = k + 1
            if a[A_CUR] != t[T_CUR]:
                problems.append("transfer %s: currency differs from account %s" % (tid, aid))
        amt = t[T_AMT]
        f = t[T_FLAGS]
        if type(amt) is not int or amt < 0 or amt > MAX_AMOUNT:
            problems.append("transfer %s: bad amount" % tid)
            continue
        if f & PENDING:
            state = pending.get(tid)
            if state is None:
                problems.append("transfer %s: pending without a state" % tid)
            elif state == STATE_PENDING:
                d[0] += amt
                c[2] += amt
            if state == STATE_PENDING or state == STATE_POSTED:
                if f & CLOSING_DEBIT:
                    closers.put(t[T_DR], tid)
                if f & CLOSING_CREDIT:
                    closers.put(t[T_CR], tid)
        elif f & (POST_PENDING_TRANSFER | VOID_PENDING_TRANSFER):
            pid = t[T_PID]
            p = transfers.get(pid) if type(pid) is str else None
            if p is None or not p[T_FLAGS] & PENDING or p[T_TS] >= t[T_TS]:
                problems.append("transfer %s resolves %s, not an earlier pending" % (tid, pid))
                continue
            if pid in resolved:
                problems.append("pending transfer %s resolved twice" % pid)
            resolved.put(pid, t)
            if p[T_DR] != t[T_DR] or p[T_CR] != t[T_CR]:
                problems.append("transfer %s: accounts differ from its pending" % tid)
            if f & POST_PENDING_TRANSFER:
                if amt > p[T_AMT]:
                    problems.append("transfer %s posts more than its pending" % tid)
                d[1] += amt
                c[3] += amt
                want = STATE_POSTED
            else:
                want = STATE_VOIDED
            if pending.get(pid) != want:
                problems.append("pending transfer %s: state %r, resolved by %s" %
                                (pid, pending.get(pid), tid))
        else:
            d[1] += amt
            c[3] += amt
        ref = t[T_REF]
        if ref is not None and references.get(ref) is not t:
            problems.append("transfer %s: reference %r not indexed" % (tid, ref))
    if len(transfers) != len(log):
        problems.append("%d transfers indexed, %d stored" % (len(transfers), len(log)))
    for pid, state in pending.items():
        p = transfers.get(pid)
        if p is None or not p[T_FLAGS] & PENDING:
            problems.append("pending state for %s, which is not a pending transfer" % pid)
        elif (state == STATE_POSTED or state == STATE_VOIDED) and pid not in resolved:
            problems.append("pending transfer %s %s without a transfer that did it" %
                            (pid, STATE_NAMES[state]))
    for ref, t in references.items():
        if transfers.get(t[T_ID]) is not t or t[T_REF] != ref:
            problems.append("reference %r points at a transfer that does not have it" % ref)
    sums = {}
    for a in order:
        aid = a[A_ID]
        w = work.get(aid)
        if w[4] != len(a[A_LOG]):
            problems.append("account %s lists transfers that are not stored" % aid)
        have = [a[A_DPE], a[A_DPO], a[A_CPE], a[A_CPO]]
        if have != w[:4]:
            problems.append("account %s: balances %r, the transfers give %r" % (aid, have, w[:4]))
        p = _limits_problem(a)
        if p is not None:
            problems.append(p)
        closed = bool(a[A_CFLAGS] & CLOSED) or aid in closers
        if closed != bool(a[A_FLAGS] & CLOSED):
            problems.append("account %s: closed flag %s, expected %s" %
                            (aid, bool(a[A_FLAGS] & CLOSED), closed))
        s = sums.get(a[A_CUR])
        if s is None:
            s = sums[a[A_CUR]] = [0, 0, 0, 0]
        s[0] += a[A_DPE]
        s[1] += a[A_DPO]
        s[2] += a[A_CPE]
        s[3] += a[A_CPO]
    for cur in sorted(sums):
        s = sums[cur]
        if s[1] != s[3]:
            problems.append("%s: debits posted %d != credits posted %d" % (cur, s[1], s[3]))
        if s[0] != s[2]:
            problems.append("%s: debits pending %d != credits pending %d" % (cur, s[0], s[2]))
    return problems
