"""The kernel's HTTP/1.1 server: one accept task plus one task per connection, cooperative.

    from kernel.http import server
    srv = server.start(sched, net, cfg, providers=None)   # listening, tasks spawned
    ...
    srv.stop()

``net`` implements the stream contract of kernel/io/stream.py (the lwIP stack in the kernel,
tests/host/support/hostnet.py on the host, tests/portable/support/memnet.py in the portable
tests). ``cfg`` is the kernel configuration (kernel/config.py): [network] port. The limits
(DEFAULT_LIMITS) include max_concurrent (requests in flight at once; more get 503) and
handler_timeout_ms (given to handlers as ``req.deadline_us``), which the kernel takes from the
transaction package's [transaction] section. ``providers`` feeds the endpoints
(kernel/http/endpoints.py). See
kernel/http/README.md for the protocol decisions and every limit.
"""

try:
    from kernel import process
    from kernel.http import endpoints, response
    from kernel.http.request import HttpError, HeadScanner, parse_head, content_type_is_json
    from kernel.http.router import Router
except ImportError:  # pragma: no cover - installed flat
    import process
    import endpoints
    import response
    from request import HttpError, HeadScanner, parse_head, content_type_is_json
    from router import Router

# Every limit of the server; start(..., limits={...}) overrides any of them.
DEFAULT_LIMITS = {
    "max_line": 4096,            # request line (414 beyond)
    "max_head": 8192,            # request line + header fields (431 beyond)
    "max_headers": 64,           # header fields (431 beyond)
    "max_body": 65536,           # Content-Length (413 beyond), unless the route allows more
    "max_large_bodies": 2,       # bodies over max_body (routes with max_body=) at once (503)
    "max_connections": 32,       # open connections (503 + Retry-After beyond)
    "max_concurrent": 64,        # requests in handlers at once (503); from the config
    "handler_timeout_ms": 30000,  # a handler's time to answer (req.deadline_us); from config
    "max_requests": 1000,        # requests on one connection, then Connection: close
    "request_timeout_ms": 10000,  # first byte of a request -> complete request (408)
    "idle_timeout_ms": 5000,     # keep-alive connection without a new request: closed
    "send_timeout_ms": 10000,    # the peer takes no byte of a response in this time: closed
    "linger_ms": 1000,           # after our close: drain the peer's input this long...
    "linger_bytes": 65536,       # ...or this many bytes, so it sees the answer, not a reset
    "max_lingering": 16,         # rejected connections being drained at once
    "recv_chunk": 4096,          # bytes per recv()
    "backlog": 32,               # listen backlog (connections not accepted yet)
    "retry_after_s": 1,          # Retry-After of the 503 answers
}

BODY_METHODS = ("POST", "PUT", "PATCH")
METHOD_LABELS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Latency histogram buckets (upper bounds, microseconds); seconds in /metrics.
BUCKETS_US = (1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
              5000000, 10000000)
MAX_SERIES = 256          # (method, status) pairs counted
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Limits:
    def __init__(self, overrides=None):
        for k in DEFAULT_LIMITS:
            setattr(self, k, DEFAULT_LIMITS[k])
        if overrides:
            for k in overrides:
                assert k in DEFAULT_LIMITS, "unknown limit " + k
                setattr(self, k, overrides[k])
        for k in DEFAULT_LIMITS:
            v = getattr(self, k)
            assert isinstance(v, int) and v >= 0, "bad limit " + k
        assert self.max_line > 0 and self.max_head >= self.max_line
        assert self.max_headers > 0 and self.max_connections > 0 and self.max_concurrent > 0
        assert self.recv_chunk > 0 and self.max_requests > 0 and self.backlog > 0

    def as_dict(self):
        d = {}
        for k in DEFAULT_LIMITS:
            d[k] = getattr(self, k)
        return d


