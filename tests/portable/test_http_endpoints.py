# Portable tests of the built-in endpoints (kernel/http/endpoints.py, openapi.py): /health,
# /status, /metrics (Prometheus text format), /api/v1/openapi.json. Plain asserts; they also
# run in the kernel (selftest http).

from kernel import process, commands
from tests.portable.support import fakeclock, memnet
from kernel.http import server, response, endpoints
from kernel.http.router import Router

PORT = 8080
CFG = {"network": {"port": PORT}}


class Env:
    def __init__(self, providers=None, router=None):
        self.clock = fakeclock.FakeClock()
        self.logs = []
        self.sched = process.Scheduler(self.clock, reporter=lambda t, e: self.logs.append(e))
        self.net = memnet.MemNet(self.sched)
        self.srv = server.start(self.sched, self.net, CFG, providers=providers, router=router,
                                log=self.logs.append, wall_clock=None,
                                limits={"max_concurrent": 8})

    def get(self, path, method=b"GET"):
        cl = self.net.connect(PORT)
        cl.write(method + b" " + path + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")

        async def go():
            return await cl.read_until(lambda b: False, 10000)
        data = self.sched.run_until_complete(go(), 20000)
        rs, left = response.parse_responses(data, method == b"HEAD")
        assert len(rs) == 1 and left == 0, data
        return rs[0]


def comps(*rows):
    """Component rows (name, state, detail, required) as the registry gives them."""
    out = []
    for r in rows:
        out.append(tuple(r) + ("", False)[len(r) - 2:])
    return lambda: out


HEAP = lambda: (1000, 3000, 4000)   # noqa: E731


# ---- /health -----------------------------------------------------------------------------

def test_health_ok_when_every_present_component_is_up():
    env = Env({"components": comps(("kernel", "up"), ("disk", "up"), ("ledger", "not present"),
                                   ("network", "up", "10.0.2.15", True))})
    r = env.get(b"/health")
    assert r.status == 200
    assert r.json() == {"status": "ok", "components": {"kernel": "up", "disk": "up",
                                                       "ledger": "not present",
                                                       "network": "up (10.0.2.15)"}}


def test_health_503_names_the_component_that_is_not_up():
    env = Env({"components": comps(("kernel", "up"), ("disk", "down", "failed: no device"),
                                   ("network", "starting", "waiting for DHCP", True))})
    r = env.get(b"/health")
    assert r.status == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["disk", "network"]
    assert body["error"] == {"code": "component_down", "field": "disk",
                             "message": "component disk is not up: down: failed: no device"}
    assert body["components"]["network"] == "starting: waiting for DHCP"


def test_health_required_component_must_be_present():
    env = Env({"components": comps(("kernel", "up"), ("ledger", "not present")),
               "required": ("ledger", "disk")})
    r = env.get(b"/health")
    assert r.status == 503
    body = r.json()
    assert body["down"] == ["ledger", "disk"]
    assert body["components"]["disk"] == "not present"
    # A component registered as required (the ledger on a machine with a disk).
    env = Env({"components": comps(("kernel", "up", "", True),
                                   ("ledger", "not present", "", True))})
    r = env.get(b"/health")
    assert r.status == 503 and r.json()["down"] == ["ledger"]


def test_health_default_uses_the_console_registry():
    commands.register_component("httptest", lambda: ("down", ""))
    try:
        r = Env().get(b"/health")
        assert r.status == 503 and r.json()["error"]["field"] == "httptest"
    finally:
        commands.unregister_component("httptest")
    commands.register_component("httptest", lambda: ("up", ""))
    try:
        r = Env().get(b"/health")
        assert r.json()["components"]["httptest"] == "up"
    finally:
        commands.unregister_component("httptest")


def test_health_is_decided_by_the_state_not_the_text():
    # The detail is free text: "up" in it makes nothing up; only the state counts.
    env = Env({"components": comps(("kernel", "up"), ("a", "down", "up"),
                                   ("b", "starting", "up (soon)"), ("c", "up", "degraded"))})
    r = env.get(b"/health")
    assert r.status == 503 and r.json()["down"] == ["a", "b"]
    assert r.json()["components"]["c"] == "up (degraded)"
    for state, detail, text in (("up", "", "up"), ("up", "3 peers", "up (3 peers)"),
                                ("down", "no disk", "down: no disk"),
                                ("not present", "", "not present")):
        assert commands.health_text(state, detail) == text
    assert endpoints.UP == "up"


# ---- /status -------------------------------------------------------------------------------

def test_status_lists_every_component_with_details():
    tx = commands.Metrics("transactions", lambda: {"committed": 5, "rejected": 1, "tps": 0,
                                                   "wal_bytes": 4096, "note": "text"},
                          ("committed", "rejected", "tps", "wal_bytes", "pending"), "", None,
                          ())
    env = Env({"components": comps(("kernel", "up"), ("disk", "up"), ("network", "down"),
                                   ("ledger", "not present")),
               "heap": HEAP, "largest_free": lambda: 2048, "version": "9.9.9",
               "uptime_us": lambda: 3725000000, "metric_sets": lambda: (tx,)})
    r = env.get(b"/status")
    assert r.status == 200
    b = r.json()
    assert b["system"] == "QENEX OS" and b["version"] == "9.9.9"
    assert b["uptime_seconds"] == 3725
    c = b["components"]
    assert set(c.keys()) == {"kernel", "memory", "disk", "network", "ledger", "http"}
    assert c["kernel"]["status"] == "up" and c["kernel"]["tasks"] >= 2
    assert c["kernel"]["max_tasks"] == 64 and c["kernel"]["uptime_seconds"] == 3725
    assert c["memory"] == {"status": "up", "up": True, "heap_used_bytes": 1000,
                           "heap_free_bytes": 3000, "heap_total_bytes": 4000,
                           "heap_largest_free_bytes": 2048}
    assert c["network"] == {"status": "down", "up": False, "state": "down", "detail": "",
                            "required": False}
    assert c["ledger"]["up"] is False
    assert c["http"]["port"] == PORT and c["http"]["connections"] == 1
    assert c["http"]["max_concurrent"] == 8
    assert b["transactions"] == {"committed": 5, "rejected": 1, "tps": 0, "wal_bytes": 4096,
                                 "pending": 0}


def test_status_without_heap_figures():
    env = Env({"heap": lambda: (None, None, None)})
    c = env.get(b"/status").json()["components"]
    assert c["memory"] == {"status": "unknown", "up": False}


def test_unknown_provider_rejected():
    try:
        Env({"nonsense": 1})
        raise RuntimeError("accepted")
    except AssertionError:
        pass


# ---- /metrics -------------------------------------------------------------------------------

NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:"


def is_name(s):
    if not s or ("0" <= s[0] <= "9"):
        return False
    for ch in s:
        if NAME_CHARS.find(ch) < 0:
            return False
    return True


def parse_labels(s):
    """'a="x",b="y\\"z"' -> {'a': 'x', 'b': 'y"z'} (a strict little parser)."""
    out = {}
    i = 0
    while i < len(s):
        eq = s.find("=", i)
        name = s[i:eq]
        assert is_name(name), name
        assert s[eq + 1] == '"'
        j = eq + 2
        val = []
        while s[j] != '"':
            if s[j] == "\\":
                nx = s[j + 1]
                assert nx in ('\\', '"', 'n'), s
                val.append("\n" if nx == "n" else nx)
                j += 2
            else:
                val.append(s[j])
                j += 1
        out[name] = "".join(val)
        i = j + 1
        if i < len(s):
            assert s[i] == ",", s
            i += 1
    return out


def parse_prometheus(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; asserts the format:
    HELP then TYPE before a family's samples, names, labels and values well formed."""
    assert text.endswith("\n")
    fams = {}
    cur = None
    for line in text[:-1].split("\n"):
        assert line, "empty line"
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert is_name(name) and help_text and name not in fams, line
            cur = {"help": help_text, "type": None, "samples": []}
            fams[name] = cur
            last = name
        elif line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            assert name == last and cur["type"] is None and not cur["samples"], line
            assert typ in ("counter", "gauge", "histogram", "summary", "untyped"), line
            cur["type"] = typ
        else:
            assert not line.startswith("#"), line
            sp = line.rfind(" ")
            series, value = line[:sp], line[sp + 1:]
            if value not in ("+Inf", "-Inf", "NaN"):
                float(value)
            if "{" in series:
                assert series.endswith("}"), line
                name = series[:series.find("{")]
                labels = parse_labels(series[series.find("{") + 1:-1])
            else:
                name = series
                labels = {}
            assert is_name(name), line
            assert cur is not None and cur["type"] is not None, line
            if cur["type"] == "histogram":
                assert name in (last + "_bucket", last + "_sum", last + "_count"), line
            else:
                assert name == last, line
            cur["samples"].append((name, labels, value))
    return fams


def test_metrics_exposition_format_and_content():
    tx = commands.Metrics("transactions", lambda: {"committed": 7, "accounts": 3}, ("committed",),
                          "", None, (("committed", "qenex_transactions_committed_total",
                                      "counter", "Committed."),
                                     ("accounts", "qenex_ledger_accounts", "gauge", "Accounts."),
                                     ("rejected", "qenex_transactions_rejected_total",
                                      "counter", "Rejected.")))
    env = Env({"heap": HEAP, "uptime_us": lambda: 12500000, "metric_sets": lambda: (tx,),
               "components": comps(("kernel", "up"), ("disk", "down"))})
    env.get(b"/health")
    env.get(b"/nope")
    env.get(b"/nope")
    env.get(b"/health", b"DELETE")
    r = env.get(b"/metrics")
    assert r.status == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    fams = parse_prometheus(r.body.decode())
    req = fams["qenex_http_requests_total"]
    assert req["type"] == "counter"
    counts = {}
    for name, labels, value in req["samples"]:
        counts[(labels["method"], labels["code"])] = int(value)
    assert counts == {("GET", "503"): 1, ("GET", "404"): 2, ("DELETE", "405"): 1}
    for fam in fams:
        if fams[fam]["type"] == "counter":
            assert fam.endswith("_total"), fam
    h = fams["qenex_http_request_duration_seconds"]
    assert h["type"] == "histogram"
    buckets = [(s[1]["le"], int(s[2])) for s in h["samples"] if s[0].endswith("_bucket")]
    assert buckets[-1][0] == "+Inf" and buckets[0][0] == "0.001"
    les = [float(le) for le, n in buckets[:-1]]
    assert les == sorted(les)
    ns = [n for le, n in buckets]
    assert ns == sorted(ns) and ns[-1] == 4
    count = [s for s in h["samples"] if s[0].endswith("_count")][0]
    assert int(count[2]) == 4
    assert fams["qenex_heap_used_bytes"]["samples"][0][2] == "1000"
    assert fams["qenex_heap_free_bytes"]["samples"][0][2] == "3000"
    assert fams["qenex_uptime_seconds"]["samples"][0][2] == "12.5"
    assert fams["qenex_http_received_bytes_total"]["samples"][0][2] != "0"
    assert int(fams["qenex_http_sent_bytes_total"]["samples"][0][2]) > 300
    up = dict((s[1]["component"], s[2]) for s in fams["qenex_component_up"]["samples"])
    assert up == {"kernel": "1", "disk": "0"}
    assert fams["qenex_transactions_committed_total"]["samples"] == [
        ("qenex_transactions_committed_total", {}, "7")]
    assert fams["qenex_ledger_accounts"]["type"] == "gauge"
    assert fams["qenex_ledger_accounts"]["samples"][0][2] == "3"
    assert fams["qenex_transactions_rejected_total"]["samples"][0][2] == "0"
    assert fams["qenex_http_connections_open"]["type"] == "gauge"


def test_prometheus_escaping_and_seconds():
    assert endpoints._esc_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    assert parse_labels('x="a\\"b\\\\c\\nd"') == {"x": 'a"b\\c\nd'}
    assert endpoints.seconds_text(1500) == "0.0015"
    assert endpoints.seconds_text(2000000) == "2"
    assert endpoints.seconds_text(0) == "0"
    assert endpoints.seconds_text(10000000) == "10"
    assert endpoints.seconds_text(1) == "0.000001"


def test_metrics_with_odd_component_names_still_parse():
    env = Env({"components": comps(("we\"ird\\name", "up"), ("new\nline", "down"))})
    fams = parse_prometheus(env.get(b"/metrics").body.decode())
    names = [s[1]["component"] for s in fams["qenex_component_up"]["samples"]]
    assert names == ["we\"ird\\name", "new\nline"]


# ---- OpenAPI ------------------------------------------------------------------------------

def h(req):
    return {}


def test_openapi_document_describes_every_route():
    r = Router()
    r.add("POST", "/api/v1/accounts/{id}/transfers", h, summary="Transfer",
          request_schema={"type": "object", "properties": {"amount": {"type": "integer"}}},
          responses={201: ("Created", {"type": "object"})},
          query=[("dry_run", "validate only", {"type": "boolean"}, False)], errors=[409])
    env = Env({"version": "1.2.3"}, r)
    resp = env.get(b"/api/v1/openapi.json")
    assert resp.status == 200 and resp.headers["content-type"] == "application/json"
    doc = resp.json()
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["version"] == "1.2.3" and doc["info"]["title"]
    paths = doc["paths"]
    assert set(paths.keys()) == {"/health", "/status", "/metrics", "/api/v1/openapi.json",
                                 "/api/v1/accounts/{id}/transfers"}
    schemas = doc["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message", "field"}
    ids = []
    for p in paths:
        for method in paths[p]:
            assert method in ("get", "post", "put", "patch", "delete")
            op = paths[p][method]
            ids.append(op["operationId"])
            assert op["responses"], p
            for code in op["responses"]:
                assert len(code) == 3 and code.isdigit(), code
                resp_obj = op["responses"][code]
                assert "$ref" in resp_obj or "description" in resp_obj
            for code in ("400", "500", "503"):
                assert code in op["responses"], (p, code)
    assert len(ids) == len(set(ids))
    tr = paths["/api/v1/accounts/{id}/transfers"]["post"]
    assert tr["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    params = dict((x["name"], x) for x in tr["parameters"])
    assert params["id"]["in"] == "path" and params["id"]["required"] is True
    assert params["dry_run"]["in"] == "query" and params["dry_run"]["required"] is False
    for code in ("201", "404", "409", "411", "413", "415"):
        assert code in tr["responses"], code
    assert tr["responses"]["405"] == {"$ref": "#/components/responses/MethodNotAllowed"}
    allow = doc["components"]["responses"]["MethodNotAllowed"]["headers"]
    assert "Allow" in allow
    health = paths["/health"]["get"]["responses"]
    assert health["503"]["content"]["application/json"]["schema"]["required"] == \
        ["status", "components"]
    metrics = paths["/metrics"]["get"]["responses"]["200"]
    assert "text/plain" in metrics["content"]
    # every $ref resolves
    check_refs(doc, doc)


def check_refs(node, doc):
    if isinstance(node, dict):
        for k in node:
            if k == "$ref":
                ref = node[k]
                assert ref.startswith("#/"), ref
                cur = doc
                for part in ref[2:].split("/"):
                    assert part in cur, ref
                    cur = cur[part]
            else:
                check_refs(node[k], doc)
    elif isinstance(node, list):
        for x in node:
            check_refs(x, doc)
