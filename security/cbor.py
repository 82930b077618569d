"""A strict, bounded CBOR (RFC 8949) decoder and encoder for the subset WebAuthn uses:
unsigned and negative integers, byte and text strings, arrays, maps, true, false and null.

Refused when decoding, each a CborError with the byte offset where it was found: indefinite
lengths, tags, floats and other simple values, reserved additional information, text that is
not valid UTF-8, map keys other than integers and strings, duplicate map keys, nesting deeper
than max_depth (containers; the outermost is 1), more than max_items items in all, input larger
than max_size bytes, truncated input and, with loads(), bytes after the item. A declared length
is checked against the bytes left before anything is allocated. Integers in a longer head than
needed are accepted (well-formed CBOR; WebAuthn does not ask for the deterministic form).

The encoder writes the deterministic form of RFC 8949 section 4.2.1 (shortest heads, map keys
sorted by their encoding), so tests can build authenticator data byte for byte.
Portable: CPython on the host, MicroPython in the kernel.
"""
MAX_DEPTH = 8
MAX_ITEMS = 1024
MAX_SIZE = 16384
_DEPTH_CEILING = 32  # the decoder recurses once per level: keep the stack small

_TEXT, _BYTES = 3, 2


class CborError(ValueError):
    """Malformed or refused CBOR. `msg`: what is wrong; `offset`: the byte where it was found
    (None for an encoding error)."""

    def __init__(self, msg, offset=None):
        if offset is None:
            super().__init__(msg)
        else:
            super().__init__("%s at byte %d" % (msg, offset))
        self.msg = msg
        self.offset = offset


def _utf8_ok(b):
    """Strict UTF-8 (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF.
    MicroPython's decoder only checks the shape of a sequence, so both interpreters use this."""
    i, n = 0, len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            need, lo, hi = 1, 0x80, 0xBF
        elif 0xE0 <= c <= 0xEF:
            need = 2
            lo = 0xA0 if c == 0xE0 else 0x80  # E0: no overlong
            hi = 0x9F if c == 0xED else 0xBF  # ED: no surrogates
        elif 0xF0 <= c <= 0xF4:
            need = 3
            lo = 0x90 if c == 0xF0 else 0x80
            hi = 0x8F if c == 0xF4 else 0xBF  # F4: nothing past U+10FFFF
        else:
            return False
        if i + need >= n:
            return False
        if not lo <= b[i + 1] <= hi:
            return False
        for k in range(2, need + 1):
            if not 0x80 <= b[i + k] <= 0xBF:
                return False
        i += need + 1
    return True


class _Decoder:
    def __init__(self, data, max_depth, max_items):
        self.data = data
        self.max_depth = max_depth
        self.items_left = max_items

    def _need(self, pos, n, what, start):
        if n > len(self.data) - pos:
            raise CborError("truncated " + what, start)

    def _head(self, pos):
        """(major type, argument, position after the head) of the item at `pos`."""
        self._need(pos, 1, "item", pos)
        ib = self.data[pos]
        major, ai = ib >> 5, ib & 31
        if major == 7:
            return major, ai, pos + 1  # simple values are sorted out by the caller
        if ai < 24:
            return major, ai, pos + 1
        if ai == 31:
            raise CborError("indefinite length not supported", pos)
        if ai > 27:
            raise CborError("reserved additional information %d" % ai, pos)
        size = 1 << (ai - 24)
        self._need(pos + 1, size, "head", pos)
        return major, int.from_bytes(self.data[pos + 1:pos + 1 + size], "big"), pos + 1 + size

    def item(self, pos, depth):
        """(value, position after it) of the item at `pos`, inside `depth` containers."""
        start = pos
        if self.items_left <= 0:
            raise CborError("more items than allowed", start)
        self.items_left -= 1
        major, arg, pos = self._head(pos)
        if major == 0:
            return arg, pos
        if major == 1:
            return -1 - arg, pos
        if major == _BYTES or major == _TEXT:
            self._need(pos, arg, "string", start)
            raw = self.data[pos:pos + arg]
            if major == _BYTES:
                return bytes(raw), pos + arg
            if not _utf8_ok(raw):
                raise CborError("text string is not valid UTF-8", start)
            return str(raw, "utf-8"), pos + arg
        if major == 4 or major == 5:
            if depth + 1 > self.max_depth:
                raise CborError("nested deeper than %d" % self.max_depth, start)
            count = arg * 2 if major == 5 else arg
            # Every item takes at least a byte: a count past what is left cannot be real.
            if count > self.items_left:
                raise CborError("more items than allowed", start)
            self._need(pos, count, "container", start)
            if major == 4:
                out = []
                for _ in range(arg):
                    v, pos = self.item(pos, depth + 1)
                    out.append(v)
                return out, pos
            m = {}
            for _ in range(arg):
                kpos = pos
                self._need(pos, 1, "map key", start)
                if self.data[pos] >> 5 > _TEXT:
                    raise CborError("map key must be an integer, byte or text string", kpos)
                k, pos = self.item(pos, depth + 1)
                if k in m:
                    raise CborError("duplicate map key", kpos)
                m[k], pos = self.item(pos, depth + 1)
            return m, pos
        if major == 6:
            raise CborError("tags not supported", start)
        # major 7: false, true, null; nothing else of it (floats, undefined, other simple values)
        if arg == 20:
            return False, pos
        if arg == 21:
            return True, pos
        if arg == 22:
            return None, pos
        if arg == 31:
            raise CborError("unexpected break", start)
        if arg >= 25:
            raise CborError("floating-point numbers not supported", start)
        raise CborError("simple value not supported", start)


