from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from . import pool


@shared_task(ignore_result=True)
def refill_schema_pool() -> None:
    """After each sign-up, and on a schedule: the safety net for a refill that was lost (the broker was down)."""
    with schema_context(get_public_schema_name()):
        pool.refill()
