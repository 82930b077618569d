# Property tests: kernel/lib/json.py against CPython's json and decimal (host only).
#
# (a) random JSON values (None, bools, big ints, finite floats, text with control and non-BMP
#     characters, nested lists and dicts): ours reads what CPython writes, and writes exactly
#     what CPython writes, for several option combinations.
# (b) random and mutated texts (str and UTF-8 bytes): whenever CPython rejects a text ours
#     raises JSONDecodeError, whenever CPython accepts it ours returns an equal value. CPython
#     accepts three things RFC 8259 does not have and we reject: NaN/Infinity/-Infinity, lone
#     surrogates (raw or as \u escapes) and, for bytes, UTF-16/UTF-32 (we read UTF-8 only);
#     the reference below counts those as rejections.
# (c) Decimal against decimal.Decimal: the normalised plain text, to_minor_units,
#     from_minor_units, equality, ordering and hashing; loads_exact against
#     json.loads(parse_float=decimal.Decimal).
import codecs
import decimal
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from kernel.lib import json as kjson

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.data_too_large])
CTX = decimal.Context(prec=20000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
REJECT = object()


def norm(v):
    """Comparable form: types kept (1 is not 1.0, True is not 1), floats by repr (sign of 0)."""
    if isinstance(v, dict):
        return ("dict", sorted((k, norm(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return ("list", [norm(x) for x in v])
    if isinstance(v, float):
        return ("float", repr(v))
    if isinstance(v, (kjson.Decimal, decimal.Decimal)):
        return ("decimal", plain(v))
    return (type(v).__name__, v)


def plain(d):
    """Normalised plain notation of a decimal.Decimal (or our Decimal: its str)."""
    if isinstance(d, kjson.Decimal):
        return str(d)
    if d.is_zero():
        return "0"
    return format(d.normalize(CTX), "f")


# ---- (a) values -------------------------------------------------------------------------------

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
ascii_texts = st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=12)
any_text = st.one_of(texts, ascii_texts,
                     st.sampled_from(["", "a\"b\\c", "\x00\x1f\x7f", "\u2028\ufeff\uffff",
                                      "\U0001F600\U0010FFFF"]))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.integers(min_value=-(10 ** 120), max_value=10 ** 120),
    st.floats(allow_nan=False, allow_infinity=False),
    any_text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(any_text, inner, max_size=5)),
    max_leaves=30)

OPTIONS = [dict(), dict(indent=2), dict(indent=0), dict(indent="\t", separators=(",", ":")),
           dict(ensure_ascii=False), dict(separators=(",", ":"), ensure_ascii=False),
           dict(indent=1, ensure_ascii=False, separators=(" ,", " : "))]


@settings(max_examples=200, **SETTINGS)
@given(values)
def test_reads_what_cpython_writes(v):
    for ea in (True, False):
        for indent in (None, 2):
            text = json.dumps(v, ensure_ascii=ea, indent=indent)
            assert norm(kjson.loads(text)) == norm(v)
            assert norm(kjson.loads(text.encode())) == norm(v)


@settings(max_examples=200, **SETTINGS)
@given(values)
def test_writes_what_cpython_writes(v):
    for opts in OPTIONS:
        assert kjson.dumps(v, sort_keys=True, **opts) == json.dumps(v, sort_keys=True, **opts)
        assert kjson.dumps(v, **opts) == json.dumps(v, **opts)


@settings(max_examples=200, **SETTINGS)
@given(st.lists(st.text(alphabet=st.characters(), max_size=8), max_size=4))
def test_lone_surrogates_are_written_like_cpython(v):
    # a CPython str can hold lone surrogates: written as \udXXX, or raw when not ensure_ascii
    for ea in (True, False):
        assert kjson.dumps(v, ensure_ascii=ea) == json.dumps(v, ensure_ascii=ea)


def tuples_inside(v):
    if isinstance(v, list):
        return tuple(tuples_inside(x) for x in v)
    if isinstance(v, dict):
        return {k: tuples_inside(x) for k, x in v.items()}
    return v


@settings(max_examples=100, **SETTINGS)
@given(values)
def test_tuples_are_written_as_lists(v):
    assert kjson.dumps(tuples_inside(v)) == json.dumps(tuples_inside(v))


keys = st.one_of(texts, st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                 st.booleans(), st.none())


@settings(max_examples=300, **SETTINGS)
@given(st.dictionaries(keys, scalars, max_size=6))
def test_non_str_keys_like_cpython(d):
    assert kjson.dumps(d) == json.dumps(d)
    try:
        expected = json.dumps(d, sort_keys=True)
    except TypeError:  # keys of different types do not sort
        expected = TypeError
    try:
        got = kjson.dumps(d, sort_keys=True)
    except TypeError:
        got = TypeError
    assert got == expected


@settings(max_examples=50, **SETTINGS)
@given(st.lists(st.sampled_from([float("nan"), float("inf"), -float("inf")]), min_size=1))
def test_non_finite_floats_are_errors(v):
    try:
        kjson.dumps(v)
    except ValueError:
        return
    raise AssertionError("accepted %r" % v)


# ---- (b) accept exactly what CPython accepts ----------------------------------------------------

def _no_constants(name):
    raise ValueError("not JSON: " + name)


def has_surrogate(v):
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list):
        return any(has_surrogate(x) for x in v)
    if isinstance(v, dict):
        return any(has_surrogate(k) or has_surrogate(x) for k, x in v.items())
    return False


def reference(text):
    """CPython's verdict on a str, less its NaN/Infinity and lone-surrogate extensions."""
    try:
        v = json.loads(text, strict=True, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return REJECT
    if has_surrogate(v) or has_surrogate(text):
        return REJECT
    return v


def reference_bytes(data):
    """The same for bytes, read as UTF-8 only (one leading BOM skipped, as CPython does)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return REJECT
    return reference(text)


def ours(text):
    try:
        return kjson.loads(text)
    except kjson.JSONDecodeError:
        return REJECT


def check(text):
    exp = reference(text)
    got = ours(text)
    if exp is REJECT or got is REJECT:
        assert got is exp, (text, got)
    else:
        assert norm(got) == norm(exp), text


def check_bytes(data):
    exp = reference_bytes(data)
    got = ours(data)
    if exp is REJECT or got is REJECT:
        assert got is exp, (data, got)
    else:
        assert norm(got) == norm(exp), data


JSONISH = list('{}[]",:0123456789-+.eE \t\n\rtruefalsnNaIfiy\\/u') + [
    "\\u", "\\ud83d", "\\ude00", "\\u00e9", "true", "false", "null", "NaN", "Infinity", "1e5",
    "\x00", "\x1f", "\x7f", "\u00e9", "\U0001F600", "\ud800", "\x0b", "\u00a0", "\ufeff"]
jsonish_text = st.lists(st.sampled_from(JSONISH), max_size=30).map("".join)


@settings(max_examples=1000, **SETTINGS)
@given(jsonish_text)
def test_random_texts_like_cpython(text):
    check(text)
    check_bytes(text.encode("utf-8", "surrogatepass"))


def mutate(data, text, alphabet):
    n = data.draw(st.integers(1, 4))
    for _ in range(n):
        op = data.draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "swap"]))
        i = data.draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:i] + data.draw(st.sampled_from(alphabet)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + 1:]
        elif op == "replace":
            text = text[:i] + data.draw(st.sampled_from(alphabet)) + text[i + 1:]
        elif op == "duplicate":
            j = data.draw(st.integers(i, min(len(text), i + 8)))
            text = text[:j] + text[i:j] + text[j:]
        else:
            j = data.draw(st.integers(0, len(text)))
            i, j = min(i, j), max(i, j)
            text = text[:i] + text[j:j + 1] + text[i + 1:j] + text[i:i + 1] + text[j + 1:]
    return text


@settings(max_examples=500, **SETTINGS)
@given(values, st.booleans(), st.data())
def test_mutated_texts_like_cpython(v, ea, data):
    text = json.dumps(v, ensure_ascii=ea, indent=data.draw(st.sampled_from([None, 1])))
    text = mutate(data, text, JSONISH)
    check(text)
    check_bytes(text.encode("utf-8", "surrogatepass"))


BYTES = [bytes([b]) for b in b'{}[]",:019-.e \\u'] + [
    bytes([b]) for b in (0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
                         0xf4, 0xf5, 0xff)] + [b"\xef\xbb\xbf", b"\xa0", b"\x9f", b"\x90", b"\x8f"]


@settings(max_examples=500, **SETTINGS)
@given(values, st.data())
def test_mutated_utf8_like_cpython(v, data):
    raw = json.dumps(v, ensure_ascii=False).encode()
    raw = mutate(data, raw, BYTES)
    check_bytes(raw)


# ---- (c) Decimal against decimal.Decimal ---------------------------------------------------------

digit_strings = st.text(alphabet="0123456789", max_size=25)
exponents = st.one_of(st.integers(0, 1100).map(str), st.text(alphabet="0123456789", min_size=1,
                                                                 max_size=12))


@st.composite
def decimal_literals(draw):
    sign = draw(st.sampled_from(["", "-", "+"]))
    ip = draw(digit_strings)
    fp = draw(st.none() | digit_strings)
    if not ip and not fp:
        ip = "0"
    text = sign + ip + ("" if fp is None else "." + fp)
    if draw(st.booleans()):
        text += (draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-"]))
                 + draw(exponents))
    return text


def in_range(ref):
    """Whether our bounds allow the value (|normalised exponent| <= DECIMAL_MAX_EXPONENT)."""
    if ref.is_zero():
        return True
    t = ref.normalize(CTX).as_tuple()
    return -kjson.DECIMAL_MAX_EXPONENT <= t.exponent <= kjson.DECIMAL_MAX_EXPONENT


@settings(max_examples=800, **SETTINGS)
@given(decimal_literals())
def test_decimal_matches_python_decimal(text):
    ref = decimal.Decimal(text)
    if not in_range(ref):
        try:
            kjson.Decimal(text)
        except ValueError:
            return
        raise AssertionError("accepted out-of-range %r" % text)
    d = kjson.Decimal(text)
    assert str(d) == plain(ref)
    assert decimal.Decimal(d.coefficient).scaleb(d.exponent, CTX) == ref
    assert d == kjson.Decimal(str(d)) and hash(d) == hash(kjson.Decimal(str(d)))
    if ref == ref.to_integral_value():
        assert d == int(ref) and hash(d) == hash(int(ref))
    else:
        assert d != int(ref.to_integral_value(rounding=decimal.ROUND_FLOOR))
    for places in range(0, 12):
        q = ref.scaleb(places, CTX)
        if q == q.to_integral_value():
            assert d.to_minor_units(places) == int(q)
        else:
            try:
                d.to_minor_units(places)
            except ValueError:
                continue
            raise AssertionError("%r rounded to %d places" % (text, places))


@settings(max_examples=500, **SETTINGS)
@given(st.lists(st.sampled_from(list("0123456789.eE+-_ xn")), max_size=12).map("".join))
def test_decimal_rejects_what_python_decimal_rejects(text):
    try:
        ref = decimal.Decimal(text)
    except decimal.InvalidOperation:
        ref = None
    try:
        d = kjson.Decimal(text)
    except ValueError:
        d = None
    if d is not None:  # we accept only a subset of what decimal accepts (no _ or spaces)
        assert ref is not None and str(d) == plain(ref), text
    elif ref is not None and ref.is_finite() and "_" not in text and text.strip() == text:
        assert not in_range(ref), text


small_decimals = st.builds(
    lambda c, e: "%de%d" % (c, e), st.integers(-10 ** 6, 10 ** 6), st.integers(-6, 6))


@settings(max_examples=500, **SETTINGS)
@given(small_decimals, st.one_of(small_decimals, st.integers(-10 ** 7, 10 ** 7)))
def test_decimal_ordering_and_hash(a, b):
    da, ra = kjson.Decimal(a), decimal.Decimal(a)
    if isinstance(b, int):
        db = rb = b
    else:
        db, rb = kjson.Decimal(b), decimal.Decimal(b)
    assert (da < db) == (ra < rb)
    assert (da <= db) == (ra <= rb)
    assert (da > db) == (ra > rb)
    assert (da >= db) == (ra >= rb)
    assert (da == db) == (ra == rb)
    assert (da != db) == (ra != rb)
    assert (db == da) == (ra == rb)
    assert (db < da) == (rb < ra)  # reflected (CPython; MicroPython has no reflected <)
    if da == db:
        assert hash(da) == hash(db)


@settings(max_examples=300, **SETTINGS)
@given(st.integers(-10 ** 30, 10 ** 30), st.integers(0, 40))
def test_from_minor_units(units, places):
    d = kjson.Decimal.from_minor_units(units, places)
    assert str(d) == plain(decimal.Decimal(units).scaleb(-places, CTX))
    assert d.to_minor_units(places) == units


number_texts = st.builds(
    lambda s, i, f, e: s + i + f + e,
    st.sampled_from(["", "-"]),
    st.sampled_from(["0"]) | st.integers(1, 10 ** 20).map(str),
    st.sampled_from([""]) | digit_strings.filter(bool).map(lambda d: "." + d),
    st.sampled_from([""]) | st.builds(lambda e, s, n: e + s + str(n), st.sampled_from("eE"),
                                      st.sampled_from(["", "+", "-"]), st.integers(0, 950)))


@settings(max_examples=200, **SETTINGS)
@given(st.lists(number_texts, max_size=8))
def test_loads_exact_like_python_decimal(nums):
    text = "[" + ", ".join(nums) + "]"
    exp = json.loads(text, parse_float=decimal.Decimal)
    got = kjson.loads_exact(text)
    assert norm(got) == norm(exp)
    # the default floats are CPython's
    assert norm(kjson.loads(text)) == norm(json.loads(text))
