"""/metrics: the request histograms by route pattern after a scripted flow, the platform's state (database,
cache, Celery, outbox), the token, the hosts it answers on, and a scrape that survives Redis being down."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from conftest import host_of
from core.metrics import register_collector, unregister_collector
from core.models import OutboxMessage
from core.tests.crash_urls import CRASH_PATH

pytestmark = pytest.mark.django_db

Samples = dict[tuple[str, frozenset], float]


def scrape(client: Client | None = None, **headers: str) -> Samples:
    response = (client or Client(HTTP_HOST=host_of())).get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}", **headers)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def named(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(labels) for sample_name, labels in samples if sample_name == name]


def requests_of(samples: Samples, **labels: str) -> float:
    return value(samples, "fastlead_http_requests_total", **labels)


@pytest.fixture
def crash_page(settings) -> None:
    settings.PUBLIC_SCHEMA_URLCONF = "core.tests.crash_urls"


@pytest.fixture
def old_outbox_messages() -> None:
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    OutboxMessage.objects.create(handler="core.email.send_email", schema_name="public",
                                 created_at=ten_minutes_ago, available_at=ten_minutes_ago)
    OutboxMessage.objects.create(handler="core.email.send_email", schema_name="public", created_at=ten_minutes_ago,
                                 available_at=ten_minutes_ago, attempts=10, failed_at=timezone.now())


@pytest.fixture
def waiting_task() -> Iterator[str]:
    """One message in this test worker's queue and no worker to take it."""
    from config.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    app.send_task("core.tasks.heartbeat", queue=queue)
    yield queue
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)


def test_a_scrape_after_a_flow_counts_route_patterns_statuses_and_reads_the_platform_state(
        admin_and_operator, client_for, crash_page, old_outbox_messages, waiting_task):
    _tenant, admin, _operator = admin_and_operator
    public = client_for()
    before = scrape()

    assert public.get("/").status_code == 200
    assert public.get("/pricing").status_code == 200
    assert public.get("/no-such-page-0123").status_code == 404
    assert Client(HTTP_HOST=host_of(), raise_request_exception=False).post(CRASH_PATH).status_code == 500
    assert admin.get("/api/v1/leads").status_code == 200
    for lead_id in (987654, 987655):
        assert admin.get(f"/api/v1/leads/{lead_id}").status_code == 404
    rejected = public.post("/api/v1/billing/webhooks/tinkoff", "not json", content_type="application/json")
    assert rejected.status_code == 400
    public.get("/healthz")

    after = scrape()
    assert requests_of(after, route="/", method="GET", host="public", status="200") - \
        requests_of(before, route="/", method="GET", host="public", status="200") == 1
    assert requests_of(after, route="pricing", method="GET", host="public", status="200") >= 1
    assert requests_of(after, route="unmatched", method="GET", host="public", status="404") - \
        requests_of(before, route="unmatched", method="GET", host="public", status="404") == 1
    assert requests_of(after, route=CRASH_PATH.lstrip("/"), method="POST", host="public", status="500") - \
        requests_of(before, route=CRASH_PATH.lstrip("/"), method="POST", host="public", status="500") == 1
    assert requests_of(after, route="api/v1/leads", method="GET", host="workspace", status="200") >= 1
    # Two leads, one series: the route's pattern, never the address with its id.
    detail = [labels for labels in named(after, "fastlead_http_requests_total")
              if labels["route"].startswith("api/v1/leads/") and labels["status"] == "404"]
    assert detail
    assert all("98765" not in labels["route"] for labels in detail), detail
    assert not [labels for labels in named(after, "fastlead_http_requests_total")
                if "no-such-page" in labels["route"] or labels["route"] in {"metrics", "healthz"}]
    assert value(after, "fastlead_http_request_duration_seconds_count", route="pricing", method="GET", host="public",
                 status_class="2xx") >= 1
    assert {labels["le"] for labels in named(after, "fastlead_http_request_duration_seconds_bucket")} >= {
        "0.005", "0.1", "1.0", "10.0", "+Inf"}
    assert {labels["status_class"] for labels in named(after, "fastlead_http_request_duration_seconds_count")} >= {
        "2xx", "4xx", "5xx"}
    assert value(after, "fastlead_payment_webhooks_total", provider="tinkoff", outcome="rejected") - \
        value(before, "fastlead_payment_webhooks_total", provider="tinkoff", outcome="rejected") == 1
    assert ("fastlead_payment_webhooks_total", frozenset({"provider": "tinkoff", "outcome": "error"}.items())) in after

    assert value(after, "fastlead_db_connections", state="active") >= 1
    assert value(after, "fastlead_db_max_connections") > 1
    assert value(after, "fastlead_cache_hits_total") > 0  # the sessions and flags the requests read
    assert ("fastlead_cache_misses_total", frozenset()) in after
    assert value(after, "fastlead_celery_queue_length", queue=waiting_task) == 1
    assert value(after, "fastlead_outbox_pending") == 1
    assert value(after, "fastlead_outbox_oldest_pending_age_seconds") >= 600
    assert value(after, "fastlead_outbox_failed") == 1
    assert {labels["source"] for labels in named(after, "fastlead_scrape_errors")} >= {
        "database", "cache", "broker", "celery_tasks", "outbox"}
    assert not [labels for labels in named(after, "fastlead_scrape_errors")
                if value(after, "fastlead_scrape_errors", **labels)]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic ZGV2LW1ldHJpY3MtdG9rZW4=", "Bearer"])
