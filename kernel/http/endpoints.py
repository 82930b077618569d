"""The built-in endpoints: /health, /status, /metrics (Prometheus), /api/v1/openapi.json.

Their data comes from injected providers (``Providers``; start(..., providers={...})
overrides any of them), so the host and portable tests feed fakes:

  ``components()``    [(name, state, detail, required)] (default: the registry,
                      kernel/commands.py): state one of commands.STATES; /health is 503 when
                      a component is present and not up, or required and not up
  ``required``        more names that must be present and up for /health (default: none)
  ``heap()``          (used, free, total) bytes of the Python heap, or Nones (default: gc)
  ``uptime_us()``     microseconds since boot (default: the scheduler's uptime)
  ``tasks()``         (live tasks, max tasks) (default: the scheduler)
  ``metric_sets()``   the registered figures (commands.Metrics: kind, figures, prometheus)
  ``version``         the kernel's version string; ``system_name``
"""

import gc as _gc
import sys

try:
    from kernel import commands, memory
    from kernel.http import openapi, response
except ImportError:  # pragma: no cover - installed flat
    import commands
    import memory
    import openapi
    import response

PROM_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UP = commands.UP
NOT_PRESENT = commands.NOT_PRESENT


class Providers:
    def __init__(self, server, overrides=None):
        self.server = server
        self.registry = commands.REGISTRY
        self.version = "unknown"
        self.system_name = "QENEX OS"
        self.required = ()
        if overrides:
            for k in overrides:
                assert k in ("components", "required", "heap", "largest_free", "uptime_us", "tasks",
                             "metric_sets", "version", "system_name", "registry"), \
                    "unknown provider " + k
                setattr(self, k, overrides[k])

    def components(self):
        return self.registry.component_health()

    def metric_sets(self):
        return self.registry.metric_sets()

    def heap(self):
        if not hasattr(_gc, "mem_alloc"):
            return (None, None, None)
        return memory.heap_stats(_gc)

    def largest_free(self):
        return memory.largest_free(_gc)

    def uptime_us(self):
        return self.server.sched.uptime_us()

    def tasks(self):
        s = self.server.sched
        return (s.task_count(), s.max_tasks)


def figures(m):
    """The numbers of a commands.Metrics set, or {"error": ...} when its provider fails."""
    try:
        return m.numbers()
    except Exception as e:
        return {"error": commands.exc_text(e)}


# ---- JSON schemas of the bodies (for the OpenAPI document) ---------------------------

HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status", "components"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "components": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "each component's status text"},
        "down": {"type": "array", "items": {"type": "string"},
                 "description": "the components that are not up (503 only)"},
        "error": {"$ref": "#/components/schemas/ErrorDetail"},
    },
}

COMPONENT_SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}, "up": {"type": "boolean"},
                   "state": {"type": "string", "enum": list(commands.STATES)},
                   "detail": {"type": "string"}, "required": {"type": "boolean"}},
    "additionalProperties": True,
}

STATUS_SCHEMA = {
    "type": "object",
    "required": ["system", "version", "uptime_seconds", "components"],
    "properties": {
        "system": {"type": "string"},
        "version": {"type": "string"},
        "uptime_seconds": {"type": "integer"},
        "components": {"type": "object", "additionalProperties": COMPONENT_SCHEMA},
    },
    "additionalProperties": {"type": "object", "additionalProperties": {"type": "number"},
                             "description": "a package's figures, by kind (transactions, ...)"},
}

OPENAPI_SCHEMA = {"type": "object", "description": "an OpenAPI 3.0 document"}
METRICS_SCHEMA = {"type": "string", "description": "Prometheus text exposition format 0.0.4"}


