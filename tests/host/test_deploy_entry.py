"""deploy/entrypoint.py: the QEMU command lines it builds from the environment (--dry-run, so
QEMU is not started), the disk it creates, and its errors for bad values."""
import os
import shlex
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENTRY = os.path.join(REPO, "deploy", "entrypoint.py")
sys.path.insert(0, os.path.join(REPO, "deploy"))
import entrypoint  # noqa: E402


@pytest.fixture
def env(tmp_path):
    iso = tmp_path / "qenex.iso"
    iso.write_bytes(b"\0" * 2048)
    return {"QENEX_ISO": str(iso), "QENEX_DISK": str(tmp_path / "ledger.img")}


def run(env, *args):
    full = {k: v for k, v in os.environ.items() if not k.startswith("QENEX_")}
    full.update(env)
    return subprocess.run([sys.executable, ENTRY, *args], env=full, capture_output=True,
                          text=True, timeout=30)


def dry(env):
    """(line to create the disk or None, the command as a list) from a --dry-run."""
    r = run(env, "--dry-run")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    create = lines[0] if lines[0].startswith("create ") else None
    return create, shlex.split(lines[-1]), r.stderr


def arg(cmd, flag):
    return cmd[cmd.index(flag) + 1]


def test_defaults_missing_disk_tcg(env):
    create, cmd, err = dry(env)
    assert create == "create %s %d" % (env["QENEX_DISK"], 256 << 20)
    assert not os.path.exists(env["QENEX_DISK"]), "a dry run creates nothing"
    assert cmd[0] == "qemu-system-x86_64"
    assert arg(cmd, "-m") == "512M" and arg(cmd, "-cdrom") == env["QENEX_ISO"]
    assert arg(cmd, "-serial") == "mon:stdio"
    # auto on this kind of machine: /dev/kvm cannot run SSE code (or is absent): TCG
    assert arg(cmd, "-accel") == "tcg" and arg(cmd, "-cpu") == "max"
    assert "accel auto: tcg" in err
    net = arg(cmd, "-netdev")
    assert net == "user,id=net0,restrict=on,hostfwd=tcp:0.0.0.0:8080-:8080"
    assert "file=%s,if=none,id=disk0,format=raw,cache=writeback" % env["QENEX_DISK"] in cmd
    assert "virtio-blk-pci,drive=disk0,disable-legacy=on" in cmd
    assert "virtio-net-pci,netdev=net0,disable-legacy=on" in cmd


def test_same_arguments_as_make_run(env):
    """The container boots what `make run` boots: tools/qemu.py's list, listen address apart."""
    from tools import qemu
    _, cmd, _ = dry(dict(env, QENEX_ACCEL="tcg", QENEX_LISTEN="127.0.0.1"))
    assert cmd == qemu.command(env["QENEX_ISO"], accel="tcg", disk=env["QENEX_DISK"],
                               http_port=8080)


def test_present_disk_is_kept(env):
    with open(env["QENEX_DISK"], "wb") as f:
        f.write(b"ledger")
    create, cmd, _ = dry(dict(env, QENEX_DISK_SIZE="1G"))
    assert create is None
    assert "file=%s,if=none,id=disk0,format=raw,cache=writeback" % env["QENEX_DISK"] in cmd
    with open(env["QENEX_DISK"], "rb") as f:
        assert f.read() == b"ledger"


def test_settings(env):
    create, cmd, _ = dry(dict(env, QENEX_ACCEL="tcg", QENEX_MEMORY="1G", QENEX_DISK_SIZE="2G",
                              QENEX_HTTP_PORT="9090", QENEX_LISTEN="127.0.0.1"))
    assert create == "create %s %d" % (env["QENEX_DISK"], 2 << 30)
    assert arg(cmd, "-m") == "1G" and arg(cmd, "-accel") == "tcg"
    assert arg(cmd, "-netdev").endswith("hostfwd=tcp:127.0.0.1:9090-:8080")


def test_kvm_asked_for(env):
    r = run(dict(env, QENEX_ACCEL="kvm"), "--dry-run")
    level, why = entrypoint.kvm_check()
    if level is None:
        assert r.returncode == 2 and "QENEX_ACCEL=kvm but /dev/kvm is not usable" in r.stderr
        assert r.stdout == ""
    else:
        assert r.returncode == 0, r.stderr
        cmd = shlex.split(r.stdout.splitlines()[-1])
        assert arg(cmd, "-accel") == "kvm" and arg(cmd, "-cpu") == "host"
        assert ("warning" in r.stderr) == (level != "proven")


