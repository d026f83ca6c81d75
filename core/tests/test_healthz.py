import pytest
from django.db import connections
from django.test import Client

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


def test_healthz_ok_when_everything_answers():
    response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "redis": "ok", "broker": "ok",
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_on_any_host():
    assert Client(HTTP_HOST="unknown-workspace.localhost").get("/healthz").status_code == 200


def test_healthz_503_when_redis_is_down(settings):
    settings.CACHES = {
        alias: {**config, "LOCATION": CLOSED_PORT_URL, "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5}}
        for alias, config in settings.CACHES.items()
    }
    response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_503_when_the_broker_is_down(settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT_URL
    response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"
    assert response.json()["checks"]["redis"]["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_healthz_503_when_the_database_is_down():
    real = connections["default"].settings_dict["PORT"]
    connections["default"].close()
    connections["default"].settings_dict["PORT"] = "1"
    try:
        response = Client(HTTP_HOST="localhost").get("/healthz")
    finally:
        connections["default"].close()
        connections["default"].settings_dict["PORT"] = real
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"status": "down", "error": "OperationalError"}
