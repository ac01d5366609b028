"""The ledger's rules, kept by PostgreSQL itself so no code path (raw SQL included) can break them.

- ``funds_entry_balanced``: a DEFERRABLE INITIALLY DEFERRED constraint trigger; at commit (or at
  ``SET CONSTRAINTS ALL IMMEDIATE``) every transaction that received entries must sum to zero.
- ``funds_entry_immutable``: a posted entry is never updated or deleted; corrections are reversals.
  (TRUNCATE, which only a test database's flush uses, fires no row trigger.)
django-hordak's ``check_leg`` trigger was the model; see README "Why these packages".
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION funds_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
BEGIN
    SELECT COALESCE(SUM(amount_fen), 0) INTO total FROM funds_entry WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to % fen', NEW.transaction_id, total
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER funds_entry_balanced
    AFTER INSERT ON funds_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION funds_entry_balanced();

CREATE FUNCTION funds_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'posted ledger entries cannot be changed or deleted; post a reversing transaction'
        USING ERRCODE = '23514';
END;
$$;

CREATE TRIGGER funds_entry_immutable
    BEFORE UPDATE OR DELETE ON funds_entry
    FOR EACH ROW EXECUTE FUNCTION funds_entry_immutable();

CREATE TRIGGER funds_transaction_immutable
    BEFORE UPDATE OR DELETE ON funds_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION funds_entry_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS funds_transaction_immutable ON funds_ledgertransaction;
DROP TRIGGER IF EXISTS funds_entry_immutable ON funds_entry;
DROP FUNCTION IF EXISTS funds_entry_immutable();
DROP TRIGGER IF EXISTS funds_entry_balanced ON funds_entry;
DROP FUNCTION IF EXISTS funds_entry_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
