# Portable tests of the HTTP parser, router and responses (kernel/http/request.py, router.py,
# response.py): plain asserts, no pytest import; they also run in the kernel (selftest http).

from kernel.http import request, response
from kernel.http.request import (HttpError, HeadScanner, parse_head, parse_request_line,
                                 pct_decode, parse_query, content_type_is_json)
from kernel.http.router import Router


def raises(fn, *args):
    """The HttpError (or ValueError) raised by fn(*args); fails if none."""
    try:
        fn(*args)
    except (HttpError, ValueError) as e:
        return e
    raise AssertionError("no error raised")


def head(raw, max_line=4096, max_head=8192, max_headers=64):
    """Scan and parse a complete head."""
    sc = HeadScanner(max_line, max_head, max_headers)
    sc.reset(0)
    end = sc.feed(raw, len(raw))
    assert end > 0, "head incomplete"
    return parse_head(raw, sc.req_start, end), end


def scan_status(raw, **kw):
    sc = HeadScanner(kw.get("max_line", 4096), kw.get("max_head", 8192), kw.get("max_headers", 64))
    sc.reset(0)
    try:
        sc.feed(raw, len(raw))
    except HttpError as e:
        return e.status
    return 0


# ---- head scanning ------------------------------------------------------------------

def test_scanner_finds_head_end_and_leaves_body():
    raw = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET"
    req, end = head(raw)
    assert raw[end:] == b"abcGET"
    assert req.method == "POST" and req.content_length == 3


def test_scanner_incremental_byte_by_byte_matches_whole():
    raw = b"GET /p?q=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n"
    sc = HeadScanner(100, 1000, 10)
    sc.reset(0)
    buf = bytearray()
    end = -1
    for i in range(len(raw)):
        buf.append(raw[i])
        end = sc.feed(buf, len(buf))
        if i < len(raw) - 1:
            assert end == -1
    assert end == len(raw)


def test_scanner_shift_keeps_position():
    raw = b"XXXXGET / HTTP/1.1\r\nHost: h\r\n"
    sc = HeadScanner(100, 1000, 10)
    sc.reset(4)
    assert sc.feed(raw, len(raw)) == -1
    buf = bytearray(raw[4:]) + b"\r\n"
    sc.shift(4)
    assert sc.feed(buf, len(buf)) == len(buf)
    assert sc.req_start == 0


def test_leading_empty_lines_skipped():
    raw = b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"
    req, end = head(raw)
    assert req.method == "GET" and end == len(raw)


def test_bare_lf_rejected():
    assert scan_status(b"GET / HTTP/1.1\nHost: x\n\n") == 400
    assert scan_status(b"GET / HTTP/1.1\r\nHost: x\n\r\n") == 400
    assert scan_status(b"\n") == 400


def test_cr_inside_line_rejected():
    raw = b"GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n"
    sc = HeadScanner(100, 1000, 10)
    sc.reset(0)
    end = sc.feed(raw, len(raw))
    e = raises(parse_head, raw, 0, end)
    assert e.status == 400
    for raw in (b"GET / HTTP/1.1\r\nHost: x\r\r\n\r\n", b"GET / HTTP/1.1\r\r\nHost: x\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: x\r\n\rX: y\r\n\r\n"):
        sc.reset(0)
        end = sc.feed(raw, len(raw))
        assert raises(parse_head, raw, 0, end).status == 400, raw


def test_long_request_line_is_414_before_its_end():
    raw = b"GET /" + b"a" * 200
    assert scan_status(raw, max_line=100, max_head=1000) == 414
    assert scan_status(b"GET /" + b"a" * 50, max_line=100, max_head=1000) == 0
    assert scan_status(b"GET /" + b"a" * 200 + b" HTTP/1.1\r\n", max_line=100, max_head=1000) == 414


def test_large_head_is_431():
    raw = b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"b" * 2000 + b"\r\n"
    assert scan_status(raw, max_line=100, max_head=1000) == 431
    # ...even when no line end arrives
    assert scan_status(b"GET / HTTP/1.1\r\nX: " + b"b" * 2000, max_line=100, max_head=1000) == 431


