"""Line editor for the serial console, driven one byte at a time.

Pure logic (no I/O): ``feed(byte)`` updates the line and returns an event;
the bytes to send back to the terminal (echo, cursor moves, bell) collect in
an output buffer taken with ``output()``. Runs on CPython and bare MicroPython.

Keys: printable ASCII inserts at the cursor; Backspace (0x08) / DEL (0x7f);
Left/Right (ESC [ D / ESC [ C, Ctrl-B/F); Home/End (ESC [ H / ESC [ F,
ESC [ 1~ / ESC [ 4~, ESC [ 7~ / ESC [ 8~, ESC O H / ESC O F, Ctrl-A/E);
Delete (ESC [ 3~); Ctrl-Left/Right and ESC b / ESC f move by word;
Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W the word before the
cursor; Up/Down (ESC [ A / ESC [ B, Ctrl-P/N) walk the history; Tab asks the
completer; Ctrl-L redraws; Enter is CR or LF (CR LF counts once); Ctrl-C
cancels the line; Ctrl-D on an empty line is end of input (else Delete).
The line holds at most ``max_len`` characters: more input rings the bell.
Only ASCII is accepted (a non-ASCII character rings the bell once).
"""

# Events returned by feed().
NONE = 0      # nothing complete yet
LINE = 1      # Enter: the finished line is in .line
CANCEL = 2    # Ctrl-C: the line was dropped
EOF = 3       # Ctrl-D on an empty line

MAX_LEN = 1024
HISTORY_SIZE = 100
CSI_MAX = 8   # bytes of parameters kept from an escape sequence

BEL = b"\x07"
ERASE_EOL = b"\x1b[K"

_S_NORMAL = 0
_S_ESC = 1
_S_CSI = 2
_S_SS3 = 3


