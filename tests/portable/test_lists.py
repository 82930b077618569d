"""compliance/lists*.py and countries.py on small lists written here (fictional parties): what
each loader makes of its format, the registry, the limits, and the errors with file, line and
field."""
from compliance import countries, lists
from compliance import lists_common as C
from compliance.entry import ListError
from tests.portable.support.asserts import raises

# ---- countries ----


def test_country_names_the_lists_use():
    cases = {
        "Iran": "IR", "Iran (Islamic Republic of)": "IR", "Korea, North": "KP",
        "Democratic People's Republic of Korea": "KP", "North Korea": "KP",
        "Korea, South": "KR", "Russia": "RU", "Russian Federation": "RU",
        "Congo, Democratic Republic of the": "CD", "Democratic Republic of the Congo": "CD",
        "Congo, Republic of the": "CG", "Congo": "CG", "Syria": "SY",
        "Syrian Arab Republic": "SY", "Burma": "MM", "Türkiye": "TR", "Turkey": "TR",
        "Côte d'Ivoire": "CI", "Cote d Ivoire": "CI", "Man, Isle of": "IM",
        "Bahamas, The": "BS", "The Gambia": "GM", "St. Kitts & Nevis": "KN",
        "Virgin Islands, British": "VG", "Virgin Islands, U.S.": "VI", "U.S.A.": "US",
        "United States of America": "US", "United Kingdom of Great Britain and Northern Ireland":
        "GB", "UK": "GB", "China, Hong Kong Special Administrative Region": "HK",
        "Macedonia, The Former Yugoslav Republic of": "MK", "Viet Nam": "VN", "Vietnam": "VN",
        "Palestinian": "PS", "possibly Palestinian": "PS", "Region: Gaza": "PS",
        "State of Palestine": "PS", "Kosovo": "XK", "Curaçao": "CW", "RÉUNION": "RE",
        "  iraq.  ": "IQ", "ir": "IR", "De": "DE", "DEU": "DE", "usa": "US",
    }
    for name, code in cases.items():
        assert countries.code(name) == code, (name, countries.code(name), code)


def test_unknown_country_names_are_empty():
    for s in ("", "   ", "None Identified", "former Soviet Union", "undetermined", "NM", "ZZ",
              "Atlantis", "-0-", "Region: Kafia Kingi", None, 12):
        assert countries.code(s) == "", s


def test_every_iso_code_is_there_and_maps_to_itself():
    assert len(countries.CODES) == 249
    assert len(set(countries.CODES)) == 249
    assert list(countries.CODES) == sorted(countries.CODES)
    for c in countries.CODES:
        assert countries.code(c) == c
        assert countries.code(c.lower()) == c
        n = countries.name(c)
        assert n and countries.code(n) == c, (c, n)
    assert "XK" not in countries.CODES and countries.name("XK") == "Kosovo"
    assert countries.name("IR") == "Iran, Islamic Republic of"
    assert countries.name("QQ") == "" and countries.name(None) == ""


def test_codes_of_a_list():
    assert countries.codes("DZ; SY; dz;  ; Atlantis") == ["DZ", "SY"]
    assert countries.codes("Iran|Iraq", "|") == ["IR", "IQ"]


# ---- dates ----


def test_dates_every_form():
    cases = {
        "1966": "1966", "1966-06": "1966-06", "1966-06-10": "1966-06-10",
        "1966-06-10T12:00:00": "1966-06-10", "2015-04-07-04:00": "2015-04-07",
        "2015-04-07Z": "2015-04-07", "10 Jun 1966": "1966-06-10",
        "10 JUN 1966.": "1966-06-10", "Jun 1966": "1966-06", "June 10, 1966": "1966-06-10",
        "06/10/1966": "1966-06-10", "6/1/1966": "1966-06-01", "1966/06/10": "1966-06-10",
        "1 September 1970": "1970-09-01", "06/1966": "1966-06",
    }
    for text, want in cases.items():
        assert C.date(text) == want, (text, C.date(text))
    for bad in ("", "circa", "32 Jan 1966", "1966-13", "13/13/1966", "abc", "66", "Jan",
                "10 Foo 1966", "1966-06-00"):
        assert C.date(bad) == "", bad


