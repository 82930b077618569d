# security/canon.py writes exactly what CPython's json.dumps(sort_keys=True, separators=(",",
# ":"), ensure_ascii=False) writes (the audit trail's leaves: qenex-audit and any other
# verifier recompute them with their own JSON), and refuses floats.
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security import canon

values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)   # busy CI machines
@given(values)
def test_canon_is_cpythons_sorted_compact_utf8_json(v):
    assert canon.dumps(v) == json.dumps(v, sort_keys=True, separators=(",", ":"),
                                        ensure_ascii=False)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        canon.dumps({"amount": 1.5})
