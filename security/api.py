"""The security package's HTTP side: the guard the server asks around every handler, and the
routes of /api/v1/auth (who am I, keys, second factors, principals) and /api/v1/audit (entries,
signed tree heads, proofs). Design notes: security/AUTH.md, ACCESS.md, AUDIT.md. Portable.
"""
import binascii
import json

from kernel.http import response
from kernel.http.request import HttpError
from security import access, audit, principals
from security.service import AuthError

STR = {"type": "string"}
INT = {"type": "integer"}
OBJ = {"type": "object"}
MAX_NAME = 128
WWW_AUTHENTICATE = 'Bearer realm="qenex"'


def http_error(e):
    """The HttpError of an AuthError: 401 with WWW-Authenticate (RFC 6750), 429 and 503 with
    Retry-After."""
    headers = []
    if e.status == 401:
        err = "invalid_request" if e.code == "unauthenticated" else "invalid_token"
        headers.append(("WWW-Authenticate", '%s, error="%s"' % (WWW_AUTHENTICATE, err)))
    if e.retry_after is not None:
        headers.append(("Retry-After", str(e.retry_after)))
    return HttpError(e.status, e.code, e.message, e.field, headers or None)


class Guard:
    """kernel/http/server.py's guard: SecurityService.before/after with HTTP errors."""

    def __init__(self, svc):
        self.svc = svc

    def permission(self, route):
        """The route's permission for the OpenAPI document (None: in no table: refused)."""
        p = access.route_permission(route.method, route.pattern, self.svc.public_monitoring)
        return p if p is not None else "refused"

    async def before(self, req):
        try:
            await self.svc.before(req)
        except AuthError as e:
            raise http_error(e)

    async def after(self, req, resp):
        code = None
        if resp.status >= 400 and resp.body and len(resp.body) <= 4096:
            try:
                code = json.loads(resp.body)["error"]["code"]
            except Exception:
                code = None
        try:
            await self.svc.after(req, resp.status, code)
        except Exception as e:
            if resp.status >= 400:
                # Refused: nothing changed, and the log has no room for its entry either
                # (a full log refuses both): the refusal stands, said on the console.
                self.svc.log("audit: entry of a refused %s %s not written: %s: %s" % (
                    req.method, req.route.pattern, type(e).__name__, e))
                return resp
            # The request ran; its entry is not durable: say so rather than answer success.
            return response.error_response(
                503, "audit_unavailable", "the request was processed (status %d) but its audit "
                "entry could not be written: %s: %s" % (resp.status, type(e).__name__, e))
        return resp


def _body(req):
    try:
        d = req.json()
    except HttpError:
        raise
    if d is None:
        return {}
    if type(d) is not dict:
        raise HttpError(400, "invalid_field", "the body must be a JSON object", "body")
    return d


def _str(d, name, required=True, most=MAX_NAME):
    v = d.get(name)
    if v is None:
        if required:
            raise HttpError(400, "invalid_field", "%s is required" % name, name)
        return None
    if type(v) is not str or not 0 < len(v) <= most:
        raise HttpError(400, "invalid_field", "%s must be a string of 1..%d characters"
                        % (name, most), name)
    return v


def _query_int(req, name, default, low, high):
    v = req.query.get(name)
    if v is None:
        if default is None:
            raise HttpError(400, "invalid_field", "query parameter %s is required" % name, name)
        return default
    if not v.isdigit() or len(v) > 12 or not low <= int(v) <= high:
        raise HttpError(400, "invalid_field", "%s must be an integer %d..%d" % (name, low, high),
                        name)
    return int(v)


def _b64(d, name):
    """A base64url (no padding) member of the body, decoded."""
    v = _str(d, name, most=24000)
    try:
        pad = "=" * (-len(v) % 4)
        return binascii.a2b_base64((v.replace("-", "+").replace("_", "/") + pad).encode())
    except Exception:
        raise HttpError(400, "invalid_field", "%s must be base64url" % name, name)


