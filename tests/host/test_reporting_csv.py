"""Host test of compliance/reporting.py's hand-written CSV: Python's csv module reads the CTR and
SAR exports back to the same rows as their JSON drafts (each column a path into the JSON), and
any text (commas, quotes, CR, LF, non-ASCII) survives csv_text -> csv.reader unchanged."""
import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import reporting
from tests.portable import test_reporting as cases


def parse(text):
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def expected(value):
    """How a JSON value is written in a cell, derived here independently of reporting.cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(expected(v) for v in value)
    return str(value)


def at(obj, path):
    for key in path.split("."):
        obj = obj[key]
    return obj


def test_ctr_csv_reads_back_as_the_json():
    k = cases.registry()
    res = reporting.ctr_reports(cases.day_transfers(), k.customer_of, cases.CASH, cases.INST)
    doc = json.loads(json.dumps(res))                  # the JSON export as a client gets it
    rows = parse(reporting.ctr_csv(res))
    header, body = rows[0], rows[1:]
    assert header == list(reporting.CTR_COLUMNS)
    assert len(body) == len(doc["reports"]) == 2
    for row, rep in zip(body, doc["reports"]):
        assert len(row) == len(header)
        for col, got in zip(header, row):
            assert got == expected(at(rep, col)), col
    # the awkward values came through whole
    assert body[1][header.index("part_i_person.last_name_or_entity_name")] == \
        "Doe, \"Quoted\" & Sons Ltd"
    assert body[0][header.index("part_iii_institution.address")] == "1 Main St\nSuite 200"


def test_sar_csv_reads_back_as_the_json():
    k, alerts, transfers = cases.structuring_case()
    other = dict(alerts[0], id="AL-x", rule="high_risk_country", account_id="ACC7",
                 customer_id="", evidence=["E1"], at=cases.T0 + cases.DAY)
    eur = cases.tr(100000, cases.T0 + cases.DAY, "ACC7", "ACC8", cur="EUR", tid="E1")
    sar = reporting.sar_draft(alerts + [other], transfers + [eur], k.get, cases.INST,
                              cash_accounts=cases.CASH)
    doc = json.loads(json.dumps(sar))
    rows = parse(reporting.sar_csv(sar))
    header, body = rows[0], rows[1:]
    assert len(body) == len(doc["part_i_subjects"]) == 2
    for row, subject in zip(body, doc["part_i_subjects"]):
        assert len(row) == len(header)
        for col, got in zip(header, row):
            if col.startswith("subject."):
                want = subject[col[len("subject."):]]
            else:
                want = at(doc, col)
            assert got == expected(want), col
    narrative = body[0][header.index("part_v_narrative")]
    assert "\n" in narrative and "\"" in narrative and "," in narrative
    assert narrative == doc["part_v_narrative"]


def test_excel_safe_only_prefixes_formulas():
    rows = parse(reporting.csv_text(["a", "b"], [["=1+1", "@x"], ["+3", "plain"]],
                                    excel_safe=True))
    assert rows == [["a", "b"], ["'=1+1", "'@x"], ["'+3", "plain"]]


_text = st.text(alphabet=st.sampled_from(list("ab ,\"\r\n;'=\u00e9\u4e2d")), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_text, min_size=1, max_size=5), min_size=1, max_size=6))
def test_any_text_round_trips(table):
    width = len(table[0])
    table = [(r + [""] * width)[:width] for r in table]
    header, rows = table[0], table[1:]
    assert parse(reporting.csv_text(header, rows)) == [header] + rows
