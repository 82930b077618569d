"""The security package as the kernel sees it (kernel/PACKAGES.md): the [security] and
[access_windows] sections of banking.toml, and attach(k), which builds the SecurityService on
the ledger's log and hands the kernel its HTTP guard, console guard, commands, health,
figures and routes. Design notes: security/AUTH.md, ACCESS.md, AUDIT.md."""
from kernel import config

NAME = "security"


def _window(v, sect):
    from security import windows
    if type(v) is not str:
        raise config.Invalid("expected a window like \"Mon-Fri 07:00-19:00 America/New_York\"")
    try:
        return windows.parse(v)
    except ValueError as e:
        raise config.Invalid(str(e))


def _window_text(w, sect):
    return w.text


def _always_on(v, sect):
    if v is not True:
        raise config.Invalid("the audit trail cannot be turned off (expected true)")
    return v


def _text(most):
    def parse(v, sect):
        if type(v) is not str or not 0 < len(v) <= most or " " in v:
            raise config.Invalid("expected 1..%d characters without spaces" % most)
        return v
    return parse


def _key_hash(v, sect):
    from security import service
    if type(v) is not str:
        raise config.Invalid("expected KEYID$ITERATIONS$SALT$HASH (qenex-cli hash-key)")
    try:
        service.parse_key_hash(v)
    except ValueError as e:
        raise config.Invalid(str(e))
    return v


SECTIONS = (
    ("security", config.BANKING, (
        ("password_min_length", "password_min_length", config.int_range(8, 128), None, 12),
        ("session_timeout_seconds", "session_timeout_seconds", config.int_range(60, 86400), None,
         900),
        ("max_failed_logins", "max_failed_logins", config.int_range(1, 100), None, 5),
        ("lockout_seconds", "lockout_seconds", config.int_range(1, 86400), None, 900),
        ("audit_log", "audit_log", _always_on, None, True),
        ("audit_capacity", "audit_capacity", config.int_range(1000, 10000000), None, 100000),
        ("key_hash_iterations", "key_hash_iterations", config.int_range(1000, 10000000), None,
         100000),
        ("rate_limit", "rate_limit", config.int_range(1, 1000000), None, 5000),
        ("mfa_for_privileged", "mfa_for_privileged", config.boolean, None, True),
        ("public_monitoring", "public_monitoring", config.boolean, None, False),
        ("admin_key_hash", "admin_key_hash", _key_hash, None, None),
        ("webauthn_rp_id", "webauthn_rp_id", _text(253), None, "localhost"),
        ("webauthn_origin", "webauthn_origin", _text(256), None, "http://localhost:8080"),
    ), None),
    ("access_windows", config.BANKING, (
        ("admin", "admin", _window, _window_text, None),
        ("operator", "operator", _window, _window_text, None),
        ("auditor", "auditor", _window, _window_text, None),
        ("compliance_officer", "compliance_officer", _window, _window_text, None),
        ("service", "service", _window, _window_text, None),
    ), None),
)

FIELDS = ("principals", "auth_failures", "denied", "audit_entries")
FIGURES_SCHEMA = {"type": "object", "required": list(FIELDS),
                  "additionalProperties": {"type": "number"}}
PROMETHEUS = (
    ("principals", "qenex_security_principals", "gauge", "Principals (users and services)."),
    ("auth_failures", "qenex_auth_failures_total", "counter",
     "Requests refused for a missing or bad credential or second factor."),
    ("denied", "qenex_access_denied_total", "counter",
     "Requests refused for a permission or an access window."),
    ("audit_entries", "qenex_audit_entries", "gauge", "Entries in the audit trail."),
)


def attach(k):
    """Build the SecurityService on the ledger's log and hand it to the kernel."""
    from kernel import commands
    from security import api, console, service

    ledger = k.services["transaction"]
    wins = {}
    for role, w in k.cfg["access_windows"].items():
        if w is not None:
            wins[role] = w
    svc = service.SecurityService(k.sched, k.cfg, k.clock_ns, k.log, ledger,
                                  k.devices.entropy, wins)
    disk = k.devices.disk if k.devices is not None else None

    def health():
        if disk is None:
            return (commands.NOT_PRESENT, "")
        return svc.health()

    k.add_component("security", health, required=disk is not None)
    for name, usage, help, handler, nargs, most in console.commands(svc):
        k.add_command(name, usage, help, handler, nargs=nargs, max_args=most)
    k.add_metrics("security", svc.figures, FIELDS,
                  "security: principals, authentication failures, denials, audit entries",
                  FIGURES_SCHEMA, PROMETHEUS)
    k.set_http_guard(api.Guard(svc))
    k.set_console_guard(svc.console_guard)
    k.add_routes(lambda router: api.SecurityApi(svc).install(router))
    k.run_before_prompt("security", svc.start)
    return svc
