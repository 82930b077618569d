# The `python` command: MicroPython's REPL inside the kernel, and back to the shell.
import math

import pytest


@pytest.fixture(scope="module")
def repl(kernel):
    kernel.repl_enter()
    yield kernel
    kernel.send("\x04")  # Ctrl-D back to the shell
    kernel.wait_prompt()



def test_bigints(repl):
    assert repl.py("2**200") == str(2 ** 200)
    assert repl.py("(10**40 + 7) % 97") == str((10 ** 40 + 7) % 97)
    assert repl.py("-(2**70) // 3") == str(-(2 ** 70) // 3)


def test_floats_and_libm(repl):
    assert repl.py("1.5 * 3") == "4.5"
    # the same digits as CPython: musl's libm and MicroPython's float repr
    assert repl.py("import math; math.sqrt(2.0)") == repr(math.sqrt(2.0))
    assert repl.py("math.exp(1.0)") == repr(math.exp(1.0))
    assert repl.py("math.atan2(1.0, 1.0) * 4") == repr(math.atan2(1.0, 1.0) * 4)
    assert repl.py("math.log(10.0)") == repr(math.log(10.0))
    assert repl.py("float('inf') > 1e308") == "True"


def test_classes_and_exceptions(repl):
    out = repl.paste("class Account:\n    def __init__(self, n):\n        self.n = n\n"
                      "    def __repr__(self):\n        return 'Account(%s)' % self.n\n"
                      "try:\n    raise ValueError('no funds')\nexcept ValueError as e:\n"
                      "    print('caught', e, Account(7))\n")
    assert "caught no funds Account(7)" in out
    out = repl.py("1/0")
    assert "ZeroDivisionError" in out


def test_generators_and_async(repl):
    assert repl.py("list(x * x for x in range(5) if x % 2)") == "[1, 9]"
    out = repl.paste("async def twice(x):\n    return 2 * x\n"
                      "async def main():\n    return await twice(21)\n"
                      "c = main()\ntry:\n    c.send(None)\nexcept StopIteration as e:\n"
                      "    print('async result', e.value)\n")
    assert "async result 42" in out


def test_native_emitter(repl):
    out = repl.paste("@micropython.native\ndef nsum(n):\n    s = 0\n    for i in range(n):\n"
                      "        s += i\n    return s\n@micropython.viper\ndef vsum(n: int) -> int:\n"
                      "    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
                      "print('native', nsum(1000), vsum(1000))\n")
    assert "native 499500 499500" in out


def test_ctrl_c_interrupts_a_running_loop(repl):
    repl.send("while True: pass\r\r")  # a compound statement ends with an empty line
    import time
    time.sleep(1.0)
    repl.send("\x03")
    repl.expect("KeyboardInterrupt", timeout=10)
    repl.expect(">>> ")
    assert repl.py("6 * 7") == "42"


def test_syntax_error_does_not_kill_the_repl(repl):
    assert "SyntaxError" in repl.py("x = = 1")
    assert repl.py("'still' + ' alive'") == "'still alive'"


def test_ctrl_d_returns_to_the_shell(kernel):
    kernel.send("python\r")
    kernel.expect(">>> ")
    kernel.send("\x04")
    kernel.wait_prompt()
    assert "QENEX OS" in kernel.cmd("status")
