"""A small, strict, bounded XML reader for list files (the UN consolidated list); the kernel
has no xml module.

    for kind, value, attrs, line in events(data, "un.xml"):   # START, END or TEXT
    for el in elements(data, ("INDIVIDUAL", "ENTITY"), "un.xml", root=info):   # subtrees

What it reads: elements, attributes ('...' or "..."), text, the five predefined entities and
numeric character references (&#65; &#x41;), comments, CDATA sections, processing
instructions and the XML declaration (whose encoding must be UTF-8). What it refuses, as
entry.ListError(file, line, field, message) with the line of the fault: a DOCTYPE (no DTDs, so
no entity expansion), mismatched or unclosed tags, text or a second element outside the root,
an undefined entity, bytes that are not UTF-8, and anything past the limits: document size,
nesting depth, attributes per element, characters in one text node.

Whitespace-only text between tags is dropped (list files are data, not mixed content).

The document is scanned as bytes: MicroPython indexes and slices a str by walking it from
its start, bytes in constant time. Each tag costs a few C-level finds and slices; tag names
are decoded and checked once and then found in a dictionary. A new str is dear in the kernel
(MicroPython looks each one up in its interned strings, a linear search), so the texts of the
elements a caller names as `repeats` (codes, countries, types) are decoded once per value.
"""
from compliance.entry import ListError

START = 1
END = 2
TEXT = 3

MAX_SIZE = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_ATTRS = 32
MAX_TEXT = 1024 * 1024
MAX_NAME = 256
_NAMES_CACHED = 1024
_TEXTS_CACHED = 920      # (MicroPython fills a dict before it grows it: 920 keys use 75% of 1223)
_TEXT_CACHED = 64        # longest text (bytes) decoded once

_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_BAD_NAME_BYTES = b"<>&\"'=/!?;,()[]{}`|\\^%$#@*+~\t\n\r "
_HEX = "0123456789abcdefABCDEF"
_DEC = "0123456789"
_WS = b" \t\r\n"


def _show(raw):
    try:
        return raw.decode()[:60]
    except UnicodeError:
        return repr(raw)[:60]


def _decode(raw, file, line):
    try:
        return raw.decode()
    except UnicodeError:
        pass
    n = line
    for chunk in raw.split(b"\n"):
        try:
            chunk.decode()
        except UnicodeError:
            break
        n += 1
    raise ListError(file, n, "text", "not UTF-8")


def unescape(s, file="", line=0):
    """`s` with its entity and character references replaced."""
    parts = s.split("&")
    out = [parts[0]]
    for p in parts[1:]:
        semi = p.find(";")
        if semi <= 0 or semi > 10:
            raise ListError(file, line, "text", "'&' not starting an entity reference")
        ref = p[:semi]
        v = _ENTITIES.get(ref)
        if v is None:
            if ref[0] != "#" or len(ref) < 2:
                raise ListError(file, line, "text", "undefined entity &%s;" % ref)
            digits, base, ok = ref[1:], 10, _DEC
            if digits[0] == "x":
                digits, base, ok = digits[1:], 16, _HEX
            for ch in digits:
                if ch not in ok:
                    digits = ""
                    break
            if not digits:
                raise ListError(file, line, "text", "bad character reference &%s;" % ref)
            c = int(digits, base)
            if not (c == 9 or c == 10 or c == 13 or 0x20 <= c <= 0xD7FF
                    or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF):
                raise ListError(file, line, "text", "character reference &%s; is not a "
                                "character XML allows" % ref)
            v = chr(c)
        out.append(v)
        out.append(p[semi + 1:])
    return "".join(out)


