"""The stream contract (kernel/io/stream.py) over CPython non-blocking sockets, for host tests.

Same scheduler as in the kernel (kernel/process.py) with a host clock: ``HostClock.ticks_us``
comes from time.monotonic_ns, and ``idle()`` selects for up to 1 ms on the sockets some task
is waiting for (and on a waker socket, so another thread can interrupt it). Tasks wait
through ``sched.wait_for(predicate, timeout_ms)``: the predicate tries the non-blocking
operation itself.

``HostLoop`` runs such a scheduler in a background thread: ``call(fn)`` runs ``fn()`` inside
the loop's thread and returns its result; ``stop()`` ends the loop and closes every socket.
CPython only (socket, select, threading); never imported by the kernel.
"""

import collections
import errno
import select
import socket
import threading
import time

from kernel import process

MAX_RECV = 65536
SEND_PIECE = 65536
IDLE_S = 0.001


class HostClock:
    def __init__(self):
        self.net = None

    def ticks_us(self):
        return time.monotonic_ns() // 1000

    def ticks_ms(self):
        return time.monotonic_ns() // 1000000

    def idle(self):
        if self.net is not None:
            self.net.wait(IDLE_S)
        else:
            time.sleep(IDLE_S)


def _left_ms(clock, deadline_us):
    if deadline_us is None:
        return None
    left = deadline_us - clock.ticks_us()
    return 0 if left <= 0 else (left + 999) // 1000


class HostNet:
    """``listen(port, backlog)`` on ``host`` (127.0.0.1 by default)."""

    def __init__(self, sched, host="127.0.0.1"):
        self.sched = sched
        self.host = host
        self.rwait = set()      # sockets a task waits to read (or accept) from
        self.wwait = set()      # sockets a task waits to write to
        self.socks = set()      # every open socket (closed by close_all)
        self._waker_r, self._waker_w = socket.socketpair()
        self._waker_r.setblocking(False)
        self._waker_w.setblocking(False)

    def listen(self, port, backlog=16):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((self.host, port))
            s.listen(backlog)
            s.setblocking(False)
        except OSError:
            s.close()
            raise
        self.socks.add(s)
        return HostListener(self, s)

    def wake(self):
        """Interrupt idle() from another thread."""
        try:
            self._waker_w.send(b"x")
        except OSError:
            pass

    def wait(self, timeout_s):
        rl = [s for s in self.rwait if s.fileno() >= 0]
        wl = [s for s in self.wwait if s.fileno() >= 0]
        rl.append(self._waker_r)
        try:
            r, _, _ = select.select(rl, wl, [], timeout_s)
        except (OSError, ValueError):
            time.sleep(timeout_s)
            return
        if self._waker_r in r:
            try:
                while self._waker_r.recv(512):
                    pass
            except OSError:
                pass

    def _forget(self, s):
        self.rwait.discard(s)
        self.wwait.discard(s)
        self.socks.discard(s)

    def close_all(self):
        for s in list(self.socks):
            try:
                s.close()
            except OSError:
                pass
        self.socks.clear()
        self.rwait.clear()
        self.wwait.clear()
        self._waker_r.close()
        self._waker_w.close()


class HostListener:
    def __init__(self, net, sock):
        self.net = net
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.closed = False
        self._got = None

    def _poll(self):
        if self.closed:
            return True
        try:
            s, addr = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as e:
            if e.errno in (errno.ECONNABORTED, errno.EPROTO):
                return False
            raise
        self._got = (s, addr)
        return True

    async def accept(self, timeout_ms=None):
        if self.closed:
            raise OSError(errno.EBADF, "listener closed")
        self._got = None
        if not self._poll():
            if timeout_ms == 0:
                return None
            self.net.rwait.add(self.sock)
            try:
                ok = await self.net.sched.wait_for(self._poll, timeout_ms)
            finally:
                self.net.rwait.discard(self.sock)
            if not ok:
                return None
        if self.closed:
            raise OSError(errno.EBADF, "listener closed")
        s, addr = self._got
        self._got = None
        s.setblocking(False)
        try:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.net.socks.add(s)
        return HostConn(self.net, s, (addr[0], addr[1]))

    def close(self):
        if not self.closed:
            self.closed = True
            self.net._forget(self.sock)
            try:
                self.sock.close()
            except OSError:
                pass


