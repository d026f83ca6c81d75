"""Data written in workspace A is invisible from workspace B: ORM, API and pages."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db

SECRET_NAME = "Секретный Клиент Альфы"
SECRET_PHONE = "+79161234567"


@pytest.fixture
def two_workspaces(make_tenant):
    alpha, beta = make_tenant(name="Альфа"), make_tenant(name="Бета")
    with tenant_context(alpha):
        secret = Lead.objects.create(name=SECRET_NAME, phone=SECRET_PHONE, created_at=timezone.now())
    with tenant_context(beta):
        Lead.objects.create(name="Клиент Беты", phone="+79035550000", created_at=timezone.now())
    alpha_admin = alpha.memberships.get().user
    beta_admin = beta.memberships.get().user
    return alpha, beta, alpha_admin, beta_admin, secret


def test_orm_sees_only_the_current_schema(two_workspaces):
    alpha, beta, *_ = two_workspaces
    with tenant_context(beta):
        assert list(Lead.objects.values_list("name", flat=True)) == ["Клиент Беты"]
    with tenant_context(alpha):
        assert list(Lead.objects.values_list("name", flat=True)) == [SECRET_NAME]


def test_api_of_b_never_returns_a_data(two_workspaces, client_for):
    _, beta, _, beta_admin, secret = two_workspaces
    client = client_for(beta, beta_admin)

    listing = client.get("/api/v1/leads")
    assert listing.status_code == 200
    assert [lead["name"] for lead in listing.json()["items"]] == ["Клиент Беты"]
    assert SECRET_PHONE not in listing.content.decode()

    # Alpha's lead id asked on Beta's host: Beta's own schema answers (id 1 there is Beta's lead or nothing).
    detail = client.get(f"/api/v1/leads/{secret.pk}")
    assert SECRET_NAME not in detail.content.decode()


def test_member_of_a_is_refused_on_b_host(two_workspaces, client_for):
    _, beta, alpha_admin, _, _ = two_workspaces
    client = client_for(beta, alpha_admin)

    api = client.get("/api/v1/leads")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "forbidden"
    assert "Клиент Беты" not in api.content.decode()

    page = client.get("/leads")
    assert page.status_code == 403
    assert "Нет доступа" in page.content.decode()
    assert "Клиент Беты" not in page.content.decode()


def test_pages_of_b_never_show_a_data(two_workspaces, client_for):
    _, beta, _, beta_admin, secret = two_workspaces
    client = client_for(beta, beta_admin)
    for path in ("/", "/leads", f"/leads/{secret.pk}"):
        body = client.get(path).content.decode()
        assert SECRET_NAME not in body
        assert SECRET_PHONE not in body


def test_anonymous_gets_401_from_the_api_and_login_from_pages(two_workspaces, client_for):
    alpha, *_ = two_workspaces
    client = client_for(alpha)
    response = client.get("/api/v1/leads")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Требуется авторизация."
    assert client.get("/").status_code == 302
