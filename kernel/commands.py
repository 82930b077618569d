"""The console's command table, and the registry the kernel's parts and packages plug into.

Every handler is ``async def handler(sh, args)``: ``sh`` is the running
kernel.console.Console (output with ``sh.println``, cooperation with
``await sh.checkpoint()``, injected objects as ``sh.hw``, ``sh.gc``, ...),
``args`` the words after the command name. A handler raises UsageError for
bad arguments; any other exception becomes one ``error:`` line.

Registry (module-level ``REGISTRY``; packages reach it through kernel/packages.py):
``register_component(name, health, required)`` adds a health component (`status`,
/health, /status, Prometheus): ``health()`` returns (state, detail) with state one of
STATES; ``register_metrics(kind, ...)`` adds `metrics KIND` and its HTTP and Prometheus
forms; ``register_command(...)`` adds a command.
"""

try:
    from kernel import memory
except ImportError:  # installed flat in the kernel image
    import memory

MAX_COMPONENTS = 32
MAX_EXTRA_COMMANDS = 32
MAX_METRIC_KINDS = 8
STATUS_MAX = 60          # characters of a component status shown
UP = "up"
STARTING = "starting"
DOWN = "down"
NOT_PRESENT = "not present"
STATES = (UP, STARTING, DOWN, NOT_PRESENT)
DEFAULT_COMPONENTS = ("kernel", "disk", "network")
BUILTIN_METRICS = ("cpu", "memory")


def health_text(state, detail=""):
    """The one-line form of a component's health: "up", "up (3 accounts)", "down: reason"."""
    if not detail:
        return state
    if state == UP:
        return "up (%s)" % detail
    return "%s: %s" % (state, detail)


class UsageError(Exception):
    """Wrong, missing or extra arguments: the console prints the usage."""


class Command:
    def __init__(self, name, usage, help, handler, subcommands=None, nargs=0, max_args=None):
        self.name = name
        self.usage = usage
        self.help = help
        self.handler = handler
        self.subcommands = subcommands
        self.nargs = nargs
        self.max_args = nargs if max_args is None else max_args

    def choices(self, registry):
        """The subcommands: a tuple, or ``subcommands(registry)`` when they depend on what is
        registered (`metrics` takes the packages' kinds)."""
        if callable(self.subcommands):
            return self.subcommands(registry)
        return self.subcommands

    def usage_for(self, registry):
        if callable(self.subcommands):
            return self.name + " " + "|".join(self.choices(registry))
        return self.usage

    def check(self, args, registry=None):
        """Raise UsageError unless ``args`` fit this command."""
        subs = self.choices(registry)
        if subs is not None:
            if len(args) != 1 or args[0] not in subs:
                raise UsageError(self.usage_for(registry))
        elif not (self.nargs <= len(args) <= self.max_args):
            raise UsageError(self.usage)


class Metrics:
    """One registered kind of figures (see Registry.register_metrics)."""

    def __init__(self, kind, figures, fields, help, schema, prometheus):
        self.kind = kind
        self.figures = figures
        self.fields = tuple(fields)
        self.help = help
        self.schema = schema
        self.prometheus = tuple(prometheus)

    def numbers(self):
        """The figures: every field (0 when missing) and every other integer given; the
        provider's errors pass through."""
        out = {}
        for k in self.fields:
            out[k] = 0
        got = self.figures()
        for k in got:
            v = got[k]
            if isinstance(v, int) and not isinstance(v, bool):
                out[k] = v
        return out


