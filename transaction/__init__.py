"""The ledger: transaction/engine.py (the state machine), acid.py (its rules and invariants),
currency.py (ISO 4217 and exact amounts), wal.py and recovery.py (durability).

Nothing is imported here, so `import transaction.wal` does not load the engine."""
