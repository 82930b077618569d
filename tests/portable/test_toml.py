# Portable tests for kernel/toml.py: run by pytest on CPython and by the in-kernel test runner
# on MicroPython.  Plain functions, assert and try/except only; no pytest import, no file I/O.
from kernel import toml

INF = float("inf")


def raises(exc, fn, *args):
    """Call fn(*args) and return the exception of type exc it raises; fail if it does not."""
    try:
        fn(*args)
    except exc as e:
        return e
    raise AssertionError("expected %s from %r" % (exc.__name__, args))


def bad(text, line=None, col=None, fragment=None):
    """loads(text) must raise TOMLError; optionally check its position and message."""
    e = raises(toml.TOMLError, toml.loads, text)
    if line is not None:
        assert e.line == line, (text, str(e))
    if col is not None:
        assert e.col == col, (text, str(e))
    if fragment is not None:
        assert fragment in e.msg, (text, str(e))
    return e


def val(text):
    """The value of `v = <text>`."""
    return toml.loads("v = " + text)["v"]


def is_neg_zero(x):
    return x == 0.0 and str(x).startswith("-")


# ---- documents, comments, whitespace, newlines --------------------------------------------


def test_empty_documents():
    assert toml.loads("") == {}
    assert toml.loads("\n\n  \t \n") == {}
    assert toml.loads("# only a comment") == {}
    assert toml.loads("# a\n  # b\n\n") == {}


def test_comments_everywhere():
    doc = toml.loads("# top\n[t] # header comment\na = 1 # after value\n# end\n")
    assert doc == {"t": {"a": 1}}
    assert toml.loads('s = "# not a comment" # real one') == {"s": "# not a comment"}
    assert toml.loads("a = 1#tight") == {"a": 1}


def test_tab_allowed_in_comment_but_not_control_chars():
    assert toml.loads("# tab\there\na = 1") == {"a": 1}
    bad("# bell \x07\na = 1", 1, 8, "not allowed in a comment")
    bad("a = 1 # del \x7f", 1, 13, "U+007F")
    bad("# nul \x00", 1, 7)


def test_crlf_line_endings():
    doc = toml.loads("a = 1\r\nb = '''x\r\ny'''\r\n[t]\r\nc = \"\"\"p\r\nq\"\"\"\r\n")
    assert doc == {"a": 1, "b": "x\ny", "t": {"c": "p\nq"}}


def test_lone_carriage_return_rejected():
    bad("a = 1\rb = 2")
    bad("a = '''x\ry'''")
    bad('a = "x\ry"')
    bad("# comment \r\n\r")


def test_byte_order_mark_rejected_like_tomllib():
    bad("\ufeffa = 1", 1, 1)


def test_whitespace_around_keys_and_equals():
    assert toml.loads("  a   =   1  ") == {"a": 1}
    assert toml.loads("\ta\t=\t1\t") == {"a": 1}
    assert toml.loads("a . b  .  c = 1") == {"a": {"b": {"c": 1}}}
    assert toml.loads("[ x . y ]\nz = 1") == {"x": {"y": {"z": 1}}}


def test_one_statement_per_line():
    bad("a = 1 b = 2", 1, 7, "expected end of line")
    bad("[t] a = 1", 1, 5, "expected end of line")
    bad("a =\n1", 1, 4, "expected a value")
    bad("a\n= 1", 1, 2, "expected '='")


def test_bytes_input():
    assert toml.loads(b"a = \"\xc3\xa9\"") == {"a": "\u00e9"}
    assert toml.loads(bytearray(b"a = 1")) == {"a": 1}
    e = raises(toml.TOMLError, toml.loads, b"a = \"\xff\"")
    assert "UTF-8" in e.msg


def test_not_text_is_type_error():
    raises(TypeError, toml.loads, 42)


# ---- keys ------------------------------------------------------------------------------------


def test_bare_keys():
    doc = toml.loads("key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\nA-Z_09 = 5\ntrue = 6\n"
                     "inf = 7\n")
    assert doc == {"key": 1, "bare_key": 2, "bare-key": 3, "1234": 4, "A-Z_09": 5, "true": 6,
                   "inf": 7}


def test_quoted_keys():
    doc = toml.loads('"127.0.0.1" = 1\n"character encoding" = 2\n"\u0282\u0254" = 3\n'
                     "'key2' = 4\n'quoted \"value\"' = 5\n\"tab\\tkey\" = 6\n")
    assert doc == {"127.0.0.1": 1, "character encoding": 2, "\u0282\u0254": 3, "key2": 4,
                   'quoted "value"': 5, "tab\tkey": 6}


def test_empty_quoted_keys_allowed():
    assert toml.loads('"" = 1') == {"": 1}
    assert toml.loads("'' = 2") == {"": 2}


