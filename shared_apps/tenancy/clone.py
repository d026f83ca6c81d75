"""Fast schema creation: copy the template schema's structure inside PostgreSQL.

django-tenants' generic ``clone_schema()`` walks the whole catalog and slows
down with every schema present (seconds per tenant at a few dozen tenants).
This copy reads only the template's own catalog rows, so its cost does not
grow with the number of workspaces. It keeps every object name (constraints,
indexes, sequences) so later migrations find what they expect, copies the
template's ``django_migrations`` rows, and refuses templates holding objects it
does not know how to copy (views, functions, triggers) instead of silently
skipping them.
"""

import re
from typing import TYPE_CHECKING, cast

from django.db import connection, transaction
from psycopg import sql

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper


class UnsupportedTemplateObject(Exception):
    pass


def clone_template_schema(template_schema: str, new_schema: str) -> None:
    """Create ``new_schema`` with the template's tables, keys, indexes and migration history.

    Runs in the caller's transaction, so a failure later in provisioning rolls
    the new schema back with everything else.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT oid, quote_ident(nspname), quote_ident(%s) FROM pg_namespace WHERE nspname = %s",
            [new_schema, template_schema],
        )
        row = cursor.fetchone()
        if row is None:
            raise UnsupportedTemplateObject(f"template schema {template_schema} does not exist")
        template_oid, template_quoted, new_quoted = row
        _refuse_unsupported_objects(cursor, template_oid)

        # Definitions are read with the template first on the search path, so they come out
        # unqualified and land in the new schema when replayed with it first instead.
        cursor.execute(sql.SQL("SET LOCAL search_path TO {}, public").format(sql.Identifier(template_schema)))
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s AND relkind IN ('r', 'p') ORDER BY relname",
            [template_oid],
        )
        tables = [name for (name,) in cursor.fetchall()]
        # Keys first: the foreign keys added after them need them.
        cursor.execute(
            """SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
               FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
               WHERE con.connamespace = %s AND con.contype IN ('p', 'u', 'x', 'c', 'f')
               ORDER BY CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 WHEN 'c' THEN 3 ELSE 4 END,
                        c.relname, con.conname""",
            [template_oid],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """SELECT pg_get_indexdef(i.indexrelid)
               FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
               WHERE ic.relnamespace = %s
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
               ORDER BY ic.relname""",
            [template_oid],
        )
        indexes = [definition for (definition,) in cursor.fetchall()]

        new = sql.Identifier(new_schema)
        cursor.execute(sql.SQL("CREATE SCHEMA {}").format(new))
        cursor.execute(sql.SQL("SET LOCAL search_path TO {}, public").format(new))
        for table in tables:
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE {new}.{table} (LIKE {template}.{table} INCLUDING DEFAULTS INCLUDING IDENTITY "
                    "INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
                ).format(new=new, table=sql.Identifier(table), template=sql.Identifier(template_schema))
            )
        for table, name, definition in constraints:
            cursor.execute(
                sql.SQL("ALTER TABLE {new}.{table} ADD CONSTRAINT {name} ").format(
                    new=new, table=sql.Identifier(table), name=sql.Identifier(name)
                )
                + sql.SQL(definition)
            )
        # pg_get_indexdef always qualifies the table ("ON tenant_template.leads_lead"): retarget it.
        table_prefix = re.compile(r" ON (ONLY )?" + re.escape(template_quoted) + r"\.")
        for definition in indexes:
            retargeted, count = table_prefix.subn(
                lambda match: f" ON {match.group(1) or ''}{new_quoted}.", definition, count=1
            )
            if count != 1:
                raise UnsupportedTemplateObject(f"cannot retarget index definition: {definition}")
            cursor.execute(retargeted)
        cursor.execute(
            sql.SQL("INSERT INTO {new}.django_migrations SELECT * FROM {template}.django_migrations").format(
                new=new, template=sql.Identifier(template_schema)
            )
        )
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({qualified}, 'id'), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM {new}.django_migrations), false)"
            ).format(qualified=sql.Literal(f'"{new_schema}".django_migrations'), new=new)
        )
    cast("DatabaseWrapper", connection).set_schema_to_public()


def _refuse_unsupported_objects(cursor, template_oid: int) -> None:
    cursor.execute(
        """SELECT 'relation ' || relname FROM pg_class
           WHERE relnamespace = %(ns)s AND relkind NOT IN ('r', 'p', 'i', 'I', 'S')
           UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = %(ns)s
           UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                     WHERE c.relnamespace = %(ns)s AND NOT t.tgisinternal
           UNION ALL SELECT 'type ' || typname FROM pg_type
                     WHERE typnamespace = %(ns)s AND typtype IN ('e', 'd', 'c') AND typrelid = 0""",
        {"ns": template_oid},
    )
    unsupported = [name for (name,) in cursor.fetchall()]
    if unsupported:
        raise UnsupportedTemplateObject(
            "the template schema holds objects the fast clone does not copy: " + ", ".join(unsupported)
        )
