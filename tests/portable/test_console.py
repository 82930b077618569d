# Portable tests for kernel/console.py and kernel/commands.py (plain asserts;
# runs on CPython and MicroPython). The shell runs as a real scheduler task
# with a fake clock, fake hardware and scripted input.

from kernel import commands, config
from kernel.commands import Registry
from transaction import package as tx_package
from kernel.console import Console
from kernel.process import Scheduler

MIB = 1024 * 1024
PROMPT = "qenex> "


class FakeClock:
    def __init__(self):
        self.us = 0
        self.idles = 0

    def ticks_us(self):
        return self.us

    def idle(self):
        self.idles += 1
        self.us += 1000


class FakeHW:
    def __init__(self):
        self.cpu = (250000, 750000, 1234, 1000)
        self.repl_calls = 0
        self.reboots = 0
        self.poweroffs = 0

    def cpu_stats(self):
        return self.cpu

    def mem_info(self):
        return {"phys_total": 512 * MIB, "phys_usable": 510 * MIB,
                "kernel_start": 0x100000, "kernel_end": 0x300000,
                "heap_start": 0x400000, "heap_size": 8 * MIB,
                "pages_mapped_4k": 16, "pages_mapped_2m": 256,
                "dma_used": 8192, "dma_limit": 2 * MIB}

    def memmap(self):
        return [(0, 0x9FC00, 1), (0x100000, 511 * MIB, 1), (0xFFFC0000, 0x40000, 2)]

    def repl(self):
        self.repl_calls += 1

    def reboot(self):
        self.reboots += 1

    def poweroff(self):
        self.poweroffs += 1


class FakeGC:
    def mem_alloc(self):
        return 256 * 1024

    def mem_free(self):
        return 768 * 1024


class Script:
    """read(): hands out the scripted chunks, with a few empty reads between
    them (no input yet), then None (input closed). A chunk may be a callable:
    it is called (e.g. to raise KeyboardInterrupt) and its result returned."""

    def __init__(self, chunks, gap=2):
        self.chunks = list(chunks)
        self.gap = gap
        self.wait = gap

    def __call__(self):
        if self.wait > 0:
            self.wait -= 1
            return b""
        self.wait = self.gap
        if not self.chunks:
            return None
        c = self.chunks.pop(0)
        if callable(c):
            return c()
        if isinstance(c, str):
            c = c.encode()
        return c


class Out:
    def __init__(self):
        self.data = bytearray()

    def __call__(self, b):
        assert isinstance(b, (bytes, bytearray))
        self.data += b

    def text(self):
        return bytes(self.data).decode()


def shell(chunks, registry=None, hw="fake", gc="fake", **kw):
    clock = FakeClock()
    sched = Scheduler(clock, reporter=lambda t, e: None)
    out = Out()
    if hw == "fake":
        hw = FakeHW()
    if gc == "fake":
        gc = FakeGC()
    if registry is None:
        registry = Registry()
    con = Console(sched, Script(chunks), out, hw=hw, gc=gc, version="0.1.0",
                  registry=registry, **kw)
    return con, sched, clock, out


def run(chunks, **kw):
    con, sched, clock, out = shell(chunks, **kw)
    con.spawn()
    sched.run()
    assert con.task.state == "done", con.task.state
    return out.text(), con


def lines_of(text):
    """Output split on CR LF; asserts there is no bare LF."""
    assert "\n" not in text.replace("\r\n", ""), repr(text)
    return text.split("\r\n")


def command_output(line, **kw):
    """Lines printed by one command (between its echo and the next prompt)."""
    text, con = run([line + "\r"], **kw)
    ls = lines_of(text)
    assert ls[0] == PROMPT + line, ls
    assert ls[-1] == PROMPT, ls
    return ls[1:-1]


def test_prompt_exact():
    text, con = run([])
    assert text == PROMPT


