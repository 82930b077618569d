# Portable tests for kernel/process.py: plain asserts, no pytest import, so the
# same file runs under pytest on the host and in the in-kernel test runner.

from kernel import process
from kernel.process import (Scheduler, Event, CancelledError, TaskLimitError, Timeout,
                            PRIO_LOW, PRIO_NORMAL, PRIO_HIGH, PRIO_IDLE)
from tests.portable.support.fakeclock import FakeClock


class Reports:
    def __init__(self):
        self.items = []

    def __call__(self, task, exc):
        self.items.append((task.name, type(exc).__name__, process.format_exception(exc)))


def make(**kw):
    clock = FakeClock()
    rep = Reports()
    s = Scheduler(clock, reporter=rep, **kw)
    return s, clock, rep


def test_spawn_runs_in_fifo_order_and_returns_result():
    s, clock, rep = make()
    log = []

    async def worker(n):
        log.append(n)
        await s.yield_now()
        log.append(n + 10)
        return n * 2

    t1 = s.spawn(worker(1), "w1")
    t2 = s.spawn(worker(2), "w2")
    s.run()
    assert log == [1, 2, 11, 12]
    assert t1.result == 2 and t2.result == 4
    assert t1.state == process.DONE and t1.done()
    assert s.task_count() == 0
    assert rep.items == []
    assert s.stat_finished == 2


def test_run_until_complete_returns_value_and_raises_exception():
    s, clock, rep = make()

    async def ok():
        await s.sleep_ms(5)
        return 42

    assert s.run_until_complete(ok()) == 42

    async def bad():
        await s.yield_now()
        raise ValueError("nope")

    raised = None
    try:
        s.run_until_complete(bad())
    except ValueError as e:
        raised = e
    assert raised is not None and str(raised) == "nope"
    assert len(rep.items) == 1 and rep.items[0][1] == "ValueError"


def test_priorities_higher_first():
    s, clock, rep = make()
    log = []

    async def w(tag, n):
        for i in range(n):
            log.append(tag)
            await s.yield_now()

    s.spawn(w("low", 2), "l", PRIO_LOW)
    s.spawn(w("norm", 2), "n", PRIO_NORMAL)
    s.spawn(w("high", 2), "h", PRIO_HIGH)
    s.spawn(w("idle", 1), "i", PRIO_IDLE)
    s.run()
    assert log == ["high", "high", "norm", "norm", "low", "low", "idle"]


def test_same_priority_round_robin():
    s, clock, rep = make()
    log = []

    async def w(tag):
        for i in range(3):
            log.append(tag + str(i))
            await s.yield_now()

    s.spawn(w("a"))
    s.spawn(w("b"))
    s.spawn(w("c"))
    s.run()
    assert log == ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]


def test_bad_priority_asserts():
    s, clock, rep = make()

    async def w():
        pass

    for p in (-1, process.NPRIO):
        c = w()
        failed = False
        try:
            s.spawn(c, "x", p)
        except AssertionError:
            failed = True
        c.close()
        assert failed


def test_sleep_timing_with_fake_clock():
    s, clock, rep = make()
    woke = []

    async def sleeper(name, ms):
        start = clock.ticks_us()
        await s.sleep_ms(ms)
        woke.append((name, clock.ticks_us() - start))

    s.spawn(sleeper("b", 30))
    s.spawn(sleeper("a", 10))
    s.spawn(sleeper("c", 20))
    s.run()
    assert [w[0] for w in woke] == ["a", "c", "b"]
    for name, elapsed in woke:
        want = {"a": 10000, "b": 30000, "c": 20000}[name]
        assert want <= elapsed <= want + 1000, (name, elapsed)
    # The loop idled instead of spinning while everyone slept.
    assert 29 <= clock.idles <= 31
    assert s.stat_idles == clock.idles


def test_equal_deadlines_fifo_and_sleep_zero_yields():
    s, clock, rep = make()
    log = []

    async def w(tag, ms):
        await s.sleep_ms(ms)
        log.append(tag)

    for tag in ("x", "y", "z"):
        s.spawn(w(tag, 5))
    s.spawn(w("zero", 0))
    s.run()
    assert log == ["zero", "x", "y", "z"]


def test_sleep_us():
    s, clock, rep = make()

    async def w():
        await s.sleep_us(2500)
        return clock.us

    assert s.run_until_complete(w()) >= 2500


