from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "shared_apps.ops"
    label = "ops"
    verbose_name = "Эксплуатация"

    def ready(self) -> None:
        from . import celery_signals  # noqa: F401  (connects the request-id propagation)