def test_empty_line_just_prompts_again():
    text, con = run(["\r", "   \r"])
    assert lines_of(text) == [PROMPT, PROMPT + "   ", PROMPT]
    assert con.commands_run == 0


def test_unknown_command():
    out = command_output("foo bar")
    assert out == ["error: unknown command 'foo' (try 'help')"]


def test_help_lists_every_command():
    out = command_output("help")
    assert out[0] == "commands:"
    names = [c.name for c in commands.BUILTIN]
    for n in ("help", "status", "uptime", "metrics", "debug", "config", "python",
              "reboot", "halt", "tasks"):
        assert n in names
    assert len(out) == 1 + len(names)
    for c in commands.BUILTIN:
        row = [ln for ln in out if ln.startswith("  " + c.usage + " ")]
        assert len(row) == 1, c.name
        assert row[0].endswith(c.help)


def tx_registry(figures=dict):
    """A registry with the transaction package's figures registered as its attach() does."""
    reg = Registry()
    reg.register_metrics("transactions", figures, tx_package.FIELDS, "ledger figures",
                         tx_package.FIGURES_SCHEMA, tx_package.PROMETHEUS)
    return reg


def test_help_for_one_command_and_errors():
    assert command_output("help metrics") == [
        "usage: metrics cpu|memory", "  CPU, memory or a package's figures"]
    assert command_output("help metrics", registry=tx_registry()) == [
        "usage: metrics cpu|memory|transactions", "  CPU, memory or a package's figures"]
    assert command_output("help nosuch") == ["error: usage: help [command]"]
    assert command_output("help a b") == ["error: usage: help [command]"]


def test_status_default_components():
    out = command_output("status")
    assert out[0] == "QENEX OS 0.1.0"
    assert out[1].startswith("uptime:") and "(0 s)" in out[1]
    assert out[2] == "memory:       heap 256.0 KiB used of 1.0 MiB (25.0%); physical 512.0 MiB"
    assert out[3] == "tasks:        1 (max 64)"
    assert out[4] == "components:"
    assert out[5:] == ["  kernel      up", "  disk        not present",
                       "  network     not present"]


class NoDevices:
    disk = None


def test_status_ledger_not_present_without_a_disk():
    # The transaction package attached as boot.py does, on a machine without a disk.
    from kernel import packages, process
    reg = Registry()
    k = packages.Kernel(process.Scheduler(FakeClock()), config.defaults(), NoDevices(),
                        log=lambda t: None, clock_ns=lambda: 0, ticks_us=lambda: 0,
                        registry=reg)
    tx_package.attach(k)
    out = command_output("status", registry=reg)
    assert out[5:] == ["  kernel      up", "  disk        not present",
                       "  network     not present", "  ledger      not present"]
    assert [r for r in reg.component_health() if r[0] == "ledger"] == [
        ("ledger", "not present", "", False)]
    assert k.http_limits == {"max_concurrent": 64, "handler_timeout_ms": 30000}


def test_status_registered_and_failing_components():
    reg = Registry()
    reg.register_component("disk", lambda: ("up", "virtio-blk 64.0 MiB"))

    def broken():
        raise OSError("no reply")

    reg.register_component("watchdog", broken)
    reg.register_component("ledger", lambda: ("down", "x" * 100))
    reg.register_component("odd", lambda: ("fine", ""))
    out = command_output("status", registry=reg)
    comp = out[out.index("components:") + 1:]
    assert comp[0] == "  kernel      up"
    assert comp[1] == "  disk        up (virtio-blk 64.0 MiB)"
    assert comp[2] == "  network     not present"
    assert comp[3] == "  watchdog    down: error: OSError: no reply"
    assert comp[4] == "  ledger      down: " + "x" * 51 + "..."
    assert comp[5] == "  odd         down: error: ValueError: unknown state 'fine'"
    reg.unregister_component("disk")
    reg.unregister_component("watchdog")
    reg.unregister_component("nothing")
    reg.unregister_component("odd")
    names = [n for n, t in reg.component_status()]
    assert names == ["kernel", "disk", "network", "ledger"]
    assert reg.component_status()[1] == ("disk", "not present")