def test_negative_sleep_asserts():
    s, clock, rep = make()
    failed = False
    try:
        s.sleep_ms(-1)
    except AssertionError:
        failed = True
    assert failed


def test_checkpoint_yields_only_after_slice():
    s, clock, rep = make(slice_ms=10)
    log = []

    async def cruncher():
        for i in range(30):
            clock.burn(1000)          # 1 ms of "work"
            log.append("c")
            await s.checkpoint()

    async def other():
        for i in range(3):
            log.append("o")
            await s.yield_now()

    s.spawn(cruncher(), "crunch")
    s.spawn(other(), "other")
    s.run()
    # The cruncher runs 10 iterations (10 ms) before each yield.
    first_o = log.index("o")
    assert first_o == 10, log
    assert log[11] == "c"
    assert log.count("c") == 30 and log.count("o") == 3
    t_runs = s.stat_steps
    assert t_runs < 30  # far fewer switches than checkpoints


def test_should_yield_allocation_free_variant():
    s, clock, rep = make(slice_ms=5)
    yields = []

    async def w():
        n = 0
        for i in range(20):
            clock.burn(1000)
            if s.should_yield():
                n += 1
                await s.yield_now()
        yields.append(n)

    s.run_until_complete(w())
    assert yields == [4]


def test_event_set_wakes_all_waiters_with_true():
    s, clock, rep = make()
    ev = Event()
    got = []

    async def waiter(tag):
        r = await ev.wait()
        got.append((tag, r))

    async def setter():
        await s.sleep_ms(3)
        assert got == []
        ev.set()

    s.spawn(waiter("a"))
    s.spawn(waiter("b"))
    s.spawn(setter())
    s.run()
    assert got == [("a", True), ("b", True)]
    assert ev.is_set()
    ev.clear()
    assert not ev.is_set()


def test_event_already_set_does_not_block():
    s, clock, rep = make()
    ev = Event()
    ev.set()

    async def w():
        return await ev.wait()

    assert s.run_until_complete(w()) is True
    assert s.stat_steps == 1


def test_event_timeout_returns_false():
    s, clock, rep = make()
    ev = Event()

    async def w():
        return await ev.wait(timeout_ms=7)

    start = clock.us
    assert s.run_until_complete(w()) is False
    assert clock.us - start >= 7000
    s.check_invariants()
    assert s._events == []


def test_event_pulse_set_then_clear_still_wakes():
    s, clock, rep = make()
    ev = Event()
    got = []

    async def w():
        got.append(await ev.wait())

    async def pulse():
        await s.yield_now()
        ev.set()
        ev.clear()

    s.spawn(w())
    s.spawn(pulse())
    s.run()
    assert got == [True]


def test_event_set_from_callback_during_idle():
    # Models an IRQ callback that runs while the CPU is halted in idle().
    s, clock, rep = make()
    ev = Event()
    clock.on_idle = lambda: ev.set() if clock.idles == 4 else None

    async def w():
        return await ev.wait()

    assert s.run_until_complete(w()) is True
    assert clock.idles == 4


def test_wait_for_predicate_and_timeout():
    s, clock, rep = make()
    box = []

    async def consumer():
        ok = await s.wait_for(lambda: len(box) > 0)
        return (ok, box[0])

    async def producer():
        await s.sleep_ms(4)
        box.append("data")

    t = s.spawn(consumer())
    s.spawn(producer())
    s.run()
    assert t.result == (True, "data")

    async def never():
        return await s.wait_for(lambda: False, timeout_ms=5)

    assert s.run_until_complete(never()) is False
    s.check_invariants()
    assert s._pollers == [] and s._timers == []


def test_wait_for_true_predicate_returns_immediately():
    s, clock, rep = make()

    async def w():
        return await s.wait_for(lambda: True)

    assert s.run_until_complete(w()) is True


def test_wait_for_event_delegates():
    s, clock, rep = make()
    ev = Event()

    async def w():
        return await s.wait_for(ev, timeout_ms=50)

    async def setter():
        await s.sleep_ms(1)
        ev.set()

    t = s.spawn(w())
    s.spawn(setter())
    s.run()
    assert t.result is True
    assert s._timers == []


def test_wait_for_predicate_exception_raised_in_task():
    s, clock, rep = make()
    calls = []

    def pred():
        calls.append(1)
        if len(calls) >= 2:
            raise OSError(5, "io")
        return False

    async def w():
        try:
            await s.wait_for(pred)
        except OSError:
            return "caught"
        return "no"

    assert s.run_until_complete(w()) == "caught"


