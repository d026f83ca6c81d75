from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def send_weekly_reports() -> None:
    """Every ~15 minutes: the workspaces whose Monday 09:00 (their time zone) has passed get this week's report."""
    services.send_weekly_reports()


@shared_task(ignore_result=True)
def run_alerts() -> None:
    """Every minute: leads waiting too long for a first answer, the plan's lead limit at 80 % and 100 %."""
    services.run_alerts()