class Endpoints:
    def __init__(self, server, providers):
        self.server = server
        self.p = providers

    # ---- /health -------------------------------------------------------------

    def health(self, req):
        comps = {}
        down = []
        for name, state, detail, required in self.p.components():
            comps[name] = commands.health_text(state, detail)
            if state == UP:
                continue
            if state == NOT_PRESENT and not required and name not in self.p.required:
                continue
            down.append(name)
        for name in self.p.required:
            if name not in comps:
                comps[name] = NOT_PRESENT
                down.append(name)
        if not down:
            return response.json_response({"status": "ok", "components": comps})
        first = down[0]
        body = {"status": "unavailable", "components": comps, "down": down,
                "error": {"code": "component_down",
                          "message": "component %s is not up: %s" % (first, comps[first]),
                          "field": first}}
        return response.json_response(body, 503)

    # ---- /status -------------------------------------------------------------

    def status(self, req):
        p = self.p
        srv = self.server
        up_us = p.uptime_us()
        ntasks, max_tasks = p.tasks()
        comps = {}
        for name, state, detail, required in p.components():
            comps[name] = {"status": commands.health_text(state, detail), "up": state == UP,
                           "state": state, "detail": detail, "required": required}
        k = comps.get("kernel")
        if k is None:
            k = {"status": "up", "up": True, "state": UP, "detail": "", "required": True}
            comps["kernel"] = k
        k["uptime_seconds"] = up_us // 1000000
        k["tasks"] = ntasks
        k["max_tasks"] = max_tasks
        k["implementation"] = sys.implementation.name
        used, free, total = p.heap()
        if used is None:
            comps["memory"] = {"status": "unknown", "up": False}
        else:
            comps["memory"] = {"status": "up", "up": True, "heap_used_bytes": used,
                               "heap_free_bytes": free, "heap_total_bytes": total}
            big = p.largest_free()
            if big is not None:
                comps["memory"]["heap_largest_free_bytes"] = big
        L = srv.limits
        comps["http"] = {"status": "up", "up": True, "port": srv.port,
                         "connections": srv.connection_count(),
                         "max_connections": L.max_connections,
                         "in_flight": srv.in_flight, "max_concurrent": L.max_concurrent,
                         "requests_total": srv.metrics.total_requests()}
        body = {"system": p.system_name, "version": p.version,
                "uptime_seconds": up_us // 1000000, "components": comps}
        for m in p.metric_sets():       # each package's figures: "transactions", ...
            body[m.kind] = figures(m)
        return response.json_response(body)

    # ---- /metrics ------------------------------------------------------------

    def metrics(self, req):
        return response.Response(200, prometheus(self.server, self.p).encode(), PROM_TYPE)

    # ---- /api/v1/openapi.json --------------------------------------------------

    def openapi(self, req):
        g = self.server.guard
        doc = openapi.build(self.server.router, "QENEX OS API", str(self.p.version),
                            "The HTTP API of the QENEX OS banking kernel. HEAD is served "
                            "wherever GET is. Every error has the body "
                            "{\"error\": {\"code\", \"message\", \"field\"}}.",
                            g.permission if g is not None else None)
        return response.json_response(doc)


def install(server, providers=None):
    """Add the built-in routes to ``server.router``; returns the Endpoints."""
    p = providers if isinstance(providers, Providers) else Providers(server, providers)
    server.providers = p
    e = Endpoints(server, p)
    r = server.router
    r.add("GET", "/health", e.health, name="getHealth", tags=["system"],
          summary="Liveness and component health",
          description="200 when every present component (and every required one) is up, "
                      "else 503 naming the first component that is not.",
          responses={200: ("All components up", HEALTH_SCHEMA),
                     503: ("A component is not up", HEALTH_SCHEMA)})
    r.add("GET", "/status", e.status, name="getStatus", tags=["system"],
          summary="Kernel, memory, devices, network, ledger and HTTP server status",
          responses={200: ("Status of every component", STATUS_SCHEMA)})
    r.add("GET", "/metrics", e.metrics, name="getMetrics", tags=["system"],
          summary="Metrics in the Prometheus text exposition format 0.0.4",
          responses={200: ("Prometheus metrics", METRICS_SCHEMA, "text/plain")})
    r.add("GET", "/api/v1/openapi.json", e.openapi, name="getOpenApi", tags=["system"],
          summary="This OpenAPI 3.0 description",
          responses={200: ("The OpenAPI document", OPENAPI_SCHEMA)})
    return e


# ---- Prometheus text format ------------------------------------------------------------

def _esc_label(v):
    v = str(v)
    if v.find("\\") >= 0:
        v = v.replace("\\", "\\\\")
    if v.find("\"") >= 0:
        v = v.replace("\"", "\\\"")
    if v.find("\n") >= 0:
        v = v.replace("\n", "\\n")
    return v


def _esc_help(v):
    return v.replace("\\", "\\\\").replace("\n", "\\n")


def seconds_text(us):
    """Microseconds as seconds without float rounding: 1500 -> '0.0015', 2000000 -> '2'."""
    neg = us < 0
    if neg:
        us = -us
    frac = "%06d" % (us % 1000000)
    while frac.endswith("0"):
        frac = frac[:-1]
    s = "%d" % (us // 1000000)
    if frac:
        s += "." + frac
    return "-" + s if neg else s


class _Prom:
    def __init__(self):
        self.lines = []

    def family(self, name, typ, help_text):
        self.lines.append("# HELP %s %s" % (name, _esc_help(help_text)))
        self.lines.append("# TYPE %s %s" % (name, typ))

    def sample(self, name, value, labels=None):
        if labels:
            parts = []
            for k, v in labels:
                parts.append('%s="%s"' % (k, _esc_label(v)))
            self.lines.append("%s{%s} %s" % (name, ",".join(parts), value))
        else:
            self.lines.append("%s %s" % (name, value))

    def one(self, name, typ, help_text, value):
        self.family(name, typ, help_text)
        self.sample(name, value)

    def text(self):
        return "\n".join(self.lines) + "\n"


def prometheus(server, p):
    """The text exposition (format 0.0.4) of the server's and the kernel's metrics."""
    m = server.metrics
    out = _Prom()
    out.family("qenex_http_requests_total", "counter",
               "HTTP requests answered, by method and status code.")
    keys = sorted(m.requests.keys())
    for k in keys:
        out.sample("qenex_http_requests_total", m.requests[k],
                   (("method", k[0]), ("code", str(k[1]))))
    name = "qenex_http_request_duration_seconds"
    out.family(name, "histogram",
               "Time from the first byte of a request to its answer being sent.")
    # Local import avoids a cycle (server imports this module).
    try:
        from kernel.http.server import BUCKETS_US
    except ImportError:  # pragma: no cover
        from server import BUCKETS_US
    cum = 0
    for i in range(len(BUCKETS_US)):
        cum += m.bucket_counts[i]
        out.sample(name + "_bucket", cum, (("le", seconds_text(BUCKETS_US[i])),))
    cum += m.bucket_counts[len(BUCKETS_US)]
    out.sample(name + "_bucket", cum, (("le", "+Inf"),))
    out.sample(name + "_sum", seconds_text(m.latency_sum_us))
    out.sample(name + "_count", m.latency_count)
    out.one("qenex_http_received_bytes_total", "counter", "Bytes received by the HTTP server.",
            m.bytes_in)
    out.one("qenex_http_sent_bytes_total", "counter", "Bytes sent by the HTTP server.",
            m.bytes_out)
    out.one("qenex_http_connections_total", "counter", "TCP connections accepted.",
            m.connections_total)
    out.one("qenex_http_connections_rejected_total", "counter",
            "Connections answered 503 because too many were open.", m.connections_rejected)
    out.one("qenex_http_connections_open", "gauge", "Connections being served.",
            server.connection_count())
    out.one("qenex_http_requests_in_flight", "gauge", "Requests inside a handler.",
            server.in_flight)
    out.one("qenex_http_request_timeouts_total", "counter",
            "Requests cut off (408) for not arriving in time.", m.timeouts)
    out.one("qenex_http_handler_errors_total", "counter",
            "Handler exceptions answered with 500.", m.handler_errors)
    used, free, total = p.heap()
    out.family("qenex_heap_used_bytes", "gauge", "Python heap in use.")
    if used is not None:
        out.sample("qenex_heap_used_bytes", used)
    out.family("qenex_heap_free_bytes", "gauge", "Python heap free.")
    if free is not None:
        out.sample("qenex_heap_free_bytes", free)
    big = p.largest_free()
    out.family("qenex_heap_largest_free_bytes", "gauge",
               "Largest free run of the heap (fragmentation: free much larger than this).")
    if big is not None:
        out.sample("qenex_heap_largest_free_bytes", big)
    out.one("qenex_uptime_seconds", "gauge", "Seconds since boot.", seconds_text(p.uptime_us()))
    ntasks, max_tasks = p.tasks()
    out.one("qenex_scheduler_tasks", "gauge", "Live scheduler tasks.", ntasks)
    out.family("qenex_component_up", "gauge", "1 when the component reports up.")
    for cname, state, detail, required in p.components():
        out.sample("qenex_component_up", 1 if state == UP else 0, (("component", cname),))
    for m in p.metric_sets():
        fig = figures(m)
        if "error" in fig:
            continue
        for key, name, typ, help_text in m.prometheus:
            out.one(name, typ, help_text, fig.get(key, 0))
    return out.text()
