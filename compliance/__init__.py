"""Compliance: sanctions and PEP screening, AML monitoring (kernel/PACKAGES.md)."""
