"""HTTP responses: building and encoding them, the JSON error body, and a small response
parser (for tests and clients).

JSON: the kernel's ``json`` module (kernel/lib/json.py, installed top-level), CPython's on
the host.
"""
import time

from json import dumps, loads

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
    504: "Gateway Timeout", 507: "Insufficient Storage",
    505: "HTTP Version Not Supported",
}




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
    """IMF-fixdate of a Unix time: 'Sun, 06 Nov 1994 08:49:37 GMT'."""
    t = time.gmtime(int(epoch_s))  # the kernel's time module (kernel/lib/time.py) or CPython's
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (_DAYS[t[6]], t[2], _MONTHS[t[1] - 1], t[0],
                                                   t[3], t[4], t[5])


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
