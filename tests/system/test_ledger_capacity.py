# The short memory soak (make soak-memory runs the long one, at config/'s capacity): a ledger
# with a small configured capacity is filled with 8190-batches and singles, stays up, answers
# 507 ledger_full (nothing logged) beyond it, verifies, and holds it all after a reboot.
from tools.soak_memory import Soak


def test_the_ledger_fills_to_its_capacity_and_refuses_beyond_it():
    lines = []
    soak = Soak(accounts=40, transfers=12000, batch=8190, singles=20, disk_size="128M",
                out=lines.append)
    ok = soak.run(reboot=True)
    assert ok, "\n".join(lines)
    assert lines[-1].startswith("soak-memory: ok: 40 accounts, 12000 transfers"), lines
    # accounts, the batch beyond what was left, then a single and a batch at the full ledger
    # (twice: before and after the reboot)
    assert soak.counts["ledger_full"] == 6, soak.counts
