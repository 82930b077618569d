"""Fraud and risk scoring (kernel/PACKAGES.md)."""
