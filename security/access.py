"""Who may do what: the roles, their permissions, and the permission of every HTTP route and
console command, in one place (security/ACCESS.md). Portable.

A route or command that is not in the tables is refused to everyone (tests/host check that
every registered one is listed). ``OPEN`` needs no credential. A permission in ``PRIVILEGED``
also needs a second factor (TOTP/HOTP code or a WebAuthn session: security/auth.py).
"""
OPEN = "open"

PERMISSIONS = (
    ("system.read", "the kernel's status, metrics and configuration"),
    ("system.admin", "the kernel itself: REPL, debug, reboot, halt, self-test, ledger format "
                     "and checkpoints"),
    ("ledger.read", "accounts, balances and transfers"),
    ("ledger.write", "create accounts, move money, post and void pending transfers"),
    ("audit.read", "the audit trail, its signed tree heads and proofs"),
    ("compliance.screen", "screen parties against the sanctions and PEP lists"),
    ("compliance.read", "the lists, cases, customers, AML alerts and reports"),
    ("kyc.write", "create and update customers, link them to accounts"),
    ("compliance.decide", "release or reject held transfers, approve customers, close or "
                          "escalate alerts, replace lists"),
    ("auth.self", "one's own identity, credentials and second factors"),
    ("auth.admin", "principals, roles and credentials of others"),
)
PERMISSION_NAMES = tuple(p[0] for p in PERMISSIONS)
PRIVILEGED = ("auth.admin",)

ROLES = ("admin", "operator", "auditor", "compliance_officer", "service")
ROLE_PERMISSIONS = {
    "admin": PERMISSION_NAMES,
    # A teller: moves money, reads what it moved, onboards customers.
    "operator": ("ledger.read", "ledger.write", "compliance.screen", "kyc.write",
                 "auth.self"),
    # Read-only, with the audit trail, compliance's records and the system's figures.
    "auditor": ("system.read", "ledger.read", "audit.read", "compliance.read", "auth.self"),
    # Screening, cases, customers, alerts and reports; does not move money itself.
    "compliance_officer": ("ledger.read", "audit.read", "compliance.screen",
                           "compliance.read", "kyc.write", "compliance.decide", "auth.self"),
    # A machine client (core banking, a payment gateway): no console, no second factor.
    "service": ("ledger.read", "ledger.write", "compliance.screen", "kyc.write",
                "auth.self"),
}

# (method, path pattern) -> permission. HEAD is served by GET (router.py).
ROUTES = {
    ("GET", "/health"): OPEN,
    ("GET", "/api/v1/openapi.json"): OPEN,
    ("GET", "/status"): "system.read",
    ("GET", "/metrics"): "system.read",
    ("GET", "/api/v1/metrics/{kind}"): "system.read",
    ("GET", "/api/v1/debug/memory"): "system.admin",
    ("POST", "/api/v1/accounts"): "ledger.write",
    ("GET", "/api/v1/accounts/{id}"): "ledger.read",
    ("GET", "/api/v1/accounts/{id}/transfers"): "ledger.read",
    ("POST", "/api/v1/transaction"): "ledger.write",
    ("POST", "/api/v1/transactions"): "ledger.write",
    ("GET", "/api/v1/transactions/{id}"): "ledger.read",
    ("POST", "/api/v1/transactions/{id}/post"): "ledger.write",
    ("POST", "/api/v1/transactions/{id}/void"): "ledger.write",
    # security/api.py
    ("GET", "/api/v1/auth/whoami"): "auth.self",
    ("GET", "/api/v1/auth/permissions"): OPEN,
    ("POST", "/api/v1/auth/keys"): "auth.self",
    ("GET", "/api/v1/auth/keys"): "auth.self",
    ("DELETE", "/api/v1/auth/keys/{key_id}"): "auth.self",
    ("POST", "/api/v1/auth/mfa/totp"): "auth.self",
    ("POST", "/api/v1/auth/mfa/totp/confirm"): "auth.self",
    ("POST", "/api/v1/auth/mfa/hotp"): "auth.self",
    ("POST", "/api/v1/auth/webauthn/register/begin"): "auth.self",
    ("POST", "/api/v1/auth/webauthn/register"): "auth.self",
    ("POST", "/api/v1/auth/webauthn/assert/begin"): "auth.self",
    ("POST", "/api/v1/auth/webauthn/assert"): "auth.self",
    ("GET", "/api/v1/auth/principals"): "auth.admin",
    ("POST", "/api/v1/auth/principals"): "auth.admin",
    ("GET", "/api/v1/auth/principals/{id}"): "auth.admin",
    ("PATCH", "/api/v1/auth/principals/{id}"): "auth.admin",
    ("POST", "/api/v1/auth/principals/{id}/keys"): "auth.admin",
    ("POST", "/api/v1/auth/principals/{id}/unlock"): "auth.admin",
    ("GET", "/api/v1/audit/key"): "audit.read",
    ("GET", "/api/v1/audit/sth"): "audit.read",
    ("GET", "/api/v1/audit/entries"): "audit.read",
    ("GET", "/api/v1/audit/proof/inclusion"): "audit.read",
    ("GET", "/api/v1/audit/proof/consistency"): "audit.read",
    # compliance/api.py
    ("POST", "/api/v1/compliance/screen"): "compliance.screen",
    ("POST", "/api/v1/compliance/screen/batch"): "compliance.screen",
    ("GET", "/api/v1/compliance/lists"): "compliance.read",
    ("PUT", "/api/v1/compliance/lists/{name}"): "compliance.decide",
    ("GET", "/api/v1/compliance/cases"): "compliance.read",
    ("GET", "/api/v1/compliance/cases/{id}"): "compliance.read",
    ("POST", "/api/v1/compliance/cases/{id}/release"): "compliance.decide",
    ("POST", "/api/v1/compliance/cases/{id}/reject"): "compliance.decide",
    ("POST", "/api/v1/compliance/customers"): "kyc.write",
    ("GET", "/api/v1/compliance/customers"): "compliance.read",
    ("GET", "/api/v1/compliance/customers/{id}"): "compliance.read",
    ("POST", "/api/v1/compliance/customers/{id}/accounts"): "kyc.write",
    ("POST", "/api/v1/compliance/customers/{id}/approve"): "compliance.decide",
    ("POST", "/api/v1/compliance/customers/{id}/reject"): "compliance.decide",
    ("POST", "/api/v1/compliance/customers/{id}/suspend"): "compliance.decide",
    ("POST", "/api/v1/compliance/customers/{id}/documents"): "compliance.decide",
    ("POST", "/api/v1/compliance/customers/{id}/screening"): "compliance.decide",
    ("GET", "/api/v1/compliance/alerts"): "compliance.read",
    ("POST", "/api/v1/compliance/alerts/{id}/close"): "compliance.decide",
    ("POST", "/api/v1/compliance/alerts/{id}/escalate"): "compliance.decide",
    ("GET", "/api/v1/compliance/reports/ctr"): "compliance.read",
    ("POST", "/api/v1/compliance/reports/sar"): "compliance.decide",
}