class Metrics:
    """Counters of the server (rendered by endpoints.prometheus)."""

    def __init__(self):
        self.requests = {}          # (method label, status) -> count
        self.bucket_counts = [0] * (len(BUCKETS_US) + 1)   # last: above the last bound
        self.latency_sum_us = 0
        self.latency_count = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.connections_total = 0
        self.connections_rejected = 0
        self.timeouts = 0
        self.handler_errors = 0

    def observe(self, method, status, us):
        if method not in METHOD_LABELS:
            method = "other"
        key = (method, status)
        n = self.requests.get(key)
        if n is None:
            if len(self.requests) >= MAX_SERIES:
                key = ("other", status)
                n = self.requests.get(key, 0)
            else:
                n = 0
        self.requests[key] = n + 1
        assert len(self.requests) <= MAX_SERIES + 1
        if us < 0:
            us = 0
        i = 0
        nb = len(BUCKETS_US)
        while i < nb and us > BUCKETS_US[i]:
            i += 1
        self.bucket_counts[i] += 1
        self.latency_sum_us += us
        self.latency_count += 1

    def total_requests(self):
        t = 0
        for k in self.requests:
            t += self.requests[k]
        return t


def _default_wall_clock():
    try:
        import time
        return time.time()
    except Exception:
        return 0


