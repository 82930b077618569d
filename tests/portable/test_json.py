# Portable tests for kernel/lib/json.py (plain asserts; CPython and MicroPython).
# On the host the file is imported as kernel.lib.json; in the kernel image it is the
# top-level json module. MicroPython dicts do not keep insertion order, so dumps of
# dicts with more than one key is checked with sort_keys=True.

try:
    from kernel.lib import json as kjson
except ImportError:
    import json as kjson

Decimal = kjson.Decimal


def err(text, **kw):
    """The JSONDecodeError loads raises for `text` (fails the test if it accepts it)."""
    try:
        v = kjson.loads(text, **kw)
    except kjson.JSONDecodeError as e:
        return e
    raise AssertionError("accepted %r as %r" % (text, v))


def pos(text, **kw):
    return err(text, **kw).pos


def raises(exc, f, *args, **kw):
    try:
        f(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


def same(a, b):
    """Equal values of the same types, recursively (1 is not 1.0, True is not 1)."""
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return (len(a) == len(b) and all(k in b for k in a)
                and all(same(a[k], b[k]) for k in a))
    return a == b


def test_module_is_the_kernel_one():
    assert hasattr(kjson, "loads_exact") and hasattr(kjson, "Decimal")


# ---- the error type ---------------------------------------------------------------------------

def test_error_fields_and_text():
    e = err('{"abc" 1}')
    assert isinstance(e, ValueError)
    assert e.msg == "expected ':'"
    assert (e.pos, e.lineno, e.colno) == (7, 1, 8)
    assert str(e) == "line 1 column 8 (char 7): expected ':'"


def test_error_line_and_column():
    e = err('[1,\n 2,\n  @]')
    assert (e.pos, e.lineno, e.colno) == (10, 3, 3)
    e = err("\n\n")
    assert (e.pos, e.lineno, e.colno) == (2, 3, 1)


def test_error_position_counts_characters():
    # positions are in characters of the text, as in CPython, not UTF-8 bytes
    e = err('["\u00e9\u20ac\U0001F600", @]')
    assert (e.pos, e.colno) == (8, 9)
    e = err('["\u00e9\u20ac\U0001F600", @]'.encode())
    assert e.pos == 8


# ---- literals and whitespace ------------------------------------------------------------------

def test_literals():
    assert kjson.loads("true") is True
    assert kjson.loads("false") is False
    assert kjson.loads("null") is None
    assert kjson.loads(" \t\r\n true \t\r\n ") is True


def test_bad_literals():
    assert pos("tru") == 0
    assert pos("True") == 0
    assert pos("nul") == 0
    assert pos("nulll") == 4
    assert pos("falsey") == 5
    assert pos("undefined") == 0
    assert pos("[true false]") == 6


def test_nan_and_infinity_are_not_json():
    for text, p in (("NaN", 0), ("Infinity", 0), ("-Infinity", 1), ("[1, NaN]", 4),
                    ("-NaN", 1), ("nan", 0), ("inf", 0)):
        assert pos(text) == p, text
    assert "NaN and Infinity" in err("NaN").msg


def test_only_four_whitespace_characters():
    assert kjson.loads(" \t\n\r[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r] \t\n\r") == [1, 2]
    for ws in ("\x0b", "\x0c", "\x00", "\u00a0", "\u2028", "\u3000", "\ufeff"):
        assert pos("[1," + ws + "2]") == 3, repr(ws)
        assert pos("1" + ws) == 1, repr(ws)


def test_empty_document():
    assert pos("") == 0
    assert pos("   ") == 3
    assert err("").msg == "expected a value"


def test_extra_data():
    assert pos("1 2") == 2
    assert pos("{}{}") == 2
    assert pos("[] x") == 3
    assert pos('"a" "b"') == 4
    assert err("1 2").msg == "extra data after the value"


# ---- numbers ----------------------------------------------------------------------------------

def test_integers():
    for text, v in (("0", 0), ("-0", 0), ("1", 1), ("-1", -1), ("123", 123), ("-987", -987),
                    ("10", 10), ("9007199254740993", 9007199254740993)):
        got = kjson.loads(text)
        assert type(got) is int and got == v, text


def test_big_integers_are_exact():
    assert kjson.loads(str(2 ** 200)) == 2 ** 200
    assert kjson.loads("-" + str(3 ** 300)) == -(3 ** 300)
    big = "9" * 4300
    assert kjson.loads(big) == 10 ** 4300 - 1
    assert kjson.loads("-" + big) == 1 - 10 ** 4300
    e = err("[" + "9" * 4301 + "]")
    assert e.pos == 1 and "4300" in e.msg


def test_fractions_and_exponents_are_floats():
    for text, v in (("1.5", 1.5), ("-0.5", -0.5), ("0.0", 0.0), ("1e2", 100.0), ("1E2", 100.0),
                    ("1e+2", 100.0), ("1e-2", 0.01), ("-1.5e3", -1500.0), ("0e0", 0.0),
                    ("10.25", 10.25), ("1.0", 1.0), ("2.5E-3", 0.0025), ("0.1", 0.1)):
        got = kjson.loads(text)
        assert type(got) is float and got == v, text
    assert repr(kjson.loads("-0.0")) == "-0.0"
    assert repr(kjson.loads("-0")) == "0"


def test_float_overflow_is_infinity_like_cpython():
    assert kjson.loads("1e400") == float("inf")
    assert kjson.loads("-1e400") == -float("inf")
    assert kjson.loads("1e-400") == 0.0


def test_bad_numbers():
    for text, p in (("01", 1), ("-01", 2), ("00", 1), ("-", 1), ("--1", 1), ("+1", 0), (".5", 0),
                    ("1.", 2), ("1.e2", 2), ("1e", 2), ("1E", 2), ("1e+", 3), ("1e-", 3),
                    ("1ee2", 2), ("0x10", 1), ("1_000", 1), ("- 1", 1), ("[01]", 2),
                    ("1e5.5", 3), ("1.5.5", 3), ("-.5", 1), ("[-]", 2), ("1.a", 2),
                    ("\u0661", 0), ("1,", 1)):
        assert pos(text) == p, (text, pos(text))


def test_parse_float_gets_the_literal_text():
    seen = []

    def pf(text):
        seen.append(text)
        return ("F", text)

    v = kjson.loads('[1.50, -0.0e+00, 2E7, 3]', parse_float=pf)
    assert v == [("F", "1.50"), ("F", "-0.0e+00"), ("F", "2E7"), 3]
    assert seen == ["1.50", "-0.0e+00", "2E7"]


def test_parse_int_gets_the_literal_text():
    assert kjson.loads("[-12, 1.5]", parse_int=lambda t: ("I", t)) == [("I", "-12"), 1.5]


def test_parse_float_value_error_becomes_decode_error():
    def pf(text):
        raise ValueError("no")

    e = err("[1, 2.5]", parse_float=pf)
    assert e.pos == 4 and "no" in e.msg


# ---- strings ----------------------------------------------------------------------------------

def test_simple_strings():
    assert kjson.loads('""') == ""
    assert kjson.loads('"abc"') == "abc"
    assert kjson.loads('"a b\x7f"') == "a b\x7f"
    assert kjson.loads('"\u00e9\u20ac\U0001F600\u2028"') == "\u00e9\u20ac\U0001F600\u2028"
    assert kjson.loads('"/"') == "/"


def test_every_escape():
    for esc, ch in (('\\"', '"'), ("\\\\", "\\"), ("\\/", "/"), ("\\b", "\b"), ("\\f", "\f"),
                    ("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t")):
        assert kjson.loads('"' + esc + '"') == ch, esc
        assert kjson.loads('"a' + esc + 'b"') == "a" + ch + "b", esc
    assert kjson.loads('"\\"\\\\\\/\\b\\f\\n\\r\\t"') == '"\\/\b\f\n\r\t'
    assert kjson.loads('"\\\\"') == "\\"
    assert kjson.loads('"x\\\\"') == "x\\"
    assert kjson.loads('["\\"", "\\\\"]') == ['"', "\\"]


def test_unicode_escapes():
    assert kjson.loads('"\\u0041"') == "A"
    assert kjson.loads('"\\u0000"') == "\x00"
    assert kjson.loads('"\\u001f\\u007F"') == "\x1f\x7f"
    assert kjson.loads('"\\u00e9\\u00E9"') == "\u00e9\u00e9"
    assert kjson.loads('"\\u20ac"') == "\u20ac"
    assert kjson.loads('"\\uFFFF"') == "\uffff"
    assert kjson.loads('"a\\u0062c"') == "abc"


def test_surrogate_pairs():
    assert kjson.loads('"\\ud83d\\ude00"') == "\U0001F600"
    assert kjson.loads('"\\uD83D\\uDE00"') == "\U0001F600"
    assert kjson.loads('"\\ud800\\udc00"') == "\U00010000"
    assert kjson.loads('"\\udbff\\udfff"') == "\U0010FFFF"
    assert kjson.loads('"x\\ud834\\udd1ey"') == "x\U0001D11Ey"


def test_lone_surrogates_are_rejected():
    for text, p in (('"\\ud800"', 1), ('"\\udc00"', 1), ('"\\udfff"', 1), ('"ab\\ud83d"', 3),
                    ('"\\ud83d\\u0041"', 1), ('"\\ud83d\\ud83d"', 1), ('"\\ude00\\ud83d"', 1),
                    ('"\\ud83d x"', 1), ('"\\ud83d\\n"', 1)):
        e = err(text)
        assert e.pos == p and "surrogate" in e.msg, (text, e)
    assert pos('"\\ud83d\\uZZZZ"') == 7


def test_bad_escapes():
    for text, p in (('"\\x41"', 1), ('"\\a"', 1), ('"\\U0001F600"', 1), ('"\\\'"', 1),
                    ('"ab\\ "', 3), ('"\\0"', 1), ('"\\u12"', 1), ('"\\u12G4"', 1),
                    ('"\\u"', 1), ('"\\u-123"', 1), ('"\\u 123"', 1), ('"\\u+123"', 1),
                    ('"\\u1_23"', 1), ('"\\', 0), ('"\\u00"', 1)):
        assert pos(text) == p, (text, pos(text))
    assert "escape" in err('"\\x41"').msg


def test_unterminated_strings():
    for text, p in (('"abc', 0), ('"', 0), ('["a", "b', 6), ('"abc\\"', 0), ('{"a', 1),
                    ('"\\u0041', 0)):
        e = err(text)
        assert e.pos == p and "unterminated" in e.msg, (text, e)


def test_raw_control_characters_are_rejected():
    for c in list(range(32)):
        e = err('"ab' + chr(c) + 'cd"')
        assert e.pos == 3, c
    assert pos('["ok", "a\nb"]') == 9
    assert pos('{"a\tb": 1}') == 3
    assert pos('"a\\n\x01"') == 4
    assert kjson.loads('"\x7f\x80"'.replace("\x80", "\u0080")) == "\x7f\u0080"


def test_single_quotes_are_not_strings():
    assert pos("'a'") == 0
    assert pos("{'a': 1}") == 1


# ---- arrays and objects -----------------------------------------------------------------------

def test_arrays():
    assert kjson.loads("[]") == []
    assert kjson.loads("[ ]") == []
    assert kjson.loads("[1]") == [1]
    assert kjson.loads('[1, "a", null, true, false, 2.5, [], {}]') == \
        [1, "a", None, True, False, 2.5, [], {}]
    assert kjson.loads("[[[]], [[1], 2]]") == [[[]], [[1], 2]]


def test_bad_arrays():
    for text, p in (("[", 1), ("]", 0), ("[1,]", 3), ("[,1]", 1), ("[1 2]", 3), ("[1,,2]", 3),
                    ("[1", 2), ("[1,", 3), ("[1}", 2), ("[[]", 3), ("[1:2]", 2), ("[]]", 2)):
        assert pos(text) == p, (text, pos(text))
    assert err("[1 2]").msg == "expected ',' or ']'"


def test_objects():
    assert kjson.loads("{}") == {}
    assert kjson.loads("{ }") == {}
    assert kjson.loads('{"a": 1}') == {"a": 1}
    assert kjson.loads('{"a":1,"b":[2,{"c":null}]}') == {"a": 1, "b": [2, {"c": None}]}
    assert kjson.loads('{"": ""}') == {"": ""}
    assert kjson.loads('{"\\u00e9\\n": 1}') == {"\u00e9\n": 1}
    assert kjson.loads(' { "a" : 1 , "b" : 2 } ') == {"a": 1, "b": 2}


def test_bad_objects():
    for text, p in (('{"a"}', 4), ('{"a":}', 5), ("{a:1}", 1), ('{"a":1,}', 7), ("{,}", 1),
                    ('{"a":1 "b":2}', 7), ("{1:2}", 1), ('{"a":1]', 6), ("{", 1),
                    ('{"a":1', 6), ('{"a" 1}', 5), ('{"a"::1}', 5), ('{"a":1,,}', 7),
                    ("{null: 1}", 1), ('{"a",1}', 4), ("}", 0)):
        assert pos(text) == p, (text, pos(text))
    assert err('{"a":1 "b":2}').msg == "expected ',' or '}'"
    assert err("{a:1}").msg == "expected '\"' (a member name)"


def test_duplicate_keys_last_wins():
    assert kjson.loads('{"a": 1, "b": 2, "a": 3}') == {"a": 3, "b": 2}


def test_duplicate_keys_strict():
    assert kjson.loads('{"a": 1, "b": 2}', strict_keys=True) == {"a": 1, "b": 2}
    e = err('{"a": 1, "b": 2, "a": 3}', strict_keys=True)
    assert e.pos == 17 and "duplicate" in e.msg
    assert pos('{"a": {"x": 1}, "b": {"x": 1, "x": 2}}', strict_keys=True) == 30
    assert pos('{"\\u0061": 1, "a": 2}', strict_keys=True) == 14


# ---- limits -----------------------------------------------------------------------------------

def test_depth_limit():
    assert kjson.loads("[" * 64 + "]" * 64) is not None
    e = err("[" * 65 + "]" * 65)
    assert e.pos == 64 and "nesting" in e.msg
    assert kjson.loads('{"a":' * 64 + "1" + "}" * 64)["a"]["a"]["a"] is not None
    assert pos('{"a":' * 65 + "1" + "}" * 65) == 5 * 64
    assert pos("[" * 3 + "]" * 3, max_depth=2) == 2
    assert kjson.loads("[[1]]", max_depth=2) == [[1]]
    assert pos("[[[]]]", max_depth=2) == 2  # an empty container counts too
    assert pos("[]", max_depth=0) == 0
    assert kjson.loads("1", max_depth=0) == 1


def test_very_deep_input_is_an_error_not_a_crash():
    e = err("[" * 100000)
    assert e.pos == 64
    e = err('{"a":' * 20000, max_depth=10000)
    assert e.pos == 5 * 10000
    v = kjson.loads("[" * 3000 + "]" * 3000, max_depth=3000)
    n = 0
    while v:
        v = v[0]
        n += 1
    assert n == 2999


def test_size_limit():
    assert kjson.loads("[1, 2]", max_size=6) == [1, 2]
    assert "larger" in err("[1, 2]", max_size=5).msg
    assert "larger" in err(b"[1, 2]", max_size=5).msg
    assert "larger" in err('"\u00e9\u00e9"', max_size=5).msg  # 6 bytes of UTF-8


# ---- bytes input ------------------------------------------------------------------------------

def test_bytes_and_bytearray():
    assert kjson.loads(b'{"a": [1, "\xc3\xa9"]}') == {"a": [1, "\u00e9"]}
    assert kjson.loads(bytearray(b"[true]")) == [True]
    assert kjson.loads('"\U0001F600"'.encode()) == "\U0001F600"


def test_byte_order_mark():
    assert kjson.loads(b"\xef\xbb\xbf[1]") == [1]  # skipped in bytes, like CPython
    assert pos(b"\xef\xbb\xbf[1 2]") == 3          # positions after the mark
    assert pos("\ufeff[1]") == 0                   # an error in a str, like CPython
    assert pos(b"\xef\xbb\xbf\xef\xbb\xbf[1]") == 0


def test_invalid_utf8():
    for text, p in ((b'"\x80"', 1), (b'"a\xbf"', 2), (b'"\xc3"', 1), (b'"\xc3a"', 1),
                    (b'"\xc0\x80"', 1), (b'"\xc1\xbf"', 1), (b'"\xe0\x80\x80"', 1),
                    (b'"\xe0\x9f\xbf"', 1), (b'"\xed\xa0\x80"', 1), (b'"\xed\xbf\xbf"', 1),
                    (b'"\xf0\x80\x80\x80"', 1), (b'"\xf0\x8f\xbf\xbf"', 1),
                    (b'"\xf4\x90\x80\x80"', 1), (b'"\xf5\x80\x80\x80"', 1), (b'"\xff"', 1),
                    (b'"\xe2\x82"', 1), (b'"ok\xe2\x82\xac\xe2\x82"', 4), (b'["a", "\xfe"]', 7),
                    (b'"\xf8\x88\x80\x80\x80"', 1)):
        e = err(text)
        assert e.pos == p and "UTF-8" in e.msg, (text, e)
    # the limits themselves are valid
    assert kjson.loads(b'"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80'
                       b'\xf4\x8f\xbf\xbf"') == "\x80\u07ff\u0800\ud7ff\ue000\U00010000\U0010FFFF"


def test_non_ascii_outside_strings():
    assert pos(b"[\xc3\xa9]") == 1
    assert pos("[\u00e9]") == 1
    assert pos("[1]\u00e9") == 3


def test_wrong_type():
    raises(TypeError, kjson.loads, 12)
    raises(TypeError, kjson.loads, None)


# ---- Decimal ----------------------------------------------------------------------------------

def test_decimal_from_literals():
    for text, c, e, s in (("1000.00", 1, 3, "1000"), ("0.001", 1, -3, "0.001"),
                          ("1e2", 1, 2, "100"), ("-12.34", -1234, -2, "-12.34"), ("0", 0, 0, "0"),
                          ("-0", 0, 0, "0"),
                          ("0.000", 0, 0, "0"), ("0e5", 0, 0, "0"), ("1.50", 15, -1, "1.5"),
                          ("1E-7", 1, -7, "0.0000001"), ("1.23e5", 123, 3, "123000"),
                          ("+7", 7, 0, "7"), ("007.50", 75, -1, "7.5"), (".5", 5, -1, "0.5"),
                          ("5.", 5, 0, "5"), ("123.456", 123456, -3, "123.456"),
                          ("-0.05", -5, -2, "-0.05"), ("10", 1, 1, "10"),
                          ("12345678901234567890.123456789", 12345678901234567890123456789, -9,
                           "12345678901234567890.123456789"),
                          ("1e-1000", 1, -1000, "0." + "0" * 999 + "1"),
                          ("1e1000", 1, 1000, "1" + "0" * 1000), ("0e999999999999", 0, 0, "0")):
        d = Decimal(text)
        assert (d.coefficient, d.exponent, str(d)) == (c, e, s), (text, d.coefficient,
                                                                  d.exponent, str(d))


def test_decimal_rejects_bad_literals():
    for text in ("", "-", "+", ".", "1.2.3", "abc", "1e", "1e+", " 1", "1 ", "NaN", "Infinity",
                 "1_0", "e5", "-e5", ".e5", "0x10", "1e5.0", "--1", "1,5", "\u0661"):
        raises(ValueError, Decimal, text)
    raises(TypeError, Decimal, 1.5)
    raises(TypeError, Decimal, None)


def test_decimal_exponent_is_bounded():
    for text in ("1e999999999", "1e1001", "1e-1001", "1e99999999999999999999999", "1000e998",
                 "0." + "0" * 1000 + "1"):
        raises(ValueError, Decimal, text)
    assert str(Decimal("10e999")) == "1" + "0" * 1000
    e = err("[1e999999999]", parse_float=Decimal)
    assert e.pos == 1 and "exponent" in e.msg
    e = raises(kjson.JSONDecodeError, kjson.loads_exact, '{"x": -1E+999999999}')
    assert e.pos == 6
    assert kjson.loads("1e999999999") == float("inf")  # default floats: as CPython


def test_decimal_from_ints():
    assert str(Decimal(0)) == "0"
    assert str(Decimal(-1200)) == "-1200"
    assert Decimal(-1200).exponent == 2
    assert str(Decimal(2 ** 100)) == str(2 ** 100)
    assert str(Decimal(Decimal("1.5"))) == "1.5"


def test_decimal_to_minor_units():
    assert Decimal("1000.00").to_minor_units(2) == 100000
    assert Decimal("1000").to_minor_units(2) == 100000
    assert Decimal("1e2").to_minor_units(2) == 10000
    assert Decimal("-12.34").to_minor_units(2) == -1234
    assert Decimal("0.05").to_minor_units(2) == 5
    assert Decimal("0.001").to_minor_units(3) == 1
    assert Decimal("0").to_minor_units(2) == 0
    assert Decimal("123").to_minor_units(0) == 123
    assert Decimal("1.5e-1").to_minor_units(2) == 15
    assert Decimal("99999999999999999999.99").to_minor_units(2) == 9999999999999999999999
    e = raises(ValueError, Decimal("0.001").to_minor_units, 2)
    assert "0.001" in str(e)
    raises(ValueError, Decimal("12.3").to_minor_units, 0)
    raises(ValueError, Decimal("0.005").to_minor_units, 2)
    raises(ValueError, Decimal("1.000000001").to_minor_units, 8)
    raises(ValueError, Decimal("1").to_minor_units, -1)
    raises(ValueError, Decimal("1").to_minor_units, 10 ** 9)


def test_decimal_from_minor_units():
    assert Decimal.from_minor_units(100000, 2) == Decimal("1000")
    assert str(Decimal.from_minor_units(-5, 2)) == "-0.05"
    assert str(Decimal.from_minor_units(0, 8)) == "0"
    assert Decimal.from_minor_units(123456, 2).to_minor_units(2) == 123456
    raises(TypeError, Decimal.from_minor_units, 1.5, 2)


def test_decimal_equality_and_hash():
    assert Decimal("1.50") == Decimal("1.5")
    assert hash(Decimal("1.50")) == hash(Decimal("1.5"))
    assert Decimal("100") == 100
    assert Decimal("1e2") == 100
    assert hash(Decimal("1e2")) == hash(100)
    assert hash(Decimal("-7")) == hash(-7)
    assert Decimal("0.1") != Decimal("0.10001")
    assert not (Decimal("0.1") == Decimal("0.2"))
    assert Decimal("1.5") != 1
    assert not (Decimal("1") != 1)
    assert Decimal("0") == Decimal("-0.00") == 0
    assert Decimal("1.5") != "1.5"
    assert not (Decimal("1.5") == 1.5)  # no floats: exact values only
    assert Decimal("1e3") != 10 ** 5000 and Decimal("1e3") < 10 ** 5000
    d = {Decimal("1.0"): "one", Decimal("2.50"): "two.5"}
    assert d[Decimal("1")] == "one" and d[Decimal("2.5")] == "two.5"
    assert len({Decimal("1"), Decimal("1.00"), Decimal("10e-1")}) == 1


def test_decimal_ordering():
    assert Decimal("0.1") < Decimal("0.2")
    assert Decimal("-1") < Decimal("-0.5") < Decimal("0") < Decimal("0.001") < Decimal("1e3")
    assert Decimal("1.5") <= Decimal("1.50") and Decimal("1.5") >= Decimal("1.50")
    assert Decimal("1e2") > Decimal("99.999")
    assert Decimal("2.5") > 2 and Decimal("2.5") < 3 and Decimal("2") >= 2 and Decimal("2") <= 2
    assert not (Decimal("2") < 2)
    assert max(Decimal("1.1"), Decimal("1.09")) == Decimal("1.1")
    assert sorted([Decimal("3"), Decimal("-1.5"), Decimal("0.25")]) == \
        [Decimal("-1.5"), Decimal("0.25"), Decimal("3")]
    raises(TypeError, lambda: Decimal("1") < 1.5)


def test_decimal_repr_and_bool():
    assert repr(Decimal("1000.00")) == "Decimal('1000')"
    assert repr(Decimal("-0.5")) == "Decimal('-0.5')"
    assert not Decimal("0.00") and Decimal("0.01")


def test_loads_exact():
    v = kjson.loads_exact('{"amount": 1000.00, "fee": 0.001, "n": 3, "big": 1e2, "neg": -12.34}')
    assert type(v["n"]) is int and v["n"] == 3
    assert isinstance(v["amount"], Decimal) and v["amount"].to_minor_units(2) == 100000
    assert v["big"].to_minor_units(2) == 10000
    assert v["neg"].to_minor_units(2) == -1234
    raises(ValueError, v["fee"].to_minor_units, 2)
    # exact where floats are not
    assert kjson.loads_exact("[0.1, 0.2, 0.3]") == [Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]
    v = kjson.loads_exact("[0.1, 0.2]")
    assert v[0].to_minor_units(1) + v[1].to_minor_units(1) == Decimal("0.3").to_minor_units(1)
    assert kjson.loads_exact("12345678901234567890.12", max_depth=1).to_minor_units(2) == \
        1234567890123456789012


def test_decimal_dumps():
    assert kjson.dumps(Decimal("1000.00")) == "1000"
    assert kjson.dumps([Decimal("0.05"), Decimal("-1e3")]) == "[0.05, -1000]"
    assert kjson.dumps({"x": Decimal("1E-7")}) == '{"x": 0.0000001}'
    v = kjson.loads_exact('{"a": 1.25}')
    assert kjson.loads_exact(kjson.dumps(v)) == v


# ---- dumps ------------------------------------------------------------------------------------

def test_dumps_scalars():
    for v, s in ((None, "null"), (True, "true"), (False, "false"), (0, "0"), (-1, "-1"),
                 (2 ** 100, "1267650600228229401496703205376"), (1.5, "1.5"), (0.1, "0.1"),
                 (-0.0, "-0.0"), (1.0, "1.0"), (100.0, "100.0"), (1e16, "1e+16"),
                 (1e22, "1e+22"), (1e-05, "1e-05"), (123456789.125, "123456789.125"),
                 (1.7976931348623157e308, "1.7976931348623157e+308"), (0.0001, "0.0001"),
                 (-2.5e-10, "-2.5e-10")):
        assert kjson.dumps(v) == s, (v, kjson.dumps(v))


def test_dumps_nan_and_infinity_are_errors():
    for v in (float("nan"), float("inf"), -float("inf"), [1, float("nan")], {"a": float("inf")},
              {float("nan"): 1}):
        raises(ValueError, kjson.dumps, v)


def test_dumps_strings():
    for v, s in (("", '""'), ("abc", '"abc"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'),
                 ("\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'), ("\x00", '"\\u0000"'),
                 ("\x01\x1f", '"\\u0001\\u001f"'), ("\x7f", '"\\u007f"'), ("/", '"/"'),
                 ("\u00e9", '"\\u00e9"'), ("\u20ac", '"\\u20ac"'), ("\uffff", '"\\uffff"'),
                 ("\U0001F600", '"\\ud83d\\ude00"'), ("\U00010000", '"\\ud800\\udc00"'),
                 ("\U0010FFFF", '"\\udbff\\udfff"'), ("\u2028", '"\\u2028"'),
                 ('x"\u00e9\n\U0001F600\\y', '"x\\"\\u00e9\\n\\ud83d\\ude00\\\\y"'),
                 ("\x80\u07ff\u0800", '"\\u0080\\u07ff\\u0800"')):
        assert kjson.dumps(v) == s, (v, kjson.dumps(v))


def test_dumps_strings_not_ascii():
    for v, s in (("", '""'), ("abc", '"abc"'), ('a"b\\', '"a\\"b\\\\"'), ("\x7f", '"\x7f"'),
                 ("\u00e9\u20ac\U0001F600", '"\u00e9\u20ac\U0001F600"'),
                 ("\n\x00\u00e9", '"\\n\\u0000\u00e9"'), ("\u2028", '"\u2028"'),
                 ('\u00e9"\t\U0001F600', '"\u00e9\\"\\t\U0001F600"')):
        assert kjson.dumps(v, ensure_ascii=False) == s, (v, kjson.dumps(v, ensure_ascii=False))


def test_dumps_containers():
    assert kjson.dumps([]) == "[]"
    assert kjson.dumps({}) == "{}"
    assert kjson.dumps(()) == "[]"
    assert kjson.dumps([1, "a", None, [True, []], {}]) == '[1, "a", null, [true, []], {}]'
    assert kjson.dumps((1, (2, 3))) == "[1, [2, 3]]"
    assert kjson.dumps({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert kjson.dumps({"b": 1, "a": {"d": 2, "c": 3}}, sort_keys=True) == \
        '{"a": {"c": 3, "d": 2}, "b": 1}'


def test_dumps_separators_and_indent():
    v = {"b": [1, 2, {}], "a": {"x": None}, "c": []}
    assert kjson.dumps(v, sort_keys=True, separators=(",", ":")) == \
        '{"a":{"x":null},"b":[1,2,{}],"c":[]}'
    assert kjson.dumps(v, sort_keys=True, indent=2) == (
        '{\n  "a": {\n    "x": null\n  },\n  "b": [\n    1,\n    2,\n    {}\n  ],\n  "c": []\n}')
    assert kjson.dumps([1, [2]], indent="\t") == "[\n\t1,\n\t[\n\t\t2\n\t]\n]"
    assert kjson.dumps([1, 2], indent=0) == "[\n1,\n2\n]"
    assert kjson.dumps([1, 2], indent="") == "[\n1,\n2\n]"
    assert kjson.dumps([1, {"a": 2}], indent=1, separators=(", ", " = ")) == \
        '[\n 1, \n {\n  "a" = 2\n }\n]'
    assert kjson.dumps([], indent=4) == "[]"
    assert kjson.dumps(5, indent=4) == "5"


def test_dumps_bytes():
    assert kjson.dumps_bytes({"a": ["\u00e9", 1]}) == b'{"a": ["\\u00e9", 1]}'
    assert kjson.dumps_bytes(["\u00e9"], ensure_ascii=False) == '["\u00e9"]'.encode()
    assert kjson.dumps_bytes([1, 2], indent=1, separators=(",", ":")) == b"[\n 1,\n 2\n]"


def test_dumps_non_str_keys():
    assert kjson.dumps({1: "a"}) == '{"1": "a"}'
    assert kjson.dumps({-5: 0}) == '{"-5": 0}'
    assert kjson.dumps({1.5: 0}) == '{"1.5": 0}'
    assert kjson.dumps({True: 0}) == '{"true": 0}'
    assert kjson.dumps({False: 0}) == '{"false": 0}'
    assert kjson.dumps({None: 0}) == '{"null": 0}'
    assert kjson.dumps({2: "b", 10: "a"}, sort_keys=True) == '{"2": "b", "10": "a"}'
    for k in ((1, 2), Decimal("1"), b"x"):
        e = raises(TypeError, kjson.dumps, {k: 1})
        assert "keys must be" in str(e)


def test_dumps_rejects_other_types():
    for v in (set(), b"x", object(), [1, bytearray(b"x")], {"a": {1, 2}}, object):
        raises(TypeError, kjson.dumps, v)


def test_dumps_circular_references():
    a = [1]
    a.append(a)
    e = raises(ValueError, kjson.dumps, a)
    assert "Circular" in str(e)
    d = {}
    d["self"] = [d]
    raises(ValueError, kjson.dumps, d)
    # the same object twice is not a cycle
    x = [1]
    assert kjson.dumps([x, x, {"a": x}]) == '[[1], [1], {"a": [1]}]'


def test_dumps_depth_limit():
    v = []
    for _ in range(64):
        v = [v]
    raises(ValueError, kjson.dumps, v)
    assert kjson.dumps(v[0]) == "[" * 64 + "]" * 64
    assert kjson.dumps(v, max_depth=65) == "[" * 65 + "]" * 65


def test_round_trips():
    values = [None, True, 0, -1, 2 ** 70, 1.5, -0.25, "", "a\"\\\n\u00e9\U0001F600",
              [], {}, [1, [2, [3, {"k": "v"}]]], {"a": {"b": {"c": [None, False]}}},
              ["\x00\x1f\x7f\u2028\ufffe"], {"\U0001F600": "\t"}]
    for v in values:
        for ea in (True, False):
            for ind in (None, 2):
                text = kjson.dumps(v, ensure_ascii=ea, indent=ind, sort_keys=True)
                assert same(kjson.loads(text), v), (v, text)
                assert same(kjson.loads(text.encode()), v), (v, text)


def test_ten_kilobyte_document():
    rec = {"id": 12345, "iban": "DE89370400440532013000", "amount": "1234.56", "ok": True,
           "memo": "Zahlung f\u00fcr Rechnung \"42\"\n", "tags": ["a", "b"], "rate": 0.0125}
    doc = [dict(rec, id=i) for i in range(70)]
    text = kjson.dumps(doc, sort_keys=True)
    assert len(text) > 10000
    assert kjson.loads(text) == doc
    assert kjson.dumps(kjson.loads(text), sort_keys=True) == text
    exact = kjson.loads_exact(text)
    assert exact[7]["rate"] == Decimal("0.0125") and exact[7]["id"] == 7
