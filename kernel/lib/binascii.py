"""The kernel's `binascii` (installed top-level in the image): the CPython functions the kernel
uses. crc32 runs in C (`_crypto`); the hex functions are small enough for Python."""
import _crypto

_HEX = b"0123456789abcdef"


class Error(ValueError):
    pass


def crc32(data, value=0):
    return _crypto.crc32(data, value & 0xFFFFFFFF)


def hexlify(data, sep=None):
    if sep is not None:
        raise NotImplementedError("hexlify(sep=...) is not supported")
    out = bytearray(2 * len(data))
    for i, b in enumerate(bytes(data)):
        out[2 * i] = _HEX[b >> 4]
        out[2 * i + 1] = _HEX[b & 15]
    return bytes(out)


b2a_hex = hexlify


def unhexlify(data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) % 2:
        raise Error("Odd-length string")
    out = bytearray(len(data) // 2)
    for i in range(len(out)):
        try:
            out[i] = int(data[2 * i:2 * i + 2], 16)
        except ValueError:
            raise Error("Non-hexadecimal digit found")
    return bytes(out)


a2b_hex = unhexlify


_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_REV = bytearray(b"\xff" * 256)
for _i in range(64):
    _B64_REV[_B64[_i]] = _i


def b2a_base64(data, newline=True):
    """Standard base64 (RFC 4648 section 4) with '=' padding, as CPython's."""
    data = bytes(data)
    out = bytearray()
    n = len(data)
    i = 0
    while i + 3 <= n:
        v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2]
        out.append(_B64[v >> 18])
        out.append(_B64[(v >> 12) & 63])
        out.append(_B64[(v >> 6) & 63])
        out.append(_B64[v & 63])
        i += 3
    rest = n - i
    if rest:
        v = data[i] << 16
        if rest == 2:
            v |= data[i + 1] << 8
        out.append(_B64[v >> 18])
        out.append(_B64[(v >> 12) & 63])
        out.append(_B64[(v >> 6) & 63] if rest == 2 else 61)
        out.append(61)
    if newline:
        out.append(10)
    return bytes(out)


def a2b_base64(data, strict_mode=True):
    """Standard base64 with '=' padding to whole quanta, optionally followed by one newline
    (what b2a_base64 writes); anything else is an Error, as CPython's strict_mode=True."""
    if isinstance(data, str):
        data = data.encode()
    data = bytes(data)
    if data.endswith(b"\n"):
        data = data[:-1]
    if len(data) % 4:
        raise Error("Incorrect padding")
    out = bytearray()
    for i in range(0, len(data), 4):
        q = data[i:i + 4]
        pad = 0
        if i + 4 == len(data):
            if q[3] == 61:
                pad = 2 if q[2] == 61 else 1
        v = 0
        for j in range(4 - pad):
            d = _B64_REV[q[j]]
            if d == 255:
                raise Error("Invalid base64 character")
            v = (v << 6) | d
        v <<= 6 * pad
        out.append(v >> 16)
        if pad < 2:
            out.append((v >> 8) & 255)
        if pad < 1:
            out.append(v & 255)
    return bytes(out)
