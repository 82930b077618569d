"""KYC: the bank's customers (identity, documents, screening, risk rating, review date) and which
customer holds each account. The engine only, no HTTP, service or disk (compliance/KYC.md).

Every change takes two steps, like the ledger's own requests. A method checks the change
against the state and returns its *record*, a small JSON-safe dict, without changing anything.
`apply(record)` then makes the change: the service calls it once the record is durable in the
log, and again at replay. Replaying the records in order gives the same state. snapshot() and
restore() carry the whole state in a checkpoint. Timestamps are ns since 1970, given by the
caller: nothing here reads a clock, and nothing depends on dict order. Portable: CPython and
MicroPython.

    kyc = Kyc(max_customers=10000, high_risk_countries=("IR", "KP", "MM"))
    kyc.apply(kyc.upsert({"id": "C1", "type": "individual", "name": "Ada Lovelace",
                          "country": "GB"}, ts))
    kyc.apply(kyc.link("ACC1", "C1", ts))
    kyc.can_transact("ACC1", True)  -> (False, "kyc_pending", "...")
"""
try:
    from kernel.lib import time as _time      # CPython: the kernel's module by its path
except ImportError:                             # the kernel: kernel/lib/time.py is `time`
    import time as _time

from transaction.acid import valid_id

INDIVIDUAL = "individual"
ENTITY = "entity"
TYPES = (INDIVIDUAL, ENTITY)

MISSING = "missing"
SUBMITTED = "submitted"
VERIFIED = "verified"
EXPIRED = "expired"
DOCUMENT_STATUSES = (MISSING, SUBMITTED, VERIFIED, EXPIRED)
DOCUMENT_TYPES = ("passport", "national_id", "driving_licence", "residence_permit",
                  "company_registration", "tax_id", "other")

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
SUSPENDED = "suspended"
STATUSES = (PENDING, APPROVED, REJECTED, SUSPENDED)
# status -> the statuses it may come from (REJECTED is final: a new customer id re-onboards)
_FROM = {APPROVED: (PENDING, SUSPENDED, APPROVED),       # approved again: a periodic review
         REJECTED: (PENDING, APPROVED, SUSPENDED),
         SUSPENDED: (PENDING, APPROVED)}

LOW = "low"
MEDIUM = "medium"
HIGH = "high"
RISKS = (LOW, MEDIUM, HIGH)
REVIEW_YEARS = {HIGH: 1, MEDIUM: 2, LOW: 3}   # next review, years after the last approval

# Screening of the customer's names against the lists (compliance/screening): none yet, clear,
# hit (unresolved), cleared (the hit was a false positive), confirmed (a true match).
SCREEN_NONE = "none"
SCREEN_CLEAR = "clear"
SCREEN_HIT = "hit"
SCREEN_CLEARED = "cleared"
SCREEN_CONFIRMED = "confirmed"
SCREENINGS = (SCREEN_NONE, SCREEN_CLEAR, SCREEN_HIT, SCREEN_CLEARED, SCREEN_CONFIRMED)

# FATF's "high-risk jurisdictions subject to a call for action" (stable since 2020): the
# defaults of the high-risk country lists here and in aml.py. The FATF grey list changes three
# times a year: configure it, do not hard-code it.
FATF_CALL_FOR_ACTION = ("IR", "KP", "MM")

MAX_CUSTOMERS = 100000        # default bound of a registry (the constructor takes another)
MAX_NAME = 200                # characters of a name or alias
MAX_ALIASES = 16
MAX_DOCUMENTS = 8
MAX_DOC_NUMBER = 64
MAX_ACCOUNTS = 64             # accounts of one customer
MAX_TEXT = 500                # characters of a reason or a screening detail
MAX_TS = (1 << 63) - 1
NS_PER_DAY = 86400 * 10 ** 9

