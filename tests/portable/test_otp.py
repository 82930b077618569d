# security/otp.py: the RFCs' own test values (RFC 4226 appendix D, RFC 6238 appendix B with the
# errata's seeds), the verification rules (window, replay, look-ahead, resync, malformed codes),
# base32 and the provisioning URI.
from security import otp

SEED20 = b"12345678901234567890"
SEED32 = b"12345678901234567890123456789012"
SEED64 = b"1234567890" * 6 + b"1234"

# RFC 4226 appendix D: the secret "12345678901234567890", counters 0 to 9.
RFC4226 = ["755224", "287082", "359152", "969429", "338314",
           "254676", "287922", "162583", "399871", "520489"]

# RFC 6238 appendix B: time -> (SHA1, SHA256, SHA512), 8 digits, period 30.
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


def raises(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except otp.OtpError as e:
        return str(e)
    raise AssertionError("no OtpError")


def test_rfc4226_hotp_values():
    for counter, code in enumerate(RFC4226):
        assert otp.hotp(SEED20, counter) == code


def test_rfc6238_totp_table():
    for now, c1, c256, c512 in RFC6238:
        assert otp.totp(SEED20, now, digits=8) == c1
        assert otp.totp(SEED32, now, digits=8, algorithm="SHA256") == c256
        assert otp.totp(SEED64, now, digits=8, algorithm="SHA512") == c512
        step = now // 30
        assert otp.verify(SEED20, c1, now, digits=8) == step
        assert otp.verify(SEED32, c256, now, digits=8, algorithm="SHA256") == step
        assert otp.verify(SEED64, c512, now, digits=8, algorithm="SHA512") == step


def test_seven_digits_and_leading_zeros():
    # The 8-digit code at 1111111109 is 07081804: shorter codes are its last digits.
    assert otp.totp(SEED20, 1111111109, digits=7) == "7081804"
    assert otp.totp(SEED20, 1111111109, digits=6) == "081804"
    assert otp.verify(SEED20, "081804", 1111111109) == 1111111109 // 30


def test_float_time_and_t0():
    assert otp.totp(SEED20, 59.999, digits=8) == "94287082"
    assert otp.time_counter(59.999) == 1
    assert otp.time_counter(90, period=30, t0=30) == 2
    assert otp.totp(SEED20, 89, digits=8, t0=30) == "94287082"


def test_window_accepts_neighbouring_steps_only():
    now = 1234567890
    step = now // 30
    before = otp.totp(SEED20, now - 30)
    after = otp.totp(SEED20, now + 30)
    far = otp.totp(SEED20, now + 60)
    assert otp.verify(SEED20, before, now) == step - 1
    assert otp.verify(SEED20, after, now) == step + 1
    assert otp.verify(SEED20, before, now, window=0) is None
    assert otp.verify(SEED20, far, now) is None
    assert otp.verify(SEED20, far, now, window=2) == step + 2


def test_replay_of_same_or_older_step_is_refused():
    now = 1234567890
    code = otp.totp(SEED20, now)
    step = otp.verify(SEED20, code, now)
    assert step == now // 30
    assert otp.verify(SEED20, code, now, last_counter=step) is None
    assert otp.verify(SEED20, code, now + 10, last_counter=step) is None
    assert otp.verify(SEED20, code, now, last_counter=step - 1) == step
    # An older code inside the window is refused once a newer step was used.
    older = otp.totp(SEED20, now - 30)
    assert otp.verify(SEED20, older, now, last_counter=step) is None
    newer = otp.totp(SEED20, now + 30)
    assert otp.verify(SEED20, newer, now + 30, last_counter=step) == step + 1


def test_malformed_codes_fail_without_exception():
    now = 59
    good = otp.totp(SEED20, now, digits=8)
    bad = ["", "9428708", "942870822", " 4287082", "9428708a", "94287O82", "+4287082",
           "９4287082", good + "\n", None, 94287082, b"94287082", ["94287082"]]
    for code in bad:
        assert otp.verify(SEED20, code, now, digits=8) is None, code
        assert otp.verify_hotp(SEED20, code, 1, digits=8) is None, code
    assert otp.verify(SEED20, good, now, digits=8) == 1
    assert otp.verify(SEED20, good, now, digits=6) is None  # right code, wrong length
    assert otp.verify(SEED20, "00000000", now, digits=8) is None


def test_hotp_look_ahead():
    assert otp.verify_hotp(SEED20, RFC4226[0], 0) == 0
    assert otp.verify_hotp(SEED20, RFC4226[7], 2, look_ahead=5) == 7
    assert otp.verify_hotp(SEED20, RFC4226[8], 2, look_ahead=5) is None
    assert otp.verify_hotp(SEED20, RFC4226[1], 2) is None  # already used: behind the counter
    assert otp.verify_hotp(SEED20, RFC4226[3], 3, look_ahead=0) == 3


def test_hotp_resync_needs_two_consecutive_codes():
    codes = [otp.hotp(SEED20, c) for c in range(0, 60)]
    assert otp.resync_hotp(SEED20, codes[40], codes[41], 0, look_ahead=50) == 41
    assert otp.resync_hotp(SEED20, codes[40], codes[42], 0, look_ahead=50) is None
    assert otp.resync_hotp(SEED20, codes[41], codes[40], 0, look_ahead=50) is None
    assert otp.resync_hotp(SEED20, codes[40], codes[41], 0, look_ahead=39) is None
    assert otp.resync_hotp(SEED20, codes[40], codes[41], 40, look_ahead=0) == 41
    assert otp.resync_hotp(SEED20, "12345", codes[41], 0) is None


def test_parameter_errors_name_the_field():
    assert "secret" in raises(otp.hotp, b"short", 0)
    assert "secret" in raises(otp.hotp, b"x" * 129, 0)
    assert "secret" in raises(otp.hotp, "12345678901234567890", 0)
    assert "counter" in raises(otp.hotp, SEED20, -1)
    assert "counter" in raises(otp.hotp, SEED20, 1 << 64)
    assert "digits" in raises(otp.hotp, SEED20, 0, digits=5)
    assert "digits" in raises(otp.hotp, SEED20, 0, digits=9)
    assert "algorithm" in raises(otp.hotp, SEED20, 0, algorithm="MD5")
    assert "algorithm" in raises(otp.hotp, SEED20, 0, algorithm="sha1")
    assert "period" in raises(otp.totp, SEED20, 59, period=0)
    assert "period" in raises(otp.totp, SEED20, 59, period=121)
    assert "now" in raises(otp.totp, SEED20, -1)
    assert "now" in raises(otp.totp, SEED20, float("nan"))
    assert "now" in raises(otp.totp, SEED20, float("inf"))
    assert "now" in raises(otp.totp, SEED20, "59")
    assert "window" in raises(otp.verify, SEED20, "123456", 59, window=11)
    assert "last_counter" in raises(otp.verify, SEED20, "123456", 59, last_counter=-1)
    assert "look_ahead" in raises(otp.verify_hotp, SEED20, "123456", 0, look_ahead=1001)


def test_base32_rfc4648_vectors():
    # RFC 4648 section 10, without the padding.
    for raw, text in [(b"", ""), (b"f", "MY"), (b"fo", "MZXQ"), (b"foo", "MZXW6"),
                      (b"foob", "MZXW6YQ"), (b"fooba", "MZXW6YTB"), (b"foobar", "MZXW6YTBOI")]:
        assert otp.b32encode(raw) == text
        assert otp.b32decode(text) == raw
        assert otp.b32decode(text.lower()) == raw
        padded = text + "=" * ((8 - len(text) % 8) % 8)
        assert otp.b32decode(padded) == raw
    assert otp.b32encode(SEED20) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert otp.b32decode("gezdgnbvgy3tqojqGEZDGNBVGY3TQOJQ") == SEED20


def test_base32_round_trip_all_lengths():
    data = bytes(range(256))
    for n in range(0, 41):
        chunk = data[n * 5:n * 5 + n]
        assert otp.b32decode(otp.b32encode(chunk)) == chunk


def test_base32_rejects_bad_text():
    for text in ["M", "MZX", "MZXW6Y", "MZ1Q", "MZ XQ", "MZ=Q", "MY=", "MY=====", "MY=======",
                 "MZXW6YTBOI==", "ﬆ", "MZXQ\n", "é", "MZXW6YTB========"]:
        assert "base32" in raises(otp.b32decode, text), text
    assert "base32" in raises(otp.b32decode, "A" * 257)
    assert "base32" in raises(otp.b32decode, b"MZXQ")


def test_new_secret():
    raw = bytes(range(20))
    text = otp.new_secret(raw)
    assert text == "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT"
    assert otp.b32decode(text) == raw
    assert "secret" in raises(otp.new_secret, bytes(15))


def test_provisioning_uri():
    uri = otp.provisioning_uri(SEED20, "alice@example.com", "QENEX Bank")
    assert uri == ("otpauth://totp/QENEX%20Bank:alice%40example.com"
                   "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=QENEX%20Bank"
                   "&algorithm=SHA1&digits=6&period=30")
    uri = otp.provisioning_uri(SEED32, "bob", digits=8, period=60, algorithm="SHA256")
    assert uri == ("otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
                   "&algorithm=SHA256&digits=8&period=60")
    # Non-ASCII is UTF-8, percent-encoded; reserved characters are encoded too.
    uri = otp.provisioning_uri(SEED20, "zoë&co/1?", "Bänk")
    assert uri.startswith("otpauth://totp/B%C3%A4nk:zo%C3%AB%26co%2F1%3F?secret=")
    assert "&issuer=B%C3%A4nk&" in uri


def test_provisioning_uri_rejects_bad_labels():
    assert "account" in raises(otp.provisioning_uri, SEED20, "")
    assert "account" in raises(otp.provisioning_uri, SEED20, "a:b")
    assert "account" in raises(otp.provisioning_uri, SEED20, "a\nb")
    assert "account" in raises(otp.provisioning_uri, SEED20, "a" * 129)
    assert "issuer" in raises(otp.provisioning_uri, SEED20, "alice", "Bank:Evil")
    assert "issuer" in raises(otp.provisioning_uri, SEED20, "alice", "")
    assert "digits" in raises(otp.provisioning_uri, SEED20, "alice", digits=10)
