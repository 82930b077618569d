# Host tests of the HTTP server on a real socket (127.0.0.1, ephemeral port) through
# tests/host/support/hostnet.py: the scheduler runs in a background thread; clients are http.client
# and raw sockets. Everything is bounded in time and stops by itself.
import http.client
import json
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kernel import process
from kernel.http import server, response
from kernel.http.router import Router
from tests.host.support.hostnet import HostLoop

LIMITS = {"request_timeout_ms": 1000, "idle_timeout_ms": 1500, "linger_ms": 300,
          "max_body": 4096, "max_line": 1024, "max_head": 4096, "max_headers": 32,
          "max_connections": 24}
TIMEOUT = 10


class Served:
    """A HostLoop with a started server and test routes."""

    def __init__(self, limits=LIMITS, max_concurrent=4):
        self.loop = HostLoop().start()
        self.logs = []
        self.gate = process.Event()
        r = Router()
        r.add("GET", "/t/items/{id}", lambda req: {"id": req.params["id"], "q": req.query})
        r.add("POST", "/t/echo", lambda req: {"got": req.json()})
        r.add("GET", "/t/boom", self.boom)
        r.add("GET", "/t/gate", self.wait_gate)
        r.add("GET", "/t/big", self.big)
        cfg = {"network": {"port": 1}}
        lim = dict(limits, max_concurrent=max_concurrent, handler_timeout_ms=30000)
        self.srv = self.loop.call(lambda: server.start(
            self.loop.sched, self.loop.net, cfg, router=r, limits=lim, port=0,
            log=self.logs.append, providers={"version": "test"}))
        self.port = self.srv.port

    def boom(self, req):
        raise RuntimeError("handler bug")

    async def wait_gate(self, req):
        await self.gate.wait(5000)
        return {"gate": True}

    def big(self, req):
        n = int(req.query.get("n", "1000"))
        return response.text_response(b"x" * n)

    def call(self, fn):
        return self.loop.call(fn)

    def close(self):
        try:
            self.loop.call(self.srv.stop)
        finally:
            self.loop.stop()
        assert self.loop.error is None
        assert self.loop.reports == [], self.loop.reports


@pytest.fixture(scope="module")
def srv():
    s = Served()
    yield s
    s.close()
    for line in s.logs:
        assert "connection" not in line, line     # no server bug was logged


@pytest.fixture
def fresh():
    made = []

    def make(**kw):
        s = Served(**kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, limit=1 << 22):
    data = b""
    while len(data) < limit:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            break
        data += d
    return data


def read_n(s, n, head_only=False):
    data = b""
    while True:
        rs, _ = response.parse_responses(data, head_only)
        if len(rs) >= n:
            return rs
        d = s.recv(65536)
        if not d:
            return rs
        data += d


def raw(port, data, shut=False):
    """Send ``data``, read to EOF; the parsed responses and the raw bytes."""
    s = connect(port)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        got = read_all(s)
    finally:
        s.close()
    return response.parse_responses(got)[0], got


def get(path, extra=b"", version=b"1.1"):
    return b"GET " + path + b" HTTP/" + version + b"\r\nHost: t\r\n" + extra + b"\r\n"


def error_of(r):
    body = json.loads(r.body)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert r.headers["content-type"] == "application/json"
    return body["error"]


# ---- the basics over http.client -------------------------------------------------------------