# Console: "command" or "command subcommand" -> permission; the longer form wins.
COMMANDS = {
    "help": OPEN,
    "login": OPEN,
    "logout": OPEN,
    "whoami": OPEN,
    "uptime": OPEN,
    "status": "system.read",
    "metrics": "system.read",
    "tasks": "system.read",
    "config": "system.read",
    "devices": "system.read",
    "entropy": "system.read",
    "disk": "system.read",
    "network": "system.read",
    "debug": "system.admin",
    "python": "system.admin",
    "reboot": "system.admin",
    "halt": "system.admin",
    "selftest": "system.admin",
    "ledger": "ledger.read",
    "ledger account": "ledger.read",
    "ledger verify": "ledger.read",
    "ledger checkpoint": "system.admin",
    "ledger format": "system.admin",
    "audit": "audit.read",
    "audit verify": "audit.read",
    "users": "auth.admin",
    "screening": "compliance.read",
    "screen": "compliance.screen",
    "cases": "compliance.read",
    "alerts": "compliance.read",
}


# What [security] public_monitoring = true opens to callers without a credential (a
# monitoring network that scrapes /metrics); otherwise they need system.read.
MONITORING = (("GET", "/status"), ("GET", "/metrics"), ("GET", "/api/v1/metrics/{kind}"))


def role_allows(role, permission):
    """True if ``role`` holds ``permission`` (OPEN: everyone, even without a role)."""
    if permission == OPEN:
        return True
    return permission in ROLE_PERMISSIONS.get(role, ())


def route_permission(method, pattern, public_monitoring=False):
    """The permission of a route, or None when it is not in the table (refused)."""
    if method == "HEAD":
        method = "GET"
    if public_monitoring and (method, pattern) in MONITORING:
        return OPEN
    return ROUTES.get((method, pattern))


def command_permission(name, args):
    """The permission of a console command line (its name and arguments), or None."""
    if args:
        p = COMMANDS.get(name + " " + args[0])
        if p is not None:
            return p
    return COMMANDS.get(name)


def changes_state(method):
    """Requests the audit trail records: every one that may change state."""
    return method not in ("GET", "HEAD", "OPTIONS")


def table():
    """The whole table as JSON for GET /api/v1/auth/permissions and the OpenAPI document."""
    routes = []
    for (method, pattern) in sorted(ROUTES):
        routes.append({"method": method, "path": pattern,
                       "permission": ROUTES[(method, pattern)]})
    cmds = []
    for name in sorted(COMMANDS):
        cmds.append({"command": name, "permission": COMMANDS[name]})
    roles = {}
    for r in ROLES:
        roles[r] = list(ROLE_PERMISSIONS[r])
    perms = []
    for name, text in PERMISSIONS:
        perms.append({"name": name, "description": text, "privileged": name in PRIVILEGED})
    return {"roles": roles, "permissions": perms, "routes": routes, "commands": cmds}
