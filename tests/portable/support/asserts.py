"""Assertions the portable tests share (no pytest in the kernel)."""


def raises(exc, fn, *args, **kw):
    """Call fn and return the exception of type exc it raises; fail if it does not."""
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("expected %s from %r" % (exc.__name__, args))
