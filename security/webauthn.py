"""WebAuthn (W3C Level 2) relying-party verification, for hardware security keys and platform
authenticators (fingerprint, face or PIN: the UV flag says the authenticator verified the
user). Registration gives a Credential to store; each assertion gives the new signature
counter to store with it. Portable: CPython on the host, MicroPython in the kernel.

What is checked is listed at each function and in security/AUTH-MFA.md. Attestation: "none"
and "packed" self-attestation only; full attestation (certificate chains up to a vendor root:
packed with x5c, fido-u2f, tpm, android-key, apple, ...) is NOT verified and is refused with
unsupported_attestation. Ask the browser for attestation "none".

A failed check raises WebAuthnError(code, message) with one of the codes below. A bad argument
from the relying party's own code (a challenge of 3 bytes, an rp_id that is not text) raises
ValueError naming it: that is a bug to fix, not a login to refuse.
"""
import hashlib
import hmac

from security import cbor, cose

try:
    from kernel.lib import json as _json
except ImportError:  # in the kernel, kernel/lib/json.py is the top-level json
    import json as _json

CODES = ("bad_type", "bad_challenge", "bad_origin", "bad_rp_id", "user_not_present",
         "user_not_verified", "bad_signature", "replayed_counter", "bad_format",
         "unsupported_algorithm", "unsupported_attestation")

MAX_CLIENT_DATA = 4096    # bytes of clientDataJSON; browsers send about 150
MAX_AUTH_DATA = 4096      # bytes of authenticatorData: 37 + 18 + a 1023-byte id + key + extensions
MAX_ATTESTATION = 16384   # bytes of the attestation object
MAX_SIGNATURE = 256       # bytes: ES256 DER signatures are at most 72, Ed25519 64
MAX_CREDENTIAL_ID = 1023  # Level 2, section 6.5.1
MIN_CHALLENGE, MAX_CHALLENGE = 16, 64  # Level 2 section 13.4.3: at least 16 random bytes

# authenticatorData flags (Level 2 section 6.1)
UP = 0x01  # user present: a touch
UV = 0x04  # user verified: biometric or PIN, checked by the authenticator
AT = 0x40  # attested credential data follows
ED = 0x80  # extension data follows

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class WebAuthnError(Exception):
    """A registration or assertion that must be refused. `code` is one of CODES."""

    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


class Credential:
    """A registered credential: what the relying party stores with the user."""

    def __init__(self, credential_id, public_key, alg, sign_count, uv, aaguid):
        self.credential_id = credential_id  # bytes, up to 1023
        self.public_key = public_key        # ES256: 65-byte uncompressed point; EdDSA: 32 bytes
        self.alg = alg                      # COSE algorithm: -7 (ES256) or -8 (EdDSA)
        self.sign_count = sign_count        # the last signature counter seen
        self.uv = uv                        # the user was verified at registration
        self.aaguid = aaguid                # 16 bytes: the authenticator model (zeros if hidden)

    def __repr__(self):
        return "Credential(id=%s, alg=%d, sign_count=%d, uv=%r)" % (
            b64url(self.credential_id), self.alg, self.sign_count, self.uv)


def b64url(data):
    """base64url without padding (RFC 4648 section 5), as clientDataJSON carries the
    challenge; also how the challenge and credential ids go to the browser."""
    out = []
    for i in range(0, len(data), 3):
        chunk = bytes(data[i:i + 3])
        n = len(chunk)
        v = int.from_bytes(chunk + bytes(3 - n), "big")
        for k in range(n + 1):
            out.append(_B64URL[(v >> (18 - 6 * k)) & 63])
    return "".join(out)


def _check_args(rp_id, origin, challenge, require_uv):
    if not isinstance(rp_id, str) or not 1 <= len(rp_id) <= 253:
        raise ValueError("rp_id must be text of 1 to 253 characters")
    if not isinstance(origin, str) or not 1 <= len(origin) <= 512:
        raise ValueError("origin must be text of 1 to 512 characters")
    if not isinstance(challenge, (bytes, bytearray)) or \
            not MIN_CHALLENGE <= len(challenge) <= MAX_CHALLENGE:
        raise ValueError("challenge must be %d to %d bytes" % (MIN_CHALLENGE, MAX_CHALLENGE))
    if require_uv is not True and require_uv is not False:
        raise ValueError("require_uv must be True or False")


def _bytes(value, name, lo, hi):
    if not isinstance(value, (bytes, bytearray)) or not lo <= len(value) <= hi:
        raise WebAuthnError("bad_format", "%s must be %d to %d bytes" % (name, lo, hi))
    return bytes(value)