def test_dates_ranges_and_approximate():
    assert C.dates("circa 1955") == ["1955"]
    assert C.dates("1960 to 1962") == ["1960", "1961", "1962"]
    assert C.dates("circa 1955-1957") == ["1955", "1956", "1957"]
    assert C.dates("01 Jan 1960 to 31 Dec 1962") == ["1960", "1961", "1962"]
    assert C.dates("02 Feb 1970 to 02 Feb 1970") == ["1970-02-02"]
    assert C.dates("1900 to 1950") == ["1900", "1950"]
    assert C.dates("1962 to 1960") == []
    assert C.dates("nonsense") == []


# ---- OFAC ----

SDN = (b'100,"DOE, John Quincy","individual","SDGT] [IFSR",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
       b'"DOB 01 Feb 1970; alt. DOB 1971; POB Nowhere; nationality Iran; Citizen Iraq; '
       b'a.k.a. \'JQ\'."\r\n'
       b'200,"ACME TRADING, LTD.",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
       b'300,"SEA STAR","vessel","IRAN",-0- ,"9XYZ","Tanker",-0- ,-0- ,"Panama",-0- ,'
       b'"Vessel Registration Identification IMO 1234567; Nationality of Registration Malt"\r\n'
       b'400,"SKY ONE","aircraft","SYRIA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a')
ALT = (b'100,1,"aka","DOE, Johnny",-0- \r\n100,2,"fka","DOE, J. Q.",-0- \r\n'
       b'100,3,"aka","DOE, Johnny",-0- \r\n999,4,"aka","ORPHAN",-0- \r\n')
ADD = (b'100,10,"1 Main St","Springfield","United Kingdom",-0- \r\n'
       b'200,11,-0- ,"Havana","Cuba",-0- \r\n200,12,-0- ,-0- ,-0- ,-0- \r\n'
       b'999,13,-0- ,-0- ,"Spain",-0- \r\n')
COMMENTS = b'300,"a; DOB 1999"\r\n'


def _sdn(**over):
    files = {"sdn.csv": SDN, "alt.csv": ALT, "add.csv": ADD, "sdn_comments.csv": COMMENTS}
    files.update(over)
    return lists.load("ofac_sdn", dict([(k, v) for k, v in files.items() if v is not None]))


def test_ofac_sdn_entries():
    data = _sdn()
    assert data.name == "ofac_sdn" and len(data.entries) == 4
    assert len(data.version) == 16 and data.source
    doe, acme, ship, plane = data.entries
    assert (doe.list, doe.id, doe.type) == ("ofac_sdn", "100", "individual")
    # published form kept (the matcher is token-order independent); aliases once each
    assert doe.names == ("DOE, John Quincy", "DOE, Johnny", "DOE, J. Q.")
    assert doe.dobs == ("1970-02-01", "1971")
    assert doe.countries == ("IR", "IQ", "GB")
    assert doe.programs == ("SDGT", "IFSR")
    assert doe.list_date == ""
    assert (acme.type, acme.names, acme.countries, acme.programs) == (
        "entity", ("ACME TRADING, LTD.",), ("CU",), ("CUBA",))
    # vessel flag and the remarks continued in sdn_comments ("Malt" + "a; DOB 1999")
    assert (ship.type, ship.countries, ship.dobs) == ("vessel", ("PA", "MT"), ("1999",))
    assert plane.type == "aircraft" and plane.countries == ()


def test_ofac_sdn_only_the_primary_file_is_required():
    data = lists.load("ofac_sdn", {"SDN.CSV": SDN})
    assert [e.names for e in data.entries][0] == ("DOE, John Quincy",)
    assert data.version != _sdn().version


