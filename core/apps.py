from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Ядро платформы"

    def ready(self) -> None:
        from . import celery_signals  # noqa: F401  (connects the request-id propagation)
        from .metrics import task_outcomes  # noqa: F401  (counts Celery's task outcomes)
