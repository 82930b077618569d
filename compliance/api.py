"""The compliance package's HTTP API: screening, the lists, cases, customers (KYC), AML alerts
and reports, under /api/v1/compliance (README "Compliance"). Permissions are in
security/access.py. Portable.
"""
import json

from compliance import aml, bundle, cases, entry, kyc, lists, reporting, screening
from compliance.service import ComplianceError
from kernel.http import response
from kernel.http.request import HttpError

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
OBJ = {"type": "object"}
ARR = {"type": "array"}
MAX_BATCH = 1000               # entities of one batch screening
MAX_LIST_BODY = 16 << 20       # bytes of a list upload (the full OFAC SDN files are ~4 MB)
MAX_PAGE = 1000
# The file name a single-file upload stands for (the loader matches files by name).
UPLOAD_NAME = {"ofac_sdn": "sdn.csv", "ofac_cons": "cons_prim.csv", "un": "consolidated.xml",
               "us_csl": "csl.csv", "bis_dpl": "dpl.txt", "pep": "pep.json",
               "fincen_314a": "314a.csv"}
# What a list upload may be sent as: the publisher's file, or a tar of a list's files.
LIST_TYPES = ("text/csv", "text/plain", "text/tab-separated-values", "application/xml",
              "text/xml", "application/json", "application/x-ndjson", "application/x-tar",
              "application/octet-stream")
KYC_STATUS = {"invalid": 400, "not_found": 404, "conflict": 409, "full": 507}

ENTITY = {"type": "object", "required": ["name"], "additionalProperties": False,
          "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 256,
                                  "example": "AEROCARIBBEAN AIRLINES"},
                         "type": {"type": "string", "enum": sorted(screening.TYPE_ALIASES)},
                         "country": {"type": "string", "example": "CU"},
                         "dob": {"type": "string", "example": "1966-06-10"},
                         "aliases": {"type": "array", "maxItems": 16, "items": STR}}}
THRESHOLD = {"type": "string", "pattern": "^(0(\\.[0-9]{1,4})?|1(\\.0{1,4})?)$",
             "example": "0.95", "description": "overrides [compliance] screening_threshold"}
SCREEN_IN = {"type": "object", "required": ["entity"], "additionalProperties": False,
             "properties": {"entity": ENTITY, "threshold": THRESHOLD,
                            "limit": {"type": "integer", "minimum": 1, "maximum": 50}}}
MATCH = {"type": "object", "required": ["list", "entry_id", "matched_name", "score"],
         "properties": {"list": STR, "list_version": STR, "entry_id": STR, "matched_name": STR,
                        "entry_type": STR, "score": STR, "score_bp": INT, "programs": ARR,
                        "why": OBJ}}
SCREEN_OUT = {"type": "object", "required": ["hit", "matches", "threshold", "lists"],
              "properties": {"hit": BOOL, "threshold": STR, "lists": ARR, "candidates": INT,
                             "matches": {"type": "array", "items": MATCH}}}
BATCH_IN = {"type": "object", "required": ["entities"], "additionalProperties": False,
            "properties": {"entities": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                                        "items": dict(ENTITY, properties=dict(
                                            ENTITY["properties"], id=STR))},
                           "threshold": THRESHOLD}}
REASON_IN = {"type": "object", "additionalProperties": False,
             "properties": {"reason": {"type": "string", "maxLength": 500}}}
CUSTOMER_IN = {"type": "object", "required": ["id", "type", "name"],
               "properties": {"id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
                              "type": {"type": "string", "enum": ["individual", "entity"]},
                              "name": STR, "aliases": {"type": "array", "items": STR},
                              "dob": STR, "country": STR, "address_country": STR,
                              "documents": ARR, "document_status": STR, "pep": BOOL}}
DECIDE_IN = {"type": "object", "additionalProperties": False,
             "properties": {"note": {"type": "string", "maxLength": cases.MAX_NOTE}}}