class Server:
    """The HTTP server. Built by start(); ``router`` holds the routes (add more before or
    after start), ``metrics`` the counters, ``port`` the port listened on."""

    def __init__(self, sched, net, router=None, port=8080, limits=None, log=None,
                 wall_clock=_default_wall_clock):
        self.sched = sched
        self.net = net
        self.router = router if router is not None else Router()
        self.port = port
        self.limits = limits if isinstance(limits, Limits) else Limits(limits)
        self.log = log if log is not None else _print_log
        self.wall_clock = wall_clock
        # Asked around every handler (kernel/packages.py set_http_guard): ``await
        # guard.before(req)`` raises HttpError to refuse it; ``await guard.after(req, resp)``
        # returns the response to send (the audit trail: durable before the answer).
        self.guard = None
        self.metrics = Metrics()
        self.conns = {}             # id -> (Conn, Task)
        self.in_flight = 0
        self.large_bodies = 0       # requests holding a body over limits.max_body
        self.listener = None
        self.accept_task = None
        self.reaper_task = None
        self.stopping = False
        self.started_us = sched.clock.ticks_us()
        self._next_cid = 1
        self._lingering = []        # [(Conn, deadline_us, bytes drained)]
        self._linger_ev = process.Event()
        self._date_s = -1
        self._date = None

    # ---- life cycle ----------------------------------------------------------

    def start(self):
        assert self.listener is None, "already started"
        self.listener = self.net.listen(self.port, self.limits.backlog)
        self.port = self.listener.port
        self.started_us = self.sched.clock.ticks_us()
        self.accept_task = self.sched.spawn(self._accept_loop(), "http-accept")
        self.reaper_task = self.sched.spawn(self._reaper(), "http-linger", process.PRIO_LOW)
        return self

    def stop(self):
        """Stop listening, cancel every connection task and close the connections."""
        self.stopping = True
        if self.listener is not None:
            self.listener.close()
        for t in (self.accept_task, self.reaper_task):
            if t is not None:
                t.cancel()
        for cid in list(self.conns.keys()):
            conn, task = self.conns[cid]
            task.cancel()
            conn.close()
        self.conns = {}
        for item in self._lingering:
            item[0].close()
        self._lingering = []

    def connection_count(self):
        return len(self.conns)

    # ---- helpers -------------------------------------------------------------

    def _now(self):
        return self.sched.clock.ticks_us()

    def _left_ms(self, deadline_us):
        left = deadline_us - self.sched.clock.ticks_us()
        if left <= 0:
            return 0
        return (left + 999) // 1000

    def date(self):
        """The Date header value (cached per second), or None without a wall clock."""
        if self.wall_clock is None:
            return None
        s = int(self.wall_clock())
        if s != self._date_s:
            self._date_s = s
            self._date = response.http_date(s)
        return self._date

    def _log_exc(self, what, exc):
        try:
            self.log("http: %s: %s\n%s" % (what, _exc_text(exc),
                                            process.format_exception(exc).rstrip("\n")))
        except Exception:
            pass

    # ---- accepting -----------------------------------------------------------

    async def _accept_loop(self):
        L = self.limits
        while not self.stopping:
            try:
                conn = await self.listener.accept()
            except OSError as e:
                if self.stopping:
                    return
                self._log_exc("accept failed", e)
                await self.sched.sleep_ms(100)
                continue
            if conn is None:
                continue
            self.metrics.connections_total += 1
            if len(self.conns) >= L.max_connections:
                await self._reject(conn, "too many connections (%d)" % L.max_connections)
                continue
            cid = self._next_cid
            self._next_cid += 1
            try:
                task = self.sched.spawn(self._serve(conn, cid), "http-%d" % cid)
            except process.TaskLimitError:
                await self._reject(conn, "no task free for a new connection")
                continue
            self.conns[cid] = (conn, task)
            assert len(self.conns) <= L.max_connections

    async def _reject(self, conn, why):
        """503 + Retry-After to a connection we cannot serve, then drain and close it
        (in the reaper task, so the peer reads the answer instead of a reset)."""
        L = self.limits
        self.metrics.connections_rejected += 1
        resp = response.error_response(503, "service_unavailable", "server busy: " + why,
                                       None, [("Retry-After", L.retry_after_s)], True)
        data = resp.encode(False, False, self.date())
        try:
            ok = await conn.send(data, 100)
        except OSError:
            ok = False
        if not ok or len(self._lingering) >= L.max_lingering:
            conn.close()
            return
        self.metrics.bytes_out += len(data)
        conn.shutdown()
        self._lingering.append((conn, self._now() + L.linger_ms * 1000, 0))
        assert len(self._lingering) <= L.max_lingering
        self._linger_ev.set()

    async def _reaper(self):
        L = self.limits
        while True:
            if not self._lingering:
                self._linger_ev.clear()
                await self._linger_ev.wait()
                continue
            items = self._lingering
            self._lingering = []
            keep = []
            for item in items:
                conn, deadline, drained = item
                try:
                    data = await conn.recv(L.recv_chunk, 0)
                except OSError:
                    data = b""
                if data is None and self._now() < deadline:
                    keep.append(item)
                elif data and self._now() < deadline and drained + len(data) < L.linger_bytes:
                    keep.append((conn, deadline, drained + len(data)))
                else:
                    conn.close()
            self._lingering = keep + self._lingering
            await self.sched.sleep_ms(10)

    # ---- one connection ----------------------------------------------------

    async def _serve(self, conn, cid):
        L = self.limits
        m = self.metrics
        rx = bytearray()
        pos = 0                  # rx[pos:] is not consumed yet
        sc = HeadScanner(L.max_line, L.max_head, L.max_headers)
        cap = L.max_head + self.max_body() + 2 * L.recv_chunk + 4
        large = False            # this request holds one of the max_large_bodies slots
        served = 0
        linger = False
        try:
            while not self.stopping:
                req = None
                start = None
                sc.reset(pos)
                try:
                    # ---- the head
                    if len(rx) > pos:
                        start = self._now()
                    hend = sc.feed(rx, len(rx))
                    while hend < 0:
                        if pos:
                            rx = rx[pos:]
                            sc.shift(pos)
                            pos = 0
                        if start is None:
                            timeout = L.idle_timeout_ms if served else L.request_timeout_ms
                        else:
                            timeout = self._left_ms(start + L.request_timeout_ms * 1000)
                            if timeout == 0:
                                raise _timeout()
                        data = await conn.recv(L.recv_chunk, timeout)
                        if data is None:
                            if start is None:
                                return          # idle: close quietly
                            raise _timeout()
                        if not data:
                            return              # peer closed (a partial request is dropped)
                        if start is None:
                            start = self._now()
                        m.bytes_in += len(data)
                        rx.extend(data)
                        assert len(rx) <= cap
                        hend = sc.feed(rx, len(rx))
                    req = parse_head(rx, sc.req_start, hend)
                    req.peer = conn.peer
                    req.start_us = start
                    req.deadline_us = start + self.limits.handler_timeout_ms * 1000
                    pos = hend
                    # ---- the body
                    n = self._body_length(req)
                    if n > L.max_body:
                        if self.large_bodies >= L.max_large_bodies:
                            raise HttpError(503, "service_unavailable", "%d large requests are "
                                            "being received; retry" % L.max_large_bodies, None,
                                            [("Retry-After", L.retry_after_s)], close=True)
                        self.large_bodies += 1
                        large = True
                    if len(rx) - pos < n:
                        if req.expect_continue:
                            if not await conn.send(CONTINUE, L.send_timeout_ms):
                                break
                            m.bytes_out += len(CONTINUE)
                        if pos:
                            rx = rx[pos:]
                            pos = 0
                        while len(rx) - pos < n:
                            timeout = self._left_ms(start + L.request_timeout_ms * 1000)
                            if timeout == 0:
                                raise _timeout()
                            want = n - (len(rx) - pos)
                            data = await conn.recv(want if want < L.recv_chunk else L.recv_chunk,
                                                   timeout)
                            if data is None:
                                raise _timeout()
                            if not data:
                                return
                            m.bytes_in += len(data)
                            rx.extend(data)
                            assert len(rx) <= cap
                    if n:
                        req.body = bytes(rx[pos:pos + n])
                        pos += n
                except HttpError as e:
                    # The request cannot be framed: answer, then close.
                    if e.status == 408:
                        m.timeouts += 1
                    await self._respond(conn, req, e.response(), False, start)
                    linger = True
                    break
                # ---- the answer
                try:
                    resp = await self._dispatch(req)
                finally:
                    if large:
                        self.large_bodies -= 1
                        large = False
                    req.body = b""
                served += 1
                keep = (req.keep_alive and not resp.close and served < L.max_requests and
                        not self.stopping)
                if not await self._respond(conn, req, resp, keep, start):
                    break
                if not keep:
                    linger = True
                    break
                if pos >= len(rx):
                    rx = bytearray()
                    pos = 0
            if linger:
                await self._linger(conn)
        except OSError:
            pass                        # the peer went away
        except Exception as e:          # a bug here: say so, drop this connection only
            self._log_exc("connection %d failed" % cid, e)
        finally:
            if large:
                self.large_bodies -= 1
            conn.close()
            item = self.conns.get(cid)
            if item is not None and item[0] is conn:
                del self.conns[cid]

    def _body_length(self, req):
        L = self.limits
        h = req.headers
        if "transfer-encoding" in h:
            if req.content_length is not None:
                raise HttpError(400, "bad_request", "both Transfer-Encoding and Content-Length",
                                "transfer-encoding", close=True)
            raise HttpError(411, "length_required", "chunked or other transfer codings are not "
                            "accepted; send the body with Content-Length", "transfer-encoding",
                            close=True)
        exp = h.get("expect")
        if exp is not None:
            if exp.lower() == "100-continue" and req.minor >= 1:
                req.expect_continue = True
            else:
                raise HttpError(417, "expectation_failed", "only 'Expect: 100-continue' is "
                                "supported", "expect", close=True)
        n = req.content_length
        if n is None:
            if req.method in BODY_METHODS:
                raise HttpError(411, "length_required", "%s needs a Content-Length" % req.method,
                                "content-length", close=True)
            return 0
        most = L.max_body
        if n > most:
            try:
                route = self.router.match(req.method, req.raw_path)[0]
                if route.max_body is not None:
                    most = route.max_body
            except HttpError:
                pass            # 404/405/400: answered with the small limit
        if n > most:
            raise HttpError(413, "payload_too_large", "body of %d bytes; at most %d accepted"
                            % (n, most), "content-length", close=True)
        return n

    def max_body(self):
        """The largest body any route accepts."""
        most = self.limits.max_body
        for r in self.router.routes:
            if r.max_body is not None and r.max_body > most:
                most = r.max_body
        return most

    async def _dispatch(self, req):
        try:
            route, params = self.router.match(req.method, req.raw_path)
            req.route = route
            req.params = params
            if req.body and req.method in BODY_METHODS:
                _check_body_type(route, req.headers.get("content-type"))
            if self.in_flight >= self.limits.max_concurrent:
                raise HttpError(503, "service_unavailable",
                                "more than %d requests in flight" % self.limits.max_concurrent,
                                None, [("Retry-After", self.limits.retry_after_s)])
            self.in_flight += 1
            try:
                guard = self.guard
                if guard is not None:
                    await guard.before(req)
                try:
                    res = route.handler(req)
                    if hasattr(res, "send"):        # a coroutine (async def handler)
                        res = await res
                    resp = _to_response(res)
                except HttpError as e:
                    resp = e.response()
                except Exception as e:
                    self.metrics.handler_errors += 1
                    self._log_exc("%s %s -> 500" % (req.method, _target_text(req.target)), e)
                    resp = response.error_response(500, "internal_error",
                                                   "internal server error")
                if guard is not None:
                    resp = await guard.after(req, resp)
                return resp
            finally:
                self.in_flight -= 1
        except HttpError as e:
            return e.response()
        except Exception as e:
            self.metrics.handler_errors += 1
            self._log_exc("%s %s -> 500" % (req.method, _target_text(req.target)), e)
            return response.error_response(500, "internal_error", "internal server error")

    async def _respond(self, conn, req, resp, keep, start):
        head_only = req is not None and req.method == "HEAD"
        data = resp.encode(keep, head_only, self.date())
        try:
            ok = await conn.send(data, self.limits.send_timeout_ms)
        except OSError:
            ok = False
        if ok:
            self.metrics.bytes_out += len(data)
        now = self._now()
        self.metrics.observe(req.method if req is not None else None, resp.status,
                             now - start if start is not None else 0)
        return ok

    async def _linger(self, conn):
        """Half-close, then read and drop what the peer still sends (bounded in time and
        bytes) so that it reads our last answer rather than a reset."""
        L = self.limits
        conn.shutdown()
        deadline = self._now() + L.linger_ms * 1000
        drained = 0
        while drained < L.linger_bytes:
            left = self._left_ms(deadline)
            if left == 0:
                return
            data = await conn.recv(L.recv_chunk, left)
            if not data:
                return
            drained += len(data)


