-- The double-entry transfer that `make bench` runs on PostgreSQL as the baseline for the QENEX
-- ledger: the same checks (accounts exist, same currency, positive amount, balance limit,
-- idempotency by id) and durability (synchronous_commit = on).
CREATE TABLE accounts (
    id text PRIMARY KEY,
    currency char(3) NOT NULL,
    debits_posted bigint NOT NULL DEFAULT 0,
    credits_posted bigint NOT NULL DEFAULT 0,
    debits_must_not_exceed_credits boolean NOT NULL DEFAULT false
);
CREATE TABLE transfers (
    id text PRIMARY KEY,                      -- the idempotency key
    debit_account_id text NOT NULL REFERENCES accounts(id),
    credit_account_id text NOT NULL REFERENCES accounts(id),
    amount bigint NOT NULL CHECK (amount > 0),
    currency char(3) NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION transfer(p_id text, p_debit text, p_credit text, p_amount bigint, p_currency char(3))
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d accounts%ROWTYPE;
    c accounts%ROWTYPE;
    prior transfers%ROWTYPE;
BEGIN
    SELECT * INTO prior FROM transfers WHERE id = p_id;
    IF FOUND THEN
        IF prior.debit_account_id = p_debit AND prior.credit_account_id = p_credit
           AND prior.amount = p_amount AND prior.currency = p_currency THEN
            RETURN 'exists';
        END IF;
        RETURN 'exists_with_different_fields';
    END IF;
    IF p_amount <= 0 THEN RETURN 'amount_must_not_be_zero'; END IF;
    IF p_debit = p_credit THEN RETURN 'accounts_must_be_different'; END IF;
    -- lock both rows in a fixed order: no deadlocks between opposite transfers
    PERFORM 1 FROM accounts WHERE id IN (p_debit, p_credit) ORDER BY id FOR UPDATE;
    SELECT * INTO d FROM accounts WHERE id = p_debit;
    IF NOT FOUND THEN RETURN 'debit_account_not_found'; END IF;
    SELECT * INTO c FROM accounts WHERE id = p_credit;
    IF NOT FOUND THEN RETURN 'credit_account_not_found'; END IF;
    IF d.currency <> p_currency OR c.currency <> p_currency THEN RETURN 'currency_mismatch'; END IF;
    IF d.debits_must_not_exceed_credits AND d.debits_posted + p_amount > d.credits_posted THEN
        RETURN 'exceeds_credits';
    END IF;
    UPDATE accounts SET debits_posted = debits_posted + p_amount WHERE id = p_debit;
    UPDATE accounts SET credits_posted = credits_posted + p_amount WHERE id = p_credit;
    INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency)
        VALUES (p_id, p_debit, p_credit, p_amount, p_currency);
    RETURN 'ok';
END $$;

-- A batch in one transaction (one commit, one WAL flush), like POST /api/v1/transactions.
CREATE FUNCTION transfer_batch(p_prefix text, p_n int, p_accounts int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    ok int := 0;
    a int;
    b int;
BEGIN
    FOR i IN 1..p_n LOOP
        a := 1 + (i * 7919) % p_accounts;
        b := 1 + (i * 104729 + 1) % p_accounts;
        IF a = b THEN b := 1 + b % p_accounts; END IF;
        IF transfer(p_prefix || '-' || i, 'ACC' || a, 'ACC' || b, 1 + i % 1000, 'USD') = 'ok' THEN
            ok := ok + 1;
        END IF;
    END LOOP;
    RETURN ok;
END $$;
