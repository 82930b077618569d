"""The socket-like stream interface of the kernel.

Contract (what a network stack provides to the HTTP server)
===========================================================
Three objects; every wait goes through the cooperative scheduler (kernel/process.py) the
implementation was built with (``sched.wait_for(predicate, timeout_ms)`` or an Event): nothing
blocks the CPU, so one slow peer never stalls the console or other connections. Only one task
uses a connection at a time (the server runs one task per connection).

``net.listen(port, backlog) -> Listener``
    Listen on TCP ``port`` (all local addresses). ``port == 0`` picks a free port. At most
    ``backlog`` connections wait to be accepted; more are refused by the stack. Raises OSError
    (EADDRINUSE, ENOMEM, ...) on failure.

``Listener``
    ``port``                            the port listened on (an int).
    ``await accept(timeout_ms=None)``   the next connection (a Conn), or None when
                                        ``timeout_ms`` passed first (0: do not wait).
    ``close()``                         stop listening; waiting connections are dropped.
                                        Idempotent, never raises. accept() after close()
                                        raises OSError.

``Conn``
    ``peer``                            (address str, port int) of the remote end.
    ``await recv(max_bytes, timeout_ms=None)``
        1 <= ``max_bytes`` <= MAX_RECV. Returns 1..max_bytes bytes as soon as any are
        available (a short read is normal), ``b""`` once the peer closed its sending side
        (end of stream; every later recv returns b"" again), or None when ``timeout_ms``
        passed with nothing to read (0: do not wait). Raises OSError when the connection
        was reset or aborted, or after close().
    ``await send(data, timeout_ms=None)``
        Queue all of ``data`` (bytes, bytearray or memoryview) for sending; partial writes
        are handled inside: while the stack's bounded send buffer is full the task waits
        (as a predicate or event wait). Returns True once everything is queued, False when
        ``timeout_ms`` passed first (a prefix may have been queued: the caller closes the
        connection). Raises OSError when the connection was reset or after close().
    ``shutdown()``                      half-close: a FIN follows the queued data; recv()
                                        still works. Idempotent, never raises.
    ``close()``                         release the connection: queued data is still sent,
                                        then FIN (if data the peer sent was never read, a
                                        stack may reset instead, as lwIP and Linux do: see
                                        the server's lingering close). Idempotent, never
                                        raises.

Errors are OSError with an errno (ECONNRESET, EPIPE, EBADF, ...); a caller treats any of
them as "this connection is gone". Implementations keep every buffer bounded.

Implementations: kernel/io/lwip.py over the kernel's lwIP stack; test doubles, outside the
production packages: tests/portable/support/memnet.py (``MemNet``: listen/connect in memory,
pairs of connected ``MemConn`` with a bounded buffer per direction, injectable chunking of reads
and delays; the portable tests, on the host and in `selftest`) and tests/host/support/hostnet.py
(over CPython sockets, for the host tests). tests/portable/support/fakeclock.py has
``FakeClock``, a scheduler clock that only moves on idle() or when told.
"""

import errno

MAX_RECV = 65536          # upper bound of recv(max_bytes)

EPIPE = getattr(errno, "EPIPE", 32)
EBADF = getattr(errno, "EBADF", 9)
ECONNRESET = getattr(errno, "ECONNRESET", 104)
ECONNREFUSED = getattr(errno, "ECONNREFUSED", 111)
EADDRINUSE = getattr(errno, "EADDRINUSE", 98)
