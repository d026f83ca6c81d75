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

        from django.db.models.signals import post_delete, post_save

        from .models import Plan, Subscription
        from .selectors import current_subscriptions

        for signal in (post_save, post_delete):  # what requests keep in memory (core.local_cache) follows a change
            for model in (Subscription, Plan):
                signal.connect(current_subscriptions.clear, sender=model, weak=False)

        from shared_apps.audit.display import register_value

        def status(value: object) -> str:
            return Subscription.Status(str(value)).label

        register_value("fromStatus", status)
        register_value("toStatus", status)