def test_wait_for_needs_event_or_callable():
    s, clock, rep = make()
    failed = False
    try:
        s.wait_for(5)
    except AssertionError:
        failed = True
    assert failed


def test_exception_in_task_is_reported_and_loop_continues():
    s, clock, rep = make()
    log = []

    async def bad():
        await s.yield_now()
        raise RuntimeError("kaboom")

    async def good():
        for i in range(3):
            log.append(i)
            await s.yield_now()

    tb = s.spawn(bad(), "bad")
    tg = s.spawn(good(), "good")
    s.run()
    assert log == [0, 1, 2]
    assert tb.state == process.FAILED and isinstance(tb.exception, RuntimeError)
    assert tg.state == process.DONE
    assert len(rep.items) == 1
    name, typ, text = rep.items[0]
    assert name == "bad" and typ == "RuntimeError"
    assert "kaboom" in text and "Traceback" in text
    assert s.stat_failed == 1


def test_broken_reporter_does_not_kill_loop():
    clock = FakeClock()

    def reporter(task, exc):
        raise ValueError("reporter broken")

    s = Scheduler(clock, reporter=reporter)

    async def bad():
        raise RuntimeError("x")

    async def good():
        return 1

    s.spawn(bad())
    t = s.spawn(good())
    s.run()
    assert t.result == 1


def test_make_reporter_writes_name_and_traceback():
    out = []
    clock = FakeClock()
    s = Scheduler(clock, reporter=process.make_reporter(out.append))

    async def bad():
        raise KeyError("k")

    s.spawn(bad(), "crasher")
    s.run()
    text = "".join(out)
    assert "crasher" in text and "KeyError" in text
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_default_reporter_exists():
    assert Scheduler(FakeClock()).reporter is process.default_reporter


def test_cancel_sleeping_task():
    s, clock, rep = make()
    log = []

    async def sleeper():
        try:
            await s.sleep_ms(1000)
            log.append("woke")
        except CancelledError:
            log.append("cancelled")
            raise

    async def killer(t):
        await s.sleep_ms(2)
        assert t.cancel() is True

    t = s.spawn(sleeper(), "sleeper")
    s.spawn(killer(t))
    s.run()
    assert log == ["cancelled"]
    assert t.state == process.CANCELLED
    assert rep.items == []  # cancellation is not a failure
    assert clock.us < 10000
    assert s.stat_cancelled == 1
    assert t.cancel() is False


def test_cancel_waiting_and_polling_tasks_cleans_structures():
    s, clock, rep = make()
    ev = Event()

    async def w1():
        await ev.wait(timeout_ms=100)

    async def w2():
        await s.wait_for(lambda: False, timeout_ms=100)

    t1 = s.spawn(w1())
    t2 = s.spawn(w2())
    for i in range(3):
        s.run_once()
    assert t1.state == process.WAITING and t2.state == process.POLLING
    s.check_invariants()
    t1.cancel()
    t2.cancel()
    s.run()
    assert t1.state == process.CANCELLED and t2.state == process.CANCELLED
    assert s._events == [] and s._pollers == [] and s._timers == []
    assert ev._waiters == []


def test_cancel_unstarted_task():
    s, clock, rep = make()
    ran = []

    async def w():
        ran.append(1)

    t = s.spawn(w())
    assert t.cancel() is True
    assert t.state == process.CANCELLED
    s.run()
    assert ran == []
    assert s.task_count() == 0


def test_self_cancel_delivered_at_next_await():
    s, clock, rep = make()
    log = []

    async def w():
        s.current.cancel()
        log.append("after cancel call")
        await s.checkpoint()  # pending cancellation makes checkpoint yield
        log.append("not reached")

    t = s.spawn(w())
    s.run()
    assert log == ["after cancel call"]
    assert t.state == process.CANCELLED


def test_task_may_catch_cancellation_and_finish():
    s, clock, rep = make()

    async def w():
        try:
            await s.sleep_ms(100)
        except CancelledError:
            return "cleaned up"

    t = s.spawn(w())
    s.run_once()
    t.cancel()
    s.run()
    assert t.state == process.DONE and t.result == "cleaned up"


