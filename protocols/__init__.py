"""Banking message formats: SWIFT MT, ISO 20022, SEPA, Fedwire, ACH (kernel/PACKAGES.md)."""
