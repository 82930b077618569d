"""A tar archive (bytes) -> {path: bytes}: how multi-file lists arrive (a boot module, an
upload of sdn.csv + alt.csv + add.csv as one body).

    files = read(body, "upload.tar")      # {"sdn.csv": b"...", "alt.csv": b"...", ...}

POSIX ustar and GNU tar as `tar cf` and Python's tarfile write them: regular files are kept,
directories are skipped, pax headers and GNU long names give the path of the next member.
Links, devices and FIFOs are refused, and so are paths that are absolute or climb with "..",
a checksum that does not add up, a truncated archive (no end-of-archive block) and anything
past the limits (members, one member's size, the total). Errors are entry.ListError(file,
offset, field, message) where `offset` is the byte offset of the member's header.
Portable (CPython and MicroPython; the kernel has no tarfile): slices of the bytes only.
"""
from compliance.entry import ListError

BLOCK = 512
MAX_MEMBERS = 64                    # regular files in one archive
MAX_MEMBER = 64 * 1024 * 1024       # bytes in one file
MAX_TOTAL = 128 * 1024 * 1024       # bytes of all files
MAX_PATH = 255

_ZERO = bytes(BLOCK)
_OCTAL = b"01234567"


def _octal(file, pos, field, raw):
    if raw[:1] and raw[0] & 0x80:
        raise ListError(file, pos, field, "base-256 number (a member too large)")
    s = raw.split(b"\0", 1)[0].strip()
    if not s:
        return 0
    for b in s:
        if b not in _OCTAL:
            raise ListError(file, pos, field, "not an octal number: %r" % raw)
    return int(s.decode(), 8)


def _text(file, pos, field, raw):
    try:
        return raw.split(b"\0", 1)[0].decode()
    except UnicodeError:
        raise ListError(file, pos, field, "not UTF-8")


def _clean(file, pos, path):
    """A relative path without '.' or empty parts; ListError if absolute or climbing."""
    if not path or path[0] == "/":
        raise ListError(file, pos, "name", "absolute or empty path %r" % path[:80])
    parts = []
    for p in path.split("/"):
        if p == "..":
            raise ListError(file, pos, "name", "path climbs out with '..': %r" % path[:80])
        if p and p != ".":
            parts.append(p)
    out = "/".join(parts)
    if not out or len(out) > MAX_PATH:
        raise ListError(file, pos, "name", "empty or too long path %r" % path[:80])
    return out


def _pax_path(file, pos, payload):
    """The "path" of a pax extended header (records "LEN key=value\\n"), or None."""
    i = 0
    n = len(payload)
    path = None
    while i < n:
        sp = payload.find(b" ", i)
        if sp < 0 or sp - i > 12:
            raise ListError(file, pos, "pax", "malformed extended header")
        length = _decimal(file, pos, payload[i:sp])
        end = i + length
        if length <= sp - i + 1 or end > n or payload[end - 1:end] != b"\n":
            raise ListError(file, pos, "pax", "malformed extended header record")
        rec = payload[sp + 1:end - 1]
        eq = rec.find(b"=")
        if eq < 0:
            raise ListError(file, pos, "pax", "extended header record without '='")
        if rec[:eq] == b"path":
            path = _text(file, pos, "pax", rec[eq + 1:])
        i = end
    return path


def _decimal(file, pos, raw):
    for b in raw:
        if b < 48 or b > 57:
            raise ListError(file, pos, "pax", "bad record length %r" % raw)
    return int(raw.decode()) if raw else 0


def read(data, file="bundle.tar", max_members=MAX_MEMBERS, max_member=MAX_MEMBER,
         max_total=MAX_TOTAL):
    """{path: bytes} of the regular files of the tar archive `data`."""
    if not isinstance(data, (bytes, bytearray)):
        raise ListError(file, 0, "archive", "expected bytes, got %s" % type(data).__name__)
    data = bytes(data)
    n = len(data)
    out = {}
    total = 0
    pos = 0
    next_path = None               # from a pax header or a GNU long name
    while True:
        if pos + BLOCK > n:
            raise ListError(file, pos, "archive", "truncated (no end-of-archive block)")
        h = data[pos:pos + BLOCK]
        if h == _ZERO:
            break
        magic = h[257:263]
        if magic != b"ustar\0" and magic != b"ustar ":
            raise ListError(file, pos, "magic", "not a ustar/GNU tar header")
        stored = _octal(file, pos, "chksum", h[148:156])
        if sum(h[:148]) + 256 + sum(h[156:]) != stored:
            raise ListError(file, pos, "chksum", "header checksum does not match")
        size = _octal(file, pos, "size", h[124:136])
        if size > max_member:
            raise ListError(file, pos, "size", "member larger than %d bytes" % max_member)
        start = pos + BLOCK
        if start + size > n:
            raise ListError(file, pos, "size", "truncated member")
        payload = data[start:start + size]
        kind = h[156:157]
        here = pos
        pos = start + (size + BLOCK - 1) // BLOCK * BLOCK
        if kind == b"0" or kind == b"\0" or kind == b"7":
            path = next_path
            next_path = None
            if path is None:
                path = _text(file, here, "name", h[0:100])
                prefix = _text(file, here, "prefix", h[345:500]) if magic == b"ustar\0" else ""
                if prefix:
                    path = prefix + "/" + path
            path = _clean(file, here, path)
            if path in out:
                raise ListError(file, here, "name", "%s is in the archive twice" % path)
            if len(out) >= max_members:
                raise ListError(file, here, "name", "more than %d files" % max_members)
            total += size
            if total > max_total:
                raise ListError(file, here, "size", "files larger than %d bytes in all"
                                % max_total)
            out[path] = payload
        elif kind == b"5":
            next_path = None
        elif kind == b"x":
            next_path = _pax_path(file, here, payload)
        elif kind == b"L":
            next_path = _text(file, here, "name", payload)
        elif kind == b"g":
            pass
        else:
            raise ListError(file, here, "typeflag", "not a regular file (type %r): links, "
                            "devices and FIFOs are refused" % kind)
    return out
