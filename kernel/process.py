"""Cooperative scheduler for the QENEX kernel: tasks are coroutines (async def).

Runs unchanged on CPython (host tests) and on bare MicroPython (no asyncio,
no heapq): the event loop drives each coroutine with ``.send()``/``.throw()``.
A coroutine suspends by awaiting one of the small request objects below; the
request is yielded up to the loop, which parks the task until it is due.

The hardware is injected: ``clock`` needs ``ticks_us()`` (monotonic, never
wrapping, microseconds) and ``idle()`` (sleep until the next interrupt; the
kernel passes the ``hw`` module). Nothing here imports ``hw``.

Bounds: at most ``max_tasks`` live tasks (64 by default; spawning more raises
``TaskLimitError``), ``NPRIO`` priority levels, timers kept in a sorted list
of at most ``max_tasks`` entries. See kernel/SCHEDULER.md for the design.
"""

import sys

try:
    import io as _io
except ImportError:  # pragma: no cover - io is in the MicroPython core
    _io = None

# Priority levels: among ready tasks the highest level runs first; tasks of
# the same level run round-robin. No aging: a busy high-priority task that
# never waits starves the lower levels (checkpoint() only yields to peers).
PRIO_IDLE = 0
PRIO_LOW = 1
PRIO_NORMAL = 2
PRIO_HIGH = 3
NPRIO = 4
PRIO_NAMES = ("idle", "low", "normal", "high")

MAX_TASKS = 64
SLICE_MS = 10
POLL_INTERVAL_US = 1000
NAME_MAX = 24

# Task states.
READY = "ready"
RUNNING = "running"
SLEEPING = "sleeping"
WAITING = "waiting"   # on an Event (maybe also with a timeout)
POLLING = "polling"   # on a predicate (maybe also with a timeout)
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"

# Request kinds yielded by coroutines to the loop.
_K_YIELD = 0
_K_SLEEP = 1
_K_EVENT = 2
_K_POLL = 3
_K_DONE = 4   # already satisfied: the awaitable completes without yielding


class CancelledError(BaseException):
    """Thrown into a task by cancel(). A BaseException, like asyncio's, so that
    ``except Exception`` in task code does not swallow a cancellation."""


class TaskLimitError(RuntimeError):
    """spawn() beyond the scheduler's task bound."""


class Timeout(Exception):
    """run_until_complete() ran out of time before its task finished."""


def format_exception(exc):
    """Return the traceback of ``exc`` as text on MicroPython and CPython."""
    pe = getattr(sys, "print_exception", None)
    if pe is not None and _io is not None:
        buf = _io.StringIO()
        pe(exc, buf)
        return buf.getvalue()
    try:
        import traceback
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except ImportError:  # pragma: no cover
        return "%s: %s\n" % (type(exc).__name__, exc)


def make_reporter(write):
    """A reporter that writes the failed task's name and traceback (lines
    ending in CR LF) with ``write(str)``."""
    def reporter(task, exc):
        text = format_exception(exc).replace("\n", "\r\n")
        write("task %d '%s' failed:\r\n%s" % (task.id, task.name, text))
    return reporter


def _stdout_write(text):
    sys.stdout.write(text)


# Default: report on stdout (the serial line in the kernel).
default_reporter = make_reporter(_stdout_write)


class _Req:
    """One suspension request. Awaiting it yields it to the loop once; the value
    the loop sends back on resumption is the result of the await."""

    def __init__(self, kind, arg=None, timeout_us=-1):
        self.kind = kind
        self.arg = arg
        self.timeout_us = timeout_us

    def __iter__(self):
        if self.kind == _K_DONE:
            return self.arg
        r = yield self
        return r

    __await__ = __iter__


_YIELD = _Req(_K_YIELD)        # stateless: safe to share between tasks
_NOOP = _Req(_K_DONE, None)
_TRUE = _Req(_K_DONE, True)