@pytest.mark.parametrize("level,accel", [("proven", "kvm"), ("device", "tcg"), (None, "tcg")])
def test_auto_takes_kvm_only_when_proven(env, level, accel):
    _, cmd, notes = entrypoint.plan(env, kvm=lambda: (level, "because"))
    assert cmd[cmd.index("-accel") + 1] == accel
    assert notes == ["accel auto: %s (because)" % accel]


def test_tcg_does_not_look_at_kvm(env):
    def boom():
        raise AssertionError("kvm checked")
    _, cmd, notes = entrypoint.plan(dict(env, QENEX_ACCEL="tcg"), kvm=boom)
    assert cmd[cmd.index("-accel") + 1] == "tcg" and notes == []


def test_kvm_check(tmp_path):
    not_kvm = tmp_path / "kvm"
    not_kvm.write_bytes(b"")
    level, why = entrypoint.kvm_check(str(not_kvm))
    assert level is None and "KVM_GET_API_VERSION" in why
    level, why = entrypoint.kvm_check(str(tmp_path / "absent"))
    assert level is None and "No such file" in why
    vmx = tmp_path / "vmx"
    vmx.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 vmx\n")
    novmx = tmp_path / "novmx"
    novmx.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 hypervisor\n")
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        opens = True
    except OSError:
        opens = False
    assert entrypoint.kvm_check("/dev/kvm", str(vmx))[0] == ("proven" if opens else None)
    level, why = entrypoint.kvm_check("/dev/kvm", str(novmx))
    assert level == ("device" if opens else None)
    if opens:
        assert "no vmx/svm" in why


@pytest.mark.parametrize("name,value,message", [
    ("QENEX_ACCEL", "hvf", "QENEX_ACCEL must be auto, tcg or kvm, not 'hvf'"),
    ("QENEX_MEMORY", "lots", "QENEX_MEMORY must be a size like 512M or 2G, not 'lots'"),
    ("QENEX_MEMORY", "512MB", "QENEX_MEMORY must be a size like 512M or 2G"),
    ("QENEX_MEMORY", "16M", "QENEX_MEMORY must be at least 64M"),
    ("QENEX_DISK_SIZE", "-1G", "QENEX_DISK_SIZE must be a size like 512M or 2G"),
    ("QENEX_DISK_SIZE", "1M", "QENEX_DISK_SIZE must be at least 2M"),
    ("QENEX_HTTP_PORT", "0", "QENEX_HTTP_PORT must be a port number 1-65535, not '0'"),
    ("QENEX_HTTP_PORT", "70000", "QENEX_HTTP_PORT must be a port number 1-65535"),
    ("QENEX_HTTP_PORT", "http", "QENEX_HTTP_PORT must be a port number 1-65535"),
    ("QENEX_LISTEN", "localhost", "QENEX_LISTEN must be an IPv4 address"),
    ("QENEX_LISTEN", "1.2.3.256", "QENEX_LISTEN must be an IPv4 address"),
    ("QENEX_ISO", "/nonexistent/qenex.iso", "QENEX_ISO: no image at /nonexistent/qenex.iso"),
    ("QENEX_DISK", "/nonexistent/ledger.img", "QENEX_DISK: no folder for /nonexistent"),
    ("QENEX_DISK", "/tmp/a,b.img", "QENEX_DISK must be a path without commas"),
    ("QENEX_DISK", "/tmp", "QENEX_DISK: /tmp is not a regular file"),
])
def test_bad_values(env, name, value, message):
    for args in (["--dry-run"], []):  # the real run stops before QEMU too
        r = run(dict(env, **{"QENEX_ACCEL": "tcg", name: value}), *args)
        assert r.returncode == 2
        assert r.stderr.startswith("qenex: error: " + message), r.stderr
        assert r.stdout == ""
    assert not os.path.exists(env["QENEX_DISK"])


def test_bad_arguments(env):
    r = run(env, "--verbose")
    assert r.returncode == 2 and r.stderr.startswith("usage: entrypoint.py")


def test_create_disk(tmp_path):
    path = str(tmp_path / "ledger.img")
    entrypoint.create_disk(path, 3 << 20)
    assert os.path.getsize(path) == 3 << 20
    with open(path, "rb") as f:
        assert f.read(4096) == b"\0" * 4096
    with pytest.raises(FileExistsError):  # never over an existing ledger
        entrypoint.create_disk(path, 1 << 20)
    assert os.path.getsize(path) == 3 << 20
