"""The "new workspace" page on the public host and its live subdomain check."""

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
    assert "На тарифе «Trial» доступно рабочих пространств: 1" in body
    assert 'value="Второй"' in body


def test_bad_subdomain_keeps_the_input(public_user):
    client, _, first = public_user
    Subscription.objects.create(account=first.account, plan=Plan.objects.get(code="pro"), status="active")
    response = client.post("/workspaces/new", {"name": "Второй", "subdomain": "www", "timezone": "Europe/Moscow"})
    assert response.status_code == 400
    assert "зарезервирован" in response.content.decode()
    assert not Tenant.objects.filter(name="Второй").exists()


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
