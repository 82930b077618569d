"""Byte-stream I/O for the kernel's services.

kernel/io/stream.py defines the socket-like interface the HTTP server uses (and the in-kernel
TCP stack implements), plus an in-memory implementation for the portable tests;
kernel/io/hostnet.py implements it over CPython sockets for the host tests.
"""
