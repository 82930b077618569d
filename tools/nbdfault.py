#!/usr/bin/env python3
"""A small NBD server with a volatile write cache and power cuts, for the ledger's power-loss
tests (issue 4). Python standard library only.

It serves one raw image file over a Unix socket (QEMU: `-drive driver=nbd,server.type=unix,
server.path=SOCKET`, see tools/qemu.py `nbd=` and `--nbd`; qemu-io: `nbd+unix:///?socket=SOCKET`).

The disk model. A WRITE goes to a cache in memory: the ordered list of (offset, data) written
since the last FLUSH. A READ sees the file with the cache laid over it. A FLUSH writes the cache
to the file in order, fsyncs, and only then answers: what a flush answered for is on the medium.
`power_cut(mode, seed)` is the power going away: every connection is dropped at once (no further
request is served, no further answer sent), and the mode decides what of the cache reaches the
file:

  drop    none of it
  keep    all of it, in order
  subset  each 512-byte block written since the flush independently with probability 1/2, in
          one of the versions written to it since the flush (a cache that destaged blocks in any
          order, at any time)
  tear    the writes in order up to a random one, which lands only partly: a prefix that ends
          in the middle of a 512-byte sector; the writes after it are lost
  flip    like keep, then random bits flipped in `sectors` random sectors of the area written
          since the flush (or of `flip_range=(start, end)` when given)

After a cut the disk stays off (connections are accepted and closed at once) until
`power_on()`, or a new server on the same image. `flip_bits(offset, count)` damages data on the
medium (flushed data: corruption inside a committed log).

Protocol: fixed newstyle handshake with NBD_OPT_GO, NBD_OPT_INFO, NBD_OPT_EXPORT_NAME,
NBD_OPT_LIST and NBD_OPT_ABORT (every other option: NBD_REP_ERR_UNSUP); transmission with simple
replies: READ, WRITE, FLUSH, DISC (flags HAS_FLAGS | SEND_FLUSH; any other command: EINVAL).

Limits, each with a clear error: a request moves at most `max_request` bytes (32 MiB: READ gets
EOVERFLOW, a bigger WRITE drops the connection, its payload cannot be buffered); an option's
data at most 64 KiB (NBD_REP_ERR_TOO_BIG, then the connection is dropped); the cache holds at
most `max_cache` bytes (256 MiB) in at most `max_cache_writes` writes (65536): beyond that the
oldest cached writes are destaged to the file (a real disk's cache does the same; they are then
safe from a power cut), or, with `on_full="refuse"`, the WRITE gets ENOSPC; at most
`max_connections` (8) connections, a handshake within `handshake_timeout` seconds.

Library:
    srv = NbdFault("disk.img", "/tmp/disk.sock").start()
    ... QEMU or qemu-io uses the socket ...
    report = srv.power_cut("tear", seed=3)
    srv.stop()

CLI: `python3 tools/nbdfault.py IMAGE SOCKET` serves until Ctrl-C (the cache is flushed then);
commands on stdin: `cut MODE [SEED]`, `on`, `flip OFFSET [COUNT]`, `flush`, `stats`, `quit`.
"""
import os
import random
import signal
import socket
import stat
import struct
import sys
import threading
import time

# --- protocol constants (NetworkBlockDevice/nbd doc/proto.md) ---------------------------------
NBDMAGIC = 0x4E42444D41474943          # "NBDMAGIC"
IHAVEOPT = 0x49484156454F5054          # "IHAVEOPT"
OPT_REPLY_MAGIC = 0x0003E889045565A9
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698

FLAG_FIXED_NEWSTYLE = 1 << 0           # handshake flags (server)
FLAG_NO_ZEROES = 1 << 1
FLAG_C_FIXED_NEWSTYLE = 1 << 0         # client flags
FLAG_C_NO_ZEROES = 1 << 1

OPT_EXPORT_NAME = 1
OPT_ABORT = 2
OPT_LIST = 3
OPT_STARTTLS = 5
OPT_INFO = 6
OPT_GO = 7

REP_ACK = 1
REP_SERVER = 2
REP_INFO = 3
REP_ERR_UNSUP = 0x80000001
REP_ERR_POLICY = 0x80000002
REP_ERR_INVALID = 0x80000003
REP_ERR_UNKNOWN = 0x80000006
REP_ERR_TOO_BIG = 0x80000009

