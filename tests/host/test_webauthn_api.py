# WebAuthn through the security API (security/api.py): a hardware key or platform
# authenticator (tests/host/support/fakeauthn.py signs with `cryptography`) registers, then an
# assertion opens a session with the second factor checked, which may do a privileged action;
# a replayed assertion, a wrong signature and UV off are refused, and the counter survives a
# reboot. The service runs as in tests/portable/test_security_service.py.
import base64

from tests.host.support import fakeauthn
from tests.portable.test_security_service import Env

ORIGIN = "http://localhost:8080"
RP = "localhost"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def register(env, auth):
    opts = env.ok("POST", "/api/v1/auth/webauthn/register/begin", {})
    assert opts["rp"]["id"] == RP and opts["authenticatorSelection"]["userVerification"] == \
        "required"
    cdj, att = auth.register(RP, ORIGIN, unb64(opts["challenge"]))
    d = env.ok("POST", "/api/v1/auth/webauthn/register",
               {"client_data_json": b64(cdj), "attestation_object": b64(att)}, status=201)
    return d["credential_id"]


def assertion(env, auth, cid, **kw):
    opts = env.ok("POST", "/api/v1/auth/webauthn/assert/begin", {})
    cdj, ad, sig = auth.assertion(RP, ORIGIN, unb64(opts["challenge"]), **kw)
    return {"credential_id": cid, "client_data_json": b64(cdj), "authenticator_data": b64(ad),
            "signature": b64(sig)}


def test_webauthn_session_does_privileged_actions_and_replays_fail():
    env = Env()
    for alg, secret in ((fakeauthn.ES256, fakeauthn.P256_SCALAR),
                        (fakeauthn.EDDSA, fakeauthn.ED25519_SEED)):
        auth = fakeauthn.FakeAuthenticator(alg, secret, bytes([alg & 0xFF]) * 16)
        cid = register(env, auth)
        body = assertion(env, auth, cid)
        d = env.ok("POST", "/api/v1/auth/webauthn/assert", body, status=201)
        assert d["mfa"] is True and d["session"].startswith("qxs_")
        # The session is enough for a privileged action (no X-QENEX-OTP).
        env.ok("POST", "/api/v1/auth/principals", {"id": "op%d" % (alg & 0xFF),
                                                   "role": "operator"}, key=d["session"],
               status=201)
        # The same assertion again: its challenge is gone; a new challenge with an old
        # counter: replayed.
        env.error("POST", "/api/v1/auth/webauthn/assert", body, env.key, 400, "no_challenge")
        old = assertion(env, auth, cid, count=1)
        env.error("POST", "/api/v1/auth/webauthn/assert", old, env.key, 401,
                  "webauthn_replayed_counter")
        bad = assertion(env, auth, cid)
        sig = bytearray(unb64(bad["signature"]))
        sig[-1] ^= 1
        bad["signature"] = b64(bytes(sig))
        env.error("POST", "/api/v1/auth/webauthn/assert", bad, env.key, 401,
                  "webauthn_bad_signature")
        no_uv = assertion(env, auth, cid, flags=fakeauthn.UP)
        env.error("POST", "/api/v1/auth/webauthn/assert", no_uv, env.key, 401,
                  "webauthn_user_not_verified")
    # The counter is durable: after a reboot an old one is still refused.
    again = Env(env.media)
    again.key = env.key
    old = assertion(again, auth, cid, count=1)
    again.error("POST", "/api/v1/auth/webauthn/assert", old, env.key, 401,
                "webauthn_replayed_counter")
    good = assertion(again, auth, cid)
    again.ok("POST", "/api/v1/auth/webauthn/assert", good, key=env.key, status=201)
