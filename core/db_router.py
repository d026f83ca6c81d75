"""Reads of analytics and exports on the PostgreSQL read replica, and nothing else there.

``DATABASE_REPLICA_URL`` (optional) adds the ``replica`` alias. Queries go there only inside
``reading_from_replica()``: a request that wrote something must read it back, and a streaming standby lags
behind, so nothing else ever reads from it. Without the alias the block reads from ``default`` like the rest.
Writes go to ``default`` always, even for an object that was read from the replica.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

REPLICA = "replica"

_on_replica: ContextVar[bool] = ContextVar("on_replica", default=False)


def has_replica() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The alias this block's reads use: the replica inside ``reading_from_replica()`` when there is one."""
    return REPLICA if _on_replica.get() and has_replica() else DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    """The connection for raw SQL that reads (what the ORM's reads get from the router)."""
    return connections[read_alias()]


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """The block's reads go to the replica, in the workspace (``search_path``) the default connection is in."""
    if has_replica():
        # django-tenants' middleware and tenant_context() set the schema on the default connection only.
        default = cast("DatabaseWrapper", connection)
        cast("DatabaseWrapper", connections[REPLICA]).set_tenant(default.tenant,
                                                                 include_public=default.include_public_schema)
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


class ReadReplicaRouter:
    """Listed before django-tenants' router, which decides migrations (never on the replica)."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        # Explicit even outside the block: an instance read on the replica must not pull its relations from there.
        return read_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None
