# tools/nbdfault.py: the NBD server with a volatile write cache and power cuts, driven by QEMU's
# own NBD client (qemu-io, Debian package qemu-utils) and by a raw socket for protocol errors.
#
# qemu-io flushes when it exits; `sigraise 9` ends it without that flush, so what it wrote
# stays in the server's cache (-t writeback: no flush after each write either).
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading

import pytest

from tools import nbdfault
from tools.nbdfault import NbdFault

SIZE = 1 << 20
QEMU_IO = shutil.which("qemu-io")


@pytest.fixture
def disk(tmp_path):
    assert QEMU_IO, "qemu-io is missing: make deps installs qemu-utils"
    image = str(tmp_path / "disk.img")
    with open(image, "wb") as f:
        f.write(bytes(SIZE))
    sockdir = tempfile.mkdtemp(prefix="nbd")     # short: Unix socket paths have 108 bytes
    sock = os.path.join(sockdir, "s")
    servers = []

    def serve(**kw):
        srv = NbdFault(image, sock, log=lambda msg: None, **kw).start()
        servers.append(srv)
        return srv

    class Disk:
        pass
    d = Disk()
    d.image, d.sock, d.serve = image, sock, serve
    d.url = "nbd+unix:///?socket=" + sock
    yield d
    for srv in servers:
        srv.stop(flush=False)
    shutil.rmtree(sockdir, ignore_errors=True)


def qio(d, *cmds, kill=False, check=True):
    """qemu-io on the NBD export; with kill, it dies at the end without flushing."""
    args = [QEMU_IO, "-f", "raw", "-t", "writeback"]
    for c in cmds + (("sigraise 9",) if kill else ()):
        args += ["-c", c]
    r = subprocess.run(args + [d.url], capture_output=True, text=True, timeout=30)
    if check:
        assert r.returncode == (-9 if kill else 0), (cmds, r.returncode, r.stdout, r.stderr)
        assert "failed" not in r.stdout + r.stderr, (cmds, r.stdout, r.stderr)
    return r


def content(d):
    with open(d.image, "rb") as f:
        return f.read()


def test_write_read_back_and_flush_reaches_the_file(disk):
    srv = disk.serve()
    qio(disk, "write -P 0xab 0 4096", "read -P 0xab 0 4096", "write -P 0x5a 1000 100",
        "read -P 0x5a 1000 100", "read -P 0xab 0 1000", kill=True)
    assert srv.unflushed() == (2, 4196)
    assert content(disk)[:4096] == bytes(4096)          # nothing flushed yet
    qio(disk, "read -P 0xab 1100 2996", "read -P 0x5a 1000 100")   # the cache is read
    qio(disk, "write -P 0xcd 8192 512", "flush", kill=True)
    assert srv.unflushed() == (0, 0)
    data = content(disk)
    assert data[:1000] == b"\xab" * 1000 and data[1000:1100] == b"\x5a" * 100
    assert data[1100:4096] == b"\xab" * 2996 and data[8192:8704] == b"\xcd" * 512
    assert srv.stats["flushes"] >= 1 and srv.stats["writes"] == 3


def test_power_cut_drop_loses_unflushed_keeps_flushed(disk):
    srv = disk.serve()
    qio(disk, "write -P 0x11 0 8192", "flush", "write -P 0x22 4096 8192",
        "write -P 0x33 65536 512", kill=True)
    report = srv.power_cut("drop", seed=1)
    assert report["writes"] == 2 and report["applied"] == 0
    data = content(disk)
    assert data[:8192] == b"\x11" * 8192 and data[8192:12288] == bytes(4096)
    assert data[65536:66048] == bytes(512)
    # the disk is off until power_on: QEMU's client cannot connect
    assert qio(disk, "read 0 512", check=False).returncode != 0
    srv.power_on()
    qio(disk, "read -P 0x11 0 8192", "read -P 0 8192 4096")


def test_power_cut_waits_for_an_unflushed_write(disk):
    srv = disk.serve()
    qio(disk, "write -P 0x12 0 512", "flush")
    out = {}
    waiting = threading.Event()

    def cut(**kw):
        out.update(srv.power_cut(armed=waiting, **kw))
    t = threading.Thread(target=cut, kwargs=dict(mode="drop", wait=20))
    t.start()
    assert waiting.wait(10)           # inside power_cut's wait: no write can slip past it
    r = qio(disk, "write -P 0x34 0 512", "write -P 0x56 512 512", "flush", check=False)
    t.join(30)
    # cut at the first cached write
    assert out["writes"] >= 1 and r.returncode != 0, (out, r.stdout, r.stderr)
    assert content(disk)[:1024] == b"\x12" * 512 + bytes(512)
    srv.power_on()
    assert srv.power_cut("keep", wait=0.05)["writes"] == 0          # nothing came: cut anyway
    srv.power_on()
    waiting.clear()
    t = threading.Thread(target=cut, kwargs=dict(mode="tear", wait=20, wait_range=(8192, 8704)))
    t.start()
    assert waiting.wait(10)
    qio(disk, "write -P 0x78 0 512", "write -P 0x79 8000 1024", "write -P 0x7a 16384 512",
        check=False)
    t.join(30)
    assert out["caught"] and out["writes"] == 2 and out["torn"]["offset"] in (0, 8000), out
    srv.power_on()
    qio(disk, "write -P 0x1 0 512", "write -P 0x2 1024 1024", kill=True)
    assert srv.power_cut("tear", at=-1)["torn"]["offset"] == 1024     # the last write


