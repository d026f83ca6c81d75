"""The platform admin's site: Django's admin behind two factors, with the business metrics page.

It is ``django.contrib.admin.site`` itself (``PlatformAdminConfig.default_site``), so every app's ``@admin.register``
lands here. A staff member without a verified second factor in this session is, for the admin, not signed in.
"""

import types
from typing import Any, cast

from django.contrib.admin import AdminSite, ModelAdmin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import sign_in, views


class PluralTitles:
    """A list titled by its model's plural name («Подписки»), an object's page by the model's name («Подписка»):
    Django's «Выберите %s для изменения» and «Изменить %s» put the name in the nominative case."""

    model: Any

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        title = capfirst(self.model._meta.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})  # type: ignore[misc]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        title = capfirst(self.model._meta.verbose_name)
        return super().change_view(  # type: ignore[misc]
            request, object_id, form_url, {"title": title, **(extra_context or {})})


class PlatformAdminSite(AdminSite):
    def register(self, model_or_iterable: Any, admin_class: type[ModelAdmin] | None = None, **options: Any) -> None:
        given = admin_class or ModelAdmin
        if not issubclass(given, PluralTitles):  # every app's admin, registered here by @admin.register
            admin_class = cast(type[ModelAdmin], types.new_class(given.__name__, (PluralTitles, given)))
            admin_class.__module__ = given.__module__
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The apps, led by the business metrics page (not a model, so listed by hand) on the index and the
        sidebar."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        url = reverse("admin:business_metrics", current_app=self.name)
        # Labelled as a shared app: django-tenants' app list greys out (unlinks) any other label on the public host.
        analytics = {"name": "Аналитика платформы", "app_label": "backoffice", "app_url": url,
                     "has_module_perms": True,
                     "models": [{"name": "Бизнес-метрики", "object_name": "BusinessMetrics", "admin_url": url,
                                 "add_url": None, "view_only": True,
                                 "perms": {"add": False, "change": False, "delete": False, "view": True}}]}
        return [analytics, *apps]

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and sign_in.is_verified(request.user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return sign_in.password_step(self, request, extra_context)

    def verify(self, request: HttpRequest) -> HttpResponse:
        return sign_in.code_step(self, request)

    def business_metrics(self, request: HttpRequest) -> HttpResponse:
        return views.business_metrics_page(self, request)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("login/verify/", never_cache(csrf_protect(self.verify)), name="verify"),
            # Open to a staff member still at the code step too («Войти под другой учётной записью»); the admin's
            # own wrapper would send them back to the code instead.
            path("logout/", never_cache(csrf_protect(self.logout)), name="logout"),
            path("metrics/", self.admin_view(self.business_metrics), name="business_metrics"),
            *super().get_urls(),
        ]
