"""AML transaction monitoring: rules over an account's recent transfers that raise alerts with
their evidence, and the alerts' lifecycle. The engine only, no HTTP, service or disk
(compliance/AML.md).

    mon = Monitor(params("US", {"cash_accounts": ["CASH-01"]}))
    history, _ = ledger.get_account_transfers("ACC1", limit=MAX_HISTORY,
                                              after_ts=t["timestamp"] - mon.window_ns() - 1)
    for alert in mon.evaluate("ACC1", t, history, {"customer_id": "C1", "country": "US",
                                                   "last_activity": ns_or_None}):
        record = mon.open(alert)       # log it; then, once durable:
        mon.apply(record)

A rule is `check(ctx) -> [alert, ...]` (RULES). An alert is a dict: {id, rule, account_id,
customer_id, severity, amount (minor units), currency, evidence (transfer ids, oldest first),
detail, at (the transfer's timestamp)}. Its id is a digest of (rule, account, the evidence set),
so the same rule on the same evidence never raises a second alert. Changes take two steps as in
kyc.py: a method returns a record (a JSON-safe dict), and `apply(record)` makes the change when
the record is durable, and again at replay.

Amounts are exact ints in minor units of the configured currency. Transfers in another
currency are not converted. Amount rules skip them; count rules (velocity) count them.
Pending and void transfers move no money and are skipped; a pending transfer counts through the
post that settles it. Portable: CPython and MicroPython.
"""
import hashlib

from compliance.kyc import COUNTRIES, FATF_CALL_FOR_ACTION
from transaction.acid import PENDING, VOID_PENDING_TRANSFER, valid_id
from transaction.currency import CURRENCIES, format_amount, parse_amount

MAX_HISTORY = 8190            # transfers of history one evaluation takes (a ledger page)
MAX_EVIDENCE = 256            # transfer ids one alert keeps (the newest, with the new one)
MAX_ALERTS = 100000           # default bound of a monitor (the constructor takes another)
MAX_CASH_ACCOUNTS = 1024
MAX_TEXT = 500
MAX_TS = (1 << 63) - 1
NS = 10 ** 9
NS_PER_DAY = 86400 * NS
_NO_MOVE = PENDING | VOID_PENDING_TRANSFER

LOW = "low"
MEDIUM = "medium"
HIGH = "high"
SEVERITIES = (LOW, MEDIUM, HIGH)

OPEN = "open"
CLOSED = "closed"
ESCALATED = "escalated"
SAR = "sar"
ALERT_STATUSES = (OPEN, CLOSED, ESCALATED, SAR)
_FROM = {CLOSED: (OPEN, ESCALATED), ESCALATED: (OPEN,), SAR: (ESCALATED,)}

# ---- parameters ---------------------------------------------------------------------------
# Per jurisdiction: the currency, and every amount in major units of it as an exact decimal
# string (converted to minor units of the final currency by params()).
JURISDICTIONS = {
    "US": {"currency": "USD", "threshold": "10000.00", "velocity_amount": "50000.00",
           "passthrough_window_s": 48 * 3600, "passthrough_ratio_pct": 90,
           "min_amount": "5000.00", "round_unit": "1000.00"},
    "EU": {"currency": "EUR", "threshold": "10000.00", "velocity_amount": "50000.00",
           "passthrough_window_s": 48 * 3600, "passthrough_ratio_pct": 90,
           "min_amount": "5000.00", "round_unit": "1000.00"},
    "UK": {"currency": "GBP", "threshold": "10000.00", "velocity_amount": "40000.00",
           "passthrough_window_s": 72 * 3600, "passthrough_ratio_pct": 80,
           "min_amount": "4000.00", "round_unit": "1000.00"},
}

