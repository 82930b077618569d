# Portable tests of the HTTP server (kernel/http/server.py) driven through the in-memory
# streams (tests/portable/support/memnet.py, the contract of kernel/io/stream.py) and a fake
# clock: plain asserts, no pytest, no sockets; they also run in the kernel (selftest http).

from kernel import process
from tests.portable.support import fakeclock, memnet
from kernel.http import server, response
from kernel.http.router import Router

PORT = 8080


class Env:
    """A scheduler on a fake clock, an in-memory network and a started server with a few
    test routes besides the built-in endpoints."""

    def __init__(self, limits=None, providers=None, chunk=None, delay_ms=0, max_concurrent=4,
                 wall_clock=None, max_tasks=64):
        self.clock = fakeclock.FakeClock()
        self.reports = []
        self.logs = []
        self.sched = process.Scheduler(self.clock, reporter=self._report, max_tasks=max_tasks)
        self.net = memnet.MemNet(self.sched, chunk=chunk, delay_ms=delay_ms)
        self.gate = process.Event()
        r = Router()
        r.add("GET", "/t/items/{id}", self.item)
        r.add("POST", "/t/echo", self.echo)
        r.add("PUT", "/t/echo", self.echo)
        r.add("GET", "/t/boom", self.boom)
        r.add("GET", "/t/bad-return", self.bad_return)
        r.add("GET", "/t/gate", self.wait_gate)
        r.add("GET", "/t/sleep", self.sleep)
        r.add("GET", "/t/query", self.query)
        r.add("GET", "/t/big", self.big)
        r.add("DELETE", "/t/nothing", self.nothing)
        cfg = {"network": {"port": PORT}}
        lim = {"max_concurrent": max_concurrent, "handler_timeout_ms": 30000}
        lim.update(limits or {})
        self.srv = server.start(self.sched, self.net, cfg, providers=providers, router=r,
                                limits=lim, log=self.logs.append, wall_clock=wall_clock)

    def _report(self, task, exc):
        self.reports.append((task.name, process.format_exception(exc)))

    # ---- test handlers
    def item(self, req):
        return {"id": req.params["id"]}

    async def echo(self, req):
        await self.sched.yield_now()
        return {"method": req.method, "got": req.json()}

    def boom(self, req):
        raise ValueError("kaboom")

    def bad_return(self, req):
        return 42

    async def wait_gate(self, req):
        await self.gate.wait()
        return {"gate": "open"}

    async def sleep(self, req):
        await self.sched.sleep_ms(int(req.query.get("ms", "10")))
        return {"slept": True}

    def query(self, req):
        return {"q": req.query, "all": req.query_all("a"), "path": req.path}

    def nothing(self, req):
        return None

    def big(self, req):
        return {"fill": "x" * int(req.query.get("n", "1000"))}

    # ---- driving
    def run(self, coro, timeout_ms=120000):
        return self.sched.run_until_complete(coro, timeout_ms)

    def connect(self, chunk=None):
        return self.net.connect(PORT, chunk)

    def exchange(self, raw, n=1, head_only=False, timeout_ms=60000):
        """Connect, send ``raw``, read until ``n`` responses are complete (or EOF): returns
        (responses, client end)."""
        cl = self.connect()
        cl.write(raw)
        rs = self.run(read_responses(cl, n, head_only, timeout_ms))
        return rs, cl

    def one(self, raw, **kw):
        rs, cl = self.exchange(raw, 1, **kw)
        assert len(rs) == 1, rs
        return rs[0]

    def settle(self, ms=50):
        async def pause():
            await self.sched.sleep_ms(ms)
        self.run(pause())

    def check_clean(self):
        assert self.reports == [], self.reports
        for line in self.logs:
            assert line.find("connection") < 0, line    # no server bug
        self.sched.check_invariants()


