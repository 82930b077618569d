# Portable tests for kernel/lineedit.py (plain asserts; runs on CPython and MicroPython).
# The editor's output goes through a tiny terminal emulator so the tests check
# what a person would see (screen row and cursor), not exact escape bytes.

from kernel.lineedit import LineEditor, NONE, LINE, CANCEL, EOF

PROMPT = "qenex> "


class Term:
    """Just enough of a VT100 for the editor's output: printable characters,
    CR, LF, BS, BEL, ESC [ n C/D, ESC [ K, ESC [ H, ESC [ 2J."""

    def __init__(self):
        self.row = []
        self.col = 0
        self.scrolled = []
        self.bells = 0
        self.clears = 0
        self._esc = None

    def write(self, data):
        for b in data:
            self._byte(b)

    def _byte(self, b):
        if self._esc is not None:
            self._esc += chr(b)
            if len(self._esc) == 1:
                if self._esc != "[":
                    self._esc = None
                return
            if 0x40 <= b <= 0x7E:
                seq = self._esc[1:]
                self._esc = None
                self._csi(seq[:-1], seq[-1])
            return
        if b == 27:
            self._esc = ""
        elif b == 13:
            self.col = 0
        elif b == 10:
            self.scrolled.append(self.screen())
            self.row = []
        elif b == 8:
            if self.col > 0:
                self.col -= 1
        elif b == 7:
            self.bells += 1
        elif 0x20 <= b <= 0x7E:
            while len(self.row) < self.col:
                self.row.append(" ")
            if self.col < len(self.row):
                self.row[self.col] = chr(b)
            else:
                self.row.append(chr(b))
            self.col += 1
        else:
            raise AssertionError("unexpected byte %d" % b)

    def _csi(self, params, final):
        n = int(params) if params else 1
        if final == "D":
            self.col = max(0, self.col - n)
        elif final == "C":
            self.col += n
        elif final == "K":
            del self.row[self.col:]
        elif final == "H":
            self.col = 0
        elif final == "J":
            assert params == "2"
            self.row = []
            self.scrolled = []
            self.clears += 1
        else:
            raise AssertionError("unexpected CSI " + params + final)

    def screen(self):
        return "".join(self.row)


def setup(**kw):
    ed = LineEditor(PROMPT, **kw)
    term = Term()
    ed.start()
    term.write(ed.output())
    return ed, term


def typ(ed, term, data):
    """Feed bytes; return the list of (event, line) for non-NONE events."""
    if isinstance(data, str):
        data = data.encode()
    events = []
    for b in data:
        ev = ed.feed(b)
        if ev != NONE:
            events.append((ev, ed.line if ev == LINE else None))
        term.write(ed.output())
        if ev == LINE or ev == CANCEL:
            ed.start()
            term.write(ed.output())
    return events


def check(ed, term, text, pos):
    assert ed.text == text, (ed.text, text)
    assert ed.pos == pos, (ed.pos, pos)
    assert term.screen() == PROMPT + text, (term.screen(), PROMPT + text)
    assert term.col == len(PROMPT) + pos, (term.col, len(PROMPT) + pos)


LEFT = "\x1b[D"
RIGHT = "\x1b[C"
UP = "\x1b[A"
DOWN = "\x1b[B"


def test_prompt_and_typing():
    ed, term = setup()
    assert term.screen() == "qenex> "
    typ(ed, term, "hello")
    check(ed, term, "hello", 5)


def test_enter_cr_returns_line_and_echoes_newline():
    ed, term = setup()
    ev = typ(ed, term, "status\r")
    assert ev == [(LINE, "status")]
    assert term.scrolled[-1] == "qenex> status"
    assert term.screen() == PROMPT
    assert ed.text == "" and ed.pos == 0


def test_enter_lf_and_crlf_counted_once():
    ed, term = setup()
    assert typ(ed, term, "a\n") == [(LINE, "a")]
    assert typ(ed, term, "b\r\n") == [(LINE, "b")]
    # CR CR is two lines (the second empty); LF CR as well.
    assert typ(ed, term, "c\r\r") == [(LINE, "c"), (LINE, "")]
    assert typ(ed, term, "d\n\r") == [(LINE, "d"), (LINE, "")]
    # CR then text: the LF suppression lasts for one byte only.
    assert typ(ed, term, "e\rx\n") == [(LINE, "e"), (LINE, "x")]


def test_insert_in_middle():
    ed, term = setup()
    typ(ed, term, "helo" + LEFT)
    check(ed, term, "helo", 3)
    typ(ed, term, "l")
    check(ed, term, "hello", 4)
    typ(ed, term, "\r")
    assert ed.history[-1] == "hello"


