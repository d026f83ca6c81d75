from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Биллинг"

    def ready(self) -> None:
        from shared_apps.tenancy.api_auth import token_checks

        from .entitlements import check_api_access

        if check_api_access not in token_checks:
            token_checks.append(check_api_access)

        from core.metrics import register_collector

        from .metrics import PaymentsCollector

        register_collector(PaymentsCollector(), source="payments")

        from shared_apps.audit.display import register_value

        from .models import Subscription

        def status(value: object) -> str:
            return Subscription.Status(str(value)).label

        register_value("fromStatus", status)
        register_value("toStatus", status)
