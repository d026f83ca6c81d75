from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "shared_apps.tenancy"
    label = "tenancy"
    verbose_name = "Рабочие пространства"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from shared_apps.accounts import continuation

        from .login_views import continue_to_workspace
        from .models import Membership
        from .services import end_removed_members_api_access

        continuation.register(continue_to_workspace)
        post_delete.connect(end_removed_members_api_access, sender=Membership,
                            dispatch_uid="tenancy.end_removed_members_api_access")