def test_ofac_weak_aliases_only_when_asked():
    from compliance import lists_ofac
    assert "JQ" not in _sdn().entries[0].names
    lists_ofac.WEAK_ALIASES = True
    try:
        assert "JQ" in _sdn().entries[0].names
    finally:
        lists_ofac.WEAK_ALIASES = False


def test_ofac_cons_same_layout():
    data = lists.load("ofac_cons", {"cons_prim.csv": SDN, "cons_alt.csv": ALT})
    assert data.name == "ofac_cons" and len(data.entries) == 4
    assert data.entries[0].list == "ofac_cons" and "DOE, Johnny" in data.entries[0].names


def test_ofac_errors_name_file_line_field():
    bad = SDN.replace(b"\x1a", b"||||\r\n")
    e = raises(ListError, _sdn, **{"sdn.csv": bad})
    assert (e.file, e.line, e.field) == ("sdn.csv", 5, "SDN_Name")
    assert "expected 12" in e.message and "missing" in e.message
    e = raises(ListError, _sdn, **{"alt.csv": ALT + b"100,5,\"aka\"\r\n"})
    assert (e.file, e.line, e.field) == ("alt.csv", 5, "alt_name")
    e = raises(ListError, _sdn, **{"add.csv": b"x1,10,-0- ,-0- ,-0- ,-0- \r\n"})
    assert (e.file, e.line, e.field) == ("add.csv", 1, "ent_num")
    e = raises(ListError, _sdn, **{"sdn_comments.csv": b"300,\"a\",\"b\"\r\n"})
    assert (e.file, e.line, e.field) == ("sdn_comments.csv", 1, "record")
    again = SDN.replace(b"\x1a", b"") + SDN[:SDN.index(b"\r\n") + 2]
    e = raises(ListError, _sdn, **{"sdn.csv": again})
    assert (e.line, e.field) == (5, "ent_num") and "duplicate" in e.message
    e = raises(ListError, _sdn, **{"sdn.csv": SDN.replace(b'"aircraft"', b'"spaceship"')})
    assert (e.line, e.field) == (4, "SDN_Type")
    e = raises(ListError, _sdn, **{"sdn.csv": SDN.replace(b'"SKY ONE"', b"-0- ")})
    assert (e.line, e.field) == (4, "SDN_Name")
    e = raises(ListError, _sdn, **{"sdn.csv": SDN.replace(b'"SEA STAR"', b'"SEA "STAR"')})
    assert (e.line, e.field) == (3, "SDN_Name") and "after a closing quote" in e.message
    e = raises(ListError, _sdn, **{"alt.csv": ALT + b'100,5,"aka","OPEN\r\n'})
    assert (e.file, e.line, e.field) == ("alt.csv", 5, "record")
    assert "unterminated" in e.message


# ---- UN ----

UN = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-01-31T00:00:00.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID>
      <FIRST_NAME>IVAN</FIRST_NAME>
      <SECOND_NAME>PETROVICH</SECOND_NAME>
      <THIRD_NAME>SIDOROV</THIRD_NAME>
      <UN_LIST_TYPE>Testland</UN_LIST_TYPE>
      <REFERENCE_NUMBER>TLi.001</REFERENCE_NUMBER>
      <LISTED_ON>2020-02-03</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>Иван Петрович Сидоров</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Russian Federation</VALUE><VALUE>Iran (Islamic Republic of)</VALUE>
      </NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Vanya S.</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Vanya</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>I. Sidorov</ALIAS_NAME>
        <DATE_OF_BIRTH>1961-05-06</DATE_OF_BIRTH></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><CITY>Somewhere</CITY><COUNTRY>Türkiye</COUNTRY></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1960-05-06</DATE>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1958</FROM_YEAR>
        <TO_YEAR>1959</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1957</YEAR>
      </INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>2</DATAID>
      <FIRST_NAME>NORTH &amp; SOUTH SHIPPING CO.</FIRST_NAME>
      <UN_LIST_TYPE>Testland</UN_LIST_TYPE>
      <REFERENCE_NUMBER>TLe.001</REFERENCE_NUMBER>
      <LISTED_ON>2021-01-01</LISTED_ON>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>N&amp;S Shipping</ALIAS_NAME>
      </ENTITY_ALIAS>
      <ENTITY_ADDRESS><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
