#!/usr/bin/env python3
"""The container's entry point: builds the QEMU command line from environment variables and
execs QEMU (the same command as `make run`, from tools/qemu.py).

  QENEX_ACCEL      auto (default) | tcg | kvm. auto takes KVM only when it is proven usable
                   (/dev/kvm opens read-write, KVM API 12, and the CPU has VT-x/AMD-V: a
                   paravirtual /dev/kvm without them cannot run SSE code), TCG otherwise.
                   kvm is an error unless /dev/kvm opens and answers API 12 (a warning
                   when the CPU shows no VT-x/AMD-V).
  QENEX_MEMORY     guest memory, e.g. 512M (default) or 1G
  QENEX_ISO        the image to boot (default /opt/qenex/qenex.iso)
  QENEX_DISK       the ledger disk (default /data/ledger.img); created when missing
  QENEX_DISK_SIZE  its size when created, e.g. 256M (default) or 2G
  QENEX_HTTP_PORT  the port QEMU listens on for the kernel's 8080 (default 8080)
  QENEX_LISTEN     the address it listens on (default 0.0.0.0: the container's own network)

`--dry-run` prints what would happen (the disk to create, then the command) and runs nothing.
A bad value is a one-line error and exit code 2.
"""
import fcntl
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tools import qemu  # noqa: E402

KVM_GET_API_VERSION = 0xAE00  # _IO(KVMIO, 0x00); the stable API answers 12
DEFAULTS = {
    "QENEX_ACCEL": "auto",
    "QENEX_MEMORY": "512M",
    "QENEX_ISO": "/opt/qenex/qenex.iso",
    "QENEX_DISK": "/data/ledger.img",
    "QENEX_DISK_SIZE": "256M",
    "QENEX_HTTP_PORT": "8080",
    "QENEX_LISTEN": "0.0.0.0",
}
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class ConfigError(Exception):
    pass


def size(name, text, minimum):
    """'512M' -> bytes; digits with an optional K/M/G/T suffix (binary units, as QEMU reads
    them)."""
    m = re.fullmatch(r"([0-9]{1,9})([KMGT]?)", text)
    if not m:
        raise ConfigError("%s must be a size like 512M or 2G, not %r" % (name, text))
    n = int(m.group(1)) * UNITS.get(m.group(2), 1)
    if n < minimum:
        raise ConfigError("%s must be at least %dM, not %r" % (name, minimum >> 20, text))
    return n


def kvm_check(device="/dev/kvm", cpuinfo="/proc/cpuinfo"):
    """What KVM can do here: (None, why) when the device does not open read-write or does not
    speak API 12; ("device", why) when it does but the CPU has no VT-x/AMD-V (a paravirtual
    KVM: the guest stops at its first SSE instruction); ("proven", why) when both hold."""
    try:
        fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return None, "%s: %s" % (device, e.strerror)
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as e:
        return None, "%s: KVM_GET_API_VERSION: %s" % (device, e.strerror)
    finally:
        os.close(fd)
    if version != 12:
        return None, "%s: KVM API version %d, not 12" % (device, version)
    flags = set()
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    flags.update(line.split(":", 1)[1].split())
    except OSError as e:
        return "device", "%s: %s" % (cpuinfo, e.strerror)
    if not flags & {"vmx", "svm"}:
        return "device", "no vmx/svm in %s (a paravirtual KVM cannot run SSE code)" % cpuinfo
    return "proven", "%s: API 12 and hardware virtualisation" % device


def plan(env, kvm=kvm_check):
    """The disk to create (or None), the QEMU command and notes (why this accelerator), from
    the environment. auto takes KVM only when proven; kvm only needs the device to work."""
    cfg = {k: env.get(k, v) for k, v in DEFAULTS.items()}
    accel = cfg["QENEX_ACCEL"]
    if accel not in ("auto", "tcg", "kvm"):
        raise ConfigError("QENEX_ACCEL must be auto, tcg or kvm, not %r" % accel)
    notes = []
    if accel != "tcg":
        level, why = kvm()
        if accel == "kvm" and level is None:
            raise ConfigError("QENEX_ACCEL=kvm but /dev/kvm is not usable: %s" % why)
        if accel == "kvm" and level != "proven":
            notes.append("warning: QENEX_ACCEL=kvm asked for, but %s" % why)
        elif accel == "auto":
            accel = "kvm" if level == "proven" else "tcg"
            notes.append("accel auto: %s (%s)" % (accel, why))
    memory = cfg["QENEX_MEMORY"]
    size("QENEX_MEMORY", memory, 64 << 20)
    port = cfg["QENEX_HTTP_PORT"]
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
        raise ConfigError("QENEX_HTTP_PORT must be a port number 1-65535, not %r" % port)
    listen = cfg["QENEX_LISTEN"]
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", listen) or \
            any(int(b) > 255 for b in listen.split(".")):
        raise ConfigError("QENEX_LISTEN must be an IPv4 address, not %r" % listen)
    iso = cfg["QENEX_ISO"]
    if not os.path.isfile(iso):
        raise ConfigError("QENEX_ISO: no image at %s (build it with `make iso`)" % iso)
    disk = cfg["QENEX_DISK"]
    if not disk or "," in disk:
        raise ConfigError("QENEX_DISK must be a path without commas, not %r" % disk)
    disk_size = size("QENEX_DISK_SIZE", cfg["QENEX_DISK_SIZE"], 2 << 20)
    create = None
    if os.path.exists(disk):
        if not os.path.isfile(disk):
            raise ConfigError("QENEX_DISK: %s is not a regular file" % disk)
    else:
        if not os.path.isdir(os.path.dirname(os.path.abspath(disk))):
            raise ConfigError("QENEX_DISK: no folder for %s (mount the volume)" % disk)
        create = (disk, disk_size)
    cmd = qemu.command(iso, accel=accel, disk=disk, http_port=int(port), memory=memory,
                       listen=listen)
    return create, cmd, notes


def create_disk(path, nbytes):
    """A blank (sparse) disk: the kernel formats it at its first boot. O_EXCL: never truncate
    a ledger that appeared meanwhile."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, nbytes)
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv not in ([], ["--dry-run"]):
        print("usage: entrypoint.py [--dry-run]  (settings: QENEX_* environment variables)",
              file=sys.stderr)
        return 2
    try:
        create, cmd, notes = plan(os.environ)
    except ConfigError as e:
        print("qenex: error: %s" % e, file=sys.stderr)
        return 2
    for note in notes:
        print("qenex: %s" % note, file=sys.stderr)
    if argv:
        if create:
            print("create %s %d" % create)
        print(shlex.join(cmd))
        return 0
    if create:
        create_disk(*create)
        print("qenex: created %s (%d bytes)" % create, flush=True)
    print("qenex: %s" % shlex.join(cmd), flush=True)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
