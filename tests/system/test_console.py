# Every console command in the booted kernel, and the errors for bad input.
import re
import time

import pytest

from kernel.version import VERSION


def test_banner_and_prompt(kernel):
    out = kernel.output()
    assert re.search(r"QENEX OS \d+\.\d+\.\d+ \(MicroPython 1\.\d+\.\d+\), heap \d+ MiB, "
                     r"booted in \d+ ms", out)
    assert kernel.prompt_seconds is not None


def test_help_lists_every_command(kernel):
    out = kernel.cmd("help")
    for name in ("help", "status", "uptime",
                 "metrics cpu|memory|transactions|security|compliance", "debug memory",
                 "config show", "python", "reboot", "halt", "selftest",
                 "tasks", "login", "audit", "screening", "screen", "cases", "alerts"):
        assert name in out, name
    assert "usage" in kernel.cmd("help metrics").lower()


def test_status(kernel):
    out = kernel.cmd("status")
    assert "QENEX OS %s" % VERSION in out
    assert re.search(r"uptime:\s+\d+d \d\d:\d\d:\d\d \(\d+ s\)", out)
    assert re.search(r"kernel\s+up", out)
    assert re.search(r"disk\s+not present", out)


def test_uptime_advances(kernel):
    first = int(re.search(r"\((\d+) s\)", kernel.cmd("uptime")).group(1))
    time.sleep(1.2)
    second = int(re.search(r"\((\d+) s\)", kernel.cmd("uptime")).group(1))
    assert second >= first + 1


def test_metrics_cpu(kernel):
    out = kernel.cmd("metrics cpu")
    busy = float(re.search(r"busy:\s+([\d.]+)%", out).group(1))
    idle = float(re.search(r"idle:\s+([\d.]+)%", out).group(1))
    assert 99.0 <= busy + idle <= 101.0
    assert int(re.search(r"timer ticks:\s+(\d+)", out).group(1)) > 100


def test_metrics_memory(kernel):
    out = kernel.cmd("metrics memory")
    total = re.search(r"heap total:\s+([\d.]+) MiB", out)
    assert total and 200 < float(total.group(1)) <= 320  # memory_limit = 320MB in config/
    assert "phys total" in out and "dma used" in out


def test_metrics_transactions_zero_without_ledger(kernel):
    out = kernel.cmd("metrics transactions")
    for key in ("committed", "rejected", "tps", "wal_bytes"):
        assert re.search(key + r":\s+0\b", out), key


def test_debug_memory(kernel):
    out = kernel.cmd("debug memory")
    assert "memory map" in out and "usable" in out
    assert re.search(r"kernel image:\s+0x0000100000-", out)
    assert "page tables:" in out and "dma:" in out and "gc:" in out


def test_config_show(kernel):
    out = kernel.cmd("config show")
    assert "[kernel]" in out and "[transaction]" in out and "[swift]" in out
    assert re.search(r'memory_limit = "320MiB"\s+# system.toml:\d+', out)
    assert re.search(r"max_concurrent = 64\s+# system.toml:\d+", out)


def test_tasks(kernel):
    assert re.search(r"console\s+high\s+running", kernel.cmd("tasks"))


@pytest.mark.parametrize("line,message", [
    ("bogus", "error: unknown command 'bogus' (try 'help')"),
    ("metrics", "error: usage: metrics cpu|memory|transactions|security|compliance"),
    ("metrics disk", "error: usage: metrics cpu|memory|transactions|security|compliance"),
    ("metrics cpu extra", "error: usage: metrics cpu|memory|transactions|security|compliance"),
    ("uptime now", "error: usage: uptime"),
    ("config", "error: usage: config show"),
])
def test_bad_input_gives_one_line_error(kernel, line, message):
    out = kernel.cmd(line).strip()
    assert out == message
    assert "uptime" in kernel.cmd("help")  # still answering


def test_line_editing_and_history(kernel):
    # type "uptimX", backspace, "e": the shell runs "uptime"
    kernel.send("uptimX\x7fe\r")
    out = kernel.wait_prompt()
    assert "up 0d" in out or re.search(r"up \d+d", out)
    # cursor left and insert: "ptime" + Home + "u"
    kernel.send("ptime\x1b[Hu\r")
    assert re.search(r"up \d+d", kernel.wait_prompt())
    # Up arrow recalls the last command
    kernel.send("\x1b[A\r")
    assert re.search(r"up \d+d", kernel.wait_prompt())


def test_ctrl_c_at_prompt(kernel):
    kernel.send("stat\x03")
    kernel.expect(r"\^C")
    kernel.wait_prompt()
    assert "QENEX OS" in kernel.cmd("status")


def test_long_garbage_line(kernel):
    kernel.send("y" * 1500 + "\r")
    out = kernel.wait_prompt(timeout=60)
    assert "error: unknown command" in out
    assert "QENEX OS" in kernel.cmd("status")


def test_selftest_runs_portable_suite_in_kernel(kernel):
    out = kernel.cmd("selftest", timeout=300)
    m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    assert m, out[-2000:]
    assert int(m.group(2)) == 0, out
    assert int(m.group(1)) > 200
    assert "ok   tests.portable.test_toml" in out


def test_ctrl_c_stops_a_long_command_and_console_stays_responsive(kernel):
    kernel.send("selftest\r")
    kernel.expect(r"ok   tests\.portable\.test_config", timeout=60)  # it is running
    kernel.send("\x03")
    out = kernel.expect(r"\^C", timeout=10)
    kernel.wait_prompt(timeout=10)
    assert "passed, " not in out  # stopped before the end
    assert "QENEX OS" in kernel.cmd("status")
