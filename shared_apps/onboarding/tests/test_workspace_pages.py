"""The "new workspace" page on the public host and its live subdomain check."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from billing.models import Plan, Subscription
from shared_apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_user(make_tenant):
    tenant = make_tenant(name="Первый")
    user = tenant.memberships.get().user
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client, user, tenant


def test_create_a_workspace_and_land_in_its_onboarding(public_user):
    client, _, first = public_user
    Subscription.objects.create(account=first.account, plan=Plan.objects.get(code="pro"), status="active")
    response = client.post("/workspaces/new", {"name": "Филиал на Ленина", "subdomain": "filial-lenina",
                                                "timezone": "Asia/Yekaterinburg"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.hostname, target.path) == ("filial-lenina.localhost", "/auth/handoff")
    tenant = Tenant.objects.get(slug="filial-lenina")
    assert (tenant.name, tenant.timezone, tenant.account_id) == ("Филиал на Ленина", "Asia/Yekaterinburg",
                                                                 first.account_id)
    landed = Client(HTTP_HOST=tenant.primary_host).get(f"{target.path}?{target.query}")
    assert landed["Location"] == "/onboarding"


def test_plan_limit_is_explained_on_the_page(public_user):
    client, _, _ = public_user
    response = client.post("/workspaces/new", {"name": "Второй", "subdomain": "", "timezone": "Europe/Moscow"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "На тарифе «Пробный» доступно рабочих пространств: 1" in body
    assert 'value="Второй"' in body


def test_bad_subdomain_keeps_the_input(public_user):
    client, _, first = public_user
    Subscription.objects.create(account=first.account, plan=Plan.objects.get(code="pro"), status="active")
    response = client.post("/workspaces/new", {"name": "Второй", "subdomain": "www", "timezone": "Europe/Moscow"})
    assert response.status_code == 400
    assert "зарезервирован" in response.content.decode()
    assert not Tenant.objects.filter(name="Второй").exists()


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"name": "", "subdomain": ""}, "name", "Укажите название рабочего пространства."),
    ({"name": "Ф" * 201, "subdomain": ""}, "name", "Не длиннее 200 символов."),
    ({"name": "Второй", "subdomain": "a" * 41}, "subdomain", "Адрес должен быть от 3 до 40 символов"),
    ({"name": "Второй", "subdomain": "vtoroy", "timezone": "Mars/Olympus"}, "timezone",
     "Выберите часовой пояс из списка."),
])
def test_bad_input_is_explained_under_the_field_and_kept(public_user, typed, field, message):
    client, _, first = public_user
    Subscription.objects.create(account=first.account, plan=Plan.objects.get(code="pro"), status="active")
    form = client.get("/workspaces/new").content.decode()
    assert re.search(r'<form method="post"[^>]*novalidate', form)
    assert "maxlength" not in form
    response = client.post("/workspaces/new", {"timezone": "Europe/Moscow", **typed})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    error_id = "subdomain-check" if field == "subdomain" else f"id_{field}-error"
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body, re.S)
    assert f'aria-describedby="{error_id}"' in body
    assert f'value="{typed["name"]}"' in body
    assert not Tenant.objects.exclude(pk=first.pk).filter(kind=Tenant.Kind.CLIENT).exists()


def test_live_subdomain_check(public_user):
    client, _, first = public_user
    taken = client.get("/workspaces/subdomain-check", {"subdomain": first.slug}).content.decode()
    assert "уже занят" in taken
    free = client.get("/workspaces/subdomain-check", {"subdomain": "sovsem-novy"}).content.decode()
    assert "свободен" in free


def test_anonymous_is_sent_to_login():
    response = Client(HTTP_HOST="localhost").get("/workspaces/new")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=/workspaces/new")


def test_a_plan_without_room_says_so_before_anything_is_typed(public_user):
    client, _, _ = public_user
    body = client.get("/workspaces/new").content.decode()
    assert "На тарифе «Пробный» доступно рабочих пространств: 1" in body
    assert 'href="/pricing"' in body
    assert 'name="name"' not in body  # no form to fill in vain
