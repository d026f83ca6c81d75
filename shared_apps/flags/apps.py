from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "shared_apps.flags"
    label = "flags"
    verbose_name = "Функции платформы"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (a change drops the cached states)
