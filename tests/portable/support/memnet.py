"""An in-memory implementation of the stream contract (kernel/io/stream.py), for the portable
tests (CPython and `selftest` in the kernel): ``MemNet`` listens and connects in memory, pairs of
connected ``MemConn`` with a bounded buffer per direction, injectable chunking of reads and
delays."""

from kernel.io.stream import (EADDRINUSE, EBADF, ECONNREFUSED, ECONNRESET, EPIPE,
                              MAX_RECV)

DEFAULT_CAPACITY = 65536  # bytes buffered per direction of a MemConn


class _Pipe:
    """One direction of a MemConn: a bounded byte buffer."""

    def __init__(self, capacity):
        assert capacity > 0
        self.buf = bytearray()
        self.capacity = capacity
        self.eof = False      # the writer shut down its side: no more data after buf
        self.broken = False   # the reader is gone: writes fail with EPIPE


def _remaining_ms(clock, deadline_us):
    if deadline_us is None:
        return None
    left = deadline_us - clock.ticks_us()
    if left <= 0:
        return 0
    return (left + 999) // 1000


class MemConn:
    """One end of an in-memory connection (see the module contract).

    ``chunk``: recv() returns at most that many bytes per call (short reads on demand).
    ``delay_ms``: recv() sleeps that long before returning data (a slow network).
    Extra helpers for test clients: write(), read(), at_eof(), trickle(), read_until().
    """

    def __init__(self, sched, rx, tx, peer, chunk=None, delay_ms=0):
        assert chunk is None or chunk > 0
        assert delay_ms >= 0
        self.sched = sched
        self.rx = rx
        self.tx = tx
        self.peer = peer
        self.chunk = chunk
        self.delay_ms = delay_ms
        self.other = None      # the MemConn at the other end
        self.closed = False
        self.reset = False     # the other end reset the connection
        self.bytes_in = 0
        self.bytes_out = 0

    # ---- the contract ---------------------------------------------------------

    def _readable(self):
        return bool(self.rx.buf) or self.rx.eof or self.reset or self.closed

    async def recv(self, max_bytes, timeout_ms=None):
        assert 0 < max_bytes <= MAX_RECV, "bad recv size"
        if self.closed:
            raise OSError(EBADF, "closed")
        if not self._readable():
            if timeout_ms == 0:
                return None
            if not await self.sched.wait_for(self._readable, timeout_ms):
                return None
        if self.closed:
            raise OSError(EBADF, "closed")
        if self.reset:
            raise OSError(ECONNRESET, "connection reset")
        rx = self.rx
        if not rx.buf:
            return b""
        if self.delay_ms:
            await self.sched.sleep_ms(self.delay_ms)
            if self.closed or self.reset:
                raise OSError(ECONNRESET, "connection reset")
        n = len(rx.buf)
        if n > max_bytes:
            n = max_bytes
        if self.chunk is not None and n > self.chunk:
            n = self.chunk
        data = bytes(rx.buf[:n])
        rx.buf = rx.buf[n:]
        self.bytes_in += n
        return data

    def _writable(self):
        return (len(self.tx.buf) < self.tx.capacity or self.tx.broken or self.closed
                or self.reset)

    async def send(self, data, timeout_ms=None):
        clock = self.sched.clock
        deadline = None if timeout_ms is None else clock.ticks_us() + int(timeout_ms * 1000)
        off = 0
        total = len(data)
        tx = self.tx
        while True:
            if self.closed:
                raise OSError(EBADF, "closed")
            if self.reset:
                raise OSError(ECONNRESET, "connection reset")
            if tx.broken or tx.eof:
                raise OSError(EPIPE, "broken pipe")
            if off >= total:
                return True
            space = tx.capacity - len(tx.buf)
            if space > 0:
                n = total - off
                if n > space:
                    n = space
                tx.buf.extend(data[off:off + n])
                assert len(tx.buf) <= tx.capacity
                off += n
                self.bytes_out += n
                if deadline is not None:   # between two writes, as kernel/io/lwip.py
                    deadline = clock.ticks_us() + int(timeout_ms * 1000)
                continue
            left = _remaining_ms(clock, deadline)
            if left == 0:
                return False
            if not await self.sched.wait_for(self._writable, left):
                return False

    def shutdown(self):
        self.tx.eof = True

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.tx.eof = True
        self.rx.broken = True
        other = self.other
        if self.rx.buf and other is not None and not other.closed:
            # Closing with unread input resets the connection (like lwIP and Linux): the
            # other end loses what it had not read yet.
            other.reset = True
            self.tx.buf = bytearray()
        self.rx.buf = bytearray()

    # ---- helpers for test clients -------------------------------------------

    def write(self, data):
        """Append ``data`` to the outgoing buffer at once (a test client; may exceed the
        capacity up to 4x, so one call can carry a large request)."""
        if self.closed:
            raise OSError(EBADF, "closed")
        if self.tx.broken or self.reset:
            raise OSError(EPIPE, "broken pipe")
        assert len(self.tx.buf) + len(data) <= 4 * self.tx.capacity, "test write too large"
        self.tx.buf.extend(data)
        self.bytes_out += len(data)

    def read(self):
        """Everything received so far (consumed)."""
        data = bytes(self.rx.buf)
        self.rx.buf = bytearray()
        self.bytes_in += len(data)
        return data

    def at_eof(self):
        """The other end closed its sending side and everything was read."""
        return self.rx.eof and not self.rx.buf

    async def trickle(self, data, chunk=1, delay_ms=1):
        """Send ``data`` ``chunk`` bytes at a time with ``delay_ms`` between pieces."""
        assert chunk > 0
        i = 0
        while i < len(data):
            if i:
                await self.sched.sleep_ms(delay_ms)
            await self.send(data[i:i + chunk])
            i += chunk

    async def read_until(self, done, timeout_ms=None):
        """Receive until ``done(data_so_far)`` is true or end of stream (or reset, or the
        timeout); returns the bytes received."""
        buf = bytearray()
        clock = self.sched.clock
        deadline = None if timeout_ms is None else clock.ticks_us() + int(timeout_ms * 1000)
        while not done(buf):
            left = _remaining_ms(clock, deadline)
            if left == 0:
                break
            try:
                data = await self.recv(MAX_RECV, left)
            except OSError:
                break
            if not data:
                break
            buf.extend(data)
        return bytes(buf)


