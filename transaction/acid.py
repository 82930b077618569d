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

# ---- storage layouts ----------------------------------------------------------------------------
# (MicroPython in this kernel: an allocation of more than one 32-byte heap block scans the heap
# for free space, ~0.1-1 ms once the heap holds a big ledger; one block or none is cheap. So a
# committed transfer allocates nothing: its fields go into columns, its index entries into
# flat tables of ints, and each account's transfers are chained through the columns.)
#
# An account is a list (created once; its balances change in place):
#   [id, currency, debits_pending, debits_posted, credits_pending, credits_posted, flags,
#    user_data, timestamp, newest transfer (position, -1 if none), creation flags, batch mark,
#    number (position in creation order), transfer count, and its four balances when the
#    current batch first touched it]
(A_ID, A_CUR, A_DPE, A_DPO, A_CPE, A_CPO, A_FLAGS, A_UD, A_TS, A_HEAD, A_CFLAGS, A_MARK, A_NUM,
 A_COUNT, A_B_DPE, A_B_DPO, A_B_CPE, A_B_CPO) = range(18)
ACCOUNT_SLOTS = 18
#
# Transfer p (its position in commit order, which is timestamp order) is column[p] of:
#   t_id, t_dr and t_cr (debit and credit account numbers), t_amount, t_fs (flags | state << 8,
#   the state of a pending transfer: STATE_*), t_ts, t_ref, t_ud, t_aux (a pending transfer's
#   timeout, a post or void's pending transfer position, else 0), t_prev_dr and t_prev_cr (the
#   previous transfer of the debit and of the credit account, -1 if none).
# A post or void holds its pending transfer's accounts and the amount it posted (a void: the
# pending amount, none of which moves to posted). The currency is the accounts'.
STATE_SHIFT = 8
FLAGS_MASK = 0xFF


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
    """The invariants over one batch: `touched` holds every account the batch changed, each
    with its balances before the batch in A_B_*. Per currency the batch must have moved as much
    to debits as to credits (pending and posted): with the sums equal before, they are equal
    after. Every touched account must satisfy its limits. Raises LedgerStateError.
    (One loop without calls: it runs after every batch, over up to 2 accounts per event.)"""
    sums = {}
    dmnec = DEBITS_MUST_NOT_EXCEED_CREDITS
    cmned = CREDITS_MUST_NOT_EXCEED_DEBITS
    top = MAX_BALANCE
    for a in touched:
        dpe = a[2]
        dpo = a[3]
        cpe = a[4]
        cpo = a[5]
        f = a[6]
        if (dpe < 0 or dpo < 0 or cpe < 0 or cpo < 0 or dpe + dpo > top or cpe + cpo > top
                or (f & dmnec and dpe + dpo > cpo) or (f & cmned and cpe + cpo > dpo)):
            raise LedgerStateError(_limits_problem(a))
        s = sums.get(a[1])
        if s is None:
            s = sums[a[1]] = [0, 0]
        s[0] += (dpe - a[14]) - (cpe - a[16])
        s[1] += (dpo - a[15]) - (cpo - a[17])
    for cur in sums:
        s = sums[cur]
        if s[0] or s[1]:
            raise LedgerStateError("%s: a batch moved %d more to debits than to credits "
                                   "(pending %d)" % (cur, s[1], s[0]))


class Index:
    """A map with str keys that stays fast when large on MicroPython, for lookups (accounts).

    MicroPython's dict is an open-addressing table with linear probing that grows only when it
    is completely full, and its str hashes have 16 bits: a dict of tens of thousands of ids
    probes thousands of slots for every key it does not hold. An Index is a list of small dicts
    (about LOAD keys each) picked by a 32-bit hash (crc32 in the kernel, hash() on CPython),
    and it grows by doubling that list. `reserve(n)` before adding up to n keys with `add`
    (which never regrows, so buckets a caller holds stay valid). Iteration order is
    unspecified (it differs between CPython and MicroPython)."""

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

    def pop(self, key):
        v = self.buckets[_hash(key) & self.mask].pop(key)
        self.n -= 1
        return v

    def __len__(self):
        return self.n


EMPTY = -1   # a free slot of a PositionIndex
GONE = -2    # a slot whose key was removed (searches go on past it)


