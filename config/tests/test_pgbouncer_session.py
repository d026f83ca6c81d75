"""The app through a real PgBouncer (Debian's package) run with docker/pgbouncer/pgbouncer.ini: session pooling keeps
each client's ``search_path`` to itself, ``DISCARD ALL`` leaves nothing of a client's session to the next, and the
session limits that PgBouncer will not forward (libpq ``options``) are set by the app (DATABASE_BEHIND_PGBOUNCER)."""

import configparser
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from conftest import free_port

SHIPPED = Path(settings.BASE_DIR) / "docker" / "pgbouncer" / "pgbouncer.ini"


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup) -> Iterator[int]:
    """PgBouncer on a free port with the shipped [pgbouncer] settings, in front of the test database."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    assert Path(binary).exists(), "pgbouncer is missing: `make system-packages` installs Debian's package"
    db = connection.settings_dict
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(SHIPPED)
    home = Path(tempfile.mkdtemp(prefix="pgbouncer-test-"))
    port = free_port()
    ini["databases"] = {"fastlead": f"host={db['HOST'] or '127.0.0.1'} port={db['PORT']} dbname={db['NAME']}"}
    ini["pgbouncer"].update({"listen_addr": "127.0.0.1", "listen_port": str(port), "default_pool_size": "2",
                             "auth_file": str(home / "userlist.txt")})
    (home / "userlist.txt").write_text(f'"{db["USER"]}" "{db["PASSWORD"]}"\n')
    with (home / "pgbouncer.ini").open("w") as out:
        ini.write(out)
    command = [binary, str(home / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(home, "postgres")
        for path in home.iterdir():
            shutil.chown(path, "postgres")
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def client(port: int) -> BaseDatabaseWrapper:
    """A connection of the app's own backend (django-tenants, the web's libpq options) through PgBouncer."""
    db = connection.settings_dict
    pooled = {**db, "HOST": "127.0.0.1", "PORT": str(port), "NAME": "fastlead", "CONN_MAX_AGE": 0,
              "OPTIONS": {**db["OPTIONS"], "options": settings.DATABASE_SESSION_OPTIONS["web"]}}
    return load_backend(db["ENGINE"]).DatabaseWrapper(pooled, alias="pgbouncer-test")


def one(wrapper: BaseDatabaseWrapper, query: str):
    with wrapper.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_behind_pgbouncer_the_app_sets_the_limits_that_libpq_options_would(pgbouncer, settings):
    statement, lock, _idle = settings.DATABASE_TIMEOUTS["web"]
    settings.DATABASE_BEHIND_PGBOUNCER = False
    plain = client(pgbouncer)
    try:
        assert one(plain, "SELECT current_setting('statement_timeout')") == "0"  # the options went nowhere
    finally:
        plain.close()
    settings.DATABASE_BEHIND_PGBOUNCER = True
    behind = client(pgbouncer)
    try:
        assert one(behind, "SELECT current_setting('statement_timeout')") == f"{statement // 1000}s"
        assert one(behind, "SELECT current_setting('lock_timeout')") == f"{lock // 1000}s"
    finally:
        behind.close()


@pytest.mark.django_db
def test_each_client_keeps_its_own_search_path_and_the_next_client_starts_clean(pgbouncer, settings):
    settings.DATABASE_BEHIND_PGBOUNCER = True
    first, second = client(pgbouncer), client(pgbouncer)
    try:
        first.set_schema(settings.TENANT_BASE_SCHEMA)
        second.set_schema_to_public()
        for _ in range(3):  # alternating, each statement its own autocommit transaction
            assert one(first, "SELECT current_schemas(false)") == [settings.TENANT_BASE_SCHEMA, "public"]
            assert one(second, "SELECT current_schemas(false)") == ["public"]
        assert one(first, "SELECT pg_try_advisory_lock(4242)") is True
    finally:
        first.close()
        second.close()
    # The pool holds two server connections, both used above: the next clients get them, reset by DISCARD ALL.
    later = [client(pgbouncer) for _ in range(2)]
    try:
        for wrapper in later:
            wrapper.ensure_connection()
            raw = wrapper.connection
            assert raw.execute("SELECT current_setting('search_path')").fetchone()[0] == '"$user", public'
            held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            assert raw.execute(held).fetchone()[0] == 0
    finally:
        for wrapper in later:
            wrapper.close()
