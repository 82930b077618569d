"""The kernel's `hmac` (installed top-level in the image): CPython's API, HMAC (RFC 2104) on the
kernel's hashlib, as CPython's pure-Python fallback does it; compare_digest is the constant-time
one in C (`_crypto`)."""
import hashlib

from _crypto import compare_digest  # noqa: F401 (part of the API)


def _constructor(digestmod):
    if callable(digestmod):  # hashlib.sha256
        return digestmod
    if isinstance(digestmod, str):  # "sha256"
        return lambda data=b"": hashlib.new(digestmod, data)
    return digestmod.new  # a module with new(), as PEP 247


class HMAC:
    blocksize = 64  # CPython keeps this legacy attribute

    def __init__(self, key, msg=None, digestmod=""):
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError("key: expected bytes or bytearray, but got %r" % type(key).__name__)
        if not digestmod:
            raise TypeError("Missing required parameter 'digestmod'.")
        new = _constructor(digestmod)
        self._inner = new()
        self._outer = new()
        self.block_size = self._inner.block_size
        self.digest_size = self._inner.digest_size
        if len(key) > self.block_size:
            key = new(key).digest()
        key = bytes(key) + bytes(self.block_size - len(key))
        self._inner.update(bytes(b ^ 0x36 for b in key))
        self._outer.update(bytes(b ^ 0x5C for b in key))
        if msg is not None:
            self.update(msg)

    @property
    def name(self):
        return "hmac-" + self._inner.name

    def update(self, msg):
        self._inner.update(msg)

    def copy(self):
        other = object.__new__(HMAC)  # MicroPython: a class has no __new__ of its own
        other.block_size = self.block_size
        other.digest_size = self.digest_size
        other._inner = self._inner.copy()
        other._outer = self._outer.copy()
        return other

    def digest(self):
        h = self._outer.copy()
        h.update(self._inner.digest())
        return h.digest()

    def hexdigest(self):
        return "".join("%02x" % b for b in self.digest())


def new(key, msg=None, digestmod=""):
    return HMAC(key, msg, digestmod)


def digest(key, msg, digest):
    return HMAC(key, msg, digest).digest()