def test_restart_on_the_same_image(disk):
    srv = disk.serve()
    qio(disk, "write -P 0x44 512 1024", "flush", "write -P 0x55 0 512", kill=True)
    srv.power_cut("drop")
    srv.stop()
    disk.serve()
    qio(disk, "read -P 0 0 512", "read -P 0x44 512 1024")


def test_power_cut_keep(disk):
    srv = disk.serve()
    qio(disk, "write -P 0x66 0 4096", "write -P 0x77 1024 512", kill=True)
    assert srv.power_cut("keep")["applied"] == 2
    data = content(disk)
    assert data[:1024] == b"\x66" * 1024 and data[1024:1536] == b"\x77" * 512
    assert data[1536:4096] == b"\x66" * 2560


def test_power_cut_tear_leaves_a_partial_sector(disk):
    with open(disk.image, "r+b") as f:
        f.write(b"\xee" * 16384)
    srv = disk.serve()
    qio(disk, "write -P 0x01 0 4096", "write -P 0x02 4096 8192", "write -P 0x03 12288 4096",
        kill=True)
    report = srv.power_cut("tear", seed=7, at=1)
    torn = report["torn"]
    assert report["applied"] == 1 and torn["index"] == 1 and torn["offset"] == 4096
    landed = torn["landed"]
    assert 0 < landed < 8192 and (4096 + landed) % 512 != 0
    data = content(disk)
    assert data[:4096] == b"\x01" * 4096                         # before the torn write
    assert data[4096:4096 + landed] == b"\x02" * landed           # its prefix
    assert data[4096 + landed:12288] == b"\xee" * (8192 - landed)  # the rest of it: old data
    assert data[12288:16384] == b"\xee" * 4096                   # after it: lost
    # the torn sector holds new bytes and old bytes
    sector = (4096 + landed) // 512 * 512
    assert set(data[sector:sector + 512]) == {0x02, 0xee}


def test_power_cut_tear_random_index_is_deterministic(disk):
    outcomes = []
    for _ in range(2):
        with open(disk.image, "wb") as f:
            f.write(bytes(SIZE))
        srv = disk.serve()
        qio(disk, *["write -P %d %d 1024" % (i + 1, i * 1024) for i in range(8)], kill=True)
        report = srv.power_cut("tear", seed=42)
        srv.stop(flush=False)
        data = content(disk)
        k, landed = report["torn"]["index"], report["torn"]["landed"]
        for i in range(k):
            assert data[i * 1024:(i + 1) * 1024] == bytes([i + 1]) * 1024
        assert data[k * 1024:k * 1024 + landed] == bytes([k + 1]) * landed
        assert data[k * 1024 + landed:8192] == bytes(8192 - k * 1024 - landed)
        outcomes.append((k, landed, data))
    assert outcomes[0] == outcomes[1]


def test_power_cut_subset(disk):
    srv = disk.serve()
    cmds = ["write -P %d %d 512" % (i + 1, i * 512) for i in range(64)]
    cmds += ["write -P 0xf0 0 512"]                       # a second version of block 0
    qio(disk, *cmds, kill=True)
    report = srv.power_cut("subset", seed=5)
    kept, written = report["blocks"]
    assert written == 64 and 0 < kept < 64
    data = content(disk)
    present = 0
    for i in range(64):
        block = data[i * 512:(i + 1) * 512]
        versions = [bytes(512), bytes([i + 1]) * 512] + ([b"\xf0" * 512] if i == 0 else [])
        assert block in versions, i
        present += block != bytes(512)
    assert present == kept


