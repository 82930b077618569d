"""In-kernel test runner: runs the portable test modules (tests/portable) on MicroPython, the same
files pytest runs on the host, so behaviour that only CPython has cannot hide.

A test is a module-level function whose name starts with `test_`; it passes when it returns.
The last line printed is `N passed, M failed` (the plain closing line CI reads).
"""
import io
import sys

PREFIX = "tests/portable/test_"


def discover(files, pattern=""):
    """Module names of the test files among `files` (archive paths), sorted."""
    names = []
    for f in files:
        if f.startswith(PREFIX) and (f.endswith(".mpy") or f.endswith(".py")):
            mod = f[:f.rindex(".")].replace("/", ".")
            if pattern in mod:
                names.append(mod)
    names.sort()
    return names


def _import(name):
    if name in sys.modules:
        return sys.modules[name]
    mod = __import__(name)
    for part in name.split(".")[1:]:
        mod = getattr(mod, part)
    return mod


def _print_exception(exc, out):
    if hasattr(sys, "print_exception"):  # MicroPython: it writes only to real streams
        buf = io.StringIO()
        sys.print_exception(exc, buf)
        out.write(buf.getvalue())
    else:
        import traceback
        out.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


def run_module(name, out, clock=None):
    """Run every test of one module; return (passed, failed)."""
    try:
        mod = _import(name)
    except Exception as e:  # a module that does not import fails as one test
        out.write("FAIL %s (import)\n" % name)
        _print_exception(e, out)
        return 0, 1
    tests = sorted(k for k in dir(mod) if k.startswith("test_") and callable(getattr(mod, k)))
    start = clock() if clock else 0
    passed = failed = 0
    for t in tests:
        try:
            getattr(mod, t)()
            passed += 1
        except KeyboardInterrupt:
            raise
        except Exception as e:
            failed += 1
            out.write("FAIL %s.%s\n" % (name, t))
            _print_exception(e, out)
    took = (" %d ms" % (clock() - start)) if clock else ""
    out.write("%s %s: %d tests%s\n" % ("ok  " if not failed else "FAIL", name, len(tests), took))
    return passed, failed


def summary(passed, failed):
    return "%d passed, %d failed\n" % (passed, failed)


def run(module_names, out, clock=None):
    """Run every test in the named modules; return (passed, failed)."""
    passed = failed = 0
    for name in module_names:
        p, f = run_module(name, out, clock)
        passed += p
        failed += f
    out.write(summary(passed, failed))
    return passed, failed