def test_too_many_headers_is_431():
    raw = b"GET / HTTP/1.1\r\n" + b"".join(("X-%d: 1\r\n" % i).encode() for i in range(11))
    assert scan_status(raw, max_headers=10) == 431
    raw = b"GET / HTTP/1.1\r\n" + b"".join(("X-%d: 1\r\n" % i).encode() for i in range(10))
    assert scan_status(raw + b"\r\n", max_headers=10) == 0


def test_many_empty_lines_count_against_head_limit():
    assert scan_status(b"\r\n" * 600, max_head=1000, max_line=100) == 431


# ---- request line ---------------------------------------------------------------------

def test_request_line_parts():
    m, target, path, query, ver, minor = parse_request_line(b"GET /a/b?x=1&y HTTP/1.1")
    assert (m, target, path, query, ver, minor) == ("GET", b"/a/b?x=1&y", b"/a/b", b"x=1&y",
                                                    "HTTP/1.1", 1)
    assert parse_request_line(b"OPTIONS * HTTP/1.1")[2] == b"*"


def test_absolute_form_reduced_to_path():
    assert parse_request_line(b"GET http://example.test/p?q HTTP/1.1")[2:4] == (b"/p", b"q")
    assert parse_request_line(b"GET HTTP://h HTTP/1.1")[2] == b"/"
    assert parse_request_line(b"GET http://h?z=1 HTTP/1.1")[2:4] == (b"/", b"z=1")
    assert raises(parse_request_line, b"GET http:///p HTTP/1.1").status == 400


def test_bad_request_lines():
    for line in (b"GET  / HTTP/1.1", b"GET / HTTP/1.1 ", b"GET /", b"GET / HTTP/1.1 x",
                 b" GET / HTTP/1.1", b"G(T / HTTP/1.1", b"GET a HTTP/1.1",
                 b"GET /\x01 HTTP/1.1", b"GET /\xc3\xa9 HTTP/1.1", b"GET /#frag HTTP/1.1",
                 b"GET / HTTP/1.1x", b"GET / http/1.1", b"GET / HTTP/1.x", b"GET / HTTP/11",
                 b"", b"GET / FTP/1.1"):
        e = raises(parse_request_line, line)
        assert e.status == 400, line
        assert e.close


def test_unsupported_version_is_505():
    assert raises(parse_request_line, b"GET / HTTP/2.0").status == 505
    assert raises(parse_request_line, b"GET / HTTP/0.9").status == 505


def test_method_is_a_case_sensitive_token():
    assert parse_request_line(b"get / HTTP/1.1")[0] == "get"
    assert parse_request_line(b"M-SEARCH / HTTP/1.1")[0] == "M-SEARCH"


# ---- header fields ----------------------------------------------------------------------

def test_headers_lowercased_trimmed_and_joined():
    req, _ = head(b"GET / HTTP/1.1\r\nHost: h\r\nX-Thing:  a b \t\r\nx-thing: c\r\n"
                  b"Empty:\r\n\r\n")
    assert req.headers["x-thing"] == "a b, c"
    assert req.headers["empty"] == ""
    assert req.header("X-THING") == "a b, c"
    assert req.header("missing", "d") == "d"


