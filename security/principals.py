"""Principals and their credentials: the durable state of authentication (security/AUTH.md).

A journal of the ledger's log (transaction/journals.py, tag ``QXS1``): every change is one
record, ``QXS1`` + canonical JSON, applied here when it is durable and again at replay, and
the whole state is a section of every checkpoint. Secrets never reach the disk: an API key is
stored as its PBKDF2-HMAC-SHA256 hash with a random salt; TOTP/HOTP seeds and WebAuthn public
keys are stored as they are (the seeds are secrets the server must keep: sealing them under a
master key comes with the at-rest encryption of the crypto issue). Portable.
"""
import json

from security import canon

TAG = b"QXS1"
MAX_PRINCIPALS = 4096
MAX_KEYS = 16                # API keys of one principal (old ones are revoked to rotate)
MAX_WEBAUTHN = 8             # authenticators of one principal
MAX_RECORD = 4096
ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_.-"
MAX_ID = 64


class StateError(Exception):
    """A record that does not fit the state (a bug or a damaged log: the ledger goes down)."""


def valid_id(s):
    if type(s) is not str or not 0 < len(s) <= MAX_ID:
        return False
    for c in s:
        if c not in ID_CHARS:
            return False
    return True


class Principal:
    __slots__ = ("id", "name", "role", "disabled", "created", "keys", "totp", "hotp",
                 "webauthn", "failures", "locked_until", "last_otp")

    def __init__(self, pid, name, role, created):
        self.id = pid
        self.name = name
        self.role = role
        self.disabled = False
        self.created = created
        self.keys = []           # key ids
        self.totp = None         # {"secret", "algorithm", "digits", "period", "confirmed"}
        self.hotp = None         # {"secret", "algorithm", "digits", "counter"}
        self.webauthn = []       # credential dicts
        # Not durable (a reboot forgets them): failures in a row, the lock, the last OTP step.
        self.failures = 0
        self.locked_until = 0
        self.last_otp = -1

    def public(self):
        """The principal as the API shows it (no secrets)."""
        return {"id": self.id, "name": self.name, "role": self.role, "disabled": self.disabled,
                "created": self.created, "keys": list(self.keys),
                "totp": self.totp is not None and self.totp["confirmed"],
                "hotp": self.hotp is not None,
                "webauthn": [c["credential_id"] for c in self.webauthn]}


class Key:
    __slots__ = ("id", "principal", "salt", "hash", "iterations", "created", "expires",
                 "scopes", "fast")

    def __init__(self, kid, principal, salt, hsh, iterations, created, expires, scopes):
        self.id = kid
        self.principal = principal
        self.salt = salt                 # hex
        self.hash = hsh                  # hex PBKDF2-HMAC-SHA256(secret, salt, iterations)
        self.iterations = iterations
        self.created = created
        self.expires = expires           # ns since 1970, 0: never
        self.scopes = scopes             # permissions the key is limited to, or None: role's
        self.fast = None                 # SHA-256 of the whole key once verified (memory only)

    def public(self):
        return {"id": self.id, "principal": self.principal, "created": self.created,
                "expires": self.expires or None, "scopes": self.scopes}


class Principals:
    """The state: principals by id, keys by id, the audit signing key. ``apply`` takes the
    journal's records; ``record(kind, fields)`` makes one (the caller logs it)."""
    tag = TAG

    def __init__(self):
        self.principals = {}
        self.keys = {}
        self.audit_private = None        # hex of the P-256 scalar of the audit trail's key
        self.records = 0

    # ---- records -------------------------------------------------------------------------

    @staticmethod
    def record(kind, fields):
        d = dict(fields)
        d["t"] = kind
        data = TAG + canon.dumps(d).encode()
        if len(data) > MAX_RECORD:
            raise ValueError("security record of %d bytes (at most %d)"
                             % (len(data), MAX_RECORD))
        return data

    def apply(self, seq, payload):
        d = json.loads(bytes(payload[4:]).decode())
        kind = d.get("t")
        fn = _APPLY.get(kind)
        if fn is None:
            raise StateError("unknown security record %r" % kind)
        fn(self, d)
        self.records += 1

    def check(self, kind, fields):
        """Raise StateError if the record would not apply (before it is logged)."""
        fn = _CHECK.get(kind)
        if fn is not None:
            fn(self, fields)

    # ---- checkpoints ---------------------------------------------------------------------

    def snapshot_pieces(self):
        out = []
        if self.audit_private is not None:
            out.append(self.record("audit_key", {"private": self.audit_private}))
        for p in self.principals.values():
            out.append(self.record("principal", {"id": p.id, "name": p.name, "role": p.role,
                                                 "ts": p.created}))
            if p.disabled:
                out.append(self.record("disable", {"id": p.id, "disabled": True}))
            if p.totp is not None:
                d = dict(p.totp)
                d["id"] = p.id
                out.append(self.record("totp", d))
            if p.hotp is not None:
                d = dict(p.hotp)
                d["id"] = p.id
                out.append(self.record("hotp", d))
            for c in p.webauthn:
                d = dict(c)
                d["id"] = p.id
                out.append(self.record("webauthn", d))
        for k in self.keys.values():
            out.append(self.record("key", {"id": k.id, "principal": k.principal,
                                           "salt": k.salt, "hash": k.hash,
                                           "iterations": k.iterations, "ts": k.created,
                                           "expires": k.expires, "scopes": k.scopes}))
        # One record per line: the pieces are the records, each with its length first.
        pieces = []
        for r in out:
            pieces.append(len(r).to_bytes(4, "little") + r)
        return pieces

    def restore(self, pieces):
        self.__init__()
        data = b"".join(pieces)
        i = 0
        while i < len(data):
            if i + 4 > len(data):
                raise StateError("security section truncated")
            n = int.from_bytes(data[i:i + 4], "little")
            if n > MAX_RECORD or i + 4 + n > len(data):
                raise StateError("security section: bad record length %d" % n)
            self.apply(0, data[i + 4:i + 4 + n])
            i += 4 + n
        self.records = 0


