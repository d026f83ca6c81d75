"""URLs of the public host (the bare platform domain)."""

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from shared_apps.accounts.urls import login_urlpatterns

from .api import public_api
from .media_urls import local_media_urlpatterns

admin.site.site_header = "Fast Lead — администрирование платформы"
admin.site.site_title = "Fast Lead"

urlpatterns = [
    path("", include("public_site.urls")),
    path("", include("widget_cdn.urls")),
    path("", include("shared_apps.accounts.urls")),
    *login_urlpatterns,
    path("", include("tenant_apps.team.urls")),
    path("", include("shared_apps.tenancy.urls")),
    path("", include("shared_apps.onboarding.urls")),
    path("oauth/", include("social_django.urls", namespace="social")),
    path("admin/", admin.site.urls),
    path("api/v1/", public_api.urls),
]

urlpatterns += local_media_urlpatterns()
if apps.is_installed("dev.mailbox"):  # development only (never installed in production): /dev/mailbox
    urlpatterns.append(path("", include("dev.mailbox.urls")))

handler403 = "public_site.views.permission_denied"
handler404 = "public_site.views.page_not_found"
handler500 = "public_site.views.server_error"
