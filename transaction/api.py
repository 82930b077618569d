"""The ledger's HTTP API (transaction/LEDGER.md): accounts, transfers, two-phase post/void.

Handlers validate the body (transaction/requests.py: 400 naming the field, nothing written),
submit the request to the LedgerService (durable before any answer) and map the engine's
result codes to HTTP statuses. Portable: the service and the clock are given.
"""
from kernel.http import response
from kernel.http.request import HttpError
from transaction import service as _ledger
from transaction import acid, engine, requests
from transaction.currency import CURRENCIES, MAX_AMOUNT, format_amount

MAX_BATCH_BODY = 4 << 20      # bytes of a batch request (8190 transfers with long references)
MAX_PAGE = acid.MAX_PAGE

# Engine codes that are not 422.
STATUS = {
    acid.OK: 201, acid.EXISTS: 200,
    acid.EXISTS_WITH_DIFFERENT_FIELDS: 409,
    acid.ACCOUNT_NOT_FOUND: 404, acid.PENDING_TRANSFER_NOT_FOUND: 404,
    acid.PENDING_TRANSFER_ALREADY_POSTED: 409, acid.PENDING_TRANSFER_ALREADY_VOIDED: 409,
    acid.PENDING_TRANSFER_EXPIRED: 409,
    acid.EVENT_INVALID: 400, acid.FIELD_UNKNOWN: 400, acid.ID_INVALID: 400,
    acid.FLAGS_INVALID: 400, acid.CURRENCY_INVALID: 400, acid.USER_DATA_INVALID: 400,
    acid.REFERENCE_INVALID: 400, acid.AMOUNT_INVALID: 400, acid.TIMEOUT_INVALID: 400,
}
MESSAGES = {
    acid.EXISTS_WITH_DIFFERENT_FIELDS: "a transfer with this id or reference exists with a "
                                       "different body",
    acid.ACCOUNT_NOT_FOUND: "no such account",
    acid.ACCOUNTS_MUST_BE_DIFFERENT: "the debit and the credit account must be different",
    acid.CURRENCY_MISMATCH: "the currency differs from the account's",
    acid.EXCEEDS_CREDITS: "insufficient funds: the debit account's debits would exceed its "
                          "credits",
    acid.EXCEEDS_DEBITS: "the credit account's credits would exceed its debits",
    acid.ACCOUNT_CLOSED: "the account is closed",
    acid.OVERFLOWS_DEBITS: "the debit account's debits would overflow",
    acid.OVERFLOWS_CREDITS: "the credit account's credits would overflow",
    acid.PENDING_TRANSFER_NOT_FOUND: "no such pending transfer",
    acid.PENDING_TRANSFER_NOT_PENDING: "the transfer is not a pending transfer",
    acid.PENDING_TRANSFER_ALREADY_POSTED: "the pending transfer was posted already",
    acid.PENDING_TRANSFER_ALREADY_VOIDED: "the pending transfer was voided already",
    acid.PENDING_TRANSFER_EXPIRED: "the pending transfer expired",
    acid.EXCEEDS_PENDING_TRANSFER_AMOUNT: "the amount exceeds the pending transfer's",
    acid.LINKED_EVENT_FAILED: "another transfer of the linked chain failed",
    acid.LINKED_EVENT_CHAIN_OPEN: "the linked chain is not closed",
}
SEED_FIELDS = {"debit_account_id": "from_account", "credit_account_id": "to_account"}

# ---- schemas (OpenAPI) ------------------------------------------------------------------------
INT = {"type": "integer"}
STR = {"type": "string"}
NULL_STR = {"type": "string", "nullable": True}
ID = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$", "example": "ACC001"}
CURRENCY = {"type": "string", "enum": sorted(CURRENCIES.keys()), "example": "USD"}
TEXT = {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]+$", "minLength": 1}
REFERENCE = dict(TEXT, maxLength=acid.REFERENCE_MAX)
USER_DATA = dict(TEXT, maxLength=acid.USER_DATA_MAX)
ACCOUNT_FLAGS = {"type": "array", "maxItems": 4, "uniqueItems": True, "items": {
    "type": "string", "enum": [n for n, _ in acid.ACCOUNT_FLAG_NAMES]}}