# key -> (kind, low, high): "bool", "severity", "int" (low..high), "amount" (minor units,
# >= low); a rule's parameters are the keys of its defaults below.
_KEYS = {"enabled": ("bool", 0, 0), "severity": ("severity", 0, 0),
         "window_s": ("int", 60, 366 * 86400), "min_count": ("int", 1, 1000),
         "band_pct": ("int", 1, 99), "max_count": ("int", 0, 100000),
         "max_amount": ("amount", 0, 0), "ratio_pct": ("int", 1, 100),
         "min_amount": ("amount", 0, 0), "unit": ("amount", 1, 0), "days": ("int", 1, 3650)}

RULE_NAMES = ("structuring", "velocity", "passthrough", "round_amounts", "high_risk_country",
              "dormant")


def _rule_defaults(j):
    return {
        "structuring": {"enabled": True, "severity": HIGH, "window_s": 86400, "min_count": 3,
                        "band_pct": 90},
        "velocity": {"enabled": True, "severity": MEDIUM, "window_s": 86400, "max_count": 25,
                     "max_amount": j["velocity_amount"]},
        "passthrough": {"enabled": True, "severity": HIGH,
                        "window_s": j["passthrough_window_s"],
                        "ratio_pct": j["passthrough_ratio_pct"], "min_amount": j["min_amount"]},
        "round_amounts": {"enabled": True, "severity": LOW, "window_s": 7 * 86400,
                          "unit": j["round_unit"], "min_amount": j["min_amount"],
                          "min_count": 3},
        "high_risk_country": {"enabled": True, "severity": HIGH, "min_amount": "0"},
        "dormant": {"enabled": True, "severity": MEDIUM, "days": 180,
                    "min_amount": j["min_amount"]},
    }


class AmlError(ValueError):
    """Bad parameters, input or change: `field` names it ("rules.velocity.window_s",
    "transfer.amount", "id"); `code` as in kyc.KycError (invalid, not_found, conflict, full)."""

    def __init__(self, field, message, code="invalid"):
        super().__init__("%s: %s" % (field, message))
        self.field = field
        self.message = message
        self.code = code


def _show(v):
    s = repr(v)
    return s if len(s) <= 40 else s[:40] + "..."


def params(jurisdiction="US", overrides=None):
    """The complete, checked parameters of a jurisdiction (US, EU, UK) with `overrides` laid
    over them: {"currency", "threshold", "cash_accounts", "high_risk_countries",
    "rules": {rule: {key: value}}}. Amounts in the overrides are ints of minor units of the
    final currency; the defaults are converted to it (a currency override alone keeps the
    default figures in its own units: give the amounts too when that is wrong)."""
    j = JURISDICTIONS.get(jurisdiction)
    if j is None:
        raise AmlError("jurisdiction", "expected one of %s, got %s"
                       % (", ".join(sorted(JURISDICTIONS)), _show(jurisdiction)))
    ov = overrides or {}
    if type(ov) is not dict:
        raise AmlError("overrides", "expected a dict")
    for k in ov:
        if k not in ("currency", "threshold", "cash_accounts", "high_risk_countries", "rules"):
            raise AmlError(k if type(k) is str else _show(k), "unknown parameter")
    cur = ov.get("currency", j["currency"])
    if cur not in CURRENCIES:
        raise AmlError("currency", "expected an ISO 4217 code like \"USD\", got %s" % _show(cur))
    p = {"jurisdiction": jurisdiction, "currency": cur,
         "threshold": parse_amount(j["threshold"], cur),
         "cash_accounts": [], "high_risk_countries": list(FATF_CALL_FOR_ACTION), "rules": {}}
    defaults = _rule_defaults(j)
    for name in RULE_NAMES:
        r = {}
        for k in defaults[name]:
            v = defaults[name][k]
            r[k] = parse_amount(v, cur, allow_zero=True) if _KEYS[k][0] == "amount" else v
        p["rules"][name] = r
    if "threshold" in ov:
        p["threshold"] = _amount(ov["threshold"], "threshold", 1)
    if "cash_accounts" in ov:
        p["cash_accounts"] = _accounts(ov["cash_accounts"])
    if "high_risk_countries" in ov:
        p["high_risk_countries"] = _countries(ov["high_risk_countries"])
    rules = ov.get("rules", {})
    if type(rules) is not dict:
        raise AmlError("rules", "expected {rule: {parameter: value}}")
    for name in rules:
        if name not in p["rules"]:
            raise AmlError("rules.%s" % name, "unknown rule (one of %s)" % ", ".join(RULE_NAMES))
        r = rules[name]
        if type(r) is not dict:
            raise AmlError("rules.%s" % name, "expected {parameter: value}")
        for k in r:
            if k not in p["rules"][name]:
                raise AmlError("rules.%s.%s" % (name, k), "unknown parameter")
            p["rules"][name][k] = _value(r[k], "rules.%s.%s" % (name, k), _KEYS[k])
    return p


