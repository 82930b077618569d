"""Drafts of the regulatory reports: currency transaction reports (FinCEN CTR, Form 112) from
the cash transfers of a business day, and suspicious activity reports (FinCEN SAR, Form 111)
from AML alerts. Each draft is a dict (the JSON export); ctr_csv / sar_csv give the same data
as CSV text (RFC 4180, written here: the kernel has no csv module). The engine only, no HTTP,
service or disk (compliance/AML.md, "Reports").

These are drafts for a compliance officer. The KYC model has no street address and no TIN,
so those fields are left empty and listed in `to_complete`. Item numbers of the paper forms
are not reproduced; field names follow the forms' parts. Dates are ISO (YYYY-MM-DD). Amounts
are exact decimals of minor units (transaction/currency.format_amount). Portable.
"""
import hashlib

from compliance.aml import AmlError, _check_transfer, moves_money
from compliance.kyc import COUNTRIES, ENTITY
from transaction.currency import CURRENCIES, format_amount

try:
    from kernel.lib import time as _time      # CPython: the kernel's module by its path
except ImportError:                             # the kernel: kernel/lib/time.py is `time`
    import time as _time

NS = 10 ** 9
MAX_TRANSFERS = 100000        # transfers one CTR run takes
MAX_SAR_ALERTS = 100
MAX_SAR_TRANSFERS = 5000
MAX_NARRATIVE = 17000         # characters: the FinCEN SAR narrative's limit
MAX_FIELD = 200

INSTITUTION_FIELDS = ("name", "ein", "address", "city", "state", "zip", "country", "type",
                      "regulator", "rssd", "contact_office", "contact_phone")
_INSTITUTION_DEFAULTS = {"type": "Depository institution", "country": "US"}

# FinCEN SAR Part II categories and types each AML rule maps to.
SAR_CATEGORIES = {
    "structuring": "Structuring: Multiple transactions below CTR threshold",
    "velocity": "Money laundering: Transaction out of pattern for customer(s)",
    "passthrough": "Money laundering: Funnel account",
    "round_amounts": "Other suspicious activities: Transaction with no apparent economic, "
                     "business, or lawful purpose",
    "high_risk_country": "Other suspicious activities: Transaction(s) involving foreign high "
                         "risk jurisdiction",
    "dormant": "Money laundering: Transaction out of pattern for customer(s)",
}
RULE_TITLES = {"structuring": "Structuring", "velocity": "Velocity",
               "passthrough": "Rapid pass-through", "round_amounts": "Round amounts",
               "high_risk_country": "High-risk country", "dormant": "Dormant account reactivated"}

# Identification documents as the forms name them.
_ID_TYPES = {"passport": "Passport", "driving_licence": "Driver's license/State ID",
             "residence_permit": "Alien registration"}
_ID_PREFERENCE = ("passport", "driving_licence", "national_id", "residence_permit", "tax_id",
                  "company_registration", "other")

# The CSV columns: paths into the JSON draft ("a.b" is draft["a"]["b"]). A SAR has one CSV row
# per subject: its own columns, then SUBJECT_COLUMNS as "subject.<column>".
_P1 = "part_i_person."
_P2 = "part_ii_transaction."
_P3 = "part_iii_institution."
CTR_COLUMNS = (
    "id", "business_day", "currency",
    _P1 + "customer_id", _P1 + "entity", _P1 + "last_name_or_entity_name", _P1 + "first_name",
    _P1 + "middle_name", _P1 + "alternate_name", _P1 + "tin", _P1 + "tin_type",
    _P1 + "address", _P1 + "city", _P1 + "state", _P1 + "zip", _P1 + "address_country",
    _P1 + "dob", _P1 + "id_type", _P1 + "id_number", _P1 + "id_issuer_country",
    _P1 + "cash_in", _P1 + "cash_out", _P1 + "accounts_cash_in", _P1 + "accounts_cash_out",
    _P2 + "date", _P2 + "total_cash_in", _P2 + "total_cash_out", _P2 + "cash_in_type",
    _P2 + "cash_out_type", _P2 + "multiple_transactions", _P2 + "transactions",
    _P2 + "transfer_ids",
    _P3 + "type", _P3 + "name", _P3 + "ein", _P3 + "address", _P3 + "city", _P3 + "state",
    _P3 + "zip", _P3 + "country", _P3 + "regulator", _P3 + "rssd",
    "to_complete")
