"""``migrate_schemas``: django-tenants' command, fast with a thousand schemas.

The stock command runs Django's ``migrate`` once per schema: it loads the migration graph, reads the schema's
history and renders the project state every time (about 170 ms per schema with nothing to apply). Here the graph
is loaded once, one catalog query reads every schema's ``django_migrations``, the schemas with the same history
share one plan and one set of precomputed project states, and an up-to-date schema costs nothing. Each migrated
schema gets the plan's operations through the schema editor under its own ``search_path``, and its history rows,
in one transaction of its own, over ``--parallel`` connections (default TENANT_MIGRATION_PARALLEL). A failed
schema does not stop the others; the command then exits non-zero naming them.

What the fast path does not cover goes through the stock command: a target migration, ``--fake``,
``--fake-initial``, ``--plan``, ``--check``, ``--prune``, ``--run-syncdb``, an explicit ``--executor``, another
database, squashed migrations. So does a schema with no history yet (the template on an empty database), one
whose history is inconsistent, and one whose plan holds a non-atomic migration. A public schema with anything to
apply also goes through it (with its ``post_migrate`` handlers: content types, permissions); for the tenant
schemas those handlers do nothing (the router keeps the shared apps out), so the fast path does not send them.
"""

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.utils import timezone
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors.base import run_migrations
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_public_schema_name, get_tenant_migration_order, schema_exists
from psycopg import sql

from core.database import session_timeouts
from shared_apps.tenancy import pool
from shared_apps.tenancy.models import PooledSchema, Tenant
from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME, ensure_platform_tenants

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)

Key = tuple[str, str]  # (app label, migration name)

STANDARD_PATH_OPTIONS = (
    "app_label", "migration_name", "fake", "fake_initial", "plan", "check_unapplied", "prune", "run_syncdb",
    "executor",
)


@dataclass
class Step:
    """One migration of a plan, its operations each with the project states before and after it."""

    migration: Migration
    operations: list[tuple[Operation, ProjectState, ProjectState]] = field(default_factory=list)