def test_dotted_keys():
    doc = toml.loads('name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\n'
                     'site."google.com" = true\n3.14159 = "pi"\n')
    assert doc == {"name": "Orange", "physical": {"color": "orange", "shape": "round"},
                   "site": {"google.com": True}, "3": {"14159": "pi"}}


def test_bare_key_errors():
    bad("= 1", 1, 1, "expected a key")
    bad("\u00e9 = 1", 1, 1, "expected a key")
    bad("a b = 1", 1, 3, "expected '='")
    bad("a. = 1", 1, 4, "expected a key")
    bad(".a = 1", 1, 1, "expected a key")
    bad("a..b = 1", 1, 3, "expected a key")
    bad("a", 1, 2, "expected '='")
    bad('"""a""" = 1', 1, 3)
    bad('"a\nb" = 1', 1, 3, "unterminated string")


def test_duplicate_keys():
    e = bad("[kernel]\nmemory_limit = 1\n      memory_limit = 2\n", 3, 7)
    assert str(e) == "line 3, col 7: duplicate key 'memory_limit'"
    assert e.key == "kernel.memory_limit"
    bad("a = 1\na = 2", 2, 1, "duplicate key 'a'")
    bad("a = 1\n'a' = 2", 2, 1, "duplicate key")
    bad('a = 1\n"a" = 2', 2, 1, "duplicate key")
    bad("spelling = 1\n\"spelling\" = 2", 2, 1)
    bad("a.b = 1\na.b = 2", 2, 1, "duplicate key 'a.b'")
    bad("a.b = 1\na = 2", 2, 1, "duplicate key")


def test_dotted_key_through_a_value_is_error():
    e = bad("a = 1\na.b = 2", 2, 1, "already holds an integer")
    assert e.key == "a"
    bad('a = "x"\na.b.c = 2', 2, 1, "a string")
    bad("a = [1]\na.b = 2", 2, 1, "an array")


def test_dotted_keys_define_tables_in_any_order():
    doc = toml.loads("apple.type = 'fruit'\norange.type = 'fruit'\napple.skin = 'thin'\n")
    assert doc == {"apple": {"type": "fruit", "skin": "thin"}, "orange": {"type": "fruit"}}


# ---- strings ---------------------------------------------------------------------------------


def test_basic_string_escapes():
    assert val('"\\b\\t\\n\\f\\r\\"\\\\"') == "\b\t\n\f\r\"\\"
    assert val('"\\u00E9\\u00e9"') == "\u00e9\u00e9"
    assert val('"\\U0001F600"') == "\U0001F600"
    assert val('"\\u0000"') == "\x00"
    assert val('"\\U0010FFFF"') == "\U0010FFFF"
    assert val('"\\uD7FF\\uE000"') == "\ud7ff\ue000"
    assert val('"a\tb"') == "a\tb"
    assert val('"\u20ac \U0001F600"') == "\u20ac \U0001F600"
    assert val('""') == ""


def test_basic_string_escape_errors():
    bad('v = "\\x41"', 1, 6, "invalid escape")
    bad('v = "\\e"', 1, 6, "invalid escape")
    bad('v = "\\ "', 1, 6, "invalid escape")
    bad('v = "\\u12"', 1, 6, "4 hex digits")
    bad('v = "\\u12G4"', 1, 6, "hex digits")
    bad('v = "\\U0001F60"', 1, 6, "8 hex digits")
    bad('v = "\\uD800"', 1, 6, "not a Unicode scalar value")
    bad('v = "\\uDFFF"', 1, 6, "not a Unicode scalar value")
    bad('v = "\\U00110000"', 1, 6, "not a Unicode scalar value")
    bad('v = "\\UFFFFFFFF"', 1, 6, "not a Unicode scalar value")
    bad('v = "\\', 1, 6)


def test_basic_string_control_chars():
    bad('v = "a\x00b"', 1, 7, "U+0000 must be escaped")
    bad('v = "a\x1fb"', 1, 7, "U+001F")
    bad('v = "a\x7fb"', 1, 7, "U+007F")
    bad('v = "a\nb"', 1, 7, "unterminated string")
    bad('v = "abc', 1, 5, "unterminated string")
    bad('v = "abc\n"', 1, 9)


def test_literal_strings():
    assert val("'C:\\Users\\nodejs\\templates'") == "C:\\Users\\nodejs\\templates"
    assert val("'\\\\ServerX\\admin$'") == "\\\\ServerX\\admin$"
    assert val("'Tom \"Dubs\" Preston'") == 'Tom "Dubs" Preston'
    assert val("'<\\i\\c*\\s*>'") == "<\\i\\c*\\s*>"
    assert val("''") == ""
    assert val("'tab\there'") == "tab\there"


def test_literal_string_errors():
    bad("v = 'it's'", 1, 9, "expected end of line")
    bad("v = 'abc", 1, 5, "unterminated string")
    bad("v = 'a\nb'", 1, 5, "unterminated string")
    bad("v = 'a\x01b'", 1, 7, "U+0001")
    bad("v = 'a\x7f'", 1, 7)


