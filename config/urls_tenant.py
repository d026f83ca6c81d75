"""URLs of a workspace host (``<slug>.<platform domain>``)."""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from dashboard.urls import auth_urlpatterns

from .api import tenant_api

urlpatterns = [
    path("", include("dashboard.urls")),
    *auth_urlpatterns,
    path("api/v1/", tenant_api.urls),
]

# Uploaded media (avatars) in development; production serves MEDIA_ROOT from the web server or S3.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "public_site.views.page_not_found"
handler500 = "public_site.views.server_error"