class _Reader:
    __slots__ = ("data", "file", "line", "lpos", "names")

    def __init__(self, data, file):
        self.data = data
        self.file = file
        self.line = 1
        self.lpos = 0
        self.names = {}

    def at(self, pos):
        """Advance the line count to byte `pos` (never backwards) and return it."""
        if pos > self.lpos:
            self.line += self.data.count(b"\n", self.lpos, pos)
            self.lpos = pos
        return self.line

    def fail(self, pos, field, msg):
        return ListError(self.file, self.at(pos), field, msg)

    def name(self, raw, pos):
        """The decoded, checked element or attribute name `raw` (bytes)."""
        s = self.names.get(raw)
        if s is not None:
            return s
        if not raw or len(raw) > MAX_NAME:
            raise self.fail(pos, "name", "empty or too long name")
        if raw[0] in b"-.0123456789":
            raise self.fail(pos, "name", "bad name '%s'" % _show(raw))
        for b in raw:
            if b in _BAD_NAME_BYTES or b < 32:
                raise self.fail(pos, "name", "bad name '%s'" % _show(raw))
        s = _decode(raw, self.file, self.at(pos))
        if len(self.names) < _NAMES_CACHED:
            self.names[raw] = s
        return s

    def value(self, raw, line):
        s = _decode(raw, self.file, line)
        if "&" in s:
            s = unescape(s, self.file, line)
        return s

    def attributes(self, i, lt, max_attrs):
        """Parse attributes from byte i of a start tag (<... at lt); returns (attrs, end)
        where end is the index of its '>' and attrs a dict."""
        data = self.data
        attrs = {}
        n = len(data)
        while True:
            while i < n and data[i] in _WS:
                i += 1
            if i >= n:
                raise self.fail(lt, "tag", "unterminated tag")
            c = data[i]
            if c == 62:                                     # '>'
                return attrs, i
            if c == 47 and data[i + 1:i + 2] == b">":       # '/>'
                return attrs, i + 1
            eq = data.find(b"=", i)
            if eq < 0:
                raise self.fail(lt, "tag", "attribute without a value")
            raw = data[i:eq].rstrip()
            if len(raw.split()) != 1:
                raise self.fail(lt, "tag", "attribute without a value")
            key = self.name(raw, lt)
            j = eq + 1
            while j < n and data[j] in _WS:
                j += 1
            q = data[j:j + 1]
            if q != b'"' and q != b"'":
                raise self.fail(lt, key, "attribute value not quoted")
            end = data.find(q, j + 1)
            if end < 0:
                raise self.fail(lt, key, "unterminated attribute value")
            raw = data[j + 1:end]
            if b"<" in raw:
                raise self.fail(lt, key, "'<' in an attribute value")
            if key in attrs:
                raise self.fail(lt, key, "duplicate attribute")
            if len(attrs) >= max_attrs:
                raise self.fail(lt, key, "more than %d attributes" % max_attrs)
            attrs[key] = self.value(raw, self.at(lt))
            i = end + 1
            if i < n and data[i] not in _WS and data[i] != 62 and data[i] != 47:
                raise self.fail(lt, key, "no space after an attribute")


def _declaration(r, body, pos):
    """Check the XML declaration's encoding (body: the bytes between '<?' and '?>')."""
    low = body.lower()
    k = low.find(b"encoding")
    if k < 0:
        return
    rest = body[k + 8:].lstrip(_WS)
    if rest[:1] != b"=":
        raise r.fail(pos, "encoding", "malformed XML declaration")
    rest = rest[1:].lstrip(_WS)
    q = rest[:1]
    end = rest.find(q, 1) if q in (b'"', b"'") else -1
    if end < 0:
        raise r.fail(pos, "encoding", "malformed XML declaration")
    enc = rest[1:end].lower()
    if enc != b"utf-8" and enc != b"utf8" and enc != b"us-ascii":
        raise r.fail(pos, "encoding", "encoding %r not supported (UTF-8 only)" % enc)


