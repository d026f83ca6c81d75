from celery import shared_task

from . import cycle, invoicing, usage


@shared_task(ignore_result=True)
def run_billing_cycle() -> None:
    cycle.run()


@shared_task(ignore_result=True)
def reconcile_lead_usage() -> None:
    """Nightly: recount this month's leads in the workspaces and correct each account's counter."""
    usage.reconcile()


@shared_task(ignore_result=True)
def issue_due_acts() -> None:
    """Daily: the act for every legal entity's paid period that has ended, dated its end and e-mailed."""
    invoicing.issue_due_acts()
