"""Drive a QENEX OS kernel in QEMU over its serial console (pexpect)."""
import io
import os
import re
import sys
import time

import pexpect

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
from tools import qemu  # noqa: E402
from tools.apiclient import Api, admin_key  # noqa: E402

PROMPT = "qenex> "
MAX_LOG_LINES = 20   # kernel log lines a command's echo may follow (cmd)
ISO = os.path.join(REPO, "build", "qenex.iso")
LISTS_ISO = os.path.join(REPO, "build", "qenex-lists.iso")     # with the sanctions lists
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# disk image (or NBD socket) -> the admin API key its first boot printed: later boots of the
# same disk in this test run use it (the kernel prints it only once).
KEYS = {}


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (for QEMU's hostfwd)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Kernel:
    """One QEMU process; `cmd` types a console command and returns its output."""

    def __init__(self, iso=ISO, extra=(), timeout=60, disk=None, http_port=None, nbd=None,
                 login=True):
        assert os.path.exists(iso), "%s is missing: run make iso" % iso
        self.http_port = http_port
        self.disk_id = disk or nbd
        self.api_key = KEYS.get(self.disk_id) if self.disk_id else None
        # At the first prompt, log the console in with the admin key (a disk's console needs
        # a login for all but a few commands; without a disk it is a maintenance console).
        self.login = login
        self.logged_in = False
        cmd = qemu.command(iso, extra, disk=disk, http_port=http_port, nbd=nbd)
        self.started = time.monotonic()
        self.log = io.StringIO()
        self.p = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                               timeout=timeout, dimensions=(50, 200))
        self.p.logfile_read = self.log
        self.prompt_seconds = None

    def wait_prompt(self, timeout=60):
        self.p.expect_exact(PROMPT, timeout=timeout)
        before = self.p.before
        if self.prompt_seconds is None:
            self.prompt_seconds = time.monotonic() - self.started
            self.take_key()
            if self.login and self.api_key and not self.logged_in:
                self.logged_in = True
                out = self.cmd("login " + self.api_key)
                assert "logged in as" in out or "maintenance" in out, out
        return before

    def take_key(self):
        """The admin key, if this boot printed one (a first boot on a blank disk)."""
        key = admin_key(self.output())
        if key is not None:
            self.api_key = key
            if self.disk_id:
                KEYS[self.disk_id] = key
        return self.api_key

    def api(self, timeout=60, key=None):
        """An apiclient.Api to this kernel's HTTP port with the admin key (or ``key``)."""
        return Api(self.http_port, timeout=timeout, key=key or self.api_key)

    def expect(self, pattern, timeout=30):
        self.p.expect(pattern, timeout=timeout)
        return self.p.before + self.p.after

    def send(self, text):
        self.p.send(text)

    def cmd(self, line, timeout=30):
        """Type `line` at the prompt; the output up to the next prompt, echo removed."""
        self.p.send(line + "\r")
        deadline = time.monotonic() + timeout
        seen = []
        for _ in range(MAX_LOG_LINES):
            out = self.wait_prompt(max(deadline - time.monotonic(), 1))
            out = ANSI.sub("", out).replace("\r", "")
            first, _, rest = out.partition("\n")
            if line in first:
                return rest
            # A kernel log line printed (and the prompt redrawn) before the echo of `line`.
            seen.append(out)
        raise AssertionError("echo of %r missing in %r" % (line, seen))

    # ---- the MicroPython REPL (console command `python`) ----
    def repl_enter(self):
        self.p.send("python\r")
        self.p.expect_exact(">>> ")

    def repl_exit(self):
        self.p.send("\x04")  # Ctrl-D returns to the shell
        self.wait_prompt()

    def py(self, line, timeout=30):
        """Run one REPL line; its output without the echo."""
        self.p.send(line + "\r")
        self.p.expect_exact(">>> ", timeout=timeout)
        return self.p.before.replace("\r", "").split("\n", 1)[1].strip()

    def paste(self, source, timeout=120):
        """Run a block of code through the REPL's paste mode; the echo and output."""
        self.p.send("\x05")
        self.p.expect_exact("=== ")
        self.p.send(source.replace("\n", "\r") + "\x04")
        self.p.expect_exact(">>> ", timeout=timeout)
        return self.p.before.replace("\r", "")

    def output(self):
        return self.log.getvalue()

    def alive(self):
        return self.p.isalive()

    def close(self):
        if self.p.isalive():
            self.p.terminate(force=True)
