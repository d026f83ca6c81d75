from celery import shared_task

from . import cycle, usage


@shared_task(ignore_result=True)
def run_billing_cycle() -> None:
    cycle.run()


@shared_task(ignore_result=True)
def reconcile_lead_usage() -> None:
    """Nightly: recount this month's leads in the workspaces and correct each account's counter."""
    usage.reconcile()