class Event:
    """A flag tasks can wait on. ``set()`` is a plain attribute store, so it is
    safe to call from an IRQ callback run between bytecodes: the loop notices
    it the next time round. A set() followed by clear() before the loop looks
    still wakes the tasks that were waiting (the set counter moved)."""

    def __init__(self):
        self._flag = False
        self._gen = 0          # bumped by every set()
        self._armed_gen = 0    # _gen when the first current waiter parked
        self._waiters = []     # tasks parked here (managed by the loop only)

    def set(self):
        self._flag = True
        self._gen += 1

    def clear(self):
        self._flag = False

    def is_set(self):
        return self._flag

    def wait(self, timeout_ms=None):
        """Awaitable: True once set, False if ``timeout_ms`` passed first."""
        if self._flag:
            return _TRUE
        return _Req(_K_EVENT, self, _timeout_us(timeout_ms))


def _timeout_us(timeout_ms):
    if timeout_ms is None:
        return -1
    assert timeout_ms >= 0, "negative timeout"
    return int(timeout_ms * 1000)


class Task:
    """A spawned coroutine and its bookkeeping (read-only for callers)."""

    def __init__(self, sched, tid, coro, name, priority):
        self.sched = sched
        self.id = tid
        self.coro = coro
        self.name = name
        self.priority = priority
        self.state = READY
        self.started = False
        self.result = None
        self.exception = None
        self.runs = 0
        self.cpu_us = 0
        self.created_us = 0
        self.deadline = 0        # absolute ticks_us while in the timer list
        self.has_timer = False
        self.wait_obj = None     # Event or predicate while WAITING/POLLING
        self.send_value = None   # what the next resumption sends in
        self.pending_exc = None  # exception to throw in at the next resumption
        self.cancel_requested = False
        self.interruptible = False
        self.done_event = Event()

    def done(self):
        return self.state == DONE or self.state == FAILED or self.state == CANCELLED

    def cancel(self):
        return self.sched.cancel(self)

    def wait(self, timeout_ms=None):
        """Awaitable: True when the task has finished (any way)."""
        return self.done_event.wait(timeout_ms)

    def __repr__(self):
        return "<Task %d %s %s>" % (self.id, self.name, self.state)


def _deadline(task):
    return task.deadline