def test_run_until_complete_cancelled_raises():
    s, clock, rep = make()

    async def w():
        await s.sleep_ms(100)

    t = s.spawn(w())
    s.run_once()
    t.cancel()
    raised = False
    try:
        s.run_until_complete(t)
    except CancelledError:
        raised = True
    assert raised


def test_join_task_wait():
    s, clock, rep = make()

    async def child():
        await s.sleep_ms(3)
        return "c"

    async def parent():
        t = s.spawn(child(), "child")
        ok = await t.wait()
        return (ok, t.result)

    assert s.run_until_complete(parent()) == (True, "c")


def test_task_limit():
    s, clock, rep = make(max_tasks=4)

    async def w():
        await s.sleep_ms(1)

    for i in range(4):
        s.spawn(w())
    extra = w()
    raised = False
    try:
        s.spawn(extra)
    except TaskLimitError as e:
        raised = True
        assert "4" in str(e)
    assert raised
    assert s.task_count() == 4
    s.run()
    assert s.task_count() == 0
    s.spawn(w())  # room again after the others finished
    s.run()


def test_default_limit_is_64():
    s, clock, rep = make()
    assert s.max_tasks == 64

    async def w():
        pass

    for i in range(64):
        s.spawn(w())
    c = w()
    raised = False
    try:
        s.spawn(c)
    except TaskLimitError:
        raised = True
    assert raised
    s.run()


def test_per_task_stats():
    s, clock, rep = make()

    async def w():
        for i in range(3):
            clock.burn(2000)
            await s.yield_now()

    t = s.spawn(w(), "stat")
    snapshot = []

    async def watcher():
        await s.yield_now()
        snapshot.append([(x.name, x.state, x.runs) for x in s.tasks()])

    s.spawn(watcher(), "watch")
    s.run()
    assert t.runs == 4  # three yields + the final step
    assert t.cpu_us == 6000
    assert ("stat", process.READY, 2) in snapshot[0]
    assert ("watch", process.RUNNING, 2) in snapshot[0]


def test_names_truncated_and_default():
    s, clock, rep = make()

    async def w():
        pass

    t = s.spawn(w(), "x" * 100)
    assert len(t.name) == process.NAME_MAX
    t2 = s.spawn(w())
    assert t2.name == "task%d" % t2.id
    s.run()


def test_run_until_complete_timeout():
    s, clock, rep = make()

    async def forever():
        await s.sleep_ms(10000)

    raised = False
    try:
        s.run_until_complete(forever(), timeout_ms=20)
    except Timeout:
        raised = True
    assert raised
    assert clock.us < 30000


def test_stop_from_task():
    s, clock, rep = make()
    log = []

    async def stopper():
        await s.sleep_ms(2)
        s.stop()

    async def bg():
        while True:
            log.append(1)
            await s.sleep_ms(1)

    s.spawn(stopper())
    bt = s.spawn(bg())
    s.run()
    assert bt.state in (process.SLEEPING, process.READY)
    assert 2 <= len(log) <= 4
    bt.cancel()
    s.run()
    assert s.task_count() == 0


def test_keyboard_interrupt_in_loop_goes_to_on_interrupt():
    s, clock, rep = make()
    hits = []
    s.on_interrupt = lambda: hits.append(1)
    state = {"n": 0}

    def idle_hook():
        state["n"] += 1
        if state["n"] == 2:
            raise KeyboardInterrupt()

    clock.on_idle = idle_hook

    async def w():
        await s.sleep_ms(5)
        return "ok"

    assert s.run_until_complete(w()) == "ok"
    assert hits == [1]
    assert s.stat_interrupts == 1


def test_keyboard_interrupt_escaping_task_is_reported_and_forwarded():
    s, clock, rep = make()
    hits = []
    s.on_interrupt = lambda: hits.append(1)

    async def w():
        await s.yield_now()
        raise KeyboardInterrupt()

    async def survivor():
        await s.sleep_ms(2)
        return 1

    t = s.spawn(w(), "victim")
    t2 = s.spawn(survivor())
    s.run()
    assert t.state == process.FAILED
    assert hits == [1]
    assert t2.result == 1
    assert rep.items[0][1] == "KeyboardInterrupt"


