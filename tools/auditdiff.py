"""How an audit log differs from what it should be, in words: for tools/audit.py.

chain_problems() reads the log alone (each entry carries its own "index" and "prev", the hex
leaf hash of the entry before it); saved_problems() compares the log with the leaf and content
hashes saved at the last verification. Each names the entries by their index: "entry 17 changed",
"entry 5 missing / dropped", "entries 5 and 6 reordered", "entry inserted at 9".
"""
import bisect
import hashlib
import json

MAX_REPORTS = 20   # past this many, one "and more" line: a rewritten log is one finding anyway


def span(a, b, what):
    return ("entry %d %s" % (a, what)) if a == b else ("entries %d..%d %s" % (a, b, what))


def _index(entry):
    x = entry.get("index") if isinstance(entry, dict) else None
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _prev(entry):
    return entry.get("prev") if isinstance(entry, dict) else None


def chain_problems(entries, hashes):
    """`entries` the decoded entries in log order, `hashes` their leaf hashes."""
    out = []
    n = len(entries)
    at = {}   # index an entry claims -> its first position
    for p in range(n - 1, -1, -1):
        x = _index(entries[p])
        if x is not None:
            at[x] = p

    def link(p):   # the prev an entry at position p must carry
        return hashes[p - 1].hex() if p else ""

    offset = 0          # entries dropped minus entries inserted so far
    done = set()        # positions already explained (the far half of a swap)
    no_prev = set()     # positions whose prev an earlier finding explains
    p = 0
    while p < n and len(out) < MAX_REPORTS:
        if p in done:
            p += 1
            continue
        x, want = _index(entries[p]), p + offset
        if x == want:
            if p not in no_prev and _prev(entries[p]) != link(p):
                out.append("entry %d changed (entry %d's prev is not its leaf hash)"
                           % (want - 1, want))
            p += 1
            continue
        q = at.get(want)   # where the entry that belongs here is
        if x is not None and q is not None and q > p and x == q + offset and \
                _prev(entries[q]) == link(p) and \
                _prev(entries[p]) == (hashes[q] if q == p + 1 else hashes[q - 1]).hex():
            out.append("entries %d and %d reordered" % (want, x))
            done.add(q)
            no_prev.update((p + 1, q + 1))
        elif p + 1 < n and _index(entries[p + 1]) == want and \
                _prev(entries[p + 1]) == link(p):
            out.append("entry inserted at %d" % want)
            offset -= 1
            done.add(p + 1)   # the entry that was here, one place on and linked right
        elif x == want - 1 and p > 0 and _prev(entries[p]) == link(p - 1):
            # the entry before took this one's index and prev: a forgery put in before it
            out.append("entry inserted at %d" % (want - 1))
            offset -= 1
        elif x is not None and x > want:
            out.append(span(want, x - 1, "missing / dropped"))
            offset = x - p
            no_prev.add(p)
        else:
            out.append("entry at position %d claims index %r, expected %d (chain broken)"
                       % (p, x, want))
            if x is not None:
                offset = x - p
            no_prev.add(p + 1)
        p += 1
    if p < n:
        out.append("... and more chain breaks after entry %d" % (p + offset))
    return out


def _next(positions, h, at):
    """The first position of hash h at or after `at`, or None."""
    ps = positions.get(h)
    if not ps:
        return None
    k = bisect.bisect_left(ps, at)
    return ps[k] if k < len(ps) else None


def _positions(hs):
    out = {}
    for i, h in enumerate(hs):
        out.setdefault(h, []).append(i)
    return out


def saved_problems(saved_leaves, saved_contents, now_leaves, now_contents):
    """The current log (its leaf hashes and content hashes, possibly fewer than its tree has)
    against the one saved at the last verification. Entries line up by content, so a log whose
    index and prev fields were rewritten after a drop or a change ("re-chained") still names
    the entry that went, and the re-chained ones as such."""
    out = []
    saved_pos, now_pos = _positions(saved_contents), _positions(now_contents)
    ns, nn = len(saved_contents), len(now_contents)
    rechained = []
    skip_saved, skip_now = set(), set()
    i = j = 0
    while i < ns and j < nn and len(out) < MAX_REPORTS:
        if i in skip_saved:
            i += 1
            continue
        if j in skip_now:
            j += 1
            continue
        if saved_contents[i] == now_contents[j]:
            if saved_leaves[i] != now_leaves[j]:
                rechained.append(i)
            i += 1
            j += 1
            continue
        k = _next(saved_pos, now_contents[j], i + 1)   # where the entry now here was
        ll = _next(now_pos, saved_contents[i], j + 1)  # where the entry saved here is now
        if k is not None and ll is not None and k - i == ll - j:
            out.append("entries %d and %d reordered" % (i, k))
            skip_saved.add(k)
            skip_now.add(ll)
            i += 1
            j += 1
        elif k is not None and (ll is None or k - i <= ll - j):
            out.append(span(i, k - 1, "missing / dropped"))
            i = k
        elif ll is not None:
            out.append("entry inserted at %d" % j if ll - 1 == j else
                       "entries inserted at %d..%d" % (j, ll - 1))
            j = ll
        else:
            out.append("entry %d changed" % i)
            i += 1
            j += 1
    if len(out) >= MAX_REPORTS:
        out.append("... and more differences from the saved log")
    elif i < ns and j >= nn:
        out.append(span(i, ns - 1, "missing / dropped"))
    a = 0
    while a < len(rechained):   # runs of re-chained entries, one line each
        b = a
        while b + 1 < len(rechained) and rechained[b + 1] == rechained[b] + 1:
            b += 1
        out.append(span(rechained[a], rechained[b], "re-chained (index or prev rewritten)"))
        a = b + 1
    return out


def canonical(obj):
    """The leaf bytes of an entry: UTF-8 JSON, keys sorted, no spaces."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(entry, lh):
    """What an entry says apart from its place in the chain (index, prev); the leaf hash `lh`
    when it is not a JSON object."""
    if not isinstance(entry, dict):
        return lh
    rest = dict((k, v) for k, v in entry.items() if k not in ("index", "prev"))
    return hashlib.sha256(canonical(rest)).digest()
