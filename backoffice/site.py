"""The platform admin's site: Django's admin behind two factors, with the business metrics page.

It is ``django.contrib.admin.site`` itself (``PlatformAdminConfig.default_site``), so every app's ``@admin.register``
lands here. A staff member without a verified second factor in this session is, for the admin, not signed in.
"""

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import sign_in, views


class PlatformAdminSite(AdminSite):
    index_template = "backoffice/index.html"

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
