# The kernel's hashlib/hmac/binascii replacements against CPython's, on random data. The C parts
# are replaced on the host by a tiny shim with CPython's own functions, so this checks the Python
# wrappers' API; tests/portable/test_hashes.py and test_crypto_primitives.py check the C code in
# the kernel with fixed vectors.
import binascii
import hashlib
import hmac
import importlib.util
import sys
import types

from hypothesis import given, strategies as st


class Hash:  # _crypto's hash objects: update, digest, copy
    def __init__(self, h):
        self.h = h

    def update(self, d):
        self.h.update(d)

    def digest(self):
        return self.h.digest()

    def copy(self):
        return Hash(self.h.copy())


def shim():
    m = types.ModuleType("_crypto")
    for name in ("sha1", "sha256", "sha384", "sha512"):
        setattr(m, name, lambda data=b"", name=name: Hash(hashlib.new(name, data)))
    m.pbkdf2_hmac = hashlib.pbkdf2_hmac
    m.compare_digest = hmac.compare_digest
    m.crc32 = binascii.crc32
    return m


def load(name):
    """kernel/lib/NAME.py on CPython with the _crypto shim; the shim is taken out of
    sys.modules again (portable code picks the kernel path when _crypto imports)."""
    before = sys.modules.get("_crypto")
    sys.modules["_crypto"] = shim()
    try:
        spec = importlib.util.spec_from_file_location("k" + name, "kernel/lib/%s.py" % name)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        if before is None:
            del sys.modules["_crypto"]
        else:
            sys.modules["_crypto"] = before
    return mod


khashlib = load("hashlib")
kbinascii = load("binascii")
khmac = load("hmac")


@given(st.lists(st.binary(max_size=300), max_size=8))
def test_sha256_api_matches(chunks):
    a, b = khashlib.sha256(), hashlib.sha256()
    for c in chunks:
        a.update(c)
        b.update(c)
    assert a.hexdigest() == b.hexdigest() and a.digest() == b.digest()
    assert khashlib.new("SHA256", b"x").digest() == hashlib.sha256(b"x").digest()


@given(st.binary(max_size=500), st.integers(0, 2**32 - 1))
def test_binascii_matches(data, value):
    assert kbinascii.crc32(data, value) == binascii.crc32(data, value)
    assert kbinascii.hexlify(data) == binascii.hexlify(data)
    assert kbinascii.unhexlify(binascii.hexlify(data)) == data
    assert kbinascii.b2a_base64(data) == binascii.b2a_base64(data)
    assert kbinascii.b2a_base64(data, newline=False) == binascii.b2a_base64(data, newline=False)
    enc = binascii.b2a_base64(data)
    assert kbinascii.a2b_base64(enc) == data
    assert kbinascii.a2b_base64(enc.decode()) == data


@given(st.binary(max_size=40))
def test_a2b_base64_refuses_what_strict_cpython_refuses(data):
    # The kernel's takes strict base64 plus one optional newline (what b2a_base64 writes).
    try:
        want = binascii.a2b_base64(data[:-1] if data.endswith(b"\n") else data,
                                   strict_mode=True)
    except binascii.Error:
        want = None
    try:
        got = kbinascii.a2b_base64(data)
    except ValueError:
        got = None
    if got is not None:
        assert got == want, (data, got, want)


ALGOS = st.sampled_from(["sha1", "sha256", "sha384", "sha512"])


@given(ALGOS, st.lists(st.binary(max_size=300), max_size=6))
def test_every_hash_api_matches(name, chunks):
    a, b = khashlib.new(name), hashlib.new(name)
    for c in chunks:
        a.update(c)
        b.update(c)
    c = a.copy()
    c.update(b"more")
    assert a.hexdigest() == b.hexdigest() and a.digest() == b.digest()
    assert c.digest() != a.digest()
    assert (a.name, a.digest_size, a.block_size) == (b.name, b.digest_size, b.block_size)
    assert getattr(khashlib, name)(b"x").digest() == getattr(hashlib, name)(b"x").digest()


@given(ALGOS, st.binary(max_size=80), st.binary(max_size=40), st.integers(1, 50),
       st.one_of(st.none(), st.integers(1, 200)))
def test_pbkdf2_wrapper_matches(name, pw, salt, iterations, dklen):
    assert khashlib.pbkdf2_hmac(name, pw, salt, iterations, dklen) == \
        hashlib.pbkdf2_hmac(name, pw, salt, iterations, dklen)


@given(ALGOS, st.binary(max_size=300), st.lists(st.binary(max_size=200), max_size=4))
def test_hmac_matches(name, key, chunks):
    ctor = getattr(hashlib, name)
    for digestmod in (name, ctor):
        a, b = khmac.new(key, digestmod=digestmod), hmac.new(key, digestmod=digestmod)
        for c in chunks:
            a.update(c)
            b.update(c)
        c = a.copy()
        c.update(b"x")
        assert a.digest() == b.digest() and a.hexdigest() == b.hexdigest()
        assert c.digest() == hmac.new(key, b"".join(chunks) + b"x", name).digest()
        assert (a.name, a.digest_size, a.block_size) == (b.name, b.digest_size, b.block_size)
    assert khmac.digest(key, b"m", name) == hmac.digest(key, b"m", name)
