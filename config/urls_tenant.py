"""URLs of a workspace host (``<slug>.<platform domain>``)."""

from django.urls import include, path

from dashboard.urls import auth_urlpatterns
from public_site.crawlers import favicon, robots_workspace

from .api import tenant_api
from .media_urls import local_media_urlpatterns

urlpatterns = [
    path("robots.txt", robots_workspace),  # a workspace host is never indexed (and says X-Robots-Tag: noindex)
    path("favicon.ico", favicon),
    path("", include("dashboard.urls")),
    *auth_urlpatterns,
    path("api/v1/", tenant_api.urls),
    path("", include("tenant_apps.channels.urls")),
    path("", include("tenant_apps.leads.urls")),
]

urlpatterns += local_media_urlpatterns()

handler403 = "public_site.views.permission_denied"
handler404 = "public_site.views.page_not_found"
handler500 = "public_site.views.server_error"
