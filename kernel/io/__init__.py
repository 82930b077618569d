"""Byte-stream I/O for the kernel's services.

kernel/io/stream.py defines the socket-like interface the HTTP server uses (and the in-kernel
TCP stack implements, kernel/io/lwip.py); tests/portable/support/memnet.py implements it in
memory for the portable tests, tests/host/support/hostnet.py over CPython sockets for the host
tests.
"""
