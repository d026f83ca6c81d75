"""The widget's config and loader from Redis (widget_cdn.edge): no SQL once stored, and never stale after a change.

Transactional tests: inside a test's transaction nothing is stored (it could be an uncommitted change), so these
commit for real, as the web processes do.
"""

import gzip
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Subscription
from billing.services import start_trial
from tenant_apps.widgets.models import WidgetConfig
from widget_cdn import edge, services

pytestmark = pytest.mark.django_db(transaction=True)


def fetch_without_queries(client, path: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert [query["sql"] for query in queries.captured_queries] == [], path
    return response


def test_config_loader_and_versions_are_answered_from_redis_without_a_query(make_tenant, client_for):
    tenant = make_tenant(name="Салон «Локон»")
    key = tenant.widget_publication.public_key
    client = client_for()
    first = client.get(f"/w/{key}/config.json")  # a miss: the view reads the database and stores the answer
    assert first.status_code == 200

    again = fetch_without_queries(client, f"/w/{key}/config.json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["texts"]["title"] == "Салон «Локон»"
    for header in ("ETag", "Cache-Control", "Access-Control-Allow-Origin", "X-Content-Type-Options",
                   "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy"):
        assert again[header] == first[header], header
    assert again["X-Request-ID"]

    packed = fetch_without_queries(client, f"/w/{key}/config.json", **{"Accept-Encoding": "gzip, br"})
    assert packed["Content-Encoding"] == "gzip"
    assert packed["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.content) == again.content
    assert fetch_without_queries(client, f"/w/{key}/config.json", **{"If-None-Match": packed["ETag"]}).status_code \
        == 304

    loader = fetch_without_queries(client, f"/w/{key}.js")
    assert loader.status_code == 200
    assert loader["Content-Type"] == "application/javascript; charset=utf-8"
    assert f'window.FastLeadKey="{key}"' in loader.content.decode()

    assert client.get(f"/w/{key}/config/1.json").status_code == 200
    version = fetch_without_queries(client, f"/w/{key}/config/1.json")
    assert version["Cache-Control"] == "public, max-age=31536000, immutable"
    assert version.json() == first.json()


def test_the_loader_points_at_the_built_widget_under_an_immutable_content_hashed_address(make_tenant, client_for):
    tenant = make_tenant()
    client = client_for()
    loader = client.get(f"/w/{tenant.widget_publication.public_key}.js")
    assert loader["Cache-Control"] == "public, max-age=300, stale-while-revalidate=86400"
    src = re.search(r's\.src="([^"]+)"', loader.content.decode()).group(1)
    path = re.fullmatch(r"http://[^/]+(/static/widget_cdn/widget\.[0-9a-f]{12}\.js)", src).group(1)

    script = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200
    assert script["Cache-Control"] == "max-age=315360000, public, immutable"
    assert script["Content-Encoding"] == "gzip"
    assert script["Access-Control-Allow-Origin"] == "*"
    assert b"FastLeadWidget" in gzip.decompress(b"".join(script.streaming_content))


def test_a_publish_is_served_at_once(make_tenant, client_for):
    tenant = make_tenant()
    key = tenant.widget_publication.public_key
    client = client_for()
    assert client.get(f"/w/{key}/config.json").json()["version"] == 1
    assert client.get(f"/w/{key}/config.json").json()["version"] == 1  # stored

    services.publish(tenant, WidgetConfig(version=2, title="Запишитесь на стрижку"))

    config = client.get(f"/w/{key}/config.json").json()
    assert (config["version"], config["texts"]["title"]) == (2, "Запишитесь на стрижку")
    assert client.get(f"/w/{key}/config/2.json").json() == config


def test_billing_switches_the_stored_widget_off_and_on_at_once(make_tenant, client_for):
    tenant = make_tenant()
    key = tenant.widget_publication.public_key
    subscription = start_trial(tenant.account)
    client = client_for()
    client.get(f"/w/{key}/config.json")
    assert client.get(f"/w/{key}/config.json").status_code == 200

    subscription.status = Subscription.Status.BLOCKED
    subscription.save(update_fields=["status"])
    off = client.get(f"/w/{key}/config.json")
    assert off.status_code == 403
    assert off.json()["error"]["message"] == "Виджет временно недоступен."
    assert fetch_without_queries(client, f"/w/{key}/config.json").status_code == 403  # the refusal is stored too

    subscription.status = Subscription.Status.ACTIVE
    subscription.save()
    assert client.get(f"/w/{key}/config.json").status_code == 200


def test_a_deleted_workspace_has_no_widget_any_more(make_tenant, client_for):
    tenant = make_tenant()
    key = tenant.widget_publication.public_key
    client = client_for()
    for path in (f"/w/{key}/config.json", f"/w/{key}.js", f"/w/{key}/config/1.json"):
        client.get(path)
        assert client.get(path).status_code == 200, path

    tenant.delete(force_drop=True)

    assert client.get(f"/w/{key}/config.json").json()["error"]["code"] == "widget_not_found"
    for path in (f"/w/{key}/config.json", f"/w/{key}.js", f"/w/{key}/config/1.json"):
        assert client.get(path).status_code == 404, path


def test_a_reader_that_saw_the_rows_before_a_change_does_not_store_them(make_tenant):
    key = make_tenant().widget_publication.public_key
    stale = edge.rendered(200, "application/json", b'{"version":1}', '"stale"', "public, max-age=60")

    def read_while_a_publish_commits() -> edge.Rendered:
        edge.invalidate([key])  # the change commits between this reader's generation read and its fill
        return stale

    assert edge.cached(key, "config", read_while_a_publish_commits) == stale
    assert edge.peek(key, "config") is None


def test_without_redis_the_widget_is_answered_from_the_database(make_tenant, client_for, redis_unreachable):
    tenant = make_tenant()
    key = tenant.widget_publication.public_key
    client = client_for()
    for _ in range(2):
        assert client.get(f"/w/{key}/config.json").json()["publicKey"] == key
        assert client.get(f"/w/{key}.js").status_code == 200
    services.publish(tenant, WidgetConfig(version=2))  # the invalidation cannot reach Redis: logged, not raised
    assert client.get(f"/w/{key}/config.json").json()["version"] == 2
