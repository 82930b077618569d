# tools/apiclient.py against a local HTTP/1.1 server on 127.0.0.1 that can drop a kept-alive
# connection between two requests (as the kernel does after 5 s idle).
import http.client
import http.server
import json
import threading

import pytest

from tools.apiclient import ERRORS, Api


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    drop_after = None          # close the connection after answering this many requests
    seen = []

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        type(self).seen.append((self.command, self.path, self.headers.get("Content-Type"), body))
        if self.path == "/text":
            out = b"not json"
        elif self.path == "/empty":
            out = b""
        else:
            out = json.dumps({"method": self.command, "body": body.decode()}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        self.wfile.flush()
        if type(self).drop_after is not None and len(type(self).seen) >= type(self).drop_after:
            self.close_connection = True    # silently, without Connection: close

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.seen = []
    Handler.drop_after = None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_json_bodies_and_answers(server):
    with Api(server.server_port, timeout=5) as api:
        assert api.request("POST", "/x", {"a": 1}) == (201, {"method": "POST",
                                                              "body": '{"a": 1}'})
        assert api.request("GET", "/text") == (200, b"not json")
        assert api.request("GET", "/empty") == (200, None)
        with pytest.raises(ValueError):
            api.request_json("GET", "/text")
        assert api.raw("POST", "/x", b"raw") == (201, b'{"method": "POST", "body": "raw"}')
    assert Handler.seen[0] == ("POST", "/x", "application/json", b'{"a": 1}')
    assert Handler.seen[1][2] is None          # no body, no Content-Type
    assert Handler.seen[4][3] == b"raw"


def test_marks_are_sent_first_byte_and_end(server):
    api = Api(server.server_port, timeout=5)
    marks = []
    assert api.raw("GET", "/empty", marks=marks)[0] == 200
    assert len(marks) == 3 and marks[0] <= marks[1] <= marks[2]
    api.close()


def test_a_get_on_an_idle_closed_connection_is_sent_again(server):
    Handler.drop_after = 1
    api = Api(server.server_port, timeout=5)
    assert api.request("GET", "/a")[0] == 200
    assert api.request("GET", "/b")[0] == 200     # the first connection was closed
    assert [s[1] for s in Handler.seen] == ["/a", "/b"]
    api.close()


def test_a_post_on_an_idle_closed_connection_is_not_sent_again(server):
    Handler.drop_after = 1
    api = Api(server.server_port, timeout=5)
    assert api.request("GET", "/a")[0] == 200
    with pytest.raises(ERRORS) as e:
        api.request("POST", "/b", {"x": 1})
    assert isinstance(e.value, (http.client.RemoteDisconnected, ConnectionError))
    assert api.conn is None                       # dropped: the next request opens one
    assert api.request("POST", "/c", {"x": 2})[0] == 201
    assert [s[1] for s in Handler.seen] == ["/a", "/c"]
    api.close()


def test_no_server_raises():
    with pytest.raises(ERRORS):
        Api(1, timeout=2).request("GET", "/health")
