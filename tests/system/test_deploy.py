"""The container's entry point boots the real ISO: deploy/entrypoint.py with TCG, listening on
127.0.0.1 and a free port, creates the ledger disk, and the kernel answers GET /health 200."""
import http.client
import os
import subprocess
import sys
import time

from qemu_console import ISO, REPO, free_port

ENTRY = os.path.join(REPO, "deploy", "entrypoint.py")


def health(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", "/health")
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def test_entrypoint_boots_iso_to_health_200(tmp_path):
    assert os.path.exists(ISO), "%s is missing: run make iso" % ISO
    port = free_port()
    disk = tmp_path / "ledger.img"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QENEX_")}
    env.update(QENEX_ACCEL="tcg", QENEX_ISO=ISO, QENEX_DISK=str(disk), QENEX_DISK_SIZE="64M",
               QENEX_HTTP_PORT=str(port), QENEX_LISTEN="127.0.0.1")
    log = open(tmp_path / "console.log", "wb")
    p = subprocess.Popen([sys.executable, ENTRY], env=env, stdin=subprocess.PIPE, stdout=log,
                         stderr=subprocess.STDOUT)
    try:
        status = body = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and p.poll() is None:
            try:
                status, body = health(port)
                if status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.5)
        out = (tmp_path / "console.log").read_bytes().decode(errors="replace")
        assert status == 200, "no /health 200 (last %r %r); console:\n%s" % (status, body, out)
        assert b'"status": "ok"' in body
        assert "qenex: created %s (%d bytes)" % (disk, 64 << 20) in out
        assert "hostfwd=tcp:127.0.0.1:%d-:8080" % port in out
        assert os.path.getsize(disk) == 64 << 20
        assert p.poll() is None, "QEMU is the entry point's process (exec), still running"
    finally:
        p.terminate()
        p.wait(timeout=30)
        log.close()
