"""HTTP responses: building and encoding them, the JSON error body, and a small response
parser (for tests and clients).

JSON: the kernel's ``json`` module (kernel/lib/json.py, installed top-level) when present,
CPython's on the host; without one, ``dumps``/``loads`` fall back to the small RFC 8259
codec here (fallback_dumps/fallback_loads).
"""

try:
    import json as _json
    dumps = _json.dumps
    loads = _json.loads
except ImportError:  # a kernel image without kernel/lib/json.py
    _json = None
    dumps = None
    loads = None

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
MAX_HEADERS = 16   # extra headers of one response

REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
    301: "Moved Permanently", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
    411: "Length Required", 413: "Content Too Large", 414: "URI Too Long",
    415: "Unsupported Media Type", 417: "Expectation Failed", 422: "Unprocessable Content",
    429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


# ---- fallback JSON encoder (RFC 8259) --------------------------------------------------

_ESC = {34: "\\\"", 92: "\\\\", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t"}


def _enc_str(s, out):
    b = s.encode()
    plain = True
    for c in b:
        if c < 32 or c == 34 or c == 92:
            plain = False
            break
    if plain:
        out.append('"' + s + '"')
        return
    parts = ['"']
    start = 0
    for i in range(len(b)):
        c = b[i]
        if c < 32 or c == 34 or c == 92:
            if start < i:
                parts.append(b[start:i].decode())
            e = _ESC.get(c)
            parts.append(e if e is not None else "\\u%04x" % c)
            start = i + 1
    if start < len(b):
        parts.append(b[start:].decode())
    parts.append('"')
    out.append("".join(parts))


def _enc(v, out, depth):
    if depth > 64:
        raise ValueError("JSON nesting too deep")
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, str):
        _enc_str(v, out)
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("NaN and infinities are not JSON")
        out.append(repr(v))
    elif isinstance(v, dict):
        out.append("{")
        first = True
        for k in v:
            if not isinstance(k, str):
                raise TypeError("JSON object keys must be str")
            if not first:
                out.append(", ")
            first = False
            _enc_str(k, out)
            out.append(": ")
            _enc(v[k], out, depth + 1)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i in range(len(v)):
            if i:
                out.append(", ")
            _enc(v[i], out, depth + 1)
        out.append("]")
    else:
        raise TypeError("not JSON serializable: %s" % type(v).__name__)


def fallback_dumps(v):
    out = []
    _enc(v, out, 0)
    return "".join(out)


# ---- fallback JSON decoder (RFC 8259), on bytes ---------------------------------------

_UNESC = {34: 34, 92: 92, 47: 47, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9}


def _ws(b, i):
    n = len(b)
    while i < n and b[i] in (32, 9, 10, 13):
        i += 1
    return i


def _hex4(b, i):
    if i + 4 > len(b):
        raise ValueError("truncated \\u escape")
    v = 0
    for k in range(i, i + 4):
        c = b[k]
        if 48 <= c <= 57:
            d = c - 48
        elif 97 <= c <= 102:
            d = c - 87
        elif 65 <= c <= 70:
            d = c - 55
        else:
            raise ValueError("bad \\u escape")
        v = v * 16 + d
    return v


def _str(b, i):
    # b[i] is the opening quote
    i += 1
    j = b.find(b'"', i)
    if j < 0:
        raise ValueError("unterminated string")
    if b.find(b"\\", i, j) < 0:
        for k in range(i, j):
            if b[k] < 32:
                raise ValueError("control character in string")
        return b[i:j].decode(), j + 1
    out = bytearray()
    n = len(b)
    while True:
        if i >= n:
            raise ValueError("unterminated string")
        c = b[i]
        if c == 34:
            return bytes(out).decode(), i + 1
        if c < 32:
            raise ValueError("control character in string")
        if c != 92:
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError("unterminated string")
        e = b[i + 1]
        if e == 117:
            cp = _hex4(b, i + 2)
            i += 6
            if 0xD800 <= cp < 0xDC00 and b[i:i + 2] == b"\\u":
                lo = _hex4(b, i + 2)
                if 0xDC00 <= lo < 0xE000:
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
            if 0xD800 <= cp < 0xE000:
                raise ValueError("lone surrogate in string")
            out.extend(chr(cp).encode())
            continue
        u = _UNESC.get(e)
        if u is None:
            raise ValueError("bad escape in string")
        out.append(u)
        i += 2


