# security.sign and security.ed25519 against the `cryptography` package on random keys and
# messages: signatures made by one verify with the other, altered ones fail in both, and the DER
# codec agrees with cryptography's. (tests/portable/test_crypto_primitives.py holds the published
# vectors, on the host and in the kernel; test_hashes_cpython.py the hashlib/hmac wrappers.)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519 as ced, utils
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings, strategies as st

from security import ed25519, sign

N = sign.N
SCALARS = st.integers(1, N - 1)
MESSAGES = st.binary(max_size=200)


def p256_key(d):
    return ec.derive_private_key(d, ec.SECP256R1())


def p256_pub(key):
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@given(SCALARS, MESSAGES)
def test_p256_cryptography_signatures_verify_with_sign(d, msg):
    key = p256_key(d)
    der = key.sign(msg, ec.ECDSA(hashes.SHA256()))  # random k
    pub = p256_pub(key)
    assert sign.p256_public(d.to_bytes(32, "big")) == pub
    assert sign.p256_verify(pub, msg, der)
    assert not sign.p256_verify(pub, msg + b"\x00", der)
    r, s = utils.decode_dss_signature(der)
    assert sign.der_to_raw(der) == r.to_bytes(32, "big") + s.to_bytes(32, "big")


@given(SCALARS, MESSAGES, st.integers(0, 8 * 72 - 1))
def test_p256_sign_signatures_verify_with_cryptography(d, msg, bit):
    priv = d.to_bytes(32, "big")
    der = sign.p256_sign(priv, msg)
    pub = p256_key(d).public_key()
    pub.verify(der, msg, ec.ECDSA(hashes.SHA256()))  # raises if it does not verify
    assert sign.p256_sign(priv, msg) == der  # deterministic
    bad = bytearray(der)
    bad[bit // 8 % len(der)] ^= 1 << bit % 8
    try:
        pub.verify(bytes(bad), msg, ec.ECDSA(hashes.SHA256()))
        theirs = True
    except (InvalidSignature, ValueError):
        theirs = False
    assert not sign.p256_verify(p256_pub(p256_key(d)), msg, bytes(bad))
    assert theirs is False


@given(st.binary(min_size=0, max_size=80))
def test_der_parser_accepts_only_canonical_encodings(data):
    try:
        raw = sign.der_to_raw(data)
    except ValueError:
        return
    assert sign.raw_to_der(raw) == data  # anything accepted is the one canonical form
    r, s = utils.decode_dss_signature(data)
    assert raw == r.to_bytes(32, "big") + s.to_bytes(32, "big")


@given(SCALARS, SCALARS)
def test_raw_to_der_matches_cryptography(r, s):
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert sign.raw_to_der(raw) == utils.encode_dss_signature(r, s)
    assert sign.der_to_raw(sign.raw_to_der(raw)) == raw


@settings(max_examples=60)
@given(st.binary(min_size=32, max_size=32), MESSAGES, st.integers(0, 511))
def test_ed25519_cryptography_signatures_verify(seed, msg, bit):
    key = ced.Ed25519PrivateKey.from_private_bytes(seed)
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    sig = key.sign(msg)
    assert ed25519.verify(pub, msg, sig)
    assert sign.ed25519_verify(pub, msg, sig)
    bad = bytearray(sig)
    bad[bit // 8] ^= 1 << bit % 8
    assert not ed25519.verify(pub, msg, bytes(bad))
    assert not ed25519.verify(pub, msg + b"x", sig)
    try:
        key.public_key().verify(bytes(bad), msg)
        theirs = True
    except InvalidSignature:
        theirs = False
    assert theirs is False


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=64, max_size=64), MESSAGES)
def test_ed25519_agrees_with_cryptography_on_random_input(pub, sig, msg):
    try:
        ced.Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
        theirs = True
    except (InvalidSignature, ValueError):
        theirs = False
    ours = ed25519.verify(pub, msg, sig)
    assert theirs or not ours  # never accepts what OpenSSL refuses
    a, r = ed25519.decode_point(pub), ed25519.decode_point(sig[:32])
    if a and r and not ed25519.is_small_order(a) and not ed25519.is_small_order(r):
        assert ours is theirs  # strictness aside (non-canonical, small order), the same verdict


def test_ed25519_stricter_than_openssl_on_small_order_points():
    # All-zero key and R (a point of order 4), S = 0: OpenSSL accepts it for some messages
    # (when [k]A happens to equal -R); the strict verifier never does.
    zero = bytes(32)
    accepted = []
    for i in range(64):
        try:
            ced.Ed25519PublicKey.from_public_bytes(zero).verify(zero + zero, bytes([i]))
            accepted.append(i)
        except InvalidSignature:
            pass
    assert accepted  # the weakness exists where the cofactor is not checked
    assert not any(ed25519.verify(zero, bytes([i]), zero + zero) for i in accepted)
