from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tenant_apps.reports"
    label = "reports"
    verbose_name = "Отчёты и оповещения"

    def ready(self) -> None:
        from tenant_apps.leads.signals import lead_escalated

        from .services import on_lead_escalated

        lead_escalated.connect(on_lead_escalated, dispatch_uid="reports.escalation_alert")