def score_text(bp):
    return "%d.%04d" % (bp // 10000, bp % 10000)


def _error(status, code, message, field=None, retry_after=None):
    headers = [("Retry-After", str(retry_after))] if retry_after else None
    return HttpError(status, code, message, field, headers)


def _body(req):
    if not req.body:
        raise _error(400, "invalid_json", "the request needs a JSON body", "body")
    try:
        obj = json.loads(bytes(req.body).decode())
    except (ValueError, UnicodeError) as e:
        raise _error(400, "invalid_json", "the body is not JSON: %s" % e, "body")
    if type(obj) is not dict:
        raise _error(400, "invalid_json", "the body must be a JSON object", "body")
    return obj


def _known(obj, keys):
    for k in obj:
        if k not in keys:
            raise _error(400, "invalid_field", "unknown field %s (known: %s)"
                         % (k, ", ".join(keys)), k)


def _threshold(obj):
    if "threshold" not in obj:
        return None
    v = obj["threshold"]
    ok = type(v) is str and 1 <= len(v) <= 6
    if ok:
        whole, _, frac = v.partition(".")
        ok = whole in ("0", "1") and frac.isdigit() if frac else whole in ("0", "1")
        if ok:
            bp = int(whole) * 10000 + (int((frac + "0000")[:4]) if frac else 0)
            ok = 0 < bp <= 10000 and len(frac) <= 4
    if not ok:
        raise _error(400, "invalid_field", "threshold is a decimal string in (0, 1] like "
                     "\"0.95\"", "threshold")
    return bp


def _query_int(req, name, default, lo, hi):
    v = req.query.get(name)
    if v is None:
        return default
    if not v.isdigit() or len(v) > 9 or not lo <= int(v) <= hi:
        raise _error(400, "invalid_field", "%s must be an integer %d..%d" % (name, lo, hi),
                     name)
    return int(v)


def _actor(req):
    who = getattr(req, "who", None)
    return who.principal.id if who is not None else "system"


class ComplianceApi:
    def __init__(self, svc):
        self.svc = svc

    def _match_json(self, m):
        st = self.svc.screening.lists.get(m["list"])
        out = dict(m)
        out["score_bp"] = m["score"]
        out["score"] = score_text(m["score"])
        if st is not None:
            out["list_version"] = st.data.version
        return out

    def _screen(self, q, threshold, limit=10):
        try:
            got = self.svc.screen(q, threshold, limit)
        except ComplianceError as e:
            raise _error(e.status, e.code, e.message, e.field, e.retry_after)
        t = threshold if threshold is not None else self.svc.screening.threshold_bp
        return {"hit": bool(got["matches"]), "threshold": score_text(t),
                "lists": got["lists"], "candidates": got["candidates"],
                "matches": [self._match_json(m) for m in got["matches"]]}

    # ---- screening -----------------------------------------------------------------------

    def screen(self, req):
        obj = _body(req)
        _known(obj, ("entity", "threshold", "limit"))
        if "entity" not in obj:
            raise _error(400, "invalid_field", "entity is missing", "entity")
        try:
            q = screening.parse_query(obj["entity"])
        except screening.QueryError as e:
            raise _error(400, "invalid_field", e.message, e.field)
        limit = obj.get("limit", 10)
        if type(limit) is not int or not 1 <= limit <= screening.MAX_LIMIT:
            raise _error(400, "invalid_field", "limit must be 1..%d" % screening.MAX_LIMIT,
                         "limit")
        out = self._screen(q, _threshold(obj), limit)
        out["entity"] = q["name"]
        return response.json_response(out)

    async def screen_batch(self, req):
        obj = _body(req)
        _known(obj, ("entities", "threshold"))
        ents = obj.get("entities")
        if type(ents) is not list or not 1 <= len(ents) <= MAX_BATCH:
            raise _error(400, "invalid_field", "entities must be a list of 1..%d entities"
                         % MAX_BATCH, "entities")
        threshold = _threshold(obj)
        queries = []
        for i in range(len(ents)):
            e = ents[i]
            where = "entities[%d]" % i
            ident = None
            if type(e) is dict and "id" in e:
                e = dict(e)
                ident = e.pop("id")
                if type(ident) is not str or not 1 <= len(ident) <= 64:
                    raise _error(400, "invalid_field", "%s.id must be text of 1..64 characters"
                                 % where, where + ".id")
            try:
                queries.append((ident, screening.parse_query(e, where)))
            except screening.QueryError as x:
                raise _error(400, "invalid_field", x.message, x.field)
        results = []
        hits = 0
        for i in range(len(queries)):
            ident, q = queries[i]
            r = self._screen(q, threshold, 5)
            r["index"] = i
            r["entity"] = q["name"]
            if ident is not None:
                r["id"] = ident
            if r["hit"]:
                hits += 1
            results.append(r)
            await self.svc.sched.sleep_ms(0)        # a large file does not stall the others
        return response.json_response({"results": results, "screened": len(results),
                                       "hits": hits})

    # ---- lists ---------------------------------------------------------------------------

    def get_lists(self, req):
        out = []
        for s in self.svc.screening.status():
            out.append(s)
        return response.json_response({
            "state": self.svc.lists_state(), "loading": self.svc.loading,
            "jurisdictions": list(self.svc.screening.jurisdictions),
            "applicable": list(self.svc.screening.applicable), "lists": out,
            "known": sorted(lists.LOADERS), "errors": self.svc.load_errors})

    async def put_list(self, req):
        name = req.params["name"]
        if name not in lists.LOADERS:
            raise _error(404, "unknown_list", "no loader for list %s (known: %s)"
                         % (name[:64], ", ".join(sorted(lists.LOADERS))), "name")
        body = bytes(req.body or b"")
        if not body:
            raise _error(400, "invalid_field", "the body is the list's file (or a tar of its "
                         "files)", "body")
        try:
            if body[257:262] == b"ustar":         # a tar of the list's files
                files = bundle.read(body, "%s.tar" % name)
            else:
                files = {UPLOAD_NAME[name]: body}
            body = None
            st = await self.svc.load_list(name, files, "upload by %s" % _actor(req))
        except entry.ListError as e:
            raise _error(422, "invalid_list", str(e), e.field)
        except ComplianceError as e:
            raise _error(e.status, e.code, e.message, e.field, e.retry_after)
        return response.json_response(st.status(name in self.svc.screening.applicable))

    # ---- cases ---------------------------------------------------------------------------

    def get_cases(self, req):
        state = req.query.get("state")
        if state is not None and state not in cases.STATES:
            raise _error(400, "invalid_field", "state is one of %s" % ", ".join(cases.STATES),
                         "state")
        limit = _query_int(req, "limit", 100, 1, MAX_PAGE)
        got, nxt = self.svc.cases.page(state, req.query.get("after"), limit)
        return response.json_response({"cases": got, "next": nxt})

    def get_case(self, req):
        try:
            return response.json_response(self.svc.cases.get(req.params["id"]))
        except cases.CaseError as e:
            raise _error(e.status, e.code, e.message, e.field)

    async def _decide(self, req, release):
        note = None
        if req.body:
            obj = _body(req)
            _known(obj, ("note",))
            note = obj.get("note")
        try:
            c = await self.svc.decide(req.params["id"], release, _actor(req), note)
        except cases.CaseError as e:
            raise _error(e.status, e.code, e.message, e.field)
        except ComplianceError as e:
            raise _error(e.status, e.code, e.message, e.field, e.retry_after)
        return response.json_response(c)

    async def release(self, req):
        return await self._decide(req, True)

    async def reject(self, req):
        return await self._decide(req, False)

    # ---- customers (KYC) -----------------------------------------------------------------

    async def _kyc(self, coro):
        try:
            return await coro
        except (kyc.KycError, aml.AmlError) as e:
            raise _error(KYC_STATUS.get(e.code, 400), "kyc_" + e.code if e.code != "invalid"
                         else "invalid_field", e.message, e.field)
        except ComplianceError as e:
            raise _error(e.status, e.code, e.message, e.field, e.retry_after)

    async def create_customer(self, req):
        obj = _body(req)
        existed = self.svc.kyc.get(obj.get("id")) is not None if type(obj.get("id")) is str \
            else False
        c = await self._kyc(self.svc.upsert_customer(obj))
        return response.json_response(c, 200 if existed else 201)

    def get_customers(self, req):
        q = req.query
        try:
            got, nxt = self.svc.kyc.customers(q.get("status"), q.get("risk"), q.get("after"),
                                              _query_int(req, "limit", 100, 1, MAX_PAGE))
        except kyc.KycError as e:         # a bad filter or cursor
            raise _error(400, "invalid_field", e.message, e.field)
        return response.json_response({"customers": got, "next": nxt})

    def get_customer(self, req):
        c = self.svc.kyc.get(req.params["id"])
        if c is None:
            raise _error(404, "customer_not_found", "no customer %s" % req.params["id"][:64],
                         "id")
        return response.json_response(c)

    async def link_account(self, req):
        obj = _body(req)
        _known(obj, ("account_id",))
        aid = obj.get("account_id")
        if type(aid) is not str or not self.svc.ledger.ledger.lookup_accounts([aid]):
            raise _error(404, "account_not_found", "no ledger account %s" % str(aid)[:64],
                         "account_id")
        cid = req.params["id"]
        await self._kyc(self.svc.change("kyc", lambda: self.svc.kyc.link(
            aid, cid, self.svc.clock_ns())))
        return response.json_response(self.svc.kyc.get(cid))

    async def _status(self, req, make):
        obj = _body(req) if req.body else {}
        _known(obj, ("reason", "status", "true_match"))
        cid = req.params["id"]
        await self._kyc(self.svc.change("kyc", lambda: make(cid, obj, _actor(req))))
        return response.json_response(self.svc.kyc.get(cid))

    async def approve(self, req):
        k, now = self.svc.kyc, self.svc.clock_ns
        return await self._status(req, lambda cid, o, by: k.approve(
            cid, now(), by, o.get("reason", "")))

    async def reject_customer(self, req):
        k, now = self.svc.kyc, self.svc.clock_ns
        return await self._status(req, lambda cid, o, by: k.reject(
            cid, now(), by, o.get("reason", "")))

    async def suspend(self, req):
        k, now = self.svc.kyc, self.svc.clock_ns
        return await self._status(req, lambda cid, o, by: k.suspend(
            cid, now(), by, o.get("reason", "")))

    async def documents(self, req):
        k, now = self.svc.kyc, self.svc.clock_ns
        return await self._status(req, lambda cid, o, by: k.set_documents(
            cid, o.get("status"), now(), by))

    async def resolve_screening(self, req):
        k, now = self.svc.kyc, self.svc.clock_ns
        return await self._status(req, lambda cid, o, by: k.resolve_screening(
            cid, o.get("true_match"), now(), by, o.get("reason", "")))

    # ---- AML alerts ----------------------------------------------------------------------

    def get_alerts(self, req):
        q = req.query
        st = q.get("status")
        if st is not None and st not in aml.ALERT_STATUSES:
            raise _error(400, "invalid_field", "status is one of %s"
                         % ", ".join(aml.ALERT_STATUSES), "status")
        try:
            got, nxt = self.svc.monitor.alerts(st, q.get("account_id"), q.get("after"),
                                               _query_int(req, "limit", 100, 1, MAX_PAGE))
        except aml.AmlError as e:         # a bad filter or cursor
            raise _error(400, "invalid_field", e.message, e.field)
        return response.json_response({"alerts": got, "next": nxt})

    async def _alert(self, req, close):
        obj = _body(req) if req.body else {}
        _known(obj, ("reason",))
        aid = req.params["id"]
        m, now = self.svc.monitor, self.svc.clock_ns
        if m.get(aid) is None:
            raise _error(404, "alert_not_found", "no alert %s" % aid[:64], "id")
        fn = m.close if close else m.escalate
        await self._kyc(self.svc.change("aml", lambda: fn(aid, now(), _actor(req),
                                                          obj.get("reason", ""))))
        return response.json_response(m.get(aid))

    async def close_alert(self, req):
        return await self._alert(req, True)

    async def escalate_alert(self, req):
        return await self._alert(req, False)

    # ---- reports -------------------------------------------------------------------------

    def _format(self, req):
        f = req.query.get("format", "json")
        if f not in ("json", "csv"):
            raise _error(400, "invalid_field", "format is json or csv", "format")
        return f

    async def ctr(self, req):
        fmt = self._format(req)
        day = req.query.get("date")
        if day is None or not kyc.valid_date(day):
            raise _error(400, "invalid_field", "date is the business day, YYYY-MM-DD", "date")
        try:
            result = await self.svc.ctr(day)
        except reporting.ReportError as e:
            raise _error(422, "report_failed", e.message, e.field)
        except ComplianceError as e:
            raise _error(e.status, e.code, e.message, e.field, e.retry_after)
        if fmt == "csv":
            return response.Response(200, reporting.ctr_csv(result, True).encode(),
                                     "text/csv; charset=utf-8")
        return response.json_response(result)

    async def sar(self, req):
        fmt = self._format(req)
        obj = _body(req)
        _known(obj, ("alert_ids",))
        ids = obj.get("alert_ids")
        if type(ids) is not list or not 1 <= len(ids) <= reporting.MAX_SAR_ALERTS or \
                any(type(x) is not str for x in ids):
            raise _error(400, "invalid_field", "alert_ids is a list of 1..%d alert ids"
                         % reporting.MAX_SAR_ALERTS, "alert_ids")
        try:
            draft = self.svc.sar(ids)
        except reporting.ReportError as e:
            raise _error(422, "report_failed", e.message, e.field)
        except ComplianceError as e:
            raise _error(e.status, e.code, e.message, e.field)
        if fmt == "csv":
            return response.Response(200, reporting.sar_csv(draft, True).encode(),
                                     "text/csv; charset=utf-8")
        return response.json_response(draft)

    # ---- routes --------------------------------------------------------------------------

    def install(self, router):
        tags = ["compliance"]
        router.add("POST", "/api/v1/compliance/screen", self.screen, name="screen", tags=tags,
                   summary="Screen a party against the sanctions and PEP lists in force",
                   request_schema=SCREEN_IN, responses={200: ("Matches at or above the "
                                                              "threshold", SCREEN_OUT)},
                   errors=[503])
        router.add("POST", "/api/v1/compliance/screen/batch", self.screen_batch,
                   name="screenBatch", tags=tags,
                   summary="Screen up to %d parties (an onboarding file)" % MAX_BATCH,
                   request_schema=BATCH_IN, responses={200: ("A result per entity", OBJ)},
                   errors=[503], max_body=1 << 20)
        router.add("GET", "/api/v1/compliance/lists", self.get_lists, name="getLists",
                   tags=tags, summary="The lists: version, entries, load time, which apply",
                   responses={200: ("The lists", OBJ)})
        router.add("PUT", "/api/v1/compliance/lists/{name}", self.put_list, name="putList",
                   tags=tags, summary="Replace a list from its publisher's file (or a tar of "
                   "its files); swapped in at once when it loads, else the old one stays",
                   responses={200: ("The list in force", OBJ)}, errors=[404, 409, 422],
                   max_body=MAX_LIST_BODY, body_types=LIST_TYPES)
        router.add("GET", "/api/v1/compliance/cases", self.get_cases, name="getCases",
                   tags=tags, summary="Compliance cases (held transfers)",
                   query=[("state", "open, released, rejected or not_created", STR, False),
                          ("after", "the previous page's next", STR, False),
                          ("limit", "cases per page (1..1000)", INT, False)],
                   responses={200: ("A page of cases", OBJ)})
        router.add("GET", "/api/v1/compliance/cases/{id}", self.get_case, name="getCase",
                   tags=tags, summary="A case", responses={200: ("The case", OBJ)},
                   errors=[404])
        router.add("POST", "/api/v1/compliance/cases/{id}/release", self.release,
                   name="releaseCase", tags=tags,
                   summary="Release the held transfer (posted) and close the case",
                   request_schema=DECIDE_IN, responses={200: ("The closed case", OBJ)},
                   errors=[404, 409, 503])
        router.add("POST", "/api/v1/compliance/cases/{id}/reject", self.reject,
                   name="rejectCase", tags=tags,
                   summary="Reject the held transfer (voided) and close the case",
                   request_schema=DECIDE_IN, responses={200: ("The closed case", OBJ)},
                   errors=[404, 409, 503])
        cu = "/api/v1/compliance/customers"
        router.add("POST", cu, self.create_customer, name="upsertCustomer", tags=tags,
                   summary="Create a customer or update one's identity data (screened at "
                   "once)", request_schema=CUSTOMER_IN,
                   responses={201: ("Created", OBJ), 200: ("Updated", OBJ)},
                   errors=[409, 503, 507])
        router.add("GET", cu, self.get_customers, name="getCustomers", tags=tags,
                   summary="Customers, in the order created",
                   query=[("status", "pending, approved, rejected or suspended", STR, False),
                          ("risk", "low, medium or high", STR, False),
                          ("after", "the previous page's next", STR, False),
                          ("limit", "customers per page (1..1000)", INT, False)],
                   responses={200: ("A page of customers", OBJ)})
        router.add("GET", cu + "/{id}", self.get_customer, name="getCustomer", tags=tags,
                   summary="A customer: identity, documents, screening, risk, review date",
                   responses={200: ("The customer", OBJ)}, errors=[404])
        router.add("POST", cu + "/{id}/accounts", self.link_account, name="linkAccount",
                   tags=tags, summary="Make the customer the holder of a ledger account",
                   request_schema={"type": "object", "required": ["account_id"],
                                   "additionalProperties": False,
                                   "properties": {"account_id": STR}},
                   responses={200: ("The customer", OBJ)}, errors=[404, 409, 507])
        for verb, fn, what in (("approve", self.approve, "Approve (needs verified documents "
                                "and no unresolved screening hit)"),
                               ("reject", self.reject_customer, "Reject (final)"),
                               ("suspend", self.suspend, "Suspend; approve lifts it")):
            router.add("POST", cu + "/{id}/" + verb, fn, name=verb + "Customer", tags=tags,
                       summary=what, request_schema=REASON_IN,
                       responses={200: ("The customer", OBJ)}, errors=[404, 409])
        router.add("POST", cu + "/{id}/documents", self.documents, name="customerDocuments",
                   tags=tags, summary="Set the document status (verified, expired, ...)",
                   request_schema={"type": "object", "required": ["status"],
                                   "additionalProperties": False,
                                   "properties": {"status": {"type": "string", "enum": list(
                                       kyc.DOCUMENT_STATUSES)}}},
                   responses={200: ("The customer", OBJ)}, errors=[404, 409])
        router.add("POST", cu + "/{id}/screening", self.resolve_screening,
                   name="resolveScreening", tags=tags,
                   summary="Resolve a screening hit: a false positive or a true match",
                   request_schema={"type": "object", "required": ["true_match"],
                                   "additionalProperties": False,
                                   "properties": {"true_match": BOOL, "reason": STR}},
                   responses={200: ("The customer", OBJ)}, errors=[404, 409])
        al = "/api/v1/compliance/alerts"
        router.add("GET", al, self.get_alerts, name="getAlerts", tags=tags,
                   summary="AML alerts with their evidence (transfer ids)",
                   query=[("status", "open, closed, escalated or sar", STR, False),
                          ("account_id", "one account's", STR, False),
                          ("after", "the previous page's next", STR, False),
                          ("limit", "alerts per page (1..1000)", INT, False)],
                   responses={200: ("A page of alerts", OBJ)})
        router.add("POST", al + "/{id}/close", self.close_alert, name="closeAlert", tags=tags,
                   summary="Close an alert (no further action)", request_schema=REASON_IN,
                   responses={200: ("The alert", OBJ)}, errors=[404, 409])
        router.add("POST", al + "/{id}/escalate", self.escalate_alert, name="escalateAlert",
                   tags=tags, summary="Escalate an alert for investigation",
                   request_schema=REASON_IN, responses={200: ("The alert", OBJ)},
                   errors=[404, 409])
        router.add("GET", "/api/v1/compliance/reports/ctr", self.ctr, name="ctrReport",
                   tags=tags, summary="Currency Transaction Report drafts (FinCEN 112) of a "
                   "business day: cash over the threshold per customer",
                   query=[("date", "the business day, YYYY-MM-DD", STR, True),
                          ("format", "json (default) or csv", STR, False)],
                   responses={200: ("The drafts", OBJ)}, errors=[422])
        router.add("POST", "/api/v1/compliance/reports/sar", self.sar, name="sarDraft",
                   tags=tags, summary="A Suspicious Activity Report draft (FinCEN 111) from "
                   "alerts", query=[("format", "json (default) or csv", STR, False)],
                   request_schema={"type": "object", "required": ["alert_ids"],
                                   "additionalProperties": False,
                                   "properties": {"alert_ids": {"type": "array",
                                                                "items": STR}}},
                   responses={200: ("The draft", OBJ)}, errors=[404, 422])
