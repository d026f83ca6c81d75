from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shared_apps.accounts"
    label = "accounts"
    verbose_name = "Пользователи и аккаунты"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (login tracking)
