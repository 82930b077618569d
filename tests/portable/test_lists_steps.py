"""compliance/lists.py steps(): every loader a step at a time (a yield every few records and
between files, the ListData as the generator's return value, ListError from next()), the
same entries as load(); and the pieces it stands on: xmlread.elements(ticks=...), the texts
it decodes once (repeats=...), csvread.read(keep=...)."""
from compliance import csvread, lists, xmlread
from compliance import lists_common as C
from compliance.entry import ListError
from tests.portable.support.asserts import raises


def _drive(g):
    """(number of yields, return value) of a steps generator, as the service drives it."""
    n = 0
    while True:
        try:
            v = next(g)
        except StopIteration as e:
            return n, e.value
        assert v is None
        n += 1


def _json(data):
    return [e.to_json() for e in data.entries]


def _same_as_load(name, files):
    """steps() to its end: the number of yields; its ListData equals load()'s."""
    n, data = _drive(lists.steps(name, files))
    want = lists.load(name, files)
    assert (data.name, data.version, data.source) == (want.name, want.version, want.source)
    assert _json(data) == _json(want) and len(data.entries) == len(want.entries)
    return n, data


# ---- synthetic lists of a few hundred records ----

def _sdn(n, bad=0):
    rows = []
    for i in range(1, n + 1):
        ent = "x%d" % i if i == bad else "%d" % (i * 7)
        if i % 3:
            rows.append('%s,"NAME %d, Person",individual,"SDGT] [IRGC",-0- ,-0- ,-0- ,-0- ,-0- ,'
                        '-0- ,-0- ,"DOB %02d Jun 19%02d; nationality Iran."' % (ent, i, i % 28 + 1,
                                                                             i % 90 + 10))
        else:
            rows.append('%s,"COMPANY %d",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,"Panama",-0- ,-0- '
                        % (ent, i))
    return ("\r\n".join(rows) + "\r\n\x1a").encode()


def _alt(n):
    return "".join(['%d,%d,"aka","ALIAS %d",-0- \n' % (i * 7, i, i) for i in range(1, n + 1)
                    if i % 2]).encode()


def _add(n):
    return "".join(['%d,%d,"Street %d","Town",Mexico,-0- \n' % (i * 7, i, i)
                    for i in range(1, n + 1) if i % 5 == 0]).encode()


def _un(n, bad=0):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST dateGenerated="2026-01-02">'
           '<INDIVIDUALS>']
    for i in range(1, n + 1):
        out.append('<INDIVIDUAL><DATAID>%d</DATAID><FIRST_NAME>FIRST%d</FIRST_NAME>'
                   '<SECOND_NAME>SECOND</SECOND_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>'
                   '<REFERENCE_NUMBER>KPi.%03d</REFERENCE_NUMBER><LISTED_ON>2016-03-02'
                   '</LISTED_ON><NATIONALITY><VALUE>Democratic People\'s Republic of Korea'
                   '</VALUE></NATIONALITY><INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>'
                   'Alias %d</ALIAS_NAME></INDIVIDUAL_ALIAS><INDIVIDUAL_DATE_OF_BIRTH>'
                   '<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-01-%02d</DATE>'
                   '</INDIVIDUAL_DATE_OF_BIRTH>%s</INDIVIDUAL>'
                   % (i, i, i, i, i % 28 + 1, "<BAD>" if i == bad else ""))
    out.append("</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>\n")
    return "\n".join(out).encode()


def _csl(n):
    head = ("_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
            "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,"
            "vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,"
            "remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,"
            "places_of_birth,source_information_url")
    rows = [head]
    for i in range(n):
        rows.append('id%d,Entity List (EL) - Bureau of Industry and Security,%d,Entity,EAR,'
                    '"Firm %d","","Road %d, Moscow, RU",,2020-01-%02d,,,,,,,,,,,,,"Firm %d Ltd",'
                    'RU,,RU,,' % (i, i, i, i, i % 28 + 1, i))
    return "\n".join(rows).encode()


def _dpl(n):
    rows = ["Name\tStreet_Address\tCity\tState\tCountry\tPostal_Code\tEffective_Date\t"
            "Expiration_Date\tStandard_Order\tLast_Update\tAction\tFR_Citation"]
    for i in range(n):
        rows.append('"Person %d"\t"%d Main St"\t"Town"\t"CA"\t"US"\t"9%04d"\t"01/%02d/2019"\t'
                    '"01/01/2029"\t"Y"\t"2019-01-01"\t"FR NOTICE ADDED"\t"84 F.R. 1"'
                    % (i, i, i, i % 28 + 1))
    return "\n".join(rows).encode()


def _pep_lines(n):
    return "".join(['{"RECORD_ID": "P%d", "RECORD_TYPE": "PERSON", "NAME_FULL": "Member %d", '
                    '"DATE_OF_BIRTH": "1960-02-%02d", "NATIONALITY": "US"}\n'
                    % (i, i, i % 28 + 1) for i in range(n)]).encode()


def _fincen(n):
    rows = ["tracking_number,last_name,first_name,middle_name,suffix,alias_last_name,"
            "alias_first_name,alias_middle_name,alias_suffix,number,number_type,dob,street,"
            "city,state,zip,country,phone"]
    for i in range(n):
        rows.append("T-%d,Roe%d,Rich,,,,,,,,,01/%02d/1970,,,,,US," % (i, i, i % 28 + 1))
    return "\n".join(rows).encode()


# ---- tests ----