class MemListener:
    def __init__(self, net, port, backlog):
        assert backlog > 0
        self.net = net
        self.port = port
        self.backlog = backlog
        self.queue = []
        self.closed = False

    def _ready(self):
        return bool(self.queue) or self.closed

    async def accept(self, timeout_ms=None):
        if self.closed:
            raise OSError(EBADF, "listener closed")
        if not self.queue:
            if timeout_ms == 0:
                return None
            if not await self.net.sched.wait_for(self._ready, timeout_ms):
                return None
            if self.closed:
                raise OSError(EBADF, "listener closed")
        return self.queue.pop(0)

    def close(self):
        if self.closed:
            return
        self.closed = True
        for c in self.queue:
            c.close()
            if c.other is not None:
                c.other.reset = True
        self.queue = []
        if self.net.listeners.get(self.port) is self:
            del self.net.listeners[self.port]


class MemNet:
    """In-memory network: ``listen()`` as in the contract, ``connect()`` for test clients.

    ``chunk`` and ``delay_ms`` apply to the server-side ends (as accepted): recv() returns at
    most ``chunk`` bytes, after ``delay_ms``. ``capacity`` bounds each direction's buffer."""

    MAX_LISTENERS = 16

    def __init__(self, sched, chunk=None, delay_ms=0, capacity=DEFAULT_CAPACITY):
        self.sched = sched
        self.chunk = chunk
        self.delay_ms = delay_ms
        self.capacity = capacity
        self.listeners = {}
        self.next_port = 49152
        self.next_peer = 1
        self.connects = 0

    def listen(self, port, backlog=8):
        assert 0 <= port <= 65535
        if port == 0:
            while self.next_port in self.listeners:
                self.next_port += 1
            port = self.next_port
            self.next_port += 1
        if port in self.listeners:
            raise OSError(EADDRINUSE, "address in use")
        assert len(self.listeners) < self.MAX_LISTENERS
        lst = MemListener(self, port, backlog)
        self.listeners[port] = lst
        return lst

    def connect(self, port, chunk=None, delay_ms=0):
        """A client end connected to the listener on ``port`` (queued for its accept());
        OSError(ECONNREFUSED) when nobody listens or the backlog is full."""
        lst = self.listeners.get(port)
        if lst is None or len(lst.queue) >= lst.backlog:
            raise OSError(ECONNREFUSED, "connection refused")
        up = _Pipe(self.capacity)
        down = _Pipe(self.capacity)
        n = self.next_peer
        self.next_peer += 1
        self.connects += 1
        client = MemConn(self.sched, down, up, ("127.0.0.1", port), chunk, delay_ms)
        server = MemConn(self.sched, up, down, ("10.0.%d.%d" % ((n >> 8) & 255, n & 255),
                                                40000 + (n % 20000)), self.chunk, self.delay_ms)
        client.other = server
        server.other = client
        lst.queue.append(server)
        return client
