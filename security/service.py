"""The security service: authentication, access control and the audit trail of the booted
kernel (security/AUTH.md, ACCESS.md, AUDIT.md).

It keeps its state in the ledger's log (two journals: principals.py ``QXS1``, audit.py
``QXA1``) so that a credential change or an audit entry is durable with the same group commit
and the same checkpoints as a transfer. The HTTP server asks ``before(req)`` (who is this,
may they) ahead of every handler and ``after(req, resp)`` once it answered (the audit entry,
durable before the answer goes out); the console asks ``console_guard``. Portable: the clock,
entropy and ledger service are given.
"""
import binascii
import hashlib
import hmac

from security import access, audit, principals
from security import sign

KEY_PREFIX = "qx_"
SESSION_PREFIX = "qxs_"
MAX_TOKEN = 160               # characters of a bearer token
MAX_SESSIONS = 1024
MAX_BUCKETS = 4096
MAX_CHALLENGES = 256
BOOT_ENTRY_TRIES = 600        # seconds the boot's audit entry is retried when the log is full
CHALLENGE_US = 120 * 1000000  # a WebAuthn ceremony's time (the browser's timeout)
FAILURE_AUDIT_PER_S = 20      # auth failures written to the audit trail per second at most
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class AuthError(Exception):
    """401 (no or bad credential), 403 (not allowed), 429 (too many), 503 (unavailable)."""

    def __init__(self, status, code, message, field=None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


class Session:
    __slots__ = ("principal", "mfa", "expires_us", "idle_us", "last_us")

    def __init__(self, principal, mfa, now_us, idle_us):
        self.principal = principal
        self.mfa = mfa
        self.idle_us = idle_us
        self.last_us = now_us
        self.expires_us = now_us + idle_us


class Who:
    """An authenticated caller: the principal, how (key or session), and whether a second
    factor was shown with this request or session."""
    __slots__ = ("principal", "key", "mfa", "via")

    def __init__(self, principal, key=None, mfa=False, via="key"):
        self.principal = principal
        self.key = key
        self.mfa = mfa
        self.via = via


def _hex(b):
    return binascii.hexlify(b).decode()


class SecurityService:
    def __init__(self, sched, cfg, clock_ns, log, ledger, entropy, windows=None):
        sc = cfg["security"]
        self.sched = sched
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.log = log
        self.ledger = ledger
        self.entropy = entropy
        self.windows = windows or {}          # role -> security.windows.Window
        self.iterations = sc["key_hash_iterations"]
        self.max_failures = sc["max_failed_logins"]
        self.lockout_ns = sc["lockout_seconds"] * 10 ** 9
        self.session_us = sc["session_timeout_seconds"] * 10 ** 6
        self.rate = sc["rate_limit"]
        self.mfa_privileged = sc["mfa_for_privileged"]
        self.public_monitoring = sc["public_monitoring"]
        self.principals = principals.Principals()
        self.audit = audit.AuditLog(sc["audit_capacity"])
        self.state = "starting"
        self.reason = ""
        self.sessions = {}                    # SHA-256 hex of the token -> Session
        self.buckets = {}                     # principal id -> [tokens, last us]
        self._fail_window = [0, 0, 0]         # second, failures audited in it, suppressed
        self.failures = 0                     # authentication failures seen
        self.denied = 0                       # requests refused for permission or window
        self.sth = None                       # the last signed tree head handed out
        self.challenges = {}                  # (principal, purpose) -> (bytes, purpose, until)
        self.rp_id = sc["webauthn_rp_id"]
        self.origin = sc["webauthn_origin"]
        ledger.add_journal(self.principals)
        ledger.add_journal(self.audit)
        # The entries' bytes grow with the trail: keep their room out of the ledger's.
        ledger.reserve_heap(sc["audit_capacity"] * audit.ENTRY_BYTES)
        ledger.on_event(self._ledger_event)

    # ---- start ---------------------------------------------------------------------------

    async def start(self):
        """After the ledger's recovery: the first boot's admin key and the audit key, then the
        boot's entries in the audit trail."""
        if self.ledger.state != "up":
            self.state = "down"
            self.reason = "the ledger is %s%s" % (self.ledger.state, ": " + self.ledger.reason
                                                  if self.ledger.reason else "")
            self.log("security: no credentials without the ledger (%s): the API serves only "
                     "open routes; the console runs unauthenticated (maintenance)" % self.reason)
            return
        try:
            if self.principals.audit_private is None:
                await self._log("audit_key", {"private": await self._p256_private()})
            if not self.principals.keys:
                # The first boot (or a crash before its key was durable): no key exists.
                await self._first_admin()
            self.state = "up"
        except Exception as e:
            self.state = "down"
            self.reason = "start failed: %s: %s" % (type(e).__name__, e)
            self.log("security: down: " + self.reason)
            return
        # The boot's entry: the credentials are up whether or not it can be written now (a
        # log full at boot is freed by the ledger's next checkpoint): retried in the
        # background, a bounded number of times.
        rep = self.ledger.report or {}
        torn = rep.get("torn")
        entry = {"kind": "system", "event": "boot",
                 "detail": "ledger: %d records replayed in %d ms%s%s" % (
                     self.ledger.replayed, self.ledger.replay_ms,
                     ", new disk formatted" if rep.get("formatted") else "",
                     ", torn tail cut at seq %d" % torn["seq"] if torn else ""),
                 "config_sha256": self._config_digest()}
        try:
            await self.record(dict(entry))
        except Exception as e:
            self.log("audit: boot entry not written yet (%s: %s); retrying" % (
                type(e).__name__, e))
            self.sched.spawn(self._retry(entry), "audit-boot")

    async def _retry(self, entry, tries=BOOT_ENTRY_TRIES):
        for _ in range(tries):
            await self.sched.sleep_ms(1000)
            if self.state != "up":
                return
            try:
                await self.record(dict(entry))
                return
            except Exception:
                pass
        self.log("audit: boot entry not written after %d tries" % tries)

    async def _first_admin(self):
        sc = self.cfg["security"]
        configured = sc.get("admin_key_hash") or ""
        if "admin" not in self.principals.principals:
            await self._log("principal", {"id": "admin", "name": "first administrator",
                                          "role": "admin", "ts": self.clock_ns()})
        if configured:
            kid, iterations, salt, hsh = parse_key_hash(configured)
            await self._log("key", {"id": kid, "principal": "admin", "salt": salt, "hash": hsh,
                                    "iterations": iterations, "ts": self.clock_ns(),
                                    "expires": 0, "scopes": None})
            self.log("security: first boot: admin key %s from banking.toml" % kid)
            return
        # Shown before it is durable: a crash in between leaves no admin key, and the next
        # boot makes and shows another; never a durable key no one saw.
        await self.issue_key("admin", show=True)

    def _config_digest(self):
        """SHA-256 of the effective configuration (what `config show` prints): the audit
        trail says which configuration each boot ran with."""
        from kernel import config
        if not hasattr(self.cfg, "sections"):
            return None                       # a test's plain dict
        return hashlib.sha256(config.format_config(self.cfg).encode()).hexdigest()

    async def _p256_private(self):
        while True:
            d = int.from_bytes(await self.entropy.read(32), "big")
            if 0 < d < P256_N:
                return "%064x" % d

    async def _log(self, kind, fields):
        self.principals.check(kind, fields)
        await self.ledger.append_journal(self.principals.record(kind, fields))

    def _ledger_event(self, kind, text):
        if kind == "up" and self.state == "down":
            # The ledger came up after the boot (`ledger format` of a foreign disk): the
            # credentials live in its log, so start again (a new disk: a new admin key).
            self.state = "starting"
            self.sched.spawn(self.start(), "security-start")
            return
        if self.state != "up" or self.ledger.state != "up":
            return
        if kind == "checkpoint":
            self.sched.spawn(self._record_quietly({"kind": "system", "event": "checkpoint",
                                                   "detail": text}), "audit-event")

    async def _record_quietly(self, entry):
        try:
            await self.record(entry)
        except Exception as e:
            self.log("audit: could not record %s: %s: %s" % (entry.get("event"),
                                                             type(e).__name__, e))

    # ---- credentials ---------------------------------------------------------------------

    async def issue_key(self, pid, scopes=None, expires=0, show=False):
        """A new API key for principal ``pid``: logged as its hash, returned once (``show``:
        printed on the console as "admin api key: ..." first: the first boot's)."""
        kid = _hex(await self.entropy.read(8))
        secret = _hex(await self.entropy.read(32))
        salt = await self.entropy.read(16)
        h = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, self.iterations)
        if show:
            # The one time the key is shown: the operator copies it (README, "First boot").
            self.log("admin api key: %s%s%s" % (KEY_PREFIX, kid, "_" + secret))
        await self._log("key", {"id": kid, "principal": pid, "salt": _hex(salt), "hash": _hex(h),
                                "iterations": self.iterations, "ts": self.clock_ns(),
                                "expires": expires, "scopes": scopes})
        return KEY_PREFIX + kid + "_" + secret

    async def revoke_key(self, kid):
        if kid not in self.principals.keys:
            raise KeyError(kid)
        await self._log("revoke", {"key": kid})

    async def add_principal(self, pid, name, role):
        if role not in access.ROLES:
            raise ValueError("role must be one of " + ", ".join(access.ROLES))
        await self._log("principal", {"id": pid, "name": name, "role": role,
                                      "ts": self.clock_ns()})

    async def set_role(self, pid, role):
        if role not in access.ROLES:
            raise ValueError("role must be one of " + ", ".join(access.ROLES))
        self._principal(pid)
        await self._log("role", {"id": pid, "role": role})

    async def set_disabled(self, pid, disabled):
        self._principal(pid)
        await self._log("disable", {"id": pid, "disabled": bool(disabled)})
        if disabled:
            self._drop_sessions(pid)

    def _principal(self, pid):
        p = self.principals.principals.get(pid)
        if p is None:
            raise KeyError(pid)
        return p

    def _drop_sessions(self, pid):
        for t in list(self.sessions):
            if self.sessions[t].principal == pid:
                del self.sessions[t]

    # ---- authentication ------------------------------------------------------------------

    def _now_us(self):
        return self.sched.uptime_us()

    def authenticate(self, header):
        """The Who of an ``Authorization`` header value; AuthError 401 otherwise. Every
        failure counts towards the principal's lockout when the key id is known."""
        if self.state != "up":
            raise AuthError(503, "security_unavailable", "no credentials can be checked: %s"
                            % self.reason)
        if not header:
            raise AuthError(401, "unauthenticated", "this route needs a credential: "
                            "Authorization: Bearer <api key>", "authorization")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN:
            raise AuthError(401, "invalid_credential", "expected Authorization: Bearer <api "
                            "key or session token>", "authorization")
        if token.startswith(SESSION_PREFIX):
            return self._session(token)
        if not token.startswith(KEY_PREFIX):
            raise AuthError(401, "invalid_credential", "not an API key", "authorization")
        kid, _, secret = token[len(KEY_PREFIX):].partition("_")
        key = self.principals.keys.get(kid)
        if key is None or not secret:
            raise AuthError(401, "invalid_credential", "unknown or revoked API key",
                            "authorization")
        p = self.principals.principals[key.principal]
        now = self.clock_ns()
        self._check_usable(p, now)
        if key.expires and now >= key.expires:
            raise AuthError(401, "invalid_credential", "the API key expired", "authorization")
        fast = hashlib.sha256(token.encode()).digest()
        if key.fast is None or not hmac.compare_digest(fast, key.fast):
            h = hashlib.pbkdf2_hmac("sha256", secret.encode(), binascii.unhexlify(key.salt),
                                    key.iterations)
            if not hmac.compare_digest(_hex(h), key.hash):
                self._failed(p, now)
                raise AuthError(401, "invalid_credential", "unknown or revoked API key",
                                "authorization")
            # Verified once: later requests compare a SHA-256 (memory only, never stored).
            key.fast = fast
        p.failures = 0
        return Who(p, key)

    def _session(self, token):
        t = hashlib.sha256(token.encode()).digest()
        s = self.sessions.get(t)
        now = self._now_us()
        if s is None or now >= s.expires_us:
            if s is not None:
                del self.sessions[t]
            raise AuthError(401, "invalid_credential", "unknown or expired session",
                            "authorization")
        p = self.principals.principals.get(s.principal)
        if p is None:
            raise AuthError(401, "invalid_credential", "unknown session", "authorization")
        self._check_usable(p, self.clock_ns())
        s.last_us = now
        s.expires_us = now + s.idle_us
        return Who(p, None, s.mfa, "session")

    def _check_usable(self, p, now):
        if p.disabled:
            raise AuthError(401, "principal_disabled", "principal %s is disabled" % p.id,
                            "authorization")
        if p.locked_until > now:
            raise AuthError(401, "locked", "principal %s is locked for %d s after %d failed "
                            "attempts" % (p.id, (p.locked_until - now) // 10 ** 9 + 1,
                                          self.max_failures), "authorization",
                            retry_after=(p.locked_until - now) // 10 ** 9 + 1)

    def _failed(self, p, now):
        p.failures += 1
        if p.failures >= self.max_failures:
            p.locked_until = now + self.lockout_ns
            p.failures = 0
            self.log("security: principal %s locked for %d s after %d failed attempts"
                     % (p.id, self.lockout_ns // 10 ** 9, self.max_failures))

    async def open_session(self, p, mfa):
        """A session token (memory only: a reboot ends every session)."""
        if len(self.sessions) >= MAX_SESSIONS:
            now = self._now_us()
            for t in list(self.sessions):
                if self.sessions[t].expires_us <= now:
                    del self.sessions[t]
            if len(self.sessions) >= MAX_SESSIONS:
                raise AuthError(503, "too_many_sessions", "%d sessions open" % MAX_SESSIONS)
        token = SESSION_PREFIX + _hex(await self.entropy.read(32))
        self.sessions[hashlib.sha256(token.encode()).digest()] = \
            Session(p.id, mfa, self._now_us(), self.session_us)
        return token

    # ---- second factors ------------------------------------------------------------------

    async def check_otp(self, p, code):
        """True if ``code`` is the principal's current TOTP (or next HOTP) code; records the
        step used so it cannot be replayed."""
        from security import otp
        now = self.clock_ns()
        if p.totp is not None and p.totp["confirmed"]:
            t = p.totp
            step = otp.verify(binascii.unhexlify(t["secret"]), code, now // 10 ** 9, window=1,
                              last_counter=p.last_otp if p.last_otp >= 0 else None,
                              digits=t["digits"], period=t["period"], algorithm=t["algorithm"])
            if step is not None:
                p.last_otp = step
                return True
        if p.hotp is not None:
            h = p.hotp
            c = otp.verify_hotp(binascii.unhexlify(h["secret"]), code, h["counter"],
                                digits=h["digits"], algorithm=h["algorithm"])
            if c is not None:
                d = dict(h)
                d["id"] = p.id
                d["counter"] = c + 1
                await self._log("hotp", d)
                return True
        self._failed(p, now)
        return False

    async def enroll_totp(self, p, algorithm, digits, period):
        """A new TOTP seed for ``p`` (unconfirmed until confirm_totp sees a code of it)."""
        from kernel.http import response
        from security import otp
        size = {"SHA1": 20, "SHA256": 32, "SHA512": 64}[algorithm]
        secret = await self.entropy.read(size)
        await self._log("totp", {"id": p.id, "secret": _hex(secret), "algorithm": algorithm,
                                 "digits": digits, "period": period, "confirmed": False})
        p.last_otp = -1
        b32 = otp.b32encode(secret)
        return response.json_response({
            "secret": b32, "algorithm": algorithm, "digits": digits, "period": period,
            "uri": otp.provisioning_uri(secret, p.id, "QENEX OS", digits, period, algorithm),
            "confirmed": False}, 201)

    async def confirm_totp(self, p, code):
        from security import otp
        t = p.totp
        step = otp.verify(binascii.unhexlify(t["secret"]), code, self.clock_ns() // 10 ** 9,
                          window=1, digits=t["digits"], period=t["period"],
                          algorithm=t["algorithm"])
        if step is None:
            self._failed(p, self.clock_ns())
            return False
        p.last_otp = step
        await self._log("totp_ok", {"id": p.id})
        return True

    # ---- WebAuthn: hardware keys and platform authenticators (biometrics) ----------------

    async def challenge(self, p, purpose):
        """A fresh challenge for ``p`` (32 random bytes, good for CHALLENGE_US, memory only)."""
        now = self._now_us()
        if len(self.challenges) >= MAX_CHALLENGES:
            for k in list(self.challenges):
                if self.challenges[k][2] <= now:
                    del self.challenges[k]
            if len(self.challenges) >= MAX_CHALLENGES:
                raise AuthError(503, "too_many_challenges", "%d WebAuthn ceremonies open"
                                % MAX_CHALLENGES)
        c = await self.entropy.read(32)
        self.challenges[(p.id, purpose)] = (c, purpose, now + CHALLENGE_US)
        return c

    def take_challenge(self, p, purpose):
        """The challenge handed to ``p`` for ``purpose`` (used once), or AuthError."""
        c = self.challenges.pop((p.id, purpose), None)
        if c is None or c[2] <= self._now_us():
            raise AuthError(400, "no_challenge", "no open WebAuthn challenge for this: begin "
                            "again", "client_data_json")
        return c[0]

    async def register_webauthn(self, p, client_data, attestation):
        from security import webauthn
        ch = self.take_challenge(p, "register")
        cred = webauthn.verify_registration(self.rp_id, self.origin, ch, client_data,
                                            attestation, require_uv=True)
        cid = webauthn.b64url(cred.credential_id)
        for q in self.principals.principals.values():
            for c in q.webauthn:
                if c["credential_id"] == cid:
                    raise AuthError(409, "credential_exists", "this authenticator is "
                                    "registered already")
        await self._log("webauthn", {"id": p.id, "credential_id": cid,
                                     "public_key": _hex(cred.public_key), "alg": cred.alg,
                                     "sign_count": cred.sign_count})
        return cid

    async def assert_webauthn(self, p, cid, client_data, auth_data, signature):
        """Verify an assertion of one of ``p``'s authenticators; returns a session token
        with the second factor checked (the WebAuthn step-up)."""
        from security import webauthn
        ch = self.take_challenge(p, "assert")
        stored = None
        for c in p.webauthn:
            if c["credential_id"] == cid:
                stored = c
        if stored is None:
            raise AuthError(400, "unknown_credential", "no such authenticator of %s" % p.id,
                            "credential_id")
        cred = webauthn.Credential(b"", binascii.unhexlify(stored["public_key"]),
                                   stored["alg"], stored["sign_count"], True, b"")
        try:
            count = webauthn.verify_assertion(cred, self.rp_id, self.origin, ch, client_data,
                                              auth_data, signature, require_uv=True)
        except webauthn.WebAuthnError:
            self._failed(p, self.clock_ns())
            raise
        # The counter is durable: a replay after a reboot is refused too.
        await self._log("webauthn_count", {"id": p.id, "credential_id": cid,
                                           "sign_count": count})
        return await self.open_session(p, True)

    async def enroll_hotp(self, p, secret, counter, digits, algorithm, code):
        """An OATH hardware token (HOTP): its seed (from the token's seed file) and a code it
        shows now, which must match within the look-ahead; the counter is durable."""
        from security import otp
        c = otp.verify_hotp(secret, code, counter, look_ahead=20, digits=digits,
                            algorithm=algorithm)
        if c is None:
            self._failed(p, self.clock_ns())
            return False
        await self._log("hotp", {"id": p.id, "secret": _hex(secret), "algorithm": algorithm,
                                 "digits": digits, "counter": c + 1})
        return True

    def has_second_factor(self, p):
        return (p.totp is not None and p.totp["confirmed"]) or p.hotp is not None or \
            bool(p.webauthn)

    # ---- authorisation -------------------------------------------------------------------

    def allowed(self, who, permission):
        """None if ``who`` may use ``permission`` now, else an AuthError (403)."""
        p = who.principal
        if not access.role_allows(p.role, permission):
            return AuthError(403, "permission_denied", "%s needs the permission %s; role %s "
                             "does not have it" % ("this", permission, p.role), None)
        if who.key is not None and who.key.scopes is not None and \
                permission not in who.key.scopes:
            return AuthError(403, "permission_denied", "this API key is limited to %s; it "
                             "does not have %s" % (", ".join(who.key.scopes), permission))
        w = self.windows.get(p.role)
        if w is not None and not w.allows(self.clock_ns() // 10 ** 9):
            return AuthError(403, "outside_access_window", "role %s may act only within %s"
                             % (p.role, w.text))
        return None

    def _rate(self, p):
        b = self.buckets.get(p.id)
        now = self._now_us()
        if b is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self.buckets = {}
            b = self.buckets[p.id] = [2 * self.rate, now]
        tokens = b[0] + (now - b[1]) * self.rate / 1000000
        if tokens > 2 * self.rate:
            tokens = 2 * self.rate
        b[1] = now
        if tokens < 1:
            b[0] = tokens
            raise AuthError(429, "rate_limited", "principal %s sends more than %d requests a "
                            "second" % (p.id, self.rate), retry_after=1)
        b[0] = tokens - 1

    # ---- the HTTP guard (kernel/http/server.py) -----------------------------------------

    async def before(self, req):
        """Who may run this request: sets req.who, or raises AuthError. Failures are audited
        (durable) before the answer."""
        req.who = None
        req.audit = False
        route = req.route
        perm = access.route_permission(route.method, route.pattern, self.public_monitoring)
        if perm == access.OPEN:
            return
        try:
            if perm is None:
                raise AuthError(403, "permission_denied", "route %s %s is in no permission "
                                "table" % (route.method, route.pattern))
            who = self.authenticate(req.headers.get("authorization"))
            req.who = who
            self._rate(who.principal)
            err = self.allowed(who, perm)
            if err is not None:
                self.denied += 1
                raise err
            if perm in access.PRIVILEGED and self.mfa_privileged and not who.mfa:
                p = who.principal
                if not self.has_second_factor(p):
                    raise AuthError(403, "mfa_not_enrolled", "%s is privileged: enroll a "
                                    "second factor first (POST /api/v1/auth/mfa/totp)" % perm)
                code = req.headers.get("x-qenex-otp")
                if not code:
                    raise AuthError(401, "mfa_required", "%s is privileged: send the current "
                                    "one-time code in X-QENEX-OTP, or use a WebAuthn session"
                                    % perm, "x-qenex-otp")
                if not await self.check_otp(p, code):
                    raise AuthError(401, "mfa_invalid", "the one-time code is wrong or was "
                                    "used already", "x-qenex-otp")
                who.mfa = True
            if access.changes_state(req.method):
                self.audit.reserve()
                req.audit = True
        except AuthError as e:
            if e.status in (401, 403):
                self.failures += 1
                await self._audit_failure(req, e)
            raise
        except audit.Full as e:
            raise AuthError(507, "audit_full", str(e))

    async def after(self, req, status, code):
        """The audit entry of a request that may have changed state; durable before the
        answer. Raises (the server answers 503) if it could not be written."""
        if not getattr(req, "audit", False):
            return
        req.audit = False
        p = req.who.principal
        digest = hashlib.sha256(req.body or b"").digest().hex()
        try:
            await self.ledger.append_journal(self.audit.request_record(
                p.id, p.role, req.who.via, req.method, req.route.pattern, _path(req), digest,
                status, code, self.clock_ns()))
        finally:
            self.audit.release()

    async def _audit_failure(self, req, e):
        """Authentication and permission failures, at most FAILURE_AUDIT_PER_S a second (the
        rest are counted in the next one written: a flood cannot fill the trail)."""
        if self.state != "up":
            return
        sec = self._now_us() // 1000000
        fw = self._fail_window
        if fw[0] != sec:
            fw[0] = sec
            fw[1] = 0
        if fw[1] >= FAILURE_AUDIT_PER_S or self.audit.room() <= 0:
            fw[2] += 1
            return
        fw[1] += 1
        who = getattr(req, "who", None)
        entry = {"kind": "auth_failure", "method": req.method, "route": req.route.pattern,
                 "path": _path(req), "status": e.status, "code": e.code,
                 "actor": who.principal.id if who is not None else None,
                 "peer": _peer(req), "suppressed": fw[2]}
        fw[2] = 0
        try:
            await self.record(entry)
        except Exception as x:
            self.log("audit: failure not recorded: %s: %s" % (type(x).__name__, x))

    async def record(self, entry, reserved=False):
        """Append one audit entry; returns once it is durable (the ledger's group commit).
        Its room is reserved until it is applied (``reserved``: by before() already), so
        concurrent entries can never take the trail past its capacity, which would stop the
        ledger at apply."""
        if not reserved:
            self.audit.reserve()               # audit.Full when there is no room
        try:
            entry["ts"] = self.clock_ns()
            await self.ledger.append_journal(self.audit.record(entry))
        finally:
            self.audit.release()

    # ---- the console guard (kernel/console.py) ------------------------------------------

    async def console_guard(self, sh, name, args):
        """None if the console's user may run ``name args``, else the message to print."""
        perm = access.command_permission(name, args)
        if perm == access.OPEN:
            return None
        if self.state != "up":
            return None          # maintenance: no credentials exist without the ledger
        if perm is None:
            return "permission denied: `%s` is in no permission table" % name
        s = getattr(sh, "session", None)
        who = None
        if s is not None:
            if self._now_us() >= s.expires_us:
                sh.session = None
                return "the console session expired (idle %d s): login again" % (
                    self.session_us // 1000000)
            p = self.principals.principals.get(s.principal)
            if p is None or p.disabled:
                sh.session = None
                return "the console session's principal is gone or disabled: login again"
            s.last_us = self._now_us()
            s.expires_us = s.last_us + s.idle_us
            who = Who(p, None, s.mfa, "console")
        if who is None:
            return "permission denied: `%s` needs %s: login first (login API_KEY [OTP])" % (
                name, perm)
        err = self.allowed(who, perm)
        if err is None and perm in access.PRIVILEGED and self.mfa_privileged and not who.mfa:
            err = AuthError(403, "mfa_required", "%s is privileged: login with a one-time "
                            "code (login API_KEY OTP)" % perm)
        if err is not None:
            self.denied += 1
            try:
                await self.record({"kind": "auth_failure", "method": "CONSOLE",
                                   "route": name, "path": " ".join([name] + list(args[:1])),
                                   "status": 403, "code": err.code, "actor": who.principal.id,
                                   "peer": "console", "suppressed": 0})
            except Exception:
                pass
            return "permission denied: " + err.message
        if perm in ("system.admin", "auth.admin"):
            # Admin actions are in the audit trail before they run (halt included); one that
            # cannot be recorded does not run, but for the checkpoint that frees a full log.
            try:
                await self.record({"kind": "console", "actor": who.principal.id,
                                   "role": who.principal.role,
                                   "command": " ".join([name] + list(args[:2]))})
            except Exception as e:
                if name == "ledger" and args[:1] == ["checkpoint"]:
                    self.log("audit: ledger checkpoint by %s not written: %s: %s"
                             % (who.principal.id, type(e).__name__, e))
                    return None
                return "the audit trail cannot record this now (%s: %s); `ledger checkpoint` " \
                       "frees a full log" % (type(e).__name__, e)
        return None

    async def console_login(self, sh, token, code=None):
        """Authenticate the console's user (``login KEY [OTP]``): sh.session is set, or
        AuthError (audited like the API's)."""
        try:
            who = self.authenticate("Bearer " + token)
            p = who.principal
            mfa = False
            if code is not None:
                if not await self.check_otp(p, code):
                    raise AuthError(401, "mfa_invalid", "the one-time code is wrong or was "
                                    "used already")
                mfa = True
            if p.role == "service":
                raise AuthError(403, "permission_denied", "service principals have no console")
        except AuthError as e:
            self.failures += 1
            if self.state == "up":
                try:
                    await self.record({"kind": "auth_failure", "method": "CONSOLE",
                                       "route": "login", "path": "login", "status": e.status,
                                       "code": e.code, "actor": None, "peer": "console",
                                       "suppressed": 0})
                except Exception:
                    pass
            raise
        sh.session = Session(p.id, mfa, self._now_us(), self.session_us)
        try:
            await self.record({"kind": "console", "actor": p.id, "role": p.role,
                               "command": "login", "mfa": mfa})
        except Exception as e:
            # A login changes nothing, and the console is how an operator mends a full log:
            # it goes on, said on the console.
            self.log("audit: login of %s not written: %s: %s" % (p.id, type(e).__name__, e))
        return p, mfa

    # ---- figures -------------------------------------------------------------------------

    def health(self):
        if self.state == "up":
            return ("up", "%d principals, %d audit entries" % (
                len(self.principals.principals), self.audit.size()))
        return (self.state, self.reason)

    def figures(self):
        return {"principals": len(self.principals.principals),
                "keys": len(self.principals.keys), "sessions": len(self.sessions),
                "auth_failures": self.failures, "denied": self.denied,
                "audit_entries": self.audit.size(), "audit_capacity": self.audit.capacity,
                "audit_failures_suppressed": self._fail_window[2]}

    # ---- signed tree heads ---------------------------------------------------------------

    def audit_public_key(self):
        return sign.p256_public(binascii.unhexlify(self.principals.audit_private))

    def signed_tree_head(self):
        """The current tree head, signed with the audit key (cached while the size holds)."""
        from security import merkle
        n = self.audit.size()
        if self.sth is not None and self.sth["tree_size"] == n:
            return self.sth
        ts = self.clock_ns()
        root = self.audit.tree.root(n)
        sig = sign.p256_sign(binascii.unhexlify(self.principals.audit_private),
                             merkle.sth_signed_bytes(n, ts, root))
        pub = self.audit_public_key()
        self.sth = {"tree_size": n, "timestamp": ts, "root_hash": _hex(root),
                    "signature": _hex(sig), "key_id": _hex(hashlib.sha256(pub).digest())}
        return self.sth


def parse_key_hash(text):
    """banking.toml ``admin_key_hash``: ``KEYID$ITERATIONS$SALT$HASH`` (hex; `qenex-cli
    hash-key` makes one) -> (key id, iterations, salt hex, hash hex)."""
    parts = text.split("$")
    if len(parts) != 4:
        raise ValueError("expected KEYID$ITERATIONS$SALT$HASH")
    kid, it, salt, h = parts
    if len(kid) != 16 or len(h) != 64 or not it.isdigit() or not 0 < len(salt) <= 64:
        raise ValueError("expected KEYID (16 hex) $ITERATIONS $SALT (hex) $HASH (64 hex)")
    binascii.unhexlify(kid + salt + h)
    return kid, int(it), salt, h


def _path(req):
    try:
        return req.path()[:200]
    except Exception:
        return ""


def _peer(req):
    peer = getattr(req, "peer", None)
    if peer is None:
        return None
    try:
        return "%s" % (peer[0],)
    except Exception:
        return str(peer)[:40]
