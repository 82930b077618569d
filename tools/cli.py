#!/usr/bin/env python3
"""qenex-cli: the kernel's console figures from the host, over the HTTP API.

    qenex-cli [--url URL] [--key KEY] [--json] [--timeout S] status
    qenex-cli [--url URL] [--key KEY] [--json] metrics cpu|memory|transactions|security|compliance
    qenex-cli [--url URL] [--key KEY] [--json] debug memory
    qenex-cli hash-key            # a new admin key and its banking.toml admin_key_hash

The key (an API key of a role with system.read; debug needs system.admin) comes from --key or
the environment variable QENEX_API_KEY.

Tables for people, --json for scripts. Exit codes: 0 ok, 2 usage, 3 the kernel cannot be
reached, 4 the kernel answered with an error, 5 the answer is not what the API promises,
6 (status only) a component is down.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8080"
EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_HTTP, EXIT_BAD_ANSWER, EXIT_DOWN = 0, 2, 3, 4, 5, 6


class CliError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def fetch(url, path, timeout, key=None):
    req = urllib.request.Request(url.rstrip("/") + path)
    if key:
        req.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
        if status != 503:  # /health and /status answer 503 with a body when a component is down
            msg = body.decode(errors="replace")
            try:
                msg = json.loads(body)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                pass
            raise CliError(EXIT_HTTP, "%s: HTTP %d: %s" % (path, status, msg))
    except (urllib.error.URLError, OSError) as e:
        raise CliError(EXIT_UNREACHABLE, "cannot reach the kernel at %s: %s"
                       % (url, getattr(e, "reason", e)))
    try:
        return status, json.loads(body)
    except ValueError:
        raise CliError(EXIT_BAD_ANSWER, "%s: the answer is not JSON" % path)


def size(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return "%d %s" % (n, unit) if unit == "B" else "%.1f %s" % (n, unit)
        n /= 1024.0


def table(rows):
    width = max(len(k) for k, _ in rows) if rows else 0
    return "\n".join("%-*s  %s" % (width, k, v) for k, v in rows)


def show_status(doc):
    rows = [("system", "%s %s" % (doc.get("system", "?"), doc.get("version", ""))),
            ("uptime", "%s s" % doc.get("uptime_seconds", "?"))]
    for name, comp in sorted(doc.get("components", {}).items()):
        rows.append((name, comp.get("status", "?") if isinstance(comp, dict) else comp))
    return table(rows)


def show_metrics(kind, doc):
    if kind == "memory":
        return table([(k.replace("_bytes", ""), size(v)) for k, v in doc.items()])
    if kind == "cpu":
        return table([("busy", "%.1f%%" % doc["busy_percent"]),
                      ("idle", "%.1f%%" % doc["idle_percent"]),
                      ("busy time", "%.1f ms" % (doc["busy_us"] / 1000.0)),
                      ("idle time", "%.1f ms" % (doc["idle_us"] / 1000.0)),
                      ("interrupts", doc["interrupts"]), ("timer ticks", doc["timer_ticks"]),
                      ("tasks", doc["tasks"])])
    return table([(k, v) for k, v in doc.items()])


def show_debug_memory(doc):
    lines = ["memory map:"]
    for r in doc["regions"]:
        lines.append("  0x%010x-0x%010x %12s  %s" % (r["base"], r["base"] + r["length"] - 1,
                                                  size(r["length"]), r["type"]))
    k, h, p, d = doc["kernel"], doc["heap"], doc["paging"], doc["dma"]
    lines.append(table([
        ("kernel image", "0x%x-0x%x (%s)" % (k["start"], k["end"], size(k["end"] - k["start"]))),
        ("heap", "%s used, %s free of %s" % (size(h["used"]), size(h["free"]), size(h["total"]))),
        ("page tables", "%d x 4 KiB + %d x 2 MiB pages (%s), %d of %d table pages" % (
            p["pages_4k"], p["pages_2m"], size(p["mapped_bytes"]), p["table_pages"],
            p["table_pages_max"])),
        ("dma", "%s of %s" % (size(d["used"]), size(d["limit"]))),
    ]))
    return "\n".join(lines)


def hash_key(iterations=100000):
    """A new API key and the banking.toml admin_key_hash that stores it (security/AUTH.md):
    KEYID$ITERATIONS$SALT$HASH, PBKDF2-HMAC-SHA256 over the key's secret part."""
    import hashlib
    import secrets
    kid = secrets.token_hex(8)
    secret = secrets.token_hex(32)
    salt = secrets.token_bytes(16)
    h = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    return "qx_%s_%s" % (kid, secret), "%s$%d$%s$%s" % (kid, iterations, salt.hex(), h.hex())


def run(args):
    if args.command == "hash-key":
        key, line = hash_key()
        print("api key (give it to the first administrator; shown once): %s" % key)
        print("banking.toml [security]: admin_key_hash = \"%s\"" % line)
        return EXIT_OK
    key = args.key or os.environ.get("QENEX_API_KEY")
    if args.command == "status":
        status, doc = fetch(args.url, "/status", args.timeout, key)
        text = show_status(doc)
        code = EXIT_DOWN if status == 503 else EXIT_OK
    elif args.command == "metrics":
        status, doc = fetch(args.url, "/api/v1/metrics/" + args.what, args.timeout, key)
        text = show_metrics(args.what, doc)
        code = EXIT_OK
    else:
        status, doc = fetch(args.url, "/api/v1/debug/memory", args.timeout, key)
        text = show_debug_memory(doc)
        code = EXIT_OK
    print(json.dumps(doc, indent=2, sort_keys=True) if args.json else text)
    return code


def parser():
    p = argparse.ArgumentParser(prog="qenex-cli", description="QENEX OS figures over the HTTP API")
    p.add_argument("--url", default=DEFAULT_URL, help="the kernel's API (default %(default)s)")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds (default %(default)s)")
    p.add_argument("--key", help="API key (default: $QENEX_API_KEY)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="components and uptime")
    m = sub.add_parser("metrics", help="cpu, memory or transaction figures")
    m.add_argument("what", choices=("cpu", "memory", "transactions", "security", "compliance"))
    d = sub.add_parser("debug", help="memory details")
    d.add_argument("what", choices=("memory",))
    sub.add_parser("hash-key", help="a new admin key and its banking.toml admin_key_hash")
    return p


def main(argv=None):
    try:
        args = parser().parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    try:
        return run(args)
    except CliError as e:
        print("qenex-cli: %s" % e, file=sys.stderr)
        return e.code
    except (KeyError, TypeError, ValueError) as e:
        print("qenex-cli: unexpected answer from the kernel: %r" % e, file=sys.stderr)
        return EXIT_BAD_ANSWER


if __name__ == "__main__":
    sys.exit(main())