def test_multiline_basic_strings():
    assert val('"""\nRoses are red\nViolets are blue"""') == "Roses are red\nViolets are blue"
    assert val('"""\n\nx"""') == "\nx"
    assert val('""""""') == ""
    assert val('"""\n"""') == ""
    assert val('"""a "b" ""c"" d"""') == 'a "b" ""c"" d'
    assert val('"""Here are two quotation marks: "". Simple enough."""') == \
        'Here are two quotation marks: "". Simple enough.'
    assert val('"""Here are three quotation marks: ""\\"."""') == \
        'Here are three quotation marks: """.'
    assert val('""""This," she said, "is just a pointless statement.""""') == \
        '"This," she said, "is just a pointless statement."'
    assert val('"""a""""') == 'a"'
    assert val('"""a"""""') == 'a""'
    assert val('"""tab\tand\\u00e9\\n"""') == "tab\tand\u00e9\n"


def test_multiline_basic_line_ending_backslash():
    text = 'v = """\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog."""'
    assert toml.loads(text)["v"] == "The quick brown fox jumps over the lazy dog."
    text = ('v = """\\\n       The quick brown \\\n       fox jumps over \\\n'
            '       the lazy dog.\\\n       """')
    assert toml.loads(text)["v"] == "The quick brown fox jumps over the lazy dog."
    # whitespace between the backslash and the newline is allowed
    assert toml.loads('v = """a \\  \t\n   b"""')["v"] == "a b"
    # CRLF after the backslash
    assert toml.loads('v = """a\\\r\n  b"""')["v"] == "ab"


def test_multiline_basic_errors():
    bad('v = """a\\ b"""', 1, 9, "line-ending backslash")
    bad('v = """abc', 1, 5, "unterminated string")
    bad('v = """abc""', 1, 5, "unterminated string")
    bad('v = """a""""""', 1, 14, "expected end of line")
    bad('v = """a\x01"""', 1, 9, "U+0001")
    bad('v = """a\x7f"""', 1, 9)
    bad('v = """\\x"""', 1, 8, "invalid escape")


def test_multiline_literal_strings():
    assert val("'''I [dw]on't need \\d{2} apples'''") == "I [dw]on't need \\d{2} apples"
    text = ("v = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n"
            "   is preserved.\n'''")
    assert toml.loads(text)["v"] == ("The first newline is\ntrimmed in raw strings.\n"
                                     "   All other whitespace\n   is preserved.\n")
    assert val("''''That,' she said, 'is still pointless.''''") == \
        "'That,' she said, 'is still pointless.'"
    assert val("''''''") == ""
    assert val("'''a''''") == "a'"
    assert val("'''a'''''") == "a''"
    assert val("'''\\n\\t'''") == "\\n\\t"
    assert val("'''a\tb'''") == "a\tb"


def test_multiline_literal_errors():
    bad("v = '''abc", 1, 5, "unterminated string")
    bad("v = '''a''''''", 1, 14, "expected end of line")
    bad("v = '''a\x00b'''", 1, 9, "U+0000")
    bad("v = '''\na\x7f'''", 2, 2)


# ---- integers ---------------------------------------------------------------------------------


def test_decimal_integers():
    assert val("+99") == 99
    assert val("42") == 42
    assert val("0") == 0
    assert val("-17") == -17
    assert val("-0") == 0
    assert val("+0") == 0
    assert val("1_000") == 1000
    assert val("5_349_221") == 5349221
    assert val("53_49_221") == 5349221
    assert val("1_2_3_4_5") == 12345
    assert val("9223372036854775807") == 9223372036854775807
    assert val("-9223372036854775808") == -9223372036854775808
    assert val("123456789012345678901234567890") == 123456789012345678901234567890
    assert type(val("1")) is int


def test_hex_octal_binary_integers():
    assert val("0xDEADBEEF") == 0xDEADBEEF
    assert val("0xdeadbeef") == 0xDEADBEEF
    assert val("0xdead_beef") == 0xDEADBEEF
    assert val("0x00") == 0
    assert val("0xffffffffffffffffffffffff") == 2 ** 96 - 1
    assert val("0o01234567") == 342391
    assert val("0o755") == 493
    assert val("0b11010110") == 214
    assert val("0b1_0") == 2


def test_integer_errors():
    bad("v = 01", 1, 5, "leading zeros")
    bad("v = 0_1", 1, 5, "leading zeros")
    bad("v = -01", 1, 5, "leading zeros")
    bad("v = 1__2", 1, 6, "'_'")
    bad("v = 1_", 1, 6, "'_'")
    bad("v = _1", 1, 5, "invalid value")
    bad("v = +0x1", 1, 5, "sign is not allowed")
    bad("v = -0b1", 1, 5, "sign is not allowed")
    bad("v = 0X1", 1, 6, "expected end of line")
    bad("v = 0x", 1, 7, "expected a digit")
    bad("v = 0x_1", 1, 7, "expected a digit")
    bad("v = 0b2", 1, 7)
    bad("v = 0o8", 1, 7)
    bad("v = 0xG", 1, 7)
    bad("v = --1", 1, 5, "invalid value")
    bad("v = 1 2", 1, 7, "expected end of line")
    bad("v = 12a", 1, 7, "expected end of line")
    bad("v = 1,", 1, 6, "expected end of line")


