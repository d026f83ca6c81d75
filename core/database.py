from typing import Any

import psycopg
from psycopg import sql


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
