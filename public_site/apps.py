from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PublicSiteConfig(AppConfig):
    name = "public_site"
    verbose_name = "Публичный сайт"

    def ready(self) -> None:
        from billing.models import Plan
        from widget_cdn.models import WidgetPublication

        from .page_cache import forget

        # What the cached pages show besides code and settings: the plans and the demo widget's publication.
        for model in (Plan, WidgetPublication):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"public-pages-{model.__name__}-save")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"public-pages-{model.__name__}-delete")