def test_status_without_hw_or_gc():
    out = command_output("status", hw=None, gc=None)
    assert out[2] == "memory:       heap unknown used of unknown (-)"


def test_component_limit():
    reg = Registry()
    for i in range(commands.MAX_COMPONENTS - len(commands.DEFAULT_COMPONENTS)):
        reg.register_component("c%d" % i, lambda: ("up", ""))
    raised = False
    try:
        reg.register_component("one-too-many", lambda: ("up", ""))
    except RuntimeError:
        raised = True
    assert raised
    reg.register_component("c0", lambda: ("up", "replaced"))  # replacing is fine
    assert ("c0", "up (replaced)") in reg.component_status()


def test_module_level_registry_helpers():
    commands.register_component("test-component", lambda: ("starting", "fine"))
    try:
        assert ("test-component", "starting: fine") in commands.REGISTRY.component_status()
    finally:
        commands.unregister_component("test-component")
    assert "test-component" not in [n for n, t in commands.REGISTRY.component_status()]
    commands.REGISTRY.register_metrics("testfigures", lambda: {"n": 3, "s": "x"}, ("n",), "t")
    try:
        assert commands.REGISTRY.metrics("testfigures") == {"n": 3}
        raised = False
        try:
            commands.REGISTRY.register_metrics("testfigures", dict, (), "again")
        except ValueError:
            raised = True
        assert raised
    finally:
        commands.REGISTRY.unregister_metrics("testfigures")
    assert "testfigures" not in commands.REGISTRY.metric_kinds()


def test_uptime():
    con, sched, clock, out = shell(["uptime\r"])
    clock.us = (86400 + 2 * 3600 + 3 * 60 + 4) * 1000000 + 999999
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert ls[1] == "up 1d 02:03:04 (93784 s)"
    assert commands.fmt_duration(59) == "0d 00:00:59"
    assert commands.fmt_duration(3600 * 24 * 400) == "400d 00:00:00"


def test_uptime_extra_argument():
    assert command_output("uptime now") == ["error: usage: uptime"]


def test_metrics_cpu():
    text, con = run(["metrics cpu\r", "metrics cpu\r"])
    ls = lines_of(text)
    assert "busy:         25.0% since boot" in ls
    assert "idle:         75.0% since boot" in ls
    assert "busy time:    250.0 ms" in ls
    assert "idle time:    750.0 ms" in ls
    assert "interrupts:   1234" in ls
    assert "timer ticks:  1000" in ls
    assert "busy (last):  -" not in ls
    assert len([ln for ln in ls if ln.startswith("busy (last):")]) == 1  # second call only
    assert len([ln for ln in ls if ln.startswith("scheduler:")]) == 2


def test_metrics_cpu_since_last_sample():
    con, sched, clock, out = shell(["metrics cpu\r", "metrics cpu\r"])
    hw = con.hw
    orig = hw.cpu_stats
    calls = []

    def stats():
        calls.append(1)
        if len(calls) == 1:
            return (100000, 900000, 10, 1000)
        return (100000 + 50000, 900000 + 50000, 20, 1100)

    hw.cpu_stats = stats
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert "busy (last):  50.0% over the last 100.0 ms" in ls
    hw.cpu_stats = orig


def test_metrics_cpu_without_hw():
    out = command_output("metrics cpu", hw=None)
    assert out[0] == "cpu:          unknown (no hardware statistics)"
    assert out[1].startswith("scheduler:")


def test_metrics_memory():
    out = command_output("metrics memory")
    assert "heap used:      256.0 KiB (25.0%)" in out
    assert "heap free:      768.0 KiB" in out
    assert "heap total:     1.0 MiB" in out
    assert "phys total:     512.0 MiB" in out


