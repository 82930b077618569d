# Property tests: security/otp.py against pyotp, an independent implementation (host only).
#
# Random secrets, times, counters, digits, periods and algorithms: our codes equal pyotp's,
# pyotp's codes verify with us at the step they were made for, a code verifies only at a step
# whose code it is, our URI reads back in pyotp with every parameter, and base32 agrees with
# CPython's base64 module.
import base64
import hashlib
import urllib.parse

import pyotp
from hypothesis import given, settings, strategies as st

from security import otp

DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
SETTINGS = dict(deadline=None, max_examples=300)

secrets = st.binary(min_size=otp.MIN_SECRET, max_size=otp.MAX_SECRET)
algorithms = st.sampled_from(sorted(DIGESTS))
digits = st.integers(otp.MIN_DIGITS, otp.MAX_DIGITS)
periods = st.sampled_from([1, 10, 15, 30, 60, 90, otp.MAX_PERIOD])
times = st.integers(0, 253402300000)  # pyotp's limit: before year 10000, and a margin
labels = st.text(st.characters(blacklist_characters=":", blacklist_categories=("Cc", "Cs")),
                 min_size=1, max_size=otp.MAX_LABEL)


def pyotp_totp(secret, d, period, alg):
    return pyotp.TOTP(base64.b32encode(secret).decode(), digits=d, interval=period,
                      digest=DIGESTS[alg])


@settings(**SETTINGS)
@given(secrets, st.integers(0, otp.MAX_COUNTER), digits, algorithms)
def test_hotp_agrees_with_pyotp(secret, counter, d, alg):
    ref = pyotp.HOTP(base64.b32encode(secret).decode(), digits=d, digest=DIGESTS[alg])
    assert otp.hotp(secret, counter, d, alg) == ref.at(counter)


@settings(**SETTINGS)
@given(secrets, times, digits, periods, algorithms)
def test_totp_agrees_with_pyotp(secret, now, d, period, alg):
    ref = pyotp_totp(secret, d, period, alg)
    code = ref.at(now)
    assert otp.totp(secret, now, d, period, alg) == code
    assert otp.verify(secret, code, now, 0, None, d, period, alg) == now // period
    assert ref.verify(otp.totp(secret, now, d, period, alg), for_time=now)


@settings(**SETTINGS)
@given(secrets, times, st.integers(-3, 3), st.integers(0, 3), digits, periods, algorithms)
def test_pyotp_codes_verify_within_the_window(secret, now, skew, window, d, period, alg):
    made_at = now + skew * period
    if made_at < 0:
        return
    code = pyotp_totp(secret, d, period, alg).at(made_at)
    step = otp.verify(secret, code, now, window, None, d, period, alg)
    if abs(skew) <= window:
        assert step is not None
        # Codes of two steps may collide (10**-d): the lowest step with this code wins.
        assert step <= made_at // period
    if step is not None:
        assert otp.hotp(secret, step, d, alg) == code
        assert abs(step - now // period) <= window
        again = otp.verify(secret, code, now, window, step, d, period, alg)
        assert again is None or again > step  # never the same step twice


@settings(**SETTINGS)
@given(secrets, times, st.text(alphabet="0123456789", min_size=6, max_size=8),
       st.integers(0, 10), st.one_of(st.none(), st.integers(0, 2 ** 40)), algorithms)
def test_a_code_verifies_only_at_a_step_whose_code_it_is(secret, now, code, window, last, alg):
    step = otp.verify(secret, code, now, window, last, len(code), 30, alg)
    here = now // 30
    window_steps = [c for c in range(max(here - window, 0), here + window + 1)
                    if last is None or c > last]
    matches = [c for c in window_steps if otp.hotp(secret, c, len(code), alg) == code]
    assert step == (matches[0] if matches else None)


@settings(**SETTINGS)
@given(secrets, st.integers(0, 2 ** 40), st.integers(0, 20), st.integers(0, 30), algorithms)
def test_hotp_look_ahead_and_resync(secret, counter, ahead, look_ahead, alg):
    ref = pyotp.HOTP(base64.b32encode(secret).decode(), digest=DIGESTS[alg])
    got = otp.verify_hotp(secret, ref.at(counter + ahead), counter, look_ahead, 6, alg)
    if ahead <= look_ahead:
        assert got is not None and got <= counter + ahead
    if got is not None:
        assert counter <= got <= counter + look_ahead
    pair = otp.resync_hotp(secret, ref.at(counter + ahead), ref.at(counter + ahead + 1),
                           counter, look_ahead, 6, alg)
    if ahead <= look_ahead:
        assert pair is not None and pair <= counter + ahead + 1
    else:
        # Two consecutive 6-digit codes of a random secret colliding: 10**-12 per step.
        assert pair is None


@settings(**SETTINGS)
@given(secrets, labels, st.one_of(st.none(), labels), digits, periods, algorithms)
def test_provisioning_uri_reads_back_in_pyotp(secret, account, issuer, d, period, alg):
    uri = otp.provisioning_uri(secret, account, issuer, d, period, alg)
    assert uri.isascii() and " " not in uri
    ref = pyotp.parse_uri(uri)
    assert isinstance(ref, pyotp.TOTP)
    assert ref.byte_secret() == secret
    assert ref.digits == d and ref.interval == period and ref.digest is DIGESTS[alg]
    assert ref.name == account
    assert ref.issuer == issuer
    parsed = urllib.parse.urlsplit(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    label = urllib.parse.unquote(parsed.path[1:])
    assert label == (account if issuer is None else issuer + ":" + account)


@settings(**SETTINGS)
@given(st.binary(max_size=150))
def test_base32_agrees_with_cpython(data):
    ref = base64.b32encode(data).decode()
    assert otp.b32encode(data) == ref.rstrip("=")
    assert otp.b32decode(ref) == data
    assert otp.b32decode(ref.rstrip("=").lower()) == data


@settings(**SETTINGS)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz=18 ", max_size=40))
def test_base32_decode_accepts_what_cpython_accepts(text):
    """Ours takes the padding as optional; CPython gets it added when the text has none."""
    try:
        ours = otp.b32decode(text)
    except otp.OtpError:
        ours = None
    padded = text if "=" in text else text + "=" * (-len(text) % 8)
    try:
        ref = base64.b32decode(padded, casefold=True)
    except ValueError:
        ref = None
    assert ours == ref


def test_pyotp_random_secrets_decode():
    for _ in range(50):
        text = pyotp.random_base32()
        raw = otp.b32decode(text)
        assert len(raw) == 20
        assert otp.totp(raw, 1700000000) == pyotp.TOTP(text).at(1700000000)
