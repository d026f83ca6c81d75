"""The workspace's retention period of leads' personal data: the setting (page and API, audited) and the daily task
that erases the leads older than it, only where a period is set."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.audit.models import AuditEntry
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.analytics.models import DailyStat
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.privacy import BY_RETENTION, ERASED_NAME, months_before
from tenant_apps.leads.services import create_lead
from tenant_apps.leads.tasks import erase_expired_personal_data

pytestmark = pytest.mark.django_db


def _lead(name: str, age: timedelta) -> Lead:
    lead = create_lead(name=name, phone="+79161230000", email="old@example.ru")
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - age)
    return lead


def test_the_task_erases_only_leads_older_than_the_period_and_only_where_one_is_set(make_tenant):
    keeping, forever = make_tenant(), make_tenant()
    keeping.personal_data_retention_months = 6
    keeping.save()
    with tenant_context(keeping):
        old = [_lead("Старый Клиент", timedelta(days=200)) for _ in range(2)]
        recent = _lead("Новый Клиент", timedelta(days=150))
        sums = list(DailyStat.objects.values_list("dimension", "day", "key", "leads").order_by("dimension", "key"))
    with tenant_context(forever):
        ancient = _lead("Давний Клиент", timedelta(days=3000))

    assert erase_expired_personal_data() == 2
    assert erase_expired_personal_data() == 0  # nothing left to do the next day

    with tenant_context(keeping):
        for lead in old:
            erased = Lead.objects.get(pk=lead.pk)
            assert (erased.name, erased.phone, erased.email) == (ERASED_NAME, "", "")
            assert erased.erased_at is not None
            last = LeadEvent.objects.filter(lead=lead).last()
            assert (last.kind, last.text, last.actor_id) == (LeadEvent.Kind.ERASED, BY_RETENTION, None)
        assert Lead.objects.get(pk=recent.pk).erased_at is None
        assert list(DailyStat.objects.values_list("dimension", "day", "key", "leads")
                    .order_by("dimension", "key")) == sums
    with tenant_context(forever):
        assert Lead.objects.get(pk=ancient.pk).name == "Давний Клиент"
    purge = AuditEntry.objects.get(action="data.retention_purge", workspace_id=keeping.pk)
    assert (purge.actor_id, purge.actor_label, purge.details) == (None, "Система", {"leads": 2, "months": 6})
    assert not AuditEntry.objects.filter(action="data.retention_purge", workspace_id=forever.pk).exists()


def test_the_card_of_a_lead_erased_by_the_period_says_why(make_tenant, client_for):
    tenant = make_tenant()
    tenant.personal_data_retention_months = 1
    tenant.save()
    with tenant_context(tenant):
        lead = _lead("Старый Клиент", timedelta(days=40))
    erase_expired_personal_data()
    card = client_for(tenant, tenant.memberships.get().user).get(f"/leads/{lead.pk}").content.decode()
    assert "по сроку хранения" in card


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 11, 27, 5, 0), 6, datetime(2026, 5, 27, 5, 0)),
    (datetime(2026, 3, 31, 12, 0), 1, datetime(2026, 2, 28, 12, 0)),
    (datetime(2026, 1, 15), 13, datetime(2024, 12, 15)),
    (datetime(2026, 11, 27), 120, datetime(2016, 11, 27)),
])
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected


def test_the_admin_sets_the_period_on_the_workspace_page(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    admin = client_for(tenant, tenant.memberships.get().user)
    page = admin.get("/workspace").content.decode()
    assert "Хранить персональные данные лидов" in page
    assert "Сейчас персональные данные хранятся бессрочно" in page

    saved = admin.post("/workspace/retention", {"retention": "months", "retention_months": "6"})
    assert (saved.status_code, saved["Location"]) == (302, "/workspace#retention")
    page = admin.get("/workspace").content.decode()
    assert "Срок хранения персональных данных лидов: 6 месяцев." in page
    assert "Лиды старше 6 месяцев обезличиваются автоматически" in page
    assert "мес. после заявки" in page  # right for any number typed
    assert "статистика сохраняется" in page
    assert Tenant.objects.get(pk=tenant.pk).personal_data_retention_months == 6
    entry = AuditEntry.objects.get(action="data.retention_changed", workspace_id=tenant.pk)
    assert entry.details == {"from": None, "to": 6}

    for typed in ("0", "121", "шесть", ""):
        refused = admin.post("/workspace/retention", {"retention": "months", "retention_months": typed})
        assert refused.status_code == 400
        refusal = refused.content.decode()
        assert refusal.count("Укажите срок от 1 до 120 месяцев или выберите «бессрочно».") == 1  # by the field only
        assert "Не сохранено: проверьте выделенные поля." in refusal
    assert Tenant.objects.get(pk=tenant.pk).personal_data_retention_months == 6

    admin.post("/workspace/retention", {"retention": "forever", "retention_months": "6"})
    assert Tenant.objects.get(pk=tenant.pk).personal_data_retention_months is None
    unchanged = admin.post("/workspace/retention", {"retention": "forever"})
    assert "Срок хранения не изменился." in admin.get(unchanged["Location"]).content.decode()
    changes = AuditEntry.objects.filter(action="data.retention_changed", workspace_id=tenant.pk).order_by("id")
    assert [entry.details for entry in changes] == [{"from": None, "to": 6}, {"from": 6, "to": None}]

    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    assert client_for(tenant, operator).post("/workspace/retention", {"retention": "forever"}).status_code == 403


@pytest.mark.parametrize(("months", "older"),
                         [(1, "1 месяца"), (3, "3 месяцев"), (21, "21 месяца"), (24, "24 месяцев")])
def test_the_period_reads_right_for_any_number(make_tenant, client_for, months, older):
    tenant = make_tenant()
    admin = client_for(tenant, tenant.memberships.get().user)
    admin.post("/workspace/retention", {"retention": "months", "retention_months": str(months)})
    assert f"Лиды старше {older} обезличиваются" in admin.get("/workspace").content.decode()


def test_the_period_through_the_workspace_api(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    admin = client_for(tenant, tenant.memberships.get().user)
    assert admin.get("/api/v1/tenant").json()["personalDataRetentionMonths"] is None

    def patch(body: dict):
        return admin.patch("/api/v1/tenant", json.dumps(body), content_type="application/json")

    assert patch({"personalDataRetentionMonths": 12}).json()["personalDataRetentionMonths"] == 12
    assert patch({"name": "Новое имя"}).json()["personalDataRetentionMonths"] == 12  # not given: unchanged
    for bad in (0, 121, "год"):
        refused = patch({"personalDataRetentionMonths": bad})
        assert refused.status_code == 400, refused.content
        assert "personalDataRetentionMonths" in refused.json()["error"]["fields"]
    assert patch({"personalDataRetentionMonths": None}).json()["personalDataRetentionMonths"] is None
    changes = AuditEntry.objects.filter(action="data.retention_changed", workspace_id=tenant.pk).order_by("id")
    assert [entry.details for entry in changes] == [{"from": None, "to": 12}, {"from": 12, "to": None}]
    analyst = make_user()
    add_member(analyst, tenant, Membership.Role.ANALYST)
    forbidden = client_for(tenant, analyst).patch("/api/v1/tenant", json.dumps({"personalDataRetentionMonths": 1}),
                                                  content_type="application/json")
    assert forbidden.status_code == 403


def test_celery_beat_applies_the_periods_daily(settings):
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
                 if entry["task"] == "tenant_apps.leads.tasks.erase_expired_personal_data")
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({4}, {10})
