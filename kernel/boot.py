"""The Python kernel's entry point, called by kernel/port/main.c once the runtime is up.

Order: configuration (a bad file stops the boot with file, line and key; every package's
sections are checked), the heap grown to [kernel] memory_limit, wall-clock time from the RTC,
the scheduler and the console, the devices, the banking packages (kernel/packages.py: each
attaches, then their start-up jobs run before the prompt), the network and the HTTP API with
the packages' routes, then the console's prompt.
"""
import gc
import micropython
import sys

import hw
import time

from drivers import rtc
from kernel import (commands, config, console, devices, memory, network, packages, process,
                    testrunner)

from kernel.version import VERSION
# The console, the network, the HTTP accept loop, one task per connection (<= 100), the
# ledger's committer and maintenance, and one append task per request in flight (<= 64).
MAX_TASKS = 256
DEVICES = None  # kernel.devices.Devices, set at boot (reachable from the REPL)
NETWORK = None  # kernel.network.Network when there is a network device
HTTP = None     # kernel.http.server.Server on [network] port
KERNEL = None   # kernel.packages.Kernel: what the packages attached (.services by name)


class Clock:
    """What the scheduler and the time module need from the hardware."""
    ticks_us = staticmethod(hw.ticks_us)
    idle = staticmethod(hw.idle)
    boot_epoch_s = 0


def halt_on_error(message):
    hw.uart_write(("\r\nboot: %s\r\nboot: halted (fix the configuration and boot again)\r\n"
                   % message).encode())
    while True:
        hw.idle()


def load_config():
    try:
        return config.load(hw.module(config.SYSTEM), hw.module(config.BANKING))
    except config.ConfigError as e:
        halt_on_error("configuration error: %s" % e)


def init_time():
    try:
        epoch = time.timegm(rtc.read_datetime(hw) + (0, 0, 0))
    except (OSError, ValueError) as e:
        hw.uart_write(("boot: RTC unreadable (%s); wall clock starts at 1970\r\n" % e).encode())
        epoch = 0
    Clock.boot_epoch_s = epoch - hw.ticks_us() // 1000000
    time.init(Clock)


class KernelGC:
    """The gc module plus heap_usage(): what the console and the API use for heap figures
    (gc.mem_free() walks the allocation table block by block: ~250 ms on a 256 MiB heap)."""
    heap_usage = staticmethod(hw.heap_usage)
    largest_free = staticmethod(hw.heap_largest_free)
    mem_alloc = staticmethod(gc.mem_alloc)
    mem_free = staticmethod(gc.mem_free)
    collect = staticmethod(gc.collect)
    isenabled = staticmethod(gc.isenabled)
    threshold = staticmethod(gc.threshold)


class _LineWriter:
    """A file-like writer for the test runner that ends lines with CR LF on the console."""

    def __init__(self, sh):
        self.sh = sh
        self.pending = ""

    def write(self, text):
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        for line in lines:
            self.sh.println(line)


async def cmd_selftest(sh, args):
    names = testrunner.discover(hw.archive_files(), args[0] if args else "")
    if not names:
        sh.println("error: no test module matches")
        return
    # Module by module, with a checkpoint between: the console stays responsive and Ctrl-C
    # stops the run.
    out = _LineWriter(sh)
    passed = failed = 0
    for name in names:
        p, f = testrunner.run_module(name, out, hw.ticks_ms)
        passed += p
        failed += f
        await sh.checkpoint()
    out.write(testrunner.summary(passed, failed))


def heap_free():
    """Free heap bytes after a collection (what is really free, not awaiting collection)."""
    gc.collect()
    return hw.heap_usage()[1]


def clock_ns():
    """Wall-clock nanoseconds since 1970: the RTC at boot plus the TSC since."""
    return (Clock.boot_epoch_s * 1000000 + hw.ticks_us()) * 1000


def main():
    cfg = load_config()
    hw.heap_grow(cfg["kernel"]["memory_limit"])
    init_time()
    gc.collect()

    sched = process.Scheduler(Clock, kbd_intr=micropython.kbd_intr, max_tasks=MAX_TASKS)
    sh = console.Console(sched, hw.uart_read, hw.uart_write, hw=hw, gc=KernelGC, version=VERSION,
                         format_config=lambda: config.format_config(cfg))
    sched.reporter = sh.report
    sched.on_interrupt = sh.interrupt
    # The kernel's parts and the banking packages hand over commands, health components,
    # figures and routes the same way: attach(k) (kernel/PACKAGES.md).
    global KERNEL
    KERNEL = packages.Kernel(sched, cfg, None, log=sh.log, clock_ns=clock_ns,
                             ticks_us=hw.ticks_us, heap_free=heap_free, module=hw.module)
    global DEVICES
    DEVICES = devices.Devices(hw, sched, sh.log)
    DEVICES.attach(KERNEL)
    packages.attach_all(KERNEL)
    # Recovery and the like before the prompt and the API: what they report comes first.
    for name, start in KERNEL.before_prompt:
        sched.run_until_complete(start(), name=name)
    global NETWORK
    if DEVICES.nic is not None:
        import net
        NETWORK = network.Network(sched, net, DEVICES.nic, config.network_params(cfg))
        NETWORK.attach(KERNEL)
        global HTTP
        from kernel.http import router, server as http_server
        from kernel import system_api
        routes = router.Router()
        system_api.SystemApi(hw, commands.REGISTRY, sched).install(routes)
        KERNEL.install_routes(routes)       # every package's
        # At most 100 connections (config): lwIP's table holds 128 (net.MAX_CONNS), the rest is
        # headroom for connections being closed; one task each fits the scheduler's MAX_TASKS.
        limits = {"max_connections": cfg["network"]["max_connections"]}
        limits.update(KERNEL.http_limits)
        HTTP = http_server.start(sched, NETWORK.stack, cfg, log=sh.log, router=routes,
                                 limits=limits, guard=KERNEL.http_guard,
                                 providers={"version": VERSION,
                                            "heap": lambda: memory.heap_stats(KernelGC)})
    KERNEL.add_command("selftest", "selftest [PATTERN]",
                       "run the portable test suite inside the kernel", cmd_selftest, nargs=0,
                       max_args=1)
    hw.uart_write(("QENEX OS %s (MicroPython %d.%d.%d), heap %d MiB, booted in %d ms\r\n"
                   % ((VERSION,) + tuple(sys.implementation.version[:3]) +
                      (hw.heap_usage()[2] >> 20, hw.ticks_ms()))).encode())
    sh.spawn()
    sched.run()