def test_power_cut_flip_written_area_and_range(disk):
    srv = disk.serve()
    qio(disk, "write -P 0x0f 4096 4096", kill=True)
    report = srv.power_cut("flip", seed=3, sectors=2, bits=3)
    flipped = report["flipped"]
    assert len(flipped) == 6 and all(4096 <= off < 8192 for off, _ in flipped)
    data = content(disk)
    diff = sum(bin(a ^ 0x0f).count("1") for a in data[4096:8192])
    assert diff == 6 and data[:4096] == bytes(4096) and data[8192:] == bytes(SIZE - 8192)
    assert len({off // 512 for off, _ in flipped}) == 2
    srv.power_on()
    report = srv.power_cut("flip", seed=4, flip_range=(0, 512))    # nothing cached: range given
    assert report["writes"] == 0 and len(report["flipped"]) == 1
    assert sum(bin(b).count("1") for b in content(disk)[:512]) == 1


def test_flip_bits_damages_flushed_data(disk):
    srv = disk.serve()
    qio(disk, "write -P 0 0 512", "flush")
    assert srv.flip_bits(100, count=3, span=2, seed=9)
    data = content(disk)
    assert sum(bin(b).count("1") for b in data[100:102]) == 3
    assert data[:100] == bytes(100) and data[102:] == bytes(SIZE - 102)
    qio(disk, "read -P 0 0 100", "read -P 0 102 410")
    assert qio(disk, "read -P 0 100 2", check=False).returncode == 1
    with pytest.raises(ValueError):
        srv.flip_bits(SIZE - 1, span=2)


def test_bad_mode_changes_nothing(disk):
    srv = disk.serve()
    qio(disk, "write -P 1 0 512", kill=True)
    with pytest.raises(ValueError, match="mode"):
        srv.power_cut("melt")
    with pytest.raises(ValueError, match="flip_range"):
        srv.power_cut("flip", flip_range=(0, SIZE + 1))
    with pytest.raises(ValueError, match="tear at"):
        srv.power_cut("tear", at=5)
    assert srv.unflushed() == (1, 512)
    qio(disk, "read -P 1 0 512")           # still powered, still serving


def test_full_cache_destages_or_refuses(disk):
    srv = disk.serve(max_request=4096, max_cache=8192)
    qio(disk, "write -P 1 0 4096", "write -P 2 4096 4096", "write -P 3 8192 4096", kill=True)
    assert srv.stats["destaged_writes"] == 1 and srv.unflushed() == (2, 8192)
    srv.power_cut("drop")
    data = content(disk)
    assert data[:4096] == b"\x01" * 4096 and data[4096:12288] == bytes(8192)
    srv.stop(flush=False)
    srv = disk.serve(max_request=4096, max_cache=8192, on_full="refuse")
    r = qio(disk, "write -P 1 0 4096", "write -P 2 4096 4096", "write -P 3 8192 4096",
            check=False)
    assert r.returncode != 0 and srv.stats["refused"] == 1
    assert any("ENOSPC" in e and "flush first" in e for e in srv.errors)


# ---- the protocol, by hand ------------------------------------------------------------------
def connect(d):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(d.sock)
    hello = recv(s, 18)
    magic, opt, flags = struct.unpack(">QQH", hello)
    assert magic == nbdfault.NBDMAGIC and opt == nbdfault.IHAVEOPT
    assert flags == nbdfault.FLAG_FIXED_NEWSTYLE | nbdfault.FLAG_NO_ZEROES
    s.sendall(struct.pack(">I", nbdfault.FLAG_C_FIXED_NEWSTYLE | nbdfault.FLAG_C_NO_ZEROES))
    return s


def recv(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError(len(buf))
        buf += chunk
    return buf


def option(s, opt, data=b""):
    s.sendall(struct.pack(">QII", nbdfault.IHAVEOPT, opt, len(data)) + data)


def opt_reply(s):
    magic, opt, rtype, length = struct.unpack(">QIII", recv(s, 20))
    assert magic == nbdfault.OPT_REPLY_MAGIC
    return opt, rtype, recv(s, length)


def request(s, cmd, offset=0, length=0, handle=7, payload=b""):
    s.sendall(struct.pack(">IHHQQI", nbdfault.REQUEST_MAGIC, 0, cmd, handle, offset, length)
              + payload)


def reply(s):
    magic, error, handle = struct.unpack(">IIQ", recv(s, 16))
    assert magic == nbdfault.SIMPLE_REPLY_MAGIC
    return error, handle


def closed(s):
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


def test_options_list_info_abort_and_unknown(disk):
    disk.serve(name="ledger")
    s = connect(disk)
    option(s, 99, b"xyz")                                   # unknown option
    assert opt_reply(s)[:2] == (99, nbdfault.REP_ERR_UNSUP)
    option(s, nbdfault.OPT_STARTTLS)
    assert opt_reply(s)[1] == nbdfault.REP_ERR_POLICY
    option(s, nbdfault.OPT_LIST)
    assert opt_reply(s) == (nbdfault.OPT_LIST, nbdfault.REP_SERVER, b"\0\0\0\x06ledger")
    assert opt_reply(s)[1] == nbdfault.REP_ACK
    option(s, nbdfault.OPT_LIST, b"junk")
    assert opt_reply(s)[1] == nbdfault.REP_ERR_INVALID
    option(s, nbdfault.OPT_INFO, struct.pack(">I", 4) + b"nope" + struct.pack(">H", 0))
    assert opt_reply(s)[1] == nbdfault.REP_ERR_UNKNOWN
    option(s, nbdfault.OPT_INFO, struct.pack(">I", 40) + b"x")     # length past the data
    assert opt_reply(s)[1] == nbdfault.REP_ERR_INVALID
    option(s, nbdfault.OPT_INFO, struct.pack(">I", 6) + b"ledger" + struct.pack(">HH", 1, 3))
    _, rtype, data = opt_reply(s)
    assert rtype == nbdfault.REP_INFO
    assert struct.unpack(">HQH", data) == (nbdfault.INFO_EXPORT, SIZE, 5)
    _, rtype, data = opt_reply(s)
    assert struct.unpack(">HIII", data) == (nbdfault.INFO_BLOCK_SIZE, 1, 4096, 32 << 20)
    assert opt_reply(s)[1] == nbdfault.REP_ACK
    option(s, nbdfault.OPT_ABORT)
    assert opt_reply(s)[1] == nbdfault.REP_ACK
    assert closed(s)
    qio(disk, "write -P 9 0 512", "read -P 9 0 512")        # the server goes on


def test_export_name_and_transmission_errors(disk):
    srv = disk.serve()
    s = connect(disk)
    option(s, nbdfault.OPT_EXPORT_NAME, b"")
    size, tflags = struct.unpack(">QH", recv(s, 10))      # NO_ZEROES: no 124 zero bytes
    assert size == SIZE and tflags == nbdfault.TFLAG_HAS_FLAGS | nbdfault.TFLAG_SEND_FLUSH
    request(s, nbdfault.CMD_WRITE, 512, 4, handle=1, payload=b"abcd")
    assert reply(s) == (0, 1)
    request(s, nbdfault.CMD_READ, 510, 8, handle=2)
    assert reply(s) == (0, 2) and recv(s, 8) == b"\0\0abcd\0\0"
    request(s, nbdfault.CMD_READ, SIZE - 4, 8, handle=3)             # past the end
    assert reply(s) == (nbdfault.EINVAL, 3)
    request(s, nbdfault.CMD_READ, 0, (32 << 20) + 1, handle=4)       # too big
    assert reply(s) == (nbdfault.EOVERFLOW, 4)
    request(s, nbdfault.CMD_WRITE, SIZE - 2, 4, handle=5, payload=b"wxyz")
    assert reply(s) == (nbdfault.ENOSPC, 5)
    request(s, 4, 0, 512, handle=6)                                   # TRIM: not offered
    assert reply(s) == (nbdfault.EINVAL, 6)
    request(s, nbdfault.CMD_FLUSH, handle=8)
    assert reply(s) == (0, 8) and content(disk)[512:516] == b"abcd"
    request(s, nbdfault.CMD_DISC)
    assert closed(s)
    # garbage instead of a request: that connection is dropped, the server goes on
    s = connect(disk)
    option(s, nbdfault.OPT_EXPORT_NAME, b"")
    recv(s, 10)
    s.sendall(b"\xde\xad" * 14)
    assert closed(s)
    assert any("bad request magic" in e for e in srv.errors)
    # a WRITE bigger than max_request is dropped before its payload
    s = connect(disk)
    option(s, nbdfault.OPT_EXPORT_NAME, b"")
    recv(s, 10)
    request(s, nbdfault.CMD_WRITE, 0, (32 << 20) + 1)
    assert closed(s)
    assert any("max_request" in e for e in srv.errors)
    qio(disk, "read -P 0x61 512 1")


def test_handshake_errors_do_not_kill_the_server(disk):
    srv = disk.serve()
    s = connect(disk)
    s.sendall(b"\x00" * 16)                                  # bad option magic
    assert closed(s)
    s = connect(disk)
    option(s, nbdfault.OPT_EXPORT_NAME, b"no-such-export")   # cannot be answered: dropped
    assert closed(s)
    s = connect(disk)
    s.sendall(struct.pack(">QII", nbdfault.IHAVEOPT, 5555, 1 << 20))   # option data too big
    assert opt_reply(s)[1] == nbdfault.REP_ERR_TOO_BIG
    assert closed(s)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(disk.sock)
    recv(s, 18)
    s.sendall(struct.pack(">I", 0x80))                       # unknown client flags
    assert closed(s)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(disk.sock)
    s.close()                                                # gone in the handshake
    assert len(srv.errors) >= 4
    qio(disk, "write -P 3 0 512", "read -P 3 0 512")
