# tools/cli.py (qenex-cli) against a fake kernel API on 127.0.0.1: tables, --json, exit codes.
import http.server
import json
import threading

import pytest

from tools import cli

DOCS = {
    "/status": (200, {"system": "QENEX OS", "version": "0.1.0", "uptime_seconds": 42,
                      "components": {"kernel": {"status": "up"},
                                     "disk": {"status": "not present"}}}),
    "/api/v1/metrics/cpu": (200, {"busy_us": 1000, "idle_us": 3000, "busy_percent": 25.0,
                                  "idle_percent": 75.0, "interrupts": 7, "timer_ticks": 4,
                                  "tasks": 2}),
    "/api/v1/metrics/memory": (200, {"heap_used_bytes": 2048, "heap_free_bytes": 1 << 20,
                                     "heap_total_bytes": (1 << 20) + 2048}),
    "/api/v1/metrics/transactions": (200, {"committed": 5, "rejected": 1, "tps": 0,
                                           "wal_bytes": 4096}),
    "/api/v1/debug/memory": (200, {"regions": [{"base": 0, "length": 4096, "type": "usable"}],
                                   "kernel": {"start": 0x100000, "end": 0x200000,
                                              "stack_bytes": 4096},
                                   "heap": {"start": 0, "size": 10, "used": 1, "free": 9,
                                            "total": 10},
                                   "paging": {"pages_4k": 1, "pages_2m": 2, "mapped_bytes": 3,
                                              "table_pages": 4, "table_pages_max": 64},
                                   "dma": {"used": 0, "limit": 100}}),
}


class Handler(http.server.BaseHTTPRequestHandler):
    docs = DOCS

    def do_GET(self):
        missing = (404, {"error": {"code": "not_found", "message": "no such path"}})
        status, doc = self.docs.get(self.path, missing)
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_status_table(server, capsys):
    assert cli.main(["--url", server, "status"]) == 0
    out = capsys.readouterr().out
    assert "QENEX OS 0.1.0" in out and "42 s" in out
    assert "disk" in out and "not present" in out


def test_metrics_tables_and_json(server, capsys):
    assert cli.main(["--url", server, "metrics", "cpu"]) == 0
    assert "25.0%" in capsys.readouterr().out
    assert cli.main(["--url", server, "metrics", "memory"]) == 0
    assert "1.0 MiB" in capsys.readouterr().out
    assert cli.main(["--url", server, "--json", "metrics", "transactions"]) == 0
    assert json.loads(capsys.readouterr().out)["committed"] == 5


def test_debug_memory(server, capsys):
    assert cli.main(["--url", server, "debug", "memory"]) == 0
    out = capsys.readouterr().out
    assert "memory map:" in out and "usable" in out and "4 of 64 table pages" in out


def test_usage_errors_exit_2(capsys):
    assert cli.main(["metrics", "disk"]) == cli.EXIT_USAGE
    assert cli.main([]) == cli.EXIT_USAGE


def test_unreachable_exits_3(capsys):
    assert (cli.main(["--url", "http://127.0.0.1:9", "--timeout", "2", "status"])
            == cli.EXIT_UNREACHABLE)
    assert "cannot reach" in capsys.readouterr().err


def test_http_error_exits_4_with_message(server, capsys, monkeypatch):
    monkeypatch.setattr(Handler, "docs",
                        {"/status": (500, {"error": {"code": "internal", "message": "boom"}})})
    assert cli.main(["--url", server, "status"]) == cli.EXIT_HTTP
    assert "HTTP 500: boom" in capsys.readouterr().err


def test_not_json_exits_5(server, capsys, monkeypatch):
    monkeypatch.setattr(Handler, "docs", {"/status": (200, b"<html>")})
    assert cli.main(["--url", server, "status"]) == cli.EXIT_BAD_ANSWER


def test_component_down_exits_6(server, capsys, monkeypatch):
    doc = {"system": "QENEX OS", "components": {"network": {"status": "down"}}}
    monkeypatch.setattr(Handler, "docs", {"/status": (503, doc)})
    assert cli.main(["--url", server, "status"]) == cli.EXIT_DOWN
    assert "down" in capsys.readouterr().out
