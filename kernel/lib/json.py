"""RFC 8259 JSON for code running in the kernel, with exact decimals for money.

Installed as the top-level ``json`` module in the kernel image (MicroPython has
none there); on the host it is ``kernel.lib.json``. The design and every
deliberate difference from CPython's json are in kernel/JSON.md. In short:

* ``loads`` accepts exactly the RFC 8259 grammar and raises ``JSONDecodeError``
  (a ValueError) with the character position for anything else: no NaN or
  Infinity, no lone surrogates (MicroPython strings cannot hold them), no raw
  control characters in strings, only the four JSON whitespace characters.
  Nesting (``max_depth``) and document size (``max_size``) are bounded; the
  parser is iterative, so deep input never reaches a RecursionError.
* Integers are exact ints; numbers with a fraction or an exponent are floats,
  or ``parse_float(literal_text)``. ``loads_exact`` gives ``Decimal`` values:
  an exact (coefficient, exponent) pair whose ``to_minor_units(places)``
  converts an amount to an integer count of cents (or any unit) and refuses
  to round.
* ``dumps`` produces the same text as CPython's json.dumps for dicts, lists,
  tuples, str, int, float, bool and None, except that NaN and infinities are
  a ValueError (strict JSON); a Decimal is written as its plain number text.

The input is scanned as UTF-8 bytes by index: on MicroPython, indexing a str
walks it from the start, indexing bytes does not.
"""

import sys

_MP = sys.implementation.name == "micropython"


def _utf8(s):
    """s as UTF-8; a lone surrogate (only CPython's str has them) encoded as such."""
    try:
        return s.encode()
    except UnicodeError:
        return s.encode("utf-8", "surrogatepass")

MAX_SIZE = 4 << 20          # default max_size of loads, bytes of UTF-8
MAX_DEPTH = 64              # default nesting limit of loads and dumps
MAX_INT_DIGITS = 4300       # longest integer literal (CPython's int/str limit)
DECIMAL_MAX_EXPONENT = 1000  # |exponent| of a normalised Decimal


class JSONDecodeError(ValueError):
    """Invalid JSON text. ``msg``: what is wrong; ``pos``: index of the character where it
    was found (characters of the text, as for CPython's json); ``lineno``, ``colno``: the
    same position counted from 1."""

    def __init__(self, msg, pos=0, lineno=1, colno=None):
        if colno is None:
            colno = pos + 1
        super().__init__("line %d column %d (char %d): %s" % (lineno, colno, pos, msg))
        self.msg = msg
        self.pos = pos
        self.lineno = lineno
        self.colno = colno


# ---- decoding ---------------------------------------------------------------------------------

def _chars(bs):
    """Number of characters in the UTF-8 bytes `bs` (continuation bytes do not count)."""
    try:
        return len(bs.decode())
    except UnicodeError:
        n = 0
        for c in bs:
            if c & 0xC0 != 0x80:
                n += 1
        return n


def _fail(b, pos, msg):
    """Raise JSONDecodeError for byte offset `pos` of the document `b`."""
    head = b[:pos]
    nl = head.rfind(b"\n")
    cpos = _chars(head)
    raise JSONDecodeError(msg, cpos, head.count(b"\n") + 1,
                          cpos - _chars(head[:nl + 1]) + 1)


def _utf8_error_at(b, i, j):
    """Offset of the first byte in b[i:j] that does not start a valid UTF-8 sequence
    (overlong forms, surrogates and code points past U+10FFFF included), or -1."""
    while i < j:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            n, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            n, lo, hi = 2, 0xA0, 0xBF
        elif c == 0xED:
            n, lo, hi = 2, 0x80, 0x9F
        elif 0xE1 <= c <= 0xEF:
            n, lo, hi = 2, 0x80, 0xBF
        elif c == 0xF0:
            n, lo, hi = 3, 0x90, 0xBF
        elif c == 0xF4:
            n, lo, hi = 3, 0x80, 0x8F
        elif 0xF1 <= c <= 0xF3:
            n, lo, hi = 3, 0x80, 0xBF
        else:
            return i
        if i + n >= j or not lo <= b[i + 1] <= hi:
            return i
        for k in range(i + 2, i + n + 1):
            if not 0x80 <= b[k] <= 0xBF:
                return i
        i += n + 1
    return -1


