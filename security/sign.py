"""Signatures for the security package (WebAuthn assertions, the signed audit log), one API on
CPython and in the kernel:

    p256_public(priv32) -> 65-byte uncompressed point (04 || x || y)
    p256_sign(priv32, message) -> DER signature      (ECDSA P-256 over SHA-256 of message)
    p256_sign_raw(priv32, message) -> 64-byte r || s
    p256_verify(pub65, message, der) -> bool         (a malformed signature is False)
    p256_verify_raw(pub65, message, raw64) -> bool
    der_to_raw(der) -> raw64, raw_to_der(raw64) -> der   (strict; ValueError)
    ed25519_verify(pub32, message, sig64) -> bool

Signing is deterministic on both sides (RFC 6979 nonces): the same key and message give the same
signature. In the kernel ECDSA is BearSSL's (`_crypto`), on CPython the `cryptography`
package's; Ed25519 is security/ed25519.py on both. A private key outside 1..n-1 or a public key
that is not 65 bytes starting with 04 is a ValueError (a caller's bug, not an attacker's input).
"""
import hashlib
import sys

from security import ed25519

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # the P-256 group order

if sys.implementation.name == "micropython":
    import _crypto

    _public = _crypto.p256_public
    _sign_raw = _crypto.p256_sign
    _verify_raw = _crypto.p256_verify
else:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def _key(priv):
        return ec.derive_private_key(int.from_bytes(priv, "big"), ec.SECP256R1())

    def _public(priv):
        return _key(priv).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def _sign_raw(priv, digest):
        alg = ec.ECDSA(utils.Prehashed(hashes.SHA256()), deterministic_signing=True)
        r, s = utils.decode_dss_signature(_key(priv).sign(digest, alg))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def _verify_raw(pub, digest, raw):
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
        except ValueError:  # not a point of the curve: no signature can match it
            return False
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                         int.from_bytes(raw[32:], "big"))
        try:
            key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            return True
        except InvalidSignature:
            return False


def _bytes(b):
    # bytes(5) would be five zero bytes: refuse anything that is not bytes-like.
    if not isinstance(b, (bytes, bytearray, memoryview)):
        raise TypeError("bytes expected, not %s" % type(b).__name__)
    return bytes(b)


def _private(priv):
    priv = _bytes(priv)
    if len(priv) != 32 or not 0 < int.from_bytes(priv, "big") < N:
        raise ValueError("P-256 private key must be 32 bytes, 1..n-1")
    return priv


def _public_key(pub):
    pub = _bytes(pub)
    if len(pub) != 65 or pub[0] != 4:
        raise ValueError("P-256 public key must be 65 bytes, uncompressed (04 || x || y)")
    return pub


def p256_public(priv):
    return _public(_private(priv))


def p256_sign_raw(priv, message):
    return _sign_raw(_private(priv), hashlib.sha256(message).digest())


def p256_sign(priv, message):
    return raw_to_der(p256_sign_raw(priv, message))


def p256_verify_raw(pub, message, raw):
    pub = _public_key(pub)
    raw = _bytes(raw)
    if len(raw) != 64:
        return False
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if not (0 < r < N and 0 < s < N):
        return False
    return _verify_raw(pub, hashlib.sha256(message).digest(), raw)


def p256_verify(pub, message, signature):
    pub = _public_key(pub)
    try:
        raw = der_to_raw(signature)
    except ValueError:
        return False
    return p256_verify_raw(pub, message, raw)


# ---- DER: SEQUENCE { INTEGER r, INTEGER s }, the X.509 / WebAuthn form ------------------------
# Strict: minimal lengths and integers, positive, no trailing bytes. For P-256 everything fits in
# short-form lengths (at most 2 + 2 * 35 = 72 bytes).

def _der_int(v):
    body = v.to_bytes(32, "big").lstrip(b"\x00")
    if body[0] & 0x80:
        body = b"\x00" + body  # keep it positive
    return b"\x02" + bytes([len(body)]) + body


def raw_to_der(raw):
    raw = _bytes(raw)
    if len(raw) != 64:
        raise ValueError("raw P-256 signature must be 64 bytes")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if not (0 < r < N and 0 < s < N):
        raise ValueError("r and s must be 1..n-1")
    body = _der_int(r) + _der_int(s)
    return b"\x30" + bytes([len(body)]) + body


def _read_int(der, i):
    if i + 2 > len(der) or der[i] != 0x02:
        raise ValueError("DER: INTEGER expected")
    n = der[i + 1]
    body = der[i + 2:i + 2 + n]
    if not 1 <= n <= 33 or len(body) != n:
        raise ValueError("DER: bad INTEGER length")
    if body[0] & 0x80:
        raise ValueError("DER: negative INTEGER")
    if n > 1 and body[0] == 0 and not body[1] & 0x80:
        raise ValueError("DER: INTEGER not minimally encoded")
    return int.from_bytes(body, "big"), i + 2 + n


def der_to_raw(der):
    der = _bytes(der)
    if not 8 <= len(der) <= 72 or der[0] != 0x30 or der[1] != len(der) - 2:
        raise ValueError("DER: not a SEQUENCE of the signature's length")
    r, i = _read_int(der, 2)
    s, i = _read_int(der, i)
    if i != len(der):
        raise ValueError("DER: bytes after the integers")
    if not (0 < r < N and 0 < s < N):
        raise ValueError("r and s must be 1..n-1")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ed25519_verify(pub, message, signature):
    return ed25519.verify(pub, message, signature)
