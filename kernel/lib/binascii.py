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
