from django.apps import AppConfig


class DevConfig(AppConfig):
    """Holds the development commands: run_payment_sandbox, run_oauth_sandbox, run_channel_sandbox, end_trial."""

    name = "dev"
    label = "dev"
    verbose_name = "Инструменты разработки"
