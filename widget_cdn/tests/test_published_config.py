import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from widget_cdn.models import PublishedConfig

pytestmark = pytest.mark.django_db


def test_published_config_is_cacheable_and_revalidates(make_tenant, client_for):
    tenant = make_tenant(name="Салон «Локон»")
    key = tenant.widget_publication.public_key
    client = client_for()

    response = client.get(f"/w/{key}/config.json")
    assert response.status_code == 200
    config = response.json()
    assert config["texts"]["title"] == "Салон «Локон»"
    assert config["version"] == 1
    assert config["consent"]["version"].startswith("c-")
    assert config["businessHours"]["timezone"] == "Europe/Moscow"
    assert "max-age=60" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"

    again = client.get(f"/w/{key}/config.json", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_each_version_is_immutable_and_cached_for_a_year(make_tenant, client_for):
    tenant = make_tenant()
    key = tenant.widget_publication.public_key
    response = client_for().get(f"/w/{key}/config/1.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.json() == PublishedConfig.objects.get(publication__public_key=key, version=1).config
    assert client_for().get(f"/w/{key}/config/99.json").status_code == 404


def test_unknown_widget_key_is_a_404_envelope(client_for):
    response = client_for().get("/w/not-a-key/config.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "widget_not_found"


def test_published_config_never_touches_a_tenant_schema(make_tenant, client_for):
    tenant = make_tenant()
    client = client_for()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/w/{tenant.widget_publication.public_key}/config.json").status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if tenant.schema_name in sql or "leads_" in sql or "widgets_" in sql]
    assert sum("widget_cdn_widgetpublication" in sql for sql in statements) == 1