def _value(v, field, spec):
    kind, lo, hi = spec
    if kind == "bool":
        if type(v) is not bool:
            raise AmlError(field, "expected true or false, got %s" % _show(v))
        return v
    if kind == "severity":
        if v not in SEVERITIES:
            raise AmlError(field, "expected low, medium or high, got %s" % _show(v))
        return v
    if kind == "amount":
        return _amount(v, field, lo)
    if type(v) is not int or not lo <= v <= hi:
        raise AmlError(field, "expected an int %d..%d, got %s" % (lo, hi, _show(v)))
    return v


def _amount(v, field, lo):
    if type(v) is not int or not lo <= v <= MAX_TS:
        raise AmlError(field, "expected an amount in minor units (an int >= %d), got %s"
                       % (lo, _show(v)))
    return v


def _accounts(v):
    if type(v) not in (list, tuple) or len(v) > MAX_CASH_ACCOUNTS:
        raise AmlError("cash_accounts", "expected a list of at most %d account ids"
                       % MAX_CASH_ACCOUNTS)
    for i, a in enumerate(v):
        if not valid_id(a):
            raise AmlError("cash_accounts[%d]" % i, "expected an account id, got %s" % _show(a))
    return list(v)


def _countries(v):
    if type(v) not in (list, tuple) or len(v) > len(COUNTRIES):
        raise AmlError("high_risk_countries", "expected a list of country codes")
    for i, c in enumerate(v):
        if c not in COUNTRIES:
            raise AmlError("high_risk_countries[%d]" % i, "expected an ISO 3166-1 alpha-2 code "
                           "like \"KP\", got %s" % _show(c))
    return list(v)


def moves_money(t):
    """True for a transfer that moved money: not pending (it counts through its post), not a
    void. Used for reporting too."""
    return not t.get("flags", 0) & _NO_MOVE


# ---- rules ----------------------------------------------------------------------------------

class Context:
    """What a rule sees: the account and its customer, the new transfer `t` (its `amount`,
    `inbound` side, counterparty `cp`, `same` currency as the parameters'), `hist` (the
    account's earlier transfers that moved money within the longest rule window, oldest first,
    without t), `last` (the account's last activity before t, ns or None), `meta`, `p`
    (parameters), `cash` (the cash accounts, a set)."""

    __slots__ = ("account", "customer", "t", "ts", "amount", "currency", "same", "inbound",
                 "cp", "cash", "hist", "last", "meta", "p", "high_risk")

    def since(self, window_s):
        """The index in hist of the first transfer within window_s seconds before t
        (t.ts - window <= x.ts)."""
        lo = self.ts - window_s * NS
        hist = self.hist
        a, b = 0, len(hist)
        while a < b:
            m = (a + b) >> 1
            if hist[m]["timestamp"] < lo:
                a = m + 1
            else:
                b = m
        return a

    def alert(self, rule, amount, currency, evidence, detail):
        if len(evidence) > MAX_EVIDENCE:
            detail += " (evidence: the newest %d of %d transfers)" % (MAX_EVIDENCE,
                                                                      len(evidence))
            evidence = evidence[len(evidence) - MAX_EVIDENCE:]
        return {"rule": rule, "account_id": self.account, "customer_id": self.customer,
                "severity": self.p["rules"][rule]["severity"], "amount": amount,
                "currency": currency, "evidence": evidence, "detail": detail, "at": self.ts}

    def money(self, n):
        return "%s %s" % (format_amount(n, self.currency), self.currency)


