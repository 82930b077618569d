"""OpenAPI 3.0 description generated from the router's table and each route's documentation
(summary, responses with JSON schemas, request body schema, query parameters, tags).

Every operation also lists the error answers the server can give it, all with the error
body ``{"error": {"code", "message", "field"}}`` (components/schemas/Error): 400, 405 (with
Allow), 408, 431, 500, 503 (with Retry-After); 411, 413 and 415 for methods with a body; 404
for paths with parameters; plus the route's own ``errors``.
"""

ERROR_DETAIL_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "field"],
    "properties": {
        "code": {"type": "string", "description": "machine-readable error code",
                 "example": "not_found"},
        "message": {"type": "string", "description": "what went wrong, for people"},
        "field": {"type": "string", "nullable": True,
                  "description": "the request part at fault (header name, 'path', 'query', "
                                 "'body', ...), or null"},
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
}

ERROR_DESCRIPTIONS = {
    400: "Malformed request (request line, headers, path, query or body)",
    404: "No resource at this path",
    405: "Method not allowed at this path (see the Allow header)",
    408: "The request was not complete in time",
    411: "Content-Length required (chunked request bodies are not accepted)",
    413: "Request body too large",
    409: "Conflicts with what exists (the same id or reference with a different body, a "
         "pending transfer resolved already)",
    415: "Request body is not application/json",
    422: "A rule of the ledger refuses it (insufficient funds, currency mismatch, closed "
         "account, ...)",
    414: "Request line (path and query) too long",
    431: "Request head too large or too many header fields",
    401: "No credential, or a bad one (see WWW-Authenticate)",
    403: "The credential's role lacks the route's permission, or it is outside its role's "
         "access window",
    429: "Too many requests from this principal (see Retry-After)",
    500: "Internal error of the handler",
    503: "Too many requests in flight or too many connections, or the ledger is down (see "
         "Retry-After)",
    504: "Not committed in time (timeout_seconds); it may still commit: retry idempotently",
    507: "No room: the ledger's log, the ledger or the audit trail is full; nothing was done",
}

COMMON_ERRORS = (400, 405, 408, 414, 431, 500, 503)
BODY_ERRORS = (411, 413, 415)
BODY_METHODS = ("POST", "PUT", "PATCH")


def _error_ref(status):
    if status == 405:
        return {"$ref": "#/components/responses/MethodNotAllowed"}
    if status == 503:
        return {"$ref": "#/components/responses/Unavailable"}
    return {"description": ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _response(spec):
    desc = spec[0]
    schema = spec[1] if len(spec) > 1 else None
    ctype = spec[2] if len(spec) > 2 else "application/json"
    out = {"description": desc}
    if schema is not None:
        out["content"] = {ctype: {"schema": schema}}
    return out


def _operation(route, permission=None):
    op = {"operationId": route.name, "responses": {}}
    if permission is not None:
        # Who may call it (the security package's table): open, or a bearer key whose role
        # holds the permission.
        op["x-permission"] = permission
        op["security"] = [] if permission == "open" else [{"bearer": []}]
    if route.summary:
        op["summary"] = route.summary
    if route.description:
        op["description"] = route.description
    if route.tags:
        op["tags"] = list(route.tags)
    params = []
    for p in route.params:
        params.append({"name": p, "in": "path", "required": True, "schema": {"type": "string"}})
    for q in route.query:
        name, desc, schema, required = q
        params.append({"name": name, "in": "query", "required": bool(required),
                       "description": desc, "schema": schema or {"type": "string"}})
    if params:
        op["parameters"] = params
    if route.body_types is not None:
        content = {}
        for t in route.body_types:
            content[t] = {"schema": {"type": "string", "format": "binary"}}
        op["requestBody"] = {"required": True, "content": content}
    elif route.request_schema is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": route.request_schema}}}
    resp = op["responses"]
    for status in route.responses:
        resp[str(status)] = _response(route.responses[status])
    errors = list(COMMON_ERRORS)
    if route.method in BODY_METHODS:
        errors.extend(BODY_ERRORS)
    if route.params:
        errors.append(404)
    if route.errors:
        errors.extend(route.errors)
    if permission is not None and permission != "open":
        errors.extend((401, 403, 429))
    for status in errors:
        if str(status) not in resp:
            resp[str(status)] = _error_ref(status)
    return op


def build(router, title="QENEX OS API", version="0.0.0", description=None, permission=None):
    """The OpenAPI 3.0.3 document (a dict) for every route of ``router``. ``permission(route)``
    (the HTTP guard's): the permission a route needs ("open": none); the document then has
    the bearer security scheme and each operation its security and x-permission."""
    paths = {}
    for r in router.routes:
        item = paths.get(r.pattern)
        if item is None:
            item = {}
            paths[r.pattern] = item
        item[r.method.lower()] = _operation(r, permission(r) if permission else None)
    info = {"title": title, "version": version}
    if description:
        info["description"] = description
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    doc = {
        "openapi": "3.0.3",
        "info": info,
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, "ErrorDetail": ERROR_DETAIL_SCHEMA},
            "responses": {
                "Error": {"description": "An error", "content": error_content},
                "MethodNotAllowed": {
                    "description": ERROR_DESCRIPTIONS[405],
                    "headers": {"Allow": {"description": "the methods served at this path",
                                          "schema": {"type": "string"}}},
                    "content": error_content},
                "Unavailable": {
                    "description": ERROR_DESCRIPTIONS[503],
                    "headers": {"Retry-After": {"description": "seconds to wait",
                                                "schema": {"type": "integer"}}},
                    "content": error_content},
            },
        },
    }
    if permission is not None:
        doc["components"]["securitySchemes"] = {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "An API key (qx_...) or a session token (qxs_...): "
                           "Authorization: Bearer <token>. Privileged operations also need "
                           "X-QENEX-OTP (a TOTP/HOTP code) or a WebAuthn session. The "
                           "permission table: GET /api/v1/auth/permissions."}}
        doc["security"] = [{"bearer": []}]
    return doc
