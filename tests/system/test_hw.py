# The hw primitives from Python in the booted kernel: port I/O, MMIO, DMA memory, IRQs routed to
# Python callbacks, ticks, the boot archive and modules.
import pytest


@pytest.fixture(scope="module")
def repl(kernel):
    kernel.repl_enter()
    yield kernel
    kernel.send("\x04")
    kernel.wait_prompt()



def test_import_hw(repl):
    assert repl.py("import hw, time; 'ok'") == "'ok'"


def test_ticks_are_monotonic_and_agree(repl):
    out = repl.paste("a = hw.ticks_us(); m = hw.ticks_ms(); time.sleep_ms(50); b = hw.ticks_us()\n"
                      "print('delta', b - a, abs(a // 1000 - m) <= 2)\n")
    delta = int(out.split("delta ")[1].split()[0])
    assert 45000 <= delta < 2000000
    assert "True" in out.split("delta ")[1]


def test_dma_alloc_is_page_aligned_and_backed(repl):
    out = repl.paste("phys, buf = hw.dma_alloc(10000)\nbuf[0] = 0xAB; buf[9999] = 0xCD\n"
                      "print('dma', phys % 4096, len(buf), hw.mmio_read(phys, 8),\n"
                      "      hw.mmio_read(phys + 9999, 8))\n")
    assert "dma 0 10000 171 205" in out


def test_port_io_reads_the_cmos(repl):
    # CMOS register 0x0B (status B) has bit 1 = 24-hour mode set by SeaBIOS
    assert repl.py("hw.outb(0x70, 0x0B); hw.inb(0x71) & 0x02") == "2"


def test_mmio_reads_the_local_apic_version(repl):
    out = repl.py("hw.map_mmio(0xFEE00000, 4096); hex(hw.mmio_read(0xFEE00030, 32) & 0xff)")
    assert out in ("'0x14'", "'0x15'", "'0x10'", "'0x11'")  # an integrated APIC


def test_irq_reaches_a_python_callback(repl):
    # The RTC's periodic interrupt (IRQ 8) at 1024 Hz; the callback acknowledges it by reading
    # register C, then counts.
    out = repl.paste("count = [0]\n"
                      "def on_rtc(irq):\n"
                      "    hw.outb(0x70, 0x0C); hw.inb(0x71)\n"
                      "    count[0] += 1\n"
                      "hw.irq_register(8, on_rtc)\n"
                      "hw.outb(0x70, 0x0B); b = hw.inb(0x71)\n"
                      "hw.outb(0x70, 0x0B); hw.outb(0x71, b | 0x40)\n"
                      "hw.outb(0x70, 0x0C); hw.inb(0x71)\n"
                      "time.sleep_ms(200)\n"
                      "hw.outb(0x70, 0x0B); hw.outb(0x71, b)\n"
                      "hw.irq_register(8, None)\n"
                      "print('irqs', count[0])\n")
    n = int(out.split("irqs ")[1].split()[0])
    assert n > 20


def test_irq_register_rejects_reserved_lines(repl):
    assert "ValueError" in repl.py("hw.irq_register(4, print)")  # the console's UART
    assert "ValueError" in repl.py("hw.irq_register(99, print)")


def test_bad_arguments_raise_not_crash(repl):
    assert "ValueError" in repl.py("hw.inb(70000)")
    assert "ValueError" in repl.py("hw.mmio_read(0, 32)")  # page 0 is never mapped
    assert "ValueError" in repl.py("hw.mmio_read(0x1001, 32)")  # misaligned
    assert "ValueError" in repl.py("hw.fault('nothing')")
    assert "MemoryError" in repl.py("hw.dma_alloc(1 << 40)")


def test_boot_modules_and_archive(repl):
    assert repl.py("sorted(hw.modules())") == "['banking.toml', 'python.tar', 'system.toml']"
    assert repl.py("'kernel/boot.mpy' in hw.archive_files()") == "True"
    assert repl.py("b'[kernel]' in hw.module('system.toml')") == "True"
    assert repl.py("hw.module('nope') is None") == "True"
