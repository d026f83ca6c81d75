from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Ядро платформы"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import celery_signals  # noqa: F401  (connects the request-id propagation)
        from .database import set_options_by_query
        from .metrics import task_outcomes  # noqa: F401  (counts Celery's task outcomes)

        connection_created.connect(set_options_by_query, dispatch_uid="core.database.set_options_by_query")