def test_backspace_and_del_byte():
    ed, term = setup()
    typ(ed, term, "abcd\x7f")
    check(ed, term, "abc", 3)
    typ(ed, term, "\x08")
    check(ed, term, "ab", 2)
    typ(ed, term, "xyz" + LEFT + LEFT + "\x7f")
    check(ed, term, "abyz", 2)


def test_backspace_at_start_rings_bell():
    ed, term = setup()
    typ(ed, term, "\x7f")
    assert term.bells == 1
    check(ed, term, "", 0)
    typ(ed, term, "ab\x01\x7f")
    assert term.bells == 2
    check(ed, term, "ab", 0)


def test_left_right_and_bounds():
    ed, term = setup()
    typ(ed, term, "abc" + LEFT + LEFT)
    check(ed, term, "abc", 1)
    typ(ed, term, LEFT + LEFT + LEFT)
    check(ed, term, "abc", 0)
    typ(ed, term, RIGHT)
    check(ed, term, "abc", 1)
    typ(ed, term, RIGHT * 5)
    check(ed, term, "abc", 3)


def test_ctrl_b_ctrl_f():
    ed, term = setup()
    typ(ed, term, "abc\x02\x02")
    check(ed, term, "abc", 1)
    typ(ed, term, "\x06")
    check(ed, term, "abc", 2)


def test_home_end_all_encodings():
    homes = ["\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01"]
    ends = ["\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05"]
    for h in homes:
        ed, term = setup()
        typ(ed, term, "hello world" + h)
        check(ed, term, "hello world", 0)
    for e in ends:
        ed, term = setup()
        typ(ed, term, "hello world\x01" + e)
        check(ed, term, "hello world", 11)


def test_delete_key():
    ed, term = setup()
    typ(ed, term, "abcd\x01\x1b[3~")
    check(ed, term, "bcd", 0)
    typ(ed, term, "\x05\x1b[3~")
    assert term.bells == 1
    check(ed, term, "bcd", 3)


def test_ctrl_k_kills_to_end():
    ed, term = setup()
    typ(ed, term, "metrics cpu" + LEFT * 4 + "\x0b")
    check(ed, term, "metrics", 7)


def test_ctrl_u_kills_to_start():
    ed, term = setup()
    typ(ed, term, "metrics cpu" + LEFT * 4 + "\x15")
    check(ed, term, " cpu", 0)
    ed2, term2 = setup()
    typ(ed2, term2, "abc\x15")
    check(ed2, term2, "", 0)


def test_ctrl_w_kills_word():
    ed, term = setup()
    typ(ed, term, "debug  memory  \x17")
    check(ed, term, "debug  ", 7)
    typ(ed, term, "\x17")
    check(ed, term, "", 0)
    typ(ed, term, "\x17")
    assert term.bells == 1
    ed, term = setup()
    typ(ed, term, "one two three" + LEFT * 6 + "\x17")
    check(ed, term, "one  three", 4)


def test_word_motion():
    ed, term = setup()
    typ(ed, term, "one two three")
    typ(ed, term, "\x1bb")
    check(ed, term, "one two three", 8)
    typ(ed, term, "\x1b[1;5D")
    check(ed, term, "one two three", 4)
    typ(ed, term, "\x1b[1;5C")
    check(ed, term, "one two three", 7)
    typ(ed, term, "\x1bf")
    check(ed, term, "one two three", 13)


def test_history_up_down():
    ed, term = setup()
    typ(ed, term, "first\rsecond\rthird\r")
    typ(ed, term, "draft")
    typ(ed, term, UP)
    check(ed, term, "third", 5)
    typ(ed, term, UP + UP)
    check(ed, term, "first", 5)
    typ(ed, term, UP)
    assert term.bells == 1
    check(ed, term, "first", 5)
    typ(ed, term, DOWN)
    check(ed, term, "second", 6)
    typ(ed, term, DOWN + DOWN)
    check(ed, term, "draft", 5)
    typ(ed, term, DOWN)
    assert term.bells == 2
    check(ed, term, "draft", 5)


def test_history_ctrl_p_n_and_edit_recalled():
    ed, term = setup()
    typ(ed, term, "metrics cpu\r")
    typ(ed, term, "\x10")
    check(ed, term, "metrics cpu", 11)
    typ(ed, term, "\x7f\x7f\x7fmemory")
    ev = typ(ed, term, "\r")
    assert ev == [(LINE, "metrics memory")]
    assert ed.history == ["metrics cpu", "metrics memory"]
    typ(ed, term, "\x10\x10\x0e")
    check(ed, term, "metrics memory", 14)


def test_history_no_consecutive_duplicates_no_empty():
    ed, term = setup()
    typ(ed, term, "a\ra\rb\ra\r\r   \r")
    assert ed.history == ["a", "b", "a", "   "]


