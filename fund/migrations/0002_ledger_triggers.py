"""The database itself refuses a broken ledger, whatever code talks to it.

PostgreSQL:
- a deferred constraint trigger checks at commit that each entry's postings balance per
  currency, and that every entry has postings;
- posting currency must equal its account's currency (checked at insert);
- UPDATE and DELETE of entries and postings are rejected. TRUNCATE is not: it is a
  table-wide administrative act (Django's test flush uses it), not an edit of a record.

SQLite (development and the fast test run): the same rejection of UPDATE and DELETE, and the
currency check. It has no deferred triggers, so per-entry balance is left to the services
and to ``ledger_verify``.

Errors are raised as integrity violations (SQLSTATE class 23 / SQLITE_CONSTRAINT), which
Django surfaces as ``IntegrityError``.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION fund_entry_check_balanced() RETURNS trigger AS $$
    DECLARE
        the_entry bigint;
        bad record;
    BEGIN
        IF TG_TABLE_NAME = 'fund_journalentry' THEN
            the_entry := NEW.id;
            IF NOT EXISTS (SELECT 1 FROM fund_posting WHERE fund_posting.entry_id = NEW.id) THEN
                RAISE EXCEPTION 'journal entry % has no postings', NEW.number
                    USING ERRCODE = 'check_violation';
            END IF;
        ELSE
            the_entry := NEW.entry_id;
        END IF;
        SELECT p.currency, SUM(p.debit_minor) AS debits, SUM(p.credit_minor) AS credits
          INTO bad
          FROM fund_posting p
         WHERE p.entry_id = the_entry
         GROUP BY p.currency
        HAVING SUM(p.debit_minor) <> SUM(p.credit_minor)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'journal entry id % does not balance in %: debits %, credits %',
                the_entry, bad.currency, bad.debits, bad.credits
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER fund_posting_balanced
        AFTER INSERT ON fund_posting
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION fund_entry_check_balanced();
    """,
    """
    CREATE CONSTRAINT TRIGGER fund_entry_balanced
        AFTER INSERT ON fund_journalentry
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION fund_entry_check_balanced();
    """,
    """
    CREATE OR REPLACE FUNCTION fund_posting_check_currency() RETURNS trigger AS $$
    BEGIN
        IF NEW.currency <> (SELECT currency FROM fund_ledgeraccount WHERE id = NEW.account_id)
        THEN
            RAISE EXCEPTION 'posting currency % differs from its account''s', NEW.currency
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER fund_posting_currency
        BEFORE INSERT ON fund_posting
        FOR EACH ROW EXECUTE FUNCTION fund_posting_check_currency();
    """,
    """
    CREATE OR REPLACE FUNCTION fund_ledger_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% of % refused: ledger rows are never changed; post a reversing entry',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER fund_journalentry_immutable
        BEFORE UPDATE OR DELETE ON fund_journalentry
        FOR EACH ROW EXECUTE FUNCTION fund_ledger_immutable();
    """,
    """
    CREATE TRIGGER fund_posting_immutable
        BEFORE UPDATE OR DELETE ON fund_posting
        FOR EACH ROW EXECUTE FUNCTION fund_ledger_immutable();
    """,
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS fund_posting_immutable ON fund_posting;",
    "DROP TRIGGER IF EXISTS fund_journalentry_immutable ON fund_journalentry;",
    "DROP FUNCTION IF EXISTS fund_ledger_immutable();",
    "DROP TRIGGER IF EXISTS fund_posting_currency ON fund_posting;",
    "DROP FUNCTION IF EXISTS fund_posting_check_currency();",
    "DROP TRIGGER IF EXISTS fund_entry_balanced ON fund_journalentry;",
    "DROP TRIGGER IF EXISTS fund_posting_balanced ON fund_posting;",
    "DROP FUNCTION IF EXISTS fund_entry_check_balanced();",
]

IMMUTABLE_MESSAGE = "ledger rows are never changed; post a reversing entry"

# name -> CREATE statement; tests that must wipe tables on SQLite drop and recreate these.
SQLITE_IMMUTABILITY_TRIGGERS = {
    f"fund_{table}_no_{op.lower()}": f"""
    CREATE TRIGGER IF NOT EXISTS fund_{table}_no_{op.lower()}
    BEFORE {op} ON fund_{table}
    BEGIN
        SELECT RAISE(ABORT, '{op} of fund_{table} refused: {IMMUTABLE_MESSAGE}');
    END;
    """
    for table in ("journalentry", "posting")
    for op in ("UPDATE", "DELETE")
}

SQLITE_FORWARD = [
    *SQLITE_IMMUTABILITY_TRIGGERS.values(),
    """
    CREATE TRIGGER IF NOT EXISTS fund_posting_currency
    BEFORE INSERT ON fund_posting
    WHEN NEW.currency <> (SELECT currency FROM fund_ledgeraccount WHERE id = NEW.account_id)
    BEGIN
        SELECT RAISE(ABORT, 'posting currency differs from its account''s');
    END;
    """,
]

SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_IMMUTABILITY_TRIGGERS),
    "DROP TRIGGER IF EXISTS fund_posting_currency;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        # A plain cursor: the schema editor would read the "%" of RAISE as placeholders.
        with schema_editor.connection.cursor() as cursor:
            for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
                cursor.execute(sql)

    return run


def chain_head_create(apps, schema_editor):
    ChainHead = apps.get_model("fund", "ChainHead")
    ChainHead.objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("fund", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
        migrations.RunPython(chain_head_create, migrations.RunPython.noop),
    ]
