#!/usr/bin/env python3
"""qenex-audit: verifies a running kernel's tamper-evident audit trail from the host, on its own:
RFC 9162 hashing of its own (tools/rfc9162.py, not the kernel's security/merkle.py) and
`cryptography` for the ECDSA P-256 signature of the signed tree head (security/AUDIT.md).

    qenex-audit [--url URL] [--key KEY] verify [--state FILE] [--all-proofs]
    qenex-audit [--url URL] [--key KEY] sth
    qenex-audit [--url URL] [--key KEY] entries [--start S] [--count C]
    qenex-audit [--url URL] [--key KEY] prove INDEX

The API key is --key or the environment's QENEX_API_KEY. Exit codes: 0 everything verifies,
1 something does not (or the kernel cannot be asked), 2 usage.
"""
import argparse
import base64
import binascii
import datetime
import hashlib
import json
import os
import random
import sys
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tools import auditdiff, rfc9162
from tools.apiclient import ERRORS, Api

DEFAULT_URL = "http://127.0.0.1:8080"
ALGORITHM = "ecdsa-p256-sha256"
PAGE = 1000          # the most entries the API gives in one answer
SAMPLE = 8           # random entries whose inclusion proof verify checks, besides first and last
STATE_FORMAT = "qenex-audit-state-v1"
# The signed tree head's signed bytes (security/merkle.py has the kernel's copy of this layout).
STH_PREFIX = b"QENEX-STH-v1\x00"


class AuditError(Exception):
    """Verification cannot go on: the kernel cannot be asked, an answer is malformed, the state
    file is unreadable, or the signed tree head is not to be trusted."""


def sth_signed_bytes(tree_size, timestamp, root_hash):
    return STH_PREFIX + tree_size.to_bytes(8, "big") + timestamp.to_bytes(8, "big") + root_hash


# --- the kernel's audit API ----------------------------------------------------------------------

class AuditApi:
    def __init__(self, url, key, timeout=60):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise AuditError("--url must be http://HOST[:PORT], not %r" % url)
        self.url = url
        self.prefix = parts.path.rstrip("/")
        self.api = Api(parts.port or 80, timeout=timeout, host=parts.hostname)
        self.headers = {"Authorization": "Bearer " + key} if key else {}

    def close(self):
        self.api.close()

    def get(self, what, **query):
        path = "%s/api/v1/audit/%s" % (self.prefix, what)
        if query:
            path += "?" + urllib.parse.urlencode(query)
        try:
            status, body = self.api.raw("GET", path, headers=self.headers)
        except ERRORS as e:
            raise AuditError("cannot reach the kernel at %s: %s" % (self.url, e))
        if status != 200:
            msg = body.decode(errors="replace")[:200]
            try:
                msg = json.loads(body)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                pass
            hint = " (give --key or QENEX_API_KEY)" if status == 401 else ""
            raise AuditError("GET %s: HTTP %d: %s%s" % (path, status, msg, hint))
        try:
            doc = json.loads(body)
        except ValueError:
            raise AuditError("GET %s: the answer is not JSON" % path)
        if not isinstance(doc, dict):
            raise AuditError("GET %s: the answer is not a JSON object" % path)
        return doc


def _int(doc, name, where):
    v = doc.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 1 << 64:
        raise AuditError("%s: %r is not an unsigned 64-bit integer: %r" % (where, name, v))
    return v


def _hex(doc, name, where, size=None):
    v = doc.get(name)
    try:
        b = bytes.fromhex(v)
    except (TypeError, ValueError):
        raise AuditError("%s: %r is not hex: %r" % (where, name, v))
    if size is not None and len(b) != size:
        raise AuditError("%s: %r is %d bytes, not %d" % (where, name, len(b), size))
    return b


def fetch_key(api):
    """(the 65-byte public point, the `cryptography` key) of GET /audit/key."""
    doc = api.get("key")
    if doc.get("algorithm") != ALGORITHM:
        raise AuditError("audit key: algorithm %r, expected %r" % (doc.get("algorithm"),
                                                                    ALGORITHM))
    pub = _hex(doc, "public_key", "audit key", 65)
    if _hex(doc, "key_id", "audit key", 32) != hashlib.sha256(pub).digest():
        raise AuditError("audit key: key_id is not the SHA-256 of the public key")
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
    except ValueError:
        raise AuditError("audit key: not an uncompressed P-256 point")
    return pub, key


