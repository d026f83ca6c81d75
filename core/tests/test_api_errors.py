"""Every API error, ours or the framework's, comes in one envelope with a Russian message."""

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(make_tenant, client_for):
    tenant = make_tenant()
    return tenant, client_for(tenant, tenant.memberships.get().user)


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["fields"], dict)
    return error


def test_unknown_route_404(member_client, client_for):
    _, client = member_client
    error = assert_envelope(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert error["message"] == "Не найдено."
    assert_envelope(client_for().get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_405(member_client):
    _, client = member_client
    response = client.delete("/api/v1/leads")
    error = assert_envelope(response, 405, "method_not_allowed")
    assert error["message"] == "Метод не поддерживается."
    assert "GET" in response["Allow"]


def test_validation_error_400_with_russian_field_messages(member_client):
    _, client = member_client
    response = client.get("/api/v1/leads?limit=1000&from=abc&status=unknown")
    error = assert_envelope(response, 400, "validation_error")
    assert error["message"] == "Проверьте выделенные поля."
    assert error["fields"] == {
        "limit": "Значение слишком большое.",
        "from": "Неверная дата, ожидается ГГГГ-ММ-ДД.",
        "status": "Недопустимое значение.",
    }


def test_framework_refusals_in_russian_too(member_client):
    """django-ninja refuses an unparsable body and a failed CSRF check itself, in English: the envelope is Russian."""
    tenant, client = member_client
    error = assert_envelope(client.patch("/api/v1/tenant", "{not json", content_type="application/json"), 400,
                            "json_invalid")
    assert error["message"] == "Тело запроса не является корректным JSON."
    strict = Client(HTTP_HOST=tenant.primary_host, enforce_csrf_checks=True)
    strict.force_login(tenant.memberships.get().user)
    error = assert_envelope(strict.patch("/api/v1/tenant", {"name": "Новое"}, content_type="application/json"), 403,
                            "csrf_failed")
    assert error["message"] == "Страница устарела: обновите её и повторите действие."


def test_not_found_object_404_in_russian(member_client):
    _, client = member_client
    error = assert_envelope(client.get("/api/v1/leads/999999"), 404, "not_found")
    assert error["message"] == "Лид не найден."


def test_unhandled_failure_500_in_the_envelope_without_internals(member_client):
    tenant, client = member_client
    with connection.cursor() as cursor:  # the workspace's data is gone: a real server-side failure
        cursor.execute(f'DROP TABLE "{tenant.schema_name}".leads_lead CASCADE')
    response = client.get("/api/v1/leads")
    error = assert_envelope(response, 500, "internal_error")
    assert error["message"] == "Внутренняя ошибка сервера. Мы уже разбираемся."
    assert "leads_lead" not in response.content.decode()


def test_public_api_answers_in_the_same_shape(client_for):
    response = client_for().get("/api/v1/billing/plans")
    assert response.status_code == 200
    plans = response.json()
    assert [plan["code"] for plan in plans] == ["trial", "start", "pro", "business", "enterprise"]
    assert plans[1] == {
        "code": "start", "name": "Старт", "priceKopecks": 499000, "trialDays": 0, "leadsPerMonth": 500,
        "maxTenants": 1, "maxMembers": 3, "isOnRequest": False, "features": plans[1]["features"],
    }


def test_openapi_docs_exist_on_both_hosts(member_client, client_for):
    _, tenant_client = member_client
    for client, path in ((client_for(), "/api/v1/billing/plans"), (tenant_client, "/api/v1/leads")):
        assert client.get("/api/v1/docs").status_code == 200
        schema = client.get("/api/v1/openapi.json").json()
        assert path in schema["paths"]


def test_widget_paths_never_answer_an_html_error_page(client_for):
    """A <script> gets JavaScript and the widget's fetches get JSON, whatever went wrong."""
    client = client_for()
    script = client.get("/w/no-such-key/nested.js")
    assert script.status_code == 404
    assert script["Content-Type"].startswith("application/javascript")
    assert script["Access-Control-Allow-Origin"] == "*"
    assert_envelope(client.get("/w/no-such-key/unknown"), 404, "not_found")
    wrong_method = client.put("/w/no-such-key/config.json")
    assert_envelope(wrong_method, 405, "method_not_allowed")
    # The demo page is a page: its 404 stays the Russian HTML page.
    demo = client.get("/w/no-such-key/demo")
    assert demo.status_code == 404
    assert demo["Content-Type"].startswith("text/html")
    assert "Страница не найдена" in demo.content.decode()


def test_reloading_a_form_address_is_a_russian_page_with_a_way_back(member_client):
    _, client = member_client
    response = client.get("/team/invite")
    assert response.status_code == 405
    body = response.content.decode()
    assert "Эта страница открывается из формы" in body
    assert 'href="/team"' in body
    assert "POST" in response["Allow"]
