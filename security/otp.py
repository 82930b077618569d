"""One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), base32 secrets (RFC 4648) and the
otpauth:// provisioning URI. Portable (CPython on the host, MicroPython in the kernel): there
is no clock here, the caller passes the time in seconds.

Parameter errors (a bad secret, digits, period, window) raise OtpError naming the field: they
are the caller's bugs. A code that does not match, whatever it looks like, is not an error:
verification returns None.
"""
import hmac

ALGORITHMS = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
MIN_SECRET = 16        # bytes: RFC 4226 R6 asks for at least 128 bits
MAX_SECRET = 128       # bytes: more than the largest HMAC block, already generous
MIN_DIGITS = 6
MAX_DIGITS = 8
MAX_PERIOD = 120       # seconds: RFC 6238 advises 30; longer steps keep codes alive too long
MAX_WINDOW = 10        # TOTP steps either side of now
MAX_LOOK_AHEAD = 1000  # HOTP counters ahead of the expected one
MAX_COUNTER = (1 << 64) - 1  # the counter is 8 bytes in the HMAC message
MAX_B32_TEXT = 256     # characters of a base32 secret, padding included
MAX_LABEL = 128        # characters of an issuer or an account name

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Unpadded base32 lengths mod 8 that end on a whole byte (RFC 4648 section 6).
_B32_TAIL = {0: 0, 2: 1, 4: 2, 5: 3, 7: 4}
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


class OtpError(ValueError):
    pass


def _check_int(name, value, lo, hi):
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise OtpError("%s must be an integer from %d to %d" % (name, lo, hi))
    return value


def _check_secret(secret):
    if not isinstance(secret, (bytes, bytearray)):
        raise OtpError("secret must be bytes (decode base32 text with b32decode)")
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise OtpError("secret must be %d to %d bytes" % (MIN_SECRET, MAX_SECRET))
    return bytes(secret)


def _digest_name(algorithm):
    name = ALGORITHMS.get(algorithm) if isinstance(algorithm, str) else None
    if name is None:
        raise OtpError("algorithm must be one of SHA1, SHA256, SHA512")
    return name


def _hotp(secret, counter, digits, digest):
    """RFC 4226 section 5.3, the parameters already checked."""
    mac = hmac.new(secret, counter.to_bytes(8, "big"), digest).digest()
    off = mac[-1] & 0x0F  # dynamic truncation
    value = ((mac[off] & 0x7F) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3]
    text = str(value % (10 ** digits))
    return "0" * (digits - len(text)) + text


def hotp(secret, counter, digits=6, algorithm="SHA1"):
    """The HOTP code (a string of `digits` ASCII digits) of `counter`."""
    return _hotp(_check_secret(secret), _check_int("counter", counter, 0, MAX_COUNTER),
                 _check_int("digits", digits, MIN_DIGITS, MAX_DIGITS), _digest_name(algorithm))


def time_counter(now, period=30, t0=0):
    """The TOTP time step of `now` (seconds since the epoch, int or float):
    floor((now - t0) / period)."""
    _check_int("period", period, 1, MAX_PERIOD)
    _check_int("t0", t0, 0, MAX_COUNTER)
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not t0 <= now <= MAX_COUNTER:
        raise OtpError("now must be a number of seconds from t0 to 2**64 - 1")
    return (int(now) - t0) // period  # int() first: float division could round up a step


def totp(secret, now, digits=6, period=30, algorithm="SHA1", t0=0):
    """The TOTP code at time `now` (RFC 6238): HOTP of the time step."""
    return hotp(secret, time_counter(now, period, t0), digits, algorithm)


def _code_ok(code, digits):
    """A code is exactly `digits` ASCII digits; isdigit() would also take other scripts' digits."""
    if not isinstance(code, str) or len(code) != digits:
        return False
    for c in code:
        if c < "0" or c > "9":
            return False
    return True


def _match(secret, code, first, last, digits, digest):
    """The lowest counter in [first, last] whose code is `code`, or None. Every candidate is
    computed and compared in constant time, so the time taken does not tell which one matched."""
    found = None
    given = code.encode()
    for c in range(first, last + 1):
        if hmac.compare_digest(_hotp(secret, c, digits, digest).encode(), given) and found is None:
            found = c
    return found


def verify(secret, code, now, window=1, last_counter=None, digits=6, period=30,
           algorithm="SHA1", t0=0):
    """Check a TOTP code at time `now`, allowing `window` steps of clock drift either side.
    Returns the matched time step, which the caller stores as `last_counter` for the next
    call: a step at or before it is refused, so a code is good once. None when nothing
    matches (also for a code that is not exactly `digits` ASCII digits)."""
    secret = _check_secret(secret)
    digest = _digest_name(algorithm)
    _check_int("digits", digits, MIN_DIGITS, MAX_DIGITS)
    _check_int("window", window, 0, MAX_WINDOW)
    if last_counter is not None:
        _check_int("last_counter", last_counter, 0, MAX_COUNTER)
    step = time_counter(now, period, t0)
    first = max(step - window, 0)
    if last_counter is not None and first <= last_counter:
        first = last_counter + 1
    last = min(step + window, MAX_COUNTER)
    if not _code_ok(code, digits) or first > last:
        return None
    return _match(secret, code, first, last, digits, digest)


