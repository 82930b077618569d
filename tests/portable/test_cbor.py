# security/cbor.py: the examples of RFC 8949 appendix A that fall in the subset (decoded, and
# encoded back to the same bytes), the appendix's other examples refused, and the limits.
import binascii

from security import cbor

# (hex, value): RFC 8949 appendix A, integers, strings, arrays, maps, simple values.
GOOD = [
    ("00", 0), ("01", 1), ("0a", 10), ("17", 23), ("1818", 24), ("1819", 25), ("1864", 100),
    ("1903e8", 1000), ("1a000f4240", 1000000), ("1b000000e8d4a51000", 1000000000000),
    ("1bffffffffffffffff", 18446744073709551615),
    ("3bffffffffffffffff", -18446744073709551616),
    ("20", -1), ("29", -10), ("3863", -100), ("3903e7", -1000),
    ("f4", False), ("f5", True), ("f6", None),
    ("40", b""), ("4401020304", b"\x01\x02\x03\x04"),
    ("60", ""), ("6161", "a"), ("6449455446", "IETF"), ("62225c", "\"\\"),
    ("62c3bc", "\u00fc"), ("63e6b0b4", "\u6c34"), ("64f0908591", "\U00010151"),
    ("80", []), ("83010203", [1, 2, 3]), ("8301820203820405", [1, [2, 3], [4, 5]]),
    ("98190102030405060708090a0b0c0d0e0f101112131415161718181819", list(range(1, 26))),
    ("a0", {}), ("a201020304", {1: 2, 3: 4}), ("a26161016162820203", {"a": 1, "b": [2, 3]}),
    ("826161a161626163", ["a", {"b": "c"}]),
    ("a56161614161626142616361436164614461656145",
     {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}),
]

# RFC 8949 appendix A examples outside the subset: floats, undefined, other simple values,
# tags (bignums, dates, URIs) and every indefinite-length form.
REFUSED = [
    "f90000", "f93c00", "fa47c35000", "fb3ff199999999999a", "f97c00", "f7", "f0", "f8ff",
    "c249010000000000000000", "c349010000000000000000", "c074323031332d30332d32315432303a30"
    "343a30305a", "c11a514b67b0", "d74401020304", "d818456449455446",
    "5f42010243030405ff", "7f657374726561646d696e67ff", "9fff", "9f018202039f0405ffff",
    "bf61610161629f0203ffff", "826161bf61626163ff",
]


def h(text):
    return binascii.unhexlify(text)


def error(data, **kw):
    try:
        cbor.loads(data, **kw)
    except cbor.CborError as e:
        return e
    raise AssertionError("no CborError for %s" % binascii.hexlify(bytes(data)))


def test_rfc8949_examples_decode():
    for hexed, value in GOOD:
        got = cbor.loads(h(hexed))
        assert got == value, hexed
        assert type(got) is type(value), hexed


def test_rfc8949_examples_encode_to_the_same_bytes():
    for hexed, value in GOOD:
        assert cbor.dumps(value) == h(hexed), hexed


def test_rfc8949_examples_outside_the_subset_are_refused():
    for hexed in REFUSED:
        e = error(h(hexed))
        assert e.offset is not None and 0 <= e.offset < len(h(hexed)), hexed


def test_refusal_messages_and_offsets():
    e = error(h("9f01ff"))
    assert "indefinite" in e.msg and e.offset == 0
    e = error(h("8201f93c00"))
    assert "floating" in e.msg and e.offset == 2
    e = error(h("c11a514b67b0"))
    assert "tag" in e.msg and e.offset == 0
    e = error(h("811c"))
    assert "reserved" in e.msg and e.offset == 1
    e = error(h("ff"))
    assert "break" in e.msg
    assert "at byte 2" in str(error(h("8201f7")))


def test_truncated_input_at_every_length():
    for hexed, _ in GOOD:
        data = h(hexed)
        for n in range(len(data)):
            e = error(data[:n])
            assert "truncated" in e.msg, (hexed, n)


