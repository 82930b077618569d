# The audit trail on the disk image, tampered with: each audit record of the log (not in the
# last group written) flipped, dropped, or swapped with another, must be found at the next
# boot: the ledger's log stops at corruption (its hash chain, positions and checksums,
# transaction/FORMAT.md), the security service stays down and the API refuses (503) rather
# than serve a trail with a hole. Plain asserts: they run in the kernel too.
from tests.portable.support.faultdisk import MemDisk
from tests.portable.test_security_service import BLOCKS, Env, seed_accounts

WAL_MAGIC = b"QXWL"
HEADER = 128
BLOCK = 512
MOST = 4                   # records tampered with per kind (each costs a boot)


def make_log():
    env = Env()
    seed_accounts(env)
    for i in range(4):
        env.ok("POST", "/api/v1/transaction", {"from_account": "A", "to_account": "B",
                                               "amount": "1.0%d" % i, "currency": "USD"})
        env.error("POST", "/api/v1/transaction", {}, None, 401, "unauthenticated")
    # Later groups after the ones tampered with: damage to the last group written looks like
    # a torn write (FORMAT.md); the service's seal covers that in a running kernel.
    env.ok("POST", "/api/v1/accounts", {"id": "LAST1", "currency": "USD"})
    env.ok("POST", "/api/v1/accounts", {"id": "LAST2", "currency": "USD"})
    return env


def audit_records(media):
    """(offset, blocks) of each WAL record holding an audit entry, in log order."""
    data = media.data
    out = []
    off = 0
    while off < len(data):
        if data[off:off + 4] == WAL_MAGIC and data[off + HEADER:off + HEADER + 4] == b"QXA1":
            length = int.from_bytes(data[off + 12:off + 16], "little")
            out.append((off, (HEADER + length + BLOCK - 1) // BLOCK))
        off += BLOCK
    return out[:-2]            # not the last group's


def copy(media):
    m = MemDisk(BLOCKS)
    m.data[:] = media.data
    return m


def refused(media):
    env = Env(media)
    assert env.ledger.state == "down" and "corruption" in env.ledger.reason, \
        (env.ledger.state, env.ledger.reason)
    assert env.svc.state == "down"
    r = env.request("GET", "/api/v1/audit/sth", None, "qx_" + "0" * 16 + "_" + "0" * 64)
    assert r.status == 503 and r.json()["error"]["code"] == "security_unavailable", r.body


def test_the_log_holds_the_audit_records_and_boots_clean():
    env = make_log()
    recs = audit_records(env.media)
    assert len(recs) >= 6, recs
    again = Env(copy(env.media))
    assert again.ledger.state == "up" and again.audit().verify() == []
    n = env.audit().size()
    assert again.audit().size() == n + 1                  # + this boot's entry
    assert again.audit().entry(n)["event"] == "boot"
    assert again.audit().tree.root(n) == env.audit().tree.root(n)


def test_a_flipped_audit_record_is_found():
    env = make_log()
    for off, blocks in audit_records(env.media)[:MOST]:
        m = copy(env.media)
        m.data[off + HEADER + 20] ^= 0x01          # inside the entry's JSON
        refused(m)


def test_a_dropped_audit_record_is_found():
    env = make_log()
    for off, blocks in audit_records(env.media)[:MOST]:
        m = copy(env.media)
        m.data[off:off + blocks * BLOCK] = bytes(blocks * BLOCK)
        refused(m)


def test_swapped_audit_records_are_found():
    env = make_log()
    recs = audit_records(env.media)
    done = 0
    for i in range(len(recs) - 1):
        (a, na), (b, nb) = recs[i], recs[i + 1]
        if na != nb or done >= MOST:
            continue
        m = copy(env.media)
        n = na * BLOCK
        first = bytes(m.data[a:a + n])
        m.data[a:a + n] = m.data[b:b + n]
        m.data[b:b + n] = first
        refused(m)
        done += 1
    assert done >= 2, recs