# What MicroPython's decoder lets through: it checks only the shape of each sequence (and
# rejects lead bytes from 0xF8), not overlong forms, surrogates or code points past U+10FFFF.
# These lead bytes never occur in UTF-8, and these others restrict the byte after them.
_NEVER_UTF8 = (b"\xc0", b"\xc1", b"\xf5", b"\xf6", b"\xf7")
_SECOND_BYTE = ((b"\xe0", 0xA0, 0xBF), (b"\xed", 0x80, 0x9F), (b"\xf0", 0x90, 0xBF),
                (b"\xf4", 0x80, 0x8F))


def _bad_utf8(b, n):
    _fail(b, max(_utf8_error_at(b, 0, n), 0), "invalid UTF-8")


def _check_utf8(b, n):
    """Reject b[:n] if it is not UTF-8 (b: text that decoded and a NUL sentinel)."""
    for lead in _NEVER_UTF8:
        if b.find(lead) >= 0:
            _bad_utf8(b, n)
    for lead, lo, hi in _SECOND_BYTE:
        k = b.find(lead)
        while k >= 0:
            if not lo <= b[k + 1] <= hi:  # b[k + 1] exists: the sentinel
                _bad_utf8(b, n)
            k = b.find(lead, k + 1)


def _control(b, i):
    """Fail at the first control character from b[i] on (one is known to be in the string)."""
    while b[i] >= 32:
        i += 1
    _fail(b, i, "control character U+%04X in string (escape it)" % b[i])


def _chunk(b, i, j):
    """b[i:j], a run of a string without escapes, as str."""
    s = b[i:j]
    if i < j and min(s) < 32:
        _control(b, i)
    return s.decode()  # valid: loads() has decoded the whole text


def _hex4(b, i):
    """The value of the four hex digits at b[i:i + 4], or -1."""
    v = 0
    for k in range(i, i + 4):
        c = b[k]
        if 48 <= c <= 57:
            c -= 48
        elif 97 <= c <= 102:
            c -= 87
        elif 65 <= c <= 70:
            c -= 55
        else:
            return -1
        v = v * 16 + c
    return v


_ESCAPED = {34: '"', 92: "\\", 47: "/", 98: "\b", 102: "\f", 110: "\n", 114: "\r", 116: "\t"}


def _string(b, i):
    """The string whose opening quote is b[i - 1]; returns (str, offset after its end)."""
    start = i - 1
    j = b.find(b'"', i)
    if j < 0:
        _fail(b, start, "unterminated string")
    k = b.find(b"\\", i, j)
    parts = []
    while k >= 0:
        if k > i:
            parts.append(_chunk(b, i, k))
        c = b[k + 1]
        if c == 117:  # \uXXXX
            cp = _hex4(b, k + 2)
            if cp < 0:
                _fail(b, k, "invalid \\u escape (needs 4 hex digits)")
            i = k + 6
            if 0xD800 <= cp <= 0xDFFF:
                lo = -1
                if cp <= 0xDBFF and b[i] == 92 and b[i + 1] == 117:
                    lo = _hex4(b, i + 2)
                    if lo < 0:
                        _fail(b, i, "invalid \\u escape (needs 4 hex digits)")
                if not 0xDC00 <= lo <= 0xDFFF:
                    _fail(b, k, "lone surrogate \\u%04x (not supported)" % cp)
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                i += 6
            parts.append(chr(cp))
        else:
            ch = _ESCAPED.get(c)
            if ch is None:
                _fail(b, k, "invalid escape")
            parts.append(ch)
            i = k + 2
        if i > j:  # the quote at j was escaped: find the real end
            j = b.find(b'"', i)
            if j < 0:
                _fail(b, start, "unterminated string")
        k = b.find(b"\\", i, j)
    parts.append(_chunk(b, i, j))
    return "".join(parts), j + 1


def _clip(raw):
    text = raw.decode()
    return text if len(text) <= 40 else text[:40] + "..."


def _custom_number(parse, b, start, i):
    """parse_float or parse_int on the literal b[start:i] (a ValueError becomes the error)."""
    try:
        return parse(b[start:i].decode())
    except ValueError as e:
        _fail(b, start, "number %s: %s" % (_clip(b[start:i]), e))


