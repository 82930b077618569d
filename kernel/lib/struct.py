"""The kernel's `struct` (installed top-level in the image): MicroPython's built-in module
(py/modstruct.c: pack, pack_into, unpack, unpack_from, calcsize, in C and unchanged, so the
ledger's hot paths pay nothing) with CPython's `Struct`, `iter_unpack` and `error` added.

`error` is ValueError, which is what the built-in functions raise (a buffer too small, a bad
format), so `except struct.error` works on both runtimes. Where the built-in differs from CPython
(README of kernel/port, "The runtime's standard modules"): values out of a field's range are
truncated to its width, not refused (check ranges before packing); unpack accepts a buffer longer
than the format (`Struct.unpack` here checks the length, as CPython does); there is no `?`, `c`,
`n`, `N` or `=`, and no whitespace between fields.
"""
import sys

if sys.implementation.name == "micropython":
    # An empty sys.path makes the import below take the built-in module, not this file.
    _path = sys.path
    sys.path = []
    try:
        from struct import calcsize, pack, pack_into, unpack, unpack_from  # noqa: F401
    finally:
        sys.path = _path
    del _path
    error = ValueError
else:  # imported as kernel.lib.struct on the host
    from struct import calcsize, error, pack, pack_into, unpack, unpack_from  # noqa: F401


def iter_unpack(format, buffer):
    """unpack_from at each multiple of calcsize(format); the buffer must hold whole records."""
    size = calcsize(format)
    if size == 0:
        raise error("cannot iteratively unpack with a struct of length 0")
    n = len(buffer)
    if n % size:
        raise error("iterative unpacking requires a buffer of a multiple of %d bytes" % size)
    return (unpack_from(format, buffer, off) for off in range(0, n, size))


class Struct:
    """A format compiled once: its `format` (str) and `size`, and the module's functions."""

    def __init__(self, format):
        if isinstance(format, (bytes, bytearray)):
            format = bytes(format).decode()
        self.format = format
        self.size = calcsize(format)

    def pack(self, *values):
        return pack(self.format, *values)

    def pack_into(self, buffer, offset, *values):
        pack_into(self.format, buffer, offset, *values)

    def unpack(self, buffer):
        if len(buffer) != self.size:
            raise error("unpack requires a buffer of %d bytes" % self.size)
        return unpack(self.format, buffer)

    def unpack_from(self, buffer, offset=0):
        return unpack_from(self.format, buffer, offset)

    def iter_unpack(self, buffer):
        return iter_unpack(self.format, buffer)
