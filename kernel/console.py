"""The QENEX command shell on the serial line, run as a scheduler task.

Everything is injected, so host tests drive it with fakes:

    Console(sched, read, write, hw=None, gc=None, version="0.0.0",
            format_config=None, repl=None, reboot=None, halt=None,
            registry=None, prompt="qenex> ")

``read()`` returns the bytes waiting (``b''`` when none; ``None`` means the
input is closed and run() returns: the kernel's ``hw.uart_read`` never does).
``write(bytes)`` sends output (``hw.uart_write``). ``hw`` provides
``cpu_stats()``, ``mem_info()``, ``memmap()``; ``gc`` provides ``mem_alloc()``
and ``mem_free()``. ``repl``, ``reboot`` and ``halt`` default to
``hw.repl``, ``hw.reboot`` and ``hw.poweroff`` when ``hw`` is given.
``format_config()`` returns the configuration as text for `config show`.
The command table and the component registry are in kernel/commands.py.

Ctrl-C: at the prompt (byte 3, or a KeyboardInterrupt while waiting) it
prints ``^C`` and a fresh prompt. During a command, ``await sh.checkpoint()``
looks at the input once per time slice: a byte 3 stops the command with
``^C`` (other bytes are kept as type-ahead). With the scheduler built with
``kbd_intr=micropython.kbd_intr`` Ctrl-C always arrives as byte 3 (never as
an asynchronous KeyboardInterrupt). Without it, a KeyboardInterrupt raised
inside the console task is caught here, and one landing in the loop or in
another task reaches the console through ``sched.on_interrupt``: a running
command stops at its next checkpoint, the prompt is redrawn. Nothing typed
can kill the shell: command exceptions print one ``error:`` line.
"""

try:
    from kernel import commands, lineedit
    from kernel.process import format_exception as process_format
except ImportError:  # installed flat in the kernel image
    import commands
    import lineedit
    from process import format_exception as process_format

PROMPT = "qenex> "
SYSTEM_NAME = "QENEX OS"
EOF_HINT = "(this is the kernel shell: use 'halt' or 'reboot' to leave)"
PRIO_CONSOLE = 3   # process.PRIO_HIGH
TYPEAHEAD_MAX = 4096   # bytes kept while a command runs (the UART ring's size)