def _exact_number(b, start, i):
    """The Decimal of the literal b[start:i] (no str in between)."""
    ce = _split_decimal(b[start:i])
    if type(ce) is str:
        _fail(b, start, "number %s: %s" % (_clip(b[start:i]), ce))
    return _decimal(ce)


def _no_digit(b, i, what):
    _fail(b, i, "expected a digit" + what + (" (Infinity is not JSON)" if b[i] == 73 else ""))


# On MicroPython a function call is cheap only while its frame (locals and evaluation stack)
# fits in 88 bytes; a bigger one is allocated on the heap, which costs tens of microseconds in
# the kernel. So the common tokens are read inline here, in the one frame of _parse, and the
# helpers above are for the rare paths.

def _parse(b, n, parse_float, parse_int, max_depth, strict_keys):
    """Parse b[:n] (b[n] is a NUL sentinel, so b[i] never runs past the end)."""
    stack = []   # open containers, innermost last
    keys = []    # for each: the member name awaiting its value (None for lists)
    names = {}   # member names seen, by their raw bytes: decoded once, shared
    # No backslash in b[i:bs] for the i of the string being read: a string that ends before bs
    # has no escapes (bs only moves forward, so this costs one find per backslash).
    bs = -1
    max_int = MAX_INT_DIGITS
    want_key = False
    i = 0
    c = b[0]
    while True:
        if want_key:
            # ---- a member name and its ':' (after whitespace); the object is stack[-1]
            want_key = False
            if c != 34:
                _fail(b, i, "expected '\"' (a member name)")
            j = b.find(b'"', i + 1)
            if bs <= i:
                bs = b.find(b"\\", i)
                if bs < 0:
                    bs = n
            if j < 0 or bs < j:
                key, k = _string(b, i + 1)
            else:
                raw = b[i + 1:j]
                key = names.get(raw)
                if key is None:
                    if j > i + 1 and min(raw) < 32:
                        _control(b, i + 1)
                    key = raw.decode()
                    if len(names) < 64:
                        names[raw] = key
                k = j + 1
            if strict_keys and key in stack[-1]:
                _fail(b, i, "duplicate member name %r" % key)
            keys[-1] = key
            i = k
            c = b[i]
            while c <= 32 and (c == 32 or c == 10 or c == 13 or c == 9):
                i += 1
                c = b[i]
            if c != 58:
                _fail(b, i, "expected ':'")
            i += 1
            c = b[i]
        # ---- a value starts at i (after whitespace)
        while c <= 32 and (c == 32 or c == 10 or c == 13 or c == 9):
            i += 1
            c = b[i]
        if c == 34:
            j = b.find(b'"', i + 1)
            if bs <= i:
                bs = b.find(b"\\", i)
                if bs < 0:
                    bs = n
            if j < 0 or bs < j:
                val, i = _string(b, i + 1)
            else:
                val = b[i + 1:j]
                if j > i + 1 and min(val) < 32:
                    _control(b, i + 1)
                val = val.decode()
                i = j + 1
        elif c == 45 or 48 <= c <= 57:
            # -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
            start = i
            if c == 45:
                i += 1
                c = b[i]
            if c == 48:
                i += 1
            elif 49 <= c <= 57:
                i += 1
                while 47 < b[i] < 58:
                    i += 1
            else:
                _no_digit(b, i, "")
            c = b[i]
            if c != 46 and c != 101 and c != 69:  # an integer
                if parse_int is not None:
                    val = _custom_number(parse_int, b, start, i)
                elif i - start <= max_int or i - start - (b[start] == 45) <= max_int:
                    val = int(b[start:i])
                else:
                    _fail(b, start, "integer longer than %d digits" % max_int)
            else:
                if c == 46:
                    i += 1
                    if not 47 < b[i] < 58:
                        _no_digit(b, i, " after '.'")
                    while 47 < b[i] < 58:
                        i += 1
                    c = b[i]
                if c == 101 or c == 69:
                    i += 1
                    c = b[i]
                    if c == 43 or c == 45:
                        i += 1
                    if not 47 < b[i] < 58:
                        _no_digit(b, i, " in the exponent")
                    while 47 < b[i] < 58:
                        i += 1
                if parse_float is None:
                    val = float(b[start:i])
                elif parse_float is Decimal:
                    val = _exact_number(b, start, i)
                else:
                    val = _custom_number(parse_float, b, start, i)
        elif c == 91 or c == 123:  # [ {
            if len(stack) >= max_depth:
                _fail(b, i, "nesting deeper than %d levels" % max_depth)
            close = c + 2
            i += 1
            c = b[i]
            while c <= 32 and (c == 32 or c == 10 or c == 13 or c == 9):
                i += 1
                c = b[i]
            if c == close:
                val = [] if close == 93 else {}
                i += 1
            else:
                stack.append([] if close == 93 else {})
                keys.append(None)
                want_key = close == 125
                continue
        elif c == 116 and b[i:i + 4] == b"true":
            val = True
            i += 4
        elif c == 102 and b[i:i + 5] == b"false":
            val = False
            i += 5
        elif c == 110 and b[i:i + 4] == b"null":
            val = None
            i += 4
        else:
            _fail(b, i, "expected a value" + (" (NaN and Infinity are not JSON)"
                                              if c == 78 or c == 73 else ""))
        # ---- store the value in its container; close the containers that end here
        c = b[i]
        while True:
            while c <= 32 and (c == 32 or c == 10 or c == 13 or c == 9):
                i += 1
                c = b[i]
            if not stack:
                if i != n:
                    _fail(b, i, "extra data after the value")
                return val
            top = stack[-1]
            if type(top) is list:
                top.append(val)
                if c == 44:  # ,
                    i += 1
                    c = b[i]
                    break
                if c != 93:
                    _fail(b, i, "expected ',' or ']'")
            else:
                top[keys[-1]] = val
                if c == 44:
                    i += 1
                    c = b[i]
                    while c <= 32 and (c == 32 or c == 10 or c == 13 or c == 9):
                        i += 1
                        c = b[i]
                    want_key = True
                    break
                if c != 125:
                    _fail(b, i, "expected ',' or '}'")
            i += 1
            c = b[i]
            val = stack.pop()
            keys.pop()