def _hours(s):
    return "%d h" % (s // 3600) if s % 3600 == 0 else "%d s" % s


def check_structuring(ctx):
    """Cash transfers of the account in one direction (deposits, or withdrawals), each within
    [band_pct%, 100%) of the threshold: min_count or more within window_s whose sum exceeds
    the threshold. Fires on the transfer that makes it true."""
    p = ctx.p["rules"]["structuring"]
    top = ctx.p["threshold"]
    low = top * p["band_pct"]          # compared with amount * 100
    a = ctx.amount
    if not ctx.same or ctx.cp not in ctx.cash or not (a * 100 >= low and a < top):
        return []
    hist, acct, cash, cur, inbound = ctx.hist, ctx.account, ctx.cash, ctx.currency, ctx.inbound
    ids = []
    total = 0
    for k in range(ctx.since(p["window_s"]), len(hist)):
        x = hist[k]
        xa = x["amount"]
        if x["currency"] != cur or not (xa * 100 >= low and xa < top):
            continue
        xin = x["credit_account_id"] == acct
        if xin != inbound or (x["debit_account_id"] if xin else x["credit_account_id"]) \
                not in cash:
            continue
        ids.append(x["id"])
        total += xa
    n = len(ids)
    need = p["min_count"]
    if n + 1 < need or total + a <= top or (n >= need and total > top):
        return []
    ids.append(ctx.t["id"])
    return [ctx.alert("structuring", total + a, cur, ids, "%d cash %s of %s to %s each (%d%% to "
                      "100%% of the %s threshold) within %s: %s in all"
                      % (n + 1, "deposits" if inbound else "withdrawals",
                         format_amount((low + 99) // 100, cur), format_amount(top - 1, cur),
                         p["band_pct"], ctx.money(top), _hours(p["window_s"]),
                         ctx.money(total + a)))]


def check_velocity(ctx):
    """More than max_count transfers (any currency, both directions) or more than max_amount
    (in the currency) within window_s. 0 turns a limit off. Fires on the transfer that
    crosses a limit."""
    p = ctx.p["rules"]["velocity"]
    hist, cur = ctx.hist, ctx.currency
    start = ctx.since(p["window_s"])
    n = len(hist) - start
    total = 0
    for k in range(start, len(hist)):
        x = hist[k]
        if x["currency"] == cur:
            total += x["amount"]
    over = []
    if p["max_count"] and n == p["max_count"]:
        over.append("%d transfers (limit %d)" % (n + 1, p["max_count"]))
    m = p["max_amount"]
    if m and ctx.same and total <= m < total + ctx.amount:
        over.append("%s (limit %s)" % (ctx.money(total + ctx.amount), ctx.money(m)))
    if not over:
        return []
    ids = [hist[k]["id"] for k in range(start, len(hist))]
    ids.append(ctx.t["id"])
    return [ctx.alert("velocity", total + (ctx.amount if ctx.same else 0), cur, ids,
                      "%s within %s" % (" and ".join(over), _hours(p["window_s"])))]


def check_passthrough(ctx):
    """Money in, then at least ratio_pct% of it out again within window_s: the inflows
    (min_amount in all at least) and the outflows after the first of them, in the currency.
    Fires on the outgoing transfer that reaches the ratio."""
    p = ctx.p["rules"]["passthrough"]
    if ctx.inbound or not ctx.same:
        return []
    hist, acct, cur = ctx.hist, ctx.account, ctx.currency
    ids = []
    got = 0
    sent = 0
    for k in range(ctx.since(p["window_s"]), len(hist)):
        x = hist[k]
        if x["currency"] != cur:
            continue
        if x["credit_account_id"] == acct:
            got += x["amount"]
            ids.append(x["id"])
        elif got:
            sent += x["amount"]
            ids.append(x["id"])
    if not got or got < p["min_amount"]:
        return []
    need = got * p["ratio_pct"]
    out = sent + ctx.amount
    if out * 100 < need or sent * 100 >= need:
        return []
    ids.append(ctx.t["id"])
    return [ctx.alert("passthrough", out, cur, ids, "received %s and sent %s out (%d%%) within "
                      "%s" % (ctx.money(got), ctx.money(out), out * 100 // got,
                              _hours(p["window_s"])))]


def check_round_amounts(ctx):
    """Transfers of whole multiples of `unit` at or above min_amount (both directions):
    min_count or more within window_s. Fires on the transfer that makes it true."""
    p = ctx.p["rules"]["round_amounts"]
    unit, low = p["unit"], p["min_amount"]
    a = ctx.amount
    if not ctx.same or a < low or a % unit:
        return []
    hist, cur = ctx.hist, ctx.currency
    ids = []
    total = 0
    for k in range(ctx.since(p["window_s"]), len(hist)):
        x = hist[k]
        xa = x["amount"]
        if x["currency"] == cur and xa >= low and not xa % unit:
            ids.append(x["id"])
            total += xa
    n = len(ids)
    if n + 1 < p["min_count"] or n >= p["min_count"]:
        return []
    ids.append(ctx.t["id"])
    return [ctx.alert("round_amounts", total + a, cur, ids, "%d transfers of round multiples "
                      "of %s within %s: %s in all" % (n + 1, ctx.money(unit),
                                                      _hours(p["window_s"]),
                                                      ctx.money(total + a)))]


def check_high_risk_country(ctx):
    """The customer's country or the counterparty's (meta country, counterparty_country) is
    in high_risk_countries; with min_amount > 0 only for transfers of at least that much in
    the currency. One alert per transfer and account."""
    p = ctx.p["rules"]["high_risk_country"]
    if p["min_amount"] and (not ctx.same or ctx.amount < p["min_amount"]):
        return []
    why = []
    c = ctx.meta.get("country", "")
    if c and c in ctx.high_risk:
        why.append("the customer's country %s" % c)
    c = ctx.meta.get("counterparty_country", "")
    if c and c in ctx.high_risk:
        why.append("the counterparty's country %s" % c)
    if not why:
        return []
    t = ctx.t
    return [ctx.alert("high_risk_country", ctx.amount, t["currency"], [t["id"]],
                      "%s %s %s with %s on the high-risk list"
                      % ("received" if ctx.inbound else "sent",
                         format_amount(ctx.amount, t["currency"]), t["currency"],
                         " and ".join(why)))]


def check_dormant(ctx):
    """A transfer of at least min_amount (in the currency; any with min_amount 0) after more
    than `days` days without any. An account with no earlier activity is new, not dormant."""
    p = ctx.p["rules"]["dormant"]
    if ctx.last is None or ctx.ts - ctx.last <= p["days"] * NS_PER_DAY:
        return []
    if p["min_amount"] and (not ctx.same or ctx.amount < p["min_amount"]):
        return []
    t = ctx.t
    return [ctx.alert("dormant", ctx.amount, t["currency"], [t["id"]],
                      "%s %s %s after %d days without activity (more than %d)"
                      % ("received" if ctx.inbound else "sent",
                         format_amount(ctx.amount, t["currency"]), t["currency"],
                         (ctx.ts - ctx.last) // NS_PER_DAY, p["days"]))]


RULES = {"structuring": check_structuring, "velocity": check_velocity,
         "passthrough": check_passthrough, "round_amounts": check_round_amounts,
         "high_risk_country": check_high_risk_country, "dormant": check_dormant}


def alert_id(rule, account_id, evidence):
    """The alert's id: a digest of the rule, the account and the evidence as a set."""
    ev = sorted(evidence)
    h = hashlib.sha256(("%s\n%s\n%s" % (rule, account_id, "\n".join(ev))).encode())
    return "AL-" + h.hexdigest()[:20]


def _check_transfer(t, field):
    if type(t) is not dict:
        raise AmlError(field, "expected a transfer dict")
    for k in ("id", "debit_account_id", "credit_account_id", "currency"):
        if type(t.get(k)) is not str:
            raise AmlError("%s.%s" % (field, k), "expected a string")
    for k in ("amount", "timestamp"):
        if type(t.get(k)) is not int:
            raise AmlError("%s.%s" % (field, k), "expected an int")
    f = t.get("flags", 0)
    if type(f) is not int:
        raise AmlError(field + ".flags", "expected an int")


_META = ("customer_id", "country", "counterparty_country", "last_activity")


class Monitor:
    """Runs the enabled rules on a new transfer (evaluate) and keeps the alerts (open ->
    closed or escalated; escalated -> closed or sar), at most `max_alerts`: when full, a new
    alert replaces the oldest closed or reported one, and is refused (code full) when there is
    none."""

    def __init__(self, parameters, max_alerts=MAX_ALERTS):
        if type(parameters) is not dict or "rules" not in parameters:
            raise AmlError("parameters", "expected params()'s dict")
        if type(max_alerts) is not int or max_alerts < 1:
            raise ValueError("max_alerts must be a positive int")
        self.p = parameters
        self.max_alerts = max_alerts
        self.cash = set(parameters["cash_accounts"])
        self.high_risk = set(parameters["high_risk_countries"])
        self.enabled = [n for n in RULE_NAMES if parameters["rules"][n]["enabled"]]
        w = 0
        for n in self.enabled:
            w = max(w, parameters["rules"][n].get("window_s", 0))
        self._window = w * NS
        self._reset()

    def _reset(self):
        self._alerts = {}
        self._order = []          # alert ids in the order opened
        self.applied = 0

    def window_ns(self):
        """How far back (ns before the new transfer) evaluate needs the account's history."""
        return self._window

    # ---- evaluation -------------------------------------------------------------------------

    def evaluate(self, account_id, transfer, history, meta=None):
        """The new alerts the transfer raises on this account (one side of it): a list of
        alert dicts, none already kept (nothing is stored: open() each). `history`: the
        account's transfers (ledger dicts, any order, at most MAX_HISTORY) reaching at least
        window_ns() back; later ones and the transfer itself are ignored. `meta`:
        customer_id, country (the customer's), counterparty_country, last_activity (ns of the
        account's last transfer before this one, None if there is none; the history's count
        too). A pending or void transfer raises nothing, nor does a cash account's side (the
        bank's tellers are not monitored as customers)."""
        _check_transfer(transfer, "transfer")
        meta = meta or {}
        if type(meta) is not dict:
            raise AmlError("meta", "expected a dict")
        for k in meta:
            if k not in _META:
                raise AmlError("meta.%s" % k, "unknown (one of %s)" % ", ".join(_META))
        t = transfer
        acct = account_id
        if t["credit_account_id"] != acct and t["debit_account_id"] != acct:
            raise AmlError("account_id", "%s is not a party of transfer %s" % (_show(acct),
                                                                              t["id"]))
        if not moves_money(t) or acct in self.cash:
            return []
        if type(history) is not list or len(history) > MAX_HISTORY:
            raise AmlError("history", "expected a list of at most %d transfers" % MAX_HISTORY)
        ts = t["timestamp"]
        lo = ts - self._window
        tid = t["id"]
        last = meta.get("last_activity")
        if last is not None and type(last) is not int:
            raise AmlError("meta.last_activity", "expected ns (an int) or None")
        hist = []
        for i, x in enumerate(history):
            if type(x) is not dict or type(x.get("timestamp")) is not int or \
                    type(x.get("amount")) is not int:
                raise AmlError("history[%d]" % i, "expected a transfer dict")
            xts = x["timestamp"]
            if xts >= ts or x.get("id") == tid or x.get("flags", 0) & _NO_MOVE:
                continue
            if x.get("credit_account_id") != acct and x.get("debit_account_id") != acct:
                raise AmlError("history[%d]" % i, "transfer %s is not the account's"
                               % _show(x.get("id")))
            if last is None or xts > last:
                last = xts
            if xts >= lo:
                hist.append(x)
        hist.sort(key=_timestamp)
        ctx = Context()
        ctx.account = acct
        ctx.customer = meta.get("customer_id", "") or ""
        ctx.t = t
        ctx.ts = ts
        ctx.amount = t["amount"]
        ctx.currency = self.p["currency"]
        ctx.same = t["currency"] == ctx.currency
        ctx.inbound = t["credit_account_id"] == acct
        ctx.cp = t["debit_account_id"] if ctx.inbound else t["credit_account_id"]
        ctx.cash = self.cash
        ctx.hist = hist
        ctx.last = last
        ctx.meta = meta
        ctx.p = self.p
        ctx.high_risk = self.high_risk
        out = []
        for name in self.enabled:
            for a in RULES[name](ctx):
                a["id"] = alert_id(a["rule"], acct, a["evidence"])
                if a["id"] not in self._alerts:
                    out.append(a)
        return out

    # ---- lookups ----------------------------------------------------------------------------

    def get(self, alert_id):
        a = self._alerts.get(alert_id) if type(alert_id) is str else None
        return None if a is None else _copy(a)

    def alerts(self, status=None, account_id=None, after=None, limit=100):
        """Alerts in the order opened, optionally of one status and/or account, after the
        alert id `after`, at most `limit` (1..1000): (list, cursor or None)."""
        if type(limit) is not int or not 0 < limit <= 1000:
            raise AmlError("limit", "expected 1..1000")
        i = 0
        if after is not None:
            if after not in self._alerts:
                raise AmlError("after", "no alert %s" % _show(after), "not_found")
            i = self._order.index(after) + 1
        out = []
        while i < len(self._order):
            a = self._alerts[self._order[i]]
            i += 1
            if (status is None or a["status"] == status) and \
                    (account_id is None or a["account_id"] == account_id):
                if len(out) == limit:
                    return out, out[-1]["id"]
                out.append(_copy(a))
        return out, None

    def stats(self):
        out = {"alerts": len(self._order), "max_alerts": self.max_alerts}
        for s in ALERT_STATUSES:
            out[s] = 0
        for a in self._alerts.values():
            out[a["status"]] += 1
        return out

    # ---- changes: each returns its record --------------------------------------------------

    def open(self, alert):
        """The record that keeps a new alert (status open)."""
        _check_alert(alert)
        if alert["id"] in self._alerts:
            raise AmlError("id", "alert %s exists" % alert["id"], "conflict")
        if len(self._order) >= self.max_alerts and self._evictable() < 0:
            raise AmlError("alerts", "the monitor holds its maximum of %d alerts, none closed"
                           % self.max_alerts, "full")
        return {"t": "alert", "alert": _copy(alert)}

    def close(self, alert_id, ts, by="", reason=""):
        """Close an open or escalated alert (no further action)."""
        return self._status(alert_id, CLOSED, ts, by, reason)

    def escalate(self, alert_id, ts, by="", reason=""):
        """Escalate an open alert for investigation."""
        return self._status(alert_id, ESCALATED, ts, by, reason)

    def report(self, alert_id, ts, by="", sar_id=""):
        """Mark an escalated alert as reported in a SAR (final)."""
        return self._status(alert_id, SAR, ts, by, sar_id)

    def _status(self, alert_id, to, ts, by, reason):
        a = self._alerts.get(alert_id) if type(alert_id) is str else None
        if a is None:
            raise AmlError("id", "no alert %s" % _show(alert_id), "not_found")
        if a["status"] not in _FROM[to]:
            raise AmlError("status", "an %s alert cannot become %s" % (a["status"], to),
                           "conflict")
        if type(ts) is not int or not 0 <= ts <= MAX_TS:
            raise AmlError("ts", "expected a timestamp (int ns)")
        return {"t": "alert_status", "id": alert_id, "to": to, "by": _text(by, "by", 64),
                "reason": _text(reason, "reason", MAX_TEXT), "ts": ts}

    def _evictable(self):
        for i, aid in enumerate(self._order):
            if self._alerts[aid]["status"] in (CLOSED, SAR):
                return i
        return -1

    # ---- applying records -------------------------------------------------------------------

    def apply(self, record):
        """Make the change of a record. A new alert already kept changes nothing (the same
        alert evaluated twice before either was applied). Raises AmlError if the record does
        not fit the state."""
        if type(record) is not dict:
            raise AmlError("record", "expected a dict")
        kind = record.get("t")
        if kind == "alert":
            a = _copy(record["alert"])
            _check_alert(a)
            if a["id"] in self._alerts:
                return
            if len(self._order) >= self.max_alerts:
                i = self._evictable()
                if i < 0:
                    raise AmlError("alerts", "the monitor holds its maximum of %d alerts"
                                   % self.max_alerts, "full")
                del self._alerts[self._order.pop(i)]
            a["status"] = OPEN
            a["updated"] = a["at"]
            a["history"] = []
            self._alerts[a["id"]] = a
            self._order.append(a["id"])
        elif kind == "alert_status":
            a = self._alerts.get(record.get("id"))
            if a is None:
                raise AmlError("id", "no alert %s" % _show(record.get("id")), "not_found")
            to = record.get("to")
            if to not in _FROM or a["status"] not in _FROM[to]:
                raise AmlError("status", "an %s alert cannot become %s" % (a["status"], to),
                               "conflict")
            a["status"] = to
            a["updated"] = record["ts"]
            a["history"].append({"to": to, "by": record["by"], "reason": record["reason"],
                                 "at": record["ts"]})
        else:
            raise AmlError("record", "unknown AML record %s" % _show(kind))
        self.applied += 1

    # ---- checkpoints -----------------------------------------------------------------------

    def snapshot(self):
        """The whole state: the alerts (copies, with status and history) in the order
        opened."""
        return [_copy(self._alerts[aid]) for aid in self._order]

    def restore(self, items):
        """Replace the state with a snapshot()'s list."""
        if type(items) is not list or len(items) > self.max_alerts:
            raise AmlError("snapshot", "expected a list of at most %d alerts" % self.max_alerts)
        self._reset()
        for i, item in enumerate(items):
            a = _copy(item) if type(item) is dict else None
            if a is None or a.get("status") not in ALERT_STATUSES or \
                    type(a.get("history")) is not list:
                raise AmlError("snapshot[%d]" % i, "expected an alert with status and history")
            _check_alert(a)
            if a["id"] in self._alerts:
                raise AmlError("snapshot[%d]" % i, "duplicate alert %s" % a["id"])
            self._alerts[a["id"]] = a
            self._order.append(a["id"])


def _timestamp(x):
    return x["timestamp"]


def _text(v, field, limit):
    if type(v) is not str or len(v) > limit:
        raise AmlError(field, "expected a string of at most %d characters" % limit)
    return v


def _copy(a):
    d = dict(a)
    d["evidence"] = list(a["evidence"])
    if "history" in a:
        d["history"] = [dict(h) for h in a["history"]]
    return d


def _check_alert(a):
    if type(a) is not dict:
        raise AmlError("alert", "expected an alert dict")
    if a.get("rule") not in RULES:
        raise AmlError("alert.rule", "unknown rule %s" % _show(a.get("rule")))
    if a.get("severity") not in SEVERITIES:
        raise AmlError("alert.severity", "expected low, medium or high")
    for k in ("id", "account_id", "customer_id", "currency", "detail"):
        if type(a.get(k)) is not str:
            raise AmlError("alert." + k, "expected a string")
    for k in ("amount", "at"):
        if type(a.get(k)) is not int:
            raise AmlError("alert." + k, "expected an int")
    ev = a.get("evidence")
    if type(ev) is not list or not ev or len(ev) > MAX_EVIDENCE:
        raise AmlError("alert.evidence", "expected 1 to %d transfer ids" % MAX_EVIDENCE)
    if a["id"] != alert_id(a["rule"], a["account_id"], ev):
        raise AmlError("alert.id", "does not match the rule, account and evidence")
