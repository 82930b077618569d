"""RFC 4180 CSV for the list loaders (the kernel has no csv module).

    for line, fields in read(data, "sdn.csv"):       # data: bytes or str
        ...

Records are separated by LF or CRLF; a field may be quoted ("..."), a doubled quote inside is
one quote, and a quoted field may hold the delimiter and newlines (an embedded newline is
given as "\\n"). `line` is the 1-based physical line the record starts on. Blank lines are
skipped, and so is a trailing Ctrl-Z line (OFAC's files end with one). A leading UTF-8 byte
order mark is dropped, and so is the mangled one that a Latin-1 round trip leaves (three
U+FFFD characters, as in FinCEN's 314(a) files). Fields are given as they are (not trimmed).

Anything else is an error, raised as entry.ListError(file, line, field, message): bytes that
are not UTF-8, an unterminated quote, a quote inside an unquoted field, text after a closing
quote, a field longer than MAX_FIELD characters, more than MAX_FIELDS fields, a record longer
than MAX_RECORD characters.

Speed (the kernel runs this under TCG, one task at a time). MicroPython looks every new str
up in its table of interned strings, a linear search through the thousands the kernel's
modules add: making a str costs far more than anything else here. So the bytes are checked to
be UTF-8 once, and then cut into lines, quoted parts and fields as bytes (no lookup, and no
walk from the start of a str to reach an index); only the fields are decoded. With `keep` a
caller has only the columns it uses decoded, and the short values of columns it marks as
repeating (OFAC's "-0- ", types, countries) decoded once per file. A line is a find and a
slice; a line without a quote is one split; a line with quotes is split on the quote
character: a handful of C-level operations per line, never a loop over its characters.
"""
from compliance.entry import ListError

MAX_FIELD = 64 * 1024          # characters in one field
MAX_FIELDS = 256               # fields in one record
MAX_RECORD = 1024 * 1024       # characters in one record (all its physical lines)
TEXT = 0                       # keep: the column as str
REPEATS = 1                    # keep: as str, its short values decoded once per file
BYTES = 2                      # keep: as the bytes of the file (not decoded)
CACHE = 390                    # distinct values of the repeating columns decoded once
# (MicroPython grows a dict only when it is full, and probes linearly: 390 keys fill 75% of
# the 521 slots it then has)
CACHE_LEN = 64                 # longest value (bytes) kept there

_BOM = b"\xef\xbb\xbf"
_MANGLED_BOM = b"\xef\xbf\xbd" * 3


def text(data, file=""):
    """`data` (bytes or str) as str, without a byte order mark; ListError naming the line of
    the first byte that is not UTF-8."""
    if isinstance(data, str):
        if data[:1] == "\ufeff":
            return data[1:]
        if data[:3] == "\ufffd\ufffd\ufffd":
            return data[3:]
        return data
    if not isinstance(data, (bytes, bytearray)):
        raise ListError(file, 0, "file", "expected bytes or str, got %s" % type(data).__name__)
    if data[:3] == _BOM:
        data = data[3:]
    elif data[:9] == _MANGLED_BOM:
        data = data[9:]
    try:
        return bytes(data).decode()
    except UnicodeError:
        pass
    n = 1
    for chunk in bytes(data).split(b"\n"):
        try:
            chunk.decode()
        except UnicodeError:
            break
        n += 1
    raise ListError(file, n, "text", "not UTF-8")


def _column_error(file, line, col, msg):
    return ListError(file, line, "column %d" % col, msg)


def _quoted(parts, d, q, file, lineno):
    """The fields of a record from its text split on the quote `q` (`parts`, an odd number of
    them; str or bytes, `d` the delimiter of the same type)."""
    n = len(parts)
    fields = parts[0].split(d)
    if fields.pop():
        raise _column_error(file, lineno, len(fields) + 1, "quote inside an unquoted field")
    # parts[i] (i odd) is quoted text, parts[i + 1] what follows its closing quote
    i = 1
    while i < n:
        cur = parts[i]
        after = parts[i + 1]
        i += 2
        while not after and i < n:            # a doubled quote: the field goes on
            cur = cur + q + parts[i]
            after = parts[i + 1]
            i += 2
        fields.append(cur)
        if not after or (after == d and i < n):
            continue                          # end of line, or straight to the next quote
        more = after.split(d)
        if more[0]:
            raise _column_error(file, lineno, len(fields), "text after a closing quote")
        if i < n:
            if more.pop():
                raise _column_error(file, lineno, len(fields) + len(more),
                                    "quote inside an unquoted field")
        more.pop(0)
        fields.extend(more)
    return fields


def split_quoted(line, d, file="", lineno=0):
    """The fields of one record that contains quotes (any newlines already joined in)."""
    parts = line.split('"')
    if not len(parts) & 1:
        raise ListError(file, lineno, "record", "unterminated quoted field")
    return _quoted(parts, d, '"', file, lineno)


