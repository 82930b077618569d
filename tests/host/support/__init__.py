"""Test doubles only the host tests use (CPython only: sockets, threads): hostnet (the stream
contract of kernel/io/stream.py over CPython sockets). Not in the boot archive
(tools/mkarchive.py), unlike tests/portable/support/."""