# ---- floats ------------------------------------------------------------------------------------


def test_floats():
    assert val("+1.0") == 1.0
    assert val("3.1415") == 3.1415
    assert val("-0.01") == -0.01
    assert val("5e+22") == 5e22
    assert val("1e06") == 1e6
    assert val("-2E-2") == -0.02
    assert val("6.626e-34") == 6.626e-34
    assert val("224_617.445_991_228") == 224617.445991228
    assert val("0e0") == 0.0
    assert val("0.0_1") == 0.01
    assert val("1e1_0") == 1e10
    assert type(val("1.0")) is float
    assert type(val("1e2")) is float
    assert is_neg_zero(val("-0.0"))
    assert not is_neg_zero(val("+0.0"))
    assert val("1e1000") == INF


def test_special_floats():
    assert val("inf") == INF
    assert val("+inf") == INF
    assert val("-inf") == -INF
    for t in ("nan", "+nan", "-nan"):
        x = val(t)
        assert type(x) is float and x != x


def test_float_errors():
    bad("v = .7", 1, 5, "invalid value")
    bad("v = 7.", 1, 7, "fraction")
    bad("v = 3.e+20", 1, 7, "fraction")
    bad("v = 1e", 1, 7, "exponent")
    bad("v = 1e_5", 1, 7, "exponent")
    bad("v = 1e+", 1, 8, "exponent")
    bad("v = 1_.5", 1, 6, "'_'")
    bad("v = 1._5", 1, 7, "fraction")
    bad("v = 1.5_", 1, 8, "'_'")
    bad("v = 01.5", 1, 5, "leading zeros")
    bad("v = 1.2.3", 1, 8, "expected end of line")
    bad("v = 1e5.5", 1, 8, "expected end of line")
    bad("v = Inf", 1, 5, "invalid value")
    bad("v = NaN", 1, 5, "invalid value")
    bad("v = infinity", 1, 8, "expected end of line")
    bad("v = +-inf", 1, 5)


# ---- booleans and bad values -----------------------------------------------------------------


def test_booleans():
    assert toml.loads("t = true\nf = false") == {"t": True, "f": False}
    assert val("true") is True
    assert val("false") is False


def test_bad_values():
    bad("v = True", 1, 5, "invalid value 'True'")
    bad("v = truex", 1, 9, "expected end of line")
    e = bad("v = lots", 1, 5, "strings must be quoted")
    assert '"lots"' in e.msg
    bad("v = ", 1, 5, "expected a value")
    bad("v = @", 1, 5, "invalid value starting with '@'")


# ---- dates and times ---------------------------------------------------------------------------


def test_offset_date_times():
    d = val("1979-05-27T07:32:00Z")
    assert type(d) is toml.DateTime
    assert (d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, d.offset) == \
        (1979, 5, 27, 7, 32, 0, 0, 0)
    assert d.isoformat() == "1979-05-27T07:32:00+00:00"
    d = val("1979-05-27T00:32:00-07:00")
    assert d.offset == -420 and d.isoformat() == "1979-05-27T00:32:00-07:00"
    d = val("1979-05-27T00:32:00.999999+05:30")
    assert d.offset == 330 and d.microsecond == 999999
    assert d.isoformat() == "1979-05-27T00:32:00.999999+05:30"
    assert val("1979-05-27t07:32:00z") == val("1979-05-27T07:32:00Z")
    assert val("1979-05-27 07:32:00Z") == val("1979-05-27T07:32:00+00:00")


def test_local_date_times_dates_times():
    d = val("1979-05-27T07:32:00")
    assert d.offset is None and d.isoformat() == "1979-05-27T07:32:00"
    d = val("1979-05-27 00:32:00.5")
    assert d.microsecond == 500000 and d.isoformat() == "1979-05-27T00:32:00.500000"
    d = val("1979-05-27")
    assert type(d) is toml.Date and (d.year, d.month, d.day) == (1979, 5, 27)
    assert d.isoformat() == "1979-05-27"
    t = val("07:32:00")
    assert type(t) is toml.Time and (t.hour, t.minute, t.second, t.microsecond) == (7, 32, 0, 0)
    t = val("00:32:00.999999")
    assert t.microsecond == 999999 and t.isoformat() == "00:32:00.999999"
    # more than microsecond precision is truncated (as CPython's tomllib does)
    assert val("00:00:00.1234567").microsecond == 123456
    assert val("1979-05-27T00:00:00.0000009Z").microsecond == 0
    assert val("23:59:59") == toml.Time(23, 59, 59)