def test_metrics_transactions_default_and_provider():
    out = command_output("metrics transactions", registry=tx_registry())
    assert out == ["committed:    0", "rejected:     0", "tps:          0", "wal_bytes:    0"]
    reg = tx_registry(lambda: {"committed": 10, "rejected": 2, "tps": 5, "wal_bytes": 4096})
    out = command_output("metrics transactions", registry=reg)
    assert out == ["committed:    10", "rejected:     2", "tps:          5", "wal_bytes:    4096"]


def test_metrics_usage_errors():
    usage = ["error: usage: metrics cpu|memory|transactions"]
    reg = tx_registry()
    assert command_output("metrics", registry=reg) == usage
    assert command_output("metrics disk", registry=reg) == usage
    assert command_output("metrics cpu extra", registry=reg) == usage
    assert command_output("metrics   memory   now", registry=reg) == usage
    assert command_output("metrics transactions") == ["error: usage: metrics cpu|memory"]


def test_metrics_transactions_provider_failure_is_one_error_line():
    def broken():
        raise RuntimeError("ledger offline")

    reg = tx_registry(broken)
    assert command_output("metrics transactions", registry=reg) == [
        "error: RuntimeError: ledger offline"]


def test_debug_memory():
    out = command_output("debug memory")
    assert out[0] == "memory map (3 regions):"
    assert "  total usable: 2 regions, 511.6 MiB" in out
    assert "kernel image:   0x0000100000-0x0000300000 (2.0 MiB)" in out
    assert "page tables:    16 x 4 KiB + 256 x 2 MiB pages mapped (512.0 MiB)" in out
    assert "dma:            used 8.0 KiB of 2.0 MiB (0.3%)" in out
    assert [ln for ln in out if ln.startswith("gc:")]
    assert [ln for ln in out if ln.startswith("heap:")]


def test_debug_usage():
    assert command_output("debug") == ["error: usage: debug memory"]
    assert command_output("debug cpu") == ["error: usage: debug memory"]


def test_config_show():
    text = "[kernel]\nheap_mb = 64\r\n[ledger]\nwal = \"/wal\""
    out = command_output("config show", format_config=lambda: text)
    assert out == ["[kernel]", "heap_mb = 64", "[ledger]", "wal = \"/wal\""]
    assert command_output("config show") == ["no configuration loaded"]
    assert command_output("config") == ["error: usage: config show"]
    assert command_output("config dump") == ["error: usage: config show"]

    def broken():
        raise ValueError("bad key at line 3")

    assert command_output("config show", format_config=broken) == [
        "error: ValueError: bad key at line 3"]


def test_python_calls_repl_with_hint():
    con, sched, clock, out = shell(["python\r", "uptime\r"])
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert ls[1] == "MicroPython REPL; Ctrl-D on an empty line returns to the qenex shell"
    assert ls[2] == PROMPT + "uptime"
    assert con.hw.repl_calls == 1
    assert command_output("python", hw=None) == ["error: RuntimeError: no Python REPL available"]
    assert command_output("python now") == ["error: usage: python"]


def test_python_injected_repl_overrides_hw():
    called = []
    command_output("python", repl=lambda: called.append(1))
    assert called == [1]


def test_reboot_and_halt_call_hooks():
    con, sched, clock, out = shell(["reboot\r", "halt\r"])
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert "rebooting..." in ls and "halting..." in ls
    assert con.hw.reboots == 1 and con.hw.poweroffs == 1
    hooks = []
    command_output("reboot", reboot=lambda: hooks.append("r"))
    command_output("halt", halt=lambda: hooks.append("h"))
    assert hooks == ["r", "h"]
    assert command_output("reboot", hw=None) == ["error: RuntimeError: reboot not available"]
    assert command_output("halt", hw=None) == ["error: RuntimeError: halt not available"]