def _check_input(data, max_depth, max_items, max_size):
    if not isinstance(data, (bytes, bytearray)):
        raise CborError("input must be bytes", 0)
    if len(data) > max_size:
        raise CborError("input larger than %d bytes" % max_size, 0)
    if not isinstance(max_depth, int) or not 1 <= max_depth <= _DEPTH_CEILING:
        raise CborError("max_depth must be from 1 to %d" % _DEPTH_CEILING)
    if not isinstance(max_items, int) or max_items < 1:
        raise CborError("max_items must be a positive integer")


def decode_first(data, offset=0, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_size=MAX_SIZE):
    """(value, end) of the one item starting at `offset` of `data`; what follows it is the
    caller's (WebAuthn puts a COSE key and then extensions inside authenticator data)."""
    _check_input(data, max_depth, max_items, max_size)
    if not isinstance(offset, int) or not 0 <= offset <= len(data):
        raise CborError("offset outside the input", 0)
    return _Decoder(data, max_depth, max_items).item(offset, 0)


def loads(data, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_size=MAX_SIZE):
    """The value of `data`, which must hold exactly one item."""
    value, end = decode_first(data, 0, max_depth, max_items, max_size)
    if end != len(data):
        raise CborError("trailing bytes after the item", end)
    return value


# ---- encoder ----------------------------------------------------------------------------------

def _head_bytes(major, n):
    if n < 24:
        return bytes([(major << 5) | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([(major << 5) | ai]) + n.to_bytes(size, "big")
    raise CborError("integer out of range")


def _encode(value, out, depth):
    if depth > _DEPTH_CEILING:
        raise CborError("nested deeper than %d" % _DEPTH_CEILING)
    if value is False:
        out.append(b"\xf4")
    elif value is True:
        out.append(b"\xf5")
    elif value is None:
        out.append(b"\xf6")
    elif isinstance(value, int):
        if value >= 0:
            out.append(_head_bytes(0, value))
        else:
            out.append(_head_bytes(1, -1 - value))
    elif isinstance(value, (bytes, bytearray)):
        out.append(_head_bytes(_BYTES, len(value)))
        out.append(bytes(value))
    elif isinstance(value, str):
        raw = value.encode()
        out.append(_head_bytes(_TEXT, len(raw)))
        out.append(raw)
    elif isinstance(value, (list, tuple)):
        out.append(_head_bytes(4, len(value)))
        for v in value:
            _encode(v, out, depth + 1)
    elif isinstance(value, dict):
        pairs = []
        for k, v in value.items():
            if k is True or k is False or not isinstance(k, (int, str, bytes)):
                raise CborError("map key must be an integer, byte or text string")
            kb = []
            _encode(k, kb, depth + 1)
            pairs.append((b"".join(kb), v))
        pairs.sort(key=lambda p: p[0])
        out.append(_head_bytes(5, len(pairs)))
        for kb, v in pairs:
            out.append(kb)
            _encode(v, out, depth + 1)
    else:
        raise CborError("cannot encode %s" % type(value).__name__)


def dumps(value):
    """The deterministic CBOR encoding of `value` (int, bytes, str, list/tuple, dict, bool,
    None)."""
    out = []
    _encode(value, out, 0)
    return b"".join(out)
