"""API request bodies to ledger events, and the write-ahead-log record of one request.

    events = transfer_items(parse_json(body))        # RequestError (HTTP 400) if malformed
    record = encode(CREATE_TRANSFERS, ts, events)     # bytes for the WAL
    op, ts, events = decode(record)                   # the same events back (replay)

Validation here is structural (types, charsets, lengths, exact amounts, known currencies and
flag names): what fails it never reaches the log. The rules that depend on the ledger's state
(accounts exist, limits, idempotency) are the engine's result codes.

Record format (version 1, UTF-8 text): `QXR1 <op> <timestamp>` then for each event a 0x1E and
its fields joined by 0x1F in the order of TRANSFER_KEYS / ACCOUNT_KEYS; an empty field is an
absent member. Ids, currencies and numbers cannot hold control characters, and references
and user data are refused when they do (printable text only), so the separators are
unambiguous. Portable: CPython on the host, MicroPython in the kernel.
"""
from transaction import acid
from transaction.currency import CURRENCIES, MAX_AMOUNT, AmountError, parse_amount

try:
    from kernel.lib import json as _json
except ImportError:  # in the kernel, kernel/lib/json.py is the top-level json
    import json as _json

CREATE_ACCOUNTS = "create_accounts"
CREATE_TRANSFERS = "create_transfers"
PULSE = "pulse"
_OP_CODE = {CREATE_ACCOUNTS: "A", CREATE_TRANSFERS: "T", PULSE: "P"}
_CODE_OP = {"A": CREATE_ACCOUNTS, "T": CREATE_TRANSFERS, "P": PULSE}

MAGIC = "QXR1"
EV = "\x1e"
FS = "\x1f"
MAX_ITEMS = acid.MAX_BATCH
MAX_BODY_DEPTH = 8

TRANSFER_KEYS = ("id", "debit_account_id", "credit_account_id", "amount", "currency",
                 "reference", "user_data", "flags", "pending_id", "timeout")
_TRANSFER_INTS = (False, False, False, True, False, False, False, True, False, True)
ACCOUNT_KEYS = ("id", "currency", "flags", "user_data")
_ACCOUNT_INTS = (False, False, True, False)

# The seed's POST /api/v1/transaction body: its names -> the engine's.
SEED_NAMES = (("from_account", "debit_account_id"), ("to_account", "credit_account_id"),
              ("amount", "amount"), ("amount_minor", "amount"), ("currency", "currency"),
              ("reference", "reference"), ("id", "id"), ("user_data", "user_data"))


