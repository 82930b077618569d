"""HTTP/1.1 request parsing (RFC 9112), strict, from bytes.

Everything is scanned as bytes (on MicroPython ``str[i]`` walks the UTF-8 from the start;
``bytes[i]`` and ``bytes.find`` are O(1)/C speed); only the pieces a handler needs are decoded.

Rules (see kernel/http/README.md):
* Lines end in CR LF. A bare LF, or a CR not followed by LF, is a 400 (no lenient LF: it is
  a request-smuggling vector and no real client needs it). Empty lines before the request line
  are skipped (RFC 9112 2.2), within the head size limit.
* Request line: ``METHOD SP target SP HTTP/x.y`` with single spaces; a token method; an
  origin-form target (``/path?query``), or absolute-form (``http://host/path``, reduced to
  its path), or ``*``; visible ASCII only, no fragment. HTTP/1.0 and 1.1 are served, another
  HTTP/x.y is a 505, anything else a 400.
* Header fields: ``token ":" OWS value OWS``; no whitespace before the colon, no obs-fold
  (a line starting with SP/HT), no NUL; values must be UTF-8. HTTP/1.1 needs exactly one
  Host. Names are lower-cased; repeated fields are joined with ", " (Content-Length: equal
  duplicates are accepted, different ones are a 400).
* Limits (checked while bytes arrive, before a whole head is buffered): request line
  (414), whole head and number of fields (431).
"""

try:
    from kernel.http import response as _response
except ImportError:  # pragma: no cover - installed flat
    import response as _response

MAX_QUERY_PARAMS = 64


