# Property tests: security/cbor.py (host only).
#
# Random values of the subset encode and decode back to themselves; random and mutated bytes
# raise CborError and nothing else; the strict UTF-8 check agrees with CPython's decoder.
from hypothesis import given, settings, strategies as st

from security import cbor

SETTINGS = dict(deadline=None, max_examples=200)

scalars = st.one_of(st.integers(-2 ** 64, 2 ** 64 - 1), st.binary(max_size=40),
                    st.text(max_size=20), st.booleans(), st.none())
keys = st.one_of(st.integers(-2 ** 64, 2 ** 64 - 1), st.binary(max_size=8), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)), max_leaves=30)


def depth(v):
    if isinstance(v, list):
        return 1 + max([depth(x) for x in v] + [0])
    if isinstance(v, dict):
        return 1 + max([depth(x) for x in v.values()] + [0])
    return 0


def same(a, b):
    """Equal with types kept (True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@settings(**SETTINGS)
@given(values)
def test_round_trip(value):
    enc = cbor.dumps(value)
    assert cbor.dumps(cbor.loads(enc, max_depth=32, max_items=10000)) == enc
    assert same(cbor.loads(enc, max_depth=32, max_items=10000), value)
    if depth(value) > cbor.MAX_DEPTH:
        try:
            cbor.loads(enc)
            raise AssertionError("depth %d accepted" % depth(value))
        except cbor.CborError as e:
            assert "deeper" in e.msg


@settings(**SETTINGS)
@given(values, st.data())
def test_mutations_raise_only_cbor_errors(value, data):
    enc = bytearray(cbor.dumps(value))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(enc) - 1))
        enc[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        enc = enc[:data.draw(st.integers(0, len(enc)))]
    try:
        cbor.loads(bytes(enc))
    except cbor.CborError as e:
        assert e.offset is not None and 0 <= e.offset <= len(enc)


@settings(**SETTINGS)
@given(st.binary(max_size=64))
def test_random_bytes_raise_only_cbor_errors(data):
    try:
        value = cbor.loads(data)
    except cbor.CborError:
        return
    assert cbor.loads(cbor.dumps(value)) == value


@settings(**SETTINGS)
@given(st.lists(st.one_of(st.integers(0, 255), st.integers(0x80, 0xBF), st.integers(0xC0, 0xF7)),
                max_size=12))
def test_utf8_check_agrees_with_cpython(raw):
    raw = bytes(raw)
    try:
        raw.decode("utf-8")
        ok = True
    except UnicodeDecodeError:
        ok = False
    assert cbor._utf8_ok(raw) is ok
