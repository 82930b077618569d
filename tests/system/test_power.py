# reboot restarts the machine to a fresh prompt; halt powers it off (QEMU exits).
import pexpect


def test_reboot(fresh_kernel):
    k = fresh_kernel
    k.wait_prompt()
    k.send("reboot\r")
    k.expect("QENEX OS: booting", timeout=60)
    k.wait_prompt()
    assert "QENEX OS" in k.cmd("status")


def test_halt_powers_off(fresh_kernel):
    k = fresh_kernel
    k.wait_prompt()
    k.send("halt\r")
    k.p.expect(pexpect.EOF, timeout=30)
    k.p.close()
    assert not k.alive()
