from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "shared_apps.tenancy"
    label = "tenancy"
    verbose_name = "Рабочие пространства"

    def ready(self) -> None:
        from shared_apps.accounts import continuation

        from .login_views import continue_to_workspace

        continuation.register(continue_to_workspace)