def test_keep_alive_reuses_the_connection(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("GET", "/health")
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Connection") == "keep-alive"
    assert json.loads(r.read())["status"] == "ok"
    sock = c.sock
    for i in range(20):
        c.request("GET", "/t/items/%d?x=%%41" % i)
        r = c.getresponse()
        assert json.loads(r.read()) == {"id": str(i), "q": {"x": "A"}}
    assert c.sock is sock
    c.close()


def test_post_json_and_media_type(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("POST", "/t/echo", body=json.dumps({"amount": 12.5, "ccy": "EUR"}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 200 and json.loads(r.read()) == {"got": {"amount": 12.5, "ccy": "EUR"}}
    c.request("POST", "/t/echo", body="a=1", headers={"Content-Type": "text/plain"})
    r = c.getresponse()
    assert r.status == 415 and error_of_body(r.read())["field"] == "content-type"
    c.request("POST", "/t/echo", body="{bad", headers={"Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 400 and error_of_body(r.read())["code"] == "invalid_json"
    c.close()


def error_of_body(b):
    return json.loads(b)["error"]


def test_head_and_http_1_0(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("HEAD", "/health")
    r = c.getresponse()
    assert r.status == 200 and int(r.getheader("Content-Length")) > 10 and r.read() == b""
    c.close()
    rs, data = raw(srv.port, b"GET /health HTTP/1.0\r\n\r\n")
    assert len(rs) == 1 and rs[0].headers["connection"] == "close"


def test_big_response_to_a_slow_reader(srv):
    s = connect(srv.port)
    s.sendall(get(b"/t/big?n=3000000", b"Connection: close\r\n"))
    time.sleep(0.3)                 # let the server fill the socket buffers and wait
    data = read_all(s, 1 << 23)
    s.close()
    rs, _ = response.parse_responses(data)
    assert rs[0].status == 200 and len(rs[0].body) == 3000000


# ---- pipelining ----------------------------------------------------------------------------

def test_pipelined_requests_in_order(srv):
    reqs = b"".join(get(("/t/items/%d" % i).encode()) for i in range(10))
    rs, _ = raw(srv.port, reqs + get(b"/t/items/last", b"Connection: close\r\n"))
    assert [json.loads(r.body)["id"] for r in rs] == [str(i) for i in range(10)] + ["last"]


def test_pipelined_one_byte_at_a_time(srv):
    data = get(b"/t/items/a") + get(b"/nope") + get(b"/t/items/b", b"Connection: close\r\n")
    s = connect(srv.port)
    for i in range(len(data)):
        s.send(data[i:i + 1])
    rs = response.parse_responses(read_all(s))[0]
    s.close()
    assert [r.status for r in rs] == [200, 404, 200]


# ---- every error code -------------------------------------------------------------------------

ERROR_CASES = [
    (b"NONSENSE\r\n\r\n", 400, "bad_request"),
    (b"GET / HTTP/1.1\r\n\r\n", 400, "bad_request"),                       # no Host
    (b"GET /health HTTP/1.1\nHost: t\n\n", 400, "bad_request"),            # bare LF
    (get(b"/nope"), 404, "not_found"),
    (b"DELETE /health HTTP/1.1\r\nHost: t\r\n\r\n", 405, "method_not_allowed"),
    (b"POST /t/echo HTTP/1.1\r\nHost: t\r\n\r\n", 411, "length_required"),
    (b"POST /t/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411,
     "length_required"),
    (b"POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999\r\n\r\n", 413,
     "payload_too_large"),
    (get(b"/" + b"a" * 2000), 414, "uri_too_long"),
    (b"POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}", 415,
     "unsupported_media_type"),
    (get(b"/health", b"".join(b"X-%d: y\r\n" % i for i in range(40))), 431,
     "header_fields_too_large"),
    (get(b"/health", b"X-Big: " + b"z" * 5000 + b"\r\n"), 431, "header_fields_too_large"),
    (get(b"/t/boom"), 500, "internal_error"),
    (b"GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505, "version_not_supported"),
    (b"GET / HTTP/1.1\r\nHost: t\r\nExpect: x\r\n\r\n", 417, "expectation_failed"),
]


@pytest.mark.parametrize("data,status,code", ERROR_CASES)
def test_error_codes(srv, data, status, code):
    rs, got = raw(srv.port, data + get(b"/health", b"Connection: close\r\n"))
    assert rs, got
    assert rs[0].status == status
    assert error_of(rs[0])["code"] == code
    if status == 405:
        assert rs[0].headers["allow"] == "GET, HEAD"


def test_413_with_the_body_sent_is_read_not_reset(srv):
    s = connect(srv.port)
    s.sendall(b"POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              b"Content-Length: 60000\r\n\r\n" + b"7" * 60000)
    rs = response.parse_responses(read_all(s))[0]
    s.close()
    assert rs[0].status == 413


def test_500_is_logged_and_the_connection_goes_on(srv):
    before = len(srv.logs)
    s = connect(srv.port)
    s.sendall(get(b"/t/boom") + get(b"/t/items/ok"))
    rs = read_n(s, 2)
    s.close()
    assert [r.status for r in rs] == [500, 200]
    assert any("RuntimeError: handler bug" in line for line in srv.logs[before:])


def test_408_request_timeout(srv):
    s = connect(srv.port)
    s.sendall(b"GET /health HTTP/1.1\r\nHost")
    t0 = time.monotonic()
    rs = response.parse_responses(read_all(s))[0]
    took = time.monotonic() - t0
    s.close()
    assert rs[0].status == 408 and error_of(rs[0])["code"] == "request_timeout"
    assert 0.9 < took < 3.0, took


def test_idle_keep_alive_closed(srv):
    s = connect(srv.port)
    s.sendall(get(b"/health"))
    assert read_n(s, 1)[0].status == 200
    t0 = time.monotonic()
    assert read_all(s) == b""
    took = time.monotonic() - t0
    s.close()
    assert 1.3 < took < 3.5, took


def test_503_too_many_in_flight(fresh):
    f = fresh(max_concurrent=3)
    socks = [connect(f.port) for _ in range(3)]
    for s in socks:
        s.sendall(get(b"/t/gate"))
    deadline = time.monotonic() + 5
    while f.call(lambda: f.srv.in_flight) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    c = http.client.HTTPConnection("127.0.0.1", f.port, timeout=TIMEOUT)
    c.request("GET", "/health")
    r = c.getresponse()
    assert r.status == 503 and r.getheader("Retry-After") == "1"
    assert error_of_body(r.read())["code"] == "service_unavailable"
    f.call(f.gate.set)
    for s in socks:
        assert read_n(s, 1)[0].status == 200
        s.close()
    c.request("GET", "/health")
    assert c.getresponse().status == 200
    c.close()


def test_503_too_many_connections(fresh):
    lim = dict(LIMITS)
    lim["max_connections"] = 3
    f = fresh(limits=lim)
    socks = [connect(f.port) for _ in range(3)]
    deadline = time.monotonic() + 5
    while f.call(f.srv.connection_count) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    rs, got = raw(f.port, get(b"/health"))
    assert rs and rs[0].status == 503, got
    assert rs[0].headers["retry-after"] == "1" and rs[0].headers["connection"] == "close"
    socks[0].sendall(get(b"/t/items/1"))
    assert read_n(socks[0], 1)[0].status == 200
    for s in socks:
        s.close()
    time.sleep(0.1)
    rs, _ = raw(f.port, get(b"/health", b"Connection: close\r\n"))
    assert rs[0].status == 200


# ---- one slow client does not stall the others --------------------------------------------------

def test_slow_client_does_not_stall_fast_ones(srv):
    slow = connect(srv.port)
    slow.sendall(b"GET /t/items/slow HTTP/1.1\r\nHo")      # half a request, then silence
    t0 = time.monotonic()
    worst = 0.0
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    for i in range(50):
        t = time.monotonic()
        c.request("GET", "/t/items/%d" % i)
        r = c.getresponse()
        assert r.status == 200 and json.loads(r.read())["id"] == str(i)
        worst = max(worst, time.monotonic() - t)
    c.close()
    assert time.monotonic() - t0 < 0.9           # all done before the slow one times out
    assert worst < 0.5, worst
    rs = response.parse_responses(read_all(slow))[0]
    slow.close()
    assert rs[0].status == 408


# ---- garbage -----------------------------------------------------------------------------------

PIECES = [b"GET", b"POST", b"HEAD", b" ", b"/", b"/health", b"/t/echo", b"?a=%", b"%zz",
          b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9.9", b"\r\n", b"\n", b"\r", b"Host: t", b":",
          b"Content-Length: ", b"3", b"-1", b"99999999999999999", b"Transfer-Encoding: chunked",
          b"\x00", b"\xff\xfe", b"Connection: close", b"\t", b"{}", b"Expect: 100-continue",
          b"Content-Type: application/json", b"\r\n\r\n"]

structured = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=12)),
                      min_size=1, max_size=16).map(b"".join)


def throw(port, data):
    s = connect(port)
    s.settimeout(5)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        got = read_all(s)
    finally:
        s.close()
    rs, _ = response.parse_responses(got)
    for r in rs:
        assert r.status != 500, (data, r)


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_random_bytes(srv, data):
    throw(srv.port, data)


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=structured)
def test_random_requests(srv, data):
    throw(srv.port, data)


def test_health_still_answers_after_the_garbage(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("GET", "/health")
    r = c.getresponse()
    assert r.status == 200 and json.loads(r.read())["status"] == "ok"
    c.close()
    assert srv.loop.reports == []
    deadline = time.monotonic() + 5
    while srv.call(srv.srv.connection_count) > 0:      # everything closed again
        assert time.monotonic() < deadline
        time.sleep(0.05)
    tasks = srv.call(lambda: srv.loop.sched.task_count())
    assert tasks == 3, tasks                            # host-calls, accept, linger


# ---- documents --------------------------------------------------------------------------------

def test_openapi_document_is_valid(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("GET", "/api/v1/openapi.json")
    r = c.getresponse()
    doc = json.loads(r.read())
    c.close()
    assert r.status == 200 and doc["openapi"] == "3.0.3"
    assert "/t/items/{id}" in doc["paths"] and "/health" in doc["paths"]
    import openapi_spec_validator as validator  # installed by make deps
    validator.validate(doc)


def test_metrics_parse_with_prometheus_client(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("GET", "/metrics")
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    assert r.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE qenex_http_requests_total counter" in text
    assert 'qenex_http_requests_total{method="GET",code="200"}' in text
    from prometheus_client import parser  # installed by make deps
    fams = {f.name: f for f in parser.text_string_to_metric_families(text)}
    assert fams["qenex_http_requests"].type == "counter"
    assert fams["qenex_http_request_duration_seconds"].type == "histogram"
    assert fams["qenex_uptime_seconds"].samples[0].value > 0