class Command(MigrateSchemasCommand):
    """django-tenants' ``migrate_schemas`` (same options), then the public tenant and the template schema.

    The template is a registered tenant, so the tenant pass migrates it; on an empty database it is created
    here, fully migrated. Pooled schemas made before a migration are dropped afterwards (tenancy.pool).
    """

    def handle(self, *args: Any, **options: Any) -> None:
        # No statement limit (a migration may rewrite a big table) but a bounded wait for locks.
        with session_timeouts("migration"):
            if any(options.get(name) for name in STANDARD_PATH_OPTIONS) or options["database"] != DEFAULT_DB_ALIAS:
                super().handle(*args, **options)
            else:
                SyncCommon.handle(self, *args, **options)
                self.migrate_fast()
            if options.get("plan") or options.get("check_unapplied"):
                return
            if self.sync_public:
                ensure_platform_tenants()
            if self.sync_tenant and not self.schema_name and schema_exists(TEMPLATE_SCHEMA_NAME):
                with connection.cursor() as cursor:  # --tenant alone, before the shared apps' migrations
                    pooled = PooledSchema._meta.db_table in connection.introspection.table_names(cursor)
                if pooled:
                    pool.discard_stale()

    def migrate_fast(self) -> None:
        public = get_public_schema_name()
        loader = MigrationLoader(None, ignore_no_migrations=True)
        failed: list[str] = []
        full_plan = forwards_plan(loader)
        if loader.replacements:
            failed += self.standard_path(*([public] if self.sync_public else []), *self.tenant_schemas(public))
        elif self.sync_public:
            history = histories([public])
            if public not in history or missing(full_plan, history[public]):
                failed += self.standard_path(public)
            elif self.verbosity >= 1:
                self.stdout.write(f"[{public}] миграций для применения нет")
        tenants = self.tenant_schemas(public)
        if tenants and not loader.replacements:
            failed += self.migrate_tenants(loader, full_plan, tenants)
        if failed:
            raise CommandError(f"Миграции не применились в схемах ({len(failed)}): {', '.join(failed)}")

    @property
    def verbosity(self) -> int:
        return int(self.options.get("verbosity", 1))

    def tenant_schemas(self, public: str) -> list[str]:
        if not self.sync_tenant:
            return []
        if self.schema_name and self.schema_name != public:
            if not schema_exists(self.schema_name):
                raise CommandError(f'Схемы "{self.schema_name}" нет')
            return [self.schema_name]
        tenants = Tenant.objects.exclude(schema_name=public).values_list("schema_name", flat=True)
        order = get_tenant_migration_order()
        return list(tenants.order_by(*order) if order is not None else tenants)

    def migrate_tenants(self, loader: MigrationLoader, full_plan: list[Key], schemas: list[str]) -> list[str]:
        history = histories(schemas)
        unusual = [schema for schema in schemas if schema not in history]  # no django_migrations table yet
        by_history: dict[frozenset[Key], list[str]] = defaultdict(list)
        for schema in schemas:
            if schema in history:
                by_history[history[schema]].append(schema)
        failed: list[str] = []
        migrated = up_to_date = 0
        for applied, group in by_history.items():
            plan = missing(full_plan, applied)
            if not plan:
                up_to_date += len(group)
                continue
            if not consistent(loader, applied) or not all(loader.graph.nodes[key].atomic for key in plan):
                unusual += group
                continue
            steps = precompute(loader, full_plan, applied, plan)
            names = ", ".join(f"{app}.{name}" for app, name in plan)
            for schema, done in self.apply_to_each(group, steps, plan):
                if done:
                    migrated += 1
                    if self.verbosity >= 1:
                        self.stdout.write(f"[{schema}] применены: {names}")
                else:
                    failed.append(schema)
                    self.stderr.write(f"[{schema}] ошибка, схема не изменена (подробности в журнале)")
        failed += self.standard_path(*unusual)
        if self.verbosity >= 1:
            self.stdout.write(
                f"Схемы рабочих пространств: {len(schemas)}; актуальны {up_to_date}, обновлены {migrated}, "
                f"обычным путём {len(unusual)}, с ошибкой {len(failed)}."
            )
        return failed

    def apply_to_each(self, schemas: list[str], steps: list[Step], plan: list[Key]) -> Iterator[tuple[str, bool]]:
        """``apply`` in each schema, over ``--parallel`` connections (default TENANT_MIGRATION_PARALLEL): most of a
        schema's time is the server's. Inside a transaction (a test) other connections would not see its schemas."""
        workers = min(len(schemas), self.options.get("parallel") or settings.TENANT_MIGRATION_PARALLEL)
        if workers <= 1 or connection.in_atomic_block:
            for schema in schemas:
                yield schema, apply(schema, steps, plan)
            return
        results: queue.SimpleQueue[tuple[str, bool]] = queue.SimpleQueue()

        def work(share: list[str]) -> None:
            # This thread's connection opens with the migration timeouts handle() set for the process.
            pending = list(share)
            try:
                while pending:
                    results.put((pending[0], apply(pending[0], steps, plan)))
                    pending.pop(0)
            except Exception:  # no connection at all: the rest of its share is reported failed, not awaited forever
                logger.exception("migrate_schemas_worker_failed")
                for schema in pending:
                    results.put((schema, False))
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(schemas[i::workers],)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for _ in schemas:
            yield results.get()
        for thread in threads:
            thread.join()

    def standard_path(self, *schemas: str) -> list[str]:
        """Django's ``migrate`` in each schema, as the stock command runs it; returns the schemas that failed."""
        failed = []
        for schema in schemas:
            try:
                run_migrations(self.args, self.options, "standard", schema)
            except Exception as error:
                failed.append(schema)
                self.stderr.write(f"[{schema}] {type(error).__name__}: {error}")
            finally:
                cast("DatabaseWrapper", connection).set_schema_to_public()
        return failed


