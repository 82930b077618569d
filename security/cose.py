"""COSE public keys (RFC 9053) as WebAuthn authenticators hand them over, and signature checks
with them. Two algorithms: ES256 (-7, ECDSA P-256 with SHA-256, DER signatures) and EdDSA
(-8, Ed25519, 64-byte signatures); both are what security keys and platform authenticators
make by default. Others (RS256 and friends) are refused: the RP asks only for these two.

A key map must hold exactly the labels of its type (kty, alg, crv, x and, for EC2, y): a
private-key label or anything unexpected is refused rather than ignored. A P-256 point is
checked to be on the curve here, so a stored credential always holds a usable key.
Portable: CPython on the host, MicroPython in the kernel.
"""
from security import sign

ES256 = -7
EDDSA = -8
ALGORITHMS = (ES256, EDDSA)
MAX_DER_SIGNATURE = 72  # SEQUENCE of two INTEGERs of up to 33 bytes

_KTY, _ALG, _CRV, _X, _Y = 1, 3, -1, -2, -3
_EC2, _OKP = 2, 1
_P256, _ED25519 = 1, 6
# P-256 (FIPS 186-4 D.1.2.3): y^2 = x^3 - 3x + b over the field of order p.
_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b


class CoseError(ValueError):
    """`code`: "bad_format" or "unsupported_algorithm" (WebAuthnError's codes)."""

    def __init__(self, code, msg):
        super().__init__("%s: %s" % (code, msg))
        self.code = code
        self.msg = msg


def _is(v, want):
    """v is the integer `want` (True == 1 in Python, but a CBOR true is not a 1)."""
    return isinstance(v, int) and not isinstance(v, bool) and v == want


def _coordinate(m, label, name):
    v = m.get(label)
    if not isinstance(v, bytes) or len(v) != 32:
        raise CoseError("bad_format", "COSE key %s must be 32 bytes" % name)
    return v


def parse_key(m):
    """(alg, public key) of the decoded COSE key map `m`: for ES256 the uncompressed point
    (65 bytes, 0x04 || x || y), for EdDSA the 32-byte Ed25519 key."""
    if not isinstance(m, dict):
        raise CoseError("bad_format", "COSE key must be a map")
    alg = m.get(_ALG)
    if not isinstance(alg, int) or alg is True or alg is False:
        raise CoseError("bad_format", "COSE key has no alg")
    if alg not in ALGORITHMS:
        raise CoseError("unsupported_algorithm", "COSE algorithm %d not supported" % alg)
    kty, crv = (_EC2, _P256) if alg == ES256 else (_OKP, _ED25519)
    labels = (_KTY, _ALG, _CRV, _X, _Y) if alg == ES256 else (_KTY, _ALG, _CRV, _X)
    if not _is(m.get(_KTY), kty):
        raise CoseError("bad_format", "COSE key type does not fit algorithm %d" % alg)
    if not _is(m.get(_CRV), crv):
        raise CoseError("unsupported_algorithm", "COSE curve not supported for %d" % alg)
    for k in m:
        if k not in labels:
            raise CoseError("bad_format", "unexpected COSE key label %r" % (k,))
    x = _coordinate(m, _X, "x")
    if alg == EDDSA:
        return alg, x
    y = _coordinate(m, _Y, "y")
    xi = int.from_bytes(x, "big")
    yi = int.from_bytes(y, "big")
    if xi >= _P or yi >= _P or (yi * yi - (xi * xi * xi - 3 * xi + _B)) % _P:
        raise CoseError("bad_format", "COSE EC2 point is not on P-256")
    return alg, b"\x04" + x + y


def verify(alg, public_key, message, signature):
    """True when `signature` is good for `message` under `public_key` (as parse_key gives it).
    Never raises for a malformed signature: it is simply not good."""
    if not isinstance(signature, (bytes, bytearray)):
        return False
    if alg == ES256:
        if not 8 <= len(signature) <= MAX_DER_SIGNATURE:
            return False
        return sign.p256_verify(public_key, message, bytes(signature)) is True
    if alg == EDDSA:
        if len(signature) != 64:
            return False
        return sign.ed25519_verify(public_key, message, bytes(signature)) is True
    raise CoseError("unsupported_algorithm", "COSE algorithm %r not supported" % (alg,))