def test_tasks_lists_scheduler_tasks():
    con, sched, clock, out = shell(["tasks\r"])

    async def background():
        await sched.sleep_ms(1000)

    sched.spawn(background(), "ledger-writer", 1)
    con.spawn()
    sched.run(until=con.task)
    ls = lines_of(out.text())
    assert ls[1].split() == ["ID", "NAME", "PRIO", "STATE", "RUNS", "CPU", "ms"]
    rows = [ln.split() for ln in ls[2:4]]
    assert rows[0][0] == "1" and rows[0][1] == "ledger-writer" and rows[0][2] == "low"
    assert rows[0][3] == "sleeping"
    assert rows[1][1] == "console" and rows[1][2] == "high" and rows[1][3] == "running"
    assert ls[4] == "2 tasks (max 64); finished 0, failed 0, cancelled 0"
    assert command_output("tasks all") == ["error: usage: tasks"]


def test_command_exception_does_not_kill_shell():
    reg = Registry()

    async def boom(sh, args):
        sh.println("before")
        raise ValueError("boom")

    async def silent(sh, args):
        raise KeyError("k")

    async def nomsg(sh, args):
        raise RuntimeError()

    reg.register_command("boom", "boom", "raise", boom)
    reg.register_command("silent", "silent", "raise", silent)
    reg.register_command("nomsg", "nomsg", "raise", nomsg)
    text, con = run(["boom\r", "silent\r", "nomsg\r", "uptime\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "before"
    assert ls[2] == "error: ValueError: boom"
    assert ls[4] in ("error: KeyError: 'k'", "error: KeyError: k")  # CPython, MicroPython
    assert ls[6] == "error: RuntimeError"
    assert ls[8].startswith("up ")
    assert con.errors == 3


def test_register_command_with_args_and_duplicates():
    reg = Registry()
    seen = []

    async def echo(sh, args):
        seen.append(args)
        sh.println(" ".join(args))

    reg.register_command("echo", "echo WORD...", "print words", echo, nargs=1, max_args=8)
    assert command_output("echo a  b", registry=reg) == ["a b"]
    assert command_output("echo", registry=reg) == ["error: usage: echo WORD..."]
    raised = False
    try:
        reg.register_command("status", "status", "dup", echo)
    except ValueError:
        raised = True
    assert raised
    helped = command_output("help", registry=reg)
    assert [ln for ln in helped if ln.startswith("  echo WORD...")]


def test_ctrl_c_byte_at_prompt():
    text, con = run(["half\x03", "uptime\r"])
    ls = lines_of(text)
    assert ls[0] == PROMPT + "half^C"
    assert ls[1] == PROMPT + "uptime"
    assert con.commands_run == 1


def test_keyboard_interrupt_while_waiting_for_input():
    def ctrl_c():
        raise KeyboardInterrupt()

    text, con = run(["sta", ctrl_c, "uptime\r"])
    ls = lines_of(text)
    assert ls[0] == PROMPT + "sta^C"
    assert ls[1] == PROMPT + "uptime"
    assert ls[2].startswith("up ")


def test_keyboard_interrupt_inside_command():
    reg = Registry()

    async def interrupted(sh, args):
        sh.println("working")
        raise KeyboardInterrupt()

    reg.register_command("work", "work", "long job", interrupted)
    text, con = run(["work\r", "uptime\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "working"
    assert ls[2] == "^C"
    assert ls[3] == PROMPT + "uptime"


def test_interrupt_from_loop_stops_long_command_at_checkpoint():
    reg = Registry()
    progress = []

    async def long_job(sh, args):
        for i in range(1000):
            progress.append(i)
            sh.sched.clock.us += 2000      # 2 ms of work per step
            if i == 20:
                sh.sched.on_interrupt()    # as the loop does for a Ctrl-C elsewhere
            await sh.checkpoint()
        sh.println("finished")

    reg.register_command("long", "long", "long job", long_job)
    text, con = run(["long\r", "uptime\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "^C"
    assert "finished" not in ls
    assert len(progress) == 21
    assert ls[2] == PROMPT + "uptime"


def test_interrupt_while_idle_at_prompt_redraws():
    # The loop catches a Ctrl-C (KeyboardInterrupt) while the console waits
    # for input and reports it through sched.on_interrupt.
    box = []

    def ctrl_c_in_loop():
        box[0].sched.on_interrupt()
        return b""

    con, sched, clock, out = shell(["abc", ctrl_c_in_loop, "uptime\r"])
    box.append(con)
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert ls[0] == PROMPT + "abc^C"
    assert ls[1] == PROMPT + "uptime"


def test_long_command_cooperates_with_other_tasks():
    reg = Registry()
    ticks = []

    async def other():
        for i in range(5):
            ticks.append(i)
            await sched.yield_now()

    async def long_job(sh, args):
        for i in range(50):
            sh.sched.clock.us += 1000
            await sh.checkpoint()
        sh.println("ticks during job: %d" % len(ticks))

    reg.register_command("long", "long", "long job", long_job)
    con, sched, clock, out = shell(["long\r"], registry=reg)
    con.spawn()
    sched.spawn(other(), "other", 3)
    sched.run()
    ls = lines_of(out.text())
    assert ls[1] == "ticks during job: 5"


def test_ctrl_d_on_empty_line_prints_hint():
    text, con = run(["\x04", "uptime\r"])
    ls = lines_of(text)
    assert ls[0] == PROMPT
    assert ls[1] == "(this is the kernel shell: use 'halt' or 'reboot' to leave)"
    assert ls[2] == PROMPT + "uptime"


def test_type_ahead_two_commands_in_one_chunk():
    text, con = run(["uptime\ruptime\r"])
    ls = lines_of(text)
    assert ls[0] == PROMPT + "uptime"
    assert ls[1].startswith("up ")
    assert ls[2] == PROMPT + "uptime"
    assert ls[3].startswith("up ")
    assert ls[4] == PROMPT
    assert con.commands_run == 2


def test_line_editing_reaches_commands():
    text, con = run(["uptme\x1b[D\x1b[Di\r"])
    ls = lines_of(text)
    assert ls[1].startswith("up ")


def test_tab_completion_in_console():
    text, con = run(["upt\t\r", "metrics t\t\r"], registry=tx_registry())
    ls = lines_of(text)
    assert ls[0] == PROMPT + "uptime "
    assert ls[1].startswith("up ")
    assert ls[2] == PROMPT + "metrics transactions "
    assert ls[3] == "committed:    0"


def test_complete_function():
    c = commands.complete
    assert c("") == [x.name + " " for x in commands.BUILTIN]
    assert c("he") == ["help "]
    assert c("  he") == ["  help "]
    assert c("metrics ") == ["metrics cpu ", "metrics memory "]
    assert c("metrics ", tx_registry()) == ["metrics cpu ", "metrics memory ",
                                            "metrics transactions "]
    assert c("metrics m") == ["metrics memory "]
    assert c("metrics cpu ") == []
    assert c("uptime ") == []
    assert c("nosuch x") == []
    assert c("zz") == []


def test_console_idles_while_waiting_for_input():
    con, sched, clock, out = shell(["uptime\r"])
    con.read.gap = con.read.wait = 10
    con.spawn()
    sched.run()
    assert clock.idles >= 10


def test_output_lines_end_with_crlf():
    reg = Registry()

    async def multiline(sh, args):
        sh.println("a\nb\r\nc")

    reg.register_command("multi", "multi", "print lines", multiline)
    text, con = run(["multi\r", "help\r", "status\r", "debug memory\r", "metrics cpu\r",
                     "tasks\r", "nosuch\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1:4] == ["a", "b", "c"]


def test_shell_survives_internal_error():
    # A completer that raises is a bug in the shell: reported, shell goes on.
    con, sched, clock, out = shell(["x\t", "uptime\r"])

    def broken(before):
        raise IndexError("oops")

    con.editor.complete = broken
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert "error: console: IndexError: oops" in "\r\n".join(ls)
    assert [ln for ln in ls if ln.startswith("up ")]
    assert con.task.state == "done"


def test_console_task_can_be_cancelled():
    con, sched, clock, out = shell([])
    con.read.gap = con.read.wait = 10 ** 9   # never any input
    t = con.spawn()
    for i in range(5):
        sched.run_once()
    t.cancel()
    sched.run()
    assert t.state == "cancelled"


def test_on_interrupt_is_installed():
    con, sched, clock, out = shell([])
    con.spawn()
    sched.run()
    assert sched.on_interrupt == con.interrupt


def _long_job_registry(progress, steps=200):
    reg = Registry()

    async def long_job(sh, args):
        for i in range(steps):
            progress.append(i)
            sh.sched.clock.us += 1000      # 1 ms of work per iteration
            await sh.checkpoint()
        sh.println("finished")

    reg.register_command("long", "long", "long job", long_job)
    return reg


def test_ctrl_c_byte_during_command_stops_it_at_checkpoint():
    progress = []
    reg = _long_job_registry(progress)
    # "long" starts; the next chunk (read at a checkpoint) holds a Ctrl-C
    # followed by type-ahead that must survive.
    text, con = run(["long\r", "junk\x03upt", "ime\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "^C", ls
    assert "finished" not in ls
    assert len(progress) < 200
    assert ls[2] == PROMPT + "uptime"
    assert ls[3].startswith("up ")


def test_type_ahead_during_command_runs_afterwards():
    progress = []
    reg = _long_job_registry(progress, steps=100)
    text, con = run(["long\r", "upt", "ime\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "finished"
    assert len(progress) == 100
    assert ls[2] == PROMPT + "uptime"
    assert ls[3].startswith("up ")


def test_type_ahead_is_bounded():
    from kernel import console as console_mod
    progress = []
    reg = _long_job_registry(progress, steps=100)
    big = "x" * (console_mod.TYPEAHEAD_MAX - 10)
    text, con = run(["long\r", big, "y" * 50, "\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "finished"
    # The chunk that did not fit was dropped; the shell still works.
    assert "y" not in ls[2]
    assert ls[2].startswith(PROMPT + "xxxx")


def test_input_closed_during_command():
    progress = []
    reg = _long_job_registry(progress, steps=60)
    text, con = run(["long\r"], registry=reg)
    ls = lines_of(text)
    assert ls[1] == "finished"
    assert con.task.state == "done"


def test_short_checkpointing_command_does_not_read_input():
    reads = []
    reg = Registry()

    async def quick(sh, args):
        for i in range(100):
            await sh.checkpoint()      # the clock does not move: no slice end
        sh.println("quick done")

    reg.register_command("quick", "quick", "quick job", quick)
    con, sched, clock, out = shell(["quick\r"], registry=reg)
    orig = con.read

    def counting():
        reads.append(1)
        return orig()

    con.read = counting
    con.spawn()
    sched.run()
    ls = lines_of(out.text())
    assert ls[1] == "quick done"
    assert len(reads) < 20


def test_log_and_report_above_the_prompt():
    box = []

    async def failing():
        raise ValueError("disk on fire")

    def spawn_failure():
        con = box[0]
        con.sched.spawn(failing(), "disk-driver")
        return b""

    con, sched, clock, out = shell(["sta", spawn_failure, "tus\r"])
    box.append(con)
    sched.reporter = con.report
    con.spawn()
    sched.run()
    text = out.text()
    assert "task 2 'disk-driver' failed:" in text
    assert "ValueError: disk on fire" in text
    # The half-typed line was redrawn after the report and completed.
    assert "\x1b[K" in text
    assert "QENEX OS 0.1.0" in text
    assert con.errors == 0


def test_log_during_command_just_prints():
    reg = Registry()

    async def chatty(sh, args):
        sh.log("background says hi\n")
        sh.println("done")

    reg.register_command("chatty", "chatty", "log", chatty)
    out = command_output("chatty", registry=reg)
    assert out == ["background says hi", "done"]
