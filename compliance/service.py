"""The compliance service of the booted kernel: the sanctions and PEP lists and screening, the
say of compliance on every transfer the API submits (KYC and screening: go, refuse or hold),
the cases an officer decides, AML monitoring of committed transfers, and the reports.

Its state (customers, cases, alerts) is a journal of the ledger's log (journal.py), durable
before a change is answered. The lists come from the boot module ``lists.tar`` (loaded in the
background after boot) or an upload (PUT /api/v1/compliance/lists/{name}); they are not kept
on the disk: the boot module is where lists are kept across reboots (SCREENING.md). Portable:
the scheduler, the clock and the ledger service are given.
"""
from compliance import bundle, cases, entry, journal, lists, matcher, screening
from compliance import aml, kyc, reporting
from transaction import acid
from transaction import service as _ledger

try:
    from kernel import process
except ImportError:  # pragma: no cover - installed flat
    import process

try:
    from kernel.lib import time as _time      # CPython: the kernel's module by its path
except ImportError:                             # the kernel: kernel/lib/time.py is `time`
    import time as _time

BOOT_MODULE = "lists.tar"
MAX_LIST_BYTES = 64 << 20
SCREEN_CACHE = 4096          # customers whose last screening is kept (per lists version)


class ComplianceError(Exception):
    """An API-level failure: HTTP status, code, message, field."""

    def __init__(self, status, code, message, field=None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


class ComplianceService:
    def __init__(self, sched, cfg, clock_ns, log, ledger, module=None, security=None):
        cc = cfg["compliance"]
        self.sched = sched
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.log = log
        self.ledger = ledger
        self.module = module or (lambda name: None)
        self.security = security
        self.enabled = cc["sanctions_screening"]
        self.require_kyc = cc["require_kyc"]
        self.cash_accounts = tuple(cc["cash_accounts"])
        self.internal_accounts = tuple(cc["internal_accounts"])
        self.screening = screening.Screening(cc["jurisdictions"], cc["screening_threshold_bp"])
        self.kyc = kyc.Kyc(cc["max_customers"], high_risk_countries=cc["high_risk_countries"])
        self.cases = cases.Cases(cc["max_cases"])
        # AML rules of the first jurisdiction (the bank's home), with banking.toml's
        # threshold, currency, cash accounts and high-risk countries laid over them.
        self.aml_params = aml.params(cc["jurisdictions"][0], {
            "currency": cc["aml_currency"], "threshold": cc["aml_threshold_minor"],
            "cash_accounts": list(self.cash_accounts),
            "high_risk_countries": list(cc["high_risk_countries"])})
        self.monitor = aml.Monitor(self.aml_params, max_alerts=cc["max_alerts"])
        self.institution = reporting.institution({"name": cc["institution_name"]})
        self.journal = journal.ComplianceJournal({"kyc": self.kyc, "cases": self.cases,
                                                  "aml": self.monitor}, log)
        self._busy = False         # one change of the compliance state at a time (change())
        ledger.add_journal(self.journal)
        ledger.set_admission(self)
        self.loading = None        # the list being loaded, or None
        self.load_errors = {}      # list name -> the last load's error text
        self._cache = {}           # customer id -> (lists version, customer stamp, matches)
        self.held = 0
        self.refused = 0
        self.aml_errors = 0

    # ---- start and the lists -------------------------------------------------------------

    async def start(self):
        """Before the prompt: nothing to wait for (the journal was replayed with the ledger);
        the boot module's lists load in the background so the boot is not held up."""
        data = self.module(BOOT_MODULE)
        if data:
            # Low priority: requests and the console go first while the lists load.
            self.sched.spawn(self._load_boot(data), "lists-load", priority=process.PRIO_LOW)
        else:
            self.log("compliance: no %s boot module; upload lists with PUT "
                     "/api/v1/compliance/lists/{name}" % BOOT_MODULE)

    async def _load_boot(self, data):
        try:
            files = bundle.read(data)
        except entry.ListError as e:
            self.log("compliance: %s: %s" % (BOOT_MODULE, e))
            return
        data = None
        names = {}
        for path in files:
            if "/" not in path:
                continue
            name, fname = path.split("/", 1)
            names.setdefault(name, {})[fname] = files[path]
        files = None
        for name in self.screening.applicable + sorted(names):
            if name not in names:
                continue
            group = names.pop(name)
            try:
                st = await self.load_list(name, group, "boot")
                self.log("compliance: list %s %s: %d entries in %d ms" % (
                    name, st.data.version, len(st.data.entries), st.load_ms))
            except entry.ListError as e:
                self.log("compliance: list %s not loaded: %s" % (name, e))
        await self._audit({"kind": "system", "event": "lists_loaded",
                           "lists": [s["name"] + " " + s["version"]
                                     for s in self.screening.status()]})

    async def load_list(self, name, files, origin):
        """Load, index and swap in list ``name`` from its files ({name: bytes}); raises
        ListError (the list in force stays). One load at a time."""
        if name not in lists.LOADERS:
            raise entry.ListError(name, 0, "name", "unknown list %s (known: %s)"
                                  % (name, ", ".join(sorted(lists.LOADERS))))
        if self.loading is not None:
            raise ComplianceError(409, "list_loading", "list %s is being loaded; try again "
                                  "when it is in force" % self.loading, "name", 5)
        self.loading = name
        t0 = self.clock_ns()
        sched = self.sched
        try:
            steps = lists.steps(name, files)
            while True:          # the loader yields every few records: others run between
                try:
                    next(steps)
                except StopIteration as e:
                    data = e.value
                    break
                if sched.should_yield():
                    await sched.yield_now()
            steps = None
            idx = matcher.Index()
            for e in data.entries:
                idx.add(e)
                if sched.should_yield():
                    await sched.yield_now()
            idx.finish()
            st = screening.ListState(data, idx, self.clock_ns(), origin,
                                     (self.clock_ns() - t0) // 1000000)
            self.screening.swap(st)
            self._cache = {}
            self.load_errors.pop(name, None)
            return st
        except entry.ListError as e:
            self.load_errors[name] = str(e)
            raise
        finally:
            self.loading = None

    def lists_state(self):
        if self.loading is not None:
            return "loading"
        return "ready" if self.screening.in_force() else "none"

    async def _audit(self, fields):
        """A system event in the audit trail, when there is one (best effort: the request
        that caused it is audited by the guard in any case)."""
        sec = self.security
        if sec is None or getattr(sec, "state", None) != "up":
            return
        try:
            await sec.record(fields)
        except Exception as e:
            self.log("compliance: audit entry not written: %s: %s" % (type(e).__name__, e))

    # ---- screening -----------------------------------------------------------------------

    def screen(self, query, threshold_bp=None, limit=10):
        if not self.screening.in_force():
            if self.loading is not None:
                raise ComplianceError(503, "lists_loading", "the sanctions lists are being "
                                      "loaded (%s)" % self.loading, None, 5)
            raise ComplianceError(503, "no_lists", "no sanctions list is loaded; upload one "
                                  "with PUT /api/v1/compliance/lists/{name}", None, 60)
        return self.screening.screen(query, threshold_bp, limit)

    def screen_customer(self, c):
        """A customer's hits (cached per lists version and customer change)."""
        key = (self.screening.version, c["updated"])
        got = self._cache.get(c["id"])
        if got is not None and got[0] == key:
            return got[1]
        q = {"name": c["name"], "type": c["type"], "country": c.get("country", ""),
             "dob": c.get("dob", ""), "aliases": list(c.get("aliases", ()))}
        hits = self.screen(q)["matches"]
        if len(self._cache) >= SCREEN_CACHE:
            self._cache = {}
        self._cache[c["id"]] = (key, hits)
        return hits

    # ---- changes of the compliance state ---------------------------------------------------

    async def _lock(self):
        """One change at a time: a change is checked against the state, logged, and applied
        when durable; a second change checked in between could no longer apply."""
        while self._busy:
            await self.sched.sleep_ms(1)
        self._busy = True

    def _unlock(self):
        self._busy = False

    async def _log(self, part, rec):
        try:
            await self.ledger.append_journal(self.journal.record(part, rec))
        except _ledger.Unavailable as e:
            raise ComplianceError(503, "ledger_unavailable", str(e), None, 5)
        except (_ledger.Timeout, _ledger.Full, _ledger.AtCapacity) as e:
            raise ComplianceError(503, "ledger_unavailable", "the change was not written: %s"
                                  % e, None, 5)

    async def change(self, part, make):
        """``make()`` -> a record of ``part`` (it checks the change against the state and
        raises if it does not fit), logged durably and applied, under the lock."""
        await self._lock()
        try:
            rec = make()
            await self._log(part, rec)
            return rec
        finally:
            self._unlock()

    # ---- customers (KYC) -----------------------------------------------------------------

    async def upsert_customer(self, obj):
        rec = await self.change("kyc", lambda: self.kyc.upsert(obj, self.clock_ns()))
        cid = rec["c"]["id"]
        await self.screen_and_record(cid)
        return self.kyc.get(cid)

    async def screen_and_record(self, cid):
        """Screen a customer's names now and keep the result on the customer (a hit must be
        resolved before approval); nothing when no list is loaded yet."""
        c = self.kyc.get(cid)
        if c is None or not self.enabled or not self.screening.in_force():
            return None
        hits = self.screen_customer(c)
        detail = ""
        if hits:
            m = hits[0]
            detail = "%s %s %s (%d.%04d)" % (m["list"], m["entry_id"], m["matched_name"],
                                             m["score"] // 10000, m["score"] % 10000)
        if c["screening"] == kyc.SCREEN_CONFIRMED or (
                hits and c["screening"] in (kyc.SCREEN_HIT, kyc.SCREEN_CLEARED)) or (
                not hits and c["screening"] == kyc.SCREEN_CLEAR):
            return hits          # nothing new to record
        await self.change("kyc", lambda: self.kyc.screened(cid, bool(hits), detail[:400],
                                                           self.clock_ns()))
        return hits

    # ---- the ledger's admission (transaction/service.py set_admission) --------------------

    async def admit(self, events, req):
        """A verdict per transfer: None, {"refuse": ...} or {"hold": case_id}."""
        if not self.require_kyc and not self.kyc.holders() and not self.cases.cases:
            return None          # no customer, no case: nothing to say (the ledger's own use)
        verdicts = [None] * len(events)
        any_verdict = False
        actor = _actor(req)
        for i in range(len(events)):
            v = await self._admit_one(events[i], actor)
            if v is not None:
                verdicts[i] = v
                any_verdict = True
        return verdicts if any_verdict else None

    async def _admit_one(self, ev, actor):
        flags = ev.get("flags", 0)
        if flags & (acid.POST_PENDING_TRANSFER | acid.VOID_PENDING_TRANSFER):
            cid = self.cases.open_for(ev.get("pending_id"))
            if cid is not None:
                self.refused += 1
                return {"refuse": (409, "held_for_compliance", "the pending transfer is held "
                                   "by compliance case %s; a compliance officer releases or "
                                   "rejects it" % cid, "pending_id")}
            return None
        cid = self.cases.case_of(ev)
        if cid is not None and self.cases.get(cid)["state"] != cases.NOT_CREATED:
            # A retry of a held transfer: compared as the pending transfer it became (the
            # engine answers it: the same transfer, or 409 for another body).
            ev["flags"] = flags | acid.PENDING
            ev["timeout"] = 0
            ev.setdefault("id", self.cases.get(cid)["transfer_id"])
            return {"hold": cid}
        parties = []
        for side, field in (("debit", "debit_account_id"), ("credit", "credit_account_id")):
            aid = ev.get(field)
            if aid in self.cash_accounts or aid in self.internal_accounts:
                continue
            ok, code, message = self.kyc.can_transact(aid, self.require_kyc)
            if not ok:
                self.refused += 1
                return {"refuse": (403, code, message, field)}
            c = self.kyc.customer_of(aid)
            if c is not None:
                parties.append((side, aid, c))
        if not self.enabled or not parties:
            return None
        hits = []
        for side, aid, c in parties:
            if c["screening"] == kyc.SCREEN_CLEARED:
                continue         # an officer found the hit a false positive
            try:
                found = self.screen_customer(c)
            except ComplianceError as e:
                self.refused += 1
                return {"refuse": (503, "screening_unavailable", "the transfer cannot be "
                                   "screened: %s" % e.message, None)}
            found = [m for m in found if m["list"] in screening.HOLDING_LISTS]
            if found:
                hits.append({"side": side, "account_id": aid, "customer_id": c["id"],
                             "name": c["name"], "matches": found[:3]})
        if not hits or self._existing(ev) is not None:
            return None          # a retry of a transfer that went through: the engine answers
        await self._lock()
        try:
            if "id" not in ev:
                ev["id"] = "held-C%08d" % self.cases.next
            ev["flags"] = flags | acid.PENDING
            ev["timeout"] = 0
            rec = self.cases.open_record(ev, hits, actor, self.clock_ns())
            await self._log("cases", rec)
        finally:
            self._unlock()
        self.held += 1
        return {"hold": rec["id"]}

    def _existing(self, ev):
        """The transfer ``ev`` is a retry of (same id or reference), or None."""
        led = self.ledger.ledger
        if "id" in ev:
            got = led.lookup_transfers([ev["id"]])
            if got:
                return got[0]
        if "reference" in ev:
            return led.lookup_reference(ev["reference"])
        return None

    async def committed(self, events, results, verdicts):
        """After the engine answered: a held transfer that was not created closes its case;
        committed transfers go to AML monitoring (in the background)."""
        done = []
        for i in range(len(events)):
            code = results[i][1]
            v = verdicts[i]
            if v is not None and "hold" in v and code not in (acid.OK, acid.EXISTS):
                try:
                    await self._decide(v["hold"], cases.NOT_CREATED, "system",
                                       "the transfer was not created: %s" % code)
                except Exception as e:
                    self.log("compliance: case %s not closed: %s" % (v["hold"], e))
            elif code == acid.OK and self._monitored(events[i]):
                done.append(events[i]["id"])
        if done:
            self.sched.spawn(self._monitor(done), "aml", priority=process.PRIO_LOW)

    def _monitored(self, ev):
        """AML watches customers' accounts: a transfer with a KYC-linked account on a side."""
        if not self.kyc.holders():
            return False
        return self.kyc.holder(ev.get("debit_account_id")) is not None or \
            self.kyc.holder(ev.get("credit_account_id")) is not None

    # ---- AML monitoring --------------------------------------------------------------------

    async def _monitor(self, ids):
        for tid in ids:
            try:
                for alert in self.evaluate(tid):
                    await self.change("aml", lambda a=alert: self.monitor.open(a))
            except Exception as e:
                self.aml_errors += 1
                self.log("compliance: AML check of %s failed: %s: %s"
                         % (tid, type(e).__name__, e))
            await self.sched.sleep_ms(0)

    def evaluate(self, tid):
        """The new alerts transfer ``tid`` raises on each of its accounts (aml.py's rules
        over the account's history in the ledger)."""
        led = self.ledger.ledger
        found = led.lookup_transfers([tid])
        if not found:
            return []
        t = found[0]
        out = []
        window = self.monitor.window_ns()
        for field, other in (("debit_account_id", "credit_account_id"),
                             ("credit_account_id", "debit_account_id")):
            aid = t[field]
            if aid in self.cash_accounts or aid in self.internal_accounts:
                continue
            got = led.get_account_transfers(aid, aml.MAX_HISTORY, t["timestamp"] + 1,
                                            max(0, t["timestamp"] - window - 1), True)
            history = got[0] if got else []
            prev = led.get_account_transfers(aid, 1, t["timestamp"], None, True)
            c = self.kyc.customer_of(aid)
            oc = self.kyc.customer_of(t[other])
            meta = {"customer_id": c["id"] if c else "", "country": c["country"] if c else "",
                    "counterparty_country": oc["country"] if oc else "",
                    "last_activity": prev[0][0]["timestamp"] if prev and prev[0] else None}
            for a in self.monitor.evaluate(aid, t, history, meta):
                if self.monitor.get(a["id"]) is None:
                    out.append(a)
        return out

    # ---- cases ---------------------------------------------------------------------------

    async def _decide(self, cid, state, actor, note, closing=None):
        await self.change("cases", lambda: self.cases.decide_record(
            cid, state, actor, note, self.clock_ns(), closing))
        return self.cases.get(cid)

    async def decide(self, cid, release, actor, note=None):
        """An officer's decision: post (release) or void (reject) the held transfer, then
        close the case. A retry after a crash in between finds the transfer posted/voided
        already and closes the case."""
        c = self.cases.get(cid)
        if c["state"] != cases.OPEN:
            raise cases.CaseError(409, "case_closed", "case %s is %s already"
                                  % (cid, c["state"]))
        if note is not None and (type(note) is not str or len(note) > cases.MAX_NOTE):
            raise cases.CaseError(400, "invalid_field", "note is text of at most %d "
                                  "characters" % cases.MAX_NOTE, "note")
        flag = acid.POST_PENDING_TRANSFER if release else acid.VOID_PENDING_TRANSFER
        ev = {"pending_id": c["transfer_id"], "flags": flag,
              "id": "%s-%s" % (c["transfer_id"][:50], "post" if release else "void")}
        try:
            results = await self.ledger.submit(_ledger.CREATE_TRANSFERS, [ev])
        except (_ledger.Unavailable, _ledger.Timeout, _ledger.Full, _ledger.AtCapacity) as e:
            raise ComplianceError(503, "ledger_unavailable", str(e), None, 5)
        code = results[0][1]
        done = acid.PENDING_TRANSFER_ALREADY_POSTED if release \
            else acid.PENDING_TRANSFER_ALREADY_VOIDED
        if code not in (acid.OK, acid.EXISTS, done):
            raise ComplianceError(409, code, "the ledger refused to %s transfer %s: %s"
                                  % ("post" if release else "void", c["transfer_id"], code),
                                  "id")
        if release and code == acid.OK:
            self.sched.spawn(self._monitor([ev["id"]]), "aml", priority=process.PRIO_LOW)
        return await self._decide(cid, cases.RELEASED if release else cases.REJECTED, actor,
                                  note, ev["id"])

    # ---- reports -------------------------------------------------------------------------

    async def ctr(self, day):
        """CTR drafts of business day ``day`` (YYYY-MM-DD, UTC): the cash accounts' transfers
        of that day, aggregated per customer (reporting.py)."""
        y, m, d = int(day[:4]), int(day[5:7]), int(day[8:10])
        start = _time.timegm((y, m, d, 0, 0, 0, 0, 0, 0)) * 1000000000
        end = start + 86400 * 1000000000
        led = self.ledger.ledger
        transfers = []
        for acc in self.cash_accounts:
            cursor = start - 1
            while True:
                got = led.get_account_transfers(acc, 8190, end, cursor, False)
                if got is None:
                    break
                transfers.extend(got[0])
                if len(transfers) > reporting.MAX_TRANSFERS:
                    raise ComplianceError(422, "report_too_large", "more than %d cash "
                                          "transfers on %s" % (reporting.MAX_TRANSFERS, day))
                if got[1] is None:
                    break
                cursor = got[1]
                await self.sched.sleep_ms(0)
        return reporting.ctr_reports(transfers, self.kyc.customer_of, self.cash_accounts,
                                     self.institution, self.aml_params["currency"],
                                     self.aml_params["threshold"])

    def sar(self, alert_ids):
        """A SAR draft from alerts (reporting.py), with their evidence from the ledger."""
        alerts = []
        ids = []
        for aid in alert_ids:
            a = self.monitor.get(aid)
            if a is None:
                raise ComplianceError(404, "alert_not_found", "no alert %s" % aid[:64],
                                      "alert_ids")
            alerts.append(a)
            for t in a["evidence"]:
                if t not in ids:
                    ids.append(t)
        transfers = self.ledger.ledger.lookup_transfers(ids)
        return reporting.sar_draft(alerts, transfers, self.kyc.get, self.institution,
                                   self.aml_params["currency"], self.cash_accounts)

    # ---- figures -------------------------------------------------------------------------

    def health(self):
        """Up once the journal is replayed. The lists' state is in the detail, not the
        state: /health stays 200 while they load after boot (a minute under TCG) or when
        there are none, and screening answers 503 lists_loading / no_lists itself."""
        if not self.enabled:
            return ("up", "screening off ([compliance] sanctions_screening = false)")
        st = self.lists_state()
        n = len(self.screening.in_force())
        if st == "loading":
            return ("up", "loading list %s (%d in force)" % (self.loading, n))
        if st == "none":
            return ("up", "no sanctions list loaded: screening answers 503")
        return ("up", "%d open cases; lists: %s" % (self.cases.counts()[cases.OPEN], ", ".join(
            "%s %s (%d)" % (s.data.name, s.data.version[:16], len(s.data.entries))
            for s in self.screening.in_force())))

    def figures(self):
        entries = 0
        for st in self.screening.in_force():
            entries += len(st.data.entries)
        counts = self.cases.counts()
        return {"lists": len(self.screening.in_force()), "list_entries": entries,
                "screenings": self.screening.screenings, "screening_hits": self.screening.hits,
                "held": self.held, "refused": self.refused, "cases_open": counts[cases.OPEN],
                "customers": len(self.kyc), "alerts_open": self.monitor.stats()["open"],
                "aml_errors": self.aml_errors}


def _actor(req):
    who = getattr(req, "who", None) if req is not None else None
    return who.principal.id if who is not None else "system"


__all__ = ("ComplianceService", "ComplianceError", "reporting")