# ISO 3166-1 alpha-2 (249 codes) and XK (Kosovo: user-assigned, used by the EU, UN and banks).
COUNTRIES = set((
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW XK").split())

# Characters no name, number or reason may hold (ASCII controls): `c in s` is one C scan each.
_CONTROLS = [chr(i) for i in range(32)] + [chr(127)]

_INPUT = ("id", "type", "name", "aliases", "dob", "country", "address_country", "documents",
          "document_status", "pep")
_COMPUTED = ("status", "risk", "risk_reasons", "next_review", "reviewed", "screening",
             "screening_detail", "accounts", "created", "updated", "status_reason",
             "status_by")
_DOC_FIELDS = ("type", "number", "country", "expires")


class KycError(ValueError):
    """A change refused: `field` names what is wrong (the API answers 400 with it unless `code`
    says otherwise), `message` says what. `code`: invalid (400), not_found (404), conflict
    (409: the state forbids it now), full (507: a bound is reached)."""

    def __init__(self, field, message, code="invalid"):
        super().__init__("%s: %s" % (field, message))
        self.field = field
        self.message = message
        self.code = code


# ---- validation ---------------------------------------------------------------------------

def _text(v, field, limit, empty=False):
    if type(v) is not str:
        raise KycError(field, "expected a string, got %s" % type(v).__name__)
    v = v.strip()
    if not v and not empty:
        raise KycError(field, "must not be empty")
    if len(v) > limit:
        raise KycError(field, "at most %d characters, got %d" % (limit, len(v)))
    for c in _CONTROLS:
        if c in v:
            raise KycError(field, "control character %d not allowed" % ord(c))
    return v


def valid_date(s):
    """True for a real calendar date written YYYY-MM-DD (years 1000..9999)."""
    if type(s) is not str or len(s) != 10 or s[4] != "-" or s[7] != "-":
        return False
    y, m, d = s[:4], s[5:7], s[8:]
    if not (y.isdigit() and m.isdigit() and d.isdigit()):
        return False
    y, m, d = int(y), int(m), int(d)
    return y >= 1000 and 1 <= m <= 12 and 1 <= d <= _time.days_in_month(y, m)


def _date(v, field):
    if type(v) is not str or not (v == "" or valid_date(v)):
        raise KycError(field, "expected a date YYYY-MM-DD or \"\", got %s" % _show(v))
    return v


def _country(v, field):
    if type(v) is not str or v not in COUNTRIES:
        if type(v) is str and v.upper() in COUNTRIES:
            raise KycError(field, "country codes are written in capitals: \"%s\"" % v.upper())
        raise KycError(field, "expected an ISO 3166-1 alpha-2 country code like \"US\", got %s"
                       % _show(v))
    return v


def _show(v):
    s = repr(v)
    return s if len(s) <= 40 else s[:40] + "..."


def _ts(v, field="ts"):
    if type(v) is not int or not 0 <= v <= MAX_TS:
        raise KycError(field, "expected a timestamp (int ns since 1970), got %s" % _show(v))
    return v


def _document(d, field):
    if type(d) is not dict:
        raise KycError(field, "expected an object {type, number, country, expires}")
    for k in d:
        if k not in _DOC_FIELDS:
            raise KycError("%s.%s" % (field, k), "unknown field")
    t = d.get("type")
    if t not in DOCUMENT_TYPES:
        raise KycError(field + ".type", "expected one of %s, got %s"
                       % (", ".join(DOCUMENT_TYPES), _show(t)))
    return {"type": t, "number": _text(d.get("number"), field + ".number", MAX_DOC_NUMBER),
            "country": _country(d.get("country"), field + ".country"),
            "expires": _date(d.get("expires", ""), field + ".expires")}


def validate_customer(obj):
    """A customer's identity data as given to the API -> the clean dict the registry stores:
    {id, type, name, aliases, dob, country, address_country, documents, document_status, pep}.
    Strings are trimmed; address_country defaults to country, document_status to "missing"
    without documents and "submitted" with some. Raises KycError(field, message) naming the
    first bad field ("documents[1].expires"). status, risk and the other computed fields are
    set by the registry, not here."""
    if type(obj) is not dict:
        raise KycError("customer", "expected an object")
    for k in obj:
        if k not in _INPUT:
            if k in _COMPUTED:
                raise KycError(k, "is computed by the registry and cannot be set")
            raise KycError(k if type(k) is str else _show(k), "unknown field")
    cid = obj.get("id")
    if not valid_id(cid):
        raise KycError("id", "expected 1 to 64 characters of A-Z a-z 0-9 _ - ., got %s"
                       % _show(cid))
    ctype = obj.get("type")
    if ctype not in TYPES:
        raise KycError("type", "expected \"individual\" or \"entity\", got %s" % _show(ctype))
    name = _text(obj.get("name"), "name", MAX_NAME)
    aliases = obj.get("aliases", [])
    if type(aliases) is not list:
        raise KycError("aliases", "expected a list of names")
    if len(aliases) > MAX_ALIASES:
        raise KycError("aliases", "at most %d aliases, got %d" % (MAX_ALIASES, len(aliases)))
    clean = []
    for i, a in enumerate(aliases):
        a = _text(a, "aliases[%d]" % i, MAX_NAME)
        if a != name and a not in clean:
            clean.append(a)
    country = _country(obj.get("country"), "country")
    address = obj.get("address_country", country)
    address = _country(address, "address_country")
    docs = obj.get("documents", [])
    if type(docs) is not list:
        raise KycError("documents", "expected a list of documents")
    if len(docs) > MAX_DOCUMENTS:
        raise KycError("documents", "at most %d documents, got %d" % (MAX_DOCUMENTS, len(docs)))
    docs = [_document(d, "documents[%d]" % i) for i, d in enumerate(docs)]
    status = obj.get("document_status", SUBMITTED if docs else MISSING)
    if status not in DOCUMENT_STATUSES:
        raise KycError("document_status", "expected one of %s, got %s"
                       % (", ".join(DOCUMENT_STATUSES), _show(status)))
    if status != MISSING and not docs:
        raise KycError("document_status", "%s needs at least one document" % status)
    if status == MISSING and docs:
        raise KycError("document_status", "missing, yet %d document(s) given" % len(docs))
    pep = obj.get("pep", False)
    if type(pep) is not bool:
        raise KycError("pep", "expected true or false, got %s" % _show(pep))
    return {"id": cid, "type": ctype, "name": name, "aliases": clean,
            "dob": _date(obj.get("dob", ""), "dob"), "country": country,
            "address_country": address, "documents": docs, "document_status": status,
            "pep": pep}


# ---- dates ------------------------------------------------------------------------------

def date_of(ts):
    """The UTC date YYYY-MM-DD of a timestamp in ns."""
    y, m, d = _time.civil_from_days(ts // NS_PER_DAY)
    return "%04d-%02d-%02d" % (y, m, d)


def add_years(date, years):
    """YYYY-MM-DD plus whole years (29 February becomes 28 February in a common year)."""
    y, m, d = int(date[:4]) + years, int(date[5:7]), int(date[8:])
    if d > _time.days_in_month(y, m):
        d = _time.days_in_month(y, m)
    return "%04d-%02d-%02d" % (y, m, d)


# ---- risk ---------------------------------------------------------------------------------

def rate(customer, screening_hit, high_risk_countries, medium_risk_countries=(), today=""):
    """The customer's risk and the reasons, (risk, [reason, ...]): the highest level any
    reason reaches; reasons of every level are listed, high ones first.

    high    pep                            declared politically exposed person
            screening_hit                  an unresolved or confirmed list hit
            country_high_risk:XX           nationality / registration country in the list
            address_country_high_risk:XX   address country in the list
            document_expired               document_status "expired", or a document whose
                                           expiry date is before `today` (YYYY-MM-DD, if given)
    medium  entity                         a legal entity (ownership to look through)
            documents_not_verified         document_status "missing" or "submitted"
            country_medium_risk:XX         nationality / registration in medium_risk_countries
            address_country_medium_risk:XX
            cross_border                   address country differs from nationality
    low     none of the above

    Pure: the same arguments give the same answer. The country lists are the caller's
    configuration (FATF_CALL_FOR_ACTION is the default high-risk list)."""
    high = []
    medium = []
    if customer.get("pep"):
        high.append("pep")
    if screening_hit:
        high.append("screening_hit")
    country = customer.get("country", "")
    address = customer.get("address_country", "") or country
    if country in high_risk_countries:
        high.append("country_high_risk:" + country)
    if address in high_risk_countries:
        high.append("address_country_high_risk:" + address)
    status = customer.get("document_status", MISSING)
    expired = status == EXPIRED
    if not expired and today:
        for d in customer.get("documents", ()):
            if d["expires"] and d["expires"] < today:
                expired = True
                break
    if expired:
        high.append("document_expired")
    if customer.get("type") == ENTITY:
        medium.append("entity")
    if status in (MISSING, SUBMITTED):
        medium.append("documents_not_verified")
    if country in medium_risk_countries:
        medium.append("country_medium_risk:" + country)
    if address in medium_risk_countries:
        medium.append("address_country_medium_risk:" + address)
    if address != country:
        medium.append("cross_border")
    return (HIGH if high else MEDIUM if medium else LOW), high + medium


def screening_hit(status):
    """True when a screening status counts as a hit for the risk rating."""
    return status == SCREEN_HIT or status == SCREEN_CONFIRMED


# ---- the registry ---------------------------------------------------------------------------

def _copy(c):
    d = dict(c)
    d["aliases"] = list(c["aliases"])
    d["documents"] = [dict(x) for x in c["documents"]]
    d["risk_reasons"] = list(c["risk_reasons"])
    d["accounts"] = list(c["accounts"])
    return d


class Kyc:
    """The customers by id (creation order kept for listings and snapshots) and the account
    links. `max_customers` bounds the registry; the country lists and `review_years`
    ({"high": 1, "medium": 2, "low": 3}) are configuration the risk rating and the review
    date use: changing them changes what later records compute (rerate() applies them to
    everyone)."""

    def __init__(self, max_customers=MAX_CUSTOMERS, high_risk_countries=FATF_CALL_FOR_ACTION,
                 medium_risk_countries=(), review_years=None):
        if type(max_customers) is not int or max_customers < 1:
            raise ValueError("max_customers must be a positive int")
        self.max_customers = max_customers
        self.high_risk = set(_countries(high_risk_countries, "high_risk_countries"))
        self.medium_risk = set(_countries(medium_risk_countries, "medium_risk_countries"))
        years = dict(REVIEW_YEARS)
        if review_years is not None:
            for k in review_years:
                v = review_years[k]
                if k not in RISKS or type(v) is not int or not 0 < v <= 10:
                    raise ValueError("review_years: expected {high|medium|low: 1..10}, got %r"
                                     % (review_years,))
                years[k] = v
        self.review_years = years
        self._reset()

    def _reset(self):
        self._customers = {}     # id -> stored customer dict
        self._order = []         # ids in creation order
        self._links = {}         # account id -> customer id
        self.applied = 0         # records applied since the last restore

    # ---- lookups ----------------------------------------------------------------------------

    def __len__(self):
        return len(self._order)

    def get(self, customer_id):
        """The customer as a dict (a copy), or None."""
        c = self._customers.get(customer_id) if type(customer_id) is str else None
        return None if c is None else _public(c)

    def holder(self, account_id):
        """The customer id holding the account, or None."""
        return self._links.get(account_id) if type(account_id) is str else None

    def holders(self):
        """How many accounts have a customer (0: nobody is onboarded)."""
        return len(self._links)

    def customer_of(self, account_id):
        """The customer (a copy) holding the account, or None."""
        cid = self.holder(account_id)
        return None if cid is None else self.get(cid)

    def customers(self, status=None, risk=None, after=None, limit=100):
        """Customers in creation order, at most `limit` (1..1000), optionally of one status
        and/or risk, starting after the customer id `after`. Returns (list, cursor): cursor is
        the id to pass as `after` for the next page, or None if that was all."""
        if type(limit) is not int or not 0 < limit <= 1000:
            raise KycError("limit", "expected 1..1000")
        i = 0
        if after is not None:
            c = self._customers.get(after) if type(after) is str else None
            if c is None:
                raise KycError("after", "no customer %s" % _show(after), "not_found")
            i = c["_pos"] + 1
        out = []
        order = self._order
        while i < len(order):
            c = self._customers[order[i]]
            i += 1
            if (status is None or c["status"] == status) and (risk is None or c["risk"] == risk):
                if len(out) == limit:
                    return out, out[-1]["id"]
                out.append(_public(c))
        return out, None

    def due_for_review(self, today, limit=1000):
        """Approved customers whose next review date is on or before `today` (YYYY-MM-DD),
        or one of whose documents expires by then: a list of (customer id, why)."""
        if not valid_date(today):
            raise KycError("today", "expected a date YYYY-MM-DD")
        out = []
        for cid in self._order:
            c = self._customers[cid]
            if c["status"] != APPROVED:
                continue
            why = None
            if c["next_review"] and c["next_review"] <= today:
                why = "review due " + c["next_review"]
            else:
                for d in c["documents"]:
                    if d["expires"] and d["expires"] <= today:
                        why = "document expires " + d["expires"]
                        break
            if why is not None:
                out.append((cid, why))
                if len(out) >= limit:
                    break
        return out

    def can_transact(self, account_id, require_kyc):
        """Whether the account may move money: (ok, code, message). With require_kyc false
        every account may; else its holder must be an approved customer. Codes: ok,
        kyc_no_customer, kyc_pending, kyc_rejected, kyc_suspended."""
        if not require_kyc:
            return True, "ok", ""
        cid = self.holder(account_id)
        if cid is None:
            return False, "kyc_no_customer", "account %s has no KYC customer" % account_id
        st = self._customers[cid]["status"]
        if st == APPROVED:
            return True, "ok", ""
        return False, "kyc_" + st, "customer %s of account %s is %s" % (cid, account_id, st)

    def stats(self):
        """Counts: customers, linked accounts, and customers per status and per risk."""
        out = {"customers": len(self._order), "accounts": len(self._links),
               "max_customers": self.max_customers}
        for s in STATUSES:
            out[s] = 0
        for r in RISKS:
            out["risk_" + r] = 0
        for c in self._customers.values():
            out[c["status"]] += 1
            out["risk_" + c["risk"]] += 1
        return out

    # ---- changes: each returns its record (nothing changes until apply) ----------------------

    def upsert(self, obj, ts):
        """Create a customer, or replace an existing one's identity data (status, screening,
        accounts and dates are kept; a change of names, date of birth or countries sets a
        clear screening back to "none": screen again). The record: {"t": "customer", ...}."""
        c = validate_customer(obj)
        _ts(ts)
        if c["id"] not in self._customers and len(self._order) >= self.max_customers:
            raise KycError("id", "the registry holds its maximum of %d customers"
                           % self.max_customers, "full")
        return {"t": "customer", "c": c, "ts": ts}

    def link(self, account_id, customer_id, ts):
        """Make the customer the account's holder (an account has one holder; a customer up
        to 64 accounts). Linking it again to the same customer changes nothing."""
        if not valid_id(account_id):
            raise KycError("account_id", "expected a ledger account id, got %s"
                           % _show(account_id))
        c = self._need(customer_id)
        _ts(ts)
        held = self._links.get(account_id)
        if held is not None and held != customer_id:
            raise KycError("account_id", "account %s is held by customer %s: unlink it first"
                           % (account_id, held), "conflict")
        if held is None and len(c["accounts"]) >= MAX_ACCOUNTS:
            raise KycError("accounts", "customer %s holds its maximum of %d accounts"
                           % (customer_id, MAX_ACCOUNTS), "full")
        return {"t": "link", "account": account_id, "id": customer_id, "ts": ts}

    def unlink(self, account_id, ts):
        """Remove the account's holder."""
        _ts(ts)
        if self.holder(account_id) is None:
            raise KycError("account_id", "account %s has no KYC customer" % _show(account_id),
                           "not_found")
        return {"t": "unlink", "account": account_id, "ts": ts}

    def approve(self, customer_id, ts, by="", reason=""):
        """Approve (or re-approve after a periodic review) the customer: refused unless the
        documents are verified and none has expired, and no screening hit is unresolved or
        confirmed. Sets the review date: next_review = today + review_years[risk]."""
        c = self._transition(customer_id, APPROVED, ts)
        if c["document_status"] != VERIFIED:
            raise KycError("document_status", "approval needs verified documents; they are %s"
                           % c["document_status"], "conflict")
        today = date_of(ts)
        for i, d in enumerate(c["documents"]):
            if d["expires"] and d["expires"] < today:
                raise KycError("documents[%d].expires" % i, "the %s expired on %s: approval "
                               "needs documents in force" % (d["type"], d["expires"]),
                               "conflict")
        if c["screening"] == SCREEN_HIT:
            raise KycError("screening", "an unresolved screening hit (%s): resolve it as a "
                           "false positive before approval" % c["screening_detail"], "conflict")
        if c["screening"] == SCREEN_CONFIRMED:
            raise KycError("screening", "screening confirmed a true match: approval refused",
                           "conflict")
        return self._status_record(customer_id, APPROVED, ts, by, reason)

    def reject(self, customer_id, ts, by="", reason=""):
        """Reject the customer (final: their accounts can no longer move money)."""
        self._transition(customer_id, REJECTED, ts)
        return self._status_record(customer_id, REJECTED, ts, by, reason)

    def suspend(self, customer_id, ts, by="", reason=""):
        """Suspend an approved (or pending) customer; approve() lifts it."""
        self._transition(customer_id, SUSPENDED, ts)
        return self._status_record(customer_id, SUSPENDED, ts, by, reason)

    def set_documents(self, customer_id, status, ts, by=""):
        """Set the document status (an officer verified them, or they expired)."""
        c = self._need(customer_id)
        _ts(ts)
        if status not in DOCUMENT_STATUSES:
            raise KycError("document_status", "expected one of %s, got %s"
                           % (", ".join(DOCUMENT_STATUSES), _show(status)))
        if status != MISSING and not c["documents"]:
            raise KycError("document_status", "%s needs at least one document" % status,
                           "conflict")
        return {"t": "documents", "id": customer_id, "status": status,
                "by": _text(by, "by", 64, True), "ts": ts}

    def screened(self, customer_id, hit, detail, ts):
        """The result of screening the customer's names: hit (a match above the threshold;
        `detail` says which list entry and score) or clear. A new result replaces the last,
        except that a clear result does not undo a confirmed true match."""
        c = self._need(customer_id)
        _ts(ts)
        if type(hit) is not bool:
            raise KycError("hit", "expected true or false")
        if not hit and c["screening"] == SCREEN_CONFIRMED:
            raise KycError("screening", "a confirmed true match stays confirmed", "conflict")
        return {"t": "screening", "id": customer_id, "status": SCREEN_HIT if hit else SCREEN_CLEAR,
                "detail": _text(detail, "detail", MAX_TEXT, True), "by": "", "ts": ts}

    def resolve_screening(self, customer_id, true_match, ts, by="", reason=""):
        """An officer's decision on an unresolved hit: a false positive (cleared) or a true
        match (confirmed: high risk, approval refused)."""
        c = self._need(customer_id)
        _ts(ts)
        if c["screening"] != SCREEN_HIT:
            raise KycError("screening", "no unresolved hit to resolve (screening is %s)"
                           % c["screening"], "conflict")
        if type(true_match) is not bool:
            raise KycError("true_match", "expected true or false")
        return {"t": "screening", "id": customer_id,
                "status": SCREEN_CONFIRMED if true_match else SCREEN_CLEARED,
                "detail": _text(reason, "reason", MAX_TEXT, True),
                "by": _text(by, "by", 64, True), "ts": ts}

    def rerate(self, ts):
        """A record that recomputes every customer's risk and review date with the current
        configuration and today's date (documents that expired since): after a change of
        the country lists, or daily."""
        return {"t": "rerate", "ts": _ts(ts)}

    def _need(self, customer_id):
        c = self._customers.get(customer_id) if type(customer_id) is str else None
        if c is None:
            raise KycError("customer_id", "no customer %s" % _show(customer_id), "not_found")
        return c

    def _transition(self, customer_id, to, ts):
        c = self._need(customer_id)
        _ts(ts)
        if c["status"] not in _FROM[to]:
            raise KycError("status", "a %s customer cannot become %s" % (c["status"], to),
                           "conflict")
        return c

    @staticmethod
    def _status_record(customer_id, to, ts, by, reason):
        return {"t": "status", "id": customer_id, "to": to, "by": _text(by, "by", 64, True),
                "reason": _text(reason, "reason", MAX_TEXT, True), "ts": ts}

    # ---- applying records -------------------------------------------------------------------

    def apply(self, record):
        """Make the change of a record (from a method above, or from the log at replay).
        Raises KycError if it does not fit the state (a conflicting record logged meanwhile,
        or a damaged log)."""
        if type(record) is not dict:
            raise KycError("record", "expected a dict")
        fn = _APPLY.get(record.get("t"))
        if fn is None:
            raise KycError("record", "unknown KYC record %s" % _show(record.get("t")))
        fn(self, record)
        self.applied += 1

    def _apply_customer(self, r):
        new = validate_customer(r["c"])
        ts = _ts(r["ts"])
        c = self._customers.get(new["id"])
        if c is None:
            if len(self._order) >= self.max_customers:
                raise KycError("id", "the registry holds its maximum of %d customers"
                               % self.max_customers, "full")
            c = new
            c.update({"status": PENDING, "status_reason": "", "status_by": "", "risk": LOW,
                      "risk_reasons": [], "screening": SCREEN_NONE, "screening_detail": "",
                      "reviewed": "", "next_review": "", "accounts": [], "created": ts,
                      "_pos": len(self._order)})
            self._customers[c["id"]] = c
            self._order.append(c["id"])
        else:
            if c["screening"] in (SCREEN_CLEAR, SCREEN_CLEARED) and (
                    c["name"] != new["name"] or c["aliases"] != new["aliases"]
                    or c["dob"] != new["dob"] or c["country"] != new["country"]
                    or c["address_country"] != new["address_country"]
                    or c["type"] != new["type"]):
                c["screening"] = SCREEN_NONE
                c["screening_detail"] = ""
            c.update(new)
        c["updated"] = ts
        self._rate(c, ts)

    def _apply_link(self, r):
        c = self._need(r["id"])
        aid = r["account"]
        held = self._links.get(aid)
        if held == c["id"]:
            return
        if held is not None:
            raise KycError("account_id", "account %s is held by customer %s" % (aid, held),
                           "conflict")
        if len(c["accounts"]) >= MAX_ACCOUNTS:
            raise KycError("accounts", "customer %s holds %d accounts" % (c["id"], MAX_ACCOUNTS),
                           "full")
        self._links[aid] = c["id"]
        c["accounts"].append(aid)
        c["updated"] = _ts(r["ts"])

    def _apply_unlink(self, r):
        aid = r["account"]
        cid = self._links.pop(aid, None)
        if cid is None:
            raise KycError("account_id", "account %s has no KYC customer" % _show(aid),
                           "not_found")
        c = self._customers[cid]
        c["accounts"].remove(aid)
        c["updated"] = _ts(r["ts"])

    def _apply_status(self, r):
        c = self._need(r["id"])
        to = r["to"]
        if to not in _FROM or c["status"] not in _FROM[to]:
            raise KycError("status", "a %s customer cannot become %s" % (c["status"], to),
                           "conflict")
        ts = _ts(r["ts"])
        c["status"] = to
        c["status_by"] = r["by"]
        c["status_reason"] = r["reason"]
        if to == APPROVED:
            c["reviewed"] = date_of(ts)
        c["updated"] = ts
        self._rate(c, ts)

    def _apply_documents(self, r):
        c = self._need(r["id"])
        st = r["status"]
        if st not in DOCUMENT_STATUSES:
            raise KycError("document_status", "unknown status %s" % _show(st))
        c["document_status"] = st
        ts = _ts(r["ts"])
        c["updated"] = ts
        self._rate(c, ts)

    def _apply_screening(self, r):
        c = self._need(r["id"])
        st = r["status"]
        if st not in SCREENINGS:
            raise KycError("screening", "unknown screening status %s" % _show(st))
        c["screening"] = st
        c["screening_detail"] = r["detail"]
        ts = _ts(r["ts"])
        c["updated"] = ts
        self._rate(c, ts)

    def _apply_rerate(self, r):
        ts = _ts(r["ts"])
        for cid in self._order:
            self._rate(self._customers[cid], ts)

    def _rate(self, c, ts):
        """Recompute the risk (documents expired by the record's date count) and, for a
        customer approved once, the next review date."""
        risk, reasons = rate(c, screening_hit(c["screening"]), self.high_risk,
                             self.medium_risk, date_of(ts))
        c["risk"] = risk
        c["risk_reasons"] = reasons
        if c["reviewed"]:
            c["next_review"] = add_years(c["reviewed"], self.review_years[risk])

    # ---- checkpoints -----------------------------------------------------------------------

    def snapshot(self):
        """The whole state: a list of customer dicts (copies, creation order; each with its
        accounts). JSON-safe."""
        return [_public(self._customers[cid]) for cid in self._order]

    def restore(self, items):
        """Replace the state with a snapshot()'s list."""
        if type(items) is not list or len(items) > self.max_customers:
            raise KycError("snapshot", "expected a list of at most %d customers"
                           % self.max_customers)
        self._reset()
        for i, item in enumerate(items):
            if type(item) is not dict:
                raise KycError("snapshot[%d]" % i, "expected a customer dict")
            c = validate_customer(dict((k, item[k]) for k in _INPUT if k in item))
            for k in _COMPUTED:
                if k not in item:
                    raise KycError("snapshot[%d].%s" % (i, k), "missing")
                c[k] = item[k]
            if c["status"] not in STATUSES or c["risk"] not in RISKS or \
                    c["screening"] not in SCREENINGS or c["id"] in self._customers:
                raise KycError("snapshot[%d]" % i, "bad status, risk, screening or a "
                               "duplicate id")
            c["aliases"] = list(c["aliases"])
            c["risk_reasons"] = list(c["risk_reasons"])
            c["accounts"] = list(c["accounts"])
            if len(c["accounts"]) > MAX_ACCOUNTS:
                raise KycError("snapshot[%d].accounts" % i, "too many")
            c["_pos"] = len(self._order)
            self._customers[c["id"]] = c
            self._order.append(c["id"])
            for aid in c["accounts"]:
                if not valid_id(aid) or aid in self._links:
                    raise KycError("snapshot[%d].accounts" % i, "bad or twice held account %s"
                                   % _show(aid))
                self._links[aid] = c["id"]


def _public(c):
    d = _copy(c)
    d.pop("_pos", None)
    return d


def _countries(codes, field):
    out = []
    for c in codes:
        _country(c, field)
        out.append(c)
    return out


_APPLY = {"customer": Kyc._apply_customer, "link": Kyc._apply_link, "unlink": Kyc._apply_unlink,
          "status": Kyc._apply_status, "documents": Kyc._apply_documents,
          "screening": Kyc._apply_screening, "rerate": Kyc._apply_rerate}
