import pytest

from qemu_console import Kernel


@pytest.fixture(scope="module")
def kernel():
    """One booted kernel shared by the tests of a module (at the console prompt)."""
    k = Kernel()
    k.wait_prompt()
    yield k
    k.close()


@pytest.fixture
def fresh_kernel():
    """A kernel of its own, for tests that crash, reboot or halt it."""
    k = Kernel()
    yield k
    k.close()
