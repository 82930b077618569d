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

Speed (the kernel runs this under TCG, one task at a time): the bytes are checked to be
UTF-8 once, then decoded and split into lines about CHUNK bytes at a time (no single call
splits a whole file, and only one chunk's lines are held at once); a line without a quote is
one str.split; a line with quotes is split on the quote character, so the work per line is a
handful of C-level string operations, never a loop over its characters.
"""
from compliance.entry import ListError

MAX_FIELD = 64 * 1024          # characters in one field
MAX_FIELDS = 256               # fields in one record
MAX_RECORD = 1024 * 1024       # characters in one record (all its physical lines)
CHUNK = 64 * 1024              # bytes decoded and split into lines at a time

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


def _quoted(parts, d, file, lineno):
    """The fields of a record from its text split on '"' (`parts`, an odd number of them)."""
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
            cur = cur + '"' + parts[i]
            after = parts[i + 1]
            i += 2
        fields.append(cur)
        if after == d:
            if i >= n:
                fields.append("")             # a delimiter ends the line: one empty field
            continue                          # else straight to the next quote
        if not after:
            continue                          # end of line
        if after[0] != d:
            raise _column_error(file, lineno, len(fields), "text after a closing quote")
        if i < n:                             # unquoted fields, then the next quote
            if after[-1] != d:
                raise _column_error(file, lineno, len(fields) + len(after.split(d)) - 1,
                                    "quote inside an unquoted field")
            fields.extend(after[1:-1].split(d))
        else:
            fields.extend(after[1:].split(d))
    return fields


def split_quoted(line, d, file="", lineno=0):
    """The fields of one record that contains quotes (any newlines already joined in)."""
    parts = line.split('"')
    if not len(parts) & 1:
        raise ListError(file, lineno, "record", "unterminated quoted field")
    return _quoted(parts, d, file, lineno)


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


def _chunks(data, file):
    """Generator of lists of lines of `data`, CRLF read as LF, the trailing blank and Ctrl-Z
    lines left out: about CHUNK bytes at a time; then None."""
    if isinstance(data, str):
        s = text(data, file)
        if "\r" in s:
            s = s.replace("\r\n", "\n")
        lines = s.split("\n")
        del s
        while lines and (lines[-1] == "" or lines[-1] == "\x1a"):
            lines.pop()
        yield lines
        yield None
        return
    text(data, file)              # all of it UTF-8, or the error names the first bad line
    if not isinstance(data, bytes):
        data = bytes(data)
    start = 0
    if data[:3] == _BOM:
        start = 3
    elif data[:9] == _MANGLED_BOM:
        start = 9
    end = _end(data, start)
    pos = start
    while pos < end:
        k = data.find(b"\n", pos + CHUNK, end) if pos + CHUNK < end else -1
        k = end if k < 0 else k + 1                   # a chunk ends with its LF, or at the end
        s = data[pos:k].decode()
        if "\r" in s:
            s = s.replace("\r\n", "\n")
        lines = s.split("\n")
        del s
        if k < end:
            lines.pop()                               # the "" after the chunk's last LF
        pos = k
        yield lines
    yield None


def read(data, file="", delimiter=",", max_fields=MAX_FIELDS, max_field=MAX_FIELD,
         max_record=MAX_RECORD):
    """Generator of (line, fields) for each record of `data` (bytes or str)."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError("bad delimiter %r" % delimiter)
    chunks = _chunks(data, file)
    lines = ()
    n = 0           # len(lines)
    i = 0           # the next line of lines
    base = 0        # the line number of lines[0], minus 1
    while True:
        if i >= n:
            base += n
            lines = next(chunks)
            if lines is None:
                return
            n = len(lines)
            i = 0
            continue
        line = lines[i]
        i += 1
        if not line:
            continue
        start = base + i
        size = len(line)
        if '"' not in line:
            if size > max_record:
                raise ListError(file, start, "record", "longer than %d characters" % max_record)
            fields = line.split(delimiter)
        else:
            parts = line.split('"')
            if not len(parts) & 1:
                # an odd number of quotes: a quoted field goes on over the next lines (the
                # line with that quote closed must be well formed: a stray quote is found here)
                parts.append("")
                _quoted(parts, delimiter, file, start)
                parts = [line]
                while True:
                    if i >= n:
                        base += n
                        lines = next(chunks)
                        if lines is None:
                            raise ListError(file, start, "record", "unterminated quoted field")
                        n = len(lines)
                        i = 0
                        continue
                    nxt = lines[i]
                    i += 1
                    parts.append(nxt)
                    size += len(nxt) + 1
                    if size > max_record:
                        raise ListError(file, start, "record",
                                        "longer than %d characters" % max_record)
                    if nxt.count('"') & 1:
                        break
                line = "\n".join(parts)
                fields = split_quoted(line, delimiter, file, start)
            else:
                if size > max_record:
                    raise ListError(file, start, "record",
                                    "longer than %d characters" % max_record)
                fields = _quoted(parts, delimiter, file, start)
        if len(fields) > max_fields:
            raise ListError(file, start, "record", "more than %d fields" % max_fields)
        if size > max_field:
            for k in range(len(fields)):
                if len(fields[k]) > max_field:
                    raise _column_error(file, start, k + 1,
                                        "longer than %d characters" % max_field)
        yield start, fields