def test_kbd_intr_hook_only_for_interruptible_tasks():
    clock = FakeClock()
    calls = []
    s = Scheduler(clock, reporter=Reports(), kbd_intr=calls.append)
    seen = []

    async def normal():
        seen.append(("normal", list(calls)))
        await s.yield_now()

    async def intr():
        seen.append(("intr", calls[-1]))
        await s.yield_now()

    s.spawn(normal())
    s.spawn(intr(), interruptible=True)
    s.run()
    assert seen[0][1] == [-1]
    assert seen[1] == ("intr", 3)
    assert calls[-1] == -1
    # Only changes are sent: no two equal calls in a row.
    for i in range(1, len(calls)):
        assert calls[i] != calls[i - 1]


def test_invariants_hold_under_mixed_load():
    s, clock, rep = make(max_tasks=32)
    ev = Event()
    counter = [0]

    async def sleeper(i):
        for k in range(3):
            await s.sleep_ms(1 + (i * 7 + k) % 5)
            counter[0] += 1

    async def waiter(i):
        await ev.wait(timeout_ms=3 + i)
        counter[0] += 1

    async def poller(i):
        await s.wait_for(lambda: counter[0] > 20 + i, timeout_ms=40)

    async def setter():
        await s.sleep_ms(6)
        ev.set()

    for i in range(8):
        s.spawn(sleeper(i), "s%d" % i, i % 4)
        s.spawn(waiter(i), "w%d" % i)
        s.spawn(poller(i), "p%d" % i, PRIO_LOW)
    s.spawn(setter())
    steps = 0
    while s.task_count():
        if not s.run_once():
            clock.idle()
        s.check_invariants()
        steps += 1
        assert steps < 10000
    assert counter[0] == 8 * 3 + 8


def test_bare_yield_awaitable_is_treated_as_yield():
    s, clock, rep = make()

    class Bare:
        def __iter__(self):
            yield
        __await__ = __iter__

    log = []

    async def a():
        await Bare()
        log.append("a")

    async def b():
        log.append("b")

    s.spawn(a())
    s.spawn(b())
    s.run()
    assert log == ["b", "a"]


def test_format_exception_contains_type_and_message():
    try:
        raise ValueError("specific message")
    except ValueError as e:
        text = process.format_exception(e)
    assert "ValueError" in text and "specific message" in text


def test_set_interruptible_applies_at_once_and_resync():
    clock = FakeClock()
    calls = []
    s = Scheduler(clock, reporter=Reports(), kbd_intr=calls.append)
    seen = []

    async def w():
        s.set_interruptible(True)
        seen.append(calls[-1])
        await s.yield_now()
        seen.append(calls[-1])       # still interruptible after resuming
        s.set_interruptible(False)
        seen.append(calls[-1])
        s.kbd_intr_changed()         # e.g. hw.repl() set the char behind our back
        await s.yield_now()

    s.run_until_complete(w())
    assert seen == [3, 3, -1]
    assert calls[-1] == -1
    s.set_interruptible(True)        # outside a task: no effect
    assert calls[-1] == -1


class InterruptingClock(FakeClock):
    """Raises KeyboardInterrupt from the n-th ticks_us() call: models a Ctrl-C
    landing at an arbitrary point of the loop (or of a task)."""

    def __init__(self, n):
        FakeClock.__init__(self)
        self.n = n
        self.calls = 0

    def ticks_us(self):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt()
        return self.us


def test_keyboard_interrupt_anywhere_never_loses_a_task():
    for n in range(1, 160):
        clock = InterruptingClock(0)
        s = Scheduler(clock, reporter=Reports())
        clock.calls = 0
        clock.n = n
        ev = Event()
        flag = []

        async def sleeper():
            for i in range(3):
                await s.sleep_ms(2)

        async def waiter():
            await ev.wait(timeout_ms=20)

        async def poller():
            await s.wait_for(lambda: len(flag) > 0, timeout_ms=30)

        async def setter():
            await s.sleep_ms(3)
            ev.set()
            flag.append(1)

        async def spinner():
            for i in range(5):
                await s.yield_now()

        tasks = []
        for make_coro, name in ((sleeper, "sleeper"), (waiter, "waiter"), (poller, "poller"),
                                (setter, "setter"), (spinner, "spinner")):
            c = make_coro()
            try:
                tasks.append(s.spawn(c, name))
            except KeyboardInterrupt:
                c.close()
        s.run()   # must return: every task ends (done, or failed by the interrupt)
        assert s.task_count() == 0, n
        for t in tasks:
            assert t.done(), (n, t)
        assert s._timers == [] and s._events == [] and s._pollers == []
        assert clock.us < 100000, n
