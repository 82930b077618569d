# security/audit.py place(): the leaf spliced from the logged record equals the canonical JSON
# of the entry with its index and prev (what qenex-audit recomputes), for any flat entry.
import json

from hypothesis import given
from hypothesis import strategies as st

from security import audit, canon

KEYS = st.sampled_from(["actor", "body_sha256", "code", "command", "detail", "event", "kind",
                        "method", "path", "peer", "role", "route", "status", "ts", "via",
                        "a", "z", "indexx", "preva", "i", "q"])
VALUES = st.none() | st.booleans() | st.integers(-2 ** 64, 2 ** 64) | st.text(max_size=30)


@given(st.dictionaries(KEYS, VALUES, max_size=10), st.integers(0, 10 ** 9),
       st.sampled_from(["", "ab" * 32]))
def test_place_is_canon_of_the_entry_with_its_place(entry, index, prev):
    record = canon.dumps(entry).encode()
    want = dict(entry, index=index, prev=prev)
    got = audit.place(record, index, prev)
    assert got == canon.dumps(want).encode()
    assert json.loads(got) == want
