#!/usr/bin/env python3
"""How QENEX OS runs in QEMU: one place for the command line, used by `make run`, the system
tests and the benchmarks.

TCG by default: on this project's machines /dev/kvm cannot run SSE code. QENEX_ACCEL=kvm picks
KVM on hosts with real VT-x/AMD-V.
"""
import os
import sys

MEMORY = "512M"


def command(iso, extra=(), accel=None):
    accel = accel or os.environ.get("QENEX_ACCEL", "tcg")
    if accel not in ("tcg", "kvm"):
        raise SystemExit("QENEX_ACCEL must be tcg or kvm, not %r" % accel)
    cmd = [
        "qemu-system-x86_64",
        "-accel", accel,
        "-cpu", "max" if accel == "tcg" else "host",
        "-m", MEMORY,
        "-nographic",
        "-serial", "mon:stdio",
        "-cdrom", iso,
        "-boot", "d",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-nodefaults",
    ]
    return cmd + list(extra)


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: qemu.py ISO [extra qemu args]")
    cmd = command(sys.argv[1], sys.argv[2:])
    print("QENEX OS in QEMU (%s). Quit: Ctrl-A then X; or type 'halt'." % cmd[2], flush=True)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
