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

PROMPT = "qenex> "
MAX_LOG_LINES = 20   # kernel log lines a command's echo may follow (cmd)
ISO = os.path.join(REPO, "build", "qenex.iso")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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

    def __init__(self, iso=ISO, extra=(), timeout=60, disk=None, http_port=None, nbd=None):
        assert os.path.exists(iso), "%s is missing: run make iso" % iso
        self.http_port = http_port
        cmd = qemu.command(iso, extra, disk=disk, http_port=http_port, nbd=nbd)
        self.started = time.monotonic()
        self.log = io.StringIO()
        self.p = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                               timeout=timeout, dimensions=(50, 200))
        self.p.logfile_read = self.log
        self.prompt_seconds = None

    def wait_prompt(self, timeout=60):
        self.p.expect_exact(PROMPT, timeout=timeout)
        if self.prompt_seconds is None:
            self.prompt_seconds = time.monotonic() - self.started
        return self.p.before

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