def loads(text, parse_float=None, parse_int=None, max_depth=MAX_DEPTH, max_size=MAX_SIZE,
          strict_keys=False):
    """The value of the JSON text `text` (str, or UTF-8 bytes/bytearray; a UTF-8 byte order
    mark at the start of bytes is skipped). ``parse_float(literal)``/``parse_int(literal)``
    build numbers with/without fraction or exponent from their text; ``strict_keys``
    rejects duplicate member names (otherwise the last wins)."""
    if isinstance(text, str):
        if len(text) > max_size:
            raise JSONDecodeError("document larger than %d bytes" % max_size, 0)
        if text[:1] == "\ufeff":
            raise JSONDecodeError("unexpected byte order mark (decode bytes to skip it)", 0)
        try:
            b = text.encode()
        except UnicodeError as e:  # CPython: a lone surrogate in the str
            pos = e.start
            raise JSONDecodeError("lone surrogate (not supported)", pos,
                                  text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos))
        chars = len(text)
    elif isinstance(text, (bytes, bytearray)):
        b = text if type(text) is bytes else bytes(text)
        if b[:3] == b"\xef\xbb\xbf":
            b = b[3:]
        if len(b) > max_size:
            raise JSONDecodeError("document larger than %d bytes" % max_size, 0)
        try:
            chars = len(b.decode())
        except UnicodeError:
            _bad_utf8(b, len(b))
    else:
        raise TypeError("the JSON object must be str, bytes or bytearray, not %s"
                        % type(text).__name__)
    n = len(b)
    if n > max_size:
        raise JSONDecodeError("document larger than %d bytes" % max_size, 0)
    b += b"\x00"
    if _MP and chars != n:
        _check_utf8(b, n)
    return _parse(b, n, parse_float, parse_int, max_depth, strict_keys)


def loads_exact(text, **kw):
    """loads() with every number that has a fraction or exponent as a Decimal."""
    return loads(text, parse_float=Decimal, **kw)


def load(fp, **kw):
    return loads(fp.read(), **kw)


# ---- exact decimals ---------------------------------------------------------------------------