def fetch_sth(api, pub, key):
    """GET /audit/sth, its signature checked: {tree_size, timestamp, root_hash (bytes), ...}."""
    doc = api.get("sth")
    sth = {"tree_size": _int(doc, "tree_size", "signed tree head"),
           "timestamp": _int(doc, "timestamp", "signed tree head"),
           "root_hash": _hex(doc, "root_hash", "signed tree head", 32),
           "signature": _hex(doc, "signature", "signed tree head"),
           "key_id": _hex(doc, "key_id", "signed tree head", 32)}
    if sth["key_id"] != hashlib.sha256(pub).digest():
        raise AuditError("signature invalid: the signed tree head names another key (%s)"
                         % sth["key_id"].hex())
    signed = sth_signed_bytes(sth["tree_size"], sth["timestamp"], sth["root_hash"])
    try:
        key.verify(sth["signature"], signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AuditError("signature invalid: the signed tree head of %d entries does not "
                         "verify with the audit key" % sth["tree_size"])
    return sth


def fetch_entries(api, start, count):
    """Entries start..start+count-1 in pages: [(leaf bytes, the entry shown)]; shorter when the
    log ends first."""
    out = []
    while len(out) < count:
        s = start + len(out)
        c = min(PAGE, count - len(out))
        doc = api.get("entries", start=s, count=c)
        items = doc.get("entries")
        if doc.get("start") != s or not isinstance(items, list):
            raise AuditError("entries at %d: the answer has no entries from %d" % (s, s))
        if not items:
            break
        for j, item in enumerate(items[:c]):
            if not isinstance(item, dict) or item.get("index") != s + j:
                raise AuditError("entries at %d: item %d is not entry %d" % (s, j, s + j))
            try:
                leaf = base64.b64decode(item.get("leaf"), validate=True)
            except (TypeError, ValueError, binascii.Error):
                raise AuditError("entries at %d: entry %d's leaf is not base64" % (s, s + j))
            out.append((leaf, item.get("entry")))
    return out


def content_problem(leaf, shown):
    """Why a leaf is not the canonical JSON of the entry shown for it, or None; and the decoded
    entry (None when it is not a JSON object)."""
    try:
        decoded = json.loads(leaf.decode("utf-8"))
    except ValueError:
        return "its leaf is not UTF-8 JSON", None
    if not isinstance(decoded, dict):
        return "its leaf is not a JSON object", None
    if auditdiff.canonical(decoded) != leaf:
        return "its leaf is not canonical JSON", decoded
    if auditdiff.canonical(shown) != leaf:
        return "the entry shown is not its leaf", decoded
    return None, decoded


def check_inclusion(api, index, sth, lh):
    """None when the kernel's inclusion proof for `index` verifies against the signed root."""
    n = sth["tree_size"]
    doc = api.get("proof/inclusion", index=index, tree_size=n)
    if doc.get("index") != index or doc.get("tree_size") != n:
        return "the inclusion proof for entry %d is for another index or size" % index
    if _hex(doc, "leaf_hash", "inclusion proof") != lh:
        return "entry %d changed (its inclusion proof is for another leaf hash)" % index
    path = doc.get("audit_path")
    if not isinstance(path, list):
        return "the inclusion proof for entry %d has no audit_path" % index
    path = [_hex({"h": h}, "h", "inclusion proof") for h in path]
    if not rfc9162.verify_inclusion(lh, index, n, path, sth["root_hash"]):
        return "inclusion proof for entry %d does not verify against the signed root" % index
    return None


def check_consistency(api, saved, sth):
    """None when the kernel's consistency proof from the saved tree head to `sth` verifies."""
    m, n = saved["tree_size"], sth["tree_size"]
    if m == n:
        if saved["root_hash"] != sth["root_hash"]:
            return ("the tree of %d entries has another root than the saved one: the log's "
                    "history was rewritten" % n)
        return None
    if m == 0:
        ok = rfc9162.verify_consistency(m, n, saved["root_hash"], sth["root_hash"], [])
    else:
        doc = api.get("proof/consistency", first=m, second=n)
        path = doc.get("consistency")
        if doc.get("first") != m or doc.get("second") != n or not isinstance(path, list):
            return "the consistency proof from %d to %d is malformed" % (m, n)
        path = [_hex({"h": h}, "h", "consistency proof") for h in path]
        ok = rfc9162.verify_consistency(m, n, saved["root_hash"], sth["root_hash"], path)
    if not ok:
        return ("consistency proof from %d to %d entries does not verify: the log's history "
                "was rewritten" % (m, n))
    return None


# --- the state of the last verification ----------------------------------------------------------

def load_state(path):
    """The saved {public_key, sth, leaf_hashes, content_hashes} or None when the file does not
    exist yet."""
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            doc = json.load(f)
        assert doc["format"] == STATE_FORMAT
        sth = doc["sth"]
        state = {"public_key": bytes.fromhex(doc["public_key"]),
                 "sth": {"tree_size": sth["tree_size"], "timestamp": sth["timestamp"],
                         "root_hash": bytes.fromhex(sth["root_hash"])},
                 "leaf_hashes": [bytes.fromhex(h) for h in doc["leaf_hashes"]],
                 "content_hashes": [bytes.fromhex(h) for h in doc["content_hashes"]]}
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as e:
        raise AuditError("state file %s is not one qenex-audit wrote: %r" % (path, e))
    n = state["sth"]["tree_size"]
    if len(state["leaf_hashes"]) != n or len(state["content_hashes"]) != n or \
            rfc9162.root_of(state["leaf_hashes"]) != state["sth"]["root_hash"]:
        raise AuditError("state file %s is damaged: its leaves do not hash to its root" % path)
    return state


def save_state(path, pub, sth, leaf_hashes, content_hashes):
    doc = {"format": STATE_FORMAT, "public_key": pub.hex(),
           "sth": {"tree_size": sth["tree_size"], "timestamp": sth["timestamp"],
                   "root_hash": sth["root_hash"].hex(), "signature": sth["signature"].hex()},
           "leaf_hashes": [h.hex() for h in leaf_hashes],
           "content_hashes": [h.hex() for h in content_hashes]}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, path)   # the old state stays whole until the new one is