def test_date_time_values_compare_and_hash():
    assert toml.Date(2024, 2, 29) == toml.Date(2024, 2, 29)
    assert toml.Date(2024, 2, 29) != toml.Date(2024, 3, 1)
    assert toml.Time(1, 2, 3) == toml.Time(1, 2, 3, 0)
    assert toml.Time(1, 2, 3) != toml.Time(1, 2, 3, 1)
    a = toml.DateTime(2024, 1, 2, 3, 4, 5, 0, 0)
    assert a == toml.DateTime(2024, 1, 2, 3, 4, 5, 0, 0)
    assert a != toml.DateTime(2024, 1, 2, 3, 4, 5, 0, None)
    assert a != toml.DateTime(2024, 1, 2, 4, 4, 5, 0, 60)  # same instant, different offset
    assert a.date() == toml.Date(2024, 1, 2) and a.time() == toml.Time(3, 4, 5)
    assert toml.Date(2024, 1, 2) != "2024-01-02"
    assert {toml.Date(1, 1, 1): 1}[toml.Date(1, 1, 1)] == 1
    assert len(set([toml.Time(1, 1, 1), toml.Time(1, 1, 1)])) == 1
    assert str(toml.Date(5, 6, 7)) == "0005-06-07"
    assert repr(toml.Date(5, 6, 7)) == "Date(5, 6, 7)"


def test_leap_years():
    assert val("2000-02-29") == toml.Date(2000, 2, 29)
    assert val("2024-02-29") == toml.Date(2024, 2, 29)
    bad("v = 1900-02-29", 1, 13, "day 29 is out of range (1..28)")
    bad("v = 2023-02-29", 1, 13, "day 29")


def test_date_time_errors():
    bad("v = 1979-13-01", 1, 10, "month 13")
    bad("v = 1979-00-01", 1, 10, "month 00")
    bad("v = 1979-04-31", 1, 13, "day 31")
    bad("v = 1979-01-00", 1, 13, "day 00")
    bad("v = 0000-01-01", 1, 5, "year 0000")
    bad("v = 1979-5-27", 1, 10, "2 digits for the month")
    bad("v = 1979-05-7", 1, 13, "2 digits for the day")
    bad("v = 1979-05-27T25:00:00", 1, 16, "hour 25")
    bad("v = 1979-05-27T07:60:00", 1, 19, "minute 60")
    bad("v = 1979-05-27T07:32:60", 1, 22, "second 60")
    bad("v = 1979-05-27T07:32", 1, 21, "seconds are required")
    bad("v = 07:32", 1, 10, "seconds are required")
    bad("v = 7:32:00", 1, 6, "expected end of line")
    bad("v = 07:32:00.", 1, 14, "digits after '.'")
    bad("v = 1979-05-27T07:32:00+24:00", 1, 25, "offset hour 24")
    bad("v = 1979-05-27T07:32:00+05:60", 1, 28, "offset minute")
    bad("v = 1979-05-27T07:32:00+0530", 1, 27, "expected ':'")
    bad("v = 1979-05-27T07:32:00Zx", 1, 25, "expected end of line")
    bad("v = 1979-05-27T", 1, 16, "hour")
    bad("v = 1979-05-27 x", 1, 16, "expected end of line")


def test_date_followed_by_space_and_comment():
    assert toml.loads("v = 1979-05-27 # birthday") == {"v": toml.Date(1979, 5, 27)}
    assert val("[1979-05-27 , 07:00:00 ]") == [toml.Date(1979, 5, 27), toml.Time(7, 0, 0)]


# ---- arrays ------------------------------------------------------------------------------------


def test_arrays():
    assert val("[ 1, 2, 3 ]") == [1, 2, 3]
    assert val("[]") == []
    assert val("[ ]") == []
    assert val('[ "red", "yellow", "green" ]') == ["red", "yellow", "green"]
    assert val("[ [ 1, 2 ], [3, 4, 5] ]") == [[1, 2], [3, 4, 5]]
    assert val("[ [ 1, 2 ], [\"a\", 'b', \"\"\"c\"\"\"] ]") == [[1, 2], ["a", "b", "c"]]
    assert val("[ 0.1, 0.2, 0.5, 1, 2, 5 ]") == [0.1, 0.2, 0.5, 1, 2, 5]
    assert val("[1,2,]") == [1, 2]
    assert val("[[[[]]]]") == [[[[]]]]


def test_mixed_type_arrays():
    v = val('[ 1, "a", 2.5, true, 1979-05-27, [1], { x = 1 } ]')
    assert v == [1, "a", 2.5, True, toml.Date(1979, 5, 27), [1], {"x": 1}]


def test_multiline_arrays_with_comments():
    text = ("v = [ # start\n  1, # one\n\n  2 # two\n  , # comma on its own line\n"
            "  # nothing\n  3,\n] # end\nw = 1")
    assert toml.loads(text) == {"v": [1, 2, 3], "w": 1}
    assert toml.loads("v = [\n]") == {"v": []}
    assert toml.loads("v = [\n# c\n]") == {"v": []}


