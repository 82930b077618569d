"""The compliance package's state in the ledger's log (transaction/journals.py, tag ``QXC1``).

Customers and account links (kyc.py), cases (cases.py) and AML alerts (aml.py) change by
records: a record is ``QXC1`` + JSON ``{"p": part, "r": the part's record}``, durable with the
ledger's group commit before the change is answered, applied in log order (also at replay).
A checkpoint carries each part's ``snapshot()`` as one JSON document cut into pieces. A part
is any object with ``apply(record)``, ``snapshot()`` (JSON-able) and ``restore(snapshot)``
(``[]``: empty). Portable.
"""
import json

from transaction import journals

TAG = b"QXC1"
MAX_RECORD = 256 * 1024


class StateError(Exception):
    """A compliance record or section that cannot be applied."""


class ComplianceJournal(journals.Journal):
    tag = TAG

    def __init__(self, parts, log=print):
        self.parts = parts       # name -> part
        self.log = log
        self.records = 0
        self.errors = 0          # records that did not fit the state (said on the console)

    def record(self, part, r):
        assert part in self.parts
        data = TAG + json.dumps({"p": part, "r": r}).encode()
        if len(data) > MAX_RECORD:
            raise ValueError("compliance record of %d bytes (at most %d)"
                             % (len(data), MAX_RECORD))
        return data

    def apply(self, seq, payload):
        d = json.loads(bytes(payload[4:]).decode())
        part = self.parts.get(d.get("p"))
        if part is None:
            raise StateError("unknown compliance record part %r" % d.get("p"))
        try:
            part.apply(d["r"])
        except (ValueError, KeyError, TypeError) as e:
            # The service checks every change under one lock before logging it, so this is a
            # damaged or foreign record: compliance's state must not take the ledger down.
            self.errors += 1
            self.log("compliance: record %d (%s) not applied: %s" % (seq, d.get("p"), e))
            return
        self.records += 1

    def snapshot_pieces(self):
        snap = {}
        for name in self.parts:
            snap[name] = self.parts[name].snapshot()
        return journals.cut(json.dumps(snap).encode())

    def restore(self, pieces):
        data = b"".join(pieces)
        snap = json.loads(data.decode()) if data else {}
        if type(snap) is not dict:
            raise StateError("compliance section is not an object")
        for name in self.parts:
            v = snap.get(name)
            self.parts[name].restore(v if v is not None else [])
