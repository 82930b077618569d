"""The stream interface (kernel/io/stream.py) over lwIP, through the C module `net`.

Every wait is a scheduler predicate on `net`'s state: the network task (pump) feeds received
frames to lwIP and runs its timers; connection tasks wait until their connection is readable or
writable. Nothing here blocks the CPU.
"""
import errno

MAX_RECV = 65536
EBADF = getattr(errno, "EBADF", 9)
ECONNRESET = getattr(errno, "ECONNRESET", 104)
PUMP_MS = 5      # lwIP timers (TCP retransmission, DHCP) run at least this often


class LwipNet:
    def __init__(self, sched, net):
        self.sched = sched
        self.net = net

    def listen(self, port, backlog):
        lid, bound = self.net.tcp_listen(port if port else 0, backlog)
        return Listener(self, lid, bound)

    async def pump(self):
        """The network task: runs for the kernel's lifetime."""
        net = self.net
        while True:
            net.poll()
            await self.sched.wait_for(net.pending, PUMP_MS)


class Listener:
    def __init__(self, lnet, lid, port):
        self.lnet = lnet
        self.lid = lid
        self.port = port
        self.closed = False

    async def accept(self, timeout_ms=None):
        net = self.lnet.net
        if self.closed:
            raise OSError(EBADF, "listener closed")
        lid = self.lid
        if not net.tcp_acceptable(lid):
            if timeout_ms == 0:
                return None
            ok = await self.lnet.sched.wait_for(
                lambda: self.closed or net.tcp_acceptable(lid), timeout_ms)
            if not ok:
                return None
            if self.closed:
                raise OSError(EBADF, "listener closed")
        cid = net.tcp_accept(lid)
        if cid < 0:
            return None
        return Conn(self.lnet, cid)

    def close(self):
        if not self.closed:
            self.closed = True
            self.lnet.net.tcp_unlisten(self.lid)


class Conn:
    def __init__(self, lnet, cid):
        self.lnet = lnet
        self.cid = cid
        self.closed = False
        self.peer = lnet.net.tcp_peer(cid) or ("0.0.0.0", 0)

    def _check(self):
        if self.closed:
            raise OSError(EBADF, "connection closed")

    async def recv(self, max_bytes, timeout_ms=None):
        self._check()
        assert 1 <= max_bytes <= MAX_RECV
        net, cid = self.lnet.net, self.cid
        data = net.tcp_recv(cid, max_bytes)
        if data is None:
            if timeout_ms == 0:
                return None
            ok = await self.lnet.sched.wait_for(
                lambda: self.closed or net.tcp_readable(cid), timeout_ms)
            if not ok:
                return None
            self._check()
            data = net.tcp_recv(cid, max_bytes)
        return data

    async def send(self, data, timeout_ms=None):
        self._check()
        net, cid = self.lnet.net, self.cid
        view = memoryview(data)
        clock = self.lnet.sched.clock
        deadline = None if timeout_ms is None else clock.ticks_us() + timeout_ms * 1000
        while len(view):
            n = net.tcp_send(cid, view)
            view = view[n:]
            if not len(view):
                break
            if n and deadline is not None:
                # The timeout runs between two writes the peer takes, not over the whole
                # answer (as nginx's send_timeout): a large answer to a slow-draining peer, or
                # a kernel busy with a checkpoint meanwhile, is not cut off half-sent.
                deadline = clock.ticks_us() + timeout_ms * 1000
            left = None
            if deadline is not None:
                left = (deadline - self.lnet.sched.clock.ticks_us()) // 1000
                if left <= 0:
                    return False
            ok = await self.lnet.sched.wait_for(lambda: self.closed or net.tcp_writable(cid), left)
            self._check()
            if not ok:
                return False
        return True

    def shutdown(self):
        if not self.closed:
            try:
                self.lnet.net.tcp_shutdown(self.cid)
            except (OSError, ValueError):
                pass

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.lnet.net.tcp_close(self.cid)
            except (OSError, ValueError):
                pass
