# Property tests: kernel/toml.py against CPython's tomllib (host only).
#
# (a) random documents (nested tables, arrays of tables, arbitrary unicode strings and keys,
#     huge integers, floats incl. inf/nan/-0.0, booleans, dates and times) are written as TOML
#     by a small serializer below that picks a random spelling for everything (bare/quoted
#     keys, the four string kinds, escapes, hex/oct/bin/underscored integers, inline tables,
#     dotted keys, [headers], [[arrays of tables]], comments, multi-line arrays ...); both
#     parsers must return the document.
# (b) random and mutated text: whenever tomllib rejects a text ours must raise TOMLError,
#     whenever tomllib accepts it ours must return an equal value.
#
# Float values are compared by repr (exact bits, sign of zero).  That exactness holds on
# CPython; MicroPython's float parser may differ in the last bit for long literals.
import pathlib
import random
import re
import tomllib
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from kernel import config, toml

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.data_too_large])

# ---- normalisation: both parsers' output (and the model) to comparable values ---------------


def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, float):
        return ("float", repr(v))
    if isinstance(v, datetime):
        off = None
        if v.tzinfo is not None:
            off = int(v.utcoffset().total_seconds()) // 60
        return toml.DateTime(v.year, v.month, v.day, v.hour, v.minute, v.second,
                             v.microsecond, off)
    if isinstance(v, date):
        return toml.Date(v.year, v.month, v.day)
    if isinstance(v, time):
        return toml.Time(v.hour, v.minute, v.second, v.microsecond)
    return v


# ---- the serializer ----------------------------------------------------------------------

BARE = re.compile(r"[A-Za-z0-9_-]+\Z")
SHORT_ESC = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def is_ctrl(ch, allow=""):
    o = ord(ch)
    return (o < 0x20 or o == 0x7F) and ch not in allow


def uni_escape(ch, rnd):
    o = ord(ch)
    if o <= 0xFFFF and rnd.random() < 0.6:
        return ("\\u%04X" if rnd.random() < 0.5 else "\\u%04x") % o
    return ("\\U%08X" if rnd.random() < 0.5 else "\\U%08x") % o


def basic_string(s, rnd, multiline=False):
    out = []
    for ch in s:
        if ch == '"':
            piece = '\\"'
        elif ch == "\\":
            piece = "\\\\"
        elif ch == "\n" and multiline and rnd.random() < 0.7:
            piece = "\n"
        elif ch == "\t" and rnd.random() < 0.5:
            piece = "\t"
        elif is_ctrl(ch):
            piece = SHORT_ESC.get(ch) if rnd.random() < 0.7 else None
            piece = piece or uni_escape(ch, rnd)
        elif (ord(ch) > 0x7E and rnd.random() < 0.3) or rnd.random() < 0.02:
            piece = uni_escape(ch, rnd)
        else:
            piece = ch
        if multiline and piece[0] not in " \t\n" and rnd.random() < 0.05:
            out.append("\\" + rnd.choice(["", " ", "\t "]) + "\n" + rnd.choice(["", "  ", "\n\t"]))
        out.append(piece)
    body = "".join(out)
    if multiline:
        return '"""' + rnd.choice(["", "\n"]) + body + '"""' if not body.startswith("\n") \
            else '"""\n' + body + '"""'
    return '"' + body + '"'


def string(s, rnd, key=False):
    if not key and rnd.random() < 0.25 and "'''" not in s and "\r" not in s and \
            not any(is_ctrl(c, "\t\n") for c in s):
        return "'''\n" + s + "'''"
    if "'" not in s and not any(is_ctrl(c, "\t") for c in s) and rnd.random() < 0.35:
        return "'" + s + "'"
    if not key and rnd.random() < 0.25:
        return basic_string(s, rnd, multiline=True)
    return basic_string(s, rnd)


def key_part(k, rnd):
    if BARE.match(k) and rnd.random() < 0.85:
        return k
    return string(k, rnd, key=True)


def dotted(parts, rnd):
    sep = rnd.choice([".", ".", " . ", ".\t"])
    return sep.join(key_part(p, rnd) for p in parts)


def underscored(digits, rnd):
    if len(digits) < 2 or rnd.random() < 0.6:
        return digits
    out = [digits[0]]
    for d in digits[1:]:
        if rnd.random() < 0.3:
            out.append("_")
        out.append(d)
    return "".join(out)


def integer(v, rnd):
    r = rnd.random()
    if v >= 0 and r < 0.3:
        base, prefix = rnd.choice([(16, "0x"), (8, "0o"), (2, "0b")])
        digits = format(v, {16: "x", 8: "o", 2: "b"}[base])
        if base == 16 and rnd.random() < 0.5:
            digits = digits.upper()
        if rnd.random() < 0.3:
            digits = "0" * rnd.randint(1, 3) + digits  # leading zeros are fine after 0x
        return prefix + underscored(digits, rnd)
    sign = "-" if v < 0 else rnd.choice(["", "", "+"])
    return sign + underscored(str(abs(v)), rnd)