# --- the commands ------------------------------------------------------------------------------

def _verify(api, state_path, all_proofs, rng, problems):
    """Appends each problem found; returns (tree size, root) for the success line."""
    state = load_state(state_path) if state_path else None
    pub, key = fetch_key(api)
    if state and state["public_key"] != pub:
        raise AuditError("audit key changed since the saved state (was %s, now %s)"
                         % (hashlib.sha256(state["public_key"]).hexdigest(),
                            hashlib.sha256(pub).hexdigest()))
    sth = fetch_sth(api, pub, key)
    n = sth["tree_size"]
    saved = state["sth"] if state else None
    if saved and n < saved["tree_size"]:
        problems.append("tree shrank: %d entries at the saved tree head, %d now"
                        % (saved["tree_size"], n))

    got = fetch_entries(api, 0, n)
    if len(got) < n:
        problems.append("entries missing / dropped: the log serves %d entries, its signed tree "
                        "head has %d" % (len(got), n))
    leaves = [leaf for leaf, _ in got]
    hs = [rfc9162.leaf_hash(leaf) for leaf in leaves]
    entries = []
    for i, (leaf, shown) in enumerate(got):
        why, decoded = content_problem(leaf, shown)
        if why:
            problems.append("entry %d changed (%s)" % (i, why))
        entries.append(decoded)

    problems.extend(auditdiff.chain_problems(entries, hs))
    root = rfc9162.root_of(hs)
    root_ok = len(hs) == n and root == sth["root_hash"]
    if not root_ok:
        problems.append("root mismatch: the %d entries served hash to %s, the signed tree head "
                        "has %s for %d" % (len(hs), root.hex(), sth["root_hash"].hex(), n))

    if state:
        contents = [auditdiff.content_hash(e, h) for e, h in zip(entries, hs)]
        problems.extend(auditdiff.saved_problems(state["leaf_hashes"], state["content_hashes"],
                                                 hs, contents))
        if n >= saved["tree_size"]:
            p = check_consistency(api, saved, sth)
            if p:
                problems.append(p)

    if root_ok and n:   # proofs against the signed root; with a root mismatch they mean nothing
        picks = range(n) if all_proofs else \
            sorted({0, n - 1} | {rng.randrange(n) for _ in range(min(SAMPLE, n))})
        for i in picks:
            p = check_inclusion(api, i, sth, hs[i])
            if p:
                problems.append(p)

    if not problems and state_path:
        save_state(state_path, pub, sth, hs,
                   [auditdiff.content_hash(e, h) for e, h in zip(entries, hs)])
    return n, sth["root_hash"]


