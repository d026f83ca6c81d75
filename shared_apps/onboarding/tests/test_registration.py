"""Registration refuses what the database columns cannot hold, field by field, in Russian, and is rate-limited."""

import pytest
from django.db import connection
from django.test import Client

from shared_apps.accounts.models import User
from shared_apps.accounts.services import FieldErrors
from shared_apps.onboarding.services import register_user
from shared_apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

PASSWORD = "Крепкий-пароль-2026"
LONG_EMAIL = "o" * 250 + "@romashka.ru"


def test_register_user_refuses_what_the_columns_cannot_hold():
    with pytest.raises(FieldErrors) as refused:
        register_user(email=LONG_EMAIL, password=PASSWORD, name="Ольга", company="Ромашка")
    assert refused.value.fields == {"email": "Не длиннее 254 символов."}
    with pytest.raises(FieldErrors) as refused:
        register_user(email="olga@romashka.ru", password="Ж" * 129, name="Ольга", company="Ромашка")
    assert refused.value.fields == {"password": "Не длиннее 128 символов."}


def register_via_api(number: int, ip: str = "198.51.100.20", email: str | None = None):
    body = {"email": email or f"owner{number}@romashka.ru", "password": PASSWORD, "name": "Ольга",
            "company": f"Ромашка {number}"}
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=ip).post("/api/v1/auth/register", body,
                                                              content_type="application/json")


def schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        return cursor.fetchone()[0]


def test_sign_ups_from_one_ip_are_limited_and_refused_ones_create_no_workspace():
    schemas_before = schema_count()
    statuses = [register_via_api(number) for number in range(8)]
    assert [response.status_code for response in statuses] == [201] * 5 + [429] * 3
    refused = statuses[-1]
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["error"] == {"code": "too_many_requests", "fields": {},
                                       "message": "Слишком много регистраций подряд. "
                                                  "Попробуйте снова через 60 минут."}
    assert User.objects.count() == Tenant.objects.filter(kind=Tenant.Kind.CLIENT).count() == 5
    assert schema_count() - schemas_before == 5
    assert register_via_api(9, ip="198.51.100.21").status_code == 201  # another address is not held up


def test_sign_ups_for_one_address_are_limited_from_any_ip():
    statuses = [register_via_api(0, ip=f"198.51.100.{30 + n}", email="olga@romashka.ru").status_code
                for n in range(4)]
    assert statuses == [201, 409, 409, 429]


def test_invalid_sign_ups_do_not_use_up_the_limit():
    for _ in range(8):
        assert Client(HTTP_HOST="localhost").post("/api/v1/auth/register", {
            "email": "olga@romashka.ru", "password": "123", "name": "Ольга", "company": "Ромашка"},
            content_type="application/json").status_code == 400
    assert register_via_api(0).status_code == 201


def test_the_sign_up_page_shows_the_limit_in_russian():
    for number in range(5):
        assert register_via_api(number, ip="127.0.0.1").status_code == 201
    page = Client(HTTP_HOST="localhost").post("/signup", {"name": "Ольга", "email": "late@romashka.ru",
                                                          "password": PASSWORD, "company": "Ромашка"})
    assert page.status_code == 429
    assert page["Retry-After"]
    body = page.content.decode()
    assert "Слишком много регистраций подряд. Попробуйте снова через 60 минут." in body
    assert 'value="late@romashka.ru"' in body  # what was typed stays
    assert not User.objects.filter(email="late@romashka.ru").exists()