class HostConn:
    def __init__(self, net, sock, peer):
        self.net = net
        self.sock = sock
        self.peer = peer
        self.closed = False
        self._want = 0
        self._got = None

    def _check(self):
        if self.closed:
            raise OSError(errno.EBADF, "connection closed")

    def _try_recv(self, n):
        try:
            return self.sock.recv(n)
        except (BlockingIOError, InterruptedError):
            return None

    def _poll_recv(self):
        self._check()
        d = self._try_recv(self._want)
        if d is None:
            return False
        self._got = d
        return True

    async def recv(self, max_bytes, timeout_ms=None):
        assert 0 < max_bytes <= MAX_RECV, "bad recv size"
        self._check()
        d = self._try_recv(max_bytes)
        if d is not None:
            return d
        if timeout_ms == 0:
            return None
        self._want = max_bytes
        self._got = None
        self.net.rwait.add(self.sock)
        try:
            ok = await self.net.sched.wait_for(self._poll_recv, timeout_ms)
        finally:
            self.net.rwait.discard(self.sock)
        if not ok:
            return None
        d = self._got
        self._got = None
        return d

    def _writable(self):
        self._check()
        _, w, _ = select.select([], [self.sock], [], 0)
        return bool(w)

    async def send(self, data, timeout_ms=None):
        self._check()
        clock = self.net.sched.clock
        deadline = None if timeout_ms is None else clock.ticks_us() + int(timeout_ms * 1000)
        mv = memoryview(data)
        off = 0
        n = len(mv)
        while off < n:
            try:
                off += self.sock.send(mv[off:off + SEND_PIECE])
            except (BlockingIOError, InterruptedError):
                pass
            if off >= n:
                break
            left = _left_ms(clock, deadline)
            if left == 0:
                return False
            self.net.wwait.add(self.sock)
            try:
                ok = await self.net.sched.wait_for(self._writable, left)
            finally:
                self.net.wwait.discard(self.sock)
            if not ok:
                return False
        return True

    def shutdown(self):
        if not self.closed:
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        if not self.closed:
            self.closed = True
            self.net._forget(self.sock)
            try:
                self.sock.close()
            except OSError:
                pass


class HostLoop:
    """A Scheduler + HostNet running in a daemon thread (for host tests)."""

    def __init__(self, max_tasks=process.MAX_TASKS, host="127.0.0.1"):
        self.clock = HostClock()
        self.reports = []
        self.sched = process.Scheduler(self.clock, reporter=self._report, max_tasks=max_tasks)
        self.net = HostNet(self.sched, host)
        self.clock.net = self.net
        self._calls = collections.deque()
        self._thread = None
        self.error = None

    def _report(self, task, exc):
        self.reports.append((task.name, process.format_exception(exc)))

    def start(self):
        self.sched.spawn(self._call_task(), "host-calls", process.PRIO_HIGH)
        self._thread = threading.Thread(target=self._run, name="qenex-loop", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        try:
            self.sched.run()
        except BaseException as e:  # pragma: no cover - a loop bug, reported to the test
            self.error = e

    async def _call_task(self):
        calls = self._calls
        while True:
            await self.sched.wait_for(lambda: bool(calls))
            while calls:
                fn, box, done = calls.popleft()
                try:
                    box["value"] = fn()
                except BaseException as e:
                    box["exc"] = e
                done.set()

    def call(self, fn, timeout=10.0):
        """Run ``fn()`` in the loop's thread; its result (or exception)."""
        done = threading.Event()
        box = {}
        self._calls.append((fn, box, done))
        self.net.wake()
        if not done.wait(timeout):
            raise TimeoutError("loop did not run the call in %.1f s" % timeout)
        if "exc" in box:
            raise box["exc"]
        return box.get("value")

    def stop(self, timeout=5.0):
        if self._thread is None:
            return
        try:
            self.call(self.sched.stop, timeout)
        except TimeoutError:
            pass
        self._thread.join(timeout)
        self._thread = None
        self.net.close_all()
