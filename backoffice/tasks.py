from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def record_business_metrics() -> None:
    """Every 15 minutes (beat): today's and yesterday's rows of the business metrics."""
    services.record_recent()
