"""Database guards: what an issued document was made from, and its file, never change.

- ``documents_issueddocument``: number, content snapshot, verification code, template,
  language and kind never change; once ``sha256`` is set, file name, hash and size never
  change either. Status, void fields and rendering bookkeeping stay writable.
- ``documents_issuednumber``: the number and its position never change.
- ``documents_numbercounter``: a counter never goes backwards.
- PostgreSQL also rejects DELETE on documents and numbers (TRUNCATE, used by test teardown,
  bypasses row triggers). SQLite has no delete guard: Django's test flush deletes rows.
"""

from django.db import migrations

DOC_IMMUTABLE = [
    "number_entry_id",
    "kind",
    "series",
    "year",
    "sequence",
    "number",
    "language",
    "template_name",
    "context",
    "verification_code",
    "duplicate_of_id",
    "created_at",
]
DOC_FILE = ["pdf", "sha256", "size_bytes", "rendered_at"]
NUMBER_IMMUTABLE = ["series_id", "year", "sequence", "number"]


def _changed(columns, op):
    return " OR ".join(f"NEW.{c} {op} OLD.{c}" for c in columns)


def _sqlite(doc_cond, number_cond):
    return [
        f"""CREATE TRIGGER documents_issueddocument_immutable
            BEFORE UPDATE ON documents_issueddocument
            WHEN {doc_cond}
            BEGIN SELECT RAISE(ABORT, 'issued documents are immutable'); END;""",
        f"""CREATE TRIGGER documents_issuednumber_immutable
            BEFORE UPDATE ON documents_issuednumber
            WHEN {number_cond}
            BEGIN SELECT RAISE(ABORT, 'issued numbers are immutable'); END;""",
        """CREATE TRIGGER documents_numbercounter_forward
            BEFORE UPDATE ON documents_numbercounter
            WHEN NEW.last_sequence < OLD.last_sequence OR NEW.series_id IS NOT OLD.series_id
              OR NEW.year IS NOT OLD.year
            BEGIN SELECT RAISE(ABORT, 'number counters only move forward'); END;""",
    ]


def _postgresql(doc_cond, number_cond):
    def guard(name, table, when, message, event="UPDATE"):
        return [
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF {when} THEN
                    RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  RETURN {"OLD" if event == "DELETE" else "NEW"};
                END $$;""",
            f"""CREATE TRIGGER {name} BEFORE {event} ON {table}
                FOR EACH ROW EXECUTE FUNCTION {name}();""",
        ]

    return [
        *guard(
            "documents_issueddocument_immutable",
            "documents_issueddocument",
            doc_cond,
            "issued documents are immutable",
        ),
        *guard(
            "documents_issuednumber_immutable",
            "documents_issuednumber",
            number_cond,
            "issued numbers are immutable",
        ),
        *guard(
            "documents_numbercounter_forward",
            "documents_numbercounter",
            "NEW.last_sequence < OLD.last_sequence OR NEW.series_id IS DISTINCT FROM "
            "OLD.series_id OR NEW.year IS DISTINCT FROM OLD.year",
            "number counters only move forward",
        ),
        *guard(
            "documents_issueddocument_nodelete",
            "documents_issueddocument",
            "TRUE",
            "issued documents are never deleted",
            event="DELETE",
        ),
        *guard(
            "documents_issuednumber_nodelete",
            "documents_issuednumber",
            "TRUE",
            "issued numbers are never deleted",
            event="DELETE",
        ),
    ]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        op = "IS NOT"
        statements = _sqlite(
            f"{_changed(DOC_IMMUTABLE, op)} OR (OLD.sha256 <> '' AND ({_changed(DOC_FILE, op)}))",
            _changed(NUMBER_IMMUTABLE, op),
        )
    elif vendor == "postgresql":
        op = "IS DISTINCT FROM"
        statements = _postgresql(
            f"{_changed(DOC_IMMUTABLE, op)} OR (OLD.sha256 <> '' AND ({_changed(DOC_FILE, op)}))",
            _changed(NUMBER_IMMUTABLE, op),
        )
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    triggers = {
        "documents_issueddocument_immutable": "documents_issueddocument",
        "documents_issuednumber_immutable": "documents_issuednumber",
        "documents_numbercounter_forward": "documents_numbercounter",
    }
    if vendor == "sqlite":
        for name in triggers:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
    elif vendor == "postgresql":
        triggers |= {
            "documents_issueddocument_nodelete": "documents_issueddocument",
            "documents_issuednumber_nodelete": "documents_issuednumber",
        }
        for name, table in triggers.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}();")


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
