"""Team changes and exports in the workspace's audit log, through the workspace API and the invitation page: who
(the member), where (the workspace), over what (a colleague's e-mail, «Лиды»), the details, the IP — never a lead's
personal data."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from conftest import set_plan
from shared_apps.audit.models import AuditEntry
from shared_apps.tenancy.models import Invitation, Membership
from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db

ADMIN_IP = "203.0.113.50"
LEAD_NAME, LEAD_PHONE, LEAD_EMAIL = "Тамара Лидова", "+79160001122", "tamara@lidova.ru"


@pytest.fixture
def workspace(make_tenant):
    tenant = make_tenant(name="Клиника «Лотос»")
    set_plan(tenant, "pro")
    return tenant


@pytest.fixture
def admin(workspace) -> Client:
    client = Client(HTTP_HOST=workspace.primary_host, REMOTE_ADDR=ADMIN_IP)
    client.force_login(workspace.account.owner)
    return client


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _json(client: Client, method: str, url: str, body: dict | None = None):
    return client.generic(method, url, json.dumps(body) if body else "", content_type="application/json")


def test_invitations_a_join_a_role_change_and_a_removal(workspace, admin, send_mail_now):
    owner = workspace.account.owner
    with send_mail_now():
        assert _json(admin, "POST", "/api/v1/team/invitations",
                     {"email": "Ivan@Lotos.ru", "role": "operator"}).status_code == 201
        assert _json(admin, "POST", "/api/v1/team/invitations",
                     {"email": "olga@lotos.ru", "role": "analyst"}).status_code == 201
    token = re.search(r"/invite/(\S+)", mail.outbox[0].body).group(1)
    olga = Invitation.objects.get(email="olga@lotos.ru")
    assert _json(admin, "DELETE", f"/api/v1/team/invitations/{olga.pk}").status_code == 204

    invitee = Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7")
    joined = invitee.post(f"/invite/{token}", {"name": "Иван", "password": "Крепкий-пароль-2026"})
    assert joined.status_code == 302, joined.content
    ivan = Membership.objects.get(tenant=workspace, user__email="ivan@lotos.ru").user
    assert _json(admin, "PATCH", f"/api/v1/team/{ivan.pk}", {"role": "admin"}).status_code == 200
    assert _json(admin, "DELETE", f"/api/v1/team/{ivan.pk}").status_code == 204

    invited, _ = entries("team.member_invited")
    assert (invited.actor_id, invited.workspace_id, invited.account_id, invited.target) == (
        owner.pk, workspace.pk, workspace.account_id, "ivan@lotos.ru")
    assert (invited.details, invited.ip) == ({"role": "Оператор"}, ADMIN_IP)
    [revoked] = entries("team.invitation_revoked")
    assert (revoked.actor_id, revoked.target, revoked.details) == (owner.pk, "olga@lotos.ru", {"role": "Аналитик"})
    [join] = entries("team.member_joined")
    assert (join.actor_id, join.actor_label, join.workspace_id) == (ivan.pk, "ivan@lotos.ru", workspace.pk)
    assert (join.details, join.ip) == ({"role": "Оператор"}, "198.51.100.7")
    [role] = entries("team.role_changed")
    assert (role.actor_id, role.target, role.details) == (
        owner.pk, "ivan@lotos.ru", {"fromRole": "Оператор", "toRole": "Администратор"})
    [removed] = entries("team.member_removed")
    assert (removed.actor_id, removed.target, removed.details, removed.ip) == (
        owner.pk, "ivan@lotos.ru", {"role": "Администратор"}, ADMIN_IP)


def test_refused_team_changes_leave_no_entry(workspace, admin):
    owner = workspace.account.owner
    assert _json(admin, "PATCH", f"/api/v1/team/{owner.pk}", {"role": "operator"}).status_code == 403
    assert _json(admin, "DELETE", f"/api/v1/team/{owner.pk}").status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="team.").exists()


@pytest.fixture
def leads(workspace):
    with tenant_context(workspace):
        for n in range(3):
            Lead.objects.create(name=LEAD_NAME, phone=LEAD_PHONE, email=LEAD_EMAIL, status="new", utm_campaign="spring",
                                created_at=timezone.now() - timedelta(hours=n))


def test_a_leads_export_records_its_filters_and_rows_but_no_lead(workspace, admin, leads, settings):
    response = admin.get(f"/api/v1/leads/export?status=new&from=2026-01-01&q={LEAD_PHONE}&utmCampaign=spring")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    settings.LEAD_EXPORT_ASYNC_ROWS = 2
    assert admin.get("/api/v1/leads/export?format=xlsx").status_code == 202

    streamed, queued = entries("export.leads")
    assert (streamed.actor_id, streamed.workspace_id, streamed.target, streamed.ip) == (
        workspace.account.owner.pk, workspace.pk, "Лиды", ADMIN_IP)
    assert streamed.details == {"format": "CSV", "rows": 3, "contacts": "полностью",
                                "filters": "статус «Новый»; период 01.01.2026–…; utm_campaign «spring»; "
                                           "поиск по тексту"}
    assert queued.details == {"format": "XLSX", "rows": 3, "contacts": "полностью", "filters": "все лиды",
                              "background": True}
    stored = json.dumps([[e.target, e.details, e.actor_label] for e in (streamed, queued)], ensure_ascii=False)
    for personal in (LEAD_NAME, LEAD_PHONE, LEAD_PHONE[-4:], LEAD_EMAIL):
        assert personal not in stored


def test_an_analytics_export(workspace, admin):
    response = admin.get("/api/v1/analytics/export?from=2026-11-01&to=2026-11-27")
    assert response.status_code == 200
    [entry] = entries("export.analytics")
    assert (entry.actor_id, entry.workspace_id, entry.target, entry.ip) == (
        workspace.account.owner.pk, workspace.pk, "Аналитика", ADMIN_IP)
    assert entry.details == {"format": "CSV", "period": "01.11.2026–27.11.2026"}


def test_a_refused_export_is_not_recorded(workspace, admin):
    assert admin.get("/api/v1/leads/export?from=2026-02-01&to=2026-01-01").status_code == 400
    assert admin.get("/api/v1/analytics/export?from=2026-02-01&to=2026-01-01").status_code == 400
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()