TRANSFER_FLAGS = {"type": "array", "maxItems": 6, "uniqueItems": True, "items": {
    "type": "string", "enum": [n for n, _ in acid.TRANSFER_FLAG_NAMES]}}
FLAGS = {"type": "array", "items": STR}
TIMESTAMP = {"type": "integer", "minimum": 0, "maximum": engine.MAX_TIMESTAMP}
AMOUNT = {"oneOf": [{"type": "string", "pattern": "^(?![0.]*$)[0-9]{1,15}(\\.[0-9]{1,2})?$",
                     "example": "1000.00"}, {"type": "number", "exclusiveMinimum": True,
                                             "minimum": 0, "multipleOf": 0.01}],
          "description": "exact, in the currency's major unit, at most as many decimals as the "
                         "currency has (never rounded); a JSON number is taken too"}
AMOUNT_MINOR = {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT,
                "description": "minor units (cents); instead of amount"}
ACCOUNT_IN = {"type": "object", "required": ["id", "currency"], "additionalProperties": False,
              "properties": {"id": ID, "currency": CURRENCY, "flags": ACCOUNT_FLAGS,
                             "user_data": USER_DATA}}
ACCOUNT = {"type": "object",
           "required": ["id", "currency", "debits_pending", "debits_posted", "credits_pending",
                        "credits_posted", "balance", "available", "flags", "timestamp"],
           "properties": {"id": STR, "currency": STR, "debits_pending": INT,
                          "debits_posted": INT, "credits_pending": INT, "credits_posted": INT,
                          "balance": STR, "available": STR, "flags": FLAGS,
                          "user_data": NULL_STR, "timestamp": INT,
                          "duplicate": {"type": "boolean"}}}
TRANSFER = {"type": "object",
            "required": ["id", "debit_account_id", "credit_account_id", "amount",
                         "amount_decimal", "currency", "flags", "timestamp"],
            "properties": {"id": STR, "debit_account_id": STR, "credit_account_id": STR,
                           "amount": INT, "amount_decimal": STR, "currency": STR,
                           "reference": NULL_STR, "user_data": NULL_STR, "flags": FLAGS,
                           "pending_id": NULL_STR, "timeout": INT, "timestamp": INT,
                           "state": STR, "duplicate": {"type": "boolean"}}}
TRANSFER_IN = {"type": "object", "additionalProperties": False,
               "description": "debit_account_id, credit_account_id, currency and an amount are "
                              "required unless the flags post or void a pending transfer",
               "properties": {"id": ID, "debit_account_id": ID, "credit_account_id": ID,
                              "amount": AMOUNT, "amount_minor": AMOUNT_MINOR,
                              "currency": CURRENCY, "reference": REFERENCE,
                              "user_data": USER_DATA, "flags": TRANSFER_FLAGS,
                              "pending_id": ID,
                              "timeout": {"type": "integer", "minimum": 1,
                                          "maximum": acid.MAX_TIMEOUT}}}
SEED_IN = {"type": "object", "required": ["from_account", "to_account", "currency"],
           "additionalProperties": False,
           "description": "amount (major units) or amount_minor, one of them",
           "properties": {"from_account": ID, "to_account": ID, "amount": AMOUNT,
                          "amount_minor": AMOUNT_MINOR,
                          "currency": CURRENCY, "reference": REFERENCE, "id": ID,
                          "user_data": USER_DATA}}
POST_IN = {"type": "object", "additionalProperties": False,
           "properties": {"amount": AMOUNT, "amount_minor": AMOUNT_MINOR, "currency": CURRENCY,
                          "id": ID, "reference": REFERENCE, "user_data": USER_DATA}}
VOID_IN = {"type": "object", "additionalProperties": False,
           "properties": {"id": ID, "reference": REFERENCE, "user_data": USER_DATA}}
RESULTS = {"type": "object", "required": ["results", "committed", "failed"],
           "properties": {"results": {"type": "array", "items": {
               "type": "object", "required": ["index", "id", "code"],
               "properties": {"index": INT, "id": STR, "code": STR, "field": STR,
                              "case_id": STR}}},
               "committed": INT, "exists": INT, "failed": INT, "held": INT}}
