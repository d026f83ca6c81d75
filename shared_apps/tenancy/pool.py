"""A pool of ready workspace schemas, so a sign-up renames one instead of copying the template while it waits.

A pooled schema is a clone of the template made ahead of time (``pool_<random>``), listed in
:class:`PooledSchema` in the public schema. It is not a tenant: no ``Tenant`` row, so the admin, metrics,
``migrate_schemas`` and the per-workspace tasks never see it. Each entry keeps the fingerprint of the migrations
it was cloned with; only an entry matching the template's current fingerprint is claimed, and stale ones are
dropped (by the refill and after ``migrate_schemas``), so a claimed schema never lags behind the migrations.
"""

import logging
import secrets
from typing import cast

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from .clone import clone_template_schema
from .models import PooledSchema

logger = logging.getLogger(__name__)

SCHEMA_PREFIX = "pool_"
# One refill at a time across processes (pg_try_advisory_lock); an arbitrary constant of this project.
REFILL_LOCK_KEY = 0x46_4C_50_4F_4F_4C  # "FLPOOL"


def migrations_fingerprint(schema_name: str) -> str:
    """A digest of the migrations recorded in ``schema_name``: equal fingerprints, equal structure."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_query(schema_name))
        return cast(str, cursor.fetchone()[0])


def _fingerprint_query(schema_name: str) -> sql.Composed:
    return sql.SQL(
        "SELECT md5(coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), '')) FROM {}.django_migrations"
    ).format(sql.Identifier(schema_name))


def claim(schema_name: str) -> bool:
    """Rename a pooled schema of the template's current migrations to ``schema_name``; False when there is none.

    Runs in the caller's transaction (in the public schema): a failure after it rolls the rename back and the
    entry is in the pool again. ``SKIP LOCKED`` lets concurrent sign-ups each take a different entry at once.
    """
    if not settings.TENANT_SCHEMA_POOL_SIZE or not settings.TENANT_BASE_SCHEMA:  # off, or no template to match
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                sql.SQL(
                    "DELETE FROM {pool} WHERE id = (SELECT id FROM {pool} WHERE fingerprint = ({current}) "
                    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING schema_name"
                ).format(
                    pool=sql.Identifier(PooledSchema._meta.db_table),
                    current=_fingerprint_query(settings.TENANT_BASE_SCHEMA),
                )
            )
            row = cursor.fetchone()
            if row is None:
                return False
            cursor.execute(
                sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(row[0]), sql.Identifier(schema_name))
            )
    except DatabaseError:
        # A pooled schema gone missing must not fail a sign-up: the caller clones instead, the refill cleans up.
        logger.exception("schema_pool_claim_failed")
        return False
    return True


def refill(size: int | None = None) -> int:
    """Drop stale entries and clone the template until the pool holds ``size`` (settings.TENANT_SCHEMA_POOL_SIZE)
    current ones; returns how many were made. A refill already running elsewhere makes this one a no-op."""
    size = settings.TENANT_SCHEMA_POOL_SIZE if size is None else size
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFILL_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return 0
    try:
        discard_stale()
        made = 0
        while PooledSchema.objects.count() < size:
            name = SCHEMA_PREFIX + secrets.token_hex(8)
            with transaction.atomic():
                clone_template_schema(settings.TENANT_BASE_SCHEMA, name)
                # The clone's own record of migrations, not the template's: it may have moved on meanwhile.
                PooledSchema.objects.create(schema_name=name, fingerprint=migrations_fingerprint(name))
            made += 1
        return made
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFILL_LOCK_KEY])


def discard_stale() -> int:
    """Drop the pooled schemas cloned before the template's last migration, or gone missing; returns how many."""
    current = migrations_fingerprint(settings.TENANT_BASE_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id FROM tenancy_pooledschema p LEFT JOIN pg_namespace n ON n.nspname = p.schema_name "
            "WHERE p.fingerprint <> %s OR n.oid IS NULL",
            [current],
        )
        stale = [pk for (pk,) in cursor.fetchall()]
    discarded = 0
    for pk in stale:
        with transaction.atomic():
            entry = PooledSchema.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if entry is None:  # claimed meanwhile
                continue
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(entry.schema_name)))
            entry.delete()
            discarded += 1
    return discarded
