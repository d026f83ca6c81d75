from celery import shared_task

from . import cycle


@shared_task(ignore_result=True)
def run_billing_cycle() -> None:
    cycle.run()