def _scopes(d):
    s = d.get("scopes")
    if s is None:
        return None
    if type(s) is not list or not 0 < len(s) <= len(access.PERMISSION_NAMES):
        raise HttpError(400, "invalid_field", "scopes must be a list of permissions", "scopes")
    for x in s:
        if x not in access.PERMISSION_NAMES:
            raise HttpError(400, "invalid_field", "unknown permission %r" % (x,), "scopes")
    return s


def _unavailable(e):
    from transaction import service as ledger
    if isinstance(e, (ledger.Unavailable, ledger.Timeout)):
        return HttpError(503, "security_unavailable", str(e))
    if isinstance(e, ledger.Full):
        return HttpError(507, "disk_full", str(e))
    return None


class SecurityApi:
    def __init__(self, svc):
        self.svc = svc

    async def _do(self, coro):
        """Run a state change; the ledger's errors become 503/507, a bad state 409."""
        try:
            return await coro
        except principals.StateError as e:
            raise HttpError(409, "conflict", str(e))
        except HttpError:
            raise
        except Exception as e:
            h = _unavailable(e)
            if h is None:
                raise
            raise h

    # ---- /api/v1/auth ---------------------------------------------------------------------

    def whoami(self, req):
        who = req.who
        p = who.principal
        out = p.public()
        out["via"] = who.via
        out["mfa"] = who.mfa
        out["permissions"] = list(access.ROLE_PERMISSIONS[p.role])
        w = self.svc.windows.get(p.role)
        out["access_window"] = w.text if w is not None else None
        return out

    def permissions(self, req):
        out = access.table()
        windows = {}
        for role in access.ROLES:
            w = self.svc.windows.get(role)
            windows[role] = w.text if w is not None else None
        out["access_windows"] = windows
        out["mfa_for_privileged"] = self.svc.mfa_privileged
        return out

    async def create_own_key(self, req):
        d = _body(req)
        scopes = _scopes(d)
        key = await self._do(self.svc.issue_key(req.who.principal.id, scopes))
        return response.json_response({"key": key, "id": key.split("_")[1],
                                       "principal": req.who.principal.id, "scopes": scopes},
                                      201)

    def list_own_keys(self, req):
        keys = self.svc.principals.keys
        return {"keys": [keys[k].public() for k in req.who.principal.keys]}

    async def revoke_key(self, req):
        kid = req.params["key_id"]
        k = self.svc.principals.keys.get(kid)
        who = req.who
        if k is None:
            raise HttpError(404, "key_not_found", "no such key", "key_id")
        if k.principal != who.principal.id and not access.role_allows(who.principal.role,
                                                                      "auth.admin"):
            raise HttpError(403, "permission_denied", "the key belongs to another principal; "
                            "revoking it needs auth.admin")
        await self._do(self.svc.revoke_key(kid))
        return response.Response(204, b"", None)

    async def totp_enroll(self, req):
        d = _body(req)
        algorithm = d.get("algorithm", "SHA1")
        digits = d.get("digits", 6)
        period = d.get("period", 30)
        if algorithm not in ("SHA1", "SHA256", "SHA512"):
            raise HttpError(400, "invalid_field", "algorithm is SHA1, SHA256 or SHA512",
                            "algorithm")
        if digits not in (6, 7, 8):
            raise HttpError(400, "invalid_field", "digits is 6, 7 or 8", "digits")
        if type(period) is not int or not 15 <= period <= 120:
            raise HttpError(400, "invalid_field", "period is 15..120 seconds", "period")
        p = req.who.principal
        if p.totp is not None and p.totp["confirmed"] and not req.who.mfa:
            code = req.headers.get("x-qenex-otp")
            if not code or not await self.svc.check_otp(p, code):
                raise HttpError(401, "mfa_required", "replacing a confirmed TOTP needs the "
                                "current code in X-QENEX-OTP", "x-qenex-otp")
        return await self._do(self.svc.enroll_totp(p, algorithm, digits, period))

    async def totp_confirm(self, req):
        d = _body(req)
        code = _str(d, "code", most=10)
        p = req.who.principal
        if p.totp is None:
            raise HttpError(409, "conflict", "no TOTP enrolled: POST /api/v1/auth/mfa/totp")
        ok = await self._do(self.svc.confirm_totp(p, code))
        if not ok:
            raise HttpError(400, "invalid_field", "the code does not match", "code")
        return {"confirmed": True}

    async def webauthn_register_begin(self, req):
        from security import webauthn
        p = req.who.principal
        ch = await self.svc.challenge(p, "register")
        return {"challenge": webauthn.b64url(ch), "rp": {"id": self.svc.rp_id,
                                                        "name": "QENEX OS"},
                "user": {"id": webauthn.b64url(p.id.encode()), "name": p.id,
                         "displayName": p.name},
                "pubKeyCredParams": [{"type": "public-key", "alg": -7},
                                     {"type": "public-key", "alg": -8}],
                "timeout": 120000, "attestation": "none",
                "authenticatorSelection": {"userVerification": "required"},
                "excludeCredentials": [{"type": "public-key", "id": c["credential_id"]}
                                       for c in p.webauthn]}

    async def webauthn_register(self, req):
        d = _body(req)
        cd = _b64(d, "client_data_json")
        att = _b64(d, "attestation_object")
        cid = await self._webauthn(self.svc.register_webauthn(req.who.principal, cd, att))
        return response.json_response({"credential_id": cid}, 201)

    async def webauthn_assert_begin(self, req):
        from security import webauthn
        p = req.who.principal
        if not p.webauthn:
            raise HttpError(409, "conflict", "no authenticator registered: POST "
                            "/api/v1/auth/webauthn/register/begin")
        ch = await self.svc.challenge(p, "assert")
        return {"challenge": webauthn.b64url(ch), "rpId": self.svc.rp_id, "timeout": 120000,
                "userVerification": "required",
                "allowCredentials": [{"type": "public-key", "id": c["credential_id"]}
                                     for c in p.webauthn]}

    async def webauthn_assert(self, req):
        d = _body(req)
        cid = _str(d, "credential_id", most=1400)
        token = await self._webauthn(self.svc.assert_webauthn(
            req.who.principal, cid, _b64(d, "client_data_json"),
            _b64(d, "authenticator_data"), _b64(d, "signature")))
        return response.json_response({"session": token, "mfa": True,
                                       "idle_timeout_seconds": self.svc.session_us // 1000000},
                                      201)

    async def _webauthn(self, coro):
        from security import webauthn
        try:
            return await self._do(coro)
        except webauthn.WebAuthnError as e:
            raise HttpError(401 if e.code in ("bad_signature", "replayed_counter",
                                              "user_not_verified", "user_not_present")
                            else 400, "webauthn_" + e.code, str(e))
        except AuthError as e:
            raise http_error(e)
        except ValueError as e:
            raise HttpError(400, "invalid_field", str(e))

    async def hotp_enroll(self, req):
        from security import otp
        d = _body(req)
        try:
            secret = otp.b32decode(_str(d, "secret", most=208))
        except ValueError:
            raise HttpError(400, "invalid_field", "secret: the token's seed in base32 (at "
                            "least 16 bytes)", "secret")
        counter = d.get("counter", 0)
        digits = d.get("digits", 6)
        algorithm = d.get("algorithm", "SHA1")
        if type(counter) is not int or not 0 <= counter < 1 << 40:
            raise HttpError(400, "invalid_field", "counter is an integer >= 0", "counter")
        if digits not in (6, 7, 8):
            raise HttpError(400, "invalid_field", "digits is 6, 7 or 8", "digits")
        if algorithm not in ("SHA1", "SHA256", "SHA512"):
            raise HttpError(400, "invalid_field", "algorithm is SHA1, SHA256 or SHA512",
                            "algorithm")
        code = _str(d, "code", most=10)
        p = req.who.principal
        if p.hotp is not None and not req.who.mfa:
            now = req.headers.get("x-qenex-otp")
            if not now or not await self.svc.check_otp(p, now):
                raise HttpError(401, "mfa_required", "replacing a token needs a code of the "
                                "current second factor in X-QENEX-OTP", "x-qenex-otp")
        try:
            ok = await self._do(self.svc.enroll_hotp(p, secret, counter, digits, algorithm,
                                                     code))
        except ValueError as e:
            raise HttpError(400, "invalid_field", str(e), "secret")
        if not ok:
            raise HttpError(400, "invalid_field", "the code does not match the token's next "
                            "codes", "code")
        return response.json_response({"enrolled": True}, 201)

    def list_principals(self, req):
        ps = self.svc.principals.principals
        return {"principals": [ps[k].public() for k in sorted(ps)]}

    def get_principal(self, req):
        p = self.svc.principals.principals.get(req.params["id"])
        if p is None:
            raise HttpError(404, "principal_not_found", "no such principal", "id")
        return p.public()

    async def create_principal(self, req):
        d = _body(req)
        pid = _str(d, "id", most=principals.MAX_ID)
        if not principals.valid_id(pid):
            raise HttpError(400, "invalid_field", "id: 1..64 of a-z 0-9 _ . -", "id")
        role = _str(d, "role", most=32)
        if role not in access.ROLES:
            raise HttpError(400, "invalid_field", "role is one of " + ", ".join(access.ROLES),
                            "role")
        name = _str(d, "name", required=False) or pid
        if pid in self.svc.principals.principals:
            raise HttpError(409, "principal_exists", "a principal with this id exists", "id")
        await self._do(self.svc.add_principal(pid, name, role))
        key = await self._do(self.svc.issue_key(pid, _scopes(d)))
        out = self.svc.principals.principals[pid].public()
        out["key"] = key
        return response.json_response(out, 201)

    async def patch_principal(self, req):
        p = self.svc.principals.principals.get(req.params["id"])
        if p is None:
            raise HttpError(404, "principal_not_found", "no such principal", "id")
        d = _body(req)
        for k in d:
            if k not in ("role", "disabled"):
                raise HttpError(400, "invalid_field", "only role and disabled can change", k)
        if "role" in d:
            if d["role"] not in access.ROLES:
                raise HttpError(400, "invalid_field", "role is one of " +
                                ", ".join(access.ROLES), "role")
            await self._do(self.svc.set_role(p.id, d["role"]))
        if "disabled" in d:
            if type(d["disabled"]) is not bool:
                raise HttpError(400, "invalid_field", "disabled is true or false", "disabled")
            await self._do(self.svc.set_disabled(p.id, d["disabled"]))
        return p.public()

    async def create_principal_key(self, req):
        p = self.svc.principals.principals.get(req.params["id"])
        if p is None:
            raise HttpError(404, "principal_not_found", "no such principal", "id")
        d = _body(req)
        key = await self._do(self.svc.issue_key(p.id, _scopes(d)))
        return response.json_response({"key": key, "id": key.split("_")[1],
                                       "principal": p.id}, 201)

    def unlock_principal(self, req):
        p = self.svc.principals.principals.get(req.params["id"])
        if p is None:
            raise HttpError(404, "principal_not_found", "no such principal", "id")
        p.locked_until = 0
        p.failures = 0
        return p.public()

    # ---- /api/v1/audit --------------------------------------------------------------------

    def audit_key(self, req):
        pub = self.svc.audit_public_key()
        import hashlib
        return {"algorithm": "ecdsa-p256-sha256", "public_key": binascii.hexlify(pub).decode(),
                "key_id": hashlib.sha256(pub).hexdigest()}

    def audit_sth(self, req):
        return self.svc.signed_tree_head()

    def audit_entries(self, req):
        n = self.svc.audit.size()
        start = _query_int(req, "start", 0, 0, 1 << 40)
        count = _query_int(req, "count", 100, 1, audit.PAGE)
        return {"start": start, "tree_size": n,
                "entries": audit.page(self.svc.audit, start, count)}

    def audit_inclusion(self, req):
        n = self.svc.audit.size()
        size = _query_int(req, "tree_size", n, 1, n if n else 1)
        if size > n or n == 0:
            raise HttpError(400, "invalid_field", "tree_size must be 1..%d" % n, "tree_size")
        i = _query_int(req, "index", None, 0, size - 1)
        t = self.svc.audit.tree
        return {"index": i, "tree_size": size, "leaf_hash": t.leaf(i).hex(),
                "audit_path": [h.hex() for h in t.inclusion_proof(i, size)]}

    def audit_consistency(self, req):
        n = self.svc.audit.size()
        second = _query_int(req, "second", n, 0, n)
        first = _query_int(req, "first", None, 0, second)
        t = self.svc.audit.tree
        return {"first": first, "second": second,
                "consistency": [h.hex() for h in t.consistency_proof(first, second)]}

    # ---- routes ---------------------------------------------------------------------------

    def install(self, router):
        a = ["auth"]
        u = ["audit"]
        add = router.add
        add("GET", "/api/v1/auth/whoami", self.whoami, name="whoami", tags=a,
            summary="The caller: principal, role, permissions, access window",
            responses={200: ("The caller", OBJ)}, errors=[401])
        add("GET", "/api/v1/auth/permissions", self.permissions, name="getPermissions", tags=a,
            summary="Roles, permissions and the permission of every route and console command",
            responses={200: ("The table", OBJ)})
        add("POST", "/api/v1/auth/keys", self.create_own_key, name="createOwnKey", tags=a,
            summary="A new API key for the caller (shown once); optional scopes",
            responses={201: ("The key", OBJ)}, errors=[400, 401, 409])
        add("GET", "/api/v1/auth/keys", self.list_own_keys, name="listOwnKeys", tags=a,
            summary="The caller's API keys (ids, never secrets)",
            responses={200: ("Keys", OBJ)}, errors=[401])
        add("DELETE", "/api/v1/auth/keys/{key_id}", self.revoke_key, name="revokeKey", tags=a,
            summary="Revoke an API key (one's own; another's needs auth.admin); at once",
            responses={204: ("Revoked", None)}, errors=[401, 403, 404])
        add("POST", "/api/v1/auth/mfa/totp", self.totp_enroll, name="enrollTotp", tags=a,
            summary="Enroll a TOTP second factor (RFC 6238): returns the secret and its "
            "otpauth:// URI once; confirm with a code", responses={201: ("Enrolled", OBJ)},
            errors=[400, 401])
        add("POST", "/api/v1/auth/mfa/totp/confirm", self.totp_confirm, name="confirmTotp",
            tags=a, summary="Confirm the TOTP enrollment with a current code",
            responses={200: ("Confirmed", OBJ)}, errors=[400, 401, 409])
        add("POST", "/api/v1/auth/webauthn/register/begin", self.webauthn_register_begin,
            name="webauthnRegisterBegin", tags=a, summary="Options for "
            "navigator.credentials.create(): a hardware key or a platform authenticator "
            "(fingerprint, face, PIN)", responses={200: ("Creation options", OBJ)},
            errors=[401])
        add("POST", "/api/v1/auth/webauthn/register", self.webauthn_register,
            name="webauthnRegister", tags=a, summary="Register the authenticator: "
            "client_data_json and attestation_object (base64url); attestation none or packed "
            "self", responses={201: ("Registered", OBJ)}, errors=[400, 401, 409])
        add("POST", "/api/v1/auth/webauthn/assert/begin", self.webauthn_assert_begin,
            name="webauthnAssertBegin", tags=a, summary="Options for "
            "navigator.credentials.get()", responses={200: ("Request options", OBJ)},
            errors=[401, 409])
        add("POST", "/api/v1/auth/webauthn/assert", self.webauthn_assert,
            name="webauthnAssert", tags=a, summary="Verify an assertion (user verified): a "
            "session token with the second factor checked, for privileged actions",
            responses={201: ("The session", OBJ)}, errors=[400, 401])
        add("POST", "/api/v1/auth/mfa/hotp", self.hotp_enroll, name="enrollHotp", tags=a,
            summary="Enroll an OATH hardware token (HOTP, RFC 4226): its base32 seed, counter "
            "and a code it shows now", responses={201: ("Enrolled", OBJ)}, errors=[400, 401])
        add("GET", "/api/v1/auth/principals", self.list_principals, name="listPrincipals",
            tags=a, summary="Every principal (auth.admin)", responses={200: ("Principals", OBJ)},
            errors=[401, 403])
        add("POST", "/api/v1/auth/principals", self.create_principal, name="createPrincipal",
            tags=a, summary="Create a principal with a role; returns its first API key once",
            responses={201: ("Created", OBJ)}, errors=[400, 401, 403, 409])
        add("GET", "/api/v1/auth/principals/{id}", self.get_principal, name="getPrincipal",
            tags=a, summary="One principal", responses={200: ("The principal", OBJ)},
            errors=[401, 403, 404])
        add("PATCH", "/api/v1/auth/principals/{id}", self.patch_principal,
            name="patchPrincipal", tags=a, summary="Change a principal's role or disable it",
            responses={200: ("The principal", OBJ)}, errors=[400, 401, 403, 404])
        add("POST", "/api/v1/auth/principals/{id}/keys", self.create_principal_key,
            name="createPrincipalKey", tags=a, summary="A new API key for a principal "
            "(rotation: create, switch, revoke the old)", responses={201: ("The key", OBJ)},
            errors=[400, 401, 403, 404])
        add("POST", "/api/v1/auth/principals/{id}/unlock", self.unlock_principal,
            name="unlockPrincipal", tags=a, summary="Lift a principal's lockout",
            responses={200: ("The principal", OBJ)}, errors=[401, 403, 404])
        add("GET", "/api/v1/audit/key", self.audit_key, name="getAuditKey", tags=u,
            summary="The public key that signs the audit trail's tree heads",
            responses={200: ("The key", OBJ)}, errors=[401, 403])
        add("GET", "/api/v1/audit/sth", self.audit_sth, name="getAuditTreeHead", tags=u,
            summary="The signed tree head (RFC 9162 root) of the audit trail",
            responses={200: ("The tree head", OBJ)}, errors=[401, 403])
        add("GET", "/api/v1/audit/entries", self.audit_entries, name="getAuditEntries",
            tags=u, summary="Audit entries start..start+count-1 (count <= 1000)",
            query=[("start", "first index", INT, False), ("count", "entries (1..1000)", INT,
                                                           False)],
            responses={200: ("Entries", OBJ)}, errors=[400, 401, 403])
        add("GET", "/api/v1/audit/proof/inclusion", self.audit_inclusion,
            name="getAuditInclusionProof", tags=u,
            summary="RFC 9162 inclusion proof of entry index in the tree of tree_size",
            query=[("index", "the entry", INT, True), ("tree_size", "the tree", INT, False)],
            responses={200: ("The proof", OBJ)}, errors=[400, 401, 403])
        add("GET", "/api/v1/audit/proof/consistency", self.audit_consistency,
            name="getAuditConsistencyProof", tags=u,
            summary="RFC 9162 consistency proof between the trees of first and second entries",
            query=[("first", "the older size", INT, True),
                   ("second", "the newer size", INT, False)],
            responses={200: ("The proof", OBJ)}, errors=[400, 401, 403])