class LineEditor:
    """``complete(text_before_cursor)`` (optional) returns a list of candidate
    strings, each a full replacement for the text before the cursor."""

    def __init__(self, prompt="", max_len=MAX_LEN, history_size=HISTORY_SIZE, complete=None):
        assert max_len > 0 and history_size >= 0
        self.prompt = prompt
        self.max_len = max_len
        self.history_size = history_size
        self.complete = complete
        self.history = []
        self.text = ""
        self.pos = 0
        self.line = None
        self._out = bytearray()
        self._state = _S_NORMAL
        self._csi = ""
        self._csi_overflow = False
        self._cr = False
        self._hidx = 0
        self._saved = ""

    # ---- public ---------------------------------------------------------

    def start(self):
        """Begin a new line: reset it and queue the prompt."""
        self.text = ""
        self.pos = 0
        self._hidx = len(self.history)
        self._saved = ""
        self._state = _S_NORMAL
        self._emit_str(self.prompt)

    def output(self):
        """Take the bytes queued for the terminal."""
        if not self._out:
            return b""
        out = bytes(self._out)
        self._out = bytearray()
        return out

    def redraw(self):
        """Queue a redraw of prompt and line on the current terminal row (after
        something else printed, e.g. a log line)."""
        self._emit(b"\r")
        self._emit_str(self.prompt)
        self._emit_str(self.text)
        self._emit(ERASE_EOL)
        self._back(len(self.text) - self.pos)

    def cancel(self):
        """Drop the line as Ctrl-C does (echo ^C and a line break); call
        start() for a fresh prompt."""
        return self._cancel()

    def add_history(self, line):
        """Append to the history: not empty, not equal to the newest entry."""
        if not line or self.history_size == 0:
            return
        if self.history and self.history[-1] == line:
            return
        self.history.append(line)
        if len(self.history) > self.history_size:
            self.history.pop(0)
        assert len(self.history) <= self.history_size

    def feed(self, b):
        """Process one input byte (an int 0..255); return an event."""
        assert 0 <= b <= 255
        if self._cr:
            self._cr = False
            if b == 10:
                return NONE  # LF right after CR: same Enter
        st = self._state
        if st == _S_NORMAL:
            return self._normal(b)
        if st == _S_ESC:
            self._state = _S_NORMAL
            if b == 0x5B:      # [
                self._state = _S_CSI
                self._csi = ""
                self._csi_overflow = False
            elif b == 0x4F:    # O
                self._state = _S_SS3
            elif b == 0x62:    # ESC b
                self._word_left()
            elif b == 0x66:    # ESC f
                self._word_right()
            elif b == 27:
                self._state = _S_ESC
            return NONE
        if st == _S_SS3:
            self._state = _S_NORMAL
            self._csi_final(b, "")
            return NONE
        # CSI: parameter and intermediate bytes until a final byte 0x40..0x7e.
        if 0x20 <= b <= 0x3F:
            if len(self._csi) < CSI_MAX:
                self._csi += chr(b)
            else:
                self._csi_overflow = True
            return NONE
        self._state = _S_NORMAL
        if 0x40 <= b <= 0x7E:
            if not self._csi_overflow:
                self._csi_final(b, self._csi)
            return NONE
        # A control byte inside a sequence aborts it and is handled normally.
        return self._normal(b)

    # ---- key handling ----------------------------------------------------

    def _normal(self, b):
        if 0x20 <= b <= 0x7E:
            self._insert(chr(b))
            return NONE
        if b == 13 or b == 10:
            if b == 13:
                self._cr = True
            return self._enter()
        if b == 127 or b == 8:
            self._backspace()
        elif b == 27:
            self._state = _S_ESC
        elif b == 1:
            self._move_to(0)
        elif b == 5:
            self._move_to(len(self.text))
        elif b == 2:
            self._left()
        elif b == 6:
            self._right()
        elif b == 3:
            return self._cancel()
        elif b == 4:
            if not self.text:
                return EOF
            self._delete()
        elif b == 11:
            self._kill_end()
        elif b == 21:
            self._kill_start()
        elif b == 23:
            self._kill_word()
        elif b == 16:
            self._history_up()
        elif b == 14:
            self._history_down()
        elif b == 12:
            self._emit(b"\x1b[H\x1b[2J")
            self.redraw()
        elif b == 9:
            self._tab()
        elif b >= 0xC0:
            self._emit(BEL)  # start of a non-ASCII character: refused once
        # Other control bytes and UTF-8 continuation bytes are ignored.
        return NONE

    def _csi_final(self, final, params):
        if final == 0x41:        # A
            self._history_up()
        elif final == 0x42:      # B
            self._history_down()
        elif final == 0x43:      # C
            if params.endswith(";5") or params.endswith(";3"):
                self._word_right()
            else:
                self._right()
        elif final == 0x44:      # D
            if params.endswith(";5") or params.endswith(";3"):
                self._word_left()
            else:
                self._left()
        elif final == 0x48:      # H
            self._move_to(0)
        elif final == 0x46:      # F
            self._move_to(len(self.text))
        elif final == 0x7E:      # ~
            p = params.split(";")[0]
            if p == "1" or p == "7":
                self._move_to(0)
            elif p == "4" or p == "8":
                self._move_to(len(self.text))
            elif p == "3":
                self._delete()
        # Anything else is ignored.

    def _enter(self):
        self.line = self.text
        self.add_history(self.text)
        self._emit(b"\r\n")
        self.text = ""
        self.pos = 0
        self._hidx = len(self.history)
        return LINE

    def _cancel(self):
        self._emit(b"^C\r\n")
        self.text = ""
        self.pos = 0
        self.line = None
        self._hidx = len(self.history)
        return CANCEL

    def _insert(self, s):
        room = self.max_len - len(self.text)
        if room <= 0:
            self._emit(BEL)
            return
        if len(s) > room:
            s = s[:room]
        t = self.text
        p = self.pos
        self.text = t[:p] + s + t[p:]
        self.pos = p + len(s)
        if p == len(t):
            self._emit_str(s)
        else:
            self._emit_str(self.text[p:])
            self._back(len(self.text) - self.pos)

    def _backspace(self):
        if self.pos == 0:
            self._emit(BEL)
            return
        self._back(1)
        self.pos -= 1
        self.text = self.text[:self.pos] + self.text[self.pos + 1:]
        self._refresh_tail()

    def _delete(self):
        if self.pos >= len(self.text):
            self._emit(BEL)
            return
        self.text = self.text[:self.pos] + self.text[self.pos + 1:]
        self._refresh_tail()

    def _left(self):
        if self.pos > 0:
            self._move_to(self.pos - 1)

    def _right(self):
        if self.pos < len(self.text):
            self._move_to(self.pos + 1)

    def _word_left(self):
        p = self.pos
        t = self.text
        while p > 0 and t[p - 1] == " ":
            p -= 1
        while p > 0 and t[p - 1] != " ":
            p -= 1
        self._move_to(p)

    def _word_right(self):
        p = self.pos
        t = self.text
        n = len(t)
        while p < n and t[p] == " ":
            p += 1
        while p < n and t[p] != " ":
            p += 1
        self._move_to(p)

    def _kill_end(self):
        if self.pos < len(self.text):
            self.text = self.text[:self.pos]
            self._emit(ERASE_EOL)

    def _kill_start(self):
        if self.pos > 0:
            self._back(self.pos)
            self.text = self.text[self.pos:]
            self.pos = 0
            self._refresh_tail()

    def _kill_word(self):
        p = self.pos
        t = self.text
        while p > 0 and t[p - 1] == " ":
            p -= 1
        while p > 0 and t[p - 1] != " ":
            p -= 1
        if p == self.pos:
            self._emit(BEL)
            return
        self._back(self.pos - p)
        self.text = t[:p] + t[self.pos:]
        self.pos = p
        self._refresh_tail()

    def _history_up(self):
        if self._hidx == 0:
            self._emit(BEL)
            return
        if self._hidx == len(self.history):
            self._saved = self.text
        self._hidx -= 1
        self._replace(self.history[self._hidx])

    def _history_down(self):
        if self._hidx >= len(self.history):
            self._emit(BEL)
            return
        self._hidx += 1
        if self._hidx == len(self.history):
            self._replace(self._saved)
        else:
            self._replace(self.history[self._hidx])

    def _tab(self):
        if self.complete is None:
            self._emit(BEL)
            return
        before = self.text[:self.pos]
        cands = self.complete(before)
        if not cands:
            self._emit(BEL)
            return
        common = cands[0]
        for c in cands[1:]:
            n = 0
            m = min(len(common), len(c))
            while n < m and common[n] == c[n]:
                n += 1
            common = common[:n]
        if len(common) > len(before) and common.startswith(before):
            self._insert(common[len(before):])
            return
        if len(cands) == 1:
            self._emit(BEL)
            return
        # Ambiguous: list the candidates' last words, then redraw the line.
        words = []
        for c in cands:
            w = c.rstrip(" ")
            i = w.rfind(" ")
            words.append(w[i + 1:])
        self._emit(b"\r\n")
        self._emit_str("  ".join(words))
        self._emit(b"\r\n")
        self.redraw()

    # ---- output helpers --------------------------------------------------

    def _emit(self, b):
        self._out += b

    def _emit_str(self, s):
        if s:
            self._out += s.encode()

    def _back(self, n):
        """Move the terminal cursor n columns left."""
        if n == 1:
            self._out += b"\x08"
        elif n > 1:
            self._out += ("\x1b[%dD" % n).encode()

    def _move_to(self, p):
        assert 0 <= p <= len(self.text)
        if p < self.pos:
            self._back(self.pos - p)
        elif p > self.pos:
            self._emit_str(self.text[self.pos:p])
        self.pos = p

    def _refresh_tail(self):
        """Rewrite from the cursor to the end of the line, erase leftovers,
        and put the cursor back."""
        tail = self.text[self.pos:]
        self._emit_str(tail)
        self._emit(ERASE_EOL)
        self._back(len(tail))

    def _replace(self, new):
        self._back(self.pos)
        self.text = new
        self.pos = len(new)
        self._emit_str(new)
        self._emit(ERASE_EOL)

