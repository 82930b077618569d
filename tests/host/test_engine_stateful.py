"""Hypothesis state machine: the ledger (transaction/engine.py) against a small reference model.

The model keeps plain dicts of accounts and transfers, undoes a failed linked chain by going
back to a deep copy taken when the chain began, and expires pending transfers by scanning all of
them; it checks the rules in the order the engine documents. Two ledgers run in lockstep, one
with the inline path for plain and pending transfers and one without it; after every step their
results, balances, transfers and counters must equal the model's and verify() must find
nothing. Snapshots are taken and restored along the way.
"""
import copy

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from transaction import acid
from transaction.engine import Ledger

TPS = 1000  # the ledgers count milliseconds
MAX = (1 << 63) - 1
LK, PEND, POST, VOID = acid.LINKED, acid.PENDING, acid.POST_PENDING_TRANSFER, \
    acid.VOID_PENDING_TRANSFER
CD, CC = acid.CLOSING_DEBIT, acid.CLOSING_CREDIT
DMNEC, CMNED, CLOSED = acid.DEBITS_MUST_NOT_EXCEED_CREDITS, acid.CREDITS_MUST_NOT_EXCEED_DEBITS, \
    acid.CLOSED
CURRENCIES = ("USD", "EUR", "JPY")
ACCOUNT_IDS = ["A%d" % i for i in range(7)]
TRANSFER_IDS = ["T%d" % i for i in range(40)]
REFERENCES = ["R%d" % i for i in range(6)]


def same(a, b):
    return a == b and type(a) is type(b)


def valid_id(s):
    return (type(s) is str and 1 <= len(s) <= 64 and
            all(c.isascii() and (c.isalnum() or c in "_-.") for c in s))


