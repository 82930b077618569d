"""Test doubles only the host tests use (CPython only: sockets, threads): hostnet (the stream
contract of kernel/io/stream.py over CPython sockets), fakeauthn (a WebAuthn authenticator and
browser on the `cryptography` package). Not in the boot archive
(tools/mkarchive.py), unlike tests/portable/support/."""
