# security/audit.py place(): the leaf spliced from the logged record equals the canonical JSON
# of the entry with its index and prev (what qenex-audit recomputes), for any entry: flat ones
# by the splice, ones with lists or objects inside (system events) by decoding.
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security import audit, canon

KEYS = st.sampled_from(["actor", "body_sha256", "code", "command", "detail", "event", "kind",
                        "method", "path", "peer", "role", "route", "status", "ts", "via",
                        "a", "z", "indexx", "preva", "i", "q"])
VALUES = st.none() | st.booleans() | st.integers(-2 ** 64, 2 ** 64) | st.text(max_size=30)
NESTED = VALUES | st.lists(st.text(max_size=12), max_size=4) | st.dictionaries(
    st.text(max_size=5), st.text(max_size=8), max_size=3)


# The first draw of a dictionary strategy can take a second on a busy machine (CI).
RELAXED = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


@RELAXED
@given(st.dictionaries(KEYS, VALUES, max_size=10), st.integers(0, 10 ** 9),
       st.sampled_from(["", "ab" * 32]))
def test_place_is_canon_of_the_entry_with_its_place(entry, index, prev):
    record = canon.dumps(entry).encode()
    want = dict(entry, index=index, prev=prev)
    got = audit.place(record, index, prev)
    assert got == canon.dumps(want).encode()
    assert json.loads(got) == want


@RELAXED
@given(st.dictionaries(KEYS, NESTED, max_size=8), st.integers(0, 10 ** 9))
def test_place_of_entries_with_lists_and_objects_inside(entry, index):
    record = canon.dumps(entry).encode()
    want = dict(entry, index=index, prev="cd" * 32)
    got = audit.place(record, index, "cd" * 32)
    assert got == canon.dumps(want).encode()
    assert json.loads(got) == want


def test_place_of_a_list_of_strings_regression():
    # ',"' inside a list once split the member in two: the leaf was not JSON.
    entry = {"event": "lists_loaded", "kind": "system", "lists": ["a 1", "b 2"], "ts": 5}
    got = audit.place(canon.dumps(entry).encode(), 3, "")
    assert json.loads(got) == dict(entry, index=3, prev="")


@RELAXED
@given(st.text(max_size=20), st.sampled_from(["admin", "operator"]),
       st.sampled_from(["key", "session"]), st.sampled_from(["POST", "PATCH", "DELETE"]),
       st.text(max_size=40), st.text(max_size=60), st.integers(100, 599),
       st.none() | st.text(max_size=20), st.integers(0, 2 ** 63))
def test_request_record_template_is_canon(actor, role, via, method, route, path, status, code,
                                          ts):
    digest = "ab" * 32
    got = audit.AuditLog.request_record(actor, role, via, method, route, path, digest, status,
                                        code, ts)
    want = audit.AuditLog.record({"kind": "request", "actor": actor, "role": role,
                                  "via": via, "method": method, "route": route, "path": path,
                                  "body_sha256": digest, "status": status, "code": code,
                                  "ts": ts})
    assert got == want
