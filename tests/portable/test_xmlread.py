"""compliance/xmlread.py: events, entities, CDATA, comments, subtrees, and the errors with the
line they point at."""
from compliance import xmlread
from compliance.entry import ListError
from compliance.xmlread import END, START, TEXT
from tests.portable.support.asserts import raises

DOC = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- a comment -->
<LIST dateGenerated="2026-01-02T03:04:05Z" note='single &amp; "double"'>
  <ITEM>
    <NAME>Tom &amp; Jerry &lt;&gt; &quot;&apos; &#65;&#x42;&#x263A;</NAME>
    <EMPTY/>
    <EMPTY2 />
    <A x="1" y='2'/>
    <RAW><![CDATA[<not> &amp; markup]]></RAW>
    <MIX>one<!-- c -->two</MIX>
  </ITEM>
  <ITEM><NAME>Jos\xc3\xa9</NAME></ITEM>
</LIST>
"""


def _events(data, **kw):
    return list(xmlread.events(data, "t.xml", **kw))


def _err(data, **kw):
    return raises(ListError, _events, data, **kw)


def test_events_in_order_with_lines():
    ev = _events(DOC)
    assert ev[0] == (START, "LIST", {"dateGenerated": "2026-01-02T03:04:05Z",
                                     "note": 'single & "double"'}, 3)
    assert ev[1] == (START, "ITEM", {}, 4)
    assert ev[2] == (START, "NAME", {}, 5)
    assert ev[3] == (TEXT, "Tom & Jerry <> \"' AB\u263a", None, 5)
    assert ev[4] == (END, "NAME", None, 5)
    assert ev[5:9] == [(START, "EMPTY", {}, 6), (END, "EMPTY", None, 6),
                       (START, "EMPTY2", {}, 7), (END, "EMPTY2", None, 7)]
    assert ev[9] == (START, "A", {"x": "1", "y": "2"}, 8)
    assert ev[12] == (TEXT, "<not> &amp; markup", None, 9)
    texts = [e[1] for e in ev if e[0] == TEXT]
    assert texts == ["Tom & Jerry <> \"' AB\u263a", "<not> &amp; markup", "one", "two", "José"]
    assert ev[-1] == (END, "LIST", None, 13)
    starts = [e[1] for e in ev if e[0] == START]
    ends = [e[1] for e in ev if e[0] == END]
    assert sorted(starts) == sorted(ends) and len(starts) == 10


def test_str_input_and_bom():
    assert _events("<a>x</a>") == [(START, "a", {}, 1), (TEXT, "x", None, 1), (END, "a", None, 1)]
    assert _events(b"\xef\xbb\xbf<a/>") == [(START, "a", {}, 1), (END, "a", None, 1)]


def test_multiline_text_and_attributes_spanning_lines():
    ev = _events(b'<r>\n<e\n  k="v"\n  j="w">line1\nline2</e>\n</r>')
    assert ev[1] == (START, "e", {"k": "v", "j": "w"}, 2)
    assert ev[2] == (TEXT, "line1\nline2", None, 4)
    assert ev[3] == (END, "e", None, 5)


def test_elements_subtrees_and_root():
    root = {}
    got = list(xmlread.elements(DOC, ("ITEM",), "t.xml", root=root))
    assert root["tag"] == "LIST" and root["line"] == 3
    assert root["attrs"]["dateGenerated"] == "2026-01-02T03:04:05Z"
    assert [e.line for e in got] == [4, 12]
    first = got[0]
    assert first.findtext("NAME").startswith("Tom & Jerry")
    assert first.findtext("MIX") == "onetwo"
    assert first.findtext("MISSING", "dflt") == "dflt"
    assert first.find("A").attrs == {"x": "1", "y": "2"}
    assert [c.tag for c in first.children] == ["NAME", "EMPTY", "EMPTY2", "A", "RAW", "MIX"]
    assert len(first.findall("EMPTY")) == 1
    assert got[1].findtext("NAME") == "José"


def test_elements_bounds_children():
    doc = b"<r><i>" + b"<x/>" * 5 + b"</i></r>"
    assert len(list(xmlread.elements(doc, ("i",), max_children=5))[0].children) == 5
    e = raises(ListError, list, xmlread.elements(doc, ("i",), "t.xml", max_children=4))
    assert e.field == "x" and "more than 4" in e.message


def test_mismatched_tag_names_its_line():
    e = _err(b"<r>\n<a>\n<b>\n</a>\n</r>")
    assert (e.file, e.line, e.field) == ("t.xml", 4, "a")
    assert "does not close <b> of line 3" in e.message


def test_unclosed_and_stray_end_tags():
    e = _err(b"<r>\n<a>\n")
    assert e.field == "a" and "not closed" in e.message
    e = _err(b"<r/>\n</r>")
    assert e.line == 2 and "without a start tag" in e.message


def test_text_or_second_element_outside_root():
    e = _err(b"<r/>\n\ntrailing")
    assert (e.line, e.field) == (3, "text")
    e = _err(b"junk<r/>")
    assert (e.line, e.field) == (1, "text")
    e = _err(b"<r/>\n<s/>")
    assert (e.line, e.field) == (2, "s")
    e = _err(b"   \n<!-- only a comment -->\n")
    assert e.field == "root"


def test_doctype_is_refused():
    e = _err(b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x "y">]>\n<r>&x;</r>')
    assert (e.line, e.field) == (2, "DOCTYPE")


def test_entity_errors():
    e = _err(b"<r>\n<a>fish &chips;</a></r>")
    assert (e.line, e.field) == (2, "text") and "undefined entity" in e.message
    e = _err(b"<r>a & b</r>")
    assert e.field == "text"
    e = _err(b"<r>&#xZZ;</r>")
    assert "bad character reference" in e.message
    e = _err(b"<r>&#0;</r>")
    assert "not a character" in e.message
    e = _err(b'<r a="&bogus;"/>')
    assert e.field == "text"


def test_attribute_errors():
    assert _err(b'<r a="1" a="2"/>').field == "a"
    assert "not quoted" in _err(b"<r a=1 b='2'/>").message
    assert "without a value" in _err(b"<r a b='2'/>").message
    assert "'<' in an attribute" in _err(b'<r a="<"/>').message
    assert "unterminated attribute" in _err(b'<r a="x/>').message
    assert "no space after" in _err(b'<r a="1"b="2"/>').message
    e = _err(b'<r a="1" b="2" c="3"/>', max_attrs=2)
    assert e.field == "c"


def test_malformed_tags_and_names():
    assert "malformed tag" in _err(b"<r><a b></a></r>").message
    assert "malformed tag" in _err(b"<r>< a/></r>").message
    assert _err(b"<r><1a/></r>").field == "name"
    assert _err(b"<r><a</r>").field == "name"
    assert "unterminated" in _err(b"<r><a").message
    assert "unknown markup" in _err(b"<r><!foo></r>").message


def test_comment_cdata_and_pi_errors():
    assert "'--' inside" in _err(b"<r><!-- a -- b --></r>").message
    assert "unterminated comment" in _err(b"<r><!-- a </r>").message
    assert "unterminated CDATA" in _err(b"<r><![CDATA[ x </r>").message
    assert "CDATA outside" in _err(b"<![CDATA[x]]><r/>").message
    assert "not at the start" in _err(b'<r/>\n<?xml version="1.0"?>').message
    assert _events(b'<?xml-stylesheet href="a"?><r/>') == [(START, "r", {}, 1),
                                                            (END, "r", None, 1)]


def test_encoding_must_be_utf8():
    e = _err(b'<?xml version="1.0" encoding="ISO-8859-1"?><r/>')
    assert e.field == "encoding"
    assert _events(b"<?xml version='1.0' encoding='utf-8'?><r/>")[0][1] == "r"


def test_bad_utf8_names_its_line():
    e = _err(b"<r>\n<a>ok</a>\n<a>\n\xff</a></r>")
    assert (e.line, e.field) == (4, "text")


def test_limits():
    deep = b"<a>" * 5 + b"</a>" * 5
    assert len(_events(deep, max_depth=5)) == 10
    e = _err(deep, max_depth=4)
    assert e.line == 1 and "deeper than 4" in e.message
    e = _err(b"<r>" + b"x" * 50 + b"</r>", max_text=40)
    assert "longer than 40" in e.message
    e = _err(b"<r/>" + b" " * 100, max_size=50)
    assert e.field == "file"


def test_unescape_directly():
    assert xmlread.unescape("a&amp;b&#x41;&#66;") == "a&bAB"
    assert xmlread.unescape("no refs") == "no refs"