class Model:
    """The ledger's rules, written plainly."""

    def __init__(self):
        self.accounts = {}   # id -> dict
        self.transfers = {}  # id -> dict (resolved fields, ts, state)
        self.refs = {}       # reference -> transfer id
        self.last = 0
        self.committed = self.rejected = self.exists = self.expired = 0

    # -- batches
    def apply(self, kind, events, timestamp):
        n = len(events)
        base = timestamp if timestamp > self.last else self.last + 1
        self.last = base + n - 1 if n else base
        self.expire(base)
        one = self.transfer if kind == "transfers" else self.account
        valid = acid.TRANSFER_FLAGS if kind == "transfers" else acid.ACCOUNT_FLAGS
        results = []
        i = 0
        while i < n:
            # the chain starting at i: up to the first event that is not linked
            j = i
            while linked(events[j], valid) and j < n - 1:
                j += 1
            chain = list(range(i, j + 1))
            if len(chain) == 1 and not linked(events[i], valid):
                code, field = one(events[i], base + i)
                results.append((i, code, field))
            else:
                saved = copy.deepcopy((self.accounts, self.transfers, self.refs))
                out = []
                failed = None
                for k in chain:
                    if k == n - 1 and linked(events[k], valid):
                        code, field = "linked_event_chain_open", None
                    else:
                        code, field = one(events[k], base + k)
                    out.append((k, code, field))
                    if code != "ok":
                        failed = k
                        break
                if failed is None:
                    results.extend(out)
                else:
                    self.accounts, self.transfers, self.refs = saved
                    for k in chain:
                        if k == failed:
                            results.append(out[-1])
                        else:
                            results.append((k, "linked_event_failed", None))
            i = j + 1
        for _, code, _ in results:
            if code == "ok":
                self.committed += 1
            elif code == "exists":
                self.exists += 1
            else:
                self.rejected += 1
        return results

    def expire(self, now):
        for t in self.transfers.values():
            if t["flags"] & PEND and t["state"] == "pending" and t["timeout"] and \
                    t["ts"] + t["timeout"] * TPS <= now:
                d = self.accounts[t["debit_account_id"]]
                c = self.accounts[t["credit_account_id"]]
                d["dpe"] -= t["amount"]
                c["cpe"] -= t["amount"]
                t["state"] = "expired"
                self.reopen(t)
                self.expired += 1

    def reopen(self, p):
        if p["flags"] & CD:
            self.accounts[p["debit_account_id"]]["closed"] = False
        if p["flags"] & CC:
            self.accounts[p["credit_account_id"]]["closed"] = False

    # -- accounts
    def account(self, ev, ts):
        if type(ev) is not dict:
            return "event_invalid", None
        unknown = sorted(k for k in ev if k not in acid.ACCOUNT_FIELDS)
        if unknown:
            return "field_unknown", unknown[0]
        f = ev.get("flags")
        f = 0 if f is None else f
        if type(f) is not int or f < 0 or f & ~acid.ACCOUNT_FLAGS:
            return "flags_invalid", "flags"
        aid = ev.get("id")
        if not valid_id(aid):
            return "id_invalid", "id"
        a = self.accounts.get(aid)
        if a is not None:
            for name, v in (("currency", a["currency"]), ("user_data", a["user_data"])):
                if not same(ev.get(name), v):
                    return "exists_with_different_fields", name
            if f != a["cflags"]:
                return "exists_with_different_fields", "flags"
            return "exists", None
        if f & DMNEC and f & CMNED:
            return "flags_are_mutually_exclusive", "flags"
        if ev.get("currency") not in CURRENCIES:
            return "currency_invalid", "currency"
        ud = ev.get("user_data")
        if ud is not None and not (type(ud) is str and len(ud) <= 256):
            return "user_data_invalid", "user_data"
        self.accounts[aid] = {"currency": ev["currency"], "user_data": ud, "cflags": f,
                              "flags": f, "closed": bool(f & CLOSED), "dpe": 0, "dpo": 0,
                              "cpe": 0, "cpo": 0, "ts": ts}
        return "ok", None

    # -- transfers
    def differs(self, t, ev, f, by_reference):
        resolving = t["flags"] & (POST | VOID)
        for name in ("debit_account_id", "credit_account_id", "amount", "currency"):
            if ev.get(name) is None and resolving:
                continue
            if not same(ev.get(name), t[name]):
                return name
        if not same(ev.get("pending_id"), t["pending_id"]):
            return "pending_id"
        timeout = ev.get("timeout")
        if not same(0 if timeout is None else timeout, t["timeout"]):
            return "timeout"
        if not by_reference and not same(ev.get("reference"), t["reference"]):
            return "reference"
        if not same(ev.get("user_data"), t["user_data"]):
            return "user_data"
        if f != t["flags"]:
            return "flags"
        return None

    def transfer(self, ev, ts):
        if type(ev) is not dict:
            return "event_invalid", None
        unknown = sorted(k for k in ev if k not in acid.TRANSFER_FIELDS)
        if unknown:
            return "field_unknown", unknown[0]
        f = ev.get("flags")
        f = 0 if f is None else f
        if type(f) is not int or f < 0 or f & ~acid.TRANSFER_FLAGS:
            return "flags_invalid", "flags"
        tid = ev.get("id")
        if not valid_id(tid):
            return "id_invalid", "id"
        if tid in self.transfers:
            field = self.differs(self.transfers[tid], ev, f, False)
            return ("exists", None) if field is None else ("exists_with_different_fields", field)
        if bin(f & (PEND | POST | VOID)).count("1") > 1:
            return "flags_are_mutually_exclusive", "flags"
        if f & (CD | CC) and not f & PEND:
            return "closing_transfer_must_be_pending", "flags"
        ref = ev.get("reference")
        if ref is not None and not (type(ref) is str and 1 <= len(ref) <= 128):
            return "reference_invalid", "reference"
        ud = ev.get("user_data")
        if ud is not None and not (type(ud) is str and len(ud) <= 256):
            return "user_data_invalid", "user_data"
        if ref is not None and ref in self.refs:
            field = self.differs(self.transfers[self.refs[ref]], ev, f, True)
            return ("exists", None) if field is None else ("exists_with_different_fields", field)
        if f & (POST | VOID):
            return self.resolve(ev, tid, f, ref, ud, ts)
        if ev.get("pending_id") is not None:
            return "pending_id_not_allowed", "pending_id"
        timeout = ev.get("timeout")
        timeout = 0 if timeout is None else timeout
        if f & PEND:
            if type(timeout) is not int or not 0 <= timeout < 2 ** 32:
                return "timeout_invalid", "timeout"
        elif type(timeout) is not int or timeout != 0:
            return "timeout_reserved_for_pending_transfer", "timeout"
        did, cid = ev.get("debit_account_id"), ev.get("credit_account_id")
        if type(did) is not str:
            return "id_invalid", "debit_account_id"
        if type(cid) is not str:
            return "id_invalid", "credit_account_id"
        if did == cid:
            return "accounts_must_be_different", None
        amount = ev.get("amount")
        if type(amount) is not int:
            return "amount_invalid", "amount"
        if amount < 0:
            return "amount_negative", "amount"
        if amount == 0 and not f & (CD | CC):
            return "amount_must_not_be_zero", "amount"
        if amount > MAX:
            return "amount_too_large", "amount"
        cur = ev.get("currency")
        if cur not in CURRENCIES:
            return "currency_invalid", "currency"
        for name, aid in (("debit_account_id", did), ("credit_account_id", cid)):
            if aid not in self.accounts:
                return "account_not_found", name
        d, c = self.accounts[did], self.accounts[cid]
        for name, a in (("debit_account_id", d), ("credit_account_id", c)):
            if a["currency"] != cur:
                return "currency_mismatch", name
        for name, a in (("debit_account_id", d), ("credit_account_id", c)):
            if a["closed"]:
                return "account_closed", name
        if d["dpe"] + d["dpo"] + amount > MAX:
            return "overflows_debits", "debit_account_id"
        if c["cpe"] + c["cpo"] + amount > MAX:
            return "overflows_credits", "credit_account_id"
        if d["flags"] & DMNEC and d["dpe"] + d["dpo"] + amount > d["cpo"]:
            return "exceeds_credits", "debit_account_id"
        if c["flags"] & CMNED and c["cpe"] + c["cpo"] + amount > c["dpo"]:
            return "exceeds_debits", "credit_account_id"
        if f & PEND:
            d["dpe"] += amount
            c["cpe"] += amount
            if f & CD:
                d["closed"] = True
            if f & CC:
                c["closed"] = True
        else:
            d["dpo"] += amount
            c["cpo"] += amount
        self.store(tid, did, cid, amount, cur, None, timeout, ref, ud, f, ts)
        return "ok", None

    def store(self, tid, did, cid, amount, cur, pid, timeout, ref, ud, f, ts):
        self.transfers[tid] = {"debit_account_id": did, "credit_account_id": cid,
                               "amount": amount, "currency": cur, "pending_id": pid,
                               "timeout": timeout, "reference": ref, "user_data": ud,
                               "flags": f, "ts": ts, "state": "pending" if f & PEND else None}
        if ref is not None:
            self.refs[ref] = tid

    def resolve(self, ev, tid, f, ref, ud, ts):
        pid = ev.get("pending_id")
        if pid is None:
            return "pending_id_required", "pending_id"
        if type(pid) is not str:
            return "id_invalid", "pending_id"
        if pid == tid:
            return "pending_id_must_be_different", "pending_id"
        timeout = ev.get("timeout")
        if timeout is not None and not same(timeout, 0):
            return "timeout_reserved_for_pending_transfer", "timeout"
        p = self.transfers.get(pid)
        if p is None:
            return "pending_transfer_not_found", "pending_id"
        if not p["flags"] & PEND:
            return "pending_transfer_not_pending", "pending_id"
        for name in ("debit_account_id", "credit_account_id", "currency"):
            if ev.get(name) is not None and not same(ev.get(name), p[name]):
                return "pending_transfer_has_different_fields", name
        pa = p["amount"]
        amount = ev.get("amount")
        if amount is None:
            amount = pa
        elif type(amount) is not int:
            return "amount_invalid", "amount"
        elif f & VOID:
            if amount != pa:
                return "pending_transfer_has_different_fields", "amount"
        elif amount < 0:
            return "amount_negative", "amount"
        elif amount == 0 and pa:
            return "amount_must_not_be_zero", "amount"
        elif amount > pa:
            return "exceeds_pending_transfer_amount", "amount"
        if p["state"] == "posted":
            return "pending_transfer_already_posted", "pending_id"
        if p["state"] == "voided":
            return "pending_transfer_already_voided", "pending_id"
        if p["state"] == "expired" or (p["timeout"] and ts >= p["ts"] + p["timeout"] * TPS):
            return "pending_transfer_expired", "pending_id"
        d = self.accounts[p["debit_account_id"]]
        c = self.accounts[p["credit_account_id"]]
        if d["closed"] and not p["flags"] & CD:
            return "account_closed", "debit_account_id"
        if c["closed"] and not p["flags"] & CC:
            return "account_closed", "credit_account_id"
        d["dpe"] -= pa
        c["cpe"] -= pa
        if f & POST:
            d["dpo"] += amount
            c["cpo"] += amount
            p["state"] = "posted"
        else:
            p["state"] = "voided"
            self.reopen(p)
        self.store(tid, p["debit_account_id"], p["credit_account_id"], amount, p["currency"],
                   pid, 0, ref, ud, f, ts)
        return "ok", None


