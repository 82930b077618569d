"""The kernel's `hashlib` (installed top-level in the image): CPython's API for the hashes the
kernel has (SHA-1, SHA-256, SHA-384, SHA-512) and pbkdf2_hmac, computed in C by BearSSL (the
`_crypto` module). pbkdf2_hmac also bounds its work: iterations 1..10,000,000, dklen 1..1024."""
import _crypto

# name: (C constructor, digest_size, block_size)
_ALGORITHMS = {
    "sha1": (_crypto.sha1, 20, 64),
    "sha256": (_crypto.sha256, 32, 64),
    "sha384": (_crypto.sha384, 48, 128),
    "sha512": (_crypto.sha512, 64, 128),
}

algorithms_available = set(_ALGORITHMS)
algorithms_guaranteed = set(_ALGORITHMS)


def _bytes_like(data):
    # MicroPython hashes a str's UTF-8 bytes silently; CPython refuses, and so do we.
    if isinstance(data, str):
        raise TypeError("Strings must be encoded before hashing")
    return data


def _name(name):
    key = name.lower().replace("-", "") if isinstance(name, str) else name
    if key not in _ALGORITHMS:
        raise ValueError("unsupported hash type " + str(name))
    return key


class _Hash:
    __slots__ = ("name", "_ctx", "digest_size", "block_size")

    def __init__(self, name, ctx, digest_size, block_size):
        self.name = name
        self._ctx = ctx
        self.digest_size = digest_size
        self.block_size = block_size

    def update(self, data):
        self._ctx.update(_bytes_like(data))

    def digest(self):
        return self._ctx.digest()

    def hexdigest(self):
        return self._ctx.digest().hex()

    def copy(self):
        return _Hash(self.name, self._ctx.copy(), self.digest_size, self.block_size)


def new(name, data=b""):
    name = _name(name)
    c, size, block = _ALGORITHMS[name]
    return _Hash(name, c(_bytes_like(data)) if data else c(), size, block)


# The constructors by name: a hash of a short record costs one Python call into C (the WAL's
# chain and the audit trail hash on every request; under TCG each Python call counts).
def sha1(data=b""):
    return _Hash("sha1", _crypto.sha1(_bytes_like(data)) if data else _crypto.sha1(), 20, 64)


def sha256(data=b""):
    return _Hash("sha256", _crypto.sha256(_bytes_like(data)) if data else _crypto.sha256(),
                 32, 64)


def sha384(data=b""):
    return _Hash("sha384", _crypto.sha384(_bytes_like(data)) if data else _crypto.sha384(),
                 48, 128)


def sha512(data=b""):
    return _Hash("sha512", _crypto.sha512(_bytes_like(data)) if data else _crypto.sha512(),
                 64, 128)


def pbkdf2_hmac(hash_name, password, salt, iterations, dklen=None):
    """PBKDF2 (RFC 8018) with HMAC over `hash_name`, in C; CPython's signature."""
    name = _name(hash_name)
    if dklen is None:
        dklen = _ALGORITHMS[name][1]
    if not isinstance(iterations, int) or not isinstance(dklen, int):
        raise TypeError("iterations and dklen must be int")
    if iterations < 1:
        raise ValueError("iteration value must be greater than 0.")
    if dklen < 1:
        raise ValueError("key length must be greater than 0.")
    return _crypto.pbkdf2_hmac(name, _bytes_like(password), _bytes_like(salt), iterations, dklen)
