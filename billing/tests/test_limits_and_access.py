"""Entitlements (limits, features, access by status) and the server-side enforcement of read-only (grace) and
billing-only (blocked)."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import entitlements, usage
from billing.models import Plan, Subscription
from billing.services import prorated_kopecks, start_trial
from conftest import set_plan
from shared_apps.tenancy.models import Invitation, Membership
from tenant_apps.leads.models import Lead
from tenant_apps.team import errors as team_errors
from tenant_apps.team import services as team_services
from widget_cdn.models import WidgetPublication

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(("old", "new", "now", "expected"), [
    (499_000, 999_000, datetime(2026, 11, 1, tzinfo=MSK), 500_000),  # the whole period left: the full difference
    (499_000, 999_000, datetime(2026, 11, 16, tzinfo=MSK), 250_000),  # half of a 30-day month
    (999_000, 1_999_000, datetime(2026, 11, 21, tzinfo=MSK), 333_333),  # 10 of 30 days: 333 333.33 → 333 333
    (499_000, 1_999_000, datetime(2026, 11, 11, tzinfo=MSK), 1_000_000),  # 20 of 30 days of 15 000 ₽
    (499_000, 999_000, datetime(2026, 11, 30, 23, tzinfo=MSK), 694),  # one hour of 720: 5 000 ₽ / 720 = 6,94 ₽
    (499_000, 999_000, datetime(2026, 12, 2, tzinfo=MSK), 0),  # after the period: nothing
    (999_000, 499_000, datetime(2026, 11, 16, tzinfo=MSK), 0),  # a downgrade is never charged
])
def test_proration_to_the_kopeck(old, new, now, expected):
    start, end = datetime(2026, 11, 1, tzinfo=MSK), datetime(2026, 12, 1, tzinfo=MSK)
    assert prorated_kopecks(old, new, start, end, now) == expected


def test_proration_rounds_half_up():
    start, end = datetime(2026, 11, 1, tzinfo=MSK), datetime(2026, 11, 3, tzinfo=MSK)
    assert prorated_kopecks(0, 1, start, end, datetime(2026, 11, 2, tzinfo=MSK)) == 1  # 0.5 kopeck → 1


def test_leads_are_counted_across_all_workspaces_of_the_account(make_tenant, make_user):
    owner = make_user()
    first = make_tenant(owner=owner)
    second = make_tenant(owner=owner)
    second.account = first.account
    second.save()
    set_plan(first, "start")
    for tenant, count in ((first, 2), (second, 3)):
        with tenant_context(tenant):
            for i in range(count):
                Lead.objects.create(name=f"Лид {i}", phone="+79990000000", created_at=timezone.now())
    assert usage.recount(first.account.pk, usage.month_of()) == 5
    usage.reconcile_account(first.account.pk)
    assert entitlements.usage(first.account).leads_this_month == 5
    assert entitlements.usage(first.account).tenants == 2


def test_monthly_lead_limit_is_per_account(make_tenant):
    tenant = make_tenant()
    plan = set_plan(tenant, "start")
    plan.leads_per_month = 2
    plan.save()
    with tenant_context(tenant):
        with transaction.atomic():
            assert entitlements.admit_lead(tenant.account) == 1
        with transaction.atomic():
            assert entitlements.admit_lead(tenant.account) == 2
        with pytest.raises(entitlements.LimitReached) as refused, transaction.atomic():
            entitlements.admit_lead(tenant.account)
    assert refused.value.status == 402
    assert refused.value.code == "lead_limit_reached"
    assert refused.value.message == "Лимит тарифа «Старт» — 2 заявок в месяц — исчерпан."
    assert usage.leads_this_month(tenant.account.pk) == 2


@pytest.mark.parametrize(("plan", "feature", "allowed"), [
    ("trial", entitlements.Feature.API, True), ("start", entitlements.Feature.EXPORT, False),
    ("start", entitlements.Feature.CUSTOM_LOGO, False), ("pro", entitlements.Feature.EXPORT, True),
    ("pro", entitlements.Feature.API, False), ("business", entitlements.Feature.API, True),
])
def test_features_follow_the_plan(make_tenant, plan, feature, allowed):
    tenant = make_tenant()
    set_plan(tenant, plan)
    assert entitlements.allows(tenant.account, feature) is allowed
    if allowed:
        entitlements.check_feature(tenant.account, feature)
    else:
        with pytest.raises(entitlements.LimitReached) as refused:
            entitlements.check_feature(tenant.account, feature)
        assert (refused.value.status, refused.value.code) == (403, "plan_feature")
        assert "недоступна на тарифе" in refused.value.message


def test_downgrade_blockers_name_what_does_not_fit(make_tenant, make_user, add_member):
    tenant = make_tenant()
    set_plan(tenant, "pro")
    for _ in range(3):
        add_member(make_user(), tenant)
    assert Membership.objects.filter(tenant=tenant).count() == 4
    problems = entitlements.downgrade_blockers(tenant.account, Plan.objects.get(code="start"))
    assert problems == ["в команде 4 участников, а на тарифе «Старт» — до 3"]
    assert entitlements.downgrade_blockers(tenant.account, Plan.objects.get(code="business")) == []


def _status(tenant, status: str) -> None:
    Subscription.objects.filter(account=tenant.account).update(status=status)


@pytest.fixture
def admin_client(make_tenant, client_for):
    tenant = make_tenant()
    start_trial(tenant.account)
    return tenant, client_for(tenant, tenant.account.owner)


def test_grace_is_read_only_on_every_write_path(admin_client):
    tenant, client = admin_client
    _status(tenant, Subscription.Status.GRACE)
    assert client.get("/api/v1/widget").status_code == 200  # reading still works
    refused = client.put("/api/v1/widget", {}, content_type="application/json")
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "subscription_read_only"
    assert "только для чтения" in refused.json()["error"]["message"]
    assert client.patch("/api/v1/tenant", {"name": "Новое"}, content_type="application/json").status_code == 402
    assert client.post("/api/v1/team/invitations", {"email": "x@example.ru", "role": "operator"},
                       content_type="application/json").status_code == 402
    page = client.post("/team/invite", {"email": "x@example.ru", "role": "operator"},
                       headers={"Referer": f"http://{tenant.primary_host}/team"})
    assert page.status_code == 302
    assert page.headers["Location"] == f"http://{tenant.primary_host}/team"
    elsewhere = client.post("/team/invite", {"email": "x@example.ru"}, headers={"Referer": "https://evil.example/"})
    assert elsewhere.headers["Location"] == "/"
    assert "только для чтения" in client.get("/team").content.decode()
    tenant.refresh_from_db()
    assert tenant.name == "ООО «Тест»"  # nothing was written
    assert client.get("/api/v1/billing/subscription").json()["status"] == "grace"


def test_blocked_leaves_only_billing(admin_client):
    tenant, client = admin_client
    _status(tenant, Subscription.Status.BLOCKED)
    assert client.get("/leads").headers["Location"] == "/billing"
    refused = client.get("/api/v1/leads")
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "subscription_blocked"
    assert client.get("/api/v1/billing/subscription").status_code == 200
    assert client.get("/settings").status_code == 200  # the personal profile stays open


def test_workspace_creation_is_refused_while_unpaid(admin_client, client_for):
    tenant, _ = admin_client
    _status(tenant, Subscription.Status.BLOCKED)
    client = client_for(None, tenant.account.owner)
    response = client.post("/api/v1/tenants", {"name": "Второй филиал"}, content_type="application/json")
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "subscription_blocked"


def test_the_widget_keeps_working_in_grace_and_is_off_when_blocked(admin_client, client_for):
    tenant, _ = admin_client
    key = WidgetPublication.objects.get(tenant=tenant).public_key
    public = client_for()
    _status(tenant, Subscription.Status.GRACE)
    assert public.get(f"/w/{key}/config.json").status_code == 200
    _status(tenant, Subscription.Status.BLOCKED)
    off = public.get(f"/w/{key}/config.json")
    assert off.status_code == 403
    assert off.json()["error"]["code"] == "tenant_blocked"
    _status(tenant, Subscription.Status.ACTIVE)
    assert public.get(f"/w/{key}/config.json").status_code == 200


def test_a_blocked_workspace_takes_no_new_members(admin_client, make_user):
    tenant, _ = admin_client
    invitee = make_user(email="new.colleague@example.ru")
    Invitation.objects.create(tenant=tenant, email=invitee.email, role="operator",
                              token_hash=hashlib.sha256(b"join-me").hexdigest(),
                              expires_at=timezone.now() + timedelta(days=7))
    _status(tenant, Subscription.Status.BLOCKED)
    with pytest.raises(team_errors.PlanLimitReached) as refused:
        team_services.accept_existing("join-me", invitee)
    assert "Доступ приостановлен" in refused.value.message
    assert not Membership.objects.filter(tenant=tenant, user=invitee).exists()
    _status(tenant, Subscription.Status.ACTIVE)
    assert team_services.accept_existing("join-me", invitee).role == "operator"