def linked(ev, valid):
    if type(ev) is not dict:
        return False
    f = ev.get("flags")
    return type(f) is int and f >= 0 and not f & ~valid and bool(f & LK)


AMOUNTS = st.one_of(st.integers(1, 50), st.integers(1, 50), st.integers(1, 10 ** 6),
                    st.sampled_from([0, -1, MAX, MAX + 1, 1000]))


class LedgerMachine(RuleBasedStateMachine):

    @initialize(data=st.data())
    def start(self, data):
        self.model = Model()
        self.fast = Ledger(ticks_per_second=TPS)
        self.slow = Ledger(ticks_per_second=TPS)
        self.slow._fast = False
        self.now = 1000
        # a few accounts to begin with: plain ones, one of each limit, mostly in USD
        flags = [0, 0, DMNEC, CMNED, data.draw(st.sampled_from([0, DMNEC, CMNED]))]
        events = [{"id": "A%d" % i, "currency": "USD" if i < 4 else data.draw(
            st.sampled_from(CURRENCIES)), "flags": flags[i]} for i in range(5)]
        self.both("accounts", events, self.now)

    def both(self, kind, events, ts):
        want = self.model.apply(kind, events, ts)
        for led in (self.fast, self.slow):
            op = "create_transfers" if kind == "transfers" else "create_accounts"
            got = led.apply((op, copy.deepcopy(events)), ts)
            assert got == want, (kind, events, got, want)

    # -- rules
    @rule(data=st.data())
    def create_accounts(self, data):
        events = []
        for _ in range(data.draw(st.integers(1, 3))):
            ev = {"id": data.draw(st.sampled_from(ACCOUNT_IDS + ["", "bad id"])),
                  "currency": data.draw(st.sampled_from(CURRENCIES + ("usd",)))}
            f = data.draw(st.sampled_from([0, 0, 0, DMNEC, DMNEC, CMNED, CLOSED, LK,
                                           DMNEC | CMNED, 8, None]))
            if f is not None:
                ev["flags"] = f
            if data.draw(st.booleans()):
                ev["user_data"] = data.draw(st.sampled_from(["u", "v", "x" * 257]))
            events.append(ev)
        self.now += data.draw(st.integers(0, 50))
        self.both("accounts", events, self.now)

    def account_of(self, data, cur=None, other=None):
        pool = [a for a in self.model.accounts if a != other and (
            cur is None or self.model.accounts[a]["currency"] == cur)]
        if pool and data.draw(st.integers(0, 19)):
            return data.draw(st.sampled_from(sorted(pool)))
        return data.draw(st.sampled_from(ACCOUNT_IDS + ["nobody"]))

    def draw_transfer(self, data):
        m = self.model
        kind = data.draw(st.sampled_from(["plain"] * 5 + ["pending"] * 3 + ["post"] * 2 +
                                         ["void", "again", "again", "garbage"]))
        tid = data.draw(st.sampled_from(TRANSFER_IDS))
        if kind == "again" and m.transfers:
            old = data.draw(st.sampled_from(sorted(m.transfers)))
            t = m.transfers[old]
            ev = {"id": old if data.draw(st.booleans()) or t["reference"] is None else tid}
            for name in ("debit_account_id", "credit_account_id", "amount", "currency",
                         "pending_id", "reference", "user_data"):
                if t[name] is not None:
                    ev[name] = t[name]
            if t["timeout"]:
                ev["timeout"] = t["timeout"]
            if t["flags"]:
                ev["flags"] = t["flags"]
            if data.draw(st.integers(0, 3)) == 0:  # the same key with another body
                ev["amount"] = data.draw(AMOUNTS)
            return ev
        if kind in ("post", "void"):
            pending = sorted(k for k in m.transfers if m.transfers[k]["flags"] & PEND)
            pid = data.draw(st.sampled_from(pending)) if pending and data.draw(
                st.integers(0, 5)) else data.draw(st.sampled_from(TRANSFER_IDS))
            ev = {"id": tid, "pending_id": pid, "flags": POST if kind == "post" else VOID}
            if data.draw(st.booleans()):
                p = m.transfers.get(pid)
                ev["amount"] = data.draw(st.integers(0, p["amount"] + 1)) if p else 5
            if data.draw(st.integers(0, 4)) == 0 and pid in m.transfers:
                ev["debit_account_id"] = m.transfers[pid]["debit_account_id"]
        elif kind == "garbage":
            ev = data.draw(st.sampled_from([
                None, {"id": tid}, {"id": tid, "debit_account_id": "A0", "credit_account_id": "A1",
                                    "amount": 1, "currency": "USD", "extra": 1},
                {"id": tid, "debit_account_id": "A0", "credit_account_id": "A0", "amount": 1,
                 "currency": "USD"},
                {"id": tid, "debit_account_id": "A0", "credit_account_id": "A1", "amount": True,
                 "currency": "USD"},
                {"id": tid, "debit_account_id": "A0", "credit_account_id": "A1", "amount": 1,
                 "currency": "USD", "flags": PEND | POST},
                {"id": tid, "debit_account_id": "A0", "credit_account_id": "A1", "amount": 1,
                 "currency": "USD", "timeout": 3},
                {"id": tid, "debit_account_id": "A0", "credit_account_id": "A1", "amount": 1,
                 "currency": "USD", "flags": None, "reference": None}]))
            return copy.deepcopy(ev)
        else:
            did = self.account_of(data)
            cur = m.accounts[did]["currency"] if did in m.accounts else "USD"
            cid = self.account_of(data, cur, did)
            amount = data.draw(AMOUNTS)
            if data.draw(st.integers(0, 3)) == 0 and did in m.accounts and cid in m.accounts:
                # at a balance limit: the headroom left, or one more
                d, c = m.accounts[did], m.accounts[cid]
                if d["flags"] & DMNEC:
                    amount = d["cpo"] - d["dpe"] - d["dpo"]
                elif c["flags"] & CMNED:
                    amount = c["dpo"] - c["cpe"] - c["cpo"]
                amount += data.draw(st.integers(0, 1))
            ev = {"id": tid, "debit_account_id": did, "credit_account_id": cid,
                  "amount": amount, "currency": cur}
            f = 0
            if kind == "pending":
                f = PEND | data.draw(st.sampled_from([0, 0, 0, CD, CC]))
                if f & (CD | CC) and data.draw(st.booleans()):
                    ev["amount"] = 0
                t = data.draw(st.sampled_from([None, 0, 1, 2, 3]))
                if t is not None:
                    ev["timeout"] = t
            if f:
                ev["flags"] = f
        if data.draw(st.integers(0, 4)) == 0:
            ev["reference"] = data.draw(st.sampled_from(REFERENCES))
        if data.draw(st.integers(0, 6)) == 0:
            ev["user_data"] = "note"
        if data.draw(st.integers(0, 6)) == 0:
            ev["flags"] = ev.get("flags", 0) | LK
        if data.draw(st.integers(0, 30)) == 0:  # one field out of its rules
            name, value = data.draw(st.sampled_from([
                ("reference", ""), ("timeout", -1), ("timeout", 2 ** 32), ("pending_id", "T1"),
                ("flags", CD), ("flags", POST), ("pending_id", None), ("amount", 10 ** 9)]))
            ev[name] = value
        return ev

    @rule(data=st.data())
    def create_transfers(self, data):
        events = [self.draw_transfer(data) for _ in range(data.draw(st.integers(1, 6)))]
        self.now += data.draw(st.integers(0, 1500))
        due = sorted(t["ts"] + t["timeout"] * TPS for t in self.model.transfers.values()
                     if t["state"] == "pending" and t["timeout"])
        if due and data.draw(st.integers(0, 3)) == 0:
            # a batch whose last event falls just before, at or just after a deadline
            self.now = max(self.now, data.draw(st.sampled_from(due)) - len(events) +
                           data.draw(st.integers(0, 2)))
        self.both("transfers", events, self.now)

    @rule(data=st.data())
    def create_chain(self, data):
        """A linked chain whose events mostly commit, and whose last event may fail."""
        events = []
        for _ in range(data.draw(st.integers(2, 4))):
            ev = self.draw_transfer(data)
            if type(ev) is dict:
                ev["flags"] = (ev.get("flags") or 0) | LK if type(ev.get("flags") or 0) is int \
                    else LK
                if data.draw(st.booleans()):
                    ev["reference"] = data.draw(st.sampled_from(REFERENCES))
            events.append(ev)
        last = self.draw_transfer(data)
        if type(last) is dict and type(last.get("flags") or 0) is int:
            last["flags"] = (last.get("flags") or 0) & ~LK
        events.append(last)
        self.now += data.draw(st.integers(0, 1500))
        self.both("transfers", events, self.now)

    @rule(data=st.data())
    def resolve_at_deadline(self, data):
        """Post or void an open pending transfer at one tick before, at or after its deadline
        (inside a batch: the release at the start of the batch has not happened yet)."""
        m = self.model
        due = sorted((t["ts"] + t["timeout"] * TPS, k) for k, t in m.transfers.items()
                     if t["state"] == "pending" and t["timeout"])
        if not due:
            return
        deadline, pid = data.draw(st.sampled_from(due))
        fillers = data.draw(st.integers(1, 3))
        events = [None] * fillers + [{"id": data.draw(st.sampled_from(TRANSFER_IDS)),
                                      "pending_id": pid,
                                      "flags": data.draw(st.sampled_from([POST, VOID]))}]
        ts = deadline - fillers + data.draw(st.integers(-1, 1))
        if ts <= m.last:
            return
        self.now = ts
        self.both("transfers", events, ts)

    @rule(seconds=st.integers(0, 4))
    def pulse(self, seconds):
        self.now += seconds * TPS
        self.model.apply("transfers", [], self.now)
        for led in (self.fast, self.slow):
            assert led.pulse(self.now) == []

    @rule(back=st.integers(1, 5000))
    def clock_goes_back(self, back):
        self.now = max(0, self.now - back)

    @rule()
    def snapshot_round_trip(self):
        s = self.fast.snapshot()
        assert self.slow.snapshot() == s
        self.fast = Ledger.restore(s)
        self.slow = Ledger.restore(s)
        self.slow._fast = False
        assert self.fast.snapshot() == s

    # -- invariants
    @invariant()
    def same_state(self):
        m = self.model
        for led in (self.fast, self.slow):
            assert led.verify() == []
            got = {a["id"]: a for a in led.lookup_accounts(sorted(m.accounts))}
            assert sorted(got) == sorted(m.accounts)
            for aid, a in m.accounts.items():
                g = got[aid]
                assert (g["debits_pending"], g["debits_posted"], g["credits_pending"],
                        g["credits_posted"]) == (a["dpe"], a["dpo"], a["cpe"], a["cpo"]), aid
                assert g["currency"] == a["currency"] and g["user_data"] == a["user_data"]
                assert bool(g["flags"] & CLOSED) == a["closed"], aid
                assert g["timestamp"] == a["ts"]
            ts = led.lookup_transfers(sorted(m.transfers))
            assert len(ts) == len(m.transfers)
            for t in ts:
                want = m.transfers[t["id"]]
                for name in ("debit_account_id", "credit_account_id", "amount", "currency",
                             "pending_id", "timeout", "reference", "user_data", "flags"):
                    assert t[name] == want[name], (name, t, want)
                assert t["timestamp"] == want["ts"]
                assert t.get("state") == want["state"]
            for ref, tid in m.refs.items():
                assert led.lookup_reference(ref)["id"] == tid
            s = led.stats()
            assert (s["committed"], s["rejected"], s["exists"], s["expired"]) == \
                (m.committed, m.rejected, m.exists, m.expired)
            assert s["pending"] == sum(1 for t in m.transfers.values()
                                       if t["state"] == "pending")
            assert s["accounts"] == len(m.accounts) and s["transfers"] == len(m.transfers)
            # every account's history, newest first, is its transfers by timestamp
            for aid in m.accounts:
                mine = sorted((t["ts"], k) for k, t in m.transfers.items()
                              if aid in (t["debit_account_id"], t["credit_account_id"]))
                items, cursor = led.get_account_transfers(aid, limit=8190)
                assert [t["id"] for t in items] == [k for _, k in reversed(mine)]
                assert cursor is None


LedgerMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30,
                                           deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestLedger = LedgerMachine.TestCase