async def read_responses(cl, n, head_only=False, timeout_ms=60000):
    def done(buf):
        return len(response.parse_responses(buf, head_only)[0]) >= n
    data = await cl.read_until(done, timeout_ms)
    return response.parse_responses(data, head_only)[0]


async def read_to_eof(cl, timeout_ms=60000):
    return await cl.read_until(lambda b: False, timeout_ms)


def get(path, extra=b"", version=b"1.1"):
    return b"GET " + path + b" HTTP/" + version + b"\r\nHost: t\r\n" + extra + b"\r\n"


def post(path, body, ctype=b"application/json", extra=b""):
    h = b"POST " + path + b" HTTP/1.1\r\nHost: t\r\n"
    if ctype is not None:
        h += b"Content-Type: " + ctype + b"\r\n"
    return h + ("Content-Length: %d\r\n" % len(body)).encode() + extra + b"\r\n" + body


def err(r):
    body = r.json()
    assert set(body.keys()) == {"error"}, body
    e = body["error"]
    assert set(e.keys()) == {"code", "message", "field"}, e
    assert r.headers["content-type"] == "application/json"
    return e


# ---- basics --------------------------------------------------------------------------

def test_get_returns_json_with_length_and_keep_alive():
    env = Env()
    r = env.one(get(b"/t/items/42"))
    assert r.status == 200 and r.reason == "OK"
    assert r.json() == {"id": "42"}
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.body)
    assert r.headers["connection"] == "keep-alive"
    assert "date" not in r.headers
    env.check_clean()


def test_date_header_from_wall_clock():
    env = Env(wall_clock=lambda: 784111777)
    r = env.one(get(b"/health"))
    assert r.headers["date"] == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_keep_alive_serves_several_requests_on_one_connection():
    env = Env()
    cl = env.connect()
    for i in range(5):
        cl.write(get(("/t/items/%d" % i).encode()))
        rs = env.run(read_responses(cl, 1))
        assert rs[0].json() == {"id": str(i)}
        assert rs[0].headers["connection"] == "keep-alive"
    assert not cl.at_eof()
    assert env.srv.connection_count() == 1
    assert env.srv.metrics.connections_total == 1
    env.check_clean()


def test_connection_close_closes():
    env = Env()
    cl = env.connect()
    cl.write(get(b"/health", b"Connection: close\r\n"))
    data = env.run(read_to_eof(cl))
    rs, left = response.parse_responses(data)
    assert len(rs) == 1 and left == 0
    assert rs[0].headers["connection"] == "close"
    assert cl.at_eof()
    env.settle()
    assert env.srv.connection_count() == 1     # lingering: waits for the peer's close
    cl.close()
    env.settle()
    assert env.srv.connection_count() == 0
    env.check_clean()


