"""Routing: method + path pattern -> handler, with ``{name}`` path parameters.

    router = Router()
    router.add("GET", "/api/v1/accounts/{id}", get_account, summary="One account",
               responses={200: ("The account", ACCOUNT_SCHEMA)})
    route, params = router.match("GET", b"/api/v1/accounts/42")   # params == {"id": "42"}

A pattern is a path of literal segments and whole-segment parameters (``{id}``). Paths are
matched segment by segment on the raw bytes; a segment containing ``%`` is percent-decoded
first (so ``%2F`` inside a parameter stays inside it). No match for the path: 404; the path
exists but not for this method: 405 with ``Allow``. HEAD is served by the GET route (without
body). The first registered route that matches wins. The per-route documentation (summary,
responses, request schema, query parameters, tags) feeds kernel/http/openapi.py.
"""

try:
    from kernel.http.request import HttpError, pct_decode_bytes
except ImportError:  # pragma: no cover
    from request import HttpError, pct_decode_bytes

MAX_ROUTES = 128
MAX_SEGMENTS = 32
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Route:
    def __init__(self, method, pattern, handler, name=None, summary="", description="",
                 responses=None, request_schema=None, query=None, tags=None, errors=None,
                 max_body=None, body_types=None):
        self.method = method
        self.pattern = pattern
        self.handler = handler
        self.name = name or (method.lower() + pattern.replace("/", "_").replace("{", "")
                             .replace("}", "").replace(".", "_"))
        self.summary = summary
        self.description = description
        # {status: (description, schema or None[, content_type])}
        self.responses = responses or {200: ("OK", None)}
        self.request_schema = request_schema
        self.query = query or []          # [(name, description, schema, required)]
        self.tags = tags or []
        self.errors = errors              # extra error statuses this route answers
        self.max_body = max_body          # bytes of body accepted, if above the server's limit
        self.body_types = body_types      # media types of a body that is not JSON (an upload)
        self.segs = _compile(pattern)
        self.params = [s for lit, s in self.segs if not lit]

    def __repr__(self):
        return "<Route %s %s>" % (self.method, self.pattern)


def _compile(pattern):
    assert pattern.startswith("/"), "pattern must start with '/'"
    segs = []
    names = []
    for part in pattern.split("/")[1:]:
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            assert name and name not in names and name.find("{") < 0 and \
                name.find("}") < 0, "bad or repeated parameter"
            names.append(name)
            segs.append((False, name))
        else:
            assert part.find("{") < 0 and part.find("}") < 0, "parameter must be a whole segment"
            segs.append((True, part.encode()))
    assert len(segs) <= MAX_SEGMENTS
    return segs


class Router:
    def __init__(self, max_routes=MAX_ROUTES):
        self.routes = []
        self.max_routes = max_routes

    def add(self, method, pattern, handler, **doc):
        """Register ``handler(req)`` (a function or ``async def``) for ``method pattern``;
        returns the Route. Keyword arguments document it (see Route)."""
        method = method.upper()
        assert method in METHODS, "unknown method"
        assert callable(handler)
        for r in self.routes:
            assert not (r.method == method and r.pattern == pattern), "route exists"
        assert len(self.routes) < self.max_routes, "too many routes"
        r = Route(method, pattern, handler, **doc)
        self.routes.append(r)
        return r

    def route(self, method, pattern, **doc):
        """Decorator form of add()."""
        def deco(fn):
            self.add(method, pattern, fn, **doc)
            return fn
        return deco

    def _segments(self, path):
        if not path.startswith(b"/"):
            return None
        parts = path.split(b"/")
        if len(parts) - 1 > MAX_SEGMENTS:
            return None
        out = []
        for i in range(1, len(parts)):
            p = parts[i]
            if p.find(b"%") >= 0:
                try:
                    p = pct_decode_bytes(p)
                except ValueError:
                    raise HttpError(400, "bad_request", "bad percent escape in path", "path")
            out.append(p)
        return out

    @staticmethod
    def _match_segs(route, segs):
        rs = route.segs
        if len(rs) != len(segs):
            return None
        params = None
        for i in range(len(rs)):
            lit, v = rs[i]
            s = segs[i]
            if lit:
                if s != v:
                    return None
            else:
                if not s:
                    return None
                if params is None:
                    params = {}
                try:
                    params[v] = s.decode()
                except UnicodeError:
                    raise HttpError(400, "bad_request", "path parameter is not UTF-8", v)
        return params if params is not None else {}

    def match(self, method, path):
        """(Route, params) for ``method`` and the raw ``path`` (bytes, no query string);
        raises HttpError 404 / 405 (with Allow) / 400 (bad escape)."""
        segs = self._segments(path)
        allowed = []
        if segs is not None:
            for r in self.routes:
                params = self._match_segs(r, segs)
                if params is None:
                    continue
                if r.method == method:
                    return r, params
                if r.method not in allowed:
                    allowed.append(r.method)
            if method == "HEAD" and "GET" in allowed:
                for r in self.routes:
                    if r.method == "GET":
                        params = self._match_segs(r, segs)
                        if params is not None:
                            return r, params
        if not allowed:
            raise HttpError(404, "not_found", "no resource at this path", "path")
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")
        allow = ", ".join(sorted(allowed))
        raise HttpError(405, "method_not_allowed", "method %s not allowed here; allowed: %s"
                        % (method, allow), "method", headers=[("Allow", allow)])

    def allowed(self, path):
        """The methods served at ``path`` (bytes), sorted."""
        try:
            self.match("\x00", path)
        except HttpError as e:
            if e.status == 405:
                return e.headers[0][1].split(", ")
        return []