def test_array_errors():
    bad("v = [1 2]", 1, 8, "expected ',' or ']'")
    bad("v = [1,,2]", 1, 8, "invalid value")
    bad("v = [,]", 1, 6, "invalid value")
    bad("v = [1, 2", 1, 5, "unterminated array")
    bad("v = [1,\n# c\n", 1, 5, "unterminated array")
    bad("v = [\n1\n2]", 3, 1, "expected ',' or ']'")
    bad("v = [1]]", 1, 8, "expected end of line")
    bad("v = [\x01]", 1, 6)


def test_nesting_limit():
    assert val("[" * 60 + "]" * 60) is not None
    bad("v = " + "[" * 70 + "]" * 70, fragment="nested too deeply")
    bad("v = " + "{a=" * 70 + "1" + "}" * 70, fragment="nested too deeply")


# ---- inline tables --------------------------------------------------------------------------


def test_inline_tables():
    doc = toml.loads('name = { first = "Tom", last = "Preston-Werner" }\n'
                     "point = { x = 1, y = 2 }\nanimal = { type.name = \"pug\" }\n"
                     "empty = {}\nspaced = {   }\nnested = {a = {b = {c = 1}}, d = [1, {e = 2}]}")
    assert doc == {"name": {"first": "Tom", "last": "Preston-Werner"}, "point": {"x": 1, "y": 2},
                   "animal": {"type": {"name": "pug"}}, "empty": {}, "spaced": {},
                   "nested": {"a": {"b": {"c": 1}}, "d": [1, {"e": 2}]}}
    assert val("{a.b = 1, a.c = 2}") == {"a": {"b": 1, "c": 2}}
    assert val("{'q k' = 1, \"r\" = 2}") == {"q k": 1, "r": 2}


def test_inline_table_errors():
    bad("v = {a = 1,}", 1, 12, "trailing comma")
    bad("v = {a = 1\n}", 1, 11, "must be on one line")
    bad("v = {\na = 1}", 1, 6, "expected a key")
    bad("v = {a = 1 b = 2}", 1, 12, "expected ',' or '}'")
    bad("v = {a = 1, a = 2}", 1, 13, "duplicate key 'a' in inline table")
    bad("v = {a.b = 1, a.b = 2}", 1, 15, "duplicate key")
    bad("v = {a = {b = 1}, a.c = 2}", 1, 19, "cannot add key 'a.c'")
    bad("v = {a = 1, a.b = 2}", 1, 13, "an integer")
    bad("v = {a = [1], a.b = 2}", 1, 15, "an array")
    bad("v = {a = 1", 1, 11, "expected ',' or '}'")
    bad("v = {a = 1 # c\n}", 1, 12)
    bad("v = {,}", 1, 6, "expected a key")


def test_inline_tables_are_closed():
    bad('type = { name = "Nail" }\ntype.edible = false', 2, 1, "inline table 'type'")
    bad("a = {x = 1}\n[a]", 2, 2, "already defined as an inline table")
    bad("a = {x = {y = 1}}\n[a.x]", 2, 2, "inline table 'a'")
    bad("a = {x = {y = 1}}\n[a.x.z]", 2, 2, "inline table 'a'")
    bad("[a]\nb = {}\n[a.b]", 3, 2, "inline table")
    bad("[a]\nb = {}\n[a.b.c]", 3, 2, "inline table 'a.b'")
    bad("a = {}\n[[a.b]]", 2, 3, "inline table 'a'")
    bad("a = {b = []}\na.b.c = 1", 2, 1)


# ---- tables ----------------------------------------------------------------------------------


def test_tables():
    doc = toml.loads('[table-1]\nkey1 = "some string"\nkey2 = 123\n\n[table-2]\nkey1 = "another"\n'
                     'key2 = 456\n[dog."tater.man"]\ntype.name = "pug"\n[ j . "\u0282" . \'l\' ]\n'
                     "[empty]\n")
    assert doc == {"table-1": {"key1": "some string", "key2": 123},
                   "table-2": {"key1": "another", "key2": 456},
                   "dog": {"tater.man": {"type": {"name": "pug"}}},
                   "j": {"\u0282": {"l": {}}}, "empty": {}}


def test_super_table_may_be_defined_after_sub_table():
    doc = toml.loads("[x.y.z.w]\na = 1\n[x]\nb = 2\n[x.y]\nc = 3")
    assert doc == {"x": {"b": 2, "y": {"c": 3, "z": {"w": {"a": 1}}}}}


def test_root_keys_before_first_table():
    assert toml.loads("a = 1\n[t]\nb = 2") == {"a": 1, "t": {"b": 2}}


