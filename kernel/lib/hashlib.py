"""The kernel's `hashlib` (installed top-level in the image): CPython's API for the hashes the
kernel has, computed in C by BearSSL (the `_crypto` module). SHA-256 for now; the security
issue adds more with the same shape."""
import _crypto

algorithms_available = ("sha256",)
algorithms_guaranteed = ("sha256",)


class _Hash:
    digest_size = 32
    block_size = 64
    name = "sha256"

    def __init__(self, ctx):
        self._ctx = ctx

    def update(self, data):
        self._ctx.update(data)

    def digest(self):
        return self._ctx.digest()

    def hexdigest(self):
        return "".join("%02x" % b for b in self._ctx.digest())

    def copy(self):
        return _Hash(self._ctx.copy())


def sha256(data=b""):
    h = _Hash(_crypto.sha256())
    if data:
        h.update(data)
    return h


def new(name, data=b""):
    if name.lower().replace("-", "") != "sha256":
        raise ValueError("unsupported hash type " + name)
    return sha256(data)