def _normalise(digits, exp, neg):
    """(coefficient, exponent) of the value ±int(digits) * 10**exp (digits: ASCII bytes),
    without trailing zeros in the coefficient; zero is (0, 0). Out of bounds: the reason, a
    str (a try costs more than the rest of this on the kernel's hot path)."""
    s = digits.rstrip(b"0")
    if not s:
        return 0, 0
    exp += len(digits) - len(s)
    s = s.lstrip(b"0")
    if len(s) > MAX_INT_DIGITS:
        return "more than %d significant digits" % MAX_INT_DIGITS
    if not -DECIMAL_MAX_EXPONENT <= exp <= DECIMAL_MAX_EXPONENT:
        return "exponent out of range (|exponent| > %d)" % DECIMAL_MAX_EXPONENT
    c = int(s)
    return (-c if neg else c), exp


def _split_decimal(b):
    """_normalise of a well-formed decimal literal (bytes): [+-] digits [. digits] [e [+-] digits]
    with a digit somewhere before the exponent."""
    neg = b[0] == 45
    if neg or b[0] == 43:
        b = b[1:]
    exp = 0
    k = b.find(b"e")
    if k < 0:
        k = b.find(b"E")
    if k >= 0:
        e = b[k + 1:]
        b = b[:k]
        if len(e.lstrip(b"+-").lstrip(b"0")) > 9:  # beyond any bound: do not build the int
            e = e[:1] + b"9999999999" if e[0] == 45 else b"9999999999"
        exp = int(e)
    k = b.find(b".")
    if k >= 0:
        exp -= len(b) - k - 1
        b = b[:k] + b[k + 1:]
    return _normalise(b, exp, neg)


def _parse_decimal(b):
    """(coefficient, exponent) of the decimal literal in the bytes b, or why not (a str)."""
    n = len(b)
    i = 1 if n and (b[0] == 45 or b[0] == 43) else 0
    digits = 0
    while i < n and (47 < b[i] < 58 or b[i] == 46):
        digits += b[i] != 46
        i += 1
    if not digits or b.count(b".", 0, i) > 1:
        return "not a decimal literal"
    if i < n:
        if b[i] != 101 and b[i] != 69:
            return "not a decimal literal"
        i += 1
        if i < n and (b[i] == 43 or b[i] == 45):
            i += 1
        if i == n:
            return "not a decimal literal"
        while i < n and 47 < b[i] < 58:
            i += 1
        if i < n:
            return "not a decimal literal"
    return _split_decimal(b)


def _decimal(ce):
    """The Decimal of a (coefficient, exponent) pair from _normalise; ValueError for a reason."""
    if type(ce) is str:
        raise ValueError(ce)
    d = object.__new__(Decimal)
    d.coefficient, d.exponent = ce
    return d