def _timeout():
    return HttpError(408, "request_timeout", "request not complete in time", None, close=True)


def _to_response(res):
    if isinstance(res, response.Response):
        return res
    if res is None:
        return response.Response(204, b"", None)
    if isinstance(res, (dict, list)):
        return response.json_response(res)
    if isinstance(res, str):
        return response.text_response(res)
    raise TypeError("handler returned %s" % type(res).__name__)


def _exc_text(e):
    msg = str(e)
    name = type(e).__name__
    return name + ": " + msg if msg else name


def _target_text(t):
    try:
        s = t.decode()
    except Exception:
        s = repr(t)
    return s[:80]


def _print_log(text):
    print(text)


def start(sched, net, cfg=None, providers=None, router=None, limits=None, log=None, port=None,
          wall_clock=_default_wall_clock, guard=None):
    """Start the HTTP server; returns the running Server.

    ``sched``: the kernel.process.Scheduler; ``net``: a stream-contract network (see
    kernel/io/stream.py); ``cfg``: the configuration (kernel/config.py: [network] port;
    None: 8080); ``providers``: dict of
    overrides for the endpoints' data sources (see endpoints.Providers); ``router``: a
    Router with extra routes (the built-in endpoints are added to it); ``limits``: dict of
    DEFAULT_LIMITS overrides (the kernel passes max_concurrent and handler_timeout_ms from
    the transaction package's configuration); ``log(text)``: where errors go (console.log
    in the kernel; default print); ``port``: overrides the configured port (0: any free port);
    ``guard``: who may run what (Server.guard; the security package's)."""
    if port is None:
        port = cfg["network"]["port"] if cfg is not None else 8080
    srv = Server(sched, net, router, port, Limits(limits), log, wall_clock)
    srv.guard = guard
    endpoints.install(srv, providers)
    srv.start()
    return srv


def _check_body_type(route, value):
    """415 unless the body is JSON, or one of the route's own types (an upload)."""
    if route.body_types is None:
        if not content_type_is_json(value):
            raise HttpError(415, "unsupported_media_type",
                            "request bodies must be application/json", "content-type")
        return
    mt = value.split(";")[0].strip().lower() if value else ""
    if mt not in route.body_types:
        raise HttpError(415, "unsupported_media_type", "this request's body must be one of %s"
                        % ", ".join(route.body_types), "content-type")