def events(data, file="", max_size=MAX_SIZE, max_depth=MAX_DEPTH, max_attrs=MAX_ATTRS,
           max_text=MAX_TEXT, repeats=()):
    """Generator of (START, name, attrs, line), (END, name, None, line) and
    (TEXT, text, None, line) for the document `data` (bytes or str). The texts of the
    elements named in `repeats` (a set) are decoded once per distinct value."""
    if isinstance(data, str):
        data = data.encode()
    elif not isinstance(data, (bytes, bytearray)):
        raise ListError(file, 0, "file", "expected bytes or str, got %s" % type(data).__name__)
    data = bytes(data)
    if len(data) > max_size:
        raise ListError(file, 0, "file", "larger than %d bytes" % max_size)
    pos = 0
    if data[:3] == b"\xef\xbb\xbf":
        pos = 3
    elif data[:9] == b"\xef\xbf\xbd" * 3:
        pos = 9
    first = pos
    r = _Reader(data, file)
    names = r.names
    find = data.find
    count = data.count
    n = len(data)
    line = 1            # the line of byte lpos (r.at() keeps its own count for errors)
    lpos = 0
    stack = []          # (name, line) of the open elements
    done = False        # the root element has ended
    texts = {}          # raw text -> its value, for the elements of `repeats`
    while pos < n:
        lt = find(b"<", pos)
        if lt < 0:
            lt = n
        if lt > pos:
            raw = data[pos:lt]
            if raw.strip(_WS):
                if not stack:
                    raise r.fail(pos + len(raw) - len(raw.lstrip(_WS)), "text",
                                 "text outside the root element")
                if lt - pos > max_text:
                    raise r.fail(pos, "text", "text longer than %d bytes" % max_text)
                line += count(b"\n", lpos, pos)
                lpos = pos
                if repeats and lt - pos <= _TEXT_CACHED and stack[-1][0] in repeats:
                    v = texts.get(raw)
                    if v is None:
                        v = r.value(raw, line)
                        if len(texts) < _TEXTS_CACHED:
                            texts[raw] = v
                    yield TEXT, v, None, line
                else:
                    yield TEXT, r.value(raw, line), None, line
            pos = lt
            if pos >= n:
                break
        line += count(b"\n", lpos, lt)
        lpos = lt
        c = data[lt + 1] if lt + 1 < n else 0
        if c == 47:                                    # '</name>'
            gt = find(b">", lt)
            if gt < 0:
                raise r.fail(lt, "tag", "unterminated end tag")
            raw = data[lt + 2:gt]
            name = names.get(raw)
            if name is None:
                name = r.name(raw.rstrip(_WS), lt)
            if not stack or stack[-1][0] != name:
                if stack:
                    raise r.fail(lt, name, "</%s> does not close <%s> of line %d"
                                 % (name, stack[-1][0], stack[-1][1]))
                raise r.fail(lt, name, "</%s> without a start tag" % name)
            stack.pop()
            yield END, name, None, line
            if not stack:
                done = True
            pos = gt + 1
        elif c == 33:                                  # '<!'
            if data.startswith(b"<!--", lt):
                end = find(b"-->", lt + 4)
                if end < 0:
                    raise r.fail(lt, "comment", "unterminated comment")
                if find(b"--", lt + 4, end) >= 0:
                    raise r.fail(lt, "comment", "'--' inside a comment")
                pos = end + 3
            elif data.startswith(b"<![CDATA[", lt):
                if not stack:
                    raise r.fail(lt, "text", "CDATA outside the root element")
                end = find(b"]]>", lt + 9)
                if end < 0:
                    raise r.fail(lt, "text", "unterminated CDATA section")
                if end - lt - 9 > max_text:
                    raise r.fail(lt, "text", "text longer than %d bytes" % max_text)
                yield TEXT, _decode(data[lt + 9:end], file, line), None, line
                pos = end + 3
            elif data.startswith(b"<!DOCTYPE", lt):
                raise r.fail(lt, "DOCTYPE", "document type declarations are not supported")
            else:
                raise r.fail(lt, "tag", "unknown markup '<!'")
        elif c == 63:                                  # '<?target ...?>'
            end = find(b"?>", lt + 2)
            if end < 0:
                raise r.fail(lt, "tag", "unterminated processing instruction")
            body = data[lt + 2:end]
            target = body.split(None, 1)[0] if body.strip(_WS) else b""
            if target.lower() == b"xml":
                if lt != first:
                    raise r.fail(lt, "tag", "XML declaration not at the start")
                _declaration(r, body, lt)
            elif not target:
                raise r.fail(lt, "tag", "processing instruction without a target")
            pos = end + 2
        else:                                          # '<name attr="v" ...>' or '.../>'
            gt = find(b">", lt)
            if gt < 0:
                raise r.fail(lt, "tag", "unterminated tag")
            inner = data[lt + 1:gt]
            name = names.get(inner)                    # the common case: <NAME>
            empty = False
            attrs = {}
            if name is None:
                if b'"' in inner or b"'" in inner:
                    k = 0
                    while k < len(inner) and inner[k] not in _WS and inner[k] != 47:
                        k += 1
                    name = r.name(inner[:k], lt)
                    attrs, gt = r.attributes(lt + 1 + k, lt, max_attrs)
                    empty = data[gt - 1] == 47
                else:
                    empty = inner[-1:] == b"/"
                    if empty:
                        inner = inner[:-1]
                    words = inner.split()
                    if len(words) != 1 or inner[:1] in _WS:
                        raise r.fail(lt, "tag", "malformed tag <%s>" % _show(inner))
                    name = r.name(words[0], lt)
            if done:
                raise r.fail(lt, name, "a second root element")
            if len(stack) >= max_depth:
                raise r.fail(lt, name, "nested deeper than %d elements" % max_depth)
            yield START, name, attrs, line
            if empty:
                yield END, name, None, line
                if not stack:
                    done = True
            else:
                stack.append((name, line))
            pos = gt + 1
    if stack:
        raise ListError(file, r.at(n), stack[-1][0], "<%s> of line %d is not closed"
                        % (stack[-1][0], stack[-1][1]))
    if not done:
        raise ListError(file, r.at(n), "root", "no root element")