INFO_EXPORT = 0
INFO_BLOCK_SIZE = 3

TFLAG_HAS_FLAGS = 1 << 0               # transmission flags
TFLAG_SEND_FLUSH = 1 << 2

CMD_READ = 0
CMD_WRITE = 1
CMD_DISC = 2
CMD_FLUSH = 3
CMD_FLAG_FUA = 1 << 0

# error values of the protocol (the same numbers as Linux errno)
EIO = 5
EINVAL = 22
ENOSPC = 28
EOVERFLOW = 75

SECTOR = 512
MiB = 1 << 20
MAX_REQUEST = 32 * MiB
MAX_CACHE = 256 * MiB
MAX_CACHE_WRITES = 65536
MAX_OPTION_DATA = 64 * 1024
MAX_OPTIONS = 128
MODES = ("drop", "keep", "subset", "tear", "flip")


class CacheFull(Exception):
    """A WRITE does not fit in the cache and the server refuses instead of destaging."""


class _PowerLost(Exception):
    """The power was cut while a connection's request was being served: no answer."""


class _Drop(Exception):
    """Protocol violation or limit: the connection is dropped (logged)."""


def _recv_exact(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("the client closed the connection")
        got += k
    return buf


class _Conn:
    def __init__(self, sock, epoch, number):
        self.sock = sock
        self.epoch = epoch
        self.number = number


class NbdFault:
    """The server: start() runs it in its own threads (one listener, one per connection)."""

    def __init__(self, image, socket_path, name="", max_request=MAX_REQUEST,
                 max_cache=MAX_CACHE, max_cache_writes=MAX_CACHE_WRITES, on_full="destage",
                 max_connections=8, handshake_timeout=30.0, log=None):
        if on_full not in ("destage", "refuse"):
            raise ValueError("on_full must be 'destage' or 'refuse', not %r" % (on_full,))
        if not 0 < max_request <= MAX_REQUEST:
            raise ValueError("max_request must be 1 .. %d bytes" % MAX_REQUEST)
        if max_cache < max_request:
            raise ValueError("max_cache (%d) must hold at least one request (%d)"
                             % (max_cache, max_request))
        self.image = image
        self.socket_path = socket_path
        self.name = name
        self.max_request = max_request
        self.max_cache = max_cache
        self.max_cache_writes = max_cache_writes
        self.on_full = on_full
        self.max_connections = max_connections
        self.handshake_timeout = handshake_timeout
        self._log = log
        self._fd = os.open(image, os.O_RDWR)
        self.size = os.fstat(self._fd).st_size
        if self.size == 0 or self.size % SECTOR:
            os.close(self._fd)
            raise ValueError("%s: the image size (%d bytes) must be a positive multiple of %d"
                             % (image, self.size, SECTOR))
        self._lock = threading.RLock()
        self._dirty = threading.Condition(self._lock)   # notified by every cached write
        self._writes = []           # [(offset, bytes)] since the last flush, in order
        self._cached = 0            # bytes in _writes
        self._epoch = 0             # +1 at every power cut: requests of older epochs are dead
        self._trip = None           # (span,) while a power_cut(wait=) waits for a write
        self._tripped = False       # that write came: requests hold until the cut is done
        self._powered = True
        self._conns = {}
        self._threads = []
        self._listener = None
        self._accept_thread = None
        self._stopping = False
        self._number = 0
        self.errors = []            # the last 100 problems, also logged
        self.stats = {"connections": 0, "reads": 0, "writes": 0, "flushes": 0,
                      "bytes_read": 0, "bytes_written": 0, "destaged_writes": 0,
                      "power_cuts": 0, "refused": 0}

    # ---- running ---------------------------------------------------------------------------
    def start(self):
        if os.path.exists(self.socket_path):
            if not stat.S_ISSOCK(os.lstat(self.socket_path).st_mode):
                raise FileExistsError("%s exists and is not a socket" % self.socket_path)
            os.unlink(self.socket_path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(self.socket_path)
        s.listen(8)
        s.settimeout(0.2)
        self._listener = s
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True,
                                               name="nbdfault-accept")
        self._accept_thread.start()
        return self

    def stop(self, flush=True):
        """Stop serving: drop the connections, write the cache to the file when `flush` (an
        orderly shutdown; after a power cut the cache is empty anyway), close the file."""
        if self._stopping:
            return
        self._stopping = True
        if self._accept_thread:
            self._accept_thread.join(5)
        with self._lock:
            self._epoch += 1
            self._shutdown_conns()
            if flush:
                self._apply(self._writes)
                os.fsync(self._fd)
            self._writes = []
            self._cached = 0
        for t in list(self._threads):
            t.join(5)
        if self._listener is not None:         # started: the socket file is ours
            self._listener.close()
            try:
                os.unlink(self.socket_path)
            except OSError:
                pass
        os.close(self._fd)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _note(self, msg):
        self.errors.append(msg)
        del self.errors[:-100]
        if self._log is not None:
            self._log(msg)
        else:
            print("nbdfault: " + msg, file=sys.stderr, flush=True)

    def _accept_loop(self):
        while not self._stopping:
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if not self._stopping:
                    self._note("accept failed; the server stops listening")
                return
            with self._lock:
                if not self._powered:
                    sock.close()        # the disk is off: nobody answers
                    continue
                if len(self._conns) >= self.max_connections:
                    self._note("refused a connection: already %d (max_connections)"
                               % len(self._conns))
                    sock.close()
                    continue
                self._number += 1
                conn = _Conn(sock, self._epoch, self._number)
                self._conns[conn.number] = conn
                self.stats["connections"] += 1
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True,
                                 name="nbdfault-conn-%d" % conn.number)
            self._threads = [x for x in self._threads if x.is_alive()] + [t]
            t.start()

    def _shutdown_conns(self):
        for conn in self._conns.values():
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # ---- one connection ----------------------------------------------------------------------
    def _serve(self, conn):
        sock = conn.sock
        try:
            sock.settimeout(self.handshake_timeout)
            if self._handshake(conn):
                sock.settimeout(None)
                self._transmission(conn)
        except (EOFError, _PowerLost):
            pass
        except _Drop as e:
            self._note("connection %d dropped: %s" % (conn.number, e))
        except socket.timeout:
            self._note("connection %d dropped: no handshake within %.0f s"
                       % (conn.number, self.handshake_timeout))
        except OSError as e:
            if conn.epoch == self._epoch and not self._stopping:
                self._note("connection %d: %s" % (conn.number, e))
        finally:
            with self._lock:
                self._conns.pop(conn.number, None)
            try:
                sock.close()
            except OSError:
                pass

    def _opt_reply(self, sock, opt, rtype, data=b""):
        sock.sendall(struct.pack(">QIII", OPT_REPLY_MAGIC, opt, rtype, len(data)) + data)

    def _opt_error(self, sock, opt, rtype, message):
        self._opt_reply(sock, opt, rtype, message.encode())

    def _tflags(self):
        return TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH

    def _handshake(self, conn):
        """The fixed newstyle negotiation; True when the transmission phase starts."""
        sock = conn.sock
        sock.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
        (cflags,) = struct.unpack(">I", _recv_exact(sock, 4))
        if cflags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES):
            raise _Drop("unknown client flags 0x%x" % cflags)
        no_zeroes = bool(cflags & FLAG_C_NO_ZEROES)
        for _ in range(MAX_OPTIONS):
            magic, opt, length = struct.unpack(">QII", _recv_exact(sock, 16))
            if magic != IHAVEOPT:
                raise _Drop("bad option magic 0x%x" % magic)
            if length > MAX_OPTION_DATA:
                if opt != OPT_EXPORT_NAME:
                    self._opt_error(sock, opt, REP_ERR_TOO_BIG,
                                    "option data of %d bytes (max %d)" % (length, MAX_OPTION_DATA))
                raise _Drop("option %d with %d bytes of data (max %d)"
                            % (opt, length, MAX_OPTION_DATA))
            data = bytes(_recv_exact(sock, length))
            if opt == OPT_EXPORT_NAME:
                if not self._known(data):
                    raise _Drop("unknown export %r (NBD_OPT_EXPORT_NAME cannot answer an error)"
                                % data)
                sock.sendall(struct.pack(">QH", self.size, self._tflags())
                             + (b"" if no_zeroes else bytes(124)))
                return True
            if opt == OPT_ABORT:
                try:
                    self._opt_reply(sock, opt, REP_ACK)
                except OSError:
                    pass
                return False
            if opt == OPT_LIST:
                if length:
                    self._opt_error(sock, opt, REP_ERR_INVALID, "NBD_OPT_LIST takes no data")
                    continue
                name = self.name.encode()
                self._opt_reply(sock, opt, REP_SERVER, struct.pack(">I", len(name)) + name)
                self._opt_reply(sock, opt, REP_ACK)
                continue
            if opt in (OPT_INFO, OPT_GO):
                if self._info(sock, opt, data) and opt == OPT_GO:
                    return True
                continue
            if opt == OPT_STARTTLS:
                self._opt_error(sock, opt, REP_ERR_POLICY, "this server has no TLS")
                continue
            self._opt_error(sock, opt, REP_ERR_UNSUP, "option %d is not supported" % opt)
        raise _Drop("more than %d options" % MAX_OPTIONS)

    def _known(self, name):
        return name in (b"", self.name.encode())

    def _info(self, sock, opt, data):
        """NBD_OPT_INFO / NBD_OPT_GO; True when it succeeded."""
        if len(data) < 6:
            self._opt_error(sock, opt, REP_ERR_INVALID, "option data too short")
            return False
        (nlen,) = struct.unpack_from(">I", data, 0)
        if 4 + nlen + 2 > len(data):
            self._opt_error(sock, opt, REP_ERR_INVALID, "export name length past the data")
            return False
        name = data[4:4 + nlen]
        (nreq,) = struct.unpack_from(">H", data, 4 + nlen)
        if 4 + nlen + 2 + 2 * nreq != len(data):
            self._opt_error(sock, opt, REP_ERR_INVALID, "information request count mismatch")
            return False
        reqs = struct.unpack_from(">%dH" % nreq, data, 4 + nlen + 2)
        if not self._known(name):
            self._opt_error(sock, opt, REP_ERR_UNKNOWN, "no export named %r" % name.decode(
                "utf-8", "replace"))
            return False
        self._opt_reply(sock, opt, REP_INFO, struct.pack(">HQH", INFO_EXPORT, self.size,
                                                         self._tflags()))
        if INFO_BLOCK_SIZE in reqs:
            self._opt_reply(sock, opt, REP_INFO, struct.pack(">HIII", INFO_BLOCK_SIZE, 1, 4096,
                                                             self.max_request))
        self._opt_reply(sock, opt, REP_ACK)
        return True

    def _reply(self, conn, handle, error, data=None):
        if conn.epoch != self._epoch:
            raise _PowerLost()
        msg = struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, error, handle)
        if data is not None:
            conn.sock.sendall(msg)
            conn.sock.sendall(data)
        else:
            conn.sock.sendall(msg)

    def _transmission(self, conn):
        sock = conn.sock
        while True:
            magic, flags, cmd, handle, offset, length = struct.unpack(
                ">IHHQQI", _recv_exact(sock, 28))
            if magic != REQUEST_MAGIC:
                raise _Drop("bad request magic 0x%x" % magic)
            if cmd == CMD_READ:
                if length > self.max_request:
                    self._note("READ of %d bytes refused (max_request %d): EOVERFLOW"
                               % (length, self.max_request))
                    self._reply(conn, handle, EOVERFLOW)
                elif offset + length > self.size:
                    self._reply(conn, handle, EINVAL)
                else:
                    try:
                        data = self.read(offset, length, conn)
                    except OSError as e:
                        self._note("READ %d+%d: %s" % (offset, length, e))
                        self._reply(conn, handle, EIO)
                    else:
                        self._reply(conn, handle, 0, data)
            elif cmd == CMD_WRITE:
                if length > self.max_request:
                    raise _Drop("WRITE of %d bytes (max_request %d): its payload cannot be "
                                "taken" % (length, self.max_request))
                payload = _recv_exact(sock, length)
                if offset + length > self.size:
                    self._reply(conn, handle, ENOSPC)
                    continue
                try:
                    self.write(offset, payload, conn, fua=bool(flags & CMD_FLAG_FUA))
                except CacheFull as e:
                    self._note(str(e))
                    self._reply(conn, handle, ENOSPC)
                except OSError as e:
                    self._note("WRITE %d+%d: %s" % (offset, length, e))
                    self._reply(conn, handle, EIO)
                else:
                    self._reply(conn, handle, 0)
            elif cmd == CMD_FLUSH:
                try:
                    self.flush(conn)
                except OSError as e:
                    self._note("FLUSH: %s" % e)
                    self._reply(conn, handle, EIO)
                else:
                    self._reply(conn, handle, 0)
            elif cmd == CMD_DISC:
                return
            else:
                self._reply(conn, handle, EINVAL)

    # ---- the disk --------------------------------------------------------------------------
    def _check(self, conn):
        # A write a waiting power_cut was after has come: nothing more may reach the disk
        # before the cut (a flush or later write slipping in first would hide it).
        while self._tripped and conn is not None and conn.epoch == self._epoch:
            self._dirty.wait()
        if conn is not None and conn.epoch != self._epoch:
            raise _PowerLost()

    def _pread(self, offset, length):
        data = os.pread(self._fd, length, offset)
        if len(data) < length:          # the file shrank under us: zeros, never a short read
            data += bytes(length - len(data))
        return data

    def _apply(self, writes):
        for off, data in writes:
            os.pwrite(self._fd, data, off)

    def read(self, offset, length, conn=None):
        """What a READ answers: the file with the cache laid over it, in write order."""
        with self._lock:
            self._check(conn)
            buf = bytearray(self._pread(offset, length))
            end = offset + length
            for off, data in self._writes:
                lo = max(off, offset)
                hi = min(off + len(data), end)
                if lo < hi:
                    buf[lo - offset:hi - offset] = data[lo - off:hi - off]
            self.stats["reads"] += 1
            self.stats["bytes_read"] += length
            return buf

    def write(self, offset, data, conn=None, fua=False):
        """A WRITE: into the cache (destaging the oldest writes when it is full)."""
        if offset < 0 or offset + len(data) > self.size:
            raise ValueError("write %d+%d outside the disk (%d bytes)"
                             % (offset, len(data), self.size))
        with self._lock:
            self._check(conn)
            n = len(data)
            if n == 0:
                return
            if self._cached + n > self.max_cache or len(self._writes) >= self.max_cache_writes:
                if self.on_full == "refuse":
                    self.stats["refused"] += 1
                    raise CacheFull("WRITE %d+%d refused with ENOSPC: the cache holds %d bytes "
                                    "in %d writes (max %d bytes, %d writes); flush first"
                                    % (offset, n, self._cached, len(self._writes),
                                       self.max_cache, self.max_cache_writes))
                while self._writes and (self._cached + n > self.max_cache
                                        or len(self._writes) >= self.max_cache_writes):
                    off, old = self._writes.pop(0)
                    os.pwrite(self._fd, old, off)
                    self._cached -= len(old)
                    self.stats["destaged_writes"] += 1
            self._writes.append((offset, bytes(data)))
            self._cached += n
            if self._trip is not None and self._caught(self._trip[0]):
                self._tripped = True
            self._dirty.notify_all()
            self.stats["writes"] += 1
            self.stats["bytes_written"] += n
            if fua:
                self._flush_locked()

    def flush(self, conn=None):
        """A FLUSH: the cache to the file in order, fsync; durable when this returns."""
        with self._lock:
            self._check(conn)
            self._flush_locked()

    def _flush_locked(self):
        self._apply(self._writes)
        os.fsync(self._fd)
        self._writes = []
        self._cached = 0
        self.stats["flushes"] += 1

    def unflushed(self):
        """(writes, bytes) in the cache."""
        with self._lock:
            return len(self._writes), self._cached

    # ---- faults ----------------------------------------------------------------------------
    def power_cut(self, mode, seed=0, sectors=1, bits=1, flip_range=None, at=None, wait=None,
                  wait_range=None, armed=None):
        """Cut the power: drop every connection and put on the medium what `mode` says of the
        writes not yet flushed (see the module's doc). The disk stays off until power_on().
        `at` (tear): the index of the write torn among the cached ones (-1: the last, the
        one a `wait` caught); random when None. `wait` (seconds): first wait until the cache
        holds a write (with `wait_range=(start, end)`: a write touching those bytes) at most
        that long, and cut at once then, with no flush in between; report["caught"] says
        whether it came; `armed` (a threading.Event) is set once the wait has begun, so a
        caller in another thread knows that every write from then on is seen. `sectors`,
        `bits`, `flip_range`: see flip.
        Returns a report: mode, seed, the cached writes and bytes, and per mode `applied`
        (writes), `blocks` (subset: blocks kept / written), `torn` (tear: index, offset,
        length, bytes that landed), `flipped` (flip: [(byte offset, bit)])."""
        if mode not in MODES:
            raise ValueError("power_cut mode must be one of %s, not %r" % (", ".join(MODES), mode))
        if flip_range is not None:
            start, end = flip_range
            if not 0 <= start < end <= self.size:
                raise ValueError("flip_range %r outside the disk" % (flip_range,))
        rng = random.Random(seed)
        with self._lock:
            caught = self._caught(wait_range)
            if wait is not None and not caught:
                self._trip = (wait_range,)
            if armed is not None:
                armed.set()          # under the lock: a write from now on trips the wait
            if wait is not None:
                deadline = time.monotonic() + wait
                while not self._tripped and not caught and time.monotonic() < deadline:
                    self._dirty.wait(max(0.0, deadline - time.monotonic()))
                caught = caught or self._tripped
            self._trip = None
            self._tripped = False
            if mode == "tear" and at is not None:
                if not -len(self._writes) <= at < len(self._writes):
                    raise ValueError("tear at=%r: %d writes are cached"
                                     % (at, len(self._writes)))
                at %= len(self._writes)
            self._epoch += 1
            self._powered = False
            self._dirty.notify_all()         # requests held by a trip see the new epoch
            self._shutdown_conns()
            writes = self._writes
            self._writes = []
            self._cached = 0
            self.stats["power_cuts"] += 1
            report = {"mode": mode, "seed": seed, "writes": len(writes),
                      "bytes": sum(len(d) for _, d in writes), "caught": caught}
            if mode == "keep":
                self._apply(writes)
                report["applied"] = len(writes)
            elif mode == "subset":
                report["blocks"] = self._cut_subset(writes, rng)
            elif mode == "tear":
                report["applied"], report["torn"] = self._cut_tear(writes, rng, at)
            elif mode == "flip":
                self._apply(writes)
                report["applied"] = len(writes)
                if flip_range is not None:
                    area = list(range(start // SECTOR, (end - 1) // SECTOR + 1))
                else:
                    area = sorted(self._blocks_of(writes))
                report["flipped"] = self._flip_sectors(area, sectors, bits, rng)
            else:
                report["applied"] = 0
            os.fsync(self._fd)
            return report

    def _caught(self, span):
        if span is None:
            return bool(self._writes)
        start, end = span
        return any(off < end and start < off + len(data) for off, data in self._writes)

    def power_on(self):
        """The disk answers connections again (after power_cut)."""
        with self._lock:
            self._powered = True

    @staticmethod
    def _blocks_of(writes):
        blocks = set()
        for off, data in writes:
            blocks.update(range(off // SECTOR, (off + len(data) - 1) // SECTOR + 1))
        return blocks

    def _cut_subset(self, writes, rng):
        current = {}
        versions = {}
        for off, data in writes:
            end = off + len(data)
            for b in range(off // SECTOR, (end - 1) // SECTOR + 1):
                if b not in current:
                    current[b] = bytearray(self._pread(b * SECTOR, SECTOR))
                    versions[b] = []
                lo = max(off, b * SECTOR)
                hi = min(end, (b + 1) * SECTOR)
                current[b][lo - b * SECTOR:hi - b * SECTOR] = data[lo - off:hi - off]
                versions[b].append(bytes(current[b]))
        kept = 0
        for b in sorted(versions):
            if rng.random() < 0.5:
                os.pwrite(self._fd, rng.choice(versions[b]), b * SECTOR)
                kept += 1
        return [kept, len(versions)]

    def _cut_tear(self, writes, rng, at):
        if not writes:
            return 0, None
        k = rng.randrange(len(writes)) if at is None else at
        self._apply(writes[:k])
        off, data = writes[k]
        end = off + len(data)
        # a byte boundary strictly inside a disk sector and strictly inside the write
        spans = []
        for sec in range(off // SECTOR, (end - 1) // SECTOR + 1):
            lo = max(off + 1, sec * SECTOR + 1)
            hi = min(end - 1, sec * SECTOR + SECTOR - 1)
            if lo <= hi:
                spans.append((lo, hi))
        cut = 0
        if spans:
            lo, hi = rng.choice(spans)
            cut = rng.randint(lo, hi) - off
        if cut:
            os.pwrite(self._fd, data[:cut], off)
        return k, {"index": k, "offset": off, "length": len(data), "landed": cut}

    def _flip_sectors(self, area, sectors, bits, rng):
        flipped = []
        if not area:
            return flipped
        for b in sorted(rng.sample(area, min(sectors, len(area)))):
            for bit in rng.sample(range(SECTOR * 8), min(bits, SECTOR * 8)):
                flipped.append(self._flip(b * SECTOR + bit // 8, bit % 8))
        return flipped

    def _flip(self, byte, bit):
        old = self._pread(byte, 1)[0]
        os.pwrite(self._fd, bytes([old ^ (1 << bit)]), byte)
        return (byte, bit)

    def flip_bits(self, offset, count=1, span=1, seed=0):
        """Flip `count` distinct random bits (seeded) in bytes offset .. offset+span-1 of the
        medium and fsync: damage to flushed data. (A read sees the cache first: flip what is
        not in it.) Returns [(byte offset, bit)]."""
        if not (0 <= offset and span > 0 and offset + span <= self.size):
            raise ValueError("flip_bits %d+%d outside the disk (%d bytes)"
                             % (offset, span, self.size))
        if not 0 < count <= span * 8:
            raise ValueError("flip_bits: count must be 1 .. %d" % (span * 8))
        rng = random.Random(seed)
        with self._lock:
            out = [self._flip(offset + i // 8, i % 8)
                   for i in sorted(rng.sample(range(span * 8), count))]
            os.fsync(self._fd)
        return out


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="NBD server with a volatile write cache and "
                                             "power cuts (see the module's doc).")
    ap.add_argument("image", help="raw image file (its size: a multiple of 512)")
    ap.add_argument("socket", help="Unix socket path to listen on")
    ap.add_argument("--name", default="", help="export name (the empty name always works)")
    ap.add_argument("--max-cache", type=int, default=MAX_CACHE, help="cache bytes")
    ap.add_argument("--refuse-when-full", action="store_true",
                    help="answer ENOSPC when the cache is full instead of destaging")
    args = ap.parse_args(argv)
    srv = NbdFault(args.image, args.socket, name=args.name, max_cache=args.max_cache,
                   on_full="refuse" if args.refuse_when_full else "destage")
    srv.start()

    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    print("nbdfault: serving %s (%d bytes) on %s; commands: cut MODE [SEED], on, "
          "flip OFFSET [COUNT], flush, stats, quit" % (args.image, srv.size, args.socket),
          flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            try:
                if not words:
                    continue
                if words[0] == "cut" and len(words) in (2, 3):
                    print(srv.power_cut(words[1], int(words[2]) if len(words) == 3 else 0))
                elif words[0] == "on" and len(words) == 1:
                    srv.power_on()
                elif words[0] == "flip" and len(words) in (2, 3):
                    print(srv.flip_bits(int(words[1], 0),
                                        int(words[2]) if len(words) == 3 else 1))
                elif words[0] == "flush" and len(words) == 1:
                    srv.flush()
                elif words[0] == "stats" and len(words) == 1:
                    print(dict(srv.stats, unflushed=srv.unflushed()))
                elif words[0] == "quit" and len(words) == 1:
                    break
                else:
                    print("error: unknown command %r" % line.strip())
            except ValueError as e:
                print("error: %s" % e)
            sys.stdout.flush()
        else:
            threading.Event().wait()    # stdin closed: serve until a signal
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
