"""The banking packages the kernel starts, and the one contract between them and the kernel.

Design note: kernel/PACKAGES.md. A package is a folder beside kernel/ (transaction/,
security/, ...) with a module ``package`` that has:

    SECTIONS    its configuration sections (kernel/config.py's section schemas; may be ())
    attach(k)   optional: build the package's service and hand the kernel what it serves
                through ``k``, a Kernel (below): console commands, a health component,
                metric figures, HTTP routes, and work to finish before the prompt

PACKAGES is the list boot.py starts, in order: adding a package touches no other file of
kernel/. Portable: the tests attach a package to a Kernel built from fakes.
"""
try:
    from kernel import commands
except ImportError:  # pragma: no cover - installed flat
    import commands

PACKAGES = ("transaction", "security", "compliance", "protocols", "ai")
MAX_BEFORE_PROMPT = 8     # start-up jobs of all packages together
MAX_ROUTE_SETS = 16       # route installers of all packages together


def module(name):
    """The module ``<name>.package``."""
    return __import__(name + ".package", None, None, ("SECTIONS",))


def config_sections(names=PACKAGES):
    """Every package's configuration sections, in package order."""
    out = []
    for name in names:
        out.extend(module(name).SECTIONS)
    return tuple(out)


class Kernel:
    """What a package's attach(k) is given. Read: ``sched`` (kernel.process.Scheduler),
    ``cfg`` (kernel.config.Config), ``log(text)`` (the console's log), ``clock_ns()`` (wall
    clock, ns since 1970), ``ticks_us()`` (the HTTP server's clock), ``heap_free()`` (free
    heap bytes after a collection, or None), ``devices`` (kernel.devices.Devices: ``disk``,
    ``nic``, ``entropy``), ``registry`` (kernel.commands.Registry), ``module(name)`` (a boot
    module's bytes, or None: data files GRUB loaded, like the sanctions lists). Hand over with the
    methods below; boot.py does the rest (kernel/PACKAGES.md)."""

    def __init__(self, sched, cfg, devices, log=print, clock_ns=None, ticks_us=None,
                 heap_free=None, registry=None, module=None):
        self.sched = sched
        self.cfg = cfg
        self.devices = devices
        self.log = log
        self.clock_ns = clock_ns
        self.ticks_us = ticks_us
        self.heap_free = heap_free
        self.registry = registry if registry is not None else commands.REGISTRY
        self.module = module if module is not None else (lambda name: None)
        self.route_sets = []        # install(router) of each package, when there is a network
        self.before_prompt = []     # (name, () -> coroutine), run in order before the prompt
        self.http_limits = {}       # kernel/http/server.py limits a package's config sets
        self.services = {}          # package name -> what its attach returned (REPL, bench)
        self.http_guard = None      # asked before and after every HTTP handler (set_http_guard)

    def add_command(self, name, usage, help, handler, subcommands=None, nargs=0,
                    max_args=None):
        """A console command: ``async def handler(sh, args)`` (kernel/commands.py)."""
        self.registry.register_command(name, usage, help, handler, subcommands, nargs,
                                       max_args)

    def add_component(self, name, health, required=False):
        """A health component: ``health()`` -> (state, detail), state one of
        commands.STATES. ``required``: /health answers 503 unless it is up."""
        self.registry.register_component(name, health, required)

    def add_metrics(self, kind, figures, fields, help, schema=None, prometheus=()):
        """Figures ``figures()`` -> {name: number}: `metrics KIND` prints ``fields``,
        /api/v1/metrics/KIND and /status answer them all, Prometheus gets ``prometheus``:
        ((figure, metric name, type, help), ...)."""
        self.registry.register_metrics(kind, figures, fields, help, schema, prometheus)

    def add_routes(self, install):
        """``install(router)`` adds the package's HTTP routes (kernel/http/router.py); called
        once the network is up (never without a network card)."""
        assert callable(install)
        if len(self.route_sets) >= MAX_ROUTE_SETS:
            raise RuntimeError("too many route sets (%d)" % MAX_ROUTE_SETS)
        self.route_sets.append(install)

    def run_before_prompt(self, name, start):
        """``start()`` -> a coroutine the kernel runs to its end before the console's prompt
        and the API (recovery: what it reports comes first)."""
        assert callable(start)
        if len(self.before_prompt) >= MAX_BEFORE_PROMPT:
            raise RuntimeError("too many start-up jobs (%d)" % MAX_BEFORE_PROMPT)
        self.before_prompt.append((name, start))

    def set_http_guard(self, guard):
        """``guard`` decides who may run each HTTP request and records what they did
        (kernel/http/server.py Server.guard: ``async before(req)`` raises HttpError to refuse,
        ``async after(req, resp)`` returns the response to send). One guard."""
        assert self.http_guard is None, "one HTTP guard"
        self.http_guard = guard

    def set_console_guard(self, guard):
        """``async guard(sh, name, args)`` -> None to run the console command, or the message
        to print instead (kernel/console.py). One guard."""
        assert self.registry.guard is None, "one console guard"
        self.registry.guard = guard

    def install_routes(self, router):
        for install in self.route_sets:
            install(router)


def attach_all(k, names=PACKAGES):
    """attach(k) of every package that has one, in order; what each returns is kept in
    k.services under its name."""
    for name in names:
        m = module(name)
        attach = getattr(m, "attach", None)
        if attach is not None:
            k.services[name] = attach(k)
    return k
