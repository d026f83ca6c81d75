"""Workspaces: list/create on the public host with limits, read/update on the workspace host."""

import pytest
from django.test import Client

from conftest import set_plan
from shared_apps.accounts.services import issue_token_pair
from shared_apps.tenancy.models import Domain, Membership, Tenant

pytestmark = pytest.mark.django_db


def bearer(user, slug: str = "") -> dict:
    return {"Authorization": f"Bearer {issue_token_pair(user, slug).access}"}


@pytest.fixture
def owner(make_tenant):
    tenant = make_tenant(name="Первый")
    return tenant.memberships.get().user, tenant


def create(user, **body):
    return Client(HTTP_HOST="localhost").post("/api/v1/tenants", body, content_type="application/json",
                                              headers=bearer(user))


def test_list_my_tenants_with_roles(owner, make_tenant, add_member):
    user, first = owner
    other = make_tenant(name="Чужой")
    add_member(user, other, Membership.Role.ANALYST)
    response = Client(HTTP_HOST="localhost").get("/api/v1/tenants", headers=bearer(user))
    assert response.status_code == 200
    assert {(t["tenantId"], t["role"]) for t in response.json()} == {(first.slug, "admin"), (other.slug, "analyst")}


def test_create_on_the_pro_plan_until_its_limit(owner):
    user, first = owner
    set_plan(first, "pro")
    second = create(user, name="Филиал на Ленина", subdomain="ulybka-lenina")
    assert second.status_code == 201
    assert second.json()["url"] == "http://ulybka-lenina.localhost:8000/"
    assert Domain.objects.filter(domain="ulybka-lenina.localhost").exists()
    assert create(user, name="Третий").status_code == 201
    fourth = create(user, name="Четвёртый")
    assert fourth.status_code == 403
    error = fourth.json()["error"]
    assert error["code"] == "plan_limit"
    assert "«Про»" in error["message"]
    assert "/pricing" in error["message"]
    assert Tenant.objects.filter(account=first.account).count() == 3


def test_trial_allows_one_workspace(owner):
    user, _ = owner
    response = create(user, name="Второй")
    assert response.status_code == 403
    assert "«Пробный»" in response.json()["error"]["message"]


def test_at_most_five_workspaces_per_user_even_on_business(owner):
    user, first = owner
    set_plan(first, "business")
    assert [create(user, name=f"Филиал {n}").status_code for n in range(4)] == [201] * 4
    sixth = create(user, name="Шестой")
    assert sixth.status_code == 403
    assert "не больше 5" in sixth.json()["error"]["message"]


@pytest.mark.parametrize(("subdomain", "fragment"), [("www", "зарезервирован"), ("api", "зарезервирован"),
                                                     ("mail", "зарезервирован"), ("Плохой", "латинские буквы")])
def test_create_400_for_bad_or_reserved_subdomains(owner, subdomain, fragment):
    user, first = owner
    set_plan(first, "business")
    response = create(user, name="Новый", subdomain=subdomain)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["fields"]["subdomain"]


def test_create_400_for_an_empty_name(owner):
    user, first = owner
    set_plan(first, "business")
    response = create(user, name="  ")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"name": "Укажите название рабочего пространства."}


def test_create_requires_login(owner):
    assert Client(HTTP_HOST="localhost").post("/api/v1/tenants", {"name": "x"},
                                              content_type="application/json").status_code == 401


def test_subdomain_availability(owner):
    user, first = owner
    client = Client(HTTP_HOST="localhost")
    taken = client.get(f"/api/v1/tenants/availability?subdomain={first.slug}", headers=bearer(user)).json()
    assert taken == {"subdomain": first.slug, "available": False, "message": "Этот адрес уже занят, выберите другой."}
    assert client.get("/api/v1/tenants/availability?subdomain=admin", headers=bearer(user)).json()["available"] is False
    free = client.get("/api/v1/tenants/availability?subdomain=svobodny-adres", headers=bearer(user)).json()
    assert free["available"] is True


def test_get_and_patch_the_current_tenant(owner):
    user, tenant = owner
    client = Client(HTTP_HOST=tenant.primary_host)
    headers = bearer(user, tenant.slug)
    assert client.get("/api/v1/tenant", headers=headers).json()["name"] == "Первый"
    response = client.patch(
        "/api/v1/tenant",
        {"name": "Переименован", "siteDomains": ["https://Romashka.ru/", "shop.romashka.ru", "romashka.ru"],
         "timezone": "Asia/Yekaterinburg", "description": "Сеть салонов"},
        content_type="application/json", headers=headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["siteDomains"] == ["romashka.ru", "shop.romashka.ru"]
    assert body["timezone"] == "Asia/Yekaterinburg"
    tenant.refresh_from_db()
    assert tenant.name == "Переименован"


@pytest.mark.parametrize(("body", "field", "fragment"), [
    ({"siteDomains": ["не домен"]}, "siteDomains", "не похоже на домен"),
    ({"siteDomains": ["[::1"]}, "siteDomains", "не похоже на домен"),  # urlsplit: "Invalid IPv6 URL"
    ({"timezone": "Mars/Olympus"}, "timezone", "часовой пояс"),
    ({"name": ""}, "name", "Укажите название"),
    ({"subdomain": "www"}, "subdomain", "зарезервирован"),
    ({"subdomain": " "}, "subdomain", "Укажите адрес кабинета."),
    ({"name": "Н" * 201}, "name", "Не длиннее 200 символов."),
    ({"description": "О" * 1001}, "description", "Не длиннее 1000 символов."),
])
def test_patch_400_changes_nothing(owner, body, field, fragment):
    user, tenant = owner
    response = Client(HTTP_HOST=tenant.primary_host).patch("/api/v1/tenant", body, content_type="application/json",
                                                           headers=bearer(user, tenant.slug))
    assert response.status_code == 400
    assert fragment in response.json()["error"]["fields"][field]
    fresh = Tenant.objects.get(pk=tenant.pk)
    assert (fresh.name, fresh.slug, fresh.site_domains, fresh.timezone) == ("Первый", tenant.slug, [], "Europe/Moscow")


def test_changing_the_subdomain_moves_the_host(owner):
    user, tenant = owner
    old_host = tenant.primary_host
    response = Client(HTTP_HOST=old_host).patch("/api/v1/tenant", {"subdomain": "novy-adres"},
                                                content_type="application/json", headers=bearer(user, tenant.slug))
    assert response.status_code == 200
    assert response.json()["url"] == "http://novy-adres.localhost:8000/"
    assert Client(HTTP_HOST=old_host).get("/").status_code == 404
    assert Client(HTTP_HOST="novy-adres.localhost").get("/").status_code == 302  # the cabinet, asking to log in