def _num(b, i):
    n = len(b)
    j = i
    if j < n and b[j] == 45:
        j += 1
    if j >= n or not 48 <= b[j] <= 57:
        raise ValueError("bad number")
    if b[j] == 48:
        j += 1
    else:
        while j < n and 48 <= b[j] <= 57:
            j += 1
    is_float = False
    if j < n and b[j] == 46:
        j += 1
        if j >= n or not 48 <= b[j] <= 57:
            raise ValueError("bad number")
        while j < n and 48 <= b[j] <= 57:
            j += 1
        is_float = True
    if j < n and b[j] in (101, 69):
        j += 1
        if j < n and b[j] in (43, 45):
            j += 1
        if j >= n or not 48 <= b[j] <= 57:
            raise ValueError("bad number")
        while j < n and 48 <= b[j] <= 57:
            j += 1
        is_float = True
    text = b[i:j].decode()
    return (float(text) if is_float else int(text)), j


def _val(b, i, depth):
    if depth > 64:
        raise ValueError("JSON nesting too deep")
    i = _ws(b, i)
    if i >= len(b):
        raise ValueError("unexpected end of JSON")
    c = b[i]
    if c == 34:
        return _str(b, i)
    if c == 123:
        d = {}
        i = _ws(b, i + 1)
        if i < len(b) and b[i] == 125:
            return d, i + 1
        while True:
            i = _ws(b, i)
            if i >= len(b) or b[i] != 34:
                raise ValueError("expected a string key")
            k, i = _str(b, i)
            i = _ws(b, i)
            if i >= len(b) or b[i] != 58:
                raise ValueError("expected ':'")
            v, i = _val(b, i + 1, depth + 1)
            d[k] = v
            i = _ws(b, i)
            if i < len(b) and b[i] == 44:
                i += 1
                continue
            if i < len(b) and b[i] == 125:
                return d, i + 1
            raise ValueError("expected ',' or '}'")
    if c == 91:
        a = []
        i = _ws(b, i + 1)
        if i < len(b) and b[i] == 93:
            return a, i + 1
        while True:
            v, i = _val(b, i, depth + 1)
            a.append(v)
            i = _ws(b, i)
            if i < len(b) and b[i] == 44:
                i += 1
                continue
            if i < len(b) and b[i] == 93:
                return a, i + 1
            raise ValueError("expected ',' or ']'")
    if b.startswith(b"true", i):
        return True, i + 4
    if b.startswith(b"false", i):
        return False, i + 5
    if b.startswith(b"null", i):
        return None, i + 4
    return _num(b, i)


def fallback_loads(s):
    """Decode a JSON text (str or bytes); ValueError when it is not valid JSON."""
    b = s.encode() if isinstance(s, str) else bytes(s)
    try:
        v, i = _val(b, 0, 0)
    except (IndexError, UnicodeError) as e:
        raise ValueError("invalid JSON: %s" % e)
    if _ws(b, i) != len(b):
        raise ValueError("extra data after JSON value")
    return v


if dumps is None:
    dumps = fallback_dumps
if loads is None:
    loads = fallback_loads


# ---- responses -----------------------------------------------------------------------