def test_history_bounded():
    ed, term = setup(history_size=100)
    for i in range(150):
        typ(ed, term, "cmd%d\r" % i)
    assert len(ed.history) == 100
    assert ed.history[0] == "cmd50" and ed.history[-1] == "cmd149"
    ed2 = LineEditor(PROMPT, history_size=0)
    ed2.add_history("x")
    assert ed2.history == []


def test_ctrl_c_cancels_line():
    ed, term = setup()
    ev = typ(ed, term, "half typed\x03")
    assert ev == [(CANCEL, None)]
    assert term.scrolled[-1] == "qenex> half typed^C"
    assert term.screen() == PROMPT
    assert ed.text == ""
    assert ed.history == []


def test_ctrl_d_eof_on_empty_line_else_delete():
    ed, term = setup()
    assert typ(ed, term, "\x04") == [(EOF, None)]
    typ(ed, term, "ab\x01\x04")
    check(ed, term, "b", 0)
    typ(ed, term, "\x05\x04")
    assert term.bells == 1
    check(ed, term, "b", 1)


def test_max_length_rings_bell():
    ed, term = setup(max_len=8)
    typ(ed, term, "12345678")
    assert term.bells == 0
    typ(ed, term, "9")
    assert term.bells == 1
    check(ed, term, "12345678", 8)
    ev = typ(ed, term, "\r")
    assert ev == [(LINE, "12345678")]


def test_default_max_length_1024():
    ed, term = setup()
    assert ed.max_len == 1024
    for i in range(1030):
        ed.feed(0x61)
    out = ed.output()
    assert len(ed.text) == 1024
    assert out.count(b"\x07") == 6


def test_unknown_escape_sequences_ignored():
    ed, term = setup()
    typ(ed, term, "ab\x1b[5~\x1b[Z\x1b[200~\x1bOQ\x1bx")
    check(ed, term, "ab", 2)
    # An overlong parameter list is swallowed up to its final byte.
    typ(ed, term, "\x1b[1;2;3;4;5;6;7;8;9D")
    check(ed, term, "ab", 2)
    # A control byte aborts a sequence and still acts.
    ev = typ(ed, term, "\x1b[1\r")
    assert ev == [(LINE, "ab")]


def test_double_escape():
    ed, term = setup()
    typ(ed, term, "ab\x1b\x1b[D")
    check(ed, term, "ab", 1)


def test_non_ascii_rings_once_and_is_dropped():
    ed, term = setup()
    typ(ed, term, b"a\xc3\xa9b")
    assert term.bells == 1
    check(ed, term, "ab", 2)


def test_other_control_bytes_ignored():
    ed, term = setup()
    typ(ed, term, "a\x00\x07\x0f\x1fb")
    check(ed, term, "ab", 2)
    assert term.bells == 0


def test_tab_completion():
    words = ["help", "halt", "status", "metrics cpu", "metrics memory"]

    def complete(before):
        return [w + " " for w in words if w.startswith(before)]

    ed, term = setup(complete=complete)
    typ(ed, term, "st\t")
    check(ed, term, "status ", 7)
    ed, term = setup(complete=complete)
    typ(ed, term, "h\t")          # ambiguous, no common extension: list
    assert term.scrolled[-1] == "help  halt"
    check(ed, term, "h", 1)
    ed, term = setup(complete=complete)
    typ(ed, term, "metrics m\t")
    check(ed, term, "metrics memory ", 15)
    ed, term = setup(complete=complete)
    typ(ed, term, "me\t")          # common prefix extends
    check(ed, term, "metrics ", 8)
    typ(ed, term, "zz\t")
    assert term.bells == 1
    ed, term = setup()
    typ(ed, term, "x\t")            # no completer
    assert term.bells == 1


def test_ctrl_l_redraws():
    ed, term = setup()
    typ(ed, term, "abc" + LEFT + "\x0c")
    assert term.clears == 1
    check(ed, term, "abc", 2)


def test_redraw_after_foreign_output():
    ed, term = setup()
    typ(ed, term, "abc" + LEFT)
    term.write(b"\r\nlog line\r\n")
    ed.redraw()
    term.write(ed.output())
    check(ed, term, "abc", 2)


def test_output_is_bytes_and_emptied():
    ed = LineEditor(PROMPT)
    ed.start()
    assert ed.output() == PROMPT.encode()
    assert ed.output() == b""
    ed.feed(0x41)
    assert ed.output() == b"A"


def test_cancel_method():
    ed, term = setup()
    typ(ed, term, "abc")
    assert ed.cancel() == CANCEL
    term.write(ed.output())
    assert term.scrolled[-1] == PROMPT + "abc^C"
    assert ed.text == "" and ed.pos == 0
