"""Ed25519 signature verification (RFC 8032 section 5.1.7), portable Python: BearSSL has no
Ed25519, and the same code runs on CPython so the host tests check what the kernel runs.

Strict (as "verify_strict" elsewhere): S must be below L (no malleable second signature), R and
the key A must be canonical encodings of curve points, and neither may be of small order (a
small-order key or R lets one signature pass for many messages). The group equation is the
cofactorless [S]B = R + [k]A, which the RFC allows and OpenSSL uses: every signature accepted
here is accepted by OpenSSL (the host tests check it). Verification only: the kernel holds no
Ed25519 private keys.
Points are in extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, x*y = T/Z (RFC 8032 5.1.4).
"""
import hashlib

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493  # order of the base point
D = 37095705934669439343138083508754565189542113879843219016388785533085940283555  # -121665/121666
D2 = 2 * D % P
SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
_BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960  # 4/5
B = (_BX, _BY, 1, _BX * _BY % P)
IDENTITY = (0, 1, 1, 0)


def add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * D2 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def double(p):
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1) % P
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def negate(p):
    x, y, z, t = p
    return ((P - x) % P, y, z, (P - t) % P)


def is_identity(p):
    x, y, z, _ = p
    return x % P == 0 and (y - z) % P == 0


def equal(p, q):
    x1, y1, z1, _ = p
    x2, y2, z2, _ = q
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def is_small_order(p):
    """True for the 8 points whose order divides the cofactor 8."""
    for _ in range(3):
        p = double(p)
    return is_identity(p)


def decode_point(s):
    """The point a 32-byte encoding stands for, or None if it is not canonical or not on the
    curve (RFC 8032 5.1.3)."""
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vxx = v * x * x % P
    if vxx != u:
        if vxx != (P - u) % P:
            return None
        x = x * SQRT_M1 % P
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def _combined(s, b, k, a):
    """[s]b + [k]a, s and k as 32 little-endian bytes, with one chain of doublings
    (Straus/Shamir). Bits are read from the bytes: small ints, where shifting the big ints
    would allocate at each step."""
    table = (None, b, a, add(b, a))
    q = IDENTITY
    for i in range(31, -1, -1):
        si, ki = s[i], k[i]
        for bit in range(7, -1, -1):
            q = double(q)
            j = ((si >> bit) & 1) | (((ki >> bit) & 1) << 1)
            if j:
                q = add(q, table[j])
    return q


def verify(public_key, message, signature):
    """True if `signature` (64 bytes) is public_key's (32 bytes) Ed25519 signature of message.
    A key that is not 32 bytes is a ValueError; any malformed signature is just False."""
    for b in (public_key, message, signature):
        if not isinstance(b, (bytes, bytearray, memoryview)):  # bytes(5) is five zero bytes
            raise TypeError("bytes expected, not %s" % type(b).__name__)
    public_key, signature = bytes(public_key), bytes(signature)
    if len(public_key) != 32:
        raise ValueError("Ed25519 public key must be 32 bytes")
    if len(signature) != 64:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    a = decode_point(public_key)
    r = decode_point(signature[:32])
    if a is None or r is None or is_small_order(a) or is_small_order(r):
        return False
    h = hashlib.sha512(signature[:32] + public_key + bytes(message)).digest()
    k = int.from_bytes(h, "little") % L
    # [S]B - [k]A, compared with R
    return equal(_combined(signature[32:], B, k.to_bytes(32, "little"), negate(a)), r)