def _end(data, start):
    """Where `data` (bytes) ends without its trailing blank and Ctrl-Z lines."""
    end = len(data)
    while end > start:
        k = data.rfind(b"\n", start, end)
        last = data[k + 1 if k >= 0 else start:end]
        if last and last != b"\x1a":
            break
        if k < 0:
            return start
        end = k
        if end > start and data[end - 1] == 13:      # the CR of a CRLF
            end -= 1
    return end


def read(data, file="", delimiter=",", max_fields=MAX_FIELDS, max_field=MAX_FIELD,
         max_record=MAX_RECORD, keep=None):
    """Generator of (line, fields) for each record of `data` (bytes or str).

    keep: None or empty for every field as str, else a dict {column: TEXT, REPEATS or BYTES}
    of the (0-based) columns wanted: the other fields are given as "" (still read and
    checked); a REPEATS column has its short values decoded once, a BYTES one is given as
    bytes. It is read at each record, so a caller may fill it in after the header row."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError("bad delimiter %r" % delimiter)
    if isinstance(data, str):
        errors = "surrogatepass"      # CPython's str may hold lone surrogates: keep them
        data = text(data, file).encode("utf-8", errors)
        start = 0
    else:
        errors = "strict"
        text(data, file)              # all of it UTF-8, or the error names the first bad line
        if not isinstance(data, bytes):
            data = bytes(data)
        start = 0
        if data[:3] == _BOM:
            start = 3
        elif data[:9] == _MANGLED_BOM:
            start = 9
    d = delimiter.encode("utf-8", errors)
    end = _end(data, start)
    find = data.find
    cache = {}
    pos = start
    lineno = 0
    while pos < end:
        k = find(b"\n", pos, end)
        if k < 0:
            k = end
            line = data[pos:k]
        elif k > pos and data[k - 1] == 13:
            line = data[pos:k - 1]            # CRLF
        else:
            line = data[pos:k]
        pos = k + 1
        lineno += 1
        if not line:
            continue
        first = lineno
        size = len(line)                  # bytes: never fewer than characters
        if b'"' not in line:
            if size > max_record and _chars(line, errors) > max_record:
                raise ListError(file, first, "record", "longer than %d characters" % max_record)
            pieces = line.split(d)
        else:
            parts = line.split(b'"')
            if len(parts) & 1:
                if size > max_record and _chars(line, errors) > max_record:
                    raise ListError(file, first, "record",
                                    "longer than %d characters" % max_record)
                pieces = _quoted(parts, d, b'"', file, first)
            else:
                # an odd number of quotes: a quoted field goes on over the next lines (the
                # line with that quote closed must be well formed: a stray quote is found here)
                parts.append(b"")
                _quoted(parts, d, b'"', file, first)
                parts = [line]
                chars = -1                # the record's characters, once its bytes are many
                while True:
                    if pos >= end:
                        raise ListError(file, first, "record", "unterminated quoted field")
                    k = find(b"\n", pos, end)
                    if k < 0:
                        k = end
                        nxt = data[pos:k]
                    elif k > pos and data[k - 1] == 13:
                        nxt = data[pos:k - 1]
                    else:
                        nxt = data[pos:k]
                    pos = k + 1
                    lineno += 1
                    parts.append(nxt)
                    size += len(nxt) + 1
                    if size > max_record:
                        if chars < 0:
                            chars = _chars(b"\n".join(parts), errors)
                        else:
                            chars += _chars(nxt, errors) + 1
                        if chars > max_record:
                            raise ListError(file, first, "record",
                                            "longer than %d characters" % max_record)
                    if nxt.count(b'"') & 1:
                        break
                parts = b"\n".join(parts).split(b'"')
                pieces = _quoted(parts, d, b'"', file, first)
        n = len(pieces)
        if n > max_fields:
            raise ListError(file, first, "record", "more than %d fields" % max_fields)
        if size > max_field:
            for c in range(n):
                if len(pieces[c]) > max_field and _chars(pieces[c], errors) > max_field:
                    raise _column_error(file, first, c + 1,
                                        "longer than %d characters" % max_field)
        if keep:
            fields = [""] * n
            for c in keep:
                if c < n:
                    p = pieces[c]
                    how = keep[c]
                    if how == BYTES:
                        fields[c] = p
                    elif not p:
                        continue
                    elif how == REPEATS and len(p) <= CACHE_LEN:
                        s = cache.get(p)
                        if s is None:
                            s = p.decode("utf-8", errors)
                            if len(cache) < CACHE:
                                cache[p] = s
                        fields[c] = s
                    else:
                        fields[c] = p.decode("utf-8", errors)
        else:
            fields = [p.decode("utf-8", errors) for p in pieces]
        yield first, fields


def _chars(b, errors):
    """Characters of UTF-8 bytes `b`."""
    return len(b.decode("utf-8", errors))