def forwards_plan(loader: MigrationLoader) -> list[Key]:
    """Every migration in the order ``migrate`` applies them on a clean schema (its targets: the leaf nodes)."""
    plan: list[Key] = []
    seen: set[Key] = set()
    for target in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(target):
            if key not in seen:
                seen.add(key)
                plan.append(key)
    return plan


def missing(full_plan: list[Key], applied: Iterable[Key]) -> list[Key]:
    applied = set(applied)
    return [key for key in full_plan if key not in applied]


def histories(schemas: list[str]) -> dict[str, frozenset[Key]]:
    """Each schema's applied migrations, read in one query; a schema with no ``django_migrations`` is left out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)",
            [schemas],
        )
        present = {name for (name,) in cursor.fetchall()}
        if not present:
            return {}
        per_schema = sql.SQL(" UNION ALL ").join(
            sql.SQL(
                "SELECT {name}::text AS schema_name, "
                "coalesce(array_agg(app || '.' || name ORDER BY app, name), '{{}}'::text[]) AS applied "
                "FROM {table}.django_migrations"
            ).format(name=sql.Literal(schema), table=sql.Identifier(schema))
            for schema in schemas
            if schema in present
        )
        # Grouped in the database: usually every schema has the same history, one row comes back.
        cursor.execute(
            sql.SQL("SELECT applied, array_agg(schema_name) FROM ({}) per_schema GROUP BY applied").format(per_schema)
        )
        result: dict[str, frozenset[Key]] = {}
        for applied, group in cursor.fetchall():
            keys = frozenset(cast(Key, tuple(row.split(".", 1))) for row in applied)
            result.update(dict.fromkeys(group, keys))
        return result


def consistent(loader: MigrationLoader, applied: frozenset[Key]) -> bool:
    """No applied migration has an unapplied dependency (the stock command refuses such a history)."""
    graph = loader.graph
    return all(
        parent.key in applied for key in applied if key in graph.nodes for parent in graph.node_map[key].parents
    )


def precompute(loader: MigrationLoader, full_plan: list[Key], applied: frozenset[Key], plan: list[Key]) -> list[Step]:
    """The project states around each operation of ``plan``, computed once for every schema with this history.

    Each state is a separate copy that renders its own models (on first use), so a later operation's state
    change cannot leak into an earlier operation's models (``Migration.apply`` runs them one at a time instead).
    """
    state = ProjectState(real_apps=loader.unmigrated_apps)
    for key in full_plan:
        if key in applied:
            loader.graph.nodes[key].mutate_state(state, preserve=False)
    steps = []
    before = state.clone()
    for key in plan:
        migration = loader.graph.nodes[key]
        step = Step(migration)
        for operation in migration.operations:
            operation.state_forwards(migration.app_label, state)
            after = state.clone()
            step.operations.append((operation, before, after))
            before.apps  # noqa: B018  rendered here, once: the schemas may be migrated by several threads
            before = after
        steps.append(step)
    before.apps  # noqa: B018
    return steps


def apply(schema: str, steps: list[Step], plan: list[Key]) -> bool:
    """Run the plan in ``schema`` and record it, in one transaction; False (nothing changed) when it fails."""
    tenant_connection = cast("DatabaseWrapper", connection)
    tenant_connection.set_schema(schema)
    try:
        with transaction.atomic():
            for step in steps:
                with connection.schema_editor(atomic=False) as editor:
                    for operation, before, after in step.operations:
                        operation.database_forwards(step.migration.app_label, editor, before, after)
            now = timezone.now()
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                    [(app, name, now) for app, name in plan],
                )
    except Exception:
        logger.exception("migrate_schemas_failed", extra={"schema": schema})
        return False
    finally:
        tenant_connection.set_schema_to_public()
    schema_migrated.send(run_migrations, schema_name=schema)
    return True
