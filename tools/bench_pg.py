#!/usr/bin/env python3
"""The PostgreSQL baseline of the ledger benchmark: PostgreSQL 15 (Debian) started in a temporary
folder on a Unix socket, the double-entry transfer of tools/bench/pg_ledger.sql (same checks as
the QENEX ledger, idempotency by id, synchronous_commit=on), driven by pgbench: single transfers
at 1/16/64 connections and batches of 8,190 in one transaction.

    python3 tools/bench_pg.py            # prints the figures
`make bench` imports run() and prints the kernel's figures over these as ratios.
"""
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SQL = os.path.join(REPO, "tools", "bench", "pg_ledger.sql")
ACCOUNTS = 10000
SECONDS = 5
BATCH = 8190
CONNECTIONS = (1, 16, 64)

SINGLE = """\\set a random(1, %(accounts)d)
\\set b random(1, %(accounts)d)
\\set id random(1, 9000000000000000000)
SELECT transfer('t' || :id, 'ACC' || :a, 'ACC' || :b, 1, 'USD');
"""
BATCHED = """\\set id random(1, 9000000000000000000)
SELECT transfer_batch('b' || :id, %(batch)d, %(accounts)d);
"""


def pg_bin():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not dirs:
        raise SystemExit("bench_pg: PostgreSQL is not installed (make bench installs postgresql)")
    return dirs[-1]


def as_postgres(cmd, **kw):
    """PostgreSQL refuses to run as root: run its tools as the postgres user."""
    name = os.path.basename(cmd[0])
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    kw.setdefault("capture_output", True)
    r = subprocess.run(cmd, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (name, r.returncode,
                                                 (r.stderr or r.stdout or "").strip()[-800:]))
    return r


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100.0))]


def pgbench(bindir, sockdir, workdir, script, clients, seconds):
    path = os.path.join(workdir, "script-%d.sql" % clients)
    with open(path, "w") as f:
        f.write(script)
    os.chmod(path, 0o644)
    for old in glob.glob(os.path.join(workdir, "pgbench_log*")):
        os.remove(old)
    out = as_postgres([os.path.join(bindir, "pgbench"), "-h", sockdir, "-n", "-c", str(clients),
                       "-j", str(min(clients, 2)), "-T", str(seconds), "-f", path, "-l",
                       "postgres"], cwd=workdir).stdout
    lat_us = []
    for log in glob.glob(os.path.join(workdir, "pgbench_log*")):
        with open(log) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    lat_us.append(int(parts[2]))
    tps = float([ln for ln in out.splitlines() if ln.startswith("tps =")][0].split()[2])
    return tps, percentile(lat_us, 50) / 1000.0, percentile(lat_us, 99) / 1000.0, len(lat_us)


def run(seconds=SECONDS, accounts=ACCOUNTS, batch=BATCH, connections=CONNECTIONS):
    """{"single": {conns: (tps, p50 ms, p99 ms)}, "batch": (transfers/s, p50 ms, p99 ms)}"""
    subst = {"accounts": accounts, "batch": batch}
    bindir = pg_bin()
    work = tempfile.mkdtemp(prefix="qenex-pg-")
    pw = pwd.getpwnam("postgres")
    os.chown(work, pw.pw_uid, pw.pw_gid)
    data = os.path.join(work, "data")
    try:
        as_postgres([os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres"],
                    capture_output=True)
        as_postgres([os.path.join(bindir, "pg_ctl"), "-D", data, "-l", os.path.join(work, "log"),
                     "-w", "-o", "-k %s -c listen_addresses='' -c synchronous_commit=on "
                           "-c fsync=on -c max_connections=100" % work, "start"],
                    capture_output=True)
        psql = [os.path.join(bindir, "psql"), "-h", work, "-U", "postgres", "-q", "-v",
                "ON_ERROR_STOP=1"]
        as_postgres(psql + ["-f", SQL], capture_output=True)
        as_postgres(psql + ["-c", "INSERT INTO accounts (id, currency, credits_posted, "
                            "debits_must_not_exceed_credits) SELECT 'ACC' || g, 'USD', "
                            "1000000000000, true FROM generate_series(1, %d) g" % accounts],
                    capture_output=True)
        single = {}
        for c in connections:
            tps, p50, p99, _ = pgbench(bindir, work, work, SINGLE % subst, c, seconds)
            single[c] = (tps, p50, p99)
        btps, bp50, bp99, _ = pgbench(bindir, work, work, BATCHED % subst, 1, seconds * 2)
        return {"single": single, "batch": (btps * batch, bp50, bp99)}
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(bindir, "pg_ctl"), "-D",
                        data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def main():
    r = run()
    print("PostgreSQL %s, synchronous_commit=on, %d accounts, %d s per run (pgbench)"
          % (os.path.basename(os.path.dirname(pg_bin())), ACCOUNTS, SECONDS))
    for c, (tps, p50, p99) in sorted(r["single"].items()):
        print("   single transfers, %2d connections: %8.0f TPS  p50 %6.2f ms  p99 %6.2f ms"
              % (c, tps, p50, p99))
    tps, p50, p99 = r["batch"]
    print("   batches of %d, 1 connection:   %8.0f TPS  p50 %6.1f ms  p99 %6.1f ms per batch"
          % (BATCH, tps, p50, p99))


if __name__ == "__main__":
    sys.exit(main())