SEED_OUT = {"type": "object", "required": ["id", "status", "transfer", "balances"],
            "properties": {"id": STR, "status": STR, "transfer": TRANSFER,
                           "balances": {"type": "object", "properties": {"from": ACCOUNT,
                                                                          "to": ACCOUNT}},
                           "duplicate": {"type": "boolean"},
                           "case_id": {"type": "string", "description": "held: the "
                                       "compliance case that decides it"}}}


def account_json(a):
    """An engine account dict for the API: flag names, balances as decimal text too."""
    cur = a["currency"]
    balance = a["credits_posted"] - a["debits_posted"]
    out = dict(a)
    out["flags"] = acid.flag_names(a["flags"], "account")
    out["balance"] = format_amount(balance, cur)
    out["available"] = format_amount(balance - a["debits_pending"], cur)
    return out


def transfer_json(t):
    out = dict(t)
    out["flags"] = acid.flag_names(t["flags"], "transfer")
    out["amount_decimal"] = format_amount(t["amount"], t["currency"])
    return out


def _error(status, code, message, field=None):
    return response.error_response(status, code, message, field)


class LedgerApi:
    def __init__(self, service, now_us):
        self.svc = service
        self.now_us = now_us           # the HTTP server's clock (req.deadline_us is on it)

    # ---- plumbing -------------------------------------------------------------------------

    def _body(self, req):
        return requests.parse_json(req.body)

    def _timeout_ms(self, req):
        left = (req.deadline_us - self.now_us()) // 1000
        return left if left > 0 else 0

    async def _submit(self, req, op, events):
        """The engine's results, or an HttpError for the service's failures."""
        try:
            return await self.svc.submit(op, events, self._timeout_ms(req))
        except _ledger.Unavailable as e:
            raise HttpError(503, "ledger_unavailable", str(e), None, [("Retry-After", 5)])
        except _ledger.Timeout as e:
            raise HttpError(504, "timeout", str(e))
        except _ledger.AtCapacity as e:
            raise HttpError(507, "ledger_full", "%s; nothing of the request was written" % e)
        except _ledger.Full as e:
            raise HttpError(507, "disk_full", "the ledger's log is full; nothing of the request "
                            "was written (%s)" % e)
        except _ledger.TooLarge as e:
            raise HttpError(413, "payload_too_large", "the request does not fit one log record "
                            "(%s); send smaller batches" % e, "body")

    def _ledger(self):
        try:
            self.svc.check_up()
        except _ledger.Unavailable as e:
            raise HttpError(503, "ledger_unavailable", str(e), None, [("Retry-After", 5)])
        return self.svc.ledger

    def _account(self, aid):
        found = self.svc.ledger.lookup_accounts([aid])
        return account_json(found[0]) if found else None

    # ---- accounts -------------------------------------------------------------------------

    async def create_accounts(self, req):
        try:
            events, single = requests.account_items(self._body(req))
        except requests.RequestError as e:
            return _error(400, e.code, e.message, e.field)
        self._ledger()
        results = await self._submit(req, requests.CREATE_ACCOUNTS, events)
        if not single:
            return self._results(events, results)
        _, code, field = results[0]
        if code == acid.OK or code == acid.EXISTS:
            out = self._account(events[0]["id"])
            if code == acid.EXISTS:
                out["duplicate"] = True
            return response.json_response(out, 201 if code == acid.OK else 200)
        return _error(STATUS.get(code, 422), code, MESSAGES.get(code, code.replace("_", " ")),
                      field)

    def get_account(self, req):
        led = self._ledger()
        found = led.lookup_accounts([req.params["id"]])
        if not found:
            return _error(404, "account_not_found", "no account %s" % req.params["id"][:64],
                          "id")
        return response.json_response(account_json(found[0]))

    def get_account_transfers(self, req):
        led = self._ledger()
        q = req.query
        limit = _int_query(q, "limit", 100, 1, MAX_PAGE)
        before = _int_query(q, "before", None, 0, engine.MAX_TIMESTAMP)
        after = _int_query(q, "after", None, 0, engine.MAX_TIMESTAMP)
        order = q.get("order", "desc")
        if order not in ("asc", "desc"):
            raise HttpError(400, "invalid_field", "order is asc or desc", "order")
        got = led.get_account_transfers(req.params["id"], limit, before, after, order == "desc")
        if got is None:
            return _error(404, "account_not_found", "no account %s" % req.params["id"][:64],
                          "id")
        transfers, cursor = got
        return response.json_response({"account": req.params["id"],
                                       "transfers": [transfer_json(t) for t in transfers],
                                       "next": cursor})

    # ---- transfers ------------------------------------------------------------------------

    async def create_transaction(self, req):
        """The seed's single transfer."""
        try:
            ev = requests.seed_transfer(self._body(req))
        except requests.RequestError as e:
            return _error(400, e.code, e.message, e.field)
        self._ledger()
        return await self._one(req, ev, True)

    async def _one(self, req, ev, seed):
        """Admit, submit and answer one transfer (seed form, or a post/void)."""
        verdicts = await self._admit(req, [ev])
        v = verdicts[0] if verdicts else None
        if v is not None and "refuse" in v:
            status, code, message, field = v["refuse"]
            return _error(status, code, message, SEED_FIELDS.get(field, field) if seed
                          else field)
        results = await self._submit(req, requests.CREATE_TRANSFERS, [ev])
        if self.svc.admission is not None:
            await self.svc.admission.committed([ev], results, verdicts or [None])
        return self._one_transfer(ev, results[0], seed, v)

    async def _admit(self, req, events):
        """Another package's verdicts on the transfers (LedgerService.set_admission), or
        None. Its errors are the request's (an HttpError is answered as it is)."""
        adm = self.svc.admission
        if adm is None:
            return None
        return await adm.admit(events, req)

    def _one_transfer(self, ev, result, seed, verdict=None):
        _, code, field = result
        led = self.svc.ledger
        if code == acid.OK or code == acid.EXISTS:
            t = None
            found = led.lookup_transfers([ev["id"]])
            if found:
                t = found[0]
            if code == acid.EXISTS and "reference" in ev:
                by_ref = led.lookup_reference(ev["reference"])
                if by_ref is not None and (t is None or t["reference"] == ev["reference"]):
                    t = by_ref
            tj = transfer_json(t)
            held = verdict is not None and "hold" in verdict
            if seed:
                out = {"id": t["id"], "status": "held" if held else "committed",
                       "transfer": tj,
                       "balances": {"from": self._account(t["debit_account_id"]),
                                    "to": self._account(t["credit_account_id"])}}
            else:
                out = tj
            if held:
                # Durable as a pending transfer; a compliance officer posts or voids it.
                out["case_id"] = verdict["hold"]
                if seed:
                    out["status"] = "held"
                if code == acid.OK:
                    return response.json_response(out, 202)
            if code == acid.EXISTS:
                out["duplicate"] = True
            return response.json_response(out, 201 if code == acid.OK else 200)
        msg = MESSAGES.get(code, code.replace("_", " "))
        name = SEED_FIELDS.get(field, field) if seed else field    # the request's own names
        if code == acid.ACCOUNT_NOT_FOUND and field is not None:
            msg = "no account %s (%s)" % (ev.get(field, "?"), name)
        return _error(STATUS.get(code, 422), code, msg, name)

    async def create_transactions(self, req):
        """A batch of up to 8190 transfers: a result per item. The time of each step of the
        last batch is kept (`ledger` on the console shows it)."""
        t0 = self.now_us()
        try:
            body = self._body(req)
            t1 = self.now_us()
            events = requests.transfer_items(body)
        except requests.RequestError as e:
            return _error(400, e.code, e.message, e.field)
        body = None
        t2 = self.now_us()
        self._ledger()
        verdicts = await self._admit(req, events)
        if verdicts:
            results = await self._submit_admitted(req, events, verdicts)
        else:
            results = await self._submit(req, requests.CREATE_TRANSFERS, events)
            if self.svc.admission is not None:
                await self.svc.admission.committed(events, results, [None] * len(events))
        t3 = self.now_us()
        out = self._results(events, results, verdicts)
        t4 = self.now_us()
        start = getattr(req, "start_us", None)
        self.svc.last_batch = {"items": len(events), "bytes": len(req.body),
                               "receive_ms": (t0 - start) // 1000 if start else -1,
                               "parse_ms": (t1 - t0) // 1000, "validate_ms": (t2 - t1) // 1000,
                               "commit_ms": (t3 - t2) // 1000, "answer_ms": (t4 - t3) // 1000}
        return out

    async def _submit_admitted(self, req, events, verdicts):
        """A batch some of whose items the admission refused: those are not submitted, nor
        is the rest of a linked chain one of them is in (linked_event_failed); the results
        in the batch's order."""
        n = len(events)
        refused = [None] * n
        start = 0
        for i in range(n):
            v = verdicts[i]
            if v is not None and "refuse" in v:
                refused[i] = (i, v["refuse"][1], v["refuse"][3])
            if not events[i].get("flags", 0) & acid.LINKED or i == n - 1:
                if any(refused[j] is not None for j in range(start, i + 1)):
                    for j in range(start, i + 1):
                        if refused[j] is None:
                            refused[j] = (j, acid.LINKED_EVENT_FAILED, None)
                start = i + 1
        go = [i for i in range(n) if refused[i] is None]
        sub = [events[i] for i in go]
        got = await self._submit(req, requests.CREATE_TRANSFERS, sub) if sub else []
        if sub:
            await self.svc.admission.committed(sub, got, [verdicts[i] for i in go])
        results = refused
        for k in range(len(go)):
            results[go[k]] = (go[k], got[k][1], got[k][2])
        return results

    def _results(self, events, results, verdicts=None):
        """{"results": [...], "committed", "exists", "failed", "held"} built as text: one
        small str per item (the json module would build a dict per item first). A transfer
        the admission held is committed as pending with code "held" and its case_id."""
        parts = []
        ok = exists = held = 0
        n = len(events)
        for i in range(n):
            _, code, field = results[i]
            if code == acid.OK:
                ok += 1
                v = verdicts[i] if verdicts else None
                if v is not None and "hold" in v:
                    held += 1
                    parts.append('{"index":%d,"id":"%s","code":"held","case_id":"%s"}'
                                 % (i, events[i]["id"], v["hold"]))
                    continue
            elif code == acid.EXISTS:
                exists += 1
            if field is None:
                parts.append('{"index":%d,"id":"%s","code":"%s"}' % (i, events[i]["id"], code))
            else:
                parts.append('{"index":%d,"id":"%s","code":"%s","field":"%s"}'
                             % (i, events[i]["id"], code, field))
        body = '{"results":[%s],"committed":%d,"exists":%d,"failed":%d,"held":%d}' % (
            ",".join(parts), ok, exists, n - ok - exists, held)
        return response.Response(200, body.encode(), response.JSON_TYPE)

    def get_transaction(self, req):
        led = self._ledger()
        found = led.lookup_transfers([req.params["id"]])
        if not found:
            return _error(404, "transfer_not_found", "no transfer %s" % req.params["id"][:64],
                          "id")
        return response.json_response(transfer_json(found[0]))

    async def _resolve(self, req, post):
        try:
            obj = self._body(req) if req.body else None
            ev = requests.resolve_item(req.params["id"], obj, post)
        except requests.RequestError as e:
            return _error(400, e.code, e.message, e.field)
        self._ledger()
        return await self._one(req, ev, False)

    async def post_pending(self, req):
        return await self._resolve(req, True)

    async def void_pending(self, req):
        return await self._resolve(req, False)

    # ---- routes ---------------------------------------------------------------------------

    def install(self, router):
        tags = ["ledger"]
        err = [404, 409, 422, 503, 504, 507]
        router.add("POST", "/api/v1/accounts", self.create_accounts, name="createAccounts",
                   tags=tags, summary="Create an account, or a batch ({\"accounts\": [...]}, "
                   "at most 8190)", request_schema={"oneOf": [ACCOUNT_IN, {
                       "type": "object", "required": ["accounts"],
                       "additionalProperties": False, "properties": {
                           "accounts": {"type": "array", "items": ACCOUNT_IN, "minItems": 1,
                                        "maxItems": acid.MAX_BATCH}}}]},
                   responses={201: ("Created", ACCOUNT), 200: ("Exists with the same fields, or "
                                                               "the batch's results",
                                                               {"oneOf": [ACCOUNT, RESULTS]})},
                   errors=err, max_body=MAX_BATCH_BODY)
        router.add("GET", "/api/v1/accounts/{id}", self.get_account, name="getAccount",
                   tags=tags, summary="An account and its balances",
                   responses={200: ("The account", ACCOUNT)}, errors=[503])
        router.add("GET", "/api/v1/accounts/{id}/transfers", self.get_account_transfers,
                   name="getAccountTransfers", tags=tags,
                   summary="An account's transfers, newest first, paginated",
                   query=[("limit", "transfers per page (1..8190, default 100)",
                           {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, False),
                          ("before", "only transfers with a timestamp below this (ns); the "
                           "previous page's next", TIMESTAMP, False),
                          ("after", "only transfers with a timestamp above this (ns)",
                           TIMESTAMP, False),
                          ("order", "desc (newest first, default) or asc",
                           {"type": "string", "enum": ["desc", "asc"]}, False)],
                   responses={200: ("A page of transfers", {
                       "type": "object", "required": ["transfers", "next"],
                       "properties": {"account": STR, "transfers": {"type": "array",
                                                                    "items": TRANSFER},
                                      "next": {"type": "integer", "nullable": True}}})},
                   errors=[503])
        router.add("POST", "/api/v1/transaction", self.create_transaction,
                   name="createTransaction", tags=tags,
                   summary="One transfer: from_account, to_account, amount, currency, reference",
                   request_schema=SEED_IN,
                   responses={201: ("Committed (durable)", SEED_OUT),
                              202: ("Held for compliance review: durable as a pending "
                                    "transfer; an officer posts or voids it", SEED_OUT),
                              200: ("The same reference or id with the same body: the original "
                                    "transfer", SEED_OUT)}, errors=err)
        router.add("POST", "/api/v1/transactions", self.create_transactions,
                   name="createTransactions", tags=tags,
                   summary="A batch of up to 8190 transfers (linked chains, pending, post, void)",
                   request_schema={"type": "object", "required": ["transfers"],
                                   "additionalProperties": False, "properties": {
                                       "transfers": {"type": "array", "items": TRANSFER_IN,
                                                     "minItems": 1,
                                                     "maxItems": acid.MAX_BATCH}}},
                   responses={200: ("A result per transfer", RESULTS)}, errors=err,
                   max_body=MAX_BATCH_BODY)
        router.add("GET", "/api/v1/transactions/{id}", self.get_transaction,
                   name="getTransaction", tags=tags, summary="A transfer",
                   responses={200: ("The transfer", TRANSFER)}, errors=[503])
        router.add("POST", "/api/v1/transactions/{id}/post", self.post_pending,
                   name="postPendingTransfer", tags=tags,
                   summary="Post a pending transfer, all or part of it", request_schema=POST_IN,
                   responses={201: ("The posting transfer", TRANSFER),
                              200: ("Exists (retry)", TRANSFER)}, errors=err)
        router.add("POST", "/api/v1/transactions/{id}/void", self.void_pending,
                   name="voidPendingTransfer", tags=tags, summary="Void a pending transfer",
                   request_schema=VOID_IN,
                   responses={201: ("The voiding transfer", TRANSFER),
                              200: ("Exists (retry)", TRANSFER)}, errors=err)


def _int_query(q, name, default, lo, hi):
    v = q.get(name)
    if v is None:
        return default
    if not v or len(v) > 20 or v.strip("0123456789"):
        raise HttpError(400, "invalid_field", "%s must be an integer" % name, name)
    n = int(v)
    if not lo <= n <= hi:
        raise HttpError(400, "invalid_field", "%s must be %d..%d" % (name, lo, hi), name)
    return n