def test_host_required_exactly_once_in_1_1():
    assert raises(head, b"GET / HTTP/1.1\r\nX: y\r\n\r\n").status == 400
    e = raises(head, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert e.status == 400 and e.field == "host"
    req, _ = head(b"GET / HTTP/1.0\r\n\r\n")
    assert req.minor == 0 and not req.keep_alive


def test_bad_header_lines():
    for line in (b" folded", b"\tfolded", b"NoColon", b": novalue", b"Bad Name: x",
                 b"Name : x", b"N(a): x", b"X: a\x00b"):
        e = raises(head, b"GET / HTTP/1.1\r\nHost: h\r\n" + line + b"\r\n\r\n")
        assert e.status == 400, line


def test_non_utf8_header_value_rejected():
    e = raises(head, b"GET / HTTP/1.1\r\nHost: h\r\nX-V: \xff\xfe\r\n\r\n")
    assert e.status == 400 and e.field == "x-v"
    req, _ = head("GET / HTTP/1.1\r\nHost: h\r\nX-V: caf\u00e9\r\n\r\n".encode())
    assert req.headers["x-v"] == "caf\u00e9"


def test_content_length_rules():
    req, _ = head(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n")
    assert req.content_length == 12
    req, _ = head(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
    assert req.content_length == 5
    for v in (b"-1", b"+1", b"1a", b"", b"1 2", b"0x10", b"1" * 16, b"1.0"):
        e = raises(head, b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + v + b"\r\n\r\n")
        assert e.status == 400 and e.field == "content-length", v
    e = raises(head, b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                     b"Content-Length: 6\r\n\r\n")
    assert e.status == 400


def test_connection_header_and_version_defaults():
    req, _ = head(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert req.keep_alive
    req, _ = head(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, Close\r\n\r\n")
    assert not req.keep_alive
    req, _ = head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert req.keep_alive
    req, _ = head(b"GET / HTTP/1.0\r\n\r\n")
    assert not req.keep_alive


# ---- percent-decoding and queries ---------------------------------------------------------

def test_pct_decode():
    assert pct_decode(b"a%41%62c") == "aAbc"
    assert pct_decode(b"%C3%A9t%c3%a9") == "\u00e9t\u00e9"
    assert pct_decode(b"a+b") == "a+b"
    assert pct_decode(b"a+b%2B", True) == "a b+"
    assert pct_decode(b"") == ""
    for bad in (b"%", b"%4", b"%zz", b"%4g", b"%FF", b"a%C3"):
        raises(pct_decode, bad)


def test_parse_query():
    assert parse_query(b"a=1&b=x%20y&c&&d=&e=1=2") == [("a", "1"), ("b", "x y"), ("c", ""),
                                                      ("d", ""), ("e", "1=2")]
    assert parse_query(b"") == []
    assert parse_query(b"k+1=v+2") == [("k 1", "v 2")]
    raises(parse_query, b"a=%zz")
    raises(parse_query, b"&".join([b"x=1"] * (request.MAX_QUERY_PARAMS + 1)))


def test_request_query_and_path_helpers():
    req, _ = head(b"GET /a%20b?x=1&x=2&y=%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert req.path == "/a b"
    assert req.query == {"x": "2", "y": "\u00e9"}
    assert req.query_all("x") == ["1", "2"]
    req, _ = head(b"GET /?x=%zz HTTP/1.1\r\nHost: h\r\n\r\n")
    e = raises(req.query_list)
    assert e.status == 400 and e.field == "query"


def test_request_json_body():
    req, _ = head(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n")
    req.body = b'{"a": [1, "x"]}'
    assert req.json() == {"a": [1, "x"]}
    req.body = b"{nope"
    e = raises(req.json)
    assert e.status == 400 and e.code == "invalid_json"
    req.body = b"\xff"
    assert raises(req.json).status == 400


def test_content_type_is_json():
    assert content_type_is_json("application/json")
    assert content_type_is_json("Application/JSON; charset=utf-8")
    assert content_type_is_json("application/problem+json")
    assert not content_type_is_json("text/plain")
    assert not content_type_is_json("application/jsonx")
    assert not content_type_is_json(None)
    assert not content_type_is_json("")


# ---- router ---------------------------------------------------------------------------

def h_a(req):
    return "a"


def h_b(req):
    return "b"


def make_router():
    r = Router()
    r.add("GET", "/items", h_a)
    r.add("GET", "/items/{id}", h_b)
    r.add("DELETE", "/items/{id}", h_a)
    r.add("GET", "/items/{id}/parts/{part}", h_a)
    r.add("GET", "/items/special", h_a)   # after {id}: the first registered match wins
    return r


def test_router_params_and_literals():
    r = make_router()
    route, params = r.match("GET", b"/items")
    assert route.pattern == "/items" and params == {}
    route, params = r.match("GET", b"/items/42")
    assert route.handler is h_b and params == {"id": "42"}
    route, params = r.match("GET", b"/items/7/parts/x%2Fy")
    assert params == {"id": "7", "part": "x/y"}
    route, params = r.match("GET", b"/items/caf%C3%A9")
    assert params == {"id": "caf\u00e9"}
    route, params = r.match("GET", b"/items/special")
    assert route.pattern == "/items/{id}"


def test_router_404_and_405():
    r = make_router()
    for p in (b"/", b"/nope", b"/items/", b"/items/1/parts", b"/items//parts/x", b"items",
              b"*", b"/items/1/parts/2/3"):
        e = raises(r.match, "GET", p)
        assert e.status == 404 and e.code == "not_found", p
    e = raises(r.match, "POST", b"/items/3")
    assert e.status == 405
    assert e.headers == [("Allow", "DELETE, GET, HEAD")]
    assert r.allowed(b"/items/3") == ["DELETE", "GET", "HEAD"]
    assert r.allowed(b"/zzz") == []


def test_router_head_uses_get_and_bad_escape_is_400():
    r = make_router()
    route, params = r.match("HEAD", b"/items/5")
    assert route.method == "GET" and params == {"id": "5"}
    e = raises(r.match, "GET", b"/items/%zz")
    assert e.status == 400 and e.field == "path"
    e = raises(r.match, "GET", b"/items/%FF")
    assert e.status == 400


def test_router_decorator_and_duplicates():
    r = Router()

    @r.route("POST", "/x/{a}", summary="make x")
    def make_x(req):
        return None

    assert r.routes[0].summary == "make x" and r.routes[0].params == ["a"]
    try:
        r.add("POST", "/x/{a}", make_x)
        raise RuntimeError("duplicate accepted")
    except AssertionError:
        pass
    try:
        r.add("GET", "/y/{a}{b}", make_x)
        raise RuntimeError("bad pattern accepted")
    except AssertionError:
        pass


# ---- responses ------------------------------------------------------------------------

def test_response_encoding():
    r = response.json_response({"a": 1}, 201, [("X-Id", 7)])
    raw = r.encode(True, False, "Sun, 06 Nov 1994 08:49:37 GMT")
    head_, body = raw.split(b"\r\n\r\n", 1)
    lines = head_.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 201 Created"
    assert b"Content-Type: application/json" in lines
    assert ("Content-Length: %d" % len(body)).encode() in lines
    assert b"Connection: keep-alive" in lines
    assert b"X-Id: 7" in lines
    assert b"Date: Sun, 06 Nov 1994 08:49:37 GMT" in lines
    assert response.loads(body.decode()) == {"a": 1}
    only = r.encode(False, True)
    assert only.endswith(b"\r\n\r\n") and b"Connection: close" in only
    assert ("Content-Length: %d" % len(body)).encode() in only


def test_error_body_shape():
    r = response.error_response(404, "not_found", "nothing here", "path")
    assert r.status == 404 and r.content_type == "application/json"
    assert response.loads(r.body.decode()) == {"error": {"code": "not_found",
                                                         "message": "nothing here",
                                                         "field": "path"}}
    e = HttpError(405, "method_not_allowed", "no", None, [("Allow", "GET")])
    r = e.response()
    assert r.get_header("allow") == "GET"
    assert response.loads(r.body.decode())["error"]["field"] is None


def test_response_rejects_header_injection():
    r = response.Response(200)
    try:
        r.add_header("X", "a\r\nSet-Cookie: y")
        raise RuntimeError("accepted")
    except AssertionError:
        pass


def test_http_date():
    assert response.http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert response.http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert response.http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT"
    assert response.http_date(4102444799) == "Thu, 31 Dec 2099 23:59:59 GMT"


def test_parse_response_incremental():
    first = response.json_response({"k": "v"}).encode(True)
    raw = first + response.Response(204, b"", None).encode(False)
    assert response.parse_response(raw[:10]) is None
    assert response.parse_response(raw[:len(first) - 3]) is None
    assert response.parse_response(raw[:len(raw) - 3], len(first)) is None
    rs, left = response.parse_responses(raw)
    assert [r.status for r in rs] == [200, 204] and left == 0
    assert rs[0].json() == {"k": "v"} and rs[1].headers["connection"] == "close"