# ---- how each record changes the state ------------------------------------------------------

def _need(state, pid):
    p = state.principals.get(pid)
    if p is None:
        raise StateError("no principal %r" % pid)
    return p


def _check_principal(state, d):
    if not valid_id(d["id"]):
        raise StateError("bad principal id %r" % d["id"])
    if d["id"] in state.principals:
        raise StateError("principal %r exists" % d["id"])
    if len(state.principals) >= MAX_PRINCIPALS:
        raise StateError("at most %d principals" % MAX_PRINCIPALS)


def _principal(state, d):
    _check_principal(state, d)
    state.principals[d["id"]] = Principal(d["id"], d["name"], d["role"], d["ts"])


def _role(state, d):
    _need(state, d["id"]).role = d["role"]


def _disable(state, d):
    _need(state, d["id"]).disabled = bool(d["disabled"])


def _check_key(state, d):
    p = _need(state, d["principal"])
    if d["id"] in state.keys:
        raise StateError("key %r exists" % d["id"])
    if len(p.keys) >= MAX_KEYS:
        raise StateError("principal %r has %d keys, the most it may have; revoke one"
                         % (p.id, MAX_KEYS))


def _key(state, d):
    _check_key(state, d)
    k = Key(d["id"], d["principal"], d["salt"], d["hash"], d["iterations"], d["ts"],
            d.get("expires") or 0, d.get("scopes"))
    state.keys[k.id] = k
    state.principals[k.principal].keys.append(k.id)


def _revoke(state, d):
    k = state.keys.pop(d["key"], None)
    if k is None:
        raise StateError("no key %r" % d["key"])
    keys = state.principals[k.principal].keys
    if k.id in keys:
        keys.remove(k.id)


def _totp(state, d):
    p = _need(state, d["id"])
    p.totp = {"secret": d["secret"], "algorithm": d["algorithm"], "digits": d["digits"],
              "period": d["period"], "confirmed": bool(d.get("confirmed"))}


def _totp_ok(state, d):
    p = _need(state, d["id"])
    if p.totp is None:
        raise StateError("principal %r has no TOTP to confirm" % p.id)
    p.totp["confirmed"] = True


def _hotp(state, d):
    p = _need(state, d["id"])
    p.hotp = {"secret": d["secret"], "algorithm": d["algorithm"], "digits": d["digits"],
              "counter": d["counter"]}


def _check_webauthn(state, d):
    p = _need(state, d["id"])
    for c in p.webauthn:
        if c["credential_id"] == d["credential_id"]:
            raise StateError("credential %r registered already" % d["credential_id"])
    if len(p.webauthn) >= MAX_WEBAUTHN:
        raise StateError("principal %r has %d authenticators, the most it may have"
                         % (p.id, MAX_WEBAUTHN))


def _webauthn(state, d):
    _check_webauthn(state, d)
    _need(state, d["id"]).webauthn.append(
        {"credential_id": d["credential_id"], "public_key": d["public_key"], "alg": d["alg"],
         "sign_count": d["sign_count"]})


def _webauthn_count(state, d):
    for c in _need(state, d["id"]).webauthn:
        if c["credential_id"] == d["credential_id"]:
            c["sign_count"] = d["sign_count"]
            return
    raise StateError("no credential %r" % d["credential_id"])


def _audit_key(state, d):
    state.audit_private = d["private"]


_APPLY = {"principal": _principal, "role": _role, "disable": _disable, "key": _key,
          "revoke": _revoke, "totp": _totp, "totp_ok": _totp_ok, "hotp": _hotp,
          "webauthn": _webauthn, "webauthn_count": _webauthn_count, "audit_key": _audit_key}
_CHECK = {"principal": _check_principal, "key": _check_key, "webauthn": _check_webauthn}