class Response:
    """``status`` (int), ``body`` (bytes), ``content_type``, ``headers`` ([(name, value)]
    besides Content-Type, Content-Length, Connection and Date, which encode() writes),
    ``close``: close the connection after this response."""

    def __init__(self, status=200, body=b"", content_type=JSON_TYPE, headers=None, close=False):
        assert 100 <= status <= 599, "bad status"
        if isinstance(body, str):
            body = body.encode()
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = []
        self.close = close
        if headers:
            for h in headers:
                self.add_header(h[0], h[1])

    def add_header(self, name, value):
        value = str(value)
        assert value.find("\r") < 0 and value.find("\n") < 0, "CR/LF in header value"
        assert name.find(":") < 0 and name.find(" ") < 0, "bad header name"
        assert len(self.headers) < MAX_HEADERS, "too many response headers"
        self.headers.append((name, value))

    def get_header(self, name):
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    def encode(self, keep_alive=True, head_only=False, date=None):
        """The response as bytes: status line, headers, blank line, body (not for HEAD)."""
        reason = REASONS.get(self.status, "Unknown")
        lines = ["HTTP/1.1 %d %s" % (self.status, reason)]
        if date is not None:
            lines.append("Date: " + date)
        if self.content_type:
            lines.append("Content-Type: " + self.content_type)
        lines.append("Content-Length: %d" % len(self.body))
        lines.append("Connection: " + ("keep-alive" if keep_alive else "close"))
        for k, v in self.headers:
            lines.append(k + ": " + v)
        lines.append("")
        lines.append("")
        head = "\r\n".join(lines).encode()
        if head_only or not self.body:
            return head
        return head + self.body


def json_response(obj, status=200, headers=None):
    return Response(status, dumps(obj).encode(), JSON_TYPE, headers)


def error_body(code, message, field=None):
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(status, code, message, field=None, headers=None, close=False):
    r = Response(status, dumps(error_body(code, message, field)).encode(), JSON_TYPE, headers,
                 close)
    return r


def text_response(text, status=200, content_type=TEXT_TYPE, headers=None):
    return Response(status, text.encode() if isinstance(text, str) else text, content_type,
                    headers)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(epoch_s):
    """IMF-fixdate of a Unix time: 'Sun, 06 Nov 1994 08:49:37 GMT' (integer calendar math)."""
    s = int(epoch_s)
    days = s // 86400
    rem = s - days * 86400
    wday = (days + 3) % 7         # 1970-01-01 was a Thursday
    # civil_from_days (H. Hinnant)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (_DAYS[wday], d, _MONTHS[m - 1], y,
                                                   rem // 3600, (rem // 60) % 60, rem % 60)


# ---- parsing responses (tests, clients) ----------------------------------------------

class Parsed:
    """A response read back: ``status``, ``reason``, ``headers`` (lower-case -> str),
    ``body`` (bytes), ``raw_head`` (bytes)."""

    def __init__(self, status, reason, headers, body, raw_head):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def json(self):
        return loads(self.body.decode())

    def __repr__(self):
        return "<Parsed %d %r>" % (self.status, self.body[:60])


def parse_response(buf, start=0, head_only=False):
    """Parse one response in ``buf`` from ``start``: (Parsed, next_index), or None while it
    is incomplete. Needs Content-Length (this server always sends it). ``head_only``: the
    answer to a HEAD (no body follows). Raises ValueError on a malformed response."""
    end = buf.find(b"\r\n\r\n", start)
    if end < 0:
        return None
    head = bytes(buf[start:end])
    lines = head.split(b"\r\n")
    first = lines[0].split(b" ", 2)
    if len(first) < 2 or not first[0].startswith(b"HTTP/1."):
        raise ValueError("bad status line %r" % lines[0])
    status = int(first[1])
    reason = first[2].decode() if len(first) > 2 else ""
    headers = {}
    for line in lines[1:]:
        c = line.find(b":")
        if c <= 0:
            raise ValueError("bad header line %r" % line)
        headers[line[:c].lower().decode()] = line[c + 1:].strip().decode()
    body_start = end + 4
    if head_only or status < 200 or status in (204, 304):
        return Parsed(status, reason, headers, b"", head), body_start
    cl = headers.get("content-length")
    if cl is None:
        raise ValueError("response without Content-Length")
    n = int(cl)
    if len(buf) - body_start < n:
        return None
    return Parsed(status, reason, headers, bytes(buf[body_start:body_start + n]), head), \
        body_start + n


def parse_responses(buf, head_only=False):
    """Every complete response in ``buf``: ([Parsed], bytes_left_over)."""
    out = []
    pos = 0
    while True:
        r = parse_response(buf, pos, head_only)
        if r is None:
            break
        out.append(r[0])
        pos = r[1]
    return out, len(buf) - pos
