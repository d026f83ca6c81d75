import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from .db_router import read_connection


def ensure_database(db: dict, *, recreate: bool = False) -> bool:
    """Create the configured PostgreSQL database if it is missing; True when it was created.

    Django cannot connect to a database that does not exist yet, so this talks
    to the server's maintenance database directly.
    """
    conninfo: dict[str, Any] = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}, autocommit=True) as conn:
        if recreate:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db["NAME"])))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        return True


def use_session_timeouts(kind: str) -> None:
    """This process's connections get the ``DATABASE_TIMEOUTS`` of ``kind``: an open one at once, new ones
    (here and in forks) from their start."""
    default = connections["default"]
    default.settings_dict["OPTIONS"]["options"] = settings.DATABASE_SESSION_OPTIONS[kind]
    if default.connection is not None:
        statement, lock, idle = settings.DATABASE_TIMEOUTS[kind]
        with default.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false), "
                "set_config('idle_in_transaction_session_timeout', %s, false)",
                [str(statement), str(lock), str(idle)],
            )


@contextmanager
def session_timeouts(kind: str) -> Iterator[None]:
    """``use_session_timeouts`` for the block, then the limits before it."""
    current = connections["default"].settings_dict["OPTIONS"].get("options")
    previous = next((name for name, options in settings.DATABASE_SESSION_OPTIONS.items() if options == current), "web")
    use_session_timeouts(kind)
    try:
        yield
    finally:
        use_session_timeouts(previous)


def set_options_by_query(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created``: behind PgBouncer, the ``-c name=value`` pairs of the connection's libpq ``options``
    (its session limits) set by a query, as PgBouncer does not pass ``options`` on. In session pooling they last
    the client's session; the server's ``DISCARD ALL`` clears them before the next client, which sets its own."""
    if not settings.DATABASE_BEHIND_PGBOUNCER:
        return
    pairs = re.findall(r"-c (\w+)=(\S+)", connection.settings_dict["OPTIONS"].get("options", ""))
    if pairs:
        query = "SELECT " + ", ".join(["set_config(%s, %s, false)"] * len(pairs))
        connection.connection.execute(query, [item for pair in pairs for item in pair])


# SQLSTATEs of a cancelled statement, a lock not granted in time and an idle transaction ended by the server.
TIMEOUT_SQLSTATES = {"57014", "55P03", "25P03"}


def is_timeout(error: BaseException) -> bool:
    cause = error.__cause__ if isinstance(error, DatabaseError) else error
    return getattr(cause, "sqlstate", None) in TIMEOUT_SQLSTATES


@contextmanager
def statement_timeout(seconds: int) -> Iterator[None]:
    """A longer limit for the block's reads (a long export; on the replica's connection inside
    ``reading_from_replica()``), then the usual one."""
    reads = read_connection()
    with reads.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])
    try:
        yield
    finally:
        with reads.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