""".encode()


def _line_of(doc, needle):
    return doc.count(b"\n", 0, doc.index(needle)) + 1


def test_un_entries():
    data = lists.load("un", {"consolidated.xml": UN})
    assert data.version == "2026-01-31T00:00:00.000Z"
    ivan, ship = data.entries
    assert (ivan.id, ivan.type, ivan.list_date) == ("TLi.001", "individual", "2020-02-03")
    assert ivan.names == ("IVAN PETROVICH SIDOROV", "Иван Петрович Сидоров", "Vanya S.",
                          "I. Sidorov")
    assert ivan.dobs == ("1961-05-06", "1960-05-06", "1958", "1959", "1957")
    assert ivan.countries == ("RU", "IR", "TR")
    assert ivan.programs == ("Testland",)
    assert (ship.id, ship.type, ship.names, ship.countries) == (
        "TLe.001", "entity", ("NORTH & SOUTH SHIPPING CO.", "N&S Shipping"), ("KP",))


def test_un_errors():
    doc = UN.replace(b"</ENTITIES>", b"")
    e = raises(ListError, lists.load, "un", {"un.xml": doc})
    assert (e.file, e.field) == ("un.xml", "CONSOLIDATED_LIST")
    assert e.line == _line_of(doc, b"</CONSOLIDATED_LIST>") and "<ENTITIES>" in e.message
    e = raises(ListError, lists.load, "un", {"un.xml": b"<OTHER><INDIVIDUAL/></OTHER>"})
    assert e.field == "REFERENCE_NUMBER"
    e = raises(ListError, lists.load, "un", {"un.xml": b"<OTHER/>"})
    assert e.field == "CONSOLIDATED_LIST"
    noname = UN.replace(b"<FIRST_NAME>NORTH &amp; SOUTH SHIPPING CO.</FIRST_NAME>", b"")
    e = raises(ListError, lists.load, "un", {"un.xml": noname})
    assert (e.line, e.field) == (_line_of(noname, b"<ENTITY>"), "FIRST_NAME")
    assert _line_of(noname, b"<ENTITY>") == 30


# ---- US CSL ----

CSL_OLD = ("source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
           "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,"
           "vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,"
           "source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,"
           "source_information_url,ids\n"
           "Specially Designated Nationals (SDN) - Treasury Department,555,Individual,"
           "SDGT; IFSR,\"ROE, Richard\",,\"1 Road, Tehran, IR; 2 Street, Baghdad, IQ\",,,,,,,,,,"
           ",,,,u,Dick ROE; R. ROE,DZ,1974; 1975,SY,,u,\n"
           "Entity List (EL) - Bureau of Industry and Security,,,,Widget Works,,"
           "\"5 Lane, Shenzhen, China\",,2019-05-21,,,,,,,,,,,,u,,,,,,u,\n"
           "Entity List (EL) - Bureau of Industry and Security,,,,Widget Works,,"
           "\"5 Lane, Shenzhen, China\",,2019-05-21,,,,,,,,,,,,u,,,,,,u,\n").encode()
CSL_NEW = ('_id,source,entity_number,type,programs,name,title,addresses,'
           'federal_register_notice,start_date,end_date,standard_order,license_requirement,'
           'license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,'
           'vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,'
           'dates_of_birth,nationalities,places_of_birth,source_information_url,ids\r\n'
           '"abc123","Foreign Sanctions Evaders (FSE) - Treasury Department","77","Vessel",'
           '"SYRIA","MV Example","","","","2024-01-02","","","","","","","","","","","","","",'
           '"TR","","","","",""\r\n').encode()


def test_us_csl_older_layout():
    data = lists.load("us_csl", {"csl.csv": CSL_OLD})
    roe, w1, w2 = data.entries
    assert (roe.id, roe.type) == ("SDN:555", "individual")
    assert roe.names == ("ROE, Richard", "Dick ROE", "R. ROE")
    assert roe.programs == ("SDN", "SDGT", "IFSR")
    assert roe.dobs == ("1974", "1975")
    assert roe.countries == ("DZ", "SY", "IR", "IQ")
    assert (w1.type, w1.programs, w1.countries, w1.list_date) == (
        "unknown", ("EL",), ("CN",), "2019-05-21")
    # no ids in the file: a digest of the row, the repeated row made unique
    assert w1.id.startswith("EL:") and w2.id == w1.id + "-2"


def test_us_csl_id_column_layout():
    (e,) = lists.load("us_csl", {"consolidated.csv": CSL_NEW}).entries
    assert (e.id, e.type, e.names, e.countries, e.programs, e.list_date) == (
        "abc123", "vessel", ("MV Example",), ("TR",), ("FSE", "SYRIA"), "2024-01-02")


def test_us_csl_errors():
    bad = CSL_OLD + b"Entity List (EL) - Bureau of Industry and Security,123,,,abc,\n"
    e = raises(ListError, lists.load, "us_csl", {"csl.csv": bad})
    assert (e.file, e.line, e.field) == ("csl.csv", 5, "record")
    e = raises(ListError, lists.load, "us_csl", {"csl.csv": b"source,type\nx,y\n"})
    assert (e.line, e.field) == (1, "name")
    e = raises(ListError, lists.load, "us_csl", {"csl.csv": CSL_OLD.replace(b",Individual,",
                                                                            b",Robot,")})
    assert (e.line, e.field) == (2, "type")
    e = raises(ListError, lists.load, "us_csl", {"csl.csv": b""})
    assert e.field == "header"
    e = raises(ListError, lists.load, "us_csl", {"csl.csv": CSL_OLD.replace(b',"ROE, Richard",',
                                                                            b',"ROE" R,')})
    assert (e.line, e.field) == (2, "name")


# ---- BIS DPL ----

DPL = ('"Name"\t"Street_Address"\t"City"\t"State"\t"Country"\t"Postal_Code"\t"Effective_Date"\t'
       '"Expiration_Date"\t"Standard_Order"\t"Last_Update"\t"Action"\t"FR_Citation"\n'
       '" JANE Q. EXPORTER"\t"1 DOCK ST"\t"PORTSVILLE"\t"CA"\t"US"\t"90000"\t"03/04/2015"\t'
       '"03/04/2025"\t"Y"\t"2015-03-10"\t"FR NOTICE ADDED"\t"80 F.R. 1"\n'
       '" JANE Q. EXPORTER"\t"1 DOCK ST"\t"PORTSVILLE"\t"CA"\t"US"\t"90000"\t"03/04/2015"\t'
       '"03/04/2025"\t"Y"\t"2015-03-10"\t"FR NOTICE ADDED"\t"80 F.R. 1"\n'
       '"TRADING HOUSE GMBH"\t"2 STRASSE"\t"BERLIN"\t""\t"DE"\t""\t"11/30/2019"\t""\t"Y"\t'
       '"2019-12-01"\t"FR NOTICE ADDED"\t"84 F.R. 2"\n').encode()


def test_bis_dpl():
    data = lists.load("bis_dpl", {"dpl.txt": DPL})
    a, b, c = data.entries
    assert (a.names, a.countries, a.list_date, a.type, a.programs) == (
        ("JANE Q. EXPORTER",), ("US",), "2015-03-04", "unknown", ("DPL",))
    assert b.id == a.id + "-2" and len(a.id) == 12
    assert (c.names, c.countries, c.list_date) == (("TRADING HOUSE GMBH",), ("DE",),
                                                   "2019-11-30")
    # the id is stable: the same row gives the same id in another version of the file
    again = lists.load("bis_dpl", {"dpl.txt": DPL.replace(b'"Y"\t"2019-12-01"',
                                                          b'"Y"\t"2020-01-01"')})
    assert [e.id for e in again.entries] == [a.id, b.id, c.id]


def test_bis_dpl_errors():
    e = raises(ListError, lists.load, "bis_dpl", {"dpl.txt": DPL + b'"X"\t"Y"\n'})
    assert (e.line, e.field) == (5, "record")
    e = raises(ListError, lists.load, "bis_dpl", {"dpl.txt": DPL.replace(
        b'" JANE Q. EXPORTER"', b'"  "', 1)})
    assert (e.line, e.field) == (2, "Name")


# ---- PEP ----

SZ_ARRAY = b"""[
 {"DATA_SOURCE": "T", "RECORD_ID": "P1", "RECORD_TYPE": "PERSON", "NAME_FIRST": "Ana",
  "NAME_MIDDLE": "B.", "NAME_LAST": "Cruz", "DATE_OF_BIRTH": "1970-07-22",
  "NATIONALITY": "ES", "ADDR_COUNTRY": "Portugal"},
 {"DATA_SOURCE": "T", "RECORD_ID": "O1", "RECORD_TYPE": "ORGANIZATION",
  "NAME_ORG": "Ministry of Examples", "ADDR_COUNTRY": "Germany"}
]"""
SZ_LINES = (b'{"RECORD_ID":"Q1","NAMES":[{"NAME_TYPE":"PRIMARY","NAME_FULL":"Senator"}]}\n'
            b'{"RECORD_ID":"X1","RECORD_TYPE":"PERSON","NAMES":[{"NAME_TYPE":"PRIMARY",'
            b'"NAME_FULL":"Kim Lee"},{"NAME_TYPE":"ALIAS","NAME_FULL":"Kimberly Lee"}],'
            b'"RISKS":[{"TOPIC":"role.pep"}],"DATES":[{"DATE_OF_BIRTH":"1980"}],'
            b'"COUNTRIES":[{"NATIONALITY":"us"}],"RELATIONSHIPS":[{"REL_POINTER_KEY":"Q1"}]}\n'
            b'\n'
            b'{"RECORD_ID":"F1","FEATURES":[{"RECORD_TYPE":"PERSON"},{"NAME_FIRST":"Bo",'
            b'"NAME_LAST":"Ek"}]}\n'
            b'{"RECORD_ID":"U1","NAME_FULL":"Nobody Points Here"}\n')
FTM = """[{"id": "NK-1", "schema": "Person", "first_seen": "2024-06-10T20:32:02",
  "properties": {"name": ["Zoë Adams"], "alias": ["Z. Adams"], "birthDate": ["1975-01"],
                 "nationality": ["gb"], "topics": ["role.pep"], "program": "Prog A"}},
 {"id": "NK-2", "schema": "Vessel", "properties": {"name": "Boaty", "country": ["pa"]}}]