class Registry:
    """Components (health), metric kinds and extra commands. Bounded; names are plain
    strings."""

    def __init__(self):
        # ``async guard(sh, name, args)`` -> None or the refusal to print (the security
        # package's access control; kernel/packages.py set_console_guard). None: no checks.
        self.guard = None
        self._order = []
        self._health = {}
        self._required = {}
        for name in DEFAULT_COMPONENTS:
            self._order.append(name)
            self._health[name] = None
            self._required[name] = False
        self._health["kernel"] = _kernel_up
        self._required["kernel"] = True
        self._metrics = []
        self.extra_commands = []

    def register_component(self, name, health, required=False):
        """``health()`` returns (state, detail): state one of STATES, detail a short text.
        ``required``: /health is 503 unless the component is up (otherwise only a component
        that is present and not up makes it 503)."""
        assert callable(health)
        name = str(name)
        if name not in self._health:
            if len(self._order) >= MAX_COMPONENTS:
                raise RuntimeError("too many components (%d)" % MAX_COMPONENTS)
            self._order.append(name)
        self._health[name] = health
        self._required[name] = bool(required)

    def unregister_component(self, name):
        if name in DEFAULT_COMPONENTS:
            self._health[name] = None
            self._required[name] = name == "kernel"
        elif name in self._health:
            del self._health[name]
            del self._required[name]
            self._order.remove(name)

    def component_health(self):
        """[(name, state, detail, required)] in registration order; a failing or malformed
        health function shows as down with the error, never raises."""
        rows = []
        for name in self._order:
            fn = self._health[name]
            if fn is None:
                state, detail = NOT_PRESENT, ""
            else:
                try:
                    state, detail = fn()
                    if state not in STATES:
                        raise ValueError("unknown state %r" % (state,))
                    detail = str(detail) if detail else ""
                except Exception as e:
                    state, detail = DOWN, "error: " + exc_text(e)
            rows.append((name, state, detail, self._required[name]))
        return rows

    def component_status(self):
        """[(name, text)] for `status`: the health as one line, shortened."""
        rows = []
        for name, state, detail, _req in self.component_health():
            text = health_text(state, detail)
            if len(text) > STATUS_MAX:
                text = text[:STATUS_MAX - 3] + "..."
            rows.append((name, text))
        return rows

    def register_metrics(self, kind, figures, fields, help, schema=None, prometheus=()):
        """``figures()`` returns {name: number}. `metrics KIND` prints ``fields`` (each
        always, 0 when missing); /api/v1/metrics/KIND (``schema`` in the OpenAPI document)
        and /status answer every number; ``prometheus``: ((figure, metric name, type, help),
        ...) in /metrics."""
        assert callable(figures) and kind not in BUILTIN_METRICS
        for m in self._metrics:
            if m.kind == kind:
                raise ValueError("metrics exist: %s" % kind)
        if len(self._metrics) >= MAX_METRIC_KINDS:
            raise RuntimeError("too many metric kinds (%d)" % MAX_METRIC_KINDS)
        self._metrics.append(Metrics(kind, figures, fields, help, schema, prometheus))

    def unregister_metrics(self, kind):
        self._metrics = [m for m in self._metrics if m.kind != kind]

    def metric_kinds(self):
        return tuple(m.kind for m in self._metrics)

    def metric_sets(self):
        return tuple(self._metrics)

    def metrics(self, kind):
        """The figures of ``kind`` (Metrics.numbers). Raises KeyError for an unknown kind."""
        for m in self._metrics:
            if m.kind == kind:
                return m.numbers()
        raise KeyError(kind)

    def register_command(self, name, usage, help, handler, subcommands=None, nargs=0,
                         max_args=None):
        """Add a console command (``async def handler(sh, args)``)."""
        if find(name, self) is not None:
            raise ValueError("command exists: %s" % name)
        if len(self.extra_commands) >= MAX_EXTRA_COMMANDS:
            raise RuntimeError("too many commands (%d)" % MAX_EXTRA_COMMANDS)
        self.extra_commands.append(Command(name, usage, help, handler, subcommands, nargs,
                                           max_args))


def _kernel_up():
    return (UP, "")


def exc_text(e):
    """'ExcType: message' (or just 'ExcType' when there is no message)."""
    msg = str(e)
    name = type(e).__name__
    return name + ": " + msg if msg else name


REGISTRY = Registry()


def register_component(name, health, required=False):
    REGISTRY.register_component(name, health, required)