class Decimal:
    """An exact decimal number: ``coefficient * 10 ** exponent`` (two ints), normalised so
    that the coefficient has no trailing zeros (zero is 0, 0). Built from a decimal literal
    (JSON number syntax, also with '+', leading zeros, '.5' or '5.'), an int or a Decimal.
    Equal values are equal and hash alike (also to an equal int); comparisons with
    Decimal and int. No arithmetic: convert to integer minor units for that."""

    def __init__(self, value=0):
        if isinstance(value, Decimal):
            ce = value.coefficient, value.exponent
        elif isinstance(value, int):
            ce = _normalise(("%d" % abs(value)).encode(), 0, value < 0)
        elif isinstance(value, str):
            ce = _parse_decimal(_utf8(value))
            if ce == "not a decimal literal":
                ce = "not a decimal literal: %r" % value
        else:
            raise TypeError("Decimal from %s: use a str or an int" % type(value).__name__)
        if type(ce) is str:
            raise ValueError(ce)
        self.coefficient, self.exponent = ce

    @classmethod
    def from_minor_units(cls, units, places):
        """The Decimal units / 10**places: from_minor_units(100000, 2) == Decimal('1000')."""
        if not isinstance(units, int) or not isinstance(places, int):
            raise TypeError("from_minor_units needs ints")
        return _decimal(_normalise(("%d" % abs(units)).encode(), -places, units < 0))

    def to_minor_units(self, places):
        """The value times 10**places as an int: Decimal('1000.00').to_minor_units(2) ==
        100000. ValueError if that is not a whole number (never rounds)."""
        if not isinstance(places, int) or not 0 <= places <= DECIMAL_MAX_EXPONENT:
            raise ValueError("places must be an int from 0 to %d" % DECIMAL_MAX_EXPONENT)
        e = self.exponent + places
        if e < 0:
            raise ValueError("%s has more than %d decimal places" % (self, places))
        return self.coefficient * 10 ** e

    def __str__(self):
        c, e = self.coefficient, self.exponent
        s = "%d" % abs(c)
        sign = "-" if c < 0 else ""
        if e >= 0:
            return sign + s + "0" * e
        k = len(s) + e  # digits before the point
        if k > 0:
            return sign + s[:k] + "." + s[k:]
        return sign + "0." + "0" * -k + s

    def __repr__(self):
        return "Decimal('%s')" % self

    def __eq__(self, other):
        if isinstance(other, Decimal):  # both normalised
            return self.coefficient == other.coefficient and self.exponent == other.exponent
        return isinstance(other, int) and self._cmp(other) == 0

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        if self.exponent >= 0:
            return hash(self.coefficient * 10 ** self.exponent)
        return hash((self.coefficient, self.exponent))

    def _cmp(self, other):
        """-1, 0 or 1 as self is less than, equal to or greater than the Decimal or int."""
        if isinstance(other, Decimal):
            b, eb = other.coefficient, other.exponent
        elif isinstance(other, int):
            b, eb = int(other), 0
        else:
            raise TypeError("cannot compare Decimal and %s" % type(other).__name__)
        a, ea = self.coefficient, self.exponent
        if ea > eb:
            a *= 10 ** (ea - eb)
        else:
            b *= 10 ** (eb - ea)
        return -1 if a < b else (1 if a > b else 0)

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0

    def __bool__(self):
        return self.coefficient != 0


# ---- encoding ---------------------------------------------------------------------------------
#
# The output is built as bytes and decoded once at the end: on MicroPython every new str is
# looked up among the interned strings (a scan of the string pools), a new bytes is not.

def _escape_table(ensure_ascii):
    t = [None] * 128
    for c in range(32):
        t[c] = b"\\u%04x" % c
    for c, e in ((8, b"\\b"), (9, b"\\t"), (10, b"\\n"), (12, b"\\f"), (13, b"\\r"), (34, b'\\"'),
                 (92, b"\\\\")):
        t[c] = e
    if ensure_ascii:
        t[127] = b"\\u007f"
    return t


_ESC_ASCII = _escape_table(True)
_ESC_UTF8 = _escape_table(False)
# CPython: a str may hold lone surrogates; they are written through as CPython's json does.
_SURROGATES = "strict" if _MP else "surrogatepass"


def _quote(s, ensure_ascii):
    """The JSON string literal of s as UTF-8 bytes, as CPython's json writes it."""
    b = s.encode() if _MP else _utf8(s)
    if not b:
        return b'""'
    if min(b) >= 32 and b.find(b'"') < 0 and b.find(b"\\") < 0 and (
            not ensure_ascii or max(b) < 127):
        return b'"' + b + b'"'
    return _escape(b, ensure_ascii)