class Scheduler:
    """The event loop. ``clock`` provides ``ticks_us()`` and ``idle()``.

    ``reporter(task, exc)`` is called when a task dies of an exception (default:
    traceback on stdout). ``on_interrupt()`` is called when a KeyboardInterrupt
    (asynchronous Ctrl-C) lands in the loop or kills a task; the console sets it.
    ``kbd_intr``, if given, is ``micropython.kbd_intr`` (recommended in the
    kernel): the loop keeps Ctrl-C disabled as an asynchronous
    KeyboardInterrupt (``kbd_intr(-1)``: it arrives as byte 3 on the UART, for
    the console) and enables it (``kbd_intr(3)``) only while stepping a task
    marked interruptible (``spawn(..., interruptible=True)`` or
    ``set_interruptible(True)``). Without it, a KeyboardInterrupt can land
    anywhere; one landing in loop code makes the loop rebuild its structures
    from the task states (``_repair``), so no task is lost.
    """

    def __init__(self, clock, reporter=None, max_tasks=MAX_TASKS, slice_ms=SLICE_MS,
                 kbd_intr=None):
        assert max_tasks > 0
        assert slice_ms > 0
        self.clock = clock
        self.reporter = reporter if reporter is not None else default_reporter
        self.max_tasks = max_tasks
        self.slice_us = slice_ms * 1000
        self.kbd_intr = kbd_intr
        self._intr_enabled = None
        self.on_interrupt = None
        self._tasks = {}                      # id -> Task (live tasks only)
        self._ready = [[] for _ in range(NPRIO)]
        self._timers = []                     # tasks sorted by deadline
        self._events = []                     # events with parked tasks
        self._pollers = []                    # tasks with a predicate
        self._last_poll_us = 0
        self._next_id = 1
        self.current = None
        self._slice_start = 0
        self._stopping = False
        # Loop statistics.
        self.stat_steps = 0
        self.stat_idles = 0
        self.stat_spawned = 0
        self.stat_finished = 0
        self.stat_failed = 0
        self.stat_cancelled = 0
        self.stat_interrupts = 0
        self.start_us = clock.ticks_us()

    # ---- spawning and introspection -----------------------------------

    def spawn(self, coro, name=None, priority=PRIO_NORMAL, interruptible=False):
        """Start ``coro`` as a new task; returns the Task."""
        assert 0 <= priority < NPRIO, "bad priority"
        if len(self._tasks) >= self.max_tasks:
            # Do not leak a never-started coroutine (CPython would warn).
            try:
                coro.close()
            except Exception:
                pass
            raise TaskLimitError("task limit reached (%d)" % self.max_tasks)
        tid = self._next_id
        self._next_id += 1
        if name is None:
            name = "task%d" % tid
        name = str(name)[:NAME_MAX]
        t = Task(self, tid, coro, name, priority)
        t.interruptible = interruptible
        t.created_us = self.clock.ticks_us()
        self._tasks[tid] = t
        self._ready[priority].append(t)
        self.stat_spawned += 1
        return t

    def tasks(self):
        """Live tasks ordered by id."""
        ids = sorted(self._tasks.keys())
        return [self._tasks[i] for i in ids]

    def task_count(self):
        return len(self._tasks)

    def get(self, tid):
        return self._tasks.get(tid)

    def uptime_us(self):
        return self.clock.ticks_us() - self.start_us

    # ---- awaitables for task code --------------------------------------

    def sleep_ms(self, ms):
        """Awaitable: suspend the running task for at least ``ms`` ms."""
        assert ms >= 0, "negative sleep"
        if ms == 0:
            return _YIELD
        return _Req(_K_SLEEP, self.clock.ticks_us() + int(ms * 1000))

    def sleep_us(self, us):
        assert us >= 0, "negative sleep"
        if us == 0:
            return _YIELD
        return _Req(_K_SLEEP, self.clock.ticks_us() + int(us))

    def yield_now(self):
        """Awaitable: let every other ready task of the same or higher priority run."""
        return _YIELD

    def should_yield(self):
        """True when the running task has used up its time slice. Allocation-free
        alternative to checkpoint(): ``if s.should_yield(): await s.yield_now()``."""
        return self.clock.ticks_us() - self._slice_start >= self.slice_us

    def checkpoint(self):
        """Awaitable: yields only if the running task's slice is used up (or a
        cancellation is pending), so long computations stay cooperative."""
        cur = self.current
        if cur is not None and cur.pending_exc is not None:
            return _YIELD
        if self.clock.ticks_us() - self._slice_start >= self.slice_us:
            return _YIELD
        return _NOOP

    def wait_for(self, what, timeout_ms=None):
        """Awaitable: wait for an Event, or until ``what()`` returns true (polled
        at least every millisecond and before idling). Result: True, or False
        on timeout. An exception from the predicate is raised in the task."""
        if isinstance(what, Event):
            return what.wait(timeout_ms)
        assert callable(what), "wait_for needs an Event or a callable"
        if what():
            return _TRUE
        return _Req(_K_POLL, what, _timeout_us(timeout_ms))

    # ---- cancellation --------------------------------------------------

    def cancel(self, task):
        """Request cancellation: CancelledError is raised in the task at its
        next suspension point (immediately if it is suspended). Returns False
        if the task already finished."""
        if task.done():
            return False
        assert task.sched is self
        task.cancel_requested = True
        if not task.started:
            task.coro.close()
            self._unpark(task)
            self._remove_ready(task)
            self._finish(task, CANCELLED, None, None)
            return True
        task.pending_exc = CancelledError()
        if task is not self.current and task.state != READY:
            self._unpark(task)
            self._make_ready(task, None)
        return True

    # ---- the loop ------------------------------------------------------

    def stop(self):
        """Make run() return after the current step."""
        self._stopping = True

    def run_once(self):
        """Wake due timers, events and predicates, then step the highest-priority
        ready task. Returns False if no task was ready (caller may idle)."""
        now = self.clock.ticks_us()
        self._wake_timers(now)
        self._wake_events()
        if self._pollers:
            nothing_ready = self._pick_peek() is None
            if nothing_ready or now - self._last_poll_us >= POLL_INTERVAL_US:
                self._last_poll_us = now
                self._poll()
        task = self._pick()
        if task is None:
            return False
        self._step(task)
        return True

    def run(self, until=None):
        """Run until stop() is called, ``until`` (a Task) finishes, or no task
        is left. Idles the CPU while nothing is ready. A KeyboardInterrupt that
        lands in the loop itself is passed to ``on_interrupt`` and the loop
        goes on."""
        self._stopping = False
        while not self._stopping:
            try:
                if until is not None and until.done():
                    break
                if not self._tasks:
                    break
                if not self.run_once():
                    self._set_intr(False)
                    self.stat_idles += 1
                    self.clock.idle()
            except KeyboardInterrupt:
                self._repair()
                self._interrupted()

    def run_until_complete(self, coro_or_task, timeout_ms=None, name=None):
        """Run the loop (all tasks) until the given task finishes; return its
        result or raise its exception. ``timeout_ms`` bounds the wait (by the
        clock) and raises Timeout."""
        if isinstance(coro_or_task, Task):
            task = coro_or_task
        else:
            task = self.spawn(coro_or_task, name if name is not None else "main")
        deadline = None
        if timeout_ms is not None:
            deadline = self.clock.ticks_us() + int(timeout_ms * 1000)
        while not task.done():
            try:
                if not self.run_once():
                    if deadline is not None and self.clock.ticks_us() >= deadline:
                        raise Timeout("task '%s' did not finish in %d ms" % (task.name, timeout_ms))
                    self._set_intr(False)
                    self.stat_idles += 1
                    self.clock.idle()
                elif deadline is not None and self.clock.ticks_us() >= deadline and not task.done():
                    raise Timeout("task '%s' did not finish in %d ms" % (task.name, timeout_ms))
            except KeyboardInterrupt:
                self._repair()
                self._interrupted()
        if task.state == FAILED:
            raise task.exception
        if task.state == CANCELLED:
            raise CancelledError()
        return task.result

    # ---- internals -----------------------------------------------------

    def _interrupted(self):
        self.stat_interrupts += 1
        cb = self.on_interrupt
        if cb is not None:
            cb()

    def set_interruptible(self, flag):
        """Let Ctrl-C raise KeyboardInterrupt in the running task (or stop it),
        effective at once; the loop turns it off again when the task yields."""
        t = self.current
        if t is not None:
            t.interruptible = flag
            self._set_intr(flag)

    def kbd_intr_changed(self):
        """Someone else (e.g. hw.repl()) changed the interrupt character: send
        the right setting again at the next switch."""
        self._intr_enabled = None

    def _set_intr(self, enabled):
        if self.kbd_intr is not None and self._intr_enabled != enabled:
            self._intr_enabled = enabled
            self.kbd_intr(3 if enabled else -1)

    def _pick_peek(self):
        p = NPRIO - 1
        while p >= 0:
            if self._ready[p]:
                return self._ready[p][0]
            p -= 1
        return None

    def _pick(self):
        p = NPRIO - 1
        while p >= 0:
            q = self._ready[p]
            if q:
                t = q.pop(0)
                assert t.state == READY, "non-ready task in ready queue"
                return t
            p -= 1
        return None

    def _remove_ready(self, task):
        q = self._ready[task.priority]
        if task in q:
            q.remove(task)

    def _make_ready(self, task, value):
        assert task.state != READY and not task.done()
        task.state = READY
        task.send_value = value
        self._ready[task.priority].append(task)

    def _add_timer(self, task, deadline):
        assert not task.has_timer
        task.deadline = deadline
        task.has_timer = True
        timers = self._timers
        # Insert after all timers with deadline <= ours (FIFO among equals).
        lo = 0
        hi = len(timers)
        while lo < hi:
            mid = (lo + hi) >> 1
            if timers[mid].deadline <= deadline:
                lo = mid + 1
            else:
                hi = mid
        timers.insert(lo, task)
        assert len(timers) <= self.max_tasks

    def _unpark(self, task):
        """Remove a suspended task from every wait structure."""
        if task.has_timer:
            self._timers.remove(task)
            task.has_timer = False
        if task.state == WAITING:
            ev = task.wait_obj
            ev._waiters.remove(task)
            if not ev._waiters:
                self._events.remove(ev)
        elif task.state == POLLING:
            self._pollers.remove(task)
        task.wait_obj = None

    def _wake_timers(self, now):
        timers = self._timers
        while timers and timers[0].deadline <= now:
            t = timers[0]
            # Timed out (sleep ends normally with None; waits report False).
            value = None if t.state == SLEEPING else False
            self._unpark(t)
            self._make_ready(t, value)

    def _wake_events(self):
        if not self._events:
            return
        i = 0
        while i < len(self._events):
            ev = self._events[i]
            if ev._flag or ev._gen != ev._armed_gen:
                waiters = ev._waiters
                ev._waiters = []
                self._events.pop(i)
                for t in waiters:
                    if t.has_timer:
                        self._timers.remove(t)
                        t.has_timer = False
                    t.wait_obj = None
                    self._make_ready(t, True)
            else:
                i += 1

    def _poll(self):
        i = 0
        while i < len(self._pollers):
            t = self._pollers[i]
            try:
                ok = t.wait_obj()
            except Exception as e:
                self._pollers.pop(i)
                if t.has_timer:
                    self._timers.remove(t)
                    t.has_timer = False
                t.wait_obj = None
                t.pending_exc = e
                self._make_ready(t, None)
                continue
            if ok:
                self._pollers.pop(i)
                if t.has_timer:
                    self._timers.remove(t)
                    t.has_timer = False
                t.wait_obj = None
                self._make_ready(t, True)
            else:
                i += 1

    def _step(self, task):
        clock = self.clock
        self.current = task
        task.state = RUNNING
        task.started = True
        task.runs += 1
        self.stat_steps += 1
        self._set_intr(task.interruptible)
        start = clock.ticks_us()
        self._slice_start = start
        req = None
        outcome = None
        exc = None
        result = None
        try:
            pending = task.pending_exc
            if pending is not None:
                task.pending_exc = None
                req = task.coro.throw(pending)
            else:
                value = task.send_value
                task.send_value = None
                req = task.coro.send(value)
        except StopIteration as e:
            outcome = DONE
            result = e.value
        except CancelledError as e:
            outcome = CANCELLED
            exc = e
        except KeyboardInterrupt as e:
            outcome = FAILED
            exc = e
        except Exception as e:
            outcome = FAILED
            exc = e
        finally:
            self._set_intr(False)
            task.cpu_us += clock.ticks_us() - start
            self.current = None
        if outcome is not None:
            self._finish(task, outcome, result, exc)
            if isinstance(exc, KeyboardInterrupt):
                self._interrupted()
            return
        self._park(task, req)

    def _park(self, task, req):
        if req is None or not isinstance(req, _Req):
            # A bare ``yield`` (or foreign awaitable): treat as yield_now.
            kind = _K_YIELD
        else:
            kind = req.kind
        if task.pending_exc is not None:
            # Cancelled while running: resume at once to deliver it.
            self._make_ready(task, None)
            return
        if kind == _K_YIELD:
            self._make_ready(task, None)
        elif kind == _K_SLEEP:
            task.state = SLEEPING
            self._add_timer(task, req.arg)
        elif kind == _K_EVENT:
            ev = req.arg
            if ev._flag:
                self._make_ready(task, True)
                return
            task.state = WAITING
            task.wait_obj = ev
            if not ev._waiters:
                ev._armed_gen = ev._gen
                self._events.append(ev)
            ev._waiters.append(task)
            if req.timeout_us >= 0:
                self._add_timer(task, self.clock.ticks_us() + req.timeout_us)
        elif kind == _K_POLL:
            task.state = POLLING
            task.wait_obj = req.arg
            self._pollers.append(task)
            if req.timeout_us >= 0:
                self._add_timer(task, self.clock.ticks_us() + req.timeout_us)
        else:
            raise AssertionError("bad request kind %r" % (kind,))

    def _finish(self, task, state, result, exc):
        assert not task.done()
        task.state = state
        task.result = result
        task.exception = exc
        task.wait_obj = None
        task.coro = None
        del self._tasks[task.id]
        task.done_event.set()
        if state == DONE:
            self.stat_finished += 1
        elif state == CANCELLED:
            self.stat_cancelled += 1
        else:
            self.stat_failed += 1
            try:
                self.reporter(task, exc)
            except Exception:
                pass  # a broken reporter must not kill the loop

    def _repair(self):
        """After a KeyboardInterrupt landed in the loop's own code (possible when
        Ctrl-C is not routed through kbd_intr), rebuild the ready queues, timer
        list, event waiters and pollers from each live task's state. A task
        caught half-way (being stepped, or between two structures) is made
        ready again: it may see a spurious wake-up (a sleep or wait returning
        early with None), but no task is ever lost."""
        self.current = None
        live = self._tasks
        for tid in list(live.keys()):
            t = live[tid]
            if t.done():
                del live[tid]
                t.done_event.set()
        ready = [[] for _ in range(NPRIO)]
        for q in self._ready:
            for t in q:
                if live.get(t.id) is t and t.state == READY and t not in ready[t.priority]:
                    ready[t.priority].append(t)
        events = []
        for ev in self._events:
            kept = []
            for t in ev._waiters:
                if (live.get(t.id) is t and t.state == WAITING and t.wait_obj is ev
                        and t not in kept):
                    kept.append(t)
            ev._waiters = kept
            if kept and ev not in events:
                events.append(ev)
        timers = []
        pollers = []
        for tid in sorted(live.keys()):
            t = live[tid]
            st = t.state
            ok = True
            if st == READY:
                t.has_timer = False
                t.wait_obj = None
                if t not in ready[t.priority]:
                    ready[t.priority].append(t)
            elif st == SLEEPING:
                ok = t.has_timer
            elif st == WAITING:
                ev = t.wait_obj
                ok = isinstance(ev, Event)
                if ok:
                    if t not in ev._waiters:
                        if not ev._waiters:
                            ev._armed_gen = ev._gen
                        ev._waiters.append(t)
                    if ev not in events:
                        events.append(ev)
            elif st == POLLING:
                ok = callable(t.wait_obj)
                if ok and t not in pollers:
                    pollers.append(t)
            else:
                ok = False   # RUNNING: it was being stepped
            if not ok:
                t.has_timer = False
                t.wait_obj = None
                t.send_value = None
                t.state = READY
                ready[t.priority].append(t)
            elif t.has_timer:
                timers.append(t)
        timers.sort(key=_deadline)
        self._ready = ready
        self._events = events
        self._timers = timers
        self._pollers = pollers
        self.check_invariants()

    def check_invariants(self):
        """Assert the internal structures are consistent (used by tests)."""
        seen = 0
        for p in range(NPRIO):
            for t in self._ready[p]:
                assert t.state == READY and t.priority == p
                assert t.id in self._tasks
                seen += 1
        prev = None
        for t in self._timers:
            assert t.has_timer and t.id in self._tasks
            assert t.state in (SLEEPING, WAITING, POLLING)
            if prev is not None:
                assert prev <= t.deadline
            prev = t.deadline
        for ev in self._events:
            assert ev._waiters
            for t in ev._waiters:
                assert t.state == WAITING and t.wait_obj is ev
        for t in self._pollers:
            assert t.state == POLLING
        assert len(self._tasks) <= self.max_tasks
        for t in self._tasks.values():
            assert not t.done()
        return seen
