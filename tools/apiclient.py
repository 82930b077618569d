"""The host side's client of the kernel's HTTP API (tools/crashtest.py, tools/soak_memory.py,
tools/bench_ledger.py, the system tests): one keep-alive connection to 127.0.0.1 with JSON
bodies. Not for the HTTP server's own protocol tests (tests/system/test_http.py,
tests/host/test_http_host.py): those need the raw http.client.

    api = Api(port, key=KEY)      # KEY: the `admin api key:` line of the first boot
    status, doc = api.request("POST", "/api/v1/accounts", {"id": "A", "currency": "USD"})
    api.close()
"""
import http.client
import json
import re
import time

# The line the kernel prints once, at the first boot on a blank disk (security/AUTH.md).
KEY_LINE = re.compile(r"admin api key: (qx_[0-9a-f]{16}_[0-9a-f]{64})")


def admin_key(console_text):
    """The admin API key in the console's output of a first boot, or None."""
    m = KEY_LINE.search(console_text)
    return m.group(1) if m else None

# What a request raises when no whole answer came back.
ERRORS = (OSError, http.client.HTTPException)
# What a kept-alive connection the server closed while idle raises on its next request.
_IDLE_CLOSED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Api:
    """One keep-alive connection to the kernel (one per thread). The connection opens at the
    first request and again after an error or a `Connection: close` answer."""

    def __init__(self, port, timeout=60, host="127.0.0.1", key=None):
        self.key = key          # an API key: sent as Authorization: Bearer KEY
        self.host = host
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.used = False       # the connection has carried a whole exchange already

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def raw(self, method, path, body=None, headers=None, marks=None):
        """(status, body bytes). `body`: bytes as they are, else JSON-encoded. `marks`:
        a list that gets time.perf_counter() when the request was sent, at the answer's
        status line and when its body was read. Raises one of ERRORS when no whole answer
        came back (the connection is dropped then). A GET on a kept-alive connection the
        kernel closed while idle (it does after 5 s) is sent again on a new one, once."""
        data = body
        h = {}
        if body is not None:
            if not isinstance(body, bytes):
                data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.key:
            h["Authorization"] = "Bearer " + self.key
        h.update(headers or {})
        try:
            return self._exchange(method, path, data, h, marks)
        except _IDLE_CLOSED:
            if method != "GET" or not self._reused:
                raise
        return self._exchange(method, path, data, h, marks)

    def _exchange(self, method, path, data, headers, marks):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.used = False
        self._reused = self.used
        try:
            self.conn.request(method, path, body=data, headers=headers)
            if marks is not None:
                marks.append(time.perf_counter())
            r = self.conn.getresponse()
            if marks is not None:
                marks.append(time.perf_counter())
            out = r.read()
            if marks is not None:
                marks.append(time.perf_counter())
        except BaseException:
            self.close()
            raise
        self.used = True
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return r.status, out

    def request(self, method, path, body=None, headers=None):
        """(status, the parsed JSON answer, None when empty, or the raw bytes when it is not
        JSON)."""
        status, out = self.raw(method, path, body, headers)
        try:
            return status, json.loads(out) if out else None
        except ValueError:
            return status, out

    def request_json(self, method, path, body=None, headers=None):
        """(status, the parsed JSON answer or None when empty); ValueError when the answer is
        not JSON."""
        status, out = self.raw(method, path, body, headers)
        return status, json.loads(out) if out else None