def unregister_component(name):
    REGISTRY.unregister_component(name)


def register_command(name, usage, help, handler, subcommands=None, nargs=0, max_args=None):
    REGISTRY.register_command(name, usage, help, handler, subcommands, nargs, max_args)


# ---- formatting helpers --------------------------------------------------------

def fmt_duration(secs):
    """'3d 04:05:06'."""
    secs = int(secs)
    d = secs // 86400
    r = secs % 86400
    return "%dd %02d:%02d:%02d" % (d, r // 3600, (r // 60) % 60, r % 60)


def fmt_ms(us):
    """Microseconds as milliseconds with one decimal."""
    return "%d.%d" % (us // 1000, (us // 100) % 10)


def _kv(label, value):
    return "%-13s %s" % (label + ":", value)


# ---- handlers ------------------------------------------------------------------

async def cmd_help(sh, args):
    if args:
        c = find(args[0], sh.registry)
        if c is None:
            raise UsageError("help [command]")
        sh.println("usage: " + c.usage_for(sh.registry))
        sh.println("  " + c.help)
        return
    sh.println("commands:")
    for c in all_commands(sh.registry):
        sh.println("  %-34s %s" % (c.usage_for(sh.registry), c.help))


async def cmd_status(sh, args):
    sh.println("%s %s" % (sh.system_name, sh.version))
    up_us = sh.uptime_us()
    sh.println(_kv("uptime", "%s (%d s)" % (fmt_duration(up_us // 1000000), up_us // 1000000)))
    used, free, total = memory.heap_stats(sh.gc)
    mem = "heap %s used of %s (%s)" % (memory.fmt_size(used), memory.fmt_size(total),
                                       memory.fmt_percent(used, total))
    if sh.hw is not None:
        info = sh.hw.mem_info() or {}
        mem += "; physical %s" % memory.fmt_size(info.get("phys_total"))
    sh.println(_kv("memory", mem))
    sh.println(_kv("tasks", "%d (max %d)" % (sh.sched.task_count(), sh.sched.max_tasks)))
    sh.println("components:")
    for name, text in sh.registry.component_status():
        sh.println("  %-11s %s" % (name, text))


async def cmd_uptime(sh, args):
    secs = sh.uptime_us() // 1000000
    sh.println("up %s (%d s)" % (fmt_duration(secs), secs))


async def cmd_metrics(sh, args):
    what = args[0]
    if what == "cpu":
        metrics_cpu(sh)
    elif what == "memory":
        for line in memory.metrics_lines(sh.hw, sh.gc):
            sh.println(line)
    else:
        figures = sh.registry.metrics(what)
        for m in sh.registry.metric_sets():
            if m.kind == what:
                for k in m.fields:
                    sh.println(_kv(k, figures[k]))


def metrics_cpu(sh):
    s = sh.sched
    if sh.hw is None:
        sh.println(_kv("cpu", "unknown (no hardware statistics)"))
    else:
        busy, idle, irqs, ticks = sh.hw.cpu_stats()
        total = busy + idle
        sh.println(_kv("busy", "%s since boot" % memory.fmt_percent(busy, total)))
        sh.println(_kv("idle", "%s since boot" % memory.fmt_percent(idle, total)))
        last = sh.last_cpu
        if last is not None:
            db = busy - last[0]
            di = idle - last[1]
            sh.println(_kv("busy (last)", "%s over the last %s ms" % (
                memory.fmt_percent(db, db + di), fmt_ms(db + di))))
        sh.last_cpu = (busy, idle)
        sh.println(_kv("busy time", "%s ms" % fmt_ms(busy)))
        sh.println(_kv("idle time", "%s ms" % fmt_ms(idle)))
        sh.println(_kv("interrupts", irqs))
        sh.println(_kv("timer ticks", ticks))
    sh.println(_kv("scheduler", "%d tasks, %d steps, %d idles" % (
        s.task_count(), s.stat_steps, s.stat_idles)))


async def cmd_debug(sh, args):
    lines = memory.debug_lines(sh.hw, sh.gc)
    for line in lines:
        sh.println(line)
        await sh.checkpoint()


async def cmd_config(sh, args):
    if sh.format_config is None:
        sh.println("no configuration loaded")
        return
    text = sh.format_config()
    for line in text.split("\n"):
        sh.println(line.rstrip("\r"))
        await sh.checkpoint()


async def cmd_tasks(sh, args):
    s = sh.sched
    sh.println("%4s  %-24s %-7s %-10s %8s %10s" % ("ID", "NAME", "PRIO", "STATE", "RUNS", "CPU ms"))
    for t in s.tasks():
        sh.println("%4d  %-24s %-7s %-10s %8d %10s" % (
            t.id, t.name, _prio_name(t.priority), t.state, t.runs, fmt_ms(t.cpu_us)))
        await sh.checkpoint()
    sh.println("%d tasks (max %d); finished %d, failed %d, cancelled %d" % (
        s.task_count(), s.max_tasks, s.stat_finished, s.stat_failed, s.stat_cancelled))


def _prio_name(p):
    names = ("idle", "low", "normal", "high")
    return names[p] if 0 <= p < len(names) else str(p)


async def cmd_python(sh, args):
    if sh.repl is None:
        raise RuntimeError("no Python REPL available")
    sh.println("MicroPython REPL; Ctrl-D on an empty line returns to the qenex shell")
    sh.repl()
    sh.sched.kbd_intr_changed()


async def cmd_reboot(sh, args):
    if sh.reboot is None:
        raise RuntimeError("reboot not available")
    sh.println("rebooting...")
    sh.reboot()


async def cmd_halt(sh, args):
    if sh.halt is None:
        raise RuntimeError("halt not available")
    sh.println("halting...")
    sh.halt()


BUILTIN = (
    Command("help", "help [command]", "list the commands, or show one command's usage",
            cmd_help, nargs=0, max_args=1),
    Command("status", "status", "version, uptime, memory, tasks and components", cmd_status),
    Command("uptime", "uptime", "time since boot", cmd_uptime),
    Command("metrics", "metrics cpu|memory", "CPU, memory or a package's figures",
            cmd_metrics, subcommands=lambda reg: BUILTIN_METRICS + (
                reg.metric_kinds() if reg is not None else ())),
    Command("debug", "debug memory", "memory map, kernel image, heap, page tables, DMA, gc",
            cmd_debug, subcommands=("memory",)),
    Command("config", "config show", "print the effective configuration",
            cmd_config, subcommands=("show",)),
    Command("tasks", "tasks", "scheduler tasks with run counts and CPU time", cmd_tasks),
    Command("python", "python", "MicroPython REPL (Ctrl-D returns)", cmd_python),
    Command("reboot", "reboot", "restart the machine", cmd_reboot),
    Command("halt", "halt", "power the machine off", cmd_halt),
)


def all_commands(registry=None):
    if registry is None or not registry.extra_commands:
        return BUILTIN
    return tuple(BUILTIN) + tuple(registry.extra_commands)


def find(name, registry=None):
    for c in all_commands(registry):
        if c.name == name:
            return c
    return None


def complete(before, registry=None):
    """Tab-completion candidates (full replacements of ``before``)."""
    words = before.split()
    if not words or (len(words) == 1 and not before.endswith(" ")):
        prefix = words[0] if words else ""
        lead = before[:len(before) - len(before.lstrip())]
        return [lead + c.name + " " for c in all_commands(registry) if c.name.startswith(prefix)]
    c = find(words[0], registry)
    subs = None if c is None else c.choices(registry)
    if subs is None:
        return []
    if len(words) == 1:
        prefix = ""
    elif len(words) == 2 and not before.endswith(" "):
        prefix = words[1]
    else:
        return []
    head = before[:len(before) - len(prefix)]
    return [head + s + " " for s in subs if s.startswith(prefix)]
