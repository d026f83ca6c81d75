"""Test helpers shared by every app's tests (imported by tests only): counting the SQL a request runs."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

# A list page of the cabinet or the API reads the caller, the workspace and its subscription, then its rows and
# what it shows beside them: beyond this something is read per row or per section that should be read once.
QUERY_CEILING = 25


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The SQL statements run on the default connection inside the block."""
    statements: list[str] = []

    def count(execute, sql, params, many, context):  # Django's execute_wrapper signature
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield statements


def queries_of(call: Callable[[], object]) -> list[str]:
    """The statements ``call`` runs, after one warm-up call (so per-process caches are as on any later request)."""
    call()
    with counted_queries() as statements:
        call()
    return statements


def assert_num_queries_constant(call: Callable[[], object], add_rows: Callable[[int], object], *, rows: int = 3,
                                ceiling: int = QUERY_CEILING) -> int:
    """No N+1: ``call`` (a request of a list) runs as many statements with ``rows`` rows as with three times as
    many, and no more than ``ceiling``. ``add_rows(n)`` adds n more rows of what the list shows. Returns the count."""
    add_rows(rows)
    few = queries_of(call)
    add_rows(2 * rows)
    many = queries_of(call)
    assert len(few) == len(many), (
        f"{len(few)} statements with {rows} rows, {len(many)} with {3 * rows}: something is read per row\n"
        + "\n".join(many))
    assert len(many) <= ceiling, f"{len(many)} statements, more than {ceiling}:\n" + "\n".join(many)
    return len(many)
