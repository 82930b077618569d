"""The kernel's HTTP/1.1 server (see kernel/http/README.md).

server.start(sched, net, cfg, providers) -> Server   the entry point
request   parsing (HeadScanner, parse_head, Request, HttpError)
response  Response, JSON and error bodies, the response parser for tests
router    Router: method + path patterns with {params}
endpoints /health, /status, /metrics, /api/v1/openapi.json
openapi   the OpenAPI 3.0 document from the router's table
"""