class HttpError(Exception):
    """An HTTP error answer: status, machine code, message, optional field, extra headers.
    ``close``: the connection cannot continue (framing unknown) and is closed after it."""

    def __init__(self, status, code, message, field=None, headers=None, close=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
        self.close = close

    def response(self):
        return _response.error_response(self.status, self.code, self.message, self.field,
                                        self.headers, self.close)


def _bad(message, field=None):
    return HttpError(400, "bad_request", message, field, close=True)


def _table(chars):
    t = bytearray(256)
    for c in chars:
        t[ord(c)] = 1
    return bytes(t)


_DIGITS = "0123456789"
_ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# RFC 9110 5.6.2 tchar
TCHAR = _table("!#$%&'*+-.^_`|~" + _DIGITS + _ALPHA)
_HEX = bytearray(256)
for _i in range(256):
    _HEX[_i] = 255
for _i in range(10):
    _HEX[48 + _i] = _i
for _i in range(6):
    _HEX[65 + _i] = 10 + _i
    _HEX[97 + _i] = 10 + _i
_HEX = bytes(_HEX)


def is_token(b):
    """``b`` (bytes) is a non-empty RFC 9110 token."""
    if not b:
        return False
    t = TCHAR
    for c in b:
        if not t[c]:
            return False
    return True


def is_digits(b):
    if not b:
        return False
    for c in b:
        if c < 48 or c > 57:
            return False
    return True


def pct_decode_bytes(b, plus=False):
    """Percent-decode ``b`` (bytes) to bytes; ``plus``: '+' means a space (query strings).
    Raises ValueError on a bad escape."""
    if plus and b.find(b"+") >= 0:
        b = b.replace(b"+", b" ")
    i = b.find(b"%")
    if i < 0:
        return b
    out = bytearray()
    j = 0
    n = len(b)
    hexv = _HEX
    while i >= 0:
        out.extend(b[j:i])
        if i + 2 >= n:
            raise ValueError("truncated percent escape")
        hi = hexv[b[i + 1]]
        lo = hexv[b[i + 2]]
        if hi == 255 or lo == 255:
            raise ValueError("bad percent escape")
        out.append(hi * 16 + lo)
        j = i + 3
        i = b.find(b"%", j)
    out.extend(b[j:])
    return bytes(out)


def pct_decode(b, plus=False):
    """Percent-decode ``b`` (bytes) to str (UTF-8). Raises ValueError."""
    try:
        return pct_decode_bytes(b, plus).decode()
    except UnicodeError:
        raise ValueError("not UTF-8 after percent-decoding")


def parse_query(qs):
    """``a=1&b=x%20y&c`` (bytes) -> [("a", "1"), ("b", "x y"), ("c", "")]: '+' is a space,
    empty pieces are skipped, at most MAX_QUERY_PARAMS pairs. Raises ValueError."""
    pairs = []
    if not qs:
        return pairs
    for piece in qs.split(b"&"):
        if not piece:
            continue
        if len(pairs) >= MAX_QUERY_PARAMS:
            raise ValueError("more than %d query parameters" % MAX_QUERY_PARAMS)
        eq = piece.find(b"=")
        if eq < 0:
            pairs.append((pct_decode(piece, True), ""))
        else:
            pairs.append((pct_decode(piece[:eq], True), pct_decode(piece[eq + 1:], True)))
    return pairs


class Request:
    """A parsed request. ``method``, ``version`` (str), ``target`` (bytes as sent),
    ``raw_path`` and ``raw_query`` (bytes, undecoded), ``headers`` (lower-case str -> str),
    ``body`` (bytes), ``params`` (str -> str, from the route pattern), ``keep_alive``,
    ``content_length`` (int or None), ``peer``, ``start_us`` (scheduler ticks when the
    request began), ``deadline_us`` (start + the configured transaction timeout)."""

    def __init__(self, method, target, raw_path, raw_query, version, minor, headers):
        self.method = method
        self.target = target
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.version = version
        self.minor = minor
        self.headers = headers
        self.body = b""
        self.params = {}
        self.content_length = None
        self.keep_alive = minor >= 1
        self.expect_continue = False
        self.peer = None
        self.start_us = 0
        self.deadline_us = 0
        self.route = None
        self._query = None
        self._path = None

    def header(self, name, default=None):
        """The value of header ``name`` (any case), or ``default``."""
        return self.headers.get(name.lower(), default)

    @property
    def path(self):
        """The path, percent-decoded (str). Raises HttpError 400 on a bad escape."""
        if self._path is None:
            try:
                self._path = pct_decode(self.raw_path)
            except ValueError as e:
                raise HttpError(400, "bad_request", "bad path: %s" % e, "path")
        return self._path

    def query_list(self):
        """[(name, value)] in order, decoded. Raises HttpError 400."""
        if self._query is None:
            try:
                self._query = parse_query(self.raw_query)
            except ValueError as e:
                raise HttpError(400, "bad_request", "bad query string: %s" % e, "query")
        return self._query

    @property
    def query(self):
        """{name: value} (the last value of a repeated name wins)."""
        d = {}
        for k, v in self.query_list():
            d[k] = v
        return d

    def query_all(self, name):
        return [v for k, v in self.query_list() if k == name]

    def json(self):
        """The body decoded as JSON; HttpError 400 (code invalid_json) if it is not."""
        loads = _response.loads
        if loads is None:
            raise HttpError(501, "not_implemented", "no JSON decoder in this kernel")
        try:
            text = self.body.decode()
        except UnicodeError:
            raise HttpError(400, "invalid_json", "body is not UTF-8", "body")
        try:
            return loads(text)
        except Exception as e:
            raise HttpError(400, "invalid_json", "body is not valid JSON: %s" % e, "body")

    def __repr__(self):
        return "<Request %s %s>" % (self.method, self.target)


class HeadScanner:
    """Finds the end of a request head in a growing buffer, incrementally (each byte is
    looked at once), enforcing the line rules and the size limits as data arrives.

    ``reset(start)`` before a request; ``feed(buf, end)`` returns the index just past the
    empty line ending the head, or -1 if more data is needed; raises HttpError. After a
    successful feed, ``req_start`` is where the request line begins (leading empty lines
    skipped). ``shift(n)`` when the buffer's first n bytes were dropped."""

    def __init__(self, max_line, max_head, max_headers):
        assert max_line > 0 and max_head >= max_line and max_headers > 0
        self.max_line = max_line
        self.max_head = max_head
        self.max_headers = max_headers
        self.reset(0)

    def reset(self, start):
        self.start = start        # first byte of this request (including empty lines)
        self.req_start = start    # first byte of the request line
        self.line_start = start
        self.scan = start         # no LF in [line_start, scan)
        self.lines = 0            # non-empty lines so far

    def shift(self, n):
        self.start -= n
        self.req_start -= n
        self.line_start -= n
        self.scan -= n

    def _too_long(self):
        if self.lines == 0:
            return HttpError(414, "uri_too_long", "request line longer than %d bytes"
                             % self.max_line, "request-line", close=True)
        return HttpError(431, "header_fields_too_large", "request head larger than %d bytes"
                         % self.max_head, "headers", close=True)

    def feed(self, buf, end):
        while True:
            i = buf.find(b"\n", self.scan, end)
            if i < 0:
                self.scan = end
                if self.lines == 0 and end - self.line_start > self.max_line + 2:
                    raise self._too_long()
                if end - self.start > self.max_head:
                    raise self._too_long()
                return -1
            ls = self.line_start
            if i == ls or buf[i - 1] != 13:
                raise _bad("line not terminated by CR LF")
            if i - 1 == ls:
                # An empty line: before the request line it is skipped, after it ends the head.
                if self.lines == 0:
                    self.line_start = self.scan = self.req_start = i + 1
                    if i + 1 - self.start > self.max_head:
                        raise HttpError(431, "header_fields_too_large", "request head larger "
                                        "than %d bytes" % self.max_head, "headers", close=True)
                    continue
                if i + 1 - self.start > self.max_head:
                    raise self._too_long()
                return i + 1
            if self.lines == 0 and i - 1 - ls > self.max_line:
                raise self._too_long()
            self.lines += 1
            if self.lines > self.max_headers + 1:
                raise HttpError(431, "header_fields_too_large", "more than %d header fields"
                                % self.max_headers, "headers", close=True)
            if i + 1 - self.start > self.max_head:
                raise self._too_long()
            self.line_start = self.scan = i + 1


_SCHEMES = (b"http://", b"https://")


def _check_target(t):
    if not t:
        raise _bad("empty request target", "request-line")
    for c in t:
        if c < 33 or c > 126 or c == 35:   # controls, space, non-ASCII, '#'
            raise _bad("bad character in request target", "request-line")


def parse_request_line(line):
    """bytes -> (method str, target bytes, raw_path bytes, raw_query bytes, version str, minor)."""
    parts = line.split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2]:
        raise _bad("malformed request line", "request-line")
    m, target, ver = parts
    if not is_token(m):
        raise _bad("bad method", "request-line")
    _check_target(target)
    if len(ver) != 8 or not ver.startswith(b"HTTP/") or ver[6] != 46 or \
            not is_digits(ver[5:6]) or not is_digits(ver[7:8]):
        raise _bad("bad HTTP version", "request-line")
    major = ver[5] - 48
    minor = ver[7] - 48
    if major != 1:
        raise HttpError(505, "version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served",
                        "request-line", close=True)
    t = target
    if t[0] != 47:   # not '/'
        if t == b"*":
            return m.decode(), target, b"*", b"", ver.decode(), minor
        low = t.lower()
        path_at = -1
        for s in _SCHEMES:
            if low.startswith(s):
                path_at = t.find(b"/", len(s))
                if path_at == len(s):
                    raise _bad("absolute-form target without a host", "request-line")
                break
        else:
            raise _bad("request target must start with '/'", "request-line")
        if path_at < 0:
            q = t.find(b"?")
            t = b"/" + (t[q:] if q >= 0 else b"")
        else:
            t = t[path_at:]
    q = t.find(b"?")
    if q >= 0:
        return m.decode(), target, t[:q], t[q + 1:], ver.decode(), minor
    return m.decode(), target, t, b"", ver.decode(), minor