def verify(api, state_path=None, all_proofs=False, out=sys.stdout, rng=None):
    """qenex-audit verify: 0 when the log verifies, 1 otherwise, with one line a problem."""
    problems = []
    try:
        n, root = _verify(api, state_path, all_proofs, rng or random.Random(), problems)
    except AuditError as e:
        problems.append(str(e))
    # one line a problem, in the order found, each once
    problems = list(dict.fromkeys(problems))
    if problems:
        for p in problems:
            print("audit verify: FAIL: %s" % p, file=out)
        print("audit verify: failed, %d problem(s)" % len(problems), file=out)
        return 1
    print("audit verify: ok, %d entries, root %s" % (n, root.hex()), file=out)
    return 0


def _when(ns):
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def show_sth(api, out):
    pub, key = fetch_key(api)
    sth = fetch_sth(api, pub, key)
    for k, v in (("tree_size", sth["tree_size"]),
                 ("timestamp", "%s (%d ns)" % (_when(sth["timestamp"]), sth["timestamp"])),
                 ("root_hash", sth["root_hash"].hex()), ("key_id", sth["key_id"].hex()),
                 ("signature", "valid (%s)" % ALGORITHM)):
        print("%-10s %s" % (k, v), file=out)
    return 0


def show_entries(api, start, count, out):
    code = 0
    for i, (leaf, shown) in enumerate(fetch_entries(api, start, count)):
        why, _ = content_problem(leaf, shown)
        if why:
            code = 1
        print("%d %s %s%s" % (start + i, rfc9162.leaf_hash(leaf).hex(),
                              leaf.decode("utf-8", "replace"), "  # FAIL: " + why if why else ""),
              file=out)
    return code


def prove(api, index, out):
    pub, key = fetch_key(api)
    sth = fetch_sth(api, pub, key)
    if not 0 <= index < sth["tree_size"]:
        raise AuditError("entry %d is not in the signed tree of %d entries"
                         % (index, sth["tree_size"]))
    got = fetch_entries(api, index, 1)
    if not got:
        raise AuditError("entry %d missing / dropped: the log does not serve it" % index)
    why, _ = content_problem(*got[0])
    problem = check_inclusion(api, index, sth, rfc9162.leaf_hash(got[0][0]))
    if why or problem:
        for p in (("entry %d changed (%s)" % (index, why)) if why else None, problem):
            if p:
                print("audit prove: FAIL: %s" % p, file=out)
        return 1
    print("audit prove: ok, entry %d is in the signed tree of %d entries, root %s"
          % (index, sth["tree_size"], sth["root_hash"].hex()), file=out)
    return 0


def main(argv=None, out=sys.stdout):
    p = argparse.ArgumentParser(prog="qenex-audit", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=DEFAULT_URL, help="the kernel's API (default %(default)s)")
    p.add_argument("--key", default=os.environ.get("QENEX_API_KEY"),
                   help="the API key (default: the environment's QENEX_API_KEY)")
    p.add_argument("--timeout", type=float, default=60, help="seconds per request")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="verify the whole log against its signed tree head")
    v.add_argument("--state", help="JSON file of the last verified tree head and leaves")
    v.add_argument("--all-proofs", action="store_true",
                   help="check every entry's inclusion proof, not a sample")
    sub.add_parser("sth", help="show the signed tree head, its signature checked")
    e = sub.add_parser("entries", help="list entries with their leaf hashes")
    e.add_argument("--start", type=int, default=0)
    e.add_argument("--count", type=int, default=20)
    pr = sub.add_parser("prove", help="check one entry's inclusion proof")
    pr.add_argument("index", type=int)
    args = p.parse_args(argv)
    if args.command == "entries" and (args.start < 0 or args.count < 0):
        p.error("--start and --count must not be negative")
    try:
        api = AuditApi(args.url, args.key, args.timeout)
    except AuditError as ex:
        p.error(str(ex))
    try:
        if args.command == "verify":
            return verify(api, args.state, args.all_proofs, out)
        if args.command == "sth":
            return show_sth(api, out)
        if args.command == "entries":
            return show_entries(api, args.start, args.count, out)
        return prove(api, args.index, out)
    except AuditError as ex:
        print("audit %s: FAIL: %s" % (args.command, ex), file=out)
        return 1
    finally:
        api.close()


if __name__ == "__main__":
    sys.exit(main())