def _has_keys(m, names):
    """m is a map with exactly the text keys `names` (keys may be of mixed types: no sort)."""
    if not isinstance(m, dict) or len(m) != len(names):
        return False
    for k in names:
        if k not in m:
            return False
    return True


def _client_data(data, expected_type, challenge, origin):
    """Level 2 section 7.1 steps 5-12 (7.2 steps 9-16): the client data is JSON from the
    browser, naming what the browser was asked to do, by which origin, with which challenge."""
    data = _bytes(data, "clientDataJSON", 1, MAX_CLIENT_DATA)
    try:
        c = _json.loads(data, max_depth=4, max_size=MAX_CLIENT_DATA, strict_keys=True)
    except ValueError as e:
        raise WebAuthnError("bad_format", "clientDataJSON is not JSON: %s" % e)
    if not isinstance(c, dict):
        raise WebAuthnError("bad_format", "clientDataJSON is not an object")
    if c.get("type") != expected_type:
        raise WebAuthnError("bad_type", "clientData type is not %s" % expected_type)
    got = c.get("challenge")
    if not isinstance(got, str) or \
            not hmac.compare_digest(got.encode(), b64url(challenge).encode()):
        raise WebAuthnError("bad_challenge", "clientData challenge is not the one issued")
    if c.get("origin") != origin:
        raise WebAuthnError("bad_origin", "clientData origin is not %s" % origin)
    cross = c.get("crossOrigin", False)
    if cross is not False:  # a frame of another site asked: not something we allow
        raise WebAuthnError("bad_origin", "clientData crossOrigin is not false")
    tb = c.get("tokenBinding")
    if isinstance(tb, dict) and tb.get("status") == "present":
        raise WebAuthnError("bad_format", "token binding is not supported")
    return hashlib.sha256(data).digest()


def _auth_data(data):
    """Parse authenticatorData (Level 2 section 6.1): (rp id hash, flags, sign count,
    (aaguid, credential id, COSE key map) or None). Nothing may follow the last part."""
    n = len(data)
    if n < 37:
        raise WebAuthnError("bad_format", "authenticatorData shorter than 37 bytes")
    flags = data[32]
    count = int.from_bytes(data[33:37], "big")
    attested = None
    pos = 37
    try:
        if flags & AT:
            if n < pos + 18:
                raise WebAuthnError("bad_format", "attested credential data truncated")
            aaguid = data[37:53]
            idlen = int.from_bytes(data[53:55], "big")
            if not 1 <= idlen <= MAX_CREDENTIAL_ID or n < 55 + idlen:
                raise WebAuthnError("bad_format", "credential id length %d is bad" % idlen)
            cred_id = data[55:55 + idlen]
            key, pos = cbor.decode_first(data, 55 + idlen, max_depth=1, max_items=16)
            attested = (aaguid, cred_id, key)
        if flags & ED:
            ext, pos = cbor.decode_first(data, pos, max_depth=4, max_items=64)
            if not isinstance(ext, dict):
                raise WebAuthnError("bad_format", "authenticatorData extensions not a map")
    except cbor.CborError as e:
        raise WebAuthnError("bad_format", "authenticatorData: %s" % e)
    if pos != n:
        raise WebAuthnError("bad_format", "authenticatorData has %d bytes too many" % (n - pos))
    return data[:32], flags, count, attested


def _check_flags(rp_hash, flags, rp_id, require_uv):
    if rp_hash != hashlib.sha256(rp_id.encode()).digest():
        raise WebAuthnError("bad_rp_id", "authenticatorData is for another rp id")
    if not flags & UP:
        raise WebAuthnError("user_not_present", "the user did not touch the authenticator")
    if require_uv and not flags & UV:
        raise WebAuthnError("user_not_verified", "the authenticator did not verify the user")


def _parse_key(m):
    try:
        return cose.parse_key(m)
    except cose.CoseError as e:
        raise WebAuthnError(e.code, e.msg)