def test_table_defined_twice():
    e = bad("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"", 4, 2,
            "table [fruit] is already defined")
    assert e.key == "fruit"
    bad("[fruit]\napple = 1\n[fruit.apple]", 3, 2, "already defined as an integer")
    bad("a = 1\n[a]", 2, 2, "already defined as an integer")
    bad("[a.b]\n[a.b]", 2, 2, "already defined")
    bad("[a]\nb = 1\n[a.b.c]", 3, 2, "cannot use key 'a.b' as a table")
    bad('[a]\n["a"]', 2, 2, "already defined")


def test_dotted_keys_and_table_headers():
    # a table made by dotted keys cannot be re-opened with a [header] ...
    bad('[fruit]\napple.color = "red"\napple.taste.sweet = true\n[fruit.apple]', 4, 2,
        "already defined (by dotted keys)")
    bad('[fruit]\napple.color = "red"\napple.taste.sweet = true\n[fruit.apple.taste]', 4, 2)
    bad("a.b = 1\n[a]", 2, 2, "by dotted keys")
    # ... but sub-tables may be added to it
    doc = toml.loads('[fruit]\napple.color = "red"\napple.taste.sweet = true\n'
                     "[fruit.apple.texture]\nsmooth = true")
    assert doc == {"fruit": {"apple": {"color": "red", "taste": {"sweet": True},
                                       "texture": {"smooth": True}}}}
    # a [header] table cannot be extended with dotted keys from another section
    bad("[a.b]\nx = 1\n[a]\nb.y = 2", 4, 1, "defined by a [header] in another section")
    bad("[a]\nx.y = 1\n[b]\n[a.x.z]\n[a]", 5, 2)


def test_dotted_keys_in_implicit_tables():
    doc = toml.loads("[a.b.c]\n[a]\nb.d = 1")
    assert doc == {"a": {"b": {"c": {}, "d": 1}}}


def test_table_header_errors():
    bad("[]", 1, 2, "expected a key")
    bad("[a", 1, 3, "expected ']'")
    bad("[a]]", 1, 4, "expected end of line")
    bad("[a.]", 1, 4, "expected a key")
    bad("[.a]", 1, 2, "expected a key")
    bad("[a b]", 1, 4, "expected ']'")
    bad("[a]\n[b\n]", 2, 3)
    bad("[ [a]]", 1, 3, "expected a key")
    bad("[a] = 1", 1, 5, "expected end of line")
    bad("[\n]", 1, 2)


# ---- arrays of tables -----------------------------------------------------------------------


def test_arrays_of_tables():
    doc = toml.loads('[[products]]\nname = "Hammer"\nsku = 738594937\n\n[[products]]  # empty\n\n'
                     '[[products]]\nname = "Nail"\nsku = 284758393\ncolor = "gray"')
    assert doc == {"products": [{"name": "Hammer", "sku": 738594937}, {},
                                {"name": "Nail", "sku": 284758393, "color": "gray"}]}


def test_nested_arrays_of_tables():
    text = ('[[fruits]]\nname = "apple"\n\n[fruits.physical]  # subtable\ncolor = "red"\n'
            'shape = "round"\n\n[[fruits.varieties]]  # nested array of tables\n'
            'name = "red delicious"\n\n[[fruits.varieties]]\nname = "granny smith"\n\n\n'
            '[[fruits]]\nname = "banana"\n\n[[fruits.varieties]]\nname = "plantain"\n')
    assert toml.loads(text) == {"fruits": [
        {"name": "apple", "physical": {"color": "red", "shape": "round"},
         "varieties": [{"name": "red delicious"}, {"name": "granny smith"}]},
        {"name": "banana", "varieties": [{"name": "plantain"}]}]}


def test_sub_tables_per_array_element():
    doc = toml.loads("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n[a.b.c]\n")
    assert doc == {"a": [{"b": {"x": 1}}, {"b": {"x": 2, "c": {}}}]}
    doc = toml.loads("[[a]]\nb.c = 1\n[[a]]\nb.c = 2")
    assert doc == {"a": [{"b": {"c": 1}}, {"b": {"c": 2}}]}


def test_array_of_tables_errors():
    bad("[fruit.physical]\ncolor = 1\n[[fruit]]", 3, 3, "cannot define [[fruit]]")
    bad('fruits = []\n[[fruits]]', 2, 3, "an array")
    bad("a = [1]\n[[a]]", 2, 3)
    bad("a = [{b = 1}]\n[a.c]", 2, 2, "static array 'a'")
    bad("[[a]]\n[a]", 2, 2, "already defined as an array of tables")
    bad("[a]\n[[a]]", 2, 3, "a table")
    bad("[[a]]\n[[a.b]]\n[a.b]", 3, 2, "array of tables")
    bad("[[a]]\nb = 1\n[a.b]", 3, 2, "an integer")
    bad("[[a]]\nb = 1\n[[a.b]]", 3, 3, "an integer")
    bad("[[a]\n", 1, 4, "expected ']]' to close the array-of-tables header [[a]]")
    bad("[[a] ]\n", 1, 4, "expected ']]'")
    bad("[[]]", 1, 3, "expected a key")
    bad("[[t.a]]\n[t]\na.b = 1", 3, 1, "already holds an array")
    e = bad("[[a]]\n[[a]]\nc = 1\nc = 2", 4, 1, "duplicate key 'c'")
    assert e.key == "a[1].c"