""".encode()


def test_pep_senzing_array_and_lines():
    data = lists.load("pep", {"a.json": SZ_ARRAY, "b.jsonl": SZ_LINES})
    by = dict([(e.id, e) for e in data.entries])
    assert sorted(by) == ["F1", "O1", "P1", "U1", "X1"]      # Q1 is a position
    p = by["P1"]
    assert (p.type, p.names, p.dobs, p.countries) == (
        "individual", ("Ana B. Cruz",), ("1970-07-22",), ("ES", "PT"))
    assert (by["O1"].type, by["O1"].countries) == ("entity", ("DE",))
    x = by["X1"]
    assert x.names == ("Kim Lee", "Kimberly Lee") and x.dobs == ("1980",)
    assert x.programs == ("role.pep", "Senator") and x.countries == ("US",)
    assert by["F1"].names == ("Bo Ek",) and by["F1"].type == "individual"
    assert by["U1"].type == "unknown"       # untyped, but nobody points at it: a party


def test_pep_ftm_and_merge_across_files():
    data = lists.load("pep", {"tel.json": FTM})
    zoe, boat = data.entries
    assert (zoe.type, zoe.names, zoe.dobs, zoe.countries, zoe.programs, zoe.list_date) == (
        "individual", ("Zoë Adams", "Z. Adams"), ("1975-01",), ("GB",),
        ("Prog A", "role.pep"), "2024-06-10")
    assert (boat.type, boat.names, boat.countries) == ("vessel", ("Boaty",), ("PA",))
    more = b'{"id": "NK-1", "schema": "Person", "properties": {"alias": ["Zed"]}}\n'
    data = lists.load("pep", {"tel.json": FTM, "more.jsonl": more})
    assert len(data.entries) == 2
    assert data.entries[0].names == ("Zoë Adams", "Z. Adams", "Zed")


def test_pep_errors():
    e = raises(ListError, lists.load, "pep", {"b.jsonl": SZ_LINES + b'{"RECORD_ID": \n'})
    assert (e.file, e.line, e.field) == ("b.jsonl", 6, "json")
    e = raises(ListError, lists.load, "pep", {"b.jsonl": b'{"RECORD_TYPE":"PERSON"}\n'})
    assert (e.line, e.field) == (1, "RECORD_ID")
    e = raises(ListError, lists.load, "pep", {"b.jsonl": b'\n{"RECORD_ID":"A"}\n'})
    assert (e.line, e.field) == (2, "name")
    e = raises(ListError, lists.load, "pep", {"a.json": b'[{"RECORD_ID":"A"}, 5]'})
    assert (e.line, e.field) == (0, "record 1: name")
    e = raises(ListError, lists.load, "pep", {"a.json": b'[1, 2'})
    assert e.field == "json"
    e = raises(ListError, lists.load, "pep", {"a.json": b'{"id": 1}'})
    assert (e.line, e.field) == (1, "RECORD_ID")
    e = raises(ListError, lists.load, "pep", {"a.json": b'{"id": "", "schema": "Person", '
                                              b'"properties": {}}'})
    assert (e.line, e.field) == (1, "id")
    e = raises(ListError, lists.load, "pep", {"a.json": b'{"id": "N", "schema": "Person", '
                                              b'"properties": {"name": []}}'})
    assert (e.line, e.field) == (1, "name")


# ---- FinCEN 314(a) ----

PERSON = ("\ufffd\ufffd\ufffdtracking_number,last_name,first_name,middle_name,suffix,"
          "alias_last_name,alias_first_name,alias_middle_name,alias_suffix,number,number_type,"
          "dob,street,city,state,zip,country\n"
          "T-1,Roe,Richard,K,Jr,Roe,Dick,,,1,SSN/ITIN,2/8/1988,1 Rd,Town,CA,90000,US\n"
          "T-1,Roe,Rich,,,,,,,,,12/31/1980,,,,,\n").encode()
BUSINESS = (b"tracking_number,business_name,dba_name,number,number_type,incorporated,street,city,"
            b"state,zip,country,phone\n"
            b"T-1,Roe Holdings LLC,Roe Co,,,01/02/2003,,,,,GB,\n")


def test_fincen_314a():
    data = lists.load("fincen_314a", {"Person12.09.2025.csv": PERSON,
                                      "Business12.09.2025.csv": BUSINESS})
    # files are read in name order: business first
    biz, p1, p2 = data.entries
    assert (biz.id, biz.type, biz.names, biz.dobs, biz.countries) == (
        "T-1", "entity", ("Roe Holdings LLC", "Roe Co"), ("2003-01-02",), ("GB",))
    assert (p1.id, p1.type, p1.names, p1.dobs, p1.countries, p1.programs) == (
        "T-1-2", "individual", ("Richard K Roe Jr", "Dick Roe"), ("1988-02-08",), ("US",),
        ("314(a)",))
    assert (p2.id, p2.names, p2.dobs, p2.countries) == ("T-1-3", ("Rich Roe",),
                                                        ("1980-12-31",), ())


def test_fincen_errors():
    e = raises(ListError, lists.load, "fincen_314a", {"x.csv": b"a,b\n1,2\n"})
    assert (e.file, e.line, e.field) == ("x.csv", 1, "header")
    e = raises(ListError, lists.load, "fincen_314a", {"p.csv": PERSON + b"T-2,Roe\n"})
    assert (e.line, e.field) == (4, "record")
    e = raises(ListError, lists.load, "fincen_314a", {"p.csv": PERSON.replace(b"T-1,Roe,Rich,",
                                                                              b",Roe,Rich,")})
    assert (e.line, e.field) == (3, "tracking_number")


# ---- registry and limits ----


def test_registry():
    assert lists.names() == sorted(["ofac_sdn", "ofac_cons", "un", "us_csl", "bis_dpl", "pep",
                                    "fincen_314a"])
    for name in lists.names():
        loader, required, optional, description = lists.LOADERS[name]
        assert callable(loader) and type(required) is tuple and type(optional) is tuple
        assert description and (required or optional)


def test_load_refuses_unknown_lists_missing_and_stray_files():
    e = raises(ListError, lists.load, "nope", {"a.csv": b""})
    assert e.field == "list" and "ofac_sdn" in e.message
    e = raises(ListError, lists.load, "ofac_sdn", {"alt.csv": ALT})
    assert (e.file, e.field) == ("sdn.csv", "file") and "missing" in e.message
    e = raises(ListError, lists.load, "ofac_sdn", {"sdn.csv": SDN, "readme.txt": b"x"})
    assert (e.file, e.field) == ("readme.txt", "file")
    e = raises(ListError, lists.load, "un", {"a.xml": UN, "b.xml": UN})
    assert e.field == "file" and "more than one" in e.message
    assert raises(ListError, lists.load, "un", {}).field == "files"
    assert raises(ListError, lists.load, "un", {"a.xml": 5}).field == "file"


def test_file_names_match_on_their_last_part_in_any_case():
    data = lists.load("ofac_sdn", {"lists/2026/SDN.CSV": SDN, "lists/2026/Alt.Csv": ALT})
    assert data.entries[0].names[1] == "DOE, Johnny"
    assert C.matches("*.csv", "a/B.CSV") and not C.matches("*.csv", "b.csv.gz")
    assert C.matches("*person*.csv", "fincen-person-2025.csv")
    assert not C.matches("*person*.csv", "business.csv")


def test_limits():
    saved = (C.MAX_FILE, C.MAX_ENTRIES, C.MAX_NAMES, C.MAX_VALUES)
    try:
        C.MAX_FILE = 100
        e = raises(ListError, lists.load, "ofac_sdn", {"sdn.csv": SDN})
        assert (e.file, e.field) == ("sdn.csv", "file") and "larger than 100" in e.message
        C.MAX_FILE = saved[0]
        C.MAX_ENTRIES = 3
        e = raises(ListError, lists.load, "ofac_sdn", {"sdn.csv": SDN})
        assert (e.line, e.field) == (4, "record") and "more than 3 entries" in e.message
        e = raises(ListError, lists.load, "bis_dpl", {"dpl.txt": DPL + DPL.split(b"\n", 1)[1]})
        assert e.line == 5
        C.MAX_ENTRIES = saved[1]
        C.MAX_NAMES = 2
        e = raises(ListError, lists.load, "ofac_sdn", {"sdn.csv": SDN, "alt.csv": ALT})
        assert (e.file, e.line, e.field) == ("alt.csv", 2, "alt_name")
        C.MAX_NAMES = saved[2]
        C.MAX_VALUES = 1
        e = raises(ListError, lists.load, "ofac_sdn", {"sdn.csv": SDN})
        assert (e.line, e.field) == (1, "programmes")
    finally:
        C.MAX_FILE, C.MAX_ENTRIES, C.MAX_NAMES, C.MAX_VALUES = saved