class Element:
    """A collected subtree: tag, attrs (dict), text (its own text, pieces joined), children
    (list of Element), line (of its start tag)."""

    __slots__ = ("tag", "attrs", "text", "children", "line")

    def __init__(self, tag, attrs, line):
        self.tag = tag
        self.attrs = attrs
        self.text = ""
        self.children = []
        self.line = line

    def find(self, tag):
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag):
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag, default=""):
        c = self.find(tag)
        return default if c is None else c.text


def elements(data, tags, file="", root=None, max_children=4096, ticks=0, **limits):
    """Generator of the Element subtrees of the elements named in `tags` (outermost ones
    only). If `root` is a dict, it gets the root element's "tag", "attrs" and "line".
    Each collected subtree has at most `max_children` elements in all. With `ticks` > 0 it
    also yields None after every `ticks` start tags, so that a caller in a cooperative
    scheduler can give others a turn within a long subtree (it skips the Nones)."""
    stack = []
    count = 0
    tick = 0
    for kind, value, attrs, line in events(data, file, **limits):
        if kind == START:
            if ticks:
                tick += 1
                if tick >= ticks:
                    tick = 0
                    yield None
            if root is not None and "tag" not in root:
                root["tag"] = value
                root["attrs"] = attrs
                root["line"] = line
            if stack:
                count += 1
                if count > max_children:
                    raise ListError(file, line, value, "more than %d elements in one <%s>"
                                    % (max_children, stack[0].tag))
                el = Element(value, attrs, line)
                stack[-1].children.append(el)
                stack.append(el)
            elif value in tags:
                count = 0
                stack.append(Element(value, attrs, line))
        elif kind == END:
            if stack:
                el = stack.pop()
                if not stack:
                    yield el
        elif stack:
            top = stack[-1]
            top.text = value if not top.text else top.text + value
