#!/usr/bin/env python3
"""How QENEX OS runs in QEMU: one place for the command line, used by `make run`, the system
tests and the benchmarks.

TCG by default: on this project's machines /dev/kvm cannot run SSE code. QENEX_ACCEL=kvm picks
KVM on hosts with real VT-x/AMD-V.
"""
import os
import sys

MEMORY = "512M"


def devices(disk=None, http_port=None, nbd=None, listen="127.0.0.1"):
    """The virtio devices: a disk image (raw) when given, the entropy source, and the network
    when a host port is given: QEMU user networking, restricted (no traffic leaves the host),
    with listen:http_port (127.0.0.1 unless a container's entry point says 0.0.0.0) forwarded
    to the kernel's port 8080. `nbd` (a Unix socket path,
    instead of `disk`): the disk is an NBD export there (tools/nbdfault.py for power-loss
    tests)."""
    if disk and nbd:
        raise ValueError("give disk or nbd, not both")
    args = ["-device", "virtio-rng-pci,disable-legacy=on"]
    if http_port:
        args += ["-netdev",
                 "user,id=net0,restrict=on,hostfwd=tcp:%s:%d-:8080" % (listen, http_port),
                 "-device", "virtio-net-pci,netdev=net0,disable-legacy=on"]
    if disk:
        args += ["-drive", "file=%s,if=none,id=disk0,format=raw,cache=writeback" % disk,
                 "-device", "virtio-blk-pci,drive=disk0,disable-legacy=on"]
    if nbd:
        if "," in nbd:
            raise ValueError("the NBD socket path must not contain a comma: %r" % nbd)
        args += ["-drive", "driver=nbd,server.type=unix,server.path=%s,if=none,id=disk0,"
                 "cache=writeback" % nbd,
                 "-device", "virtio-blk-pci,drive=disk0,disable-legacy=on"]
    return args


def command(iso, extra=(), accel=None, disk=None, http_port=None, nbd=None, memory=MEMORY,
            listen="127.0.0.1"):
    accel = accel or os.environ.get("QENEX_ACCEL", "tcg")
    if accel not in ("tcg", "kvm"):
        raise SystemExit("QENEX_ACCEL must be tcg or kvm, not %r" % accel)
    cmd = [
        "qemu-system-x86_64",
        "-accel", accel,
        "-cpu", "max" if accel == "tcg" else "host",
        "-m", memory,
        "-nographic",
        "-serial", "mon:stdio",
        "-cdrom", iso,
        "-boot", "d",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-nodefaults",
    ]
    return cmd + devices(disk, http_port, nbd, listen) + list(extra)


def main():
    args = sys.argv[1:]
    disk = port = nbd = None
    while len(args) >= 2 and args[0] in ("--disk", "--http-port", "--nbd"):
        if args[0] == "--disk":
            disk = args[1]
        elif args[0] == "--nbd":
            nbd = args[1]
        else:
            port = int(args[1])
        args = args[2:]
    if not args or (disk and nbd):
        raise SystemExit("usage: qemu.py [--disk IMAGE | --nbd SOCKET] [--http-port PORT] ISO "
                         "[extra qemu args]")
    cmd = command(args[0], args[1:], disk=disk, http_port=port, nbd=nbd)
    print("QENEX OS in QEMU (%s). Quit: Ctrl-A then X; or type 'halt'." % cmd[2], flush=True)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