def test_steps_yields_every_few_records_and_returns_the_listdata_of_load():
    files = {"sdn.csv": _sdn(300), "alt.csv": _alt(300), "add.csv": _add(300)}
    n, data = _same_as_load("ofac_sdn", files)
    assert len(data.entries) == 300
    # 300 primary rows, 150 alt rows, 60 add rows, 300 entries built: a yield every C.STEP
    # of them, and between the files
    assert n >= (300 + 150 + 60 + 300) // C.STEP + 3
    e = [x for x in data.entries if x.id == "7"][0]
    assert e.names == ("NAME 1, Person", "ALIAS 1") and e.dobs == ("1911-06-02",)
    assert e.programs == ("SDGT", "IRGC") and e.countries == ("IR",)
    e = [x for x in data.entries if x.id == "105"][0]          # a company: flag, address
    assert e.type == "entity" and e.countries == ("PA", "MX") and e.programs == ("CUBA",)


def test_every_list_steps_like_load():
    cases = [
        ("un", {"un.xml": _un(100)}, 100),
        ("us_csl", {"csl.csv": _csl(100)}, 100),
        ("bis_dpl", {"dpl.txt": _dpl(100)}, 100),
        ("pep", {"a.jsonl": _pep_lines(100)}, 100),
        ("fincen_314a", {"p.csv": _fincen(100)}, 100),
        ("ofac_cons", {"cons_prim.csv": _sdn(100), "cons_alt.csv": _alt(100)}, 100),
    ]
    for name, files, count in cases:
        n, data = _same_as_load(name, files)
        assert data.name == name and len(data.entries) == count, name
        assert n >= count // C.STEP, (name, n)


def test_un_yields_within_its_elements():
    """Every UN entry holds about a dozen elements: the XML steps count start tags, not
    entries."""
    n, data = _same_as_load("un", {"un.xml": _un(20)})
    assert len(data.entries) == 20 and n >= (20 * 12) // C.STEP
    e = data.entries[0]
    assert e.id == "KPi.001" and e.names == ("FIRST1 SECOND", "Alias 1")
    assert e.countries == ("KP",) and e.dobs == ("1970-01-02",) and e.list_date == "2016-03-02"


def test_a_fault_comes_out_of_next_after_the_records_before_it():
    g = lists.steps("ofac_sdn", {"sdn.csv": _sdn(200, bad=150)})
    n = 0
    while True:
        try:
            next(g)
        except ListError as e:
            err = e
            break
        except StopIteration:
            assert False, "a malformed file loaded"
        n += 1
    assert (err.file, err.line, err.field) == ("sdn.csv", 150, "ent_num")
    assert n >= 149 // C.STEP             # the records before it were read a step at a time
    g = lists.steps("un", {"un.xml": _un(60, bad=50)})
    e = raises(ListError, _drive, g)
    assert e.file == "un.xml" and "<BAD>" in e.message and n >= 1


def test_steps_checks_the_files_at_the_first_next():
    g = lists.steps("nope", {"a.csv": b""})          # nothing happens until next()
    e = raises(ListError, next, g)
    assert e.field == "list"
    e = raises(ListError, next, lists.steps("ofac_sdn", {"alt.csv": _alt(3)}))
    assert (e.file, e.field) == ("sdn.csv", "file")
    e = raises(ListError, next, lists.steps("us_csl", {"csl.csv": b""}))
    assert e.field == "header"


def test_digest_steps_give_the_version_digest():
    big = b"x" * (C.DIGEST_CHUNK * 2 + 5)
    files = {"b.csv": big, "a.txt": "text"}
    n, v = _drive(C.digest_steps(files))
    assert v == C.version_digest(files) and len(v) == 16 and n >= 3
    assert C.run(C.digest_steps({"b.csv": big})) != v


def test_elements_ticks_and_repeats():
    doc = _un(10)
    plain = list(xmlread.elements(doc, ("INDIVIDUAL",)))
    ticked = list(xmlread.elements(doc, ("INDIVIDUAL",), ticks=5))
    starts = len([ev for ev in xmlread.events(doc) if ev[0] == xmlread.START])
    assert ticked.count(None) == starts // 5
    els = [x for x in ticked if x is not None]
    assert [x.findtext("DATAID") for x in els] == [x.findtext("DATAID") for x in plain]
    again = list(xmlread.events(doc, repeats=set(("QUALITY", "VALUE", "DATE"))))
    assert again == list(xmlread.events(doc))


def test_csv_keep_reads_only_the_columns_asked_for():
    data = b'1,"a, b",-0- ,x\r\n2,"c",-0- ,y\r\n'
    got = list(csvread.read(data, keep={0: csvread.BYTES, 1: csvread.TEXT,
                                        2: csvread.REPEATS}))
    assert got == [(1, [b"1", "a, b", "-0- ", ""]), (2, [b"2", "c", "-0- ", ""])]
    assert got[0][1][2] is got[1][1][2]           # a repeating value decoded once
    # filled after the first record (a header): that one comes whole
    keep = {}
    it = csvread.read(b"h1,h2\nv1,v2\n", keep=keep)
    assert next(it) == (1, ["h1", "h2"])
    keep[1] = csvread.TEXT
    assert next(it) == (2, ["", "v2"])
    # the columns left out are still checked
    e = raises(ListError, list, csvread.read(b'1,ab"c,d\n', keep={0: csvread.TEXT}))
    assert (e.line, e.field) == (1, "column 2")
    e = raises(ListError, list, csvread.read(b"1,abcdef\n", keep={0: csvread.TEXT},
                                             max_field=3))
    assert (e.line, e.field) == (1, "column 2")
