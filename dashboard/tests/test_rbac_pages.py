"""Roles on the cabinet pages: what each role sees, and contacts masked for analysts (pages and exports)."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Plan, Subscription
from shared_apps.tenancy.models import Membership
from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant(name="Автосервис")
    with tenant_context(tenant):
        lead = Lead.objects.create(name="Пётр Иванов", phone="+79161234512", email="petr@mail.ru",
                                   created_at=timezone.now())
    clients = {"admin": client_for(tenant, tenant.memberships.get().user)}
    for role in (Membership.Role.OPERATOR, Membership.Role.ANALYST):
        user = make_user()
        add_member(user, tenant, role)
        clients[role] = client_for(tenant, user)
    return tenant, lead, clients


def test_analyst_sees_masked_contacts_on_every_page(team):
    _, lead, clients = team
    for path in ("/", "/leads", f"/leads/{lead.pk}"):
        body = clients["analyst"].get(path).content.decode()
        assert "+7 9** ***-**-12" in body
        assert "p***@mail.ru" in body or path == "/"
        assert "1234512" not in body
        assert "petr@mail.ru" not in body
        assert "tel:" not in body


def test_operator_and_admin_see_full_contacts(team):
    _, lead, clients = team
    for role in ("operator", "admin"):
        body = clients[role].get(f"/leads/{lead.pk}").content.decode()
        assert "+7 916 123-45-12" in body
        assert 'href="mailto:petr@mail.ru"' in body


def test_analyst_api_and_export_are_masked(team):
    tenant, lead, clients = team
    Subscription.objects.create(account=tenant.account, plan=Plan.objects.get(code="pro"), status="active")
    api = clients["analyst"].get(f"/api/v1/leads/{lead.pk}").json()
    assert (api["phone"], api["email"]) == ("+7 9** ***-**-12", "p***@mail.ru")
    export = clients["analyst"].get("/api/v1/leads/export")
    csv_text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "+7 9** ***-**-12;p***@mail.ru" in csv_text
    assert "petr@mail.ru" not in csv_text


def test_export_is_a_russian_excel_friendly_csv(team):
    tenant, _, clients = team
    Subscription.objects.create(account=tenant.account, plan=Plan.objects.get(code="pro"), status="active")
    with tenant_context(tenant):
        Lead.objects.create(name="=HYPERLINK(\"http://evil\")", phone="+79990000000", created_at=timezone.now())
    response = clients["operator"].get("/api/v1/leads/export?status=new")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="leads-{tenant.slug}-')
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id;Имя;Телефон;E-mail;Канал;Статус")
    text = "\n".join(lines)
    assert "'=HYPERLINK" in text
    assert ";=HYPERLINK" not in text
    assert ';"=HYPERLINK' not in text
    assert len(lines) == 3


def test_export_is_refused_on_plans_without_it(team):
    tenant, _, clients = team
    Subscription.objects.create(account=tenant.account, plan=Plan.objects.get(code="start"), status="active")
    response = clients["admin"].get("/api/v1/leads/export")
    assert response.status_code == 403
    assert "«Старт»" in response.json()["error"]["message"]


def test_navigation_follows_the_role(team):
    _, _, clients = team
    admin_page = clients["admin"].get("/").content.decode()
    operator_page = clients["operator"].get("/").content.decode()
    assert 'href="/workspace"' in admin_page
    assert 'href="/workspace"' not in operator_page
    assert 'href="/billing"' in admin_page
    assert 'href="/billing"' not in operator_page


def test_workspace_settings_are_for_admins_only(team):
    _, _, clients = team
    assert clients["admin"].get("/workspace").status_code == 200
    for role in ("operator", "analyst"):
        denied = clients[role].get("/workspace")
        assert denied.status_code == 403
        assert "Недостаточно прав" in denied.content.decode()


def test_workspace_settings_form_saves_and_reports_errors(team):
    tenant, _, clients = team
    bad = clients["admin"].post("/workspace", {"name": "Автосервис", "subdomain": tenant.slug,
                                               "site_domains": "не домен", "timezone": "Europe/Moscow"})
    assert bad.status_code == 400
    assert "не похоже на домен" in bad.content.decode()
    assert "не домен" in bad.content.decode()  # what was typed stays in the form
    ok = clients["admin"].post("/workspace", {"name": "Автосервис «Мотор»", "subdomain": tenant.slug,
                                              "site_domains": "motor.ru\nwww.motor.ru", "timezone": "Europe/Samara"})
    assert ok.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.site_domains, tenant.timezone) == ("Автосервис «Мотор»", ["motor.ru", "www.motor.ru"],
                                                                   "Europe/Samara")


def test_the_leads_page_offers_export_where_the_plan_has_it(team):
    tenant, _, clients = team
    Subscription.objects.create(account=tenant.account, plan=Plan.objects.get(code="pro"), status="active")
    page = clients["analyst"].get("/leads?status=new").content.decode()
    assert 'href="/api/v1/leads/export?status=new"' in page  # the page's filters, blank ones left out
    Subscription.objects.filter(account=tenant.account).update(plan=Plan.objects.get(code="start"))
    page = clients["admin"].get("/leads").content.decode()
    assert "/api/v1/leads/export" not in page
    assert "Экспорт в CSV — на тарифе «Про» и выше" in page
    assert 'href="/billing"' in page