# ---- the error type, positions, line map, formatting --------------------------------------


def test_error_is_value_error_with_fields():
    e = bad("x = 1\n\n  y = 2\n  y = 3\n")
    assert isinstance(e, ValueError)
    assert (e.line, e.col, e.key) == (4, 3, "y")
    assert e.msg == "duplicate key 'y'"
    assert str(e) == "line 4, col 3: duplicate key 'y'"
    e = toml.TOMLError("boom", 2, 9)
    assert str(e) == "line 2, col 9: boom" and e.key is None


def test_error_positions_after_crlf_and_unicode():
    e = bad("a = 1\r\nb = \"\u00e9\u00e9\" x\r\n")
    assert (e.line, e.col) == (2, 10)
    e = bad("a = \"\"\"\nx\ny\"\"\"\nb = ?")
    assert (e.line, e.col) == (4, 5)


def test_quoted_key_in_error_message():
    e = bad('"a b" = 1\n"a b" = 2')
    assert e.msg == "duplicate key '\"a b\"'" and e.key == '"a b"'
    e = bad("[x]\n'' = 1\n\"\" = 2")
    assert e.key == 'x.""'


def test_loads_with_lines():
    doc, lines = toml.loads_with_lines("a = 1\n[t]\n\nb.c = 2\n[[arr]]\nx = 3\n[[arr]]\n"
                                       "x = 4\nm = '''\n\n'''\nn = 5\n[t.sub]\n")
    assert doc["arr"] == [{"x": 3}, {"x": 4, "m": "\n", "n": 5}]
    assert lines[("a",)] == 1
    assert lines[("t",)] == 2
    assert lines[("t", "b")] == 4
    assert lines[("t", "b", "c")] == 4
    assert lines[("arr",)] == 5
    assert lines[("arr", 0)] == 5
    assert lines[("arr", 0, "x")] == 6
    assert lines[("arr", 1)] == 7
    assert lines[("arr", 1, "x")] == 8
    assert lines[("arr", 1, "m")] == 9
    assert lines[("arr", 1, "n")] == 12
    assert lines[("t", "sub")] == 13


def test_format_value_round_trips():
    values = ["", "plain", 'q"uo\\te', "ctl\x00\x01\x1f\x7f\b\t\n\f\r", "\u00e9\U0001F600",
              0, -1, 2 ** 70, -(2 ** 65), 1.5, -0.25, 1e300, 5e-324, 0.1, INF, -INF, True, False,
              toml.Date(2024, 2, 29), toml.Time(23, 59, 59, 1), toml.Time(0, 0, 0),
              toml.DateTime(1979, 5, 27, 7, 32, 0, 0, -480),
              toml.DateTime(1979, 5, 27, 7, 32, 0, 999999, None),
              [], [1, "a", [2.5]], {}, {"a b": 1, "c": {"d": [True]}}]
    for v in values:
        text = toml.format_value(v)
        assert toml.loads("v = " + text)["v"] == v, text
    assert toml.format_value(3.0) == "3.0"
    assert toml.format_value('a"b') == '"a\\"b"'
    assert toml.format_value("\x01") == '"\\u0001"'
    assert toml.format_value({"b": 1, "a": 2}) == "{ a = 2, b = 1 }"
    x = toml.loads("v = " + toml.format_value(float("nan")))["v"]
    assert x != x
    raises(TypeError, toml.format_value, None)


def test_a_realistic_document():
    text = """
# This is a TOML document

title = "TOML Example"

[owner]
name = "Tom Preston-Werner"
dob = 1979-05-27T07:32:00-08:00

[database]
enabled = true
ports = [ 8000, 8001, 8002 ]
data = [ ["delta", "phi"], [3.14] ]
temp_targets = { cpu = 79.5, case = 72.0 }

[servers]

[servers.alpha]
ip = "10.0.0.1"
role = "frontend"

[servers.beta]
ip = "10.0.0.2"
role = "backend"
"""
    assert toml.loads(text) == {
        "title": "TOML Example",
        "owner": {"name": "Tom Preston-Werner",
                  "dob": toml.DateTime(1979, 5, 27, 7, 32, 0, 0, -480)},
        "database": {"enabled": True, "ports": [8000, 8001, 8002],
                     "data": [["delta", "phi"], [3.14]],
                     "temp_targets": {"cpu": 79.5, "case": 72.0}},
        "servers": {"alpha": {"ip": "10.0.0.1", "role": "frontend"},
                    "beta": {"ip": "10.0.0.2", "role": "backend"}}}