def floating(v, rnd):
    if v != v:
        return rnd.choice(["nan", "+nan", "-nan"])
    if v in (float("inf"), float("-inf")):
        return ("" if v < 0 else rnd.choice(["", "+"])) + repr(v)
    s = repr(v)
    if rnd.random() < 0.2 and "e" in s:
        s = s.replace("e", "E")
    return s


def frac(us, rnd):
    if not us and rnd.random() < 0.8:
        return ""
    s = "%06d" % us
    r = rnd.random()
    if r < 0.4:
        s = s.rstrip("0") or "0"
    elif r < 0.7:
        s += "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 4)))  # truncated
    return "." + s


def clock(t, rnd):
    return "%02d:%02d:%02d" % (t.hour, t.minute, t.second) + frac(t.microsecond, rnd)


def value(v, rnd, depth=0):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return integer(v, rnd)
    if isinstance(v, float):
        return floating(v, rnd)
    if isinstance(v, str):
        return string(v, rnd)
    if isinstance(v, datetime):
        s = "%04d-%02d-%02d" % (v.year, v.month, v.day) + rnd.choice("Tt ") + clock(v, rnd)
        if v.tzinfo is not None:
            m = int(v.utcoffset().total_seconds()) // 60
            if m == 0 and rnd.random() < 0.6:
                s += rnd.choice("Zz")
            else:
                sign = "-" if m < 0 or (m == 0 and rnd.random() < 0.3) else "+"
                s += "%s%02d:%02d" % (sign, abs(m) // 60, abs(m) % 60)
        return s
    if isinstance(v, date):
        return "%04d-%02d-%02d" % (v.year, v.month, v.day)
    if isinstance(v, time):
        return clock(v, rnd)
    if isinstance(v, list):
        return array(v, rnd, depth)
    if isinstance(v, dict):
        return inline_table(v, rnd, depth)
    raise TypeError(v)


def array_ws(rnd):
    return rnd.choice(["", " ", "", "\n", "\n  ", " # c\n", "\t", "  # \u00e9\t\n\n"])


def array(v, rnd, depth):
    if not v:
        return "[" + array_ws(rnd) + "]"
    items = [array_ws(rnd) + value(x, rnd, depth + 1) + array_ws(rnd) for x in v]
    trail = "," + array_ws(rnd) if rnd.random() < 0.3 else ""
    return "[" + ",".join(items) + trail + "]"


def inline_table(v, rnd, depth):
    if not v:
        return rnd.choice(["{}", "{ }", "{\t}"])
    items = []
    for k, x in v.items():
        if isinstance(x, dict) and x and rnd.random() < 0.3:
            for kk, xx in x.items():  # dotted keys inside the inline table
                items.append(dotted([k, kk], rnd) + " = " + value(xx, rnd, depth + 1))
        else:
            items.append(key_part(k, rnd) + rnd.choice(["=", " = ", "\t=  "]) +
                         value(x, rnd, depth + 1))
    return "{" + rnd.choice(["", " "]) + ", ".join(items) + rnd.choice(["", " "]) + "}"


def filler(rnd, out):
    r = rnd.random()
    if r < 0.1:
        out.append("")
    elif r < 0.15:
        out.append(rnd.choice(["# comment", "   # \u00e9\U0001F600 \t tab", "#", "\t"]))


def is_aot(v):
    return isinstance(v, list) and v and all(isinstance(x, dict) for x in v)


def dotted_lines(prefix, tbl, rnd, out):
    for k, v in tbl.items():
        if isinstance(v, dict) and v and rnd.random() < 0.6:
            dotted_lines(prefix + [k], v, rnd, out)
        else:
            out.append(dotted(prefix + [k], rnd) + rnd.choice([" = ", "=", " =\t"]) +
                       value(v, rnd) + rnd.choice(["", "", " # trailing", "\t"]))
            filler(rnd, out)


def section(tbl, path, rnd, out):
    """Emit the body of the table at `path` (its header, if any, is already written)."""
    headers, aots = [], []
    for k, v in tbl.items():
        if isinstance(v, dict) and rnd.random() < 0.5:
            headers.append((k, v))
        elif is_aot(v) and rnd.random() < 0.7:
            aots.append((k, v))
        elif isinstance(v, dict) and v and rnd.random() < 0.5:
            dotted_lines([k], v, rnd, out)
        else:
            out.append(key_part(k, rnd) + rnd.choice([" = ", "=", "  =  "]) + value(v, rnd) +
                       rnd.choice(["", "", " # trailing"]))
            filler(rnd, out)
    for k, v in headers:
        sub = path + [k]
        implicit_ok = v and all(isinstance(x, dict) or is_aot(x) for x in v.values())
        if implicit_ok and rnd.random() < 0.4:
            section_all_headers(v, sub, rnd, out)  # no [header]: the table is made implicitly
        else:
            out.append(rnd.choice(["", "  "]) + "[" + rnd.choice(["", " "]) + dotted(sub, rnd) +
                       rnd.choice(["", " "]) + "]" + rnd.choice(["", " # header"]))
            filler(rnd, out)
            section(v, sub, rnd, out)
    for k, v in aots:
        sub = path + [k]
        for elem in v:
            out.append("[[" + rnd.choice(["", " "]) + dotted(sub, rnd) + rnd.choice(["", " "]) +
                       "]]")
            filler(rnd, out)
            section(elem, sub, rnd, out)


def section_all_headers(tbl, path, rnd, out):
    # The table's own header may have been omitted: every child must then come with a header
    # (its own, or its children's) so that nothing lands in the previous section.
    for k, v in tbl.items():
        sub = path + [k]
        if is_aot(v):
            for elem in v:
                out.append("[[" + dotted(sub, rnd) + "]]")
                section(elem, sub, rnd, out)
        else:
            out.append("[" + dotted(sub, rnd) + "]")
            section(v, sub, rnd, out)


def dumps(doc, rnd):
    out = []
    filler(rnd, out)
    section(doc, [], rnd, out)
    nl = "\r\n" if rnd.random() < 0.1 else "\n"
    return nl.join(out) + rnd.choice(["", "\n", "\n\n"])


# ---- strategies ----------------------------------------------------------------------------

bare_keys = st.from_regex(r"\A[A-Za-z0-9_-]{1,6}\Z")
keys = st.one_of(bare_keys, bare_keys, st.text(max_size=6))
offsets = st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))
scalars = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12),
    st.integers(),
    st.integers(min_value=-(2 ** 200), max_value=2 ** 200),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.times(),
    st.datetimes(),
    st.datetimes(timezones=offsets),
)


