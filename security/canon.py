"""Canonical JSON: the exact text of CPython's
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` for objects of
dicts (str keys), lists, str, int, bool and None. The audit trail's leaves and the security
records are this text, so a verifier on any host recomputes the same bytes (MicroPython's
json has no sort_keys). Floats are refused: nothing here is measured in floats. Portable.
"""

MAX_DEPTH = 8
_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
        "\f": "\\f"}


def _string(s, out):
    out.append('"')
    # The common case, tested in C (min, in): nothing to escape.
    plain = s.find('"') < 0 and s.find("\\") < 0 and (not s or min(s) >= " ")
    if plain:
        out.append(s)
    else:
        for c in s:
            e = _ESC.get(c)
            if e is not None:
                out.append(e)
            elif c < " ":
                out.append("\\u%04x" % ord(c))
            else:
                out.append(c)          # UTF-8 as it is (ensure_ascii=False)
    out.append('"')


def _value(v, out, depth):
    if depth > MAX_DEPTH:
        raise ValueError("canonical JSON deeper than %d" % MAX_DEPTH)
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif type(v) is int:
        out.append(str(v))
    elif type(v) is str:
        _string(v, out)
    elif type(v) is dict:
        keys = sorted(v)
        out.append("{")
        first = True
        for k in keys:
            if type(k) is not str:
                raise TypeError("canonical JSON keys are str")
            if not first:
                out.append(",")
            first = False
            _string(k, out)
            out.append(":")
            _value(v[k], out, depth + 1)
        out.append("}")
    elif type(v) is list or type(v) is tuple:
        out.append("[")
        for i in range(len(v)):
            if i:
                out.append(",")
            _value(v[i], out, depth + 1)
        out.append("]")
    else:
        raise TypeError("canonical JSON has no %s" % type(v).__name__)


def dumps(obj):
    out = []
    _value(obj, out, 0)
    return "".join(out)


def string(s):
    """The JSON text of one str (or None: null), as dumps writes it."""
    if s is None:
        return "null"
    out = []
    _string(s, out)
    return "".join(out)