def parse_head(buf, start, end):
    """Parse the head in ``buf[start:end]`` (``end`` just past the empty line, as found by
    HeadScanner) into a Request. Raises HttpError."""
    head = bytes(memoryview(buf)[start:end - 4])
    # HeadScanner saw a CR before every LF: more CRs than LFs means a stray CR.
    if head.count(b"\r") != head.count(b"\n"):
        raise _bad("CR without LF in request head")
    if head.find(b"\x00") >= 0:
        raise _bad("NUL byte in request head")
    lines = head.split(b"\r\n")
    method, target, raw_path, raw_query, version, minor = parse_request_line(lines[0])
    headers = {}
    hosts = 0
    clen = None
    for k in range(1, len(lines)):
        line = lines[k]
        c0 = line[0]
        if c0 == 32 or c0 == 9:
            raise _bad("obsolete line folding in headers")
        colon = line.find(b":")
        if colon <= 0:
            raise _bad("header line without a name and colon")
        name_b = line[:colon]
        if not is_token(name_b):
            raise _bad("bad header name", _safe_text(name_b))
        name = name_b.lower().decode()
        vb = line[colon + 1:].strip(b" \t")
        try:
            value = vb.decode()
        except UnicodeError:
            raise _bad("header value is not UTF-8", name)
        if name == "host":
            hosts += 1
        elif name == "content-length":
            if not is_digits(vb) or len(vb) > 15:
                raise _bad("bad Content-Length", "content-length")
            n = int(value)
            if clen is not None and clen != n:
                raise _bad("conflicting Content-Length fields", "content-length")
            clen = n
            headers[name] = value
            continue
        old = headers.get(name)
        headers[name] = value if old is None else old + ", " + value
    if minor >= 1 and hosts != 1:
        raise _bad("HTTP/1.1 needs exactly one Host header", "host")
    if minor == 0 and hosts > 1:
        raise _bad("more than one Host header", "host")
    req = Request(method, target, raw_path, raw_query, version, minor, headers)
    req.content_length = clen
    conn = headers.get("connection")
    if conn is not None:
        toks = _tokens(conn)
        if "close" in toks:
            req.keep_alive = False
        elif "keep-alive" in toks:
            req.keep_alive = True
    return req


def _tokens(value):
    return [t.strip().lower() for t in value.split(",")]


def _safe_text(b):
    out = []
    for c in b[:40]:
        out.append(chr(c) if 32 < c < 127 else "?")
    return "".join(out)


def content_type_is_json(value):
    """``application/json`` (any case, parameters allowed) or an ``application/*+json``."""
    if value is None:
        return False
    mt = value.split(";")[0].strip().lower()
    return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))