def _extend(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.lists(st.dictionaries(keys, children, max_size=3), min_size=1, max_size=3),
    )


values = st.recursive(scalars, _extend, max_leaves=16)
documents = st.dictionaries(keys, values, max_size=6)
small_documents = st.dictionaries(keys, st.recursive(scalars, _extend, max_leaves=6), max_size=4)


# ---- (a) round trips --------------------------------------------------------------------------


@settings(max_examples=200, **SETTINGS)
@given(documents, st.randoms(use_true_random=False))
def test_random_documents_parse_like_tomllib(doc, rnd):
    text = dumps(doc, rnd)
    expected = norm(doc)
    assert norm(tomllib.loads(text)) == expected, text  # the serializer itself is right
    assert norm(toml.loads(text)) == expected, text


@settings(max_examples=60, **SETTINGS)
@given(documents, st.randoms(use_true_random=False))
def test_utf8_bytes_and_format_value(doc, rnd):
    text = dumps(doc, rnd)
    assert norm(toml.loads(text.encode("utf-8"))) == norm(doc)
    for k, v in doc.items():
        assert norm(toml.loads("v = " + toml.format_value(toml.loads(
            "v = " + value(v, rnd))["v"]))["v"]) == norm(v)


# ---- (b) agreement on arbitrary text --------------------------------------------------------


def agree(text):
    try:
        want = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        try:
            got = toml.loads(text)
        except toml.TOMLError as e:
            assert e.line >= 1 and e.col >= 1
            return
        raise AssertionError("tomllib rejects, ours accepts %r -> %r" % (text, got))
    try:
        got = toml.loads(text)
    except toml.TOMLError as e:
        raise AssertionError("tomllib accepts, ours rejects %r: %s" % (text, e))
    assert norm(got) == norm(want), text


ALPHABET = "[]{}=,.\"'#\n \t\\_-+:0123456789abexoZTtrufnli\r\x00\x7f\u00e9"


@settings(max_examples=400, **SETTINGS)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_random_text_agrees(text):
    agree(text)


@settings(max_examples=300, **SETTINGS)
@given(st.text(max_size=30).map(lambda s: "v = " + s))
def test_random_values_agree(text):
    agree(text)


