"""The transaction package as the kernel sees it (contract: kernel/PACKAGES.md): the [transaction]
section of system.toml, and attach(k), which builds the ledger service on the disk and hands the
kernel its console command, its health component, its figures and its HTTP routes.
Design note of the ledger: transaction/LEDGER.md.
"""
from kernel import config

NAME = "transaction"

SECTIONS = (
    ("transaction", config.SYSTEM, (
        ("max_concurrent", "max_concurrent", config.int_range(1, 65536), None, 64),
        ("timeout_seconds", "timeout_ms", config.seconds_ms(1, 86400000), config.ms_to_seconds,
         30),
        ("wal_segment_size", "wal_segment_size", config.size(64 * config.KiB, config.GiB, 4096),
         config.size_text, "16MB"),
        ("max_accounts", "max_accounts", config.int_range(1, 100000000), None, 50000),
        ("max_transfers", "max_transfers", config.int_range(1, 1000000000), None, 200000),
    ), None),
)

# `metrics transactions` prints these; the API and /status give every figure of
# LedgerService.transactions().
FIELDS = ("committed", "rejected", "tps", "wal_bytes")
FIGURES_SCHEMA = {"type": "object", "required": list(FIELDS),
                  "additionalProperties": {"type": "number"}}
PROMETHEUS = (
    ("committed", "qenex_transactions_committed_total", "counter",
     "Ledger transactions committed."),
    ("rejected", "qenex_transactions_rejected_total", "counter",
     "Ledger transactions rejected."),
    ("accounts", "qenex_ledger_accounts", "gauge", "Accounts in the ledger."),
    ("transfers", "qenex_ledger_transfers", "gauge", "Transfers in the ledger."),
    ("wal_bytes", "qenex_wal_written_bytes_total", "counter",
     "Bytes written to the write-ahead log."),
    ("checkpoints", "qenex_ledger_checkpoints_total", "counter", "Checkpoints written."),
    ("at_capacity", "qenex_ledger_refused_at_capacity_total", "counter",
     "Requests refused with 507 ledger_full."),
)


def attach(k):
    """Build the LedgerService and hand it to the kernel ``k`` (kernel/packages.Kernel).
    Without a disk the ledger is "not present" (like the disk) and not required by /health;
    the `ledger` command says so."""
    from kernel import commands
    from transaction import api, console, service

    tc = k.cfg["transaction"]
    # [transaction] also holds the API's limits: requests in handlers at once (503 beyond)
    # and the time a request may wait to be durable (504 after it).
    k.http_limits["max_concurrent"] = tc["max_concurrent"]
    k.http_limits["handler_timeout_ms"] = tc["timeout_ms"]
    svc = service.LedgerService(k.sched, k.cfg, k.clock_ns, k.log, heap_free=k.heap_free)
    disk = k.devices.disk if k.devices is not None else None

    def health():
        if disk is None:
            return (commands.NOT_PRESENT, "")
        return svc.health()

    k.add_component("ledger", health, required=disk is not None)
    k.add_command("ledger", console.USAGE, console.HELP, console.command(svc), nargs=0,
                  max_args=2)
    k.add_metrics("transactions", svc.transactions, FIELDS,
                  "ledger: committed, rejected, TPS, log and checkpoint figures",
                  FIGURES_SCHEMA, PROMETHEUS)
    k.add_routes(lambda router: api.LedgerApi(svc, k.ticks_us).install(router))
    k.run_before_prompt("ledger-recovery", lambda: svc.start(disk))
    return svc
