# The kernel's hashlib/binascii replacements against CPython's, on random data. The C parts are
# replaced on the host by a tiny shim with CPython's own functions, so this checks the Python
# wrappers' API; tests/portable/test_hashes.py checks the C code in the kernel with fixed vectors.
import binascii
import hashlib
import importlib.util
import sys
import types

from hypothesis import given, strategies as st


def load(name):
    shim = types.ModuleType("_crypto")

    class Sha:
        def __init__(self, h=None):
            self.h = h or hashlib.sha256()

        def update(self, d):
            self.h.update(d)

        def digest(self):
            return self.h.digest()

        def copy(self):
            return Sha(self.h.copy())

    shim.sha256 = Sha
    shim.crc32 = binascii.crc32
    sys.modules["_crypto"] = shim
    spec = importlib.util.spec_from_file_location("k" + name, "kernel/lib/%s.py" % name)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


khashlib = load("hashlib")
kbinascii = load("binascii")


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
