# qenex-audit (tools/audit.py) against a fake of the kernel's audit API: a log built with the
# kernel's security/merkle.py and signed tree heads from a `cryptography` P-256 key. An honest
# log verifies; each kind of tampering gets its own report and exit code 1.
import base64
import hashlib
import http.server
import io
import json
import random
import threading
import urllib.parse

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from security import merkle
from tools import audit, auditdiff, rfc9162

API_KEY = "test-key-1"


def canonical(entry):
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class FakeAuditLog:
    """The kernel's audit log as its API shows it. `leaves` may be tampered with after sign():
    the signed tree head then still describes the log as it was."""

    def __init__(self, n, key=None):
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.leaves = []
        self.shown = {}          # index -> the entry the API shows instead of its leaf's
        self.bad_path = False    # serve spoiled inclusion proofs
        self.requests = []
        for _ in range(n):
            self.add()
        self.sign()

    def add(self, **fields):
        i = len(self.leaves)
        prev = rfc9162.leaf_hash(self.leaves[-1]).hex() if self.leaves else ""
        entry = {"index": i, "prev": prev, "time": 1700000000000000000 + i * 1000,
                 "actor": "teller-%d" % (i % 3), "action": "transfer",
                 "detail": {"amount": "%d.00" % (10 + i), "currency": "EUR", "to": "Zoë"}}
        entry.update(fields)
        self.leaves.append(canonical(entry))

    def rechain(self, start):
        """Rewrite every entry from `start` on so index and prev follow again (what an attacker
        holding the log but not the host's saved state would do)."""
        for i in range(start, len(self.leaves)):
            e = json.loads(self.leaves[i])
            e["index"] = i
            e["prev"] = rfc9162.leaf_hash(self.leaves[i - 1]).hex() if i else ""
            self.leaves[i] = canonical(e)

    def tree(self):
        t = merkle.Tree(max(1, len(self.leaves)))
        for leaf in self.leaves:
            t.append(merkle.leaf_hash(leaf))
        return t

    def sign(self, key=None, timestamp=1700000000123456789):
        n = len(self.leaves)
        root = self.tree().root()
        sig = (key or self.key).sign(merkle.sth_signed_bytes(n, timestamp, root),
                                     ec.ECDSA(hashes.SHA256()))
        self.sth = {"tree_size": n, "timestamp": timestamp, "root_hash": root.hex(),
                    "signature": sig.hex(), "key_id": self.key_id()}

    def public(self):
        return self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)

    def key_id(self):
        return hashlib.sha256(self.public()).hexdigest()

    # --- the API ---

    def answer(self, path, q):
        self.requests.append(path)
        if path == "/api/v1/audit/key":
            return 200, {"algorithm": "ecdsa-p256-sha256", "public_key": self.public().hex(),
                         "key_id": self.key_id()}
        if path == "/api/v1/audit/sth":
            return 200, self.sth
        if path == "/api/v1/audit/entries":
            start, count = int(q["start"]), int(q["count"])
            if not 0 < count <= 1000:
                return 400, {"error": {"message": "count must be 1..1000"}}
            items = []
            for i in range(start, min(start + count, len(self.leaves))):
                shown = self.shown.get(i, json.loads(self.leaves[i]))
                items.append({"index": i, "leaf": base64.b64encode(self.leaves[i]).decode(),
                              "entry": shown})
            return 200, {"start": start, "entries": items, "tree_size": len(self.leaves)}
        t = self.tree()
        if path == "/api/v1/audit/proof/inclusion":
            i, n = int(q["index"]), int(q["tree_size"])
            if not 0 <= i < n <= t.size:
                return 400, {"error": {"message": "no such entry"}}
            proof = t.inclusion_proof(i, n)
            if self.bad_path:
                proof = proof[1:]
            return 200, {"index": i, "tree_size": n, "leaf_hash": t.leaf(i).hex(),
                         "audit_path": [h.hex() for h in proof]}
        if path == "/api/v1/audit/proof/consistency":
            m, n = int(q["first"]), int(q["second"])
            if not 0 <= m <= n <= t.size:
                return 400, {"error": {"message": "no such tree size"}}
            return 200, {"first": m, "second": n,
                         "consistency": [h.hex() for h in t.consistency_proof(m, n)]}
        return 404, {"error": {"message": "not found"}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16   # head and body in one write: no Nagle / delayed-ACK stall a request

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if self.headers.get("Authorization") != "Bearer " + API_KEY:
            status, doc = 401, {"error": {"message": "authentication required"}}
        else:
            status, doc = self.server.log.answer(u.path, q)
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.log = FakeAuditLog(40)
    th = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def url(srv):
    return "http://127.0.0.1:%d" % srv.server_address[1]


def run_verify(srv, state=None, all_proofs=False, key=API_KEY):
    out = io.StringIO()
    api = audit.AuditApi(url(srv), key)
    try:
        code = audit.verify(api, state, all_proofs, out, random.Random(7))
    finally:
        api.close()
    return code, out.getvalue()


def fails(srv, *reports, **kw):
    code, text = run_verify(srv, **kw)
    assert code == 1, text
    for r in reports:
        assert r in text, (r, text)
    assert "audit verify: ok" not in text
    return text


def test_an_honest_log_verifies(server):
    code, text = run_verify(server)
    root = server.log.tree().root().hex()
    assert code == 0, text
    assert text.strip() == "audit verify: ok, 40 entries, root %s" % root
    proofs = server.log.requests.count("/api/v1/audit/proof/inclusion")
    assert 2 <= proofs <= 2 + audit.SAMPLE


def test_all_proofs_asks_for_every_entry(server):
    code, text = run_verify(server, all_proofs=True)
    assert code == 0, text
    assert server.log.requests.count("/api/v1/audit/proof/inclusion") == 40


def test_entries_come_in_pages(server):
    log = server.log
    for _ in range(2500 - 40):
        log.add()
    log.sign()
    code, text = run_verify(server)
    assert code == 0, text
    assert "ok, 2500 entries" in text
    assert log.requests.count("/api/v1/audit/entries") == 3


def test_an_empty_log_verifies(server):
    server.log = FakeAuditLog(0)
    code, text = run_verify(server)
    assert code == 0, text
    assert "ok, 0 entries, root %s" % hashlib.sha256(b"").hexdigest() in text


def test_changed_entry(server):
    log = server.log
    e = json.loads(log.leaves[17])
    e["detail"]["amount"] = "9999.00"
    log.leaves[17] = canonical(e)
    fails(server, "entry 17 changed", "root mismatch")


def test_entry_shown_is_not_its_leaf(server):
    e = json.loads(server.log.leaves[17])
    e["actor"] = "someone-else"
    server.log.shown[17] = e
    text = fails(server, "entry 17 changed (the entry shown is not its leaf)")
    assert "root mismatch" not in text   # the leaves themselves are intact


def test_leaf_that_is_not_canonical_json(server):
    log = server.log
    log.leaves[17] = json.dumps(json.loads(log.leaves[17])).encode()   # spaces, \u escapes
    log.sign()   # even a signed one: the kernel must only ever log canonical leaves
    log.rechain(18)
    log.sign()
    fails(server, "entry 17 changed (its leaf is not canonical JSON)")


def test_dropped_entry(server):
    del server.log.leaves[5]
    fails(server, "entry 5 missing / dropped", "root mismatch",
          "the log serves 39 entries, its signed tree head has 40")


def test_dropped_entry_with_a_new_signed_head(server):
    del server.log.leaves[5]
    server.log.sign()   # a kernel that signs whatever it holds
    text = fails(server, "entry 5 missing / dropped")
    assert "root mismatch" not in text


def test_reordered_entries(server):
    log = server.log
    log.leaves[5], log.leaves[6] = log.leaves[6], log.leaves[5]
    fails(server, "entries 5 and 6 reordered", "root mismatch")


def test_inserted_entry(server):
    log = server.log
    forged = json.loads(log.leaves[9])
    forged["detail"]["amount"] = "1.00"
    forged["actor"] = "intruder"
    log.leaves.insert(9, canonical(forged))   # same index and prev as the entry it precedes
    log.sign()
    fails(server, "entry inserted at 9")


def test_bad_signature(server):
    sth = server.log.sth
    sig = bytearray.fromhex(sth["signature"])
    sig[-1] ^= 1
    sth["signature"] = sig.hex()
    fails(server, "signature invalid")
    assert not any(r.endswith("/entries") for r in server.log.requests)   # nothing trusted


def test_head_signed_by_another_key(server):
    server.log.sign(key=ec.generate_private_key(ec.SECP256R1()))
    fails(server, "signature invalid")


def test_head_signed_over_other_bytes(server):
    server.log.sth["tree_size"] = 39   # the signature covers 40
    fails(server, "signature invalid")


def test_spoiled_inclusion_proofs(server):
    server.log.bad_path = True
    fails(server, "inclusion proof for entry 0 does not verify against the signed root")


def test_state_follows_a_growing_log(server, tmp_path):
    state = str(tmp_path / "audit-state.json")
    code, text = run_verify(server, state)
    assert code == 0, text
    saved = json.load(open(state))
    assert saved["sth"]["tree_size"] == 40 and len(saved["leaf_hashes"]) == 40
    for _ in range(25):
        server.log.add()
    server.log.sign(timestamp=1700000000999999999)
    code, text = run_verify(server, state)
    assert code == 0, text
    assert "ok, 65 entries" in text
    assert server.log.requests.count("/api/v1/audit/proof/consistency") == 1
    assert json.load(open(state))["sth"]["tree_size"] == 65


def test_tree_shrank_after_saving_state(server, tmp_path):
    state = str(tmp_path / "audit-state.json")
    assert run_verify(server, state)[0] == 0
    before = open(state).read()
    del server.log.leaves[30:]
    server.log.sign()
    fails(server, "tree shrank: 40 entries at the saved tree head, 30 now",
          "entries 30..39 missing / dropped", state=state)
    assert open(state).read() == before   # a failed run keeps the last good state


def test_rewritten_history_is_caught_by_the_saved_state(server, tmp_path):
    state = str(tmp_path / "audit-state.json")
    assert run_verify(server, state)[0] == 0
    log = server.log
    e = json.loads(log.leaves[17])
    e["detail"]["amount"] = "0.01"
    log.leaves[17] = canonical(e)
    log.rechain(18)     # every later prev follows the forged entry
    log.sign()          # and the kernel's key signs it: the log alone is self-consistent
    assert run_verify(server)[0] == 0
    text = fails(server, "entry 17 changed", "the tree of 40 entries has another root than the "
                 "saved one", state=state)
    assert "entries 18..39 re-chained (index or prev rewritten)" in text
    assert "entry 18 changed" not in text


def test_rewritten_and_grown_history(server, tmp_path):
    state = str(tmp_path / "audit-state.json")
    assert run_verify(server, state)[0] == 0
    log = server.log
    del log.leaves[5]
    log.rechain(5)
    for _ in range(10):
        log.add()
    log.sign()
    fails(server, "entry 5 missing / dropped", "consistency proof from 40 to 49 entries",
          state=state)


def test_audit_key_changed_since_the_saved_state(server, tmp_path):
    state = str(tmp_path / "audit-state.json")
    assert run_verify(server, state)[0] == 0
    server.log.key = ec.generate_private_key(ec.SECP256R1())
    server.log.sign()
    fails(server, "audit key changed since the saved state", state=state)


def test_damaged_state_file(server, tmp_path):
    state = tmp_path / "audit-state.json"
    assert run_verify(server, str(state))[0] == 0
    doc = json.loads(state.read_text())
    doc["leaf_hashes"][3] = "00" * 32
    state.write_text(json.dumps(doc))
    fails(server, "is damaged", state=str(state))


def test_wrong_api_key(server):
    fails(server, "HTTP 401: authentication required (give --key or QENEX_API_KEY)",
          key="wrong")


def test_unreachable_kernel():
    out = io.StringIO()
    api = audit.AuditApi("http://127.0.0.1:9", API_KEY, timeout=5)
    assert audit.verify(api, out=out) == 1
    assert "cannot reach the kernel at http://127.0.0.1:9" in out.getvalue()


def test_command_line(server, monkeypatch):
    monkeypatch.setenv("QENEX_API_KEY", API_KEY)
    u = url(server)
    out = io.StringIO()
    assert audit.main(["--url", u, "verify"], out=out) == 0
    assert "audit verify: ok, 40 entries" in out.getvalue()

    out = io.StringIO()
    assert audit.main(["--url", u, "sth"], out=out) == 0
    text = out.getvalue()
    assert "tree_size  40" in text and "signature  valid" in text
    assert server.log.sth["root_hash"] in text and "2023-11-14T22:13:20Z" in text

    out = io.StringIO()
    assert audit.main(["--url", u, "entries", "--start", "38", "--count", "5"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("38 ")
    assert lines[1].split(" ", 2)[2] == server.log.leaves[39].decode()

    out = io.StringIO()
    assert audit.main(["--url", u, "prove", "12"], out=out) == 0
    assert "audit prove: ok, entry 12 is in the signed tree of 40 entries" in out.getvalue()
    out = io.StringIO()
    assert audit.main(["--url", u, "prove", "40"], out=out) == 1
    assert "entry 40 is not in the signed tree of 40 entries" in out.getvalue()
    server.log.bad_path = True
    out = io.StringIO()
    assert audit.main(["--url", u, "prove", "12"], out=out) == 1
    assert "inclusion proof for entry 12 does not verify" in out.getvalue()

    out = io.StringIO()
    assert audit.main(["--url", u, "--key", "nope", "sth"], out=out) == 1
    assert "HTTP 401" in out.getvalue()
    with pytest.raises(SystemExit) as e:
        audit.main(["--url", "https://example.org", "sth"], out=out)
    assert e.value.code == 2


def test_the_tools_hashing_agrees_with_the_kernels():
    # independent code, same answers: roots and both kinds of proofs, every size up to 70
    t = merkle.Tree(70)
    hs = []
    for n in range(71):
        assert rfc9162.root_of(hs) == t.root(), n
        for m in range(n + 1):
            assert rfc9162.verify_consistency(m, n, t.root(m), t.root(), t.consistency_proof(m, n))
        for i in range(n):
            assert rfc9162.verify_inclusion(hs[i], i, n, t.inclusion_proof(i, n), t.root())
            assert not rfc9162.verify_inclusion(hs[i], i, n, t.inclusion_proof(i, n),
                                                hashlib.sha256(t.root()).digest())
        if n < 70:
            hs.append(merkle.leaf_hash(b"%d" % n))
            t.append(hs[-1])
    assert audit.sth_signed_bytes(5, 6, hs[0]) == merkle.sth_signed_bytes(5, 6, hs[0])


def _chain(n):
    entries, hs = [], []
    for i in range(n):
        e = {"index": i, "prev": hs[-1].hex() if hs else "", "n": i}
        entries.append(e)
        hs.append(rfc9162.leaf_hash(canonical(e)))
    return entries, hs


def test_diagnosis_of_the_chain_alone():
    es, hs = _chain(12)
    assert auditdiff.chain_problems(es, hs) == []
    e2, h2 = list(es), list(hs)
    e2[3], e2[8], h2[3], h2[8] = es[8], es[3], hs[8], hs[3]
    assert auditdiff.chain_problems(e2, h2) == ["entries 3 and 8 reordered"]
    assert auditdiff.chain_problems(es[:4] + es[7:], hs[:4] + hs[7:]) == \
        ["entries 4..6 missing / dropped"]
    forged = {"index": 1000, "prev": "", "n": "forged"}   # a clumsy forgery: wrong index too
    assert auditdiff.chain_problems(es[:9] + [forged] + es[9:],
                                    hs[:9] + [rfc9162.leaf_hash(b"f")] + hs[9:]) == \
        ["entry inserted at 9"]
    assert auditdiff.chain_problems([None] + es[1:], hs) == \
        ["entry at position 0 claims index None, expected 0 (chain broken)"]


def test_diagnosis_against_the_saved_log():
    es, hs = _chain(12)
    cs = [auditdiff.content_hash(e, h) for e, h in zip(es, hs)]
    assert auditdiff.saved_problems(hs, cs, hs, cs) == []
    assert auditdiff.saved_problems(hs, cs, hs[:3] + hs[5:], cs[:3] + cs[5:]) == \
        ["entries 3..4 missing / dropped"]
    extra = rfc9162.leaf_hash(b"x")
    assert auditdiff.saved_problems(hs, cs, hs[:7] + [extra, extra] + hs[7:],
                                    cs[:7] + [extra, extra] + cs[7:]) == \
        ["entries inserted at 7..8"]
    h2, c2 = list(hs), list(cs)
    h2[2], h2[10], c2[2], c2[10] = hs[10], hs[2], cs[10], cs[2]
    assert auditdiff.saved_problems(hs, cs, h2, c2) == ["entries 2 and 10 reordered"]
    assert auditdiff.saved_problems(hs, cs, hs[:4] + [extra] + hs[5:],
                                    cs[:4] + [extra] + cs[5:]) == ["entry 4 changed"]
    # a new log may be longer: what came after the saved one is not a difference
    assert auditdiff.saved_problems(hs[:6], cs[:6], hs, cs) == []