def test_http_1_0_closes_by_default_and_keeps_alive_on_request():
    env = Env()
    cl = env.connect()
    cl.write(b"GET /t/items/1 HTTP/1.0\r\n\r\n")
    data = env.run(read_to_eof(cl))
    rs, _ = response.parse_responses(data)
    assert rs[0].status == 200 and rs[0].headers["connection"] == "close" and cl.at_eof()
    cl = env.connect()
    cl.write(b"GET /t/items/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    rs = env.run(read_responses(cl, 1))
    assert rs[0].headers["connection"] == "keep-alive"
    cl.write(b"GET /t/items/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    rs = env.run(read_responses(cl, 1))
    assert rs[0].json() == {"id": "3"}
    assert not cl.at_eof()


def test_head_has_length_but_no_body():
    env = Env()
    full = env.one(get(b"/health"))
    r = env.one(b"HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n", head_only=True)
    assert r.status == 200 and r.body == b""
    assert r.headers["content-length"] == full.headers["content-length"]


def test_handler_returning_none_is_204():
    env = Env()
    r = env.one(b"DELETE /t/nothing HTTP/1.1\r\nHost: t\r\n\r\n")
    assert r.status == 204 and r.body == b""


def test_query_and_path_decoding():
    env = Env()
    r = env.one(get(b"/t/query?a=1&a=x%20y&b=%C3%A9+z"))
    assert r.json() == {"q": {"a": "x y", "b": "\u00e9 z"}, "all": ["1", "x y"],
                        "path": "/t/query"}
    r = env.one(get(b"/t/query?a=%zz"))
    assert r.status == 400 and err(r)["field"] == "query"


def test_post_json_body_echoed():
    env = Env()
    r = env.one(post(b"/t/echo", b'{"amount": 1250, "currency": "EUR"}'))
    assert r.status == 200
    assert r.json() == {"method": "POST", "got": {"amount": 1250, "currency": "EUR"}}
    r = env.one(post(b"/t/echo", b'{"broken": '))
    assert r.status == 400 and err(r)["code"] == "invalid_json"


# ---- pipelining ----------------------------------------------------------------------

def test_pipelined_requests_answered_in_order():
    env = Env()
    raw = (get(b"/t/items/1") + get(b"/t/sleep?ms=30") + get(b"/nope") + get(b"/t/items/4") +
           post(b"/t/echo", b"[1, 2]") + get(b"/t/items/6", b"Connection: close\r\n") +
           get(b"/t/items/7"))
    cl = env.connect()
    cl.write(raw)
    data = env.run(read_to_eof(cl))
    rs, left = response.parse_responses(data)
    assert left == 0
    assert [r.status for r in rs] == [200, 200, 404, 200, 200, 200]
    assert rs[0].json() == {"id": "1"} and rs[3].json() == {"id": "4"}
    assert rs[4].json()["got"] == [1, 2]
    assert rs[5].json() == {"id": "6"} and rs[5].headers["connection"] == "close"
    env.check_clean()


def test_pipelining_with_one_byte_reads():
    env = Env(chunk=1)
    raw = get(b"/t/items/a") + post(b"/t/echo", b'{"x": 1}') + get(b"/t/items/b")
    rs, cl = env.exchange(raw, 3)
    assert [r.json().get("id") for r in rs] == ["a", None, "b"]
    assert rs[1].json()["got"] == {"x": 1}


def test_request_split_across_slow_pieces():
    env = Env()
    cl = env.connect()
    raw = post(b"/t/echo", b'{"slow": true}')

    async def go():
        await cl.trickle(raw, 3, 5)
        return await read_responses(cl, 1)
    rs = env.run(go())
    assert rs[0].json()["got"] == {"slow": True}


def test_expect_100_continue():
    env = Env()
    cl = env.connect()
    body = b'{"big": "yes"}'
    cl.write(("POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              "Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)).encode())

    async def go():
        first = await cl.read_until(lambda b: b.find(b"\r\n\r\n") >= 0, 5000)
        assert first == b"HTTP/1.1 100 Continue\r\n\r\n", first
        cl.write(body)
        return await read_responses(cl, 1)
    rs = env.run(go())
    assert rs[0].status == 200 and rs[0].json()["got"] == {"big": "yes"}
    r = env.one(b"GET / HTTP/1.1\r\nHost: t\r\nExpect: magic\r\n\r\n")
    assert r.status == 417 and err(r)["field"] == "expect"


# ---- every error code --------------------------------------------------------------------

def test_400_malformed_closes_connection():
    env = Env()
    for raw in (b"garbage\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n", b"GET /x HTTP/1.1\nHost: t\n\n",
                b"GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n",
                b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n"):
        cl = env.connect()
        cl.write(raw + get(b"/health"))
        data = env.run(read_to_eof(cl))
        rs, left = response.parse_responses(data)
        assert len(rs) == 1 and rs[0].status == 400, (raw, rs)
        assert err(rs[0])["code"] == "bad_request"
        assert rs[0].headers["connection"] == "close"
        assert cl.at_eof()
    env.check_clean()


def test_404_keeps_connection():
    env = Env()
    rs, cl = env.exchange(get(b"/missing") + get(b"/health"), 2)
    assert [r.status for r in rs] == [404, 200]
    e = err(rs[0])
    assert e["code"] == "not_found" and e["field"] == "path"
    assert rs[0].headers["connection"] == "keep-alive"


def test_405_with_allow():
    env = Env()
    r = env.one(b"DELETE /health HTTP/1.1\r\nHost: t\r\n\r\n")
    assert r.status == 405 and err(r)["code"] == "method_not_allowed"
    assert r.headers["allow"] == "GET, HEAD"
    r = env.one(b"GET /t/echo HTTP/1.1\r\nHost: t\r\n\r\n")
    assert r.status == 405 and r.headers["allow"] == "POST, PUT"


def test_411_without_length_or_with_chunked():
    env = Env()
    for raw in (b"POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\r\n",
                b"PUT /t/echo HTTP/1.0\r\n\r\n",
                b"POST /t/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"2\r\n{}\r\n0\r\n\r\n"):
        cl = env.connect()
        cl.write(raw)
        data = env.run(read_to_eof(cl))
        rs, _ = response.parse_responses(data)
        assert len(rs) == 1 and rs[0].status == 411, raw
        assert err(rs[0])["code"] == "length_required"
        assert cl.at_eof()
    r = env.one(b"POST /t/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Length: 2\r\n\r\n{}")
    assert r.status == 400 and err(r)["field"] == "transfer-encoding"


def test_413_body_too_large_answered_not_reset():
    env = Env(limits={"max_body": 100})
    r = env.one(post(b"/t/echo", b"[" + b"1," * 48 + b"11]"))      # 100 bytes: fine
    assert r.status == 200
    cl = env.connect()
    big = b"[" + b"1," * 200 + b"1]"
    cl.write(post(b"/t/echo", big))
    data = env.run(read_to_eof(cl))
    rs, _ = response.parse_responses(data)
    assert len(rs) == 1 and rs[0].status == 413, data
    e = err(rs[0])
    assert e["code"] == "payload_too_large" and e["field"] == "content-length"
    assert not cl.reset and cl.at_eof()


def test_414_and_431():
    env = Env(limits={"max_line": 200, "max_head": 1000, "max_headers": 8})
    r = env.one(get(b"/" + b"a" * 300))
    assert r.status == 414 and err(r)["code"] == "uri_too_long"
    r = env.one(get(b"/health", b"".join(("X-%d: v\r\n" % i).encode() for i in range(9))))
    assert r.status == 431 and err(r)["code"] == "header_fields_too_large"
    r = env.one(get(b"/health", b"X-Big: " + b"v" * 1200 + b"\r\n"))
    assert r.status == 431
    r = env.one(get(b"/health", b"".join(("X-%d: v\r\n" % i).encode() for i in range(7))))
    assert r.status == 200


def test_415_body_not_json():
    env = Env()
    for ctype in (b"text/plain", b"application/x-www-form-urlencoded", None):
        r = env.one(post(b"/t/echo", b"a=1", ctype))
        assert r.status == 415, ctype
        e = err(r)
        assert e["code"] == "unsupported_media_type" and e["field"] == "content-type"
        assert r.headers["connection"] == "keep-alive"
    r = env.one(post(b"/t/echo", b'"x"', b"application/json; charset=utf-8"))
    assert r.status == 200


def test_505_version():
    env = Env()
    r = env.one(b"GET / HTTP/2.0\r\nHost: t\r\n\r\n")
    assert r.status == 505 and err(r)["code"] == "version_not_supported"


def test_500_handler_exception_logged_and_connection_continues():
    env = Env()
    rs, cl = env.exchange(get(b"/t/boom") + get(b"/t/bad-return") + get(b"/t/items/9"), 3)
    assert [r.status for r in rs] == [500, 500, 200]
    e = err(rs[0])
    assert e["code"] == "internal_error" and e["message"] == "internal server error"
    assert rs[2].json() == {"id": "9"}
    assert len(env.logs) == 2
    assert env.logs[0].find("GET /t/boom -> 500: ValueError: kaboom") >= 0, env.logs[0]
    assert env.logs[1].find("TypeError") >= 0
    assert env.srv.metrics.handler_errors == 2
    assert env.reports == []


def test_503_when_too_many_requests_in_flight():
    env = Env(max_concurrent=2)
    c1 = env.connect()
    c2 = env.connect()
    c3 = env.connect()
    c1.write(get(b"/t/gate"))
    c2.write(get(b"/t/gate"))
    env.settle()
    assert env.srv.in_flight == 2
    c3.write(get(b"/t/gate") + get(b"/t/items/1"))
    rs = env.run(read_responses(c3, 2))
    assert rs[0].status == 503 and rs[0].headers["retry-after"] == "1"
    assert err(rs[0])["code"] == "service_unavailable"
    assert rs[1].status == 503             # any handler counts, and the connection goes on
    env.gate.set()
    r1 = env.run(read_responses(c1, 1))
    r2 = env.run(read_responses(c2, 1))
    assert r1[0].json() == {"gate": "open"} and r2[0].status == 200
    assert env.srv.in_flight == 0
    c3.write(get(b"/t/items/1"))
    assert env.run(read_responses(c3, 1))[0].json() == {"id": "1"}


def test_503_when_too_many_connections():
    env = Env(limits={"max_connections": 2})
    c1 = env.connect()
    c2 = env.connect()
    env.settle()
    assert env.srv.connection_count() == 2
    c3 = env.connect()
    c3.write(get(b"/health"))
    data = env.run(read_to_eof(c3))
    rs, _ = response.parse_responses(data)
    assert len(rs) == 1 and rs[0].status == 503, data
    assert rs[0].headers["retry-after"] == "1" and rs[0].headers["connection"] == "close"
    assert not c3.reset
    assert env.srv.metrics.connections_rejected == 1
    # the open ones still work
    c1.write(get(b"/t/items/1"))
    assert env.run(read_responses(c1, 1))[0].status == 200
    c2.write(get(b"/t/items/2"))
    assert env.run(read_responses(c2, 1))[0].status == 200
    env.settle(2000)
    assert env.srv._lingering == []
    env.check_clean()


def test_connections_beyond_the_task_limit_get_503():
    env = Env(max_tasks=4)          # accept + linger + 2 connections
    c1 = env.connect()
    c2 = env.connect()
    env.settle()
    c3 = env.connect()
    data = env.run(read_to_eof(c3))
    assert response.parse_responses(data)[0][0].status == 503
    c1.write(get(b"/health"))
    assert env.run(read_responses(c1, 1))[0].status == 200
    del c2


# ---- timeouts ----------------------------------------------------------------------------

def test_slow_client_cut_off_with_408_after_10_s():
    env = Env()
    env.clock.tick_us = 10000        # idle steps of 10 ms keep the test quick
    cl = env.connect()
    cl.write(b"GET /health HTTP/1.1\r\nHost: t\r\n")     # never finishes the head
    t0 = env.clock.ticks_us()
    data = env.run(read_to_eof(cl, 30000))
    took = env.clock.ticks_us() - t0
    rs, _ = response.parse_responses(data)
    assert len(rs) == 1 and rs[0].status == 408, data
    assert err(rs[0])["code"] == "request_timeout"
    assert 10000000 <= took <= 10100000, took
    assert env.srv.metrics.timeouts == 1


def test_dripping_client_does_not_extend_the_deadline():
    env = Env(limits={"request_timeout_ms": 500})
    cl = env.connect()

    async def drip():
        for i in range(100):
            if cl.rx.buf:
                return i            # the answer came
            await cl.send(b"X", 1000)
            await env.sched.sleep_ms(50)
        return 100
    t0 = env.clock.ticks_us()
    sent = env.run(drip())
    assert sent <= 12, sent
    assert env.clock.ticks_us() - t0 < 700000
    rs, _ = response.parse_responses(cl.read())
    assert rs and rs[0].status == 408


def test_slow_body_is_408():
    env = Env(limits={"request_timeout_ms": 300})
    cl = env.connect()
    cl.write(post(b"/t/echo", b'{"a": 1}')[:-3])
    data = env.run(read_to_eof(cl))
    rs, _ = response.parse_responses(data)
    assert rs[0].status == 408


def test_idle_keep_alive_connection_closed_quietly():
    env = Env(limits={"idle_timeout_ms": 200})
    cl = env.connect()
    cl.write(get(b"/health"))
    assert env.run(read_responses(cl, 1))[0].status == 200
    t0 = env.clock.ticks_us()
    rest = env.run(read_to_eof(cl))
    assert rest == b"" and cl.at_eof()
    assert 200000 <= env.clock.ticks_us() - t0 <= 260000
    assert env.srv.connection_count() == 0


def test_silent_new_connection_closed_after_request_timeout():
    env = Env(limits={"request_timeout_ms": 300})
    cl = env.connect()
    assert env.run(read_to_eof(cl)) == b""
    assert cl.at_eof()


def test_slow_client_does_not_stall_fast_ones():
    env = Env()
    slow = env.connect()
    slow_raw = get(b"/t/items/slow")

    async def slow_client():
        await slow.trickle(slow_raw, 1, 100)     # ~3 s for the whole request
        return await read_responses(slow, 1)

    async def fast_clients():
        t0 = env.clock.ticks_us()
        for i in range(20):
            cl = env.connect()
            cl.write(get(("/t/items/%d" % i).encode(), b"Connection: close\r\n"))
            rs = await read_responses(cl, 1)
            assert rs[0].json() == {"id": str(i)}
        return env.clock.ticks_us() - t0

    st = env.sched.spawn(slow_client(), "slow")
    took = env.run(fast_clients())
    assert took < 200000, took            # fake time: the slow one's 3 s did not count
    assert not st.done()
    rs = env.run(st)
    assert rs[0].json() == {"id": "slow"}


# ---- robustness ----------------------------------------------------------------------------

def test_peer_closing_mid_request_is_quiet():
    env = Env()
    cl = env.connect()
    cl.write(b"GET /health HTTP/1.1\r\nHo")
    env.settle()
    cl.close()
    env.settle()
    assert env.srv.connection_count() == 0
    cl = env.connect()
    cl.write(post(b"/t/echo", b"[1, 2, 3]")[:-2])
    env.settle()
    cl.close()
    env.settle()
    assert env.srv.connection_count() == 0
    env.check_clean()


def test_peer_not_reading_is_cut_off_by_send_timeout():
    env = Env(limits={"send_timeout_ms": 200})
    cl = env.connect()
    cl.write(get(b"/metrics") * 200)       # answers pile up: the pipe fills
    env.settle(1000)
    assert env.srv.connection_count() == 0
    env.check_clean()


def test_slow_but_steady_reader_gets_a_large_answer_whole():
    # send_timeout_ms runs between two writes the peer takes (as nginx's send_timeout): a
    # 400 KB answer drained 64 KB per 150 ms takes ~1 s, five times the timeout, and arrives.
    env = Env(limits={"send_timeout_ms": 200})
    cl = env.connect()
    cl.write(get(b"/t/big?n=400000", b"Connection: close\r\n"))

    async def drain_slowly():
        got = bytearray()
        t0 = env.clock.ticks_us()
        while not cl.at_eof():
            await env.sched.sleep_ms(150)
            got.extend(cl.read())
        return bytes(got), (env.clock.ticks_us() - t0) // 1000

    data, took_ms = env.run(drain_slowly())
    rs, rest = response.parse_responses(data)
    assert len(rs) == 1 and rs[0].status == 200 and rest == 0
    assert len(rs[0].json()["fill"]) == 400000
    assert took_ms > 5 * 200, took_ms
    env.check_clean()


def test_max_requests_per_connection():
    env = Env(limits={"max_requests": 2})
    cl = env.connect()
    cl.write(get(b"/health") * 3)
    data = env.run(read_to_eof(cl))
    rs, _ = response.parse_responses(data)
    assert [r.headers["connection"] for r in rs] == ["keep-alive", "close"]


def lcg(seed):
    state = [seed]

    def nxt(n):
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return state[0] % n
    return nxt


PIECES = (b"GET", b"POST", b" ", b"/", b"/health", b"?a=%", b"HTTP/1.1", b"HTTP/1.0", b"\r\n",
          b"\n", b"\r", b"Host: t", b":", b"Content-Length: ", b"5", b"-1", b"99999999",
          b"Transfer-Encoding: chunked", b"\x00", b"\xff", b"Connection: close", b"\t", b"%zz",
          b"{}", b"Expect: 100-continue", b"Content-Type: application/json")


def test_random_garbage_never_kills_the_server():
    env = Env(limits={"request_timeout_ms": 200, "idle_timeout_ms": 200, "max_head": 2048,
                      "max_line": 1024})
    rnd = lcg(12345)
    statuses = {}
    for i in range(150):
        parts = []
        for k in range(rnd(12) + 1):
            if rnd(4) == 0:
                parts.append(bytes([rnd(256) for _ in range(rnd(20) + 1)]))
            else:
                parts.append(PIECES[rnd(len(PIECES))])
        raw = b"".join(parts)
        cl = env.connect(chunk=rnd(3) * 7 or None)
        cl.write(raw)
        if rnd(2):
            cl.shutdown()
        data = env.run(read_to_eof(cl, 5000))
        rs, left = response.parse_responses(data)
        for r in rs:
            statuses[r.status] = statuses.get(r.status, 0) + 1
            assert r.status < 500 or r.status in (503, 505), (raw, r)
        cl.close()
    env.settle(500)
    assert env.srv.connection_count() == 0
    r = env.one(get(b"/health"))
    assert r.status == 200
    assert env.srv.metrics.handler_errors == 0
    assert statuses.get(400, 0) > 10, statuses
    env.check_clean()


def test_stop_cancels_everything():
    env = Env()
    c1 = env.connect()
    c1.write(b"GET /t/gate HTTP/1.1\r\nHost: t\r\n\r\n")
    c2 = env.connect()
    env.settle()
    assert env.sched.task_count() == 4
    env.srv.stop()
    env.settle()
    assert env.sched.task_count() == 0
    assert c1.at_eof() and c2.at_eof()
    try:
        env.net.connect(PORT)
        raise RuntimeError("still listening")
    except OSError:
        pass
    env.check_clean()


def test_metrics_count_requests_and_bytes():
    env = Env()
    env.exchange(get(b"/health") + get(b"/nope") + get(b"/nope") + b"BAD\r\n\r\n", 4)
    m = env.srv.metrics
    assert m.requests[("GET", 200)] == 1
    assert m.requests[("GET", 404)] == 2
    assert m.requests[("other", 400)] == 1
    assert m.latency_count == 4 and m.total_requests() == 4
    assert m.bytes_in > 40 and m.bytes_out > 200
    assert sum(m.bucket_counts) == 4


def test_limits_are_checked():
    try:
        server.Limits({"max_bodyy": 1})
        raise RuntimeError("unknown limit accepted")
    except AssertionError:
        pass
    try:
        server.Limits({"max_line": 10, "max_head": 5})
        raise RuntimeError("inconsistent limits accepted")
    except AssertionError:
        pass
    assert server.Limits().as_dict() == server.DEFAULT_LIMITS
