"""Compliance cases: a transfer held because a party may be on a sanctions list, and what an
officer decided (compliance/SCREENING.md). Portable.

A case is opened (durably) before its transfer is submitted as a pending transfer, so a held
transfer always has its case; if the transfer then fails (insufficient funds, ...) the case is
closed as ``not_created``. An officer releases (the pending transfer is posted) or rejects
(voided) an open case. Every change is a record (``record()``) the service writes to the
ledger's log and ``apply()`` replays; ``snapshot()``/``restore()`` carry the whole state in a
checkpoint.
"""
OPEN = "open"
RELEASED = "released"
REJECTED = "rejected"
NOT_CREATED = "not_created"
STATES = (OPEN, RELEASED, REJECTED, NOT_CREATED)
MAX_NOTE = 1000


class CaseError(Exception):
    def __init__(self, status, code, message, field=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class Cases:
    """The cases by id (``C00000001`` ...), with the open one of each held transfer."""

    def __init__(self, max_cases):
        assert max_cases > 0
        self.max_cases = max_cases
        self.cases = {}          # id -> case dict
        self.by_transfer = {}    # transfer id -> case id, while the case is open
        self.of_transfer = {}    # transfer id -> case id, every case
        self.of_reference = {}   # the held transfer's reference -> case id, every case
        self.next = 1

    def room(self):
        return self.max_cases - len(self.cases)

    # ---- records (what the service logs) -------------------------------------------------

    def open_record(self, transfer, parties, actor, at):
        """The record opening a case for ``transfer`` (an event dict with its id) held for
        ``parties``: [{"side", "account_id", "customer_id", "name", "matches"}]."""
        if self.room() <= 0:
            raise CaseError(507, "cases_full", "the case register holds %d cases; close or "
                            "archive some" % self.max_cases)
        cid = "C%08d" % self.next
        return {"op": "open", "id": cid, "transfer_id": transfer["id"],
                "debit_account_id": transfer["debit_account_id"],
                "credit_account_id": transfer["credit_account_id"],
                "amount": transfer["amount"], "currency": transfer["currency"],
                "reference": transfer.get("reference"), "parties": parties,
                "actor": actor, "at": at}

    def decide_record(self, cid, state, actor, note, at, closing_transfer_id=None):
        c = self.get(cid)
        if c["state"] != OPEN:
            raise CaseError(409, "case_closed", "case %s is %s already" % (cid, c["state"]))
        assert state in (RELEASED, REJECTED, NOT_CREATED)
        if note is not None and (type(note) is not str or len(note) > MAX_NOTE):
            raise CaseError(400, "invalid_field", "note is text of at most %d characters"
                            % MAX_NOTE, "note")
        return {"op": "decide", "id": cid, "state": state, "actor": actor, "note": note,
                "at": at, "closing_transfer_id": closing_transfer_id}

    def apply(self, r):
        if r["op"] == "open":
            c = dict(r)
            del c["op"]
            c["state"] = OPEN
            c["opened_at"] = c.pop("at")
            c["opened_by"] = c.pop("actor")
            c["decided_at"] = None
            c["decided_by"] = None
            c["note"] = None
            c["closing_transfer_id"] = None
            self.cases[c["id"]] = c
            self.by_transfer[c["transfer_id"]] = c["id"]
            self.of_transfer[c["transfer_id"]] = c["id"]
            if c.get("reference"):
                self.of_reference[c["reference"]] = c["id"]
            n = int(c["id"][1:])
            if n >= self.next:
                self.next = n + 1
        elif r["op"] == "decide":
            c = self.cases[r["id"]]
            c["state"] = r["state"]
            c["decided_at"] = r["at"]
            c["decided_by"] = r["actor"]
            c["note"] = r["note"]
            c["closing_transfer_id"] = r["closing_transfer_id"]
            if self.by_transfer.get(c["transfer_id"]) == c["id"]:
                del self.by_transfer[c["transfer_id"]]
        else:
            raise ValueError("unknown case record %r" % r["op"])

    # ---- reads ---------------------------------------------------------------------------

    def get(self, cid):
        c = self.cases.get(cid)
        if c is None:
            raise CaseError(404, "case_not_found", "no case %s" % cid[:64], "id")
        return c

    def case_of(self, ev):
        """The case (any state) that held the transfer ``ev`` retries (same id or
        reference), or None."""
        cid = self.of_transfer.get(ev.get("id")) if "id" in ev else None
        if cid is None and ev.get("reference") is not None:
            cid = self.of_reference.get(ev["reference"])
        return cid

    def open_for(self, transfer_id):
        """The open case holding ``transfer_id``, or None."""
        return self.by_transfer.get(transfer_id)

    def page(self, state=None, after=None, limit=100):
        """Cases in id order after ``after``, only ``state`` if given; (cases, next)."""
        ids = sorted(self.cases)
        out = []
        for cid in ids:
            if after is not None and cid <= after:
                continue
            c = self.cases[cid]
            if state is not None and c["state"] != state:
                continue
            if len(out) >= limit:
                return out, out[-1]["id"]
            out.append(c)
        return out, None

    def counts(self):
        n = {}
        for s in STATES:
            n[s] = 0
        for c in self.cases.values():
            n[c["state"]] += 1
        return n

    # ---- checkpoints ---------------------------------------------------------------------

    def snapshot(self):
        return {"next": self.next, "cases": [self.cases[k] for k in sorted(self.cases)]}

    def restore(self, snap):
        self.cases = {}
        self.by_transfer = {}
        self.of_transfer = {}
        self.of_reference = {}
        self.next = 1
        if not snap:
            return
        self.next = snap["next"]
        for c in snap["cases"]:
            self.cases[c["id"]] = c
            self.of_transfer[c["transfer_id"]] = c["id"]
            if c.get("reference"):
                self.of_reference[c["reference"]] = c["id"]
            if c["state"] == OPEN:
                self.by_transfer[c["transfer_id"]] = c["id"]