SUBJECT_COLUMNS = (
    "customer_id", "entity", "last_name_or_entity_name", "first_name", "middle_name",
    "alternate_names", "tin", "address", "city", "state", "zip", "address_country", "country",
    "dob", "id_type", "id_number", "id_issuer_country", "pep", "relationship", "accounts")
_A = "part_ii_activity."
_F = "part_iv_filer."
SAR_COLUMNS = (
    "id", "form", "type_of_filing",
    _A + "date_from", _A + "date_to", _A + "amount", _A + "currency", _A + "categories",
    _A + "rules", _A + "alert_ids", _A + "transfer_ids", _A + "instrument_types",
    _A + "product_types", _A + "not_converted",
    "part_iii_institution.name", "part_iii_institution.ein", "part_iii_institution.type",
    "part_iii_institution.country",
    _F + "name", _F + "ein", _F + "contact_office", _F + "contact_phone",
    "part_v_narrative", "to_complete")


class ReportError(ValueError):
    """Bad input to a report: `field` names it, `message` says what."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field
        self.message = message


# ---- small helpers ---------------------------------------------------------------------------

def business_day(ts, offset_minutes=0):
    """The business day (YYYY-MM-DD) of a timestamp in ns: the calendar day in UTC shifted by
    offset_minutes (e.g. -300 for UTC-05:00; a fixed offset, no daylight saving)."""
    s = ts // NS + offset_minutes * 60
    y, m, d = _time.civil_from_days(s // 86400)
    return "%04d-%02d-%02d" % (y, m, d)


def _when(ts):
    s = ts // NS
    y, m, d = _time.civil_from_days(s // 86400)
    r = s % 86400
    return "%04d-%02d-%02d %02d:%02d:%02d UTC" % (y, m, d, r // 3600, r // 60 % 60, r % 60)


def institution(cfg):
    """The financial institution's fields (name, EIN, address, ...) from configuration: every
    field a string (EIN and others empty until configured; listed in to_complete)."""
    if cfg is None:
        cfg = {}
    if type(cfg) is not dict:
        raise ReportError("institution", "expected a dict")
    out = {}
    for k in cfg:
        if k not in INSTITUTION_FIELDS:
            raise ReportError("institution.%s" % k, "unknown field (one of %s)"
                              % ", ".join(INSTITUTION_FIELDS))
    for k in INSTITUTION_FIELDS:
        v = cfg.get(k, _INSTITUTION_DEFAULTS.get(k, ""))
        if type(v) is not str or len(v) > MAX_FIELD:
            raise ReportError("institution.%s" % k, "expected a string of at most %d characters"
                              % MAX_FIELD)
        out[k] = v
    if out["country"] and out["country"] not in COUNTRIES:
        raise ReportError("institution.country", "expected an ISO 3166-1 alpha-2 code")
    return out


def _split_name(name, entity):
    """(last name or entity name, first name, middle names): an individual's last token is
    taken as the last name (an approximation for names written surname first)."""
    if entity:
        return name, "", ""
    parts = name.split()
    if len(parts) < 2:
        return name, "", ""
    return parts[-1], parts[0], " ".join(parts[1:-1])


def _id_document(customer, day):
    """The identification to report: the first document in force on `day` by preference
    (passport, driving licence, national id, ...): (type as the form names it, number,
    issuing country), or ("", "", "")."""
    docs = customer.get("documents", ()) if customer else ()
    for want in _ID_PREFERENCE:
        for d in docs:
            if d["type"] == want and (not d["expires"] or d["expires"] >= day):
                name = _ID_TYPES.get(want, "Other: " + want.replace("_", " "))
                return name, d["number"], d["country"]
    return "", "", ""


def _person(customer, account_id, day):
    """The Part I fields of a customer (or of an unknown account holder)."""
    c = customer or {}
    entity = c.get("type") == ENTITY
    last, first, middle = _split_name(c.get("name", ""), entity)
    id_type, id_number, id_country = _id_document(customer, day)
    aliases = c.get("aliases", [])
    return {"customer_id": c.get("id", ""), "entity": entity,
            "last_name_or_entity_name": last, "first_name": first, "middle_name": middle,
            "tin": "", "tin_type": "", "address": "", "city": "", "state": "", "zip": "",
            "address_country": c.get("address_country", ""), "country": c.get("country", ""),
            "dob": c.get("dob", ""), "id_type": id_type, "id_number": id_number,
            "id_issuer_country": id_country, "pep": bool(c.get("pep", False)),
            "_aliases": aliases, "_unknown": customer is None, "_account": account_id}


def _missing(person, prefix):
    out = []
    if person["_unknown"]:
        out.append(prefix + "last_name_or_entity_name")
    for k in ("tin", "address", "city", "state", "zip"):
        out.append(prefix + k)
    if not person["entity"] and not person["dob"]:
        out.append(prefix + "dob")
    if not person["id_type"]:
        out.append(prefix + "id_type")
    return out


def _clean(person):
    for k in ("_aliases", "_unknown", "_account"):
        person.pop(k, None)
    return person


def _check_currency(currency):
    if currency not in CURRENCIES:
        raise ReportError("currency", "expected an ISO 4217 code, got %r" % (currency,))


# ---- CTR ------------------------------------------------------------------------------------

def ctr_reports(transfers, holder, cash_accounts, inst, currency="USD", threshold=1000000,
                offset_minutes=0):
    """CTR drafts: cash transfers (one side a cash account of `cash_accounts`, the other a
    customer's account; a credit from a cash account is cash in, a debit to one cash out)
    aggregated per customer and business day, cash in and cash out apart; a draft for each
    (customer, day) whose cash in or cash out is more than `threshold` (minor units of
    `currency`; FinCEN: "more than $10,000"). `holder(account_id)` gives the account's KYC
    customer dict or None (then the account alone is the person, to be completed).
    `inst`: institution()'s dict. Transfers in another currency are not converted: they are
    listed in "not_converted" and left out. Duplicates (the same id twice) count once.
    Returns {"form", "currency", "threshold", "reports": [draft, ...], "not_converted"}."""
    _check_currency(currency)
    if type(threshold) is not int or threshold < 0:
        raise ReportError("threshold", "expected minor units (an int >= 0)")
    if type(offset_minutes) is not int or not -720 <= offset_minutes <= 840:
        raise ReportError("offset_minutes", "expected -720..840")
    if type(transfers) is not list or len(transfers) > MAX_TRANSFERS:
        raise ReportError("transfers", "expected a list of at most %d transfers" % MAX_TRANSFERS)
    inst = institution(inst)
    cash = set(cash_accounts)
    seen = set()
    groups = {}
    holders = {}
    not_converted = []
    for i, t in enumerate(transfers):
        try:
            _check_transfer(t, "transfers[%d]" % i)
        except AmlError as e:
            raise ReportError(e.field, e.message)
        if t["id"] in seen or not moves_money(t):
            continue
        seen.add(t["id"])
        dr = t["debit_account_id"]
        cr = t["credit_account_id"]
        dc = dr in cash
        if dc == (cr in cash):
            continue                  # not cash, or between two cash accounts
        if t["currency"] != currency:
            not_converted.append(t["id"])
            continue
        acct = cr if dc else dr
        day = business_day(t["timestamp"], offset_minutes)
        cust = holders.get(acct, 0)
        if cust == 0:                 # one lookup per account and run
            cust = holder(acct)
            holders[acct] = cust
        key = (cust["id"] if cust else "account:" + acct, day)
        g = groups.get(key)
        if g is None:
            g = {"in": 0, "out": 0, "in_accts": [], "out_accts": [], "ids": [], "cust": cust,
                 "acct": acct}
            groups[key] = g
        side = "in" if dc else "out"
        g[side] += t["amount"]
        accts = g[side + "_accts"]
        if acct not in accts:
            accts.append(acct)
        g["ids"].append(t["id"])
    reports = []
    for key in sorted(groups):
        g = groups[key]
        if g["in"] > threshold or g["out"] > threshold:
            reports.append(_ctr(key, g, inst, currency))
    return {"form": "FinCEN CTR (Form 112)", "currency": currency,
            "threshold": format_amount(threshold, currency), "reports": reports,
            "not_converted": not_converted}


def _ctr(key, g, inst, cur):
    who, day = key
    person = _person(g["cust"], g["acct"], day)
    person["alternate_name"] = person["_aliases"][0] if person["_aliases"] else ""
    person["cash_in"] = format_amount(g["in"], cur)
    person["cash_out"] = format_amount(g["out"], cur)
    person["accounts_cash_in"] = sorted(g["in_accts"])
    person["accounts_cash_out"] = sorted(g["out_accts"])
    todo = _missing(person, _P1)
    person.pop("pep")
    person.pop("country")
    if not inst["ein"]:
        todo.append(_P3 + "ein")
    for k in ("name", "address", "city", "state", "zip"):
        if not inst[k]:
            todo.append(_P3 + k)
    return {"id": "CTR-%s-%s" % (day.replace("-", ""), who), "business_day": day,
            "currency": cur, "part_i_person": _clean(person),
            "part_ii_transaction": {
                "date": day, "total_cash_in": format_amount(g["in"], cur),
                "total_cash_out": format_amount(g["out"], cur),
                "cash_in_type": "Deposit(s)" if g["in"] else "",
                "cash_out_type": "Withdrawal(s)" if g["out"] else "",
                "multiple_transactions": len(g["ids"]) > 1, "transactions": len(g["ids"]),
                "transfer_ids": list(g["ids"])},
            "part_iii_institution": {"type": inst["type"], "name": inst["name"],
                                     "ein": inst["ein"], "address": inst["address"],
                                     "city": inst["city"], "state": inst["state"],
                                     "zip": inst["zip"], "country": inst["country"],
                                     "regulator": inst["regulator"], "rssd": inst["rssd"]},
            "to_complete": todo}


# ---- SAR ------------------------------------------------------------------------------------

def sar_draft(alerts, transfers, customer, inst, currency="USD", cash_accounts=(),
              offset_minutes=0):
    """A SAR draft from one or more alerts (aml.py's dicts) about the same activity.
    `transfers`: the transfer dicts of the alerts' evidence (every evidence id must be there);
    `customer(customer_id)` gives the KYC customer dict or None; `inst`: institution()'s
    dict. Subjects are the alerts' customers (or accounts without one); the amount is the sum
    of the distinct evidence transfers in `currency` (others are listed in not_converted);
    the categories come from SAR_CATEGORIES; the narrative is drafted from the alerts and
    the transfers, for the officer to complete."""
    _check_currency(currency)
    if type(alerts) is not list or not 0 < len(alerts) <= MAX_SAR_ALERTS:
        raise ReportError("alerts", "expected a list of 1 to %d alerts" % MAX_SAR_ALERTS)
    if type(transfers) is not list or len(transfers) > MAX_SAR_TRANSFERS:
        raise ReportError("transfers", "expected a list of at most %d transfers"
                          % MAX_SAR_TRANSFERS)
    inst = institution(inst)
    cash = set(cash_accounts)
    by_id = {}
    for i, t in enumerate(transfers):
        try:
            _check_transfer(t, "transfers[%d]" % i)
        except AmlError as e:
            raise ReportError(e.field, e.message)
        by_id[t["id"]] = t
    evidence = []
    in_evidence = set()
    subjects = []
    subject_keys = {}
    rules = []
    categories = []
    alert_ids = []
    for i, a in enumerate(alerts):
        if type(a) is not dict or type(a.get("evidence")) is not list or \
                a.get("rule") not in SAR_CATEGORIES or type(a.get("id")) is not str:
            raise ReportError("alerts[%d]" % i, "expected an AML alert dict")
        alert_ids.append(a["id"])
        if a["rule"] not in rules:
            rules.append(a["rule"])
            cat = SAR_CATEGORIES[a["rule"]]
            if cat not in categories:
                categories.append(cat)
        for tid in a["evidence"]:
            if tid not in by_id:
                raise ReportError("transfers", "evidence transfer %s of alert %s not given"
                                  % (tid, a["id"]))
            if tid not in in_evidence:
                in_evidence.add(tid)
                evidence.append(by_id[tid])
        if type(a.get("account_id")) is not str:
            raise ReportError("alerts[%d].account_id" % i, "expected a string")
        cid = a.get("customer_id") or ""
        key = cid or "account:" + a["account_id"]
        accts = subject_keys.get(key)
        if accts is None:
            accts = []
            subject_keys[key] = accts
            subjects.append((cid, accts))
        if a["account_id"] not in accts:
            accts.append(a["account_id"])
    evidence.sort(key=_ts_id)
    day = business_day(evidence[-1]["timestamp"], offset_minutes)
    for i in range(len(subjects)):
        cid, accts = subjects[i]
        s = _person(customer(cid) if cid else None, accts[0], day)
        s["accounts"] = accts
        subjects[i] = s
    total = 0
    not_converted = []
    instruments = []
    for t in evidence:
        if t["currency"] == currency:
            total += t["amount"]
        else:
            not_converted.append(t["id"])
        kind = "U.S. Currency" if (t["debit_account_id"] in cash or
                                   t["credit_account_id"] in cash) else "Funds transfer"
        if kind not in instruments:
            instruments.append(kind)
    first = evidence[0]["timestamp"]
    last = evidence[-1]["timestamp"]
    todo = []
    for i, s in enumerate(subjects):
        s["alternate_names"] = list(s["_aliases"])
        s["relationship"] = "Customer" if not s["_unknown"] else ""
        todo.extend(_missing(s, "part_i_subjects[%d]." % i))
    narrative = _narrative(alerts, evidence, subjects, cash, currency, total, first, last,
                           offset_minutes)
    for s in subjects:
        _clean(s)
    if not inst["ein"]:
        todo.append("part_iv_filer.ein")
    if not inst["contact_office"] or not inst["contact_phone"]:
        todo.append("part_iv_filer.contact_office")
    todo.append("part_v_narrative")
    digest = hashlib.sha256("\n".join(sorted(alert_ids)).encode()).hexdigest()[:16]
    return {"id": "SAR-" + digest, "form": "FinCEN SAR (Form 111)",
            "type_of_filing": "Initial report",
            "part_i_subjects": subjects,
            "part_ii_activity": {
                "date_from": business_day(first, offset_minutes),
                "date_to": business_day(last, offset_minutes),
                "amount": format_amount(total, currency), "currency": currency,
                "categories": categories, "rules": rules, "alert_ids": alert_ids,
                "transfer_ids": [t["id"] for t in evidence], "instrument_types": instruments,
                "product_types": ["Deposit account"], "not_converted": not_converted},
            "part_iii_institution": {"name": inst["name"], "ein": inst["ein"],
                                     "type": inst["type"], "address": inst["address"],
                                     "city": inst["city"], "state": inst["state"],
                                     "zip": inst["zip"], "country": inst["country"]},
            "part_iv_filer": {"name": inst["name"], "ein": inst["ein"],
                              "contact_office": inst["contact_office"],
                              "contact_phone": inst["contact_phone"]},
            "part_v_narrative": narrative,
            "to_complete": todo}


def _ts_id(t):
    return (t["timestamp"], t["id"])


def _narrative(alerts, evidence, subjects, cash, cur, total, first, last, offset):
    """The draft narrative: who, when, how much, what the alerts found, each transfer."""
    lines = ["DRAFT prepared by the transaction monitoring system; review and complete it "
             "before filing.", ""]
    for s in subjects:
        if s["_unknown"]:
            lines.append("Subject: the holder of account %s (no KYC customer on file)."
                         % ", ".join(s["accounts"]))
            continue
        name = s["last_name_or_entity_name"] if s["entity"] else \
            " ".join(x for x in (s["first_name"], s["middle_name"],
                                 s["last_name_or_entity_name"]) if x)
        extra = []
        if s["dob"]:
            extra.append("born " + s["dob"] if not s["entity"] else "registered " + s["dob"])
        if s["country"]:
            extra.append("country " + s["country"])
        if s["pep"]:
            extra.append("a declared politically exposed person")
        lines.append("Subject: %s (customer %s, %s%s), account(s) %s."
                     % (name, s["customer_id"], "entity" if s["entity"] else "individual",
                        ", " + ", ".join(extra) if extra else "", ", ".join(s["accounts"])))
    lines.append("")
    lines.append("Between %s and %s the transaction monitoring raised %d alert(s) on these "
                 "accounts, involving %d transfer(s) totalling %s %s."
                 % (business_day(first, offset), business_day(last, offset), len(alerts),
                    len(evidence), format_amount(total, cur), cur))
    lines.append("")
    lines.append("Alerts:")
    for a in alerts:
        lines.append("- %s (%s) on account %s, %s: %s." % (
            RULE_TITLES.get(a["rule"], a["rule"]), a["id"], a["account_id"],
            _when(a.get("at", first)), a.get("detail", "")))
    lines.append("")
    lines.append("Transfers:")
    head = "\n".join(lines)
    tail = "\n\n[Describe why the activity is suspicious, what the institution did about it, " \
           "and where the supporting documents are kept.]"
    room = MAX_NARRATIVE - len(head) - len(tail) - 80
    body = []
    used = 0
    for i, t in enumerate(evidence):
        d, c = t["debit_account_id"], t["credit_account_id"]
        kind = "cash deposit" if d in cash else "cash withdrawal" if c in cash else "transfer"
        line = "- %s %s: %s %s from %s to %s (%s)" % (
            _when(t["timestamp"]), t["id"], format_amount(t["amount"], t["currency"]),
            t["currency"], d, c, kind)
        ref = t.get("reference")
        if ref:
            line += ", reference %s" % ref
        if used + len(line) + 1 > room:
            body.append("- ... and %d more transfer(s), listed in part_ii_activity."
                        "transfer_ids." % (len(evidence) - i))
            break
        body.append(line)
        used += len(line) + 1
    return head + "\n" + "\n".join(body) + tail


# ---- CSV ------------------------------------------------------------------------------------

def cell(v):
    """A JSON value as CSV text: strings as they are, true/false, ints in decimal, "" for
    None, a list of scalars joined with "; "."""
    if type(v) is str:
        return v
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is int:
        return "%d" % v
    if v is None:
        return ""
    if type(v) is list:
        return "; ".join(cell(x) for x in v)
    raise ReportError("cell", "cannot write a %s in a CSV cell" % type(v).__name__)


def resolve(obj, path):
    """The value at a column path ("part_i_person.name") of a draft."""
    for k in path.split("."):
        obj = obj[k]
    return obj


_FORMULA = "=+-@\t\r"


def csv_text(header, rows, excel_safe=False):
    """RFC 4180 CSV: the header row, then the rows, every line ended by CRLF; a field holding
    a comma, a double quote, CR or LF is enclosed in double quotes with its quotes doubled
    (and a row of one empty field is written "" so that it is not an empty line).
    excel_safe=True prefixes "'" to a cell starting with = + - @ TAB or CR, so that a
    spreadsheet does not run it as a formula (the cell then differs from the JSON)."""
    out = []
    for row in [header] + rows:
        fields = []
        for f in row:
            if excel_safe and f and f[0] in _FORMULA:
                f = "'" + f
            if "," in f or "\"" in f or "\n" in f or "\r" in f:
                f = "\"" + f.replace("\"", "\"\"") + "\""
            fields.append(f)
        if len(fields) == 1 and not fields[0]:
            fields[0] = "\"\""      # a lone empty field: not an empty line
        out.append(",".join(fields))
    out.append("")
    return "\r\n".join(out)


def ctr_rows(result):
    """(header, rows) of ctr_reports()'s result: one row per draft, CTR_COLUMNS."""
    return list(CTR_COLUMNS), [[cell(resolve(r, c)) for c in CTR_COLUMNS]
                               for r in result["reports"]]


def sar_rows(sar):
    """(header, rows) of a SAR draft: one row per subject, SAR_COLUMNS then
    "subject.<SUBJECT_COLUMNS>"."""
    head = [cell(resolve(sar, c)) for c in SAR_COLUMNS]
    rows = []
    for s in sar["part_i_subjects"]:
        rows.append(head + [cell(s[c]) for c in SUBJECT_COLUMNS])
    return list(SAR_COLUMNS) + ["subject." + c for c in SUBJECT_COLUMNS], rows


def ctr_csv(result, excel_safe=False):
    header, rows = ctr_rows(result)
    return csv_text(header, rows, excel_safe)


def sar_csv(sar, excel_safe=False):
    header, rows = sar_rows(sar)
    return csv_text(header, rows, excel_safe)
