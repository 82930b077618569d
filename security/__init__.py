"""Security: authentication, access control and the audit trail (kernel/PACKAGES.md)."""
