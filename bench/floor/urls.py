"""``GET /floor/count`` on a workspace's host: one ``SELECT COUNT(*)`` on the workspace's leads table."""

from django.db import connection
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

api = NinjaAPI(urls_namespace="floor", docs_url=None, openapi_url=None)


@api.get("/count")
def count(request: HttpRequest) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM leads_lead")
        return {"count": cursor.fetchone()[0]}


urlpatterns = [path("floor/", api.urls)]