class RequestError(ValueError):
    """A malformed request (HTTP 400): `code`, `field` (the member, e.g. transfers[3].amount)."""

    def __init__(self, code, message, field=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class RecordError(ValueError):
    """Bytes that are not a request record of this version (a damaged or foreign log)."""


def parse_json(body):
    """The JSON value of a request body (bytes), numbers with a fraction as exact Decimals."""
    if not body:
        raise RequestError("invalid_json", "the request needs a JSON body", "body")
    try:
        return _json.loads_exact(body, max_depth=MAX_BODY_DEPTH)
    except Exception as e:
        raise RequestError("invalid_json", "body is not valid JSON: %s" % e, "body")


# ---- members --------------------------------------------------------------------------------

def _name(where, key):
    """The field name of an error: key, or where.key; where is "" or (array name, index)
    (built only when there is an error: string building costs ~10 us a piece in the kernel)."""
    if not where:
        return key
    if type(where) is tuple:
        where = "%s[%d]" % where
    return where + "." + key if key else where


def _id(v, where, key):
    if not acid.valid_id(v):
        field = _name(where, key)
        raise RequestError("invalid_field", "expected an id of 1 to %d characters from A-Z a-z "
                           "0-9 _ - ., got %s" % (acid.ID_MAX, _show(v)), field)
    return v


def _text(v, where, key, most):
    if type(v) is not str:
        field = _name(where, key)
        raise RequestError("invalid_field", "expected a string, got %s" % _show(v), field)
    if not 0 < len(v) <= most:
        field = _name(where, key)
        raise RequestError("invalid_field", "expected 1 to %d characters, got %d"
                           % (most, len(v)), field)
    b = v.encode()
    if min(b) < 32 or b"\x7f" in b:
        raise RequestError("invalid_field", "control characters are not allowed",
                           _name(where, key))
    return v


def _currency(v, where, key):
    if type(v) is not str or v not in CURRENCIES:
        raise RequestError("invalid_field", "expected an ISO 4217 currency code like \"USD\", "
                           "got %s" % _show(v), _name(where, key))
    return v


def _amount(obj, where, cur, required, amount_key="amount"):
    """`amount` (decimal text or number in major units) or `amount_minor` (an int of minor
    units), exactly one; None if neither and not required."""
    has_major = amount_key in obj
    has_minor = "amount_minor" in obj
    if has_major and has_minor:
        raise RequestError("invalid_field", "give amount or amount_minor, not both",
                           _name(where, "amount_minor"))
    if has_minor:
        v = obj["amount_minor"]
        if type(v) is not int or v <= 0 or v > MAX_AMOUNT:
            field = _name(where, "amount_minor")
        if type(v) is not int:
            raise RequestError("invalid_field", "expected an integer of minor units, got %s"
                               % _show(v), field)
        if v <= 0:
            raise RequestError("invalid_field", "the amount must be positive, got %d" % v, field)
        if v > MAX_AMOUNT:
            raise RequestError("invalid_field", "the amount is too large (at most %d minor "
                               "units)" % MAX_AMOUNT, field)
        return v
    if not has_major:
        if required:
            raise RequestError("invalid_field", "the amount is missing", _name(where, amount_key))
        return None
    v = obj[amount_key]
    if cur is None:
        raise RequestError("invalid_field", "an amount in major units needs the currency "
                           "(or give amount_minor)", _name(where, "currency"))
    if type(v) is bool or type(v) is float:
        raise RequestError("invalid_field", "expected an exact amount like \"1000.00\", got %s"
                           % _show(v), _name(where, amount_key))
    try:
        return parse_amount(v, cur, strict=True)
    except AmountError as e:
        raise RequestError("invalid_field", str(e), _name(where, amount_key))


def _flags(v, where, key, kind):
    field = _name(where, key)
    table = acid.TRANSFER_FLAG_NAMES if kind == "transfer" else acid.ACCOUNT_FLAG_NAMES
    if type(v) is not list or len(v) > len(table):
        raise RequestError("invalid_field", "expected a list of at most %d flag names, got %s"
                           % (len(table), _show(v)), field)
    for i in range(len(v)):
        n = v[i]
        if type(n) is not str:
            raise RequestError("invalid_field", "expected flag names, got %s" % _show(n), field)
        if n in v[:i]:
            raise RequestError("invalid_field", "flag %s given twice" % _show(n), field)
    try:
        return acid.flags_from_names(v, kind)
    except ValueError as e:
        raise RequestError("invalid_field", str(e), field)


def _timeout(v, where, key):
    if type(v) is not int or type(v) is bool or not 0 < v <= acid.MAX_TIMEOUT:
        raise RequestError("invalid_field", "expected a timeout in seconds, 1 to %d, got %s"
                           % (acid.MAX_TIMEOUT, _show(v)), _name(where, key))
    return v


def _object(obj, where, known):
    if type(obj) is not dict:
        raise RequestError("invalid_field", "expected a JSON object, got %s" % _show(obj),
                           _name(where, "") if where else "body")
    for k in obj:
        if k not in known:
            raise RequestError("invalid_field", "unknown member %s" % _show(k), _name(where, k))


def _show(v):
    if v is None:
        return "null"
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is str:
        return repr(v if len(v) <= 40 else v[:40] + "...")
    if type(v) in (list, dict):
        return "a JSON " + ("array" if type(v) is list else "object")
    return str(v)[:40]


# ---- transfers -------------------------------------------------------------------------------

_ITEM_KEYS = ("id", "debit_account_id", "credit_account_id", "amount", "amount_minor",
              "currency", "reference", "user_data", "flags", "pending_id", "timeout")


def transfer_item(obj, where=""):
    """One transfer of a batch (the engine's member names) as an event dict."""
    _object(obj, where, _ITEM_KEYS)
    ev = {}
    if "id" in obj:
        ev["id"] = _id(obj["id"], where, "id")
    flags = _flags(obj["flags"], where, "flags", "transfer") if "flags" in obj else 0
    resolving = flags & (acid.POST_PENDING_TRANSFER | acid.VOID_PENDING_TRANSFER)
    for key in ("debit_account_id", "credit_account_id"):
        if key in obj:
            ev[key] = _id(obj[key], where, key)
        elif not resolving:
            raise RequestError("invalid_field", "%s is missing" % key, _name(where, key))
    cur = None
    if "currency" in obj:
        cur = ev["currency"] = _currency(obj["currency"], where, "currency")
    elif not resolving:
        raise RequestError("invalid_field", "currency is missing", _name(where, "currency"))
    amount = _amount(obj, where, cur, not resolving)
    if amount is not None:
        ev["amount"] = amount
    if "reference" in obj:
        ev["reference"] = _text(obj["reference"], where, "reference", acid.REFERENCE_MAX)
    if "user_data" in obj:
        ev["user_data"] = _text(obj["user_data"], where, "user_data", acid.USER_DATA_MAX)
    if flags:
        ev["flags"] = flags
    if "pending_id" in obj:
        ev["pending_id"] = _id(obj["pending_id"], where, "pending_id")
    if "timeout" in obj:
        ev["timeout"] = _timeout(obj["timeout"], where, "timeout")
    return ev


def transfer_items(body):
    """`{"transfers": [...]}` -> a list of event dicts (1..8190)."""
    return _each(_items(body, "transfers"), "transfers", transfer_item)


def seed_transfer(obj):
    """The seed's single transfer: from_account, to_account, amount (or amount_minor),
    currency, reference?, id?, user_data? -> an event dict. Errors name the seed's members."""
    _object(obj, "", [k for k, _ in SEED_NAMES])
    ev = {}
    if "id" in obj:
        ev["id"] = _id(obj["id"], "", "id")
    for key, eng in (("from_account", "debit_account_id"), ("to_account", "credit_account_id")):
        if key not in obj:
            raise RequestError("invalid_field", "%s is missing" % key, key)
        ev[eng] = _id(obj[key], "", key)
    if "currency" not in obj:
        raise RequestError("invalid_field", "currency is missing", "currency")
    cur = ev["currency"] = _currency(obj["currency"], "", "currency")
    ev["amount"] = _amount(obj, "", cur, True)
    if "reference" in obj:
        ev["reference"] = _text(obj["reference"], "", "reference", acid.REFERENCE_MAX)
    if "user_data" in obj:
        ev["user_data"] = _text(obj["user_data"], "", "user_data", acid.USER_DATA_MAX)
    return ev


def resolve_item(pending_id, obj, post):
    """The post (post=True) or void of pending transfer `pending_id`: body `{}` or
    `{"amount": partial (post only), "id", "reference", "user_data"}`."""
    _id(pending_id, "", "id")
    if obj is None:
        obj = {}
    keys = ("amount", "amount_minor", "currency", "id", "reference", "user_data") if post \
        else ("id", "reference", "user_data")
    _object(obj, "", keys)
    ev = {"pending_id": pending_id,
          "flags": acid.POST_PENDING_TRANSFER if post else acid.VOID_PENDING_TRANSFER}
    if "id" in obj:
        ev["id"] = _id(obj["id"], "", "id")
    cur = _currency(obj["currency"], "", "currency") if "currency" in obj else None
    if post:
        amount = _amount(obj, "", cur, False)
        if amount is not None:
            ev["amount"] = amount
        if cur is not None:
            ev["currency"] = cur
    if "reference" in obj:
        ev["reference"] = _text(obj["reference"], "", "reference", acid.REFERENCE_MAX)
    if "user_data" in obj:
        ev["user_data"] = _text(obj["user_data"], "", "user_data", acid.USER_DATA_MAX)
    return ev


# ---- accounts --------------------------------------------------------------------------------

def account_item(obj, where=""):
    _object(obj, where, ACCOUNT_KEYS)
    if "id" not in obj:
        raise RequestError("invalid_field", "id is missing", _name(where, "id"))
    if "currency" not in obj:
        raise RequestError("invalid_field", "currency is missing", _name(where, "currency"))
    ev = {"id": _id(obj["id"], where, "id"),
          "currency": _currency(obj["currency"], where, "currency")}
    if "flags" in obj:
        f = _flags(obj["flags"], where, "flags", "account")
        if f:
            ev["flags"] = f
    if "user_data" in obj:
        ev["user_data"] = _text(obj["user_data"], where, "user_data", acid.USER_DATA_MAX)
    return ev


def account_items(body):
    """One account object -> ([event], True); `{"accounts": [...]}` -> (events, False)."""
    if type(body) is dict and "accounts" not in body:
        return [account_item(body)], True
    return _each(_items(body, "accounts"), "accounts", account_item), False


def _each(items, name, item):
    """item(obj, (name, index)) for each member of the array: the events, in order."""
    out = []
    i = 0
    for obj in items:
        out.append(item(obj, (name, i)))
        i += 1
    return out


def _items(body, name):
    if type(body) is not dict:
        raise RequestError("invalid_field", "expected {\"%s\": [...]}" % name, "body")
    if len(body) != 1 or name not in body:
        for k in body:
            if k != name:
                raise RequestError("invalid_field", "unknown member %s" % _show(k), k)
        raise RequestError("invalid_field", "%s is missing" % name, name)
    body = body[name]
    if type(body) is not list:
        raise RequestError("invalid_field", "expected an array of %s" % name, name)
    if not body:
        raise RequestError("invalid_field", "the batch is empty", name)
    if len(body) > MAX_ITEMS:
        raise RequestError("too_many_items", "%d %s in one batch; at most %d"
                           % (len(body), name, MAX_ITEMS), name)
    return body


# ---- ids -------------------------------------------------------------------------------------

def assign_ids(events, timestamp):
    """Give every event without an id one made from the request's timestamp (unique: the
    service never reuses a timestamp): tx<hex>-<index>."""
    prefix = None
    i = 0
    for ev in events:
        if "id" not in ev:
            if prefix is None:
                prefix = "tx%x-" % timestamp
            ev["id"] = prefix + str(i)
        i += 1


# ---- the log record --------------------------------------------------------------------------

def encode(op, timestamp, events):
    """The WAL record of one request (bytes)."""
    code = _OP_CODE[op]
    keys = TRANSFER_KEYS if op == CREATE_TRANSFERS else ACCOUNT_KEYS
    parts = ["%s %s %d" % (MAGIC, code, timestamp)]
    for ev in events:
        fields = []
        for k in keys:
            v = ev.get(k)
            fields.append("" if v is None else (v if type(v) is str else str(v)))
        parts.append(FS.join(fields))
    return EV.join(parts).encode()


def decode(record):
    """(op, timestamp, events) of a record made by encode(); RecordError if it is not one."""
    try:
        text = bytes(record).decode()
    except UnicodeError:
        raise RecordError("a request record is not UTF-8")
    parts = text.split(EV)
    head = parts[0].split(" ")
    if len(head) != 3 or head[0] != MAGIC or head[1] not in _CODE_OP:
        raise RecordError("not a request record of version 1: %r" % parts[0][:40])
    op = _CODE_OP[head[1]]
    try:
        ts = int(head[2])
    except ValueError:
        raise RecordError("bad timestamp in a request record")
    if op == PULSE:
        if len(parts) != 1:
            raise RecordError("a pulse record has events")
        return op, ts, []
    keys, ints = (TRANSFER_KEYS, _TRANSFER_INTS) if op == CREATE_TRANSFERS else \
        (ACCOUNT_KEYS, _ACCOUNT_INTS)
    nk = len(keys)
    events = []
    for i in range(1, len(parts)):
        fields = parts[i].split(FS)
        if len(fields) != nk:
            raise RecordError("event %d of a request record has %d fields, not %d"
                              % (i - 1, len(fields), nk))
        ev = {}
        for j in range(nk):
            v = fields[j]
            if v:
                if ints[j]:
                    try:
                        v = int(v)
                    except ValueError:
                        raise RecordError("event %d: %s is not a number" % (i - 1, keys[j]))
                ev[keys[j]] = v
        events.append(ev)
    return op, ts, events
