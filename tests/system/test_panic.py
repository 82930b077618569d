# A CPU exception ends in a panic report on the serial line: vector, error code, RIP, CR2,
# registers and a symbolised backtrace; then the kernel halts.
import re

import pytest


def provoke(k, kind):
    k.wait_prompt()
    k.send("python\r")
    k.expect(">>> ")
    k.send("import hw; hw.fault(%r)\r" % kind)
    return k.expect("System halted.", timeout=30)


def check_report(text, vector, name):
    assert "*** KERNEL PANIC: CPU exception %s" % name in text
    assert "(vector %d)" % vector in text
    assert re.search(r"error code=0x[0-9a-f]+  RIP=0x[0-9a-f]{16} <hw_fault\+0x[0-9a-f]+>", text)
    assert re.search(r"CR2=0x[0-9a-f]{16}", text)
    for reg in ("RAX", "RBX", "RSP", "RBP", "R15"):
        assert reg + "=" in text or reg + " =" in text
    bt = text[text.index("Backtrace:"):]
    assert "<hw_fault+" in bt
    assert "<mp_execute_bytecode+" in bt  # the Python call that led there


def test_null_dereference(fresh_kernel):
    text = provoke(fresh_kernel, "null")
    check_report(text, 14, "#PF page fault")
    assert "CR2=0x0000000000000000" in text
    assert "NULL pointer dereference" in text


def test_invalid_opcode(fresh_kernel):
    check_report(provoke(fresh_kernel, "ud"), 6, "#UD invalid opcode")


def test_divide_error(fresh_kernel):
    check_report(provoke(fresh_kernel, "div0"), 0, "#DE divide error")


def test_general_protection(fresh_kernel):
    check_report(provoke(fresh_kernel, "gp"), 13, "#GP general protection")


def test_stack_overflow_hits_guard_page(fresh_kernel):
    text = provoke(fresh_kernel, "stack")
    assert "*** KERNEL PANIC: CPU exception #PF page fault (vector 14)" in text
    assert "stack overflow: hit the guard page of the kernel stack" in text
    assert "<recurse_forever+" in text


def test_kernel_stays_halted(fresh_kernel):
    provoke(fresh_kernel, "null")
    fresh_kernel.send("help\r")
    with pytest.raises(Exception):
        fresh_kernel.expect("qenex> ", timeout=3)
