import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_bare_platform_domain_serves_the_public_site(client_for):
    response = client_for().get("/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "public_site:landing"


def test_www_is_the_public_site_too():
    response = Client(HTTP_HOST="www.localhost").get("/pricing")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "public_site:pricing"


def test_workspace_host_serves_the_cabinet_urlconf(make_tenant, client_for):
    tenant = make_tenant()
    response = client_for(tenant).get("/leads?status=new")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/leads%3Fstatus%3Dnew"


def test_public_pages_do_not_exist_on_a_workspace_host(make_tenant, client_for):
    response = client_for(make_tenant()).get("/pricing")
    assert response.status_code == 404


def test_cabinet_does_not_exist_on_the_public_host(client_for):
    assert client_for().get("/leads").status_code == 404


def test_unknown_subdomain_gets_a_friendly_russian_404():
    response = Client(HTTP_HOST="nobody-here.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Рабочее пространство не найдено" in body
    assert "nobody-here.localhost" in body
    assert 'lang="ru"' in body


def test_unknown_subdomain_api_gets_the_error_envelope():
    response = Client(HTTP_HOST="nobody-here.localhost").get("/api/v1/leads")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "tenant_not_found", "message": "Рабочее пространство не найдено.", "fields": {}}
    }


def test_template_schema_is_not_reachable_by_any_host():
    response = Client(HTTP_HOST="tenant-template.localhost").get("/")
    assert response.status_code == 404


def test_foreign_host_is_rejected_without_a_500():
    response = Client(HTTP_HOST="evil.example.com").get("/")
    assert response.status_code == 404  # not in ALLOWED_HOSTS: django-tenants answers 404 before routing