def verify_hotp(secret, code, counter, look_ahead=10, digits=6, algorithm="SHA1"):
    """Check an HOTP code against the expected `counter` (the first not yet used) and the
    `look_ahead` counters after it: a token's button may have been pressed without logging in.
    Returns the matched counter (store it + 1 as the next expected one) or None."""
    secret = _check_secret(secret)
    digest = _digest_name(algorithm)
    _check_int("digits", digits, MIN_DIGITS, MAX_DIGITS)
    _check_int("counter", counter, 0, MAX_COUNTER)
    _check_int("look_ahead", look_ahead, 0, MAX_LOOK_AHEAD)
    if not _code_ok(code, digits):
        return None
    return _match(secret, code, counter, min(counter + look_ahead, MAX_COUNTER), digits, digest)


def resync_hotp(secret, code1, code2, counter, look_ahead=100, digits=6, algorithm="SHA1"):
    """Resynchronise a token that drifted beyond the usual look-ahead (RFC 4226 section 7.4):
    two consecutive codes must match counters c and c + 1 with counter <= c <= counter +
    look_ahead. Returns c + 1 (the counter of code2; store it + 1) or None."""
    secret = _check_secret(secret)
    digest = _digest_name(algorithm)
    _check_int("digits", digits, MIN_DIGITS, MAX_DIGITS)
    _check_int("counter", counter, 0, MAX_COUNTER - 1)
    _check_int("look_ahead", look_ahead, 0, MAX_LOOK_AHEAD)
    if not _code_ok(code1, digits) or not _code_ok(code2, digits):
        return None
    given1 = code1.encode()
    given2 = code2.encode()
    last = min(counter + look_ahead, MAX_COUNTER - 1)
    found = None
    nxt = hmac.compare_digest(_hotp(secret, counter, digits, digest).encode(), given1)
    for c in range(counter, last + 1):  # every pair is compared: the time does not tell c
        this = nxt
        code = _hotp(secret, c + 1, digits, digest).encode()
        nxt = hmac.compare_digest(code, given1)
        if this and hmac.compare_digest(code, given2) and found is None:
            found = c + 1
    return found


# ---- base32 (RFC 4648 section 6) ------------------------------------------------------------

def b32encode(data):
    """Base32 text of `data`, upper case, without padding (as authenticator apps show it)."""
    out = []
    acc = bits = 0
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append(_B32[(acc >> bits) & 31])
    if bits:
        out.append(_B32[(acc << (5 - bits)) & 31])
    return "".join(out)


def b32decode(text):
    """The bytes of base32 `text`: either case, padding optional (but when given, the right
    amount). Bits left over past the last byte are dropped, as CPython does: secrets made of
    random base32 characters carry them."""
    if not isinstance(text, str):
        raise OtpError("base32 secret must be text")
    if len(text) > MAX_B32_TEXT:
        raise OtpError("base32 secret longer than %d characters" % MAX_B32_TEXT)
    body = text.rstrip("=")
    pad = len(text) - len(body)
    tail = len(body) % 8
    if tail not in _B32_TAIL or (pad and (len(text) % 8 or pad != (8 - tail) % 8)):
        raise OtpError("base32 secret has a bad length or padding")
    out = bytearray()
    acc = bits = 0
    for i in range(len(body)):
        o = ord(body[i])
        if 97 <= o <= 122:  # a-z; not str.upper(), which maps some letters to two
            o -= 32
        v = _B32.find(chr(o)) if o < 128 else -1
        if v < 0:
            raise OtpError("base32 secret has a bad character at %d" % i)
        acc = ((acc << 5) | v) & 0x1FFF  # at most 12 bits are pending
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def new_secret(random_bytes):
    """The base32 text of a new secret, made of `random_bytes` from the caller's entropy
    source (at least 16 bytes; 20 is the RFC's recommendation for SHA-1)."""
    return b32encode(_check_secret(random_bytes))


# ---- otpauth:// provisioning URI ------------------------------------------------------------

def _quote(text):
    """Percent-encode UTF-8 `text`, all but RFC 3986's unreserved characters."""
    out = []
    for ch in text:
        if ch in _UNRESERVED:
            out.append(ch)
        else:
            for b in ch.encode():
                out.append("%%%02X" % b)
    return "".join(out)


def _check_label(name, value):
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_LABEL:
        raise OtpError("%s must be text of 1 to %d characters" % (name, MAX_LABEL))
    for ch in value:
        if ch == ":" or ord(ch) < 0x20 or ord(ch) == 0x7F:
            raise OtpError("%s must not hold ':' or control characters" % name)
    return value


def provisioning_uri(secret, account, issuer=None, digits=6, period=30, algorithm="SHA1"):
    """The otpauth://totp/ URI that authenticator apps read from a QR code: label
    `issuer:account`, then secret (base32, unpadded), issuer, algorithm, digits and period."""
    secret = _check_secret(secret)
    _check_label("account", account)
    _digest_name(algorithm)
    _check_int("digits", digits, MIN_DIGITS, MAX_DIGITS)
    _check_int("period", period, 1, MAX_PERIOD)
    label = _quote(account)
    params = "secret=" + b32encode(secret)
    if issuer is not None:
        _check_label("issuer", issuer)
        label = _quote(issuer) + ":" + label
        params += "&issuer=" + _quote(issuer)
    params += "&algorithm=%s&digits=%d&period=%d" % (algorithm, digits, period)
    return "otpauth://totp/" + label + "?" + params
