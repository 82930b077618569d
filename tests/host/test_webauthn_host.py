# Property tests: security/webauthn.py against a fake authenticator on `cryptography`
# (tests/host/support/fakeauthn.py), with fresh keys from each example's bytes (host only).
#
# Good ceremonies pass for both algorithms, any credential id, AAGUID and counter sequence;
# every single-bit corruption of what is signed (authenticatorData, clientDataJSON, the
# signature, the whole packed attestation object) is refused with a WebAuthnError; the flags
# and counter rules hold for any values; random bytes never raise anything but WebAuthnError.
import hashlib

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from security import cbor, webauthn
from tests.host.support.fakeauthn import (AT, ED, EDDSA, ES256, UP, UV, FakeAuthenticator,
                                          client_data)

SETTINGS = dict(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
RP_ID = "bank.example"
ORIGIN = "https://bank.example"
P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551

challenges = st.binary(min_size=webauthn.MIN_CHALLENGE, max_size=webauthn.MAX_CHALLENGE)


@st.composite
def authenticators(draw, algs=(ES256, EDDSA)):
    alg = draw(st.sampled_from(algs))
    seed = draw(st.binary(min_size=32, max_size=32))
    if alg == ES256:  # a scalar in [1, n-1]
        seed = (int.from_bytes(seed, "big") % (P256_N - 1) + 1).to_bytes(32, "big")
    cred_id = draw(st.binary(min_size=1, max_size=webauthn.MAX_CREDENTIAL_ID))
    aaguid = draw(st.binary(min_size=16, max_size=16))
    return FakeAuthenticator(alg, seed, cred_id, aaguid, draw(st.integers(0, 1000)))


def register(a, fmt="packed", challenge=bytes(16)):
    cdj, att = a.register(RP_ID, ORIGIN, challenge, fmt)
    return webauthn.verify_registration(RP_ID, ORIGIN, challenge, cdj, att)


def refused(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except webauthn.WebAuthnError as e:
        assert e.code in webauthn.CODES
        return e.code
    return None


def flip_bit(data, bit):
    """`data` with bit number `bit` (modulo its length: ECDSA signatures, and so attestation
    objects, vary in length from one run to the next) inverted."""
    bit %= len(data) * 8
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


bits = st.integers(0, 1 << 16)


@settings(**SETTINGS)
@given(authenticators(), st.sampled_from(["none", "packed"]), challenges,
       st.lists(st.integers(1, 1000), max_size=4), st.booleans())
def test_good_ceremonies(a, fmt, challenge, steps, uv):
    start = a.sign_count
    flags = UP | AT | (UV if uv else 0)
    cdj, att = a.register(RP_ID, ORIGIN, challenge, fmt, flags)
    cred = webauthn.verify_registration(RP_ID, ORIGIN, challenge, cdj, att, require_uv=uv)
    assert cred.credential_id == a.credential_id and cred.aaguid == a.aaguid
    assert cred.public_key == a.public_key() and cred.alg == a.alg
    assert cred.sign_count == start and cred.uv == uv
    for step in steps:
        count = a.sign_count + step
        cdj, ad, sig = a.assertion(RP_ID, ORIGIN, challenge, UP | UV, count)
        a.sign_count = count
        cred.sign_count = webauthn.verify_assertion(cred, RP_ID, ORIGIN, challenge, cdj, ad, sig)
        assert cred.sign_count == count


@settings(**SETTINGS)
@given(authenticators(), challenges, st.sampled_from(["ad", "cdj", "sig"]), st.data())
def test_any_bit_flip_in_an_assertion_is_refused(a, challenge, part, data):
    cred = register(a, challenge=challenge)
    parts = dict(zip(("cdj", "ad", "sig"), a.assertion(RP_ID, ORIGIN, challenge)))
    assert webauthn.verify_assertion(cred, RP_ID, ORIGIN, challenge, parts["cdj"], parts["ad"],
                                     parts["sig"]) == a.sign_count
    parts[part] = flip_bit(parts[part], data.draw(bits))
    assert refused(webauthn.verify_assertion, cred, RP_ID, ORIGIN, challenge, parts["cdj"],
                   parts["ad"], parts["sig"])


@settings(**SETTINGS)
@given(authenticators(), challenges, st.data())
def test_any_bit_flip_in_a_packed_registration_is_refused(a, challenge, data):
    cdj, att = a.register(RP_ID, ORIGIN, challenge, "packed")
    if data.draw(st.booleans()):
        att = flip_bit(att, data.draw(bits))
    else:
        cdj = flip_bit(cdj, data.draw(bits))
    assert refused(webauthn.verify_registration, RP_ID, ORIGIN, challenge, cdj, att)


@settings(**SETTINGS)
@given(authenticators(), challenges, st.data())
def test_none_registration_checks_what_it_can(a, challenge, data):
    """"none" signs nothing: a change of the credential inside goes unseen (that is what
    "none" means), and so does one of a clientData member we do not read (crossOrigin's name:
    unknown members are ignored), but type, challenge, origin, the rp id hash and the flags
    are still checked."""
    cdj, att = a.register(RP_ID, ORIGIN, challenge, "none")
    m = cbor.loads(att)
    if data.draw(st.booleans()):
        checked = cdj.index(b',"crossOrigin"')  # {"type":..,"challenge":..,"origin":..
        cdj = flip_bit(cdj, data.draw(st.integers(0, checked * 8 - 1)))
    else:  # the rp id hash, or the UP/UV/AT flags
        bit = data.draw(st.sampled_from(list(range(256)) + [256, 258, 262]))
        att = cbor.dumps(dict(m, authData=flip_bit(m["authData"], bit)))
    assert refused(webauthn.verify_registration, RP_ID, ORIGIN, challenge, cdj, att)


@settings(**SETTINGS)
@given(authenticators(), st.integers(0, 255), st.booleans())
def test_flags_rules(a, flags, require_uv):
    cred = register(a)
    cdj, ad, sig = a.assertion(RP_ID, ORIGIN, bytes(16), flags & ~(AT | ED))
    if flags & ED:  # extensions present, then signed like the rest
        ad = ad[:32] + bytes([ad[32] | ED]) + ad[33:] + cbor.dumps({"credProps": True})
        sig = a.sign(ad + hashlib.sha256(cdj).digest())
    got = refused(webauthn.verify_assertion, cred, RP_ID, ORIGIN, bytes(16), cdj, ad, sig,
                  require_uv)
    if not flags & UP:
        assert got == "user_not_present"
    elif require_uv and not flags & UV:
        assert got == "user_not_verified"
    else:
        assert got is None


@settings(**SETTINGS)
@given(authenticators(), st.integers(0, 2 ** 32 - 1), st.integers(0, 2 ** 32 - 1))
def test_counter_rule(a, stored, new):
    cred = register(a)
    cred.sign_count = stored
    cdj, ad, sig = a.assertion(RP_ID, ORIGIN, bytes(16), UP | UV, new)
    got = refused(webauthn.verify_assertion, cred, RP_ID, ORIGIN, bytes(16), cdj, ad, sig)
    if new > stored or new == stored == 0:
        assert got is None
    else:
        assert got == "replayed_counter"


@settings(**SETTINGS)
@given(authenticators(), challenges, challenges,
       st.sampled_from(["https://bank.example.evil", "https://evil.example", "null", ""]),
       st.sampled_from(["evil.example", "ank.example", "bank.exampl"]))
def test_wrong_challenge_origin_rp_id(a, challenge, other, origin, rp_id):
    assume(challenge != other)
    cred = register(a, challenge=challenge)
    cdj, ad, sig = a.assertion(RP_ID, ORIGIN, challenge)
    args = [cred, RP_ID, ORIGIN, challenge, cdj, ad, sig]
    assert refused(webauthn.verify_assertion, *(args[:3] + [other] + args[4:])) == \
        "bad_challenge"
    if origin:
        assert refused(webauthn.verify_assertion, *(args[:2] + [origin] + args[3:])) == \
            "bad_origin"
    assert refused(webauthn.verify_assertion, *(args[:1] + [rp_id] + args[2:])) == "bad_rp_id"
    # The browser reporting another origin than the one expected:
    cdj = client_data("webauthn.get", challenge, "https://evil.example")
    sig = a.sign(ad + hashlib.sha256(cdj).digest())
    assert refused(webauthn.verify_assertion, cred, RP_ID, ORIGIN, challenge, cdj, ad, sig) == \
        "bad_origin"


@settings(**SETTINGS)
@given(st.binary(max_size=600), st.binary(max_size=200), st.binary(max_size=100))
def test_random_input_raises_only_webauthn_errors(blob, cdj, sig):
    refused(webauthn.verify_registration, RP_ID, ORIGIN, bytes(16), cdj, blob)
    cred = webauthn.Credential(b"id", b"\x04" + bytes(64), ES256, 0, True, bytes(16))
    refused(webauthn.verify_assertion, cred, RP_ID, ORIGIN, bytes(16), cdj, blob, sig)
    good = client_data("webauthn.create", bytes(16), ORIGIN)
    refused(webauthn.verify_registration, RP_ID, ORIGIN, bytes(16), good, blob)
    att = cbor.dumps({"fmt": "packed", "attStmt": {"alg": -7, "sig": sig}, "authData": blob})
    assert refused(webauthn.verify_registration, RP_ID, ORIGIN, bytes(16), good, att)


names = st.sampled_from(["fmt", "attStmt", "authData", "alg", "sig", "x5c", b"fmt", 1, -7])
scalars = st.one_of(st.integers(-2 ** 64, 2 ** 64 - 1), st.binary(max_size=80),
                    st.text(max_size=10), st.booleans(), st.none(),
                    st.sampled_from(["none", "packed", "tpm"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=4)), max_leaves=12)


@settings(**SETTINGS)
@given(st.dictionaries(names, values, max_size=5), st.booleans())
def test_random_attestation_structures_raise_only_webauthn_errors(obj, real_auth_data):
    """Well-formed CBOR of any shape, some with the right names and a real authData."""
    if real_auth_data:
        a = FakeAuthenticator(EDDSA, bytes(32), b"id")
        obj["authData"] = a.auth_data(RP_ID, UP | UV | AT, 0)
    good = client_data("webauthn.create", bytes(16), ORIGIN)
    got = refused(webauthn.verify_registration, RP_ID, ORIGIN, bytes(16), good, cbor.dumps(obj))
    if got is None:  # only an object "none" would pass: there is nothing signed to check
        assert obj.get("fmt") == "none" and obj.get("attStmt") == {} and len(obj) == 3