def verify_registration(rp_id, origin, challenge, client_data_json, attestation_object,
                        require_uv=True):
    """Verify a navigator.credentials.create() response (Level 2 section 7.1) and return the
    new Credential. Checks: clientData type "webauthn.create", challenge, origin, crossOrigin
    false; rpIdHash is SHA-256(rp_id); UP set; UV set when `require_uv`; attested credential
    data present, its key ES256 or EdDSA; attestation "none" (empty statement) or "packed"
    self-attestation (alg equal to the key's, signature by the credential key over
    authenticatorData || SHA-256(clientDataJSON)). Attestation chains (packed with x5c,
    fido-u2f, tpm, android-key, apple, ...) are NOT verified: refused with
    unsupported_attestation. The caller checks that the credential id is not already
    registered to another user (section 7.1 step 22)."""
    _check_args(rp_id, origin, challenge, require_uv)
    cd_hash = _client_data(client_data_json, "webauthn.create", challenge, origin)
    obj = _bytes(attestation_object, "attestationObject", 1, MAX_ATTESTATION)
    try:
        att = cbor.loads(obj, max_depth=4, max_items=64, max_size=MAX_ATTESTATION)
    except cbor.CborError as e:
        raise WebAuthnError("bad_format", "attestationObject: %s" % e)
    if not _has_keys(att, ("fmt", "attStmt", "authData")):
        raise WebAuthnError("bad_format", "attestationObject must hold fmt, attStmt, authData")
    fmt, stmt, auth_data = att["fmt"], att["attStmt"], att["authData"]
    if not isinstance(fmt, str) or not isinstance(stmt, dict):
        raise WebAuthnError("bad_format", "attestationObject fmt or attStmt has a bad type")
    auth_data = _bytes(auth_data, "authData", 37, MAX_AUTH_DATA)
    rp_hash, flags, count, attested = _auth_data(auth_data)
    _check_flags(rp_hash, flags, rp_id, require_uv)
    if attested is None:
        raise WebAuthnError("bad_format", "authData has no attested credential data")
    aaguid, cred_id, key = attested
    alg, public_key = _parse_key(key)
    if fmt == "none":
        if stmt:
            raise WebAuthnError("bad_format", "attStmt of format none must be empty")
    elif fmt == "packed":
        if "x5c" in stmt or "ecdaaKeyId" in stmt:
            raise WebAuthnError("unsupported_attestation",
                                "packed attestation with a certificate chain is not verified")
        if not _has_keys(stmt, ("alg", "sig")):
            raise WebAuthnError("bad_format", "packed attStmt must hold alg and sig")
        if not isinstance(stmt["alg"], int) or isinstance(stmt["alg"], bool) or \
                stmt["alg"] != alg:
            raise WebAuthnError("bad_format", "packed attStmt alg is not the credential's")
        sig = stmt["sig"]
        if not isinstance(sig, bytes) or len(sig) > MAX_SIGNATURE or \
                not cose.verify(alg, public_key, auth_data + cd_hash, sig):
            raise WebAuthnError("bad_signature", "packed self-attestation signature is bad")
    else:
        raise WebAuthnError("unsupported_attestation",
                            "attestation format %r is not supported" % fmt[:32])
    return Credential(cred_id, public_key, alg, count, bool(flags & UV), aaguid)


def verify_assertion(credential, rp_id, origin, challenge, client_data_json, authenticator_data,
                     signature, require_uv=True):
    """Verify a navigator.credentials.get() response (Level 2 section 7.2) for the stored
    `credential` (the caller looked it up by the response's credential id and checked it
    belongs to the user) and return the new signature counter, to store. Checks: clientData
    type "webauthn.get", challenge, origin, crossOrigin false; rpIdHash; UP; UV when
    `require_uv`; no attested credential data; the signature over authenticatorData ||
    SHA-256(clientDataJSON) (ES256: DER; EdDSA: 64 bytes); and the counter: when the stored or
    the new count is not zero, the new one must be greater, else the authenticator was cloned
    or the response replayed (replayed_counter)."""
    if not isinstance(credential, Credential):
        raise ValueError("credential must be a Credential")
    stored = credential.sign_count
    if not isinstance(stored, int) or isinstance(stored, bool) or not 0 <= stored <= 0xFFFFFFFF:
        raise ValueError("credential.sign_count must be an integer from 0 to 2**32 - 1")
    _check_args(rp_id, origin, challenge, require_uv)
    cd_hash = _client_data(client_data_json, "webauthn.get", challenge, origin)
    auth_data = _bytes(authenticator_data, "authenticatorData", 37, MAX_AUTH_DATA)
    rp_hash, flags, count, attested = _auth_data(auth_data)
    _check_flags(rp_hash, flags, rp_id, require_uv)
    if attested is not None:
        raise WebAuthnError("bad_format", "an assertion carries no attested credential data")
    if credential.alg not in cose.ALGORITHMS:
        raise WebAuthnError("unsupported_algorithm", "credential algorithm %r" % credential.alg)
    if not isinstance(signature, (bytes, bytearray)) or len(signature) > MAX_SIGNATURE or \
            not cose.verify(credential.alg, credential.public_key, auth_data + cd_hash,
                            bytes(signature)):
        raise WebAuthnError("bad_signature", "assertion signature is bad")
    if (count or stored) and count <= stored:
        raise WebAuthnError("replayed_counter", "signature counter %d not above the stored %d"
                            % (count, stored))
    return count