class PositionIndex:
    """Where each key is in a column (a list): key -> position, for transfer ids and references.

    Open addressing with linear probing in a flat list of ints, kept at most half full by
    `reserve` (called before a batch: a batch never regrows it). Adding a key allocates
    nothing, which matters in the kernel (see the storage layouts above). The key of position
    p is keys[p]; only positions of keys that are not None are entered."""

    def __init__(self, keys):
        self.keys = keys
        self.n = 0        # keys entered and not removed
        self.used = 0     # slots not EMPTY
        self.mask = 15
        self.table = [EMPTY] * 16

    def reserve(self, extra):
        """Room for `extra` more keys with the table at most half used (else rebuild it)."""
        need = 2 * (self.used + extra)
        size = self.mask + 1
        if need <= size:
            return
        if 2 * (self.n + extra) <= size:
            self._rebuild_in_place()
            return
        size = 16
        while size < 2 * (self.n + extra):
            size *= 2
        table = [EMPTY] * size
        mask = size - 1
        keys = self.keys
        for p in self.table:
            if p >= 0:
                i = _hash(keys[p]) & mask
                while table[i] != EMPTY:
                    i = (i + 1) & mask
                table[i] = p
        self.table = table
        self.mask = mask
        self.used = self.n

    def _rebuild_in_place(self):
        """Drop the GONE slots that removals left, in the same table: a table reserved for
        the ledger's capacity is never allocated again (engine.reserve_list). Every position
        whose key is not None is entered (the keys hold only live positions)."""
        t = self.table
        mask = self.mask
        for i in range(mask + 1):
            t[i] = EMPTY
        keys = self.keys
        n = 0
        for p in range(len(keys)):
            k = keys[p]
            if k is not None:
                i = _hash(k) & mask
                while t[i] != EMPTY:
                    i = (i + 1) & mask
                t[i] = p
                n += 1
        assert n == self.n, "index holds %d keys, the column %d" % (self.n, n)
        self.used = n

    def find(self, key):
        """The position of key, or -1."""
        t = self.table
        m = self.mask
        keys = self.keys
        i = _hash(key) & m
        p = t[i]
        while p != EMPTY:
            if p >= 0 and keys[p] == key:
                return p
            i = (i + 1) & m
            p = t[i]
        return -1

    def insert(self, key, pos):
        """Enter position pos for key (which is not in the index)."""
        t = self.table
        m = self.mask
        i = _hash(key) & m
        while t[i] != EMPTY:
            i = (i + 1) & m
        t[i] = pos
        self.n += 1
        self.used += 1

    def remove(self, key, pos):
        t = self.table
        m = self.mask
        i = _hash(key) & m
        while t[i] != pos:
            i = (i + 1) & m
        t[i] = GONE
        self.n -= 1

    def __len__(self):
        return self.n


