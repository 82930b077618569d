"""compliance/bundle.py on tar archives built here byte by byte (no tarfile in the kernel):
regular files kept, directories skipped, long names, and each refusal with its offset."""
from compliance import bundle
from compliance.entry import ListError
from tests.portable.support.asserts import raises


def _header(name, size, kind=b"0", prefix=b"", magic=b"ustar\x0000", chksum=None):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\x00"
    h[108:116] = b"0000000\x00"
    h[116:124] = b"0000000\x00"
    h[124:136] = b"%011o\x00" % size
    h[136:148] = b"00000000000\x00"
    h[148:156] = b"        "
    h[156:157] = kind
    h[257:265] = magic
    h[345:345 + len(prefix)] = prefix
    if chksum is None:
        chksum = sum(h)
    h[148:156] = b"%06o\x00 " % chksum
    return bytes(h)


def _member(name, data, kind=b"0", **kw):
    pad = (512 - len(data) % 512) % 512
    return _header(name, len(data), kind, **kw) + data + bytes(pad)


END = bytes(1024)


def test_regular_files_and_directories():
    tar = (_member(b"lists/", b"", b"5") + _member(b"lists/sdn.csv", b"1,2\n") +
           _member(b"./alt.csv", b"x" * 600) + _member(b"empty.csv", b"") + END)
    assert bundle.read(tar) == {"lists/sdn.csv": b"1,2\n", "alt.csv": b"x" * 600,
                                "empty.csv": b""}


def test_one_end_block_is_enough_and_extra_padding_is_ignored():
    tar = _member(b"a.csv", b"a") + bytes(512) + b"garbage after the end"
    assert bundle.read(tar) == {"a.csv": b"a"}


def test_ustar_prefix_pax_path_and_gnu_long_name():
    long = b"d" * 120 + b".csv"
    body = b" path=" + long + b"\n"
    n = len(body) + 3                       # the length counts its own 3 digits
    pax = b"%d" % n + body
    assert len(pax) == n
    tar = (_member(b"short.csv", b"1", prefix=b"deep/dir") +
           _member(b"PaxHeader", pax, b"x") + _member(b"truncated-name", b"2") +
           _member(b"././@LongLink", b"gnu/" + long + b"\x00", b"L",
                   magic=b"ustar  \x00") +
           _member(b"gnu-truncated", b"3", magic=b"ustar  \x00") +
           _member(b"global", b"9 a=b\n\n", b"g") + _member(b"last.csv", b"4") + END)
    got = bundle.read(tar)
    assert got == {"deep/dir/short.csv": b"1", long.decode(): b"2",
                   "gnu/" + long.decode(): b"3", "last.csv": b"4"}


def test_links_and_devices_are_refused():
    for kind in (b"1", b"2", b"3", b"4", b"6"):
        tar = _member(b"ok.csv", b"1") + _member(b"link", b"", kind) + END
        e = raises(ListError, bundle.read, tar, "up.tar")
        assert (e.file, e.line, e.field) == ("up.tar", 1024, "typeflag")


def test_paths_that_escape_are_refused():
    for bad in (b"/etc/passwd", b"../x.csv", b"a/../../x.csv", b"./", b"."):
        e = raises(ListError, bundle.read, _member(bad, b"1") + END)
        assert (e.line, e.field) == (0, "name"), bad


def test_duplicates_and_limits():
    tar = _member(b"a.csv", b"1") + _member(b"./a.csv", b"2") + END
    e = raises(ListError, bundle.read, tar)
    assert (e.line, e.field) == (1024, "name") and "twice" in e.message
    tar = _member(b"a.csv", b"1") + _member(b"b.csv", b"2") + _member(b"c.csv", b"3") + END
    assert len(bundle.read(tar, max_members=3)) == 3
    e = raises(ListError, bundle.read, tar, "t", 2)
    assert (e.line, e.field) == (2048, "name")
    e = raises(ListError, bundle.read, tar, "t", 10, 0)
    assert (e.line, e.field) == (0, "size")
    e = raises(ListError, bundle.read, tar, "t", 10, 10, 2)
    assert (e.line, e.field) == (2048, "size") and "in all" in e.message


def test_damaged_archives():
    good = _member(b"a.csv", b"hello") + END
    e = raises(ListError, bundle.read, good[:512 + 3])
    assert (e.line, e.field) == (0, "size") and "truncated" in e.message
    e = raises(ListError, bundle.read, good[:1024])
    assert (e.line, e.field) == (1024, "archive")
    bad = bytearray(good)
    bad[0] = ord("b")                       # the checksum no longer adds up
    e = raises(ListError, bundle.read, bytes(bad))
    assert (e.line, e.field) == (0, "chksum")
    e = raises(ListError, bundle.read, _member(b"a", b"1", magic=b"xxxxx\x0000") + END)
    assert e.field == "magic"
    hdr = bytearray(_header(b"a", 1))
    hdr[124:136] = b"0000000009z\x00"
    hdr[148:156] = b"        "
    hdr[148:156] = b"%06o\x00 " % sum(hdr)
    e = raises(ListError, bundle.read, bytes(hdr) + bytes(512) + END)
    assert e.field == "size" and "octal" in e.message
    e = raises(ListError, bundle.read, _member(b"p", b"99 path=x\n", b"x") + END)
    assert e.field == "pax"
    e = raises(ListError, bundle.read, "not bytes")
    assert e.field == "archive"
    e = raises(ListError, bundle.read, b"")
    assert (e.line, e.field) == (0, "archive")


def test_a_bundle_feeds_the_list_loaders():
    from compliance import lists
    sdn = b'7,"ROE, Richard","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
    alt = b'7,1,"aka","ROE, Dick",-0- \n'
    files = bundle.read(_member(b"ofac/SDN.CSV", sdn) + _member(b"ofac/ALT.CSV", alt) + END)
    data = lists.load("ofac_sdn", files)
    assert data.entries[0].names == ("ROE, Richard", "ROE, Dick")
