from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "shared_apps.tenancy"
    label = "tenancy"
    verbose_name = "Рабочие пространства"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shared_apps.accounts import continuation

        from .login_views import continue_to_workspace
        from .middleware import workspace_by_host
        from .models import Domain, Membership, Tenant
        from .selectors import memberships
        from .services import end_removed_members_api_access

        continuation.register(continue_to_workspace)
        post_delete.connect(end_removed_members_api_access, sender=Membership,
                            dispatch_uid="tenancy.end_removed_members_api_access")
        # What requests keep in memory (core.local_cache) is dropped on every change of what it was read from.
        for signal in (post_save, post_delete):
            for model, cache in ((Tenant, workspace_by_host), (Domain, workspace_by_host), (Membership, memberships)):
                signal.connect(cache.clear, sender=model, weak=False)