def test_no_metrics_without_the_token(authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client(HTTP_HOST=host_of()).get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"fastlead_" not in response.content
    expected = "Неверный токен" if authorization == "Bearer wrong-token" else "Нужен токен доступа"
    assert response.content.decode().startswith(expected)


def test_a_workspace_host_has_no_metrics(make_tenant):
    tenant = make_tenant()
    response = Client(HTTP_HOST=host_of(tenant)).get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert response.status_code == 404
    assert b"fastlead_http" not in response.content


def test_prometheus_scrapes_the_instance_by_its_own_address():
    assert value(scrape(Client(HTTP_HOST="10.0.3.7:8000")), "fastlead_db_max_connections") > 1


def test_a_scrape_answers_while_redis_is_down(redis_unreachable):
    samples = scrape()
    assert value(samples, "fastlead_scrape_errors", source="cache") == 1
    assert value(samples, "fastlead_scrape_errors", source="celery_tasks") == 1
    assert value(samples, "fastlead_scrape_errors", source="database") == 0
    assert value(samples, "fastlead_db_max_connections") > 1
    assert ("fastlead_outbox_pending", frozenset()) in samples
    assert ("fastlead_cache_hits_total", frozenset()) not in samples


class Registrations:
    def collect(self):
        yield GaugeMetricFamily("fastlead_test_registrations_today", "A collector of a higher layer", value=3)


class Broken:
    def collect(self):
        raise RuntimeError("the source is down")


def test_registered_collectors_are_read_on_every_scrape_and_fail_alone():
    registrations, broken = Registrations(), Broken()
    register_collector(registrations)
    register_collector(broken, source="broken-test")  # a source of its own: the real ones stay registered
    try:
        samples = scrape()
    finally:
        unregister_collector(registrations)
        unregister_collector(broken)
    assert value(samples, "fastlead_test_registrations_today") == 3
    assert value(samples, "fastlead_scrape_errors", source="Registrations") == 0
    assert value(samples, "fastlead_scrape_errors", source="broken-test") == 1
    assert value(samples, "fastlead_scrape_errors", source="database") == 0
    assert ("fastlead_test_registrations_today", frozenset()) not in scrape()


def test_payment_notifications_are_counted_by_outcome(client_for):
    public = client_for()
    before = scrape()
    # Not from YooKassa's networks (the test client's 127.0.0.1 is trusted only with the sandbox): refused.
    public.post("/api/v1/billing/webhooks/yookassa", "{}", content_type="application/json", REMOTE_ADDR="203.0.113.9")
    public.post("/api/v1/billing/webhooks/tinkoff", '{"TerminalKey": "x"}', content_type="application/json")
    after = scrape()
    for provider in ("yookassa", "tinkoff"):
        assert value(after, "fastlead_payment_webhooks_total", provider=provider, outcome="rejected") - \
            value(before, "fastlead_payment_webhooks_total", provider=provider, outcome="rejected") == 1


@pytest.mark.django_db(transaction=True)
def test_task_outcomes_in_the_worker_process_reach_the_scrape(celery_worker_process):
    from config.celery import app

    before = scrape()
    app.send_task("core.tasks.heartbeat")
    app.send_task("core.tasks.heartbeat", args=["unexpected"])  # a TypeError in the worker: a failure
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = scrape()
        failed = value(after, "fastlead_celery_task_failures_total", task="core.tasks.heartbeat") - \
            value(before, "fastlead_celery_task_failures_total", task="core.tasks.heartbeat")
        succeeded = value(after, "fastlead_celery_task_successes_total", task="core.tasks.heartbeat") - \
            value(before, "fastlead_celery_task_successes_total", task="core.tasks.heartbeat")
        if failed and succeeded:
            break
        time.sleep(0.2)
    assert (failed, succeeded) == (1, 1)
    assert 0 <= value(after, "fastlead_celery_worker_last_seen_seconds") < 30


@pytest.mark.parametrize("token", ["", "short"])
def test_production_requires_a_metrics_token(token):
    from config.tests.test_production import run_production

    done = run_production("import django; django.setup()", METRICS_TOKEN=token)
    assert done.returncode != 0
    assert "METRICS_TOKEN" in done.stderr
