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
