"""The ledger's console command: `ledger`, `ledger account ID`, `ledger verify`,
`ledger checkpoint`, `ledger format` (attached by transaction/package.py)."""
from kernel import commands
from transaction import acid
from transaction.currency import format_amount

USAGE = "ledger [status | account ID | verify | checkpoint | format]"
HELP = "the ledger: state, an account, verification"


def command(svc):
    """The handler of `ledger` for the service ``svc``."""
    async def cmd_ledger(sh, args):
        sub = args[0] if args else "status"
        if sub == "status" and len(args) <= 1:
            _status(sh, svc)
        elif sub == "account" and len(args) == 2:
            _account(sh, svc, args[1])
        elif sub == "verify" and len(args) == 1:
            await _verify(sh, svc)
        elif sub == "checkpoint" and len(args) == 1:
            svc.check_up()
            r = await svc.checkpoint()
            sh.println("ledger: checkpoint %d bytes at record %d (area %d, generation %d) in "
                       "%d ms" % (r["bytes"], r["seq"], r["area"], r["generation"], r["ms"]))
        elif sub == "format" and len(args) == 1:
            # Only a disk that holds no ledger: a ledger's disk is never formatted over.
            if svc.state != "down" or svc.reason.find("not a ledger") < 0 or svc.disk is None:
                sh.println("error: only a disk that holds no ledger is formatted (the ledger "
                           "is %s)" % svc.status())
                return
            await svc.start(svc.disk, format_foreign=True)
            sh.println("ledger: %s" % svc.status())
        else:
            raise commands.UsageError(USAGE)
    return cmd_ledger


def _status(sh, svc):
    sh.println("ledger: %s" % svc.status())
    if svc.state != "up":
        return
    t = svc.transactions()
    sh.println("accounts %d, transfers %d (%d pending); committed %d, rejected %d, "
               "duplicates %d" % (t["accounts"], t["transfers"], t["pending"], t["committed"],
                                  t["rejected"], t["exists"]))
    u = svc.store.usage()
    sh.println("log: %d records, %d groups, %d bytes written; %d of %d bytes in use; "
               "%d checkpoints" % (t["wal_records"], t["wal_groups"], t["wal_bytes"], u["used"],
                                   u["ring"], t["checkpoints"]))
    sh.println("capacity: %d accounts, %d transfers; %d requests refused at capacity"
               % (t["max_accounts"], t["max_transfers"], t["at_capacity"]))
    b = svc.last_batch
    if b is not None:
        sh.println("last batch: %d transfers, %d bytes: receive %d ms, parse %d ms, validate %d "
                   "ms, log + apply %d ms, answer %d ms" % (
                       b["items"], b["bytes"], b["receive_ms"], b["parse_ms"], b["validate_ms"],
                       b["commit_ms"], b["answer_ms"]))
    r = svc.report
    if r is not None:
        torn = r.get("torn")
        sh.println("boot: replayed %d records in %d ms, warm-up %d ms%s" % (
            svc.replayed, svc.replay_ms, svc.warm_ms,
            "; torn tail cut at segment %d offset %d (seq %d)" % (
                torn["segment"], torn["offset"], torn["seq"]) if torn else ""))


def _account(sh, svc, aid):
    svc.check_up()
    found = svc.ledger.lookup_accounts([aid])
    if not found:
        sh.println("error: no account %s" % aid[:64])
        return
    a = found[0]
    cur = a["currency"]

    def money(v):
        return "%s %s" % (format_amount(v, cur), cur)
    sh.println("account %s (%s)" % (a["id"], cur))
    sh.println("  balance   %s (credits posted - debits posted)"
               % money(a["credits_posted"] - a["debits_posted"]))
    sh.println("  available %s" % money(a["credits_posted"] - a["debits_posted"] -
                                        a["debits_pending"]))
    sh.println("  debits    posted %s, pending %s" % (money(a["debits_posted"]),
                                                     money(a["debits_pending"])))
    sh.println("  credits   posted %s, pending %s" % (money(a["credits_posted"]),
                                                     money(a["credits_pending"])))
    flags = acid.flag_names(a["flags"], "account")
    sh.println("  flags     %s" % (", ".join(flags) if flags else "none"))


async def _verify(sh, svc):
    try:
        problems, f = await svc.verify()
    except Exception as e:
        sh.println("ledger verify: FAILED: %s" % commands.exc_text(e))
        return
    if problems:
        sh.println("ledger verify: FAILED: %d problems" % len(problems))
        for p in problems[:20]:
            sh.println("  " + p)
        return
    sh.println("ledger verify: ok (%d accounts, %d transfers; balances recomputed from the "
               "transfers; state rebuilt from the checkpoint at record %d and %d log records "
               "matches the live state at record %d)" % (f["accounts"], f["transfers"],
                                                          f["checkpoint_seq"], f["records"],
                                                          f["seq"]))
