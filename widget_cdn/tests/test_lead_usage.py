"""The monthly lead counter behind the intake: atomic under concurrency, equal to a recount, reconciled, per month.

Real PostgreSQL and the real intake view; the concurrent test gives every thread its own connection.
"""

import json
import logging
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from billing import usage
from billing.models import LeadUsage, Plan, Subscription
from billing.tasks import reconcile_lead_usage
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead

MSK = ZoneInfo("Europe/Moscow")
SITE = "https://ulybka-dent.ru"


def make_widget(make_tenant, **kwargs) -> tuple[Tenant, str, str]:
    tenant = make_tenant(name="Улыбка", **kwargs)
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    publication = tenant.widget_publication
    return tenant, publication.public_key, publication.config["consent"]["version"]


def on_plan(tenant: Tenant, leads_per_month: int | None) -> None:
    Plan.objects.filter(code="start").update(leads_per_month=leads_per_month)
    Subscription.objects.update_or_create(account=tenant.account,
                                          defaults={"plan": Plan.objects.get(code="start"), "status": "active"})


def post_lead(key: str, consent_version: str, ip: str, name: str = "Анна"):
    body = {"name": name, "phone": "+7 916 123-45-67", "preferredChannel": "web", "consentPersonalData": True,
            "consentVersion": consent_version, "website": ""}
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=ip).post(
        f"/w/{key}/leads", json.dumps(body), content_type="application/json", headers={"Origin": SITE})


def leads_in(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return Lead.objects.count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_never_admit_more_than_the_plan_allows(make_tenant):
    tenant, key, consent = make_widget(make_tenant)
    on_plan(tenant, 5)
    assert [post_lead(key, consent, f"198.51.100.{n}").status_code for n in range(3)] == [201] * 3
    assert usage.leads_this_month(tenant.account_id) == 3

    start = threading.Barrier(10)
    answers: list[tuple[int, dict]] = []

    def intake(n: int) -> None:
        try:
            start.wait(timeout=30)
            response = post_lead(key, consent, f"203.0.113.{n}", name=f"Гость {n}")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=intake, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 2 + [402] * 8
    assert {body["error"]["code"] for status, body in answers if status == 402} == {"lead_limit_reached"}
    month = usage.month_of()
    assert usage.leads_this_month(tenant.account_id) == 5 == usage.recount(tenant.account_id, month)
    assert leads_in(tenant) == 5


def test_the_counter_equals_a_recount_across_the_workspaces_of_an_account(make_tenant, make_user):
    owner = make_user()
    first, first_key, first_consent = make_widget(make_tenant, owner=owner)
    second, second_key, second_consent = make_widget(make_tenant, owner=owner)
    Tenant.objects.filter(pk=second.pk).update(account=first.account)
    on_plan(first, None)
    other, other_key, other_consent = make_widget(make_tenant)  # another account: counted apart
    answers = [
        post_lead(first_key, first_consent, "198.51.100.1"),
        post_lead(second_key, second_consent, "198.51.100.2"),
        post_lead(second_key, second_consent, "198.51.100.3"),
        post_lead(first_key, first_consent, "198.51.100.4"),
        post_lead(second_key, second_consent, "198.51.100.5"),
        post_lead(other_key, other_consent, "198.51.100.6"),
        post_lead(first_key, "outdated-consent", "198.51.100.7"),  # refused: not counted
        post_lead(second_key, second_consent, "198.51.100.8", name=""),  # invalid: not counted
    ]
    assert [answer.status_code for answer in answers] == [201] * 6 + [400, 400]
    month = usage.month_of()
    assert (leads_in(first), leads_in(second)) == (2, 3)
    assert usage.leads_this_month(first.account_id) == 5 == usage.recount(first.account_id, month)
    assert usage.leads_this_month(other.account_id) == 1 == usage.recount(other.account_id, month)
    assert usage.reconcile() == 0  # nothing to correct


def test_a_refused_or_failed_lead_is_not_counted(make_tenant, monkeypatch):
    tenant, key, consent = make_widget(make_tenant)
    on_plan(tenant, 1)
    assert post_lead(key, consent, "198.51.100.1").status_code == 201
    assert post_lead(key, consent, "198.51.100.2").status_code == 402
    assert usage.leads_this_month(tenant.account_id) == 1
    on_plan(tenant, 5)

    def broken(**fields):  # the lead's own save fails after the counter was incremented
        raise RuntimeError("disk full")

    monkeypatch.setattr("widget_cdn.intake.create_lead", broken)
    with pytest.raises(RuntimeError):
        post_lead(key, consent, "198.51.100.3")
    assert usage.leads_this_month(tenant.account_id) == 1 == leads_in(tenant)


def test_over_the_plan_limit_with_redis_down_the_refusal_stays_polite(make_tenant, redis_unreachable, caplog):
    tenant, key, consent = make_widget(make_tenant)
    on_plan(tenant, 1)
    assert post_lead(key, consent, "198.51.100.1").status_code == 201
    refused = post_lead(key, consent, "198.51.100.2")
    assert refused.status_code == 402
    assert refused.json()["error"]["message"]
    assert "lead_limit_notice_postponed" in [record.getMessage() for record in caplog.records]


def test_reconcile_fixes_a_drifted_counter(make_tenant, caplog):
    tenant, key, consent = make_widget(make_tenant)
    on_plan(tenant, 5)
    for n in range(2):
        assert post_lead(key, consent, f"198.51.100.{n}").status_code == 201
    month = usage.month_of()
    LeadUsage.objects.filter(account=tenant.account, month=month).update(leads=4)  # drifted up
    with caplog.at_level(logging.WARNING, logger="billing.usage"):
        reconcile_lead_usage()  # the nightly task itself
    assert usage.leads_this_month(tenant.account_id) == 2
    corrected = [record for record in caplog.records if record.getMessage() == "lead_usage_corrected"]
    assert [(r.accountId, r.counted, r.actual) for r in corrected] == [(tenant.account_id, 4, 2)]

    LeadUsage.objects.filter(account=tenant.account).delete()  # lost entirely (e.g. leads written by hand)
    assert usage.reconcile() == 1
    assert usage.leads_this_month(tenant.account_id) == 2
    assert [post_lead(key, consent, f"198.51.100.{n}").status_code for n in range(5, 9)] == [201, 201, 201, 402]


def test_a_new_month_starts_a_new_counter(make_tenant):
    tenant, key, consent = make_widget(make_tenant)
    on_plan(tenant, 2)
    with time_machine.travel(datetime(2026, 3, 31, 23, 58, tzinfo=MSK), tick=False):
        assert [post_lead(key, consent, f"198.51.100.{n}").status_code for n in range(3)] == [201, 201, 402]
    # 21:00 UTC on the 31st is already April in Moscow
    with time_machine.travel(datetime(2026, 3, 31, 21, 0, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert usage.month_of() == date(2026, 4, 1)
        assert [post_lead(key, consent, f"198.51.100.{n}").status_code for n in range(3, 6)] == [201, 201, 402]
        assert usage.recount(tenant.account_id, date(2026, 4, 1)) == 2
        assert usage.reconcile() == 0
    counters = dict(LeadUsage.objects.filter(account=tenant.account).values_list("month", "leads"))
    assert counters == {date(2026, 3, 1): 2, date(2026, 4, 1): 2}
    assert usage.recount(tenant.account_id, date(2026, 3, 1)) == 2
    assert leads_in(tenant) == 4