def test_trailing_bytes_refused_but_decode_first_stops_there():
    e = error(h("0100"))
    assert "trailing" in e.msg and e.offset == 1
    assert cbor.decode_first(h("a1010282"), 0) == ({1: 2}, 3)
    assert cbor.decode_first(h("ff6161"), 1) == ("a", 3)


def test_depth_limit():
    assert cbor.loads(h("81" * 8 + "00")) == [[[[[[[[0]]]]]]]]
    e = error(h("81" * 9 + "00"))
    assert "deeper" in e.msg and e.offset == 8
    assert "deeper" in error(h("a101" * 9 + "00")).msg
    assert cbor.loads(h("81" * 9 + "00"), max_depth=9) == [[[[[[[[[0]]]]]]]]]
    assert "deeper" in error(h("8181" + "00"), max_depth=1).msg
    try:
        cbor.loads(h("00"), max_depth=0)
        raise AssertionError("max_depth=0 accepted")
    except cbor.CborError as e:
        assert "max_depth" in e.msg


def test_duplicate_map_keys():
    e = error(h("a2" "0102" "0103"))
    assert "duplicate" in e.msg and e.offset == 3
    assert "duplicate" in error(h("a2" "616101" "616102")).msg
    # The same bytes as a byte string and as text are two keys.
    assert cbor.loads(h("a2416101616102")) == {b"a": 1, "a": 2}


def test_map_keys_must_be_integers_or_strings():
    for hexed in ["a18001", "a1a00001", "a1f501", "a1f601"]:
        e = error(h(hexed))
        assert "map key" in e.msg and e.offset == 1, hexed


def test_size_and_item_limits():
    data = cbor.dumps(b"x" * 100)
    assert cbor.loads(data, max_size=len(data)) == b"x" * 100
    assert "larger" in error(data, max_size=len(data) - 1).msg
    assert "larger" in error(b"\x40" + b"\x00" * cbor.MAX_SIZE).msg
    many = cbor.dumps(list(range(10)))
    assert cbor.loads(many, max_items=11) == list(range(10))
    assert "items" in error(many, max_items=10).msg
    assert "items" in error(h("9b" + "ff" * 8)).msg  # 2**64 - 1 elements announced


def test_huge_declared_lengths_allocate_nothing():
    for hexed in ["5bffffffffffffffff", "7bffffffffffffffff", "5a7fffffff00",
                  "98ff" + "00" * 10, "b8ff" + "00" * 10]:
        e = error(h(hexed))
        assert "truncated" in e.msg or "items" in e.msg, hexed


def test_text_must_be_strict_utf8():
    for bad in ["62c328", "62c080", "63eda080", "64f4908080", "61ff", "61c3", "62e282",
                "64f8888080", "63e08080"]:
        e = error(h(bad))
        assert "UTF-8" in e.msg and e.offset == 0, bad
    assert cbor.loads(h("64f48fbfbf")) == "\U0010ffff"
    assert cbor.loads(h("63ed9fbf")) == "\ud7ff"


def test_input_must_be_bytes():
    assert cbor.loads(bytearray(h("83010203"))) == [1, 2, 3]
    for bad in ["83010203", None, [1]]:
        try:
            cbor.loads(bad)
            raise AssertionError("accepted %r" % (bad,))
        except cbor.CborError as e:
            assert "bytes" in e.msg


def test_encoder_sorts_map_keys_and_refuses_the_rest():
    # Deterministic order (RFC 8949 section 4.2.1): by the keys' encodings, bytewise.
    enc = cbor.dumps({"b": 1, -1: 2, 10: 3, 1: 4, b"a": 5, 100: 6})
    assert enc == h("a6" "01" "04" "0a" "03" "1864" "06" "20" "02" "4161" "05" "6162" "01")
    assert cbor.loads(enc) == {"b": 1, -1: 2, 10: 3, 1: 4, b"a": 5, 100: 6}
    assert cbor.dumps((1, b"\x00", -24, -25)) == h("84" "01" "4100" "37" "3818")
    for bad in [1.5, 1 << 64, -(1 << 64) - 1, {(1, 2): 3}, {True: 1}, object()]:
        try:
            cbor.dumps(bad)
            raise AssertionError("encoded %r" % (bad,))
        except cbor.CborError:
            pass
