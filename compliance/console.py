"""The compliance package's console commands: `screening` (the lists in force), `screen NAME`
(a quick screening) and `cases` (held transfers). Permissions: security/access.py."""
from compliance import cases as _cases
from compliance import screening
from compliance.service import ComplianceError
from transaction.currency import format_amount

try:
    from kernel.lib import time as _time      # CPython: the kernel's module by its path
except ImportError:                             # the kernel: kernel/lib/time.py is `time`
    import time as _time

SCREENING_USAGE = "screening"
SCREENING_HELP = "the sanctions and PEP lists: version, entries, load time, which apply"
SCREEN_USAGE = "screen NAME..."
SCREEN_HELP = "screen a name against the lists in force (at the configured threshold)"
CASES_USAGE = "cases [open|released|rejected|not_created]"
CASES_HELP = "compliance cases: transfers held for review and their decisions"
ALERTS_USAGE = "alerts [open|closed|escalated|sar]"
ALERTS_HELP = "AML alerts: rule, account, amount and the evidence (transfer ids)"


def _when(ns):
    y, mo, d, h, mi, s = _time.gmtime(ns // 1000000000)[:6]
    return "%04d-%02d-%02d %02d:%02d:%02dZ" % (y, mo, d, h, mi, s)


def commands(svc):
    """(name, usage, help, handler, nargs, max_args) of each command."""

    async def screening_cmd(sh, args):
        sh.println("screening: %s; jurisdictions %s; threshold %s; lists that apply: %s" % (
            svc.lists_state() if svc.enabled else "off", ", ".join(svc.screening.jurisdictions),
            "%d.%04d" % (svc.screening.threshold_bp // 10000, svc.screening.threshold_bp % 10000),
            ", ".join(svc.screening.applicable)))
        if svc.loading is not None:
            sh.println("  loading %s" % svc.loading)
        for s in svc.screening.status():
            sh.println("  %-12s %-24s %6d entries %6d names  loaded %s in %d ms (%s)%s" % (
                s["name"], s["version"][:24], s["entries"], s["names"], _when(s["loaded_at"]),
                s["load_ms"], s["origin"], "" if s["applies"] else "  [does not apply]"))
        for name in sorted(svc.load_errors):
            sh.println("  %-12s not loaded: %s" % (name, svc.load_errors[name]))
        if not svc.screening.lists and svc.loading is None:
            sh.println("  no list loaded (boot module lists.tar, or PUT "
                       "/api/v1/compliance/lists/{name})")

    async def screen_cmd(sh, args):
        name = " ".join(args)
        try:
            q = screening.parse_query({"name": name})
            got = svc.screen(q)
        except screening.QueryError as e:
            sh.println("screen: %s" % e.message)
            return
        except ComplianceError as e:
            sh.println("screen: %s" % e.message)
            return
        if not got["matches"]:
            sh.println("no match at or above the threshold (%d candidates on %s)"
                       % (got["candidates"], ", ".join(got["lists"])))
        for m in got["matches"]:
            sh.println("%d.%04d  %-10s %-10s %s" % (m["score"] // 10000, m["score"] % 10000,
                                                   m["list"], m["entry_id"],
                                                   m["matched_name"]))

    async def cases_cmd(sh, args):
        state = args[0] if args else None
        if state is not None and state not in _cases.STATES:
            sh.println("usage: " + CASES_USAGE)
            return
        got, nxt = svc.cases.page(state, None, 50)
        n = svc.cases.counts()
        sh.println("cases: %s" % ", ".join("%d %s" % (n[s], s) for s in _cases.STATES))
        for c in got:
            sh.println("  %s %-11s %-24s %s -> %s %d %s" % (
                c["id"], c["state"], c["transfer_id"][:24], c["debit_account_id"],
                c["credit_account_id"], c["amount"], c["currency"]))
        if nxt is not None:
            sh.println("  ... (more: GET /api/v1/compliance/cases)")

    async def alerts_cmd(sh, args):
        from compliance import aml
        st = args[0] if args else None
        if st is not None and st not in aml.ALERT_STATUSES:
            sh.println("usage: " + ALERTS_USAGE)
            return
        n = svc.monitor.stats()
        sh.println("alerts: %s" % ", ".join("%d %s" % (n[s], s) for s in aml.ALERT_STATUSES))
        got, nxt = svc.monitor.alerts(st, None, None, 50)
        for a in got:
            sh.println("  %s %-9s %-18s %-16s %s %s; evidence %s" % (
                a["id"][:16], a["status"], a["rule"], a["account_id"][:16],
                format_amount(a["amount"], a["currency"]), a["currency"],
                ", ".join(a["evidence"][:4]) + (" ..." if len(a["evidence"]) > 4 else "")))
        if nxt is not None:
            sh.println("  ... (more: GET /api/v1/compliance/alerts)")

    return (
        ("alerts", ALERTS_USAGE, ALERTS_HELP, alerts_cmd, 0, 1),
        ("screening", SCREENING_USAGE, SCREENING_HELP, screening_cmd, 0, 0),
        ("screen", SCREEN_USAGE, SCREEN_HELP, screen_cmd, 1, 16),
        ("cases", CASES_USAGE, CASES_HELP, cases_cmd, 0, 1),
    )