VALUE_TOKENS = ["1", "0x1F", "-0", "1_000", "1__0", "01", "+0o7", "1.5", "1e5", "1.", ".5", "inf",
                "-nan", "true", "false", "'s'", '"s"', '"""m\nl"""', "'''a''''", '"\\u00e9"',
                '"\\uD800"', '"\\e"', "1979-05-27", "1979-05-27T07:32:00Z", "1979-05-27 07:32:00",
                "1979-02-29", "2000-02-29", "07:32:00.123456789", "07:32", "24:00:00",
                "1979-05-27T07:32:00+24:00", "[]", "[1,]", "[1,,]", "[\n1\n,\n2\n]", "{}",
                "{x = 1}", "{x = 1,}", "{x.y = 1, x.z = 2}", "{x = 1, x.y = 2}", "[{}]",
                "[{x = 1}, {y = 2}]", "{x = {y = 1}}", "{\n}"]


@st.composite
def statement_soups(draw):
    """Random sequences of headers and key/values over a tiny key space: these hit the table
    (re)definition rules far more often than unstructured text."""
    part = st.sampled_from(["a", "b", "c", '"a"', "'b'"])
    path = st.lists(part, min_size=1, max_size=3).map(".".join)
    stmt = st.one_of(
        path.map(lambda p: "[" + p + "]"),
        path.map(lambda p: "[[" + p + "]]"),
        st.tuples(path, st.sampled_from(VALUE_TOKENS)).map(lambda kv: kv[0] + " = " + kv[1]),
        st.just("# comment"),
        st.just(""),
    )
    return "\n".join(draw(st.lists(stmt, min_size=1, max_size=9)))


@settings(max_examples=1200, **SETTINGS)
@given(statement_soups())
def test_statement_soups_agree(text):
    agree(text)


@st.composite
def mutated_documents(draw):
    rnd = draw(st.randoms(use_true_random=False))
    text = dumps(draw(small_documents), rnd)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 4)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "dup-line", "swap"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.text(alphabet=ALPHABET, min_size=1, max_size=3)) + text[i:]
        elif kind == "replace":
            text = text[:i] + draw(st.text(alphabet=ALPHABET, max_size=3)) + text[j:]
        else:
            lines = text.split("\n")
            a = draw(st.integers(0, len(lines) - 1))
            b = draw(st.integers(0, len(lines) - 1))
            if kind == "dup-line":
                lines.insert(b, lines[a])
            else:
                lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


@settings(max_examples=300, **SETTINGS)
@given(mutated_documents())
def test_mutated_documents_agree(text):
    agree(text)


def test_known_tricky_texts_agree():
    for text in [
        "a = 1\r\n", "a = 1\r", "a = '''\r\n'''", 'a = """\\\r\n  x"""', "[a]\n[a.b]\n[a]",
        "[[a]]\n[a.b]\n[[a]]\n[a.b]", "a.b = 1\n[a.c]", "[a]\nb.c = 1\n[a.b.d]",
        "[a.b.c]\n[a]\nb.d = 1\n[a.b]", "x = 1979-05-27 ", "x = 1979-05-27 07:32", 'x = """"""""',
        "x = '''''''''", "x = 0.0e-0", "x = -0e0", "x = 00:00:00.", "x = 1979-05-27T07:32:00.1Zz",
        "x = {a.b = 1, a = {}}", "x = [[]]]", "[x]]", "x = \"\\U0010FFFF\"", "\ufeffx = 1",
    ]:
        agree(text)
    # sanity: the serializer produces every construct somewhere
    rnd = random.Random(5)
    seen = "".join(dumps({"t": {"u": {"v": 1}}, "aot": [{"x": 1}, {}], "s": "a\nb'\"",
                          "c": "\x01\u00e9", "n": 255}, rnd) for _ in range(200))
    for construct in ["[[aot]]", "[t", "t.u", "'''", '"""', "0x", "0o", "0b", "\\u", "{"]:
        assert construct in seen, construct


# ---- the shipped configuration files ---------------------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_shipped_config_files_load_match_defaults_and_are_documented():
    system = (ROOT / "config" / "system.toml").read_bytes()
    banking = (ROOT / "config" / "banking.toml").read_bytes()
    agree(system.decode())
    agree(banking.decode())
    cfg = config.load(system, banking)
    want = config.defaults().as_dict()
    want["swift"]["bic"] = "QENXUS33XXX"  # the shipped placeholder; the default is unset
    assert cfg.as_dict() == want
    unset = [key for key, src in cfg.sources.items() if src == "default"]
    # Every other key is written out: the gateway (DHCP), the first admin's key hash (made at
    # the first boot instead) and the access windows (no role is restricted by default).
    assert unset == [("network", "gateway"), ("security", "admin_key_hash")] + [
        ("access_windows", r) for r in ("admin", "operator", "auditor", "compliance_officer",
                                        "service")], unset
    readme = (ROOT / "config" / "README.md").read_text()
    for _section, _file, fields, _check in config.schema():
        for key, stored, _parse, _fmt, _default in fields:
            assert "`%s`" % key in readme and "`%s`" % stored in readme, key