def verify(led):
    """Recompute every balance of the ledger `led` (a transaction.engine.Ledger) from its stored
    transfers and check every invariant, chain and index. Returns the problems found (strs,
    empty if none)."""
    problems = []
    add = problems.append
    accs = led._acc
    na = len(accs)
    work = [[0, 0, 0, 0] for _ in range(na)]
    last = [-1] * na    # newest transfer of each account seen so far
    count = [0] * na
    closer = [-1] * na  # the closing pending transfer in force on each account
    prev = -1
    for num in range(na):
        a = accs[num]
        aid = a[A_ID]
        if len(a) != ACCOUNT_SLOTS or a[A_NUM] != num:
            add("account %s: malformed, or number %r at position %d" % (aid, a[A_NUM], num))
            continue
        if led._accounts.get(aid) is not a:
            add("account %s: not indexed, or stored twice" % aid)
        if a[A_CUR] not in CURRENCIES:
            add("account %s: unknown currency %r" % (aid, a[A_CUR]))
        if a[A_TS] <= prev:
            add("account %s: timestamps out of order" % aid)
        prev = a[A_TS]
    if len(led._accounts) != na:
        add("%d accounts indexed, %d stored" % (len(led._accounts), na))
    ids = led.t_id
    drs = led.t_dr
    crs = led.t_cr
    amts = led.t_amount
    fss = led.t_fs
    tss = led.t_ts
    refs = led.t_ref
    aux = led.t_aux
    n = len(ids)
    for col in (drs, crs, amts, fss, tss, refs, led.t_ud, aux, led.t_prev_dr, led.t_prev_cr):
        if len(col) != n:
            add("transfer columns of different lengths")
            return problems
    resolved = [-1] * n  # pending transfer -> the post or void that resolved it
    nrefs = 0
    open_pending = 0
    prev = -1
    for p in range(n):
        tid = ids[p]
        if tss[p] <= prev:
            add("transfer %s: timestamps out of order" % tid)
        prev = tss[p]
        if led._tindex.find(tid) != p:
            add("transfer %s: not indexed, or stored twice" % tid)
        dn = drs[p]
        cn = crs[p]
        if not (0 <= dn < na and 0 <= cn < na) or dn == cn:
            add("transfer %s: bad accounts" % tid)
            continue
        for num, chain in ((dn, led.t_prev_dr), (cn, led.t_prev_cr)):
            if chain[p] != last[num]:
                add("transfer %s: chain of account %s broken" % (tid, accs[num][A_ID]))
            last[num] = p
            count[num] += 1
        ref = refs[p]
        if ref is not None:
            nrefs += 1
            if led._rindex.find(ref) != p:
                add("transfer %s: reference %r not indexed" % (tid, ref))
        amt = amts[p]
        f = fss[p] & FLAGS_MASK
        state = fss[p] >> STATE_SHIFT
        d = work[dn]
        c = work[cn]
        if type(amt) is not int or amt < 0 or amt > MAX_AMOUNT:
            add("transfer %s: bad amount" % tid)
            continue
        if f & PENDING:
            if state == STATE_PENDING:
                d[0] += amt
                c[2] += amt
                open_pending += 1
            elif state > STATE_EXPIRED:
                add("transfer %s: bad state %r" % (tid, state))
            if state == STATE_PENDING or state == STATE_POSTED:
                if f & CLOSING_DEBIT:
                    closer[dn] = p
                if f & CLOSING_CREDIT:
                    closer[cn] = p
        elif state:
            add("transfer %s: a state, not pending" % tid)
        elif f & (POST_PENDING_TRANSFER | VOID_PENDING_TRANSFER):
            q = aux[p]
            if not (0 <= q < p) or not fss[q] & PENDING:
                add("transfer %s resolves %r, not an earlier pending transfer" % (tid, q))
                continue
            if resolved[q] >= 0:
                add("pending transfer %s resolved twice" % ids[q])
            resolved[q] = p
            if drs[q] != dn or crs[q] != cn:
                add("transfer %s: accounts differ from its pending transfer" % tid)
            if f & POST_PENDING_TRANSFER:
                if amt > amts[q]:
                    add("transfer %s posts more than its pending transfer" % tid)
                d[1] += amt
                c[3] += amt
                want = STATE_POSTED
            else:
                want = STATE_VOIDED
            if fss[q] >> STATE_SHIFT != want:
                add("pending transfer %s: state %d, resolved by %s" %
                    (ids[q], fss[q] >> STATE_SHIFT, tid))
        else:
            d[1] += amt
            c[3] += amt
    for q in range(n):
        state = fss[q] >> STATE_SHIFT
        if fss[q] & PENDING and (state == STATE_POSTED or state == STATE_VOIDED) and \
                resolved[q] < 0:
            add("pending transfer %s %s without a transfer that did it" %
                (ids[q], STATE_NAMES[state]))
    if len(led._tindex) != n:
        add("%d transfers indexed, %d stored" % (len(led._tindex), n))
    if len(led._rindex) != nrefs:
        add("%d references indexed, %d stored" % (len(led._rindex), nrefs))
    if open_pending != led._open:
        add("%d pending transfers open, counted %d" % (open_pending, led._open))
    sums = {}
    for num in range(na):
        a = accs[num]
        if len(a) != ACCOUNT_SLOTS:
            continue
        aid = a[A_ID]
        if a[A_HEAD] != last[num] or a[A_COUNT] != count[num]:
            add("account %s: transfer chain head or count wrong" % aid)
        have = [a[A_DPE], a[A_DPO], a[A_CPE], a[A_CPO]]
        if have != work[num]:
            add("account %s: balances %r, the transfers give %r" % (aid, have, work[num]))
        p = _limits_problem(a)
        if p is not None:
            add(p)
        closed = bool(a[A_CFLAGS] & CLOSED) or closer[num] >= 0
        if closed != bool(a[A_FLAGS] & CLOSED):
            add("account %s: closed flag %s, expected %s" %
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
            add("%s: debits posted %d != credits posted %d" % (cur, s[1], s[3]))
        if s[0] != s[2]:
            add("%s: debits pending %d != credits pending %d" % (cur, s[0], s[2]))
    return problems
