"""The security package as the kernel sees it (kernel/PACKAGES.md). So far its configuration:
the [security] section of banking.toml, validated at boot; the service that reads it (log-in,
sessions, the audit trail) attaches here when it exists."""
from kernel import config

NAME = "security"

SECTIONS = (
    ("security", config.BANKING, (
        ("password_min_length", "password_min_length", config.int_range(8, 128), None, 12),
        ("session_timeout_seconds", "session_timeout_seconds", config.int_range(60, 86400), None,
         900),
        ("max_failed_logins", "max_failed_logins", config.int_range(1, 100), None, 5),
        ("audit_log", "audit_log", config.boolean, None, True),
    ), None),
)
