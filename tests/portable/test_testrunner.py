# kernel/testrunner.py: discovery and counting.
import io
import sys

from kernel import testrunner


def test_discover_filters_and_sorts():
    files = ["kernel/console.mpy", "tests/portable/test_b.mpy", "tests/portable/test_a.mpy",
             "tests/portable/helper.mpy", "tests/portable/__init__.mpy"]
    assert testrunner.discover(files) == ["tests.portable.test_a", "tests.portable.test_b"]
    assert testrunner.discover(files, "test_b") == ["tests.portable.test_b"]


class _FakeModule:
    pass


def _module(name, namespace):
    mod = _FakeModule()
    for k, v in namespace.items():
        setattr(mod, k, v)
    sys.modules[name] = mod
    return mod


def test_run_counts_passes_failures_and_import_errors():
    def test_ok():
        pass

    def test_bad():
        assert 1 == 2, "one is not two"

    def helper():
        raise AssertionError("not a test")

    _module("qenex_fake_tests", {"test_ok": test_ok, "test_bad": test_bad, "helper": helper})
    out = io.StringIO()
    passed, failed = testrunner.run(["qenex_fake_tests", "qenex_missing_module_xyz"], out)
    text = out.getvalue()
    assert (passed, failed) == (1, 2)
    assert "FAIL qenex_fake_tests.test_bad" in text
    assert "one is not two" in text
    assert "FAIL qenex_missing_module_xyz (import)" in text
    assert text.endswith("1 passed, 2 failed\n")
    del sys.modules["qenex_fake_tests"]
