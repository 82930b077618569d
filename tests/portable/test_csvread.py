"""compliance/csvread.py: RFC 4180 records, their line numbers, the BOMs, and every error with
its line and column."""
from compliance import csvread
from compliance.entry import ListError
from tests.portable.support.asserts import raises


def _read(data, **kw):
    return list(csvread.read(data, "t.csv", **kw))


def _err(data, **kw):
    return raises(ListError, _read, data, **kw)


def test_plain_and_quoted_fields():
    got = _read(b'1,abc,-0- \n2,"x, y","a ""q"" b"\n3,"",\n')
    assert got == [(1, ["1", "abc", "-0- "]), (2, ["2", "x, y", 'a "q" b']), (3, ["3", "", ""])]


def test_quoted_field_at_start_middle_end():
    assert _read('"a",b,"c"') == [(1, ["a", "b", "c"])]
    assert _read('"a","b"') == [(1, ["a", "b"])]
    assert _read('a,"b"') == [(1, ["a", "b"])]
    assert _read('"a",,"b",') == [(1, ["a", "", "b", ""])]
    assert _read('""""') == [(1, ['"'])]
    assert _read('"""a"""') == [(1, ['"a"'])]
    assert _read('x,"",""') == [(1, ["x", "", ""])]


def test_crlf_and_lf_and_line_numbers():
    got = _read(b'a,b\r\n\r\nc,"d\r\ne"\r\nf,g\r\n')
    # the blank line 2 is skipped; the record on line 3 spans two lines; f,g is line 5
    assert got == [(1, ["a", "b"]), (3, ["c", "d\ne"]), (5, ["f", "g"])]


def test_embedded_newlines_and_blank_lines_inside_quotes():
    got = _read('1,"first\n\nthird",x\n2,y\n')
    assert got == [(1, ["1", "first\n\nthird", "x"]), (4, ["2", "y"])]


def test_embedded_newline_with_doubled_quotes():
    got = _read('1,"say ""hi\nthere""",z\n2,w')
    assert got == [(1, ["1", 'say "hi\nthere"', "z"]), (3, ["2", "w"])]


def test_trailing_ctrl_z_and_missing_final_newline():
    assert _read(b'1,"a"\r\n2,"b"\r\n\x1a') == [(1, ["1", "a"]), (2, ["2", "b"])]
    assert _read(b"1,a") == [(1, ["1", "a"])]
    assert _read(b"") == []
    assert _read(b"\n\n") == []


def test_boms():
    assert _read(b"\xef\xbb\xbfh1,h2\nv1,v2") == [(1, ["h1", "h2"]), (2, ["v1", "v2"])]
    mangled = "\ufffd\ufffd\ufffd".encode() + b"tracking_number,x\n"
    assert _read(mangled) == [(1, ["tracking_number", "x"])]
    assert _read("\ufeffa,b") == [(1, ["a", "b"])]
    assert _read("\ufffd\ufffd\ufffda,b") == [(1, ["a", "b"])]
    # a single U+FFFD is data, not a BOM
    assert _read("\ufffda,b") == [(1, ["\ufffda", "b"])]


def test_tab_delimiter_and_non_ascii():
    data = '"Name"\t"City"\n" José Peña"\t"São Paulo"\nplain\t"a\tb"\n'.encode()
    got = _read(data, delimiter="\t")
    assert got == [(1, ["Name", "City"]), (2, [" José Peña", "São Paulo"]),
                   (3, ["plain", "a\tb"])]


def test_commas_inside_quotes_with_tab_delimiter_are_data():
    assert _read('a,b\t"c,d"', delimiter="\t") == [(1, ["a,b", "c,d"])]


def test_round_trip_of_written_records():
    samples = ["", "plain", "with,comma", 'with "quotes"', "multi\nline", '"', '""', ",", " pad ",
               "naïve – ünïcode", "\t"]
    records = []
    for i in range(len(samples)):
        records.append([samples[i], samples[(i * 3 + 1) % len(samples)], str(i)])
    text = []
    for r in records:
        text.append(",".join(['"%s"' % f.replace('"', '""') for f in r]))
    got = _read(("\r\n".join(text) + "\r\n").encode())
    assert [f for _, f in got] == records
    # line numbers: each record starts after the embedded newlines of the ones before
    line = 1
    for (n, f), r in zip(got, records):
        assert n == line
        line += 1 + sum([x.count("\n") for x in r])


def test_unterminated_quote_names_the_starting_line():
    e = _err(b'a,b\nc,"never closed\nmore\nlines\n')
    assert (e.file, e.line, e.field) == ("t.csv", 2, "record")
    assert "unterminated" in e.message


def test_quote_inside_unquoted_field_names_the_column():
    e = _err('ok,fine\nab"c,d\n')
    assert (e.line, e.field) == (2, "column 1")
    e = _err('x,"q",a"b,"c"\n')
    assert (e.line, e.field) == (1, "column 3")
    assert "quote inside" in e.message


def test_text_after_closing_quote_names_the_column():
    e = _err('1,2\n3,"ab"x,5\n')
    assert (e.line, e.field) == (2, "column 2")
    assert "after a closing quote" in e.message


def test_too_many_fields():
    e = _err("a,b\n" + ",".join(["x"] * 11), max_fields=10)
    assert (e.line, e.field) == (2, "record")
    assert "more than 10 fields" in e.message
    assert len(_read(",".join(["x"] * 10), max_fields=10)[0][1]) == 10


def test_field_too_long_names_the_column():
    long = "y" * 101
    e = _err("a,b\nshort,%s\n" % long, max_field=100)
    assert (e.line, e.field) == (2, "column 2")
    e = _err('a\nshort,"%s"\n' % long, max_field=100)
    assert (e.line, e.field) == (2, "column 2")
    assert _read("a,%s" % ("y" * 100), max_field=100)[0][1][1] == "y" * 100


def test_record_too_long():
    e = _err("a\n" + "z" * 50, max_record=40)
    assert (e.line, e.field) == (2, "record")
    e = _err('a\n"' + "z\n" * 30 + '"', max_record=40)
    assert (e.line, e.field) == (2, "record")


def test_bytes_that_are_not_utf8_name_their_line():
    e = _err(b"a,b\nc,d\ne,\xff\xfe\n")
    assert (e.line, e.field) == (3, "text")
    assert "UTF-8" in e.message


def test_bad_arguments():
    raises(ValueError, _read, "a", delimiter='"')
    raises(ValueError, _read, "a", delimiter=",,")
    e = raises(ListError, _read, 12345)
    assert e.field == "file"


def test_split_quoted_directly():
    assert csvread.split_quoted('a,"b,c",d', ",") == ["a", "b,c", "d"]
    assert csvread.text(b"\xef\xbb\xbfx") == "x"