def _escape(b, ensure_ascii):
    """_quote of the UTF-8 bytes b that need escapes (a separate function: its frame is big)."""
    table = _ESC_ASCII if ensure_ascii else _ESC_UTF8
    parts = [b'"']
    n = len(b)
    run = i = 0  # b[run:i] is copied as it is
    while i < n:
        c = b[i]
        if c < 128:
            e = table[c]
            if e is None:
                i += 1
                continue
            if run < i:
                parts.append(b[run:i])
            parts.append(e)
            i += 1
            run = i
        elif ensure_ascii:
            if run < i:
                parts.append(b[run:i])
            if c < 0xE0:
                o = ((c & 0x1F) << 6) | (b[i + 1] & 0x3F)
                i += 2
            elif c < 0xF0:
                o = ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)
                i += 3
            else:
                o = (((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6)
                     | (b[i + 3] & 0x3F))
                i += 4
            if o < 0x10000:
                parts.append(b"\\u%04x" % o)
            else:
                o -= 0x10000
                parts.append(b"\\u%04x\\u%04x" % (0xD800 | (o >> 10), 0xDC00 | (o & 0x3FF)))
            run = i
        else:
            i += 1
    if run < n:
        parts.append(b[run:])
    parts.append(b'"')
    return b"".join(parts)


def _float(f):
    if f != f or f - f != 0.0:
        raise ValueError("Out of range float values are not JSON compliant: %r" % f)
    return b"%r" % f


def _key_text(k):
    """A dict key other than str as the member name CPython's json makes of it (str or bytes)."""
    if isinstance(k, str):
        return k
    if isinstance(k, float):
        return _float(float(k)).decode()
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return "%d" % int(k)
    raise TypeError("keys must be str, int, float, bool or None, not %s" % type(k).__name__)


def dumps(obj, sort_keys=False, indent=None, separators=None, ensure_ascii=True,
          max_depth=MAX_DEPTH):
    """The JSON text of `obj`, as CPython's json.dumps writes it with the same arguments
    (dict, list, tuple, str, int, float, bool, None, and subclasses; Decimal as its plain
    number). ValueError for NaN, infinities, a circular reference or nesting deeper than
    ``max_depth``; TypeError for anything else, and for dict keys other than str, int,
    float, bool and None."""
    return dumps_bytes(obj, sort_keys, indent, separators, ensure_ascii,
                       max_depth).decode("utf-8", _SURROGATES)


def dumps_bytes(obj, sort_keys=False, indent=None, separators=None, ensure_ascii=True,
                max_depth=MAX_DEPTH):
    """dumps(...).encode() without the str in between (for a body to send)."""
    if indent is not None and not isinstance(indent, str):
        indent = " " * indent
    if separators is None:
        item_sep, key_sep = (", ", ": ") if indent is None else (",", ": ")
    else:
        item_sep, key_sep = separators
    item_sep = item_sep.encode()
    key_sep = key_sep.encode()
    if indent is not None:
        indent = indent.encode()
    out = []
    append = out.append
    path = []    # the containers being written (a cycle is an object met again on its path)
    names = {}   # str key -> its literal + key_sep (a few, for repeated keys)

    def encode(o, level):
        t = type(o)
        if t is str:
            append(_quote(o, ensure_ascii))
        elif o is None:
            append(b"null")
        elif o is True:
            append(b"true")
        elif o is False:
            append(b"false")
        elif t is int:
            append(b"%d" % o)
        elif t is float:
            append(_float(o))
        elif t is list or t is tuple or t is dict:
            container(o, t is dict, level)
        elif isinstance(o, str):
            append(_quote(o, ensure_ascii))
        elif isinstance(o, int):
            append(b"%d" % int(o))
        elif isinstance(o, float):
            append(_float(float(o)))
        elif isinstance(o, Decimal):
            append(str(o).encode())
        elif isinstance(o, (list, tuple)):
            container(o, False, level)
        elif isinstance(o, dict):
            container(o, True, level)
        else:
            raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    def container(o, is_dict, level):
        if level >= max_depth:
            raise ValueError("nesting deeper than %d levels" % max_depth)
        if not o:
            append(b"{}" if is_dict else b"[]")
            return
        for p in path:
            if p is o:
                raise ValueError("Circular reference detected")
        path.append(o)
        if indent is None:
            sep = item_sep
            append(b"{" if is_dict else b"[")
        else:
            newline = b"\n" + indent * (level + 1)
            sep = item_sep + newline
            append((b"{" if is_dict else b"[") + newline)
        first = True
        if is_dict:
            for k, v in (sorted(o.items()) if sort_keys else o.items()):
                if first:
                    first = False
                else:
                    append(sep)
                if type(k) is str:
                    q = names.get(k)
                    if q is None:
                        q = _quote(k, ensure_ascii) + key_sep
                        if len(names) < 64:
                            names[k] = q
                    append(q)
                else:
                    append(_quote(_key_text(k), ensure_ascii) + key_sep)
                encode(v, level + 1)
        else:
            for v in o:
                if first:
                    first = False
                else:
                    append(sep)
                encode(v, level + 1)
        if indent is not None:
            append(b"\n" + indent * level)
        append(b"}" if is_dict else b"]")
        path.pop()

    encode(obj, 0)
    return b"".join(out)


def dump(obj, fp, **kw):
    fp.write(dumps(obj, **kw))
