"""Alerts to the staff: a lead waiting for a first answer (once a lead, the workspace's threshold), an escalation
(through the outbox, to the admins and the assigned member but not the one who escalated), the plan's lead limit
at 80 % and 100 % (once a month per threshold), and the settings form (admins only, Russian 400 on bad input)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from billing.models import LeadUsage
from billing.usage import month_of
from conftest import set_plan
from core.models import OutboxMessage
from shared_apps.tenancy.models import Membership
from tenant_apps.leads.models import Lead
from tenant_apps.leads.services import escalate
from tenant_apps.reports.alerts import staff_senders
from tenant_apps.reports.models import AlertSettings, LeadAlert, LimitAlert
from tenant_apps.reports.services import run_alerts

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(make_tenant, make_user, add_member):
    tenant = make_tenant(name="Клиника")
    set_plan(tenant, "trial")  # 50 leads a month
    owner = tenant.memberships.get().user
    operator, analyst = make_user(full_name="Иван"), make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    return tenant, owner, operator, analyst


def _lead(tenant, name: str, created_at: datetime, **extra) -> Lead:
    with tenant_context(tenant):
        return Lead.objects.create(name=name, created_at=created_at, **extra)


def _run(send_mail_now, now=NOW) -> int:
    with send_mail_now():
        return run_alerts(now)


def test_a_lead_waiting_over_the_threshold_is_alerted_once(world, send_mail_now):
    tenant, owner, operator, _analyst = world
    waiting = _lead(tenant, "Анна", NOW - timedelta(minutes=16), assigned_to=operator)
    _lead(tenant, "Борис", NOW - timedelta(minutes=14))  # not yet 15 minutes
    _lead(tenant, "Вера", NOW - timedelta(minutes=40), status="contacted", first_contact_at=NOW)  # answered
    _lead(tenant, "Глеб", NOW - timedelta(days=3))  # from before: not alerted about all at once
    assert _run(send_mail_now) == 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, operator.email])
    message = mail.outbox[0]
    assert message.subject == "Заявка ждёт ответа 16 мин — Клиника"
    assert "Анна" in message.body
    assert f"{tenant.url}leads/{waiting.pk}" in message.body
    assert _run(send_mail_now, NOW + timedelta(minutes=5)) == 1  # Борис now; Анна not again
    assert len(mail.outbox) == 3  # Борис is not assigned: the admin only
    assert _run(send_mail_now, NOW + timedelta(minutes=30)) == 0
    with tenant_context(tenant):
        assert LeadAlert.objects.count() == 2


def test_the_workspace_threshold_and_switch_apply(world, send_mail_now):
    tenant, *_ = world
    with tenant_context(tenant):
        AlertSettings.objects.create(waiting_minutes=30)
    _lead(tenant, "Анна", NOW - timedelta(minutes=20))
    assert _run(send_mail_now) == 0
    assert _run(send_mail_now, NOW + timedelta(minutes=10)) == 1
    _lead(tenant, "Борис", NOW - timedelta(minutes=50))
    with tenant_context(tenant):
        AlertSettings.objects.update(waiting_enabled=False)
    assert _run(send_mail_now, NOW + timedelta(minutes=10)) == 0


def test_an_escalation_reaches_the_admins_and_the_assignee_through_the_outbox(world, make_user, add_member,
                                                                               send_mail_now):
    tenant, owner, operator, _analyst = world
    second_admin = make_user(full_name="Ольга")
    add_member(second_admin, tenant, Membership.Role.ADMIN)
    lead = _lead(tenant, "Анна", NOW, assigned_to=operator)
    with send_mail_now(), tenant_context(tenant):
        escalate(lead.pk, second_admin, "Клиент недоволен сроками")
        assert OutboxMessage.objects.filter(handler="tenant_apps.reports.services.alert_escalation").exists()
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([owner.email, operator.email])  # not Ольга, who escalated; not the analyst
    message = mail.outbox[0]
    assert message.subject == "Эскалация: Анна — Клиника"
    assert "Ольга эскалировал(а) заявку «Анна»" in message.body
    assert "Клиент недоволен сроками" in message.body
    with tenant_context(tenant):
        assert OutboxMessage.objects.filter(handler="tenant_apps.reports.services.alert_escalation",
                                            done_at__isnull=False).count() == 1


def test_escalation_alerts_can_be_switched_off(world, send_mail_now):
    tenant, _owner, operator, _ = world
    lead = _lead(tenant, "Анна", NOW)
    with tenant_context(tenant):
        AlertSettings.objects.create(escalation_enabled=False)
    with send_mail_now(), tenant_context(tenant):
        escalate(lead.pk, operator, "")
    assert mail.outbox == []


def _usage(tenant, leads: int) -> None:
    LeadUsage.objects.update_or_create(account=tenant.account, month=month_of(NOW), defaults={"leads": leads})


def test_the_lead_limit_alerts_at_80_and_100_percent_once_a_month(world, send_mail_now):
    tenant, owner, _operator, _ = world
    _usage(tenant, 39)  # 78 % of 50
    assert _run(send_mail_now) == 0
    _usage(tenant, 40)
    assert _run(send_mail_now) == 1
    assert [message.to for message in mail.outbox] == [[owner.email]]  # admins only
    assert mail.outbox[0].subject == "Использовано 80 % лимита заявок — Клиника"
    assert "принято 40 из 50 заявок" in mail.outbox[0].body
    _usage(tenant, 45)
    assert _run(send_mail_now) == 0  # 80 % was told already this month
    _usage(tenant, 50)
    assert _run(send_mail_now) == 1
    assert mail.outbox[-1].subject == "Лимит заявок исчерпан — Клиника"
    assert _run(send_mail_now, NOW + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2
    with tenant_context(tenant):
        assert sorted(LimitAlert.objects.values_list("threshold", flat=True)) == [80, 100]


def test_both_thresholds_at_once_send_one_alert_about_100(world, send_mail_now):
    tenant, *_ = world
    _usage(tenant, 50)
    assert _run(send_mail_now) == 1
    assert [message.subject for message in mail.outbox] == ["Лимит заявок исчерпан — Клиника"]


def test_an_unlimited_plan_gets_no_limit_alerts(world, send_mail_now):
    tenant, *_ = world
    set_plan(tenant, "business")
    _usage(tenant, 100_000)
    assert _run(send_mail_now) == 0


def test_staff_senders_get_the_alert_text(world, send_mail_now):
    tenant, owner, operator, _ = world
    got: list[tuple[list[int], str]] = []
    staff_senders.append(lambda users, text: got.append((users, text)))
    try:
        _lead(tenant, "Анна", NOW - timedelta(minutes=20), assigned_to=operator)
        _run(send_mail_now)
    finally:
        staff_senders.pop()
    [(users, text)] = got
    assert sorted(users) == sorted([owner.pk, operator.pk])
    assert text.startswith("⏰ Клиника: заявка «Анна» (Веб-форма) ждёт ответа 20 мин.")


def test_the_alert_settings_form_is_for_admins_with_russian_errors(admin_and_operator):
    tenant, admin, operator = admin_and_operator
    page = admin.get("/settings").content.decode()
    assert "Оповещения администраторам" in page
    assert 'name="waiting_minutes"' in page
    assert "Оповещения администраторам" not in operator.get("/settings").content.decode()
    assert operator.post("/settings/alerts", {"waiting_minutes": "5"}).status_code == 403

    bad = admin.post("/settings/alerts", {"waiting_enabled": "on", "waiting_minutes": "0"})
    assert bad.status_code == 400
    assert "Укажите число минут от 1 до 1440." in bad.content.decode()
    with tenant_context(tenant):
        assert not AlertSettings.objects.filter(waiting_minutes=0).exists()

    ok = admin.post("/settings/alerts", {"waiting_enabled": "on", "waiting_minutes": "45", "limit_enabled": "on"})
    assert ok.status_code == 302
    with tenant_context(tenant):
        saved = AlertSettings.objects.get()
    assert (saved.waiting_enabled, saved.waiting_minutes, saved.escalation_enabled, saved.limit_enabled) == (
        True, 45, False, True)