class Console:
    def __init__(self, sched, read, write, hw=None, gc=None, version="0.0.0",
                 format_config=None, repl=None, reboot=None, halt=None,
                 registry=None, prompt=PROMPT, system_name=SYSTEM_NAME):
        assert callable(read) and callable(write)
        self.sched = sched
        self.read = read
        self.write = write
        self.hw = hw
        self.gc = gc
        self.version = version
        self.system_name = system_name
        self.format_config = format_config
        self.repl = repl if repl is not None else getattr(hw, "repl", None)
        self.reboot = reboot if reboot is not None else getattr(hw, "reboot", None)
        self.halt = halt if halt is not None else getattr(hw, "poweroff", None)
        self.registry = registry if registry is not None else commands.REGISTRY
        self.editor = lineedit.LineEditor(prompt, complete=self._complete)
        self.task = None
        self.last_cpu = None
        self.commands_run = 0
        self.errors = 0
        self._interrupted = False
        self._stash = b""
        self._eof = False
        self._at_prompt = False
        self._boot_us = 0

    # ---- task ------------------------------------------------------------

    def spawn(self, priority=PRIO_CONSOLE, name="console"):
        """Start the shell as a scheduler task; returns the Task."""
        self.task = self.sched.spawn(self.run(), name, priority)
        return self.task

    def interrupt(self):
        """Ctrl-C reported from outside the console task (sched.on_interrupt)."""
        self._interrupted = True

    async def run(self):
        """Read, edit and execute lines until the input closes."""
        self.sched.on_interrupt = self.interrupt
        ed = self.editor
        ed.start()
        self._flush()
        while True:
            try:
                if self._interrupted:
                    self._interrupted = False
                    self._cancel_line()
                data = await self._input()
                if data is None:
                    return
                i = 0
                n = len(data)
                while i < n:
                    ev = ed.feed(data[i])
                    i += 1
                    if ev == lineedit.NONE:
                        continue
                    self._flush()
                    if ev == lineedit.LINE:
                        await self.execute(ed.line)
                    elif ev == lineedit.EOF:
                        self.write(b"\r\n")
                        self.println(EOF_HINT)
                    ed.start()
                    self._flush()
                self._flush()
            except KeyboardInterrupt:
                self._interrupted = False
                self._cancel_line()
            except Exception as e:
                # A bug in the shell itself: say so and keep going.
                self.errors += 1
                self.println("error: console: " + commands.exc_text(e))
                ed.start()
                self._flush()

    async def execute(self, line):
        """Run one command line; never raises (except cancellation)."""
        words = line.split()
        if not words:
            return
        self.commands_run += 1
        c = commands.find(words[0], self.registry)
        if c is None:
            self.errors += 1
            self.println("error: unknown command '%s' (try 'help')" % words[0])
            return
        self._interrupted = False
        try:
            c.check(words[1:], self.registry)
            guard = self.registry.guard
            if guard is not None:
                refused = await guard(self, c.name, words[1:])
                if refused is not None:
                    self.errors += 1
                    self.println("error: " + refused)
                    return
            await c.handler(self, words[1:])
        except commands.UsageError as e:
            self.errors += 1
            self.println("error: usage: %s" % e)
        except KeyboardInterrupt:
            self._interrupted = False
            self.write(b"^C\r\n")
        except Exception as e:
            self.errors += 1
            self.println("error: " + commands.exc_text(e))

    # ---- helpers for command handlers --------------------------------------

    def println(self, text=""):
        """Write one line (any "\\n" inside becomes CR LF)."""
        text = str(text)
        if "\n" in text:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        self.write((text + "\r\n").encode())

    async def checkpoint(self):
        """Cooperate: when the time slice is used up, look at the input (a
        Ctrl-C byte stops the command with KeyboardInterrupt, other bytes are
        kept as type-ahead) and let other tasks run. A Ctrl-C reported by the
        loop (``interrupt()``) also stops the command here."""
        if self._interrupted:
            self._interrupted = False
            raise KeyboardInterrupt()
        if not self.sched.should_yield():
            return
        self._scan_input()
        await self.sched.yield_now()
        if self._interrupted:
            self._interrupted = False
            raise KeyboardInterrupt()

    def _scan_input(self):
        d = self.read()
        if d is None:
            self._eof = True
            return
        if not d:
            return
        i = d.find(b"\x03")
        if i >= 0:
            self._stash = d[i + 1:]   # what was typed before the Ctrl-C is dropped
            raise KeyboardInterrupt()
        if len(self._stash) + len(d) <= TYPEAHEAD_MAX:
            self._stash += d

    def log(self, text):
        """Print ``text`` (one or more lines) from outside the shell, e.g. a
        background task's report: above the prompt and the half-typed line,
        which are then redrawn."""
        at_prompt = self._at_prompt
        if at_prompt:
            self.write(b"\r\x1b[K")
        for line in str(text).rstrip("\r\n").split("\n"):
            self.println(line.rstrip("\r"))
        if at_prompt:
            self.editor.redraw()
            self._flush()

    def report(self, task, exc):
        """A scheduler reporter (``sched.reporter = console.report``): the
        failed task's name and traceback, printed with log()."""
        self.log("task %d '%s' failed:\n%s" % (task.id, task.name, process_format(exc)))

    def uptime_us(self):
        return self.sched.clock.ticks_us() - self._boot_us

    # ---- internals ----------------------------------------------------------

    def _flush(self):
        out = self.editor.output()
        if out:
            self.write(out)

    def _cancel_line(self):
        ed = self.editor
        ed.cancel()
        ed.start()
        self._flush()

    def _poll(self):
        if self._interrupted:
            return True
        d = self.read()
        if d is None:
            self._eof = True
            return True
        if d:
            self._stash = d
            return True
        return False

    async def _input(self):
        """The next chunk of input bytes, or None when the input closed;
        waits with the scheduler while there is none."""
        while True:
            if self._stash:
                d = self._stash
                self._stash = b""
                return d
            if self._eof:
                return None
            if self._interrupted:
                raise KeyboardInterrupt()
            d = self.read()
            if d is None:
                return None
            if d:
                return d
            self._at_prompt = True
            try:
                await self.sched.wait_for(self._poll)
            finally:
                self._at_prompt = False

    def _complete(self, before):
        return commands.complete(before, self.registry)
