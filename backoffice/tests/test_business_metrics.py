"""The business metrics on constructed data: sign-ups, trials that convert or lapse, a paying customer who leaves,
leads with their first contacts in two time zones; the stored rows, the collector and the page."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context

from backoffice import business_metrics, services, tasks
from backoffice.metrics import BusinessCollector
from backoffice.models import BusinessDay
from billing.models import LeadUsage, Plan, Subscription, SubscriptionEvent
from shared_apps.accounts.models import Account, User
from shared_apps.onboarding.models import WizardProgress
from shared_apps.tenancy.models import Tenant
from tenant_apps.analytics.models import LeadFact

pytestmark = pytest.mark.django_db
MOSCOW = business_metrics.MOSCOW
Status = Subscription.Status
# Noon a week ago: the constructed history lies before it, the workspaces' real creation after it is moved back.
DAY = timezone.localtime(timezone.now(), MOSCOW).date() - timedelta(days=7)
NOW = datetime.combine(DAY, time(12), tzinfo=MOSCOW)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def customer(make_user, name: str, registered: datetime, trial_ends: datetime,
             history: list[tuple[float, str, str, str, str]]) -> Account:
    """An account with its subscription and history: (days ago, from, to, reason, plan code) per step."""
    account = Account.objects.create(name=name, owner=make_user())
    Account.objects.filter(pk=account.pk).update(created_at=registered)
    plans = {plan.code: plan for plan in Plan.objects.all()}
    subscription = Subscription.objects.create(account=account, plan=plans["trial"], status=Status.TRIALING,
                                               trial_ends_at=trial_ends)
    SubscriptionEvent.objects.create(subscription=subscription, to_status=Status.TRIALING,
                                     reason="subscription_created", plan=plans["trial"], created_at=registered)
    for ago, before, after, reason, plan in history:
        SubscriptionEvent.objects.create(subscription=subscription, from_status=before, to_status=after,
                                         reason=reason, plan=plans[plan], created_at=days_ago(ago))
        subscription.status, subscription.plan = after, plans[plan]
    subscription.save()
    return account


@pytest.fixture
def platform(make_user, make_tenant):
    """Six customers (see each one's comment) and four workspaces."""
    # A: trial ended 26 days ago, paid the day before: «Старт», active.
    customer(make_user, "A", days_ago(40), days_ago(26), [(27, "trialing", "active", "payment_succeeded", "start")])
    # B: trial ended 21 days ago unpaid: grace, then blocked.
    customer(make_user, "B", days_ago(35), days_ago(21), [(21, "trialing", "grace", "trial_expired", "trial"),
                                                          (14, "grace", "blocked", "grace_expired", "trial")])
    # C: trial ended 6 days ago and paid that day: «Про», active.
    customer(make_user, "C", days_ago(20), days_ago(6), [(6, "trialing", "active", "payment_succeeded", "pro")])
    # D: paying «Старт» for weeks, canceled 3 days ago: the week's churn.
    customer(make_user, "D", days_ago(60), days_ago(46), [(50, "trialing", "active", "payment_succeeded", "start"),
                                                          (3, "active", "canceled", "period_ended_canceled", "start")])
    # E: signed up today, an hour ago.
    customer(make_user, "E", days_ago(1 / 24), days_ago(-14), [])
    # F: trial ended yesterday unpaid: grace.
    customer(make_user, "F", days_ago(10), days_ago(1), [(1, "trialing", "grace", "trial_expired", "trial")])

    moscow, vladivostok, signed_in, idle = (make_tenant(name=name) for name in ("Москва", "Владивосток", "Вход",
                                                                                  "Тишина"))
    Tenant.objects.filter(kind=Tenant.Kind.CLIENT).update(created_at=days_ago(90))
    Tenant.objects.filter(pk=vladivostok.pk).update(timezone="Asia/Vladivostok")  # UTC+10: Moscow + 7 h
    User.objects.filter(memberships__tenant=signed_in).update(last_login=days_ago(20))
    User.objects.filter(memberships__tenant=idle).update(last_login=days_ago(45))
    with tenant_context(moscow):
        for lead_id, (day, hour, ttfc) in enumerate([(DAY, 9, 30), (DAY, 10, 60), (DAY, 11, 90), (DAY, 11, None),
                                                     (DAY - timedelta(days=1), 20, 600),  # in the last 24 h
                                                     (DAY - timedelta(days=1), 11, 5)]):  # 25 h ago: not
            LeadFact.objects.create(lead_id=lead_id + 1, day=day, hour=hour, channel="web", status="new",
                                    contacted=ttfc is not None, ttfc_seconds=ttfc)
        LeadFact.objects.create(lead_id=99, day=DAY, hour=12, channel="web", status="new")  # after the cutoff
    with tenant_context(vladivostok):  # 18:00 there is 11:00 in Moscow
        LeadFact.objects.create(lead_id=1, day=DAY, hour=18, channel="web", status="new", contacted=True,
                                ttfc_seconds=120)
    return moscow


def test_the_days_figures_follow_their_definitions(platform):
    figures = business_metrics.compute_day(DAY, NOW)
    assert figures.registrations == 1  # E
    assert figures.trials_started == 1
    assert figures.trials_ended == 0
    assert figures.trials_converted == 0
    assert figures.churned == 0
    assert figures.paying_accounts == 2  # A and C (D canceled, B never paid)
    assert figures.mrr_kopecks == 499_000 + 999_000
    # Trials that ended in the last 30 days: A, B, C, F; paid: A, C.
    assert (figures.trials_converted_30d, figures.trials_ended_30d) == (2, 4)
    # Paying a week ago: A and D (C was still on its trial); D is gone.
    assert (figures.paying_lost_7d, figures.paying_7d_ago) == (1, 2)
    assert figures.active_workspaces == 3  # two with leads, one with a sign-in 20 days ago; not the idle one
    assert figures.leads_processed == 5  # 4 in Moscow before noon, 1 in Vladivostok at 11:00 Moscow time
    # Contacted in the 24 h before noon: 30, 60, 90, 600 (Moscow) and 120 (Vladivostok).
    assert figures.first_contact_median_seconds == 90
    assert figures.first_contact_p95_seconds == pytest.approx(120 + (600 - 120) * 0.8)


def test_past_days_read_the_history(platform):
    three_days_ago = business_metrics.compute_day(DAY - timedelta(days=3), NOW)
    assert three_days_ago.churned == 1  # D canceled
    assert three_days_ago.paying_accounts == 2  # A and C at the end of that day (D no more)
    six_days_ago = business_metrics.compute_day(DAY - timedelta(days=6), NOW)
    assert (six_days_ago.trials_ended, six_days_ago.trials_converted) == (1, 1)  # C
    assert six_days_ago.paying_accounts == 3  # A, C and D
    assert six_days_ago.mrr_kopecks == 499_000 * 2 + 999_000
    yesterday = business_metrics.compute_day(DAY - timedelta(days=1), NOW)
    assert yesterday.leads_processed == 2
    assert yesterday.first_contact_median_seconds == pytest.approx((5 + 600) / 2)


def test_the_row_ratios_and_arpu(platform):
    row = services.record_day(DAY, NOW)
    assert row.trial_conversion == 0.5
    assert row.weekly_churn == 0.5
    assert row.arpu_kopecks == 749_000
    assert services.record_day(DAY, NOW).pk == row.pk  # recomputed in place
    empty = BusinessDay(day=DAY)
    assert (empty.trial_conversion, empty.weekly_churn, empty.arpu_kopecks) == (None, None, None)


def test_the_task_writes_today_and_yesterday_and_the_command_backfills(platform, capsys):
    tasks.record_business_metrics()
    today = business_metrics.today()
    assert set(BusinessDay.objects.values_list("day", flat=True)) == {today, today - timedelta(days=1)}
    call_command("backfill_business_metrics", "10")
    assert BusinessDay.objects.count() == 10
    assert "пересчитаны за 10 дней" in capsys.readouterr().out
    now = timezone.now()  # the subscriptions' state and their history's last rows tell the same
    assert business_metrics.paying_at(now, now) == business_metrics.paying_at(now - timedelta(seconds=1), now)


def test_the_collector_reads_the_latest_row(platform):
    row = BusinessDay.objects.create(day=business_metrics.today(), computed_at=timezone.now(), registrations=3,
                                     paying_accounts=2, mrr_kopecks=1_498_000, active_workspaces=7,
                                     first_contact_median_seconds=90, first_contact_p95_seconds=504,
                                     trials_ended_30d=4, trials_converted_30d=1, paying_7d_ago=20, paying_lost_7d=1)
    LeadUsage.objects.create(account=Account.objects.first(), month=date(2026, 1, 1), leads=40)
    LeadUsage.objects.create(account=Account.objects.last(), month=date(2026, 2, 1), leads=2)
    families = {family.name: family for family in BusinessCollector().collect()}
    assert set(families) == {
        "fastlead_trial_conversion_ratio", "fastlead_churn_ratio_weekly", "fastlead_mrr_rubles", "fastlead_arpu_rubles",
        "fastlead_active_workspaces", "fastlead_registrations_today", "fastlead_leads_processed",
        "fastlead_first_contact_seconds", "fastlead_onboarding_cohort_accounts", "fastlead_onboarding_stuck_ratio",
    }

    def value(name: str, **labels: str) -> float:
        return next(s.value for s in families[name].samples if s.labels == labels)

    assert value("fastlead_trial_conversion_ratio") == 0.25
    assert value("fastlead_churn_ratio_weekly") == 0.05
    assert value("fastlead_mrr_rubles") == 14_980
    assert value("fastlead_arpu_rubles") == 7_490
    assert value("fastlead_active_workspaces") == 7
    assert value("fastlead_registrations_today") == 3
    assert families["fastlead_leads_processed"].type == "counter"
    assert families["fastlead_leads_processed"].samples[0].name == "fastlead_leads_processed_total"
    assert value("fastlead_leads_processed") == 42
    assert value("fastlead_first_contact_seconds", percentile="50") == 90
    assert value("fastlead_first_contact_seconds", percentile="95") == 504

    BusinessDay.objects.filter(pk=row.pk).update(day=row.day - timedelta(days=1), trials_ended_30d=0)
    families = {family.name: family for family in BusinessCollector().collect()}
    assert families["fastlead_registrations_today"].samples[0].value == 0  # yesterday's sign-ups are not today's
    assert families["fastlead_trial_conversion_ratio"].samples == []  # undefined: no sample, no false alert


def test_the_metrics_page_shows_tiles_and_charts(platform, make_user, client_for):
    services.backfill(3, NOW)
    staff = client_for(None, make_user(is_staff=True, is_superuser=True))
    assert 'href="/admin/metrics/"' in staff.get("/admin/").content.decode()
    html = staff.get("/admin/metrics/").content.decode()
    for text in ("Бизнес-метрики", "Конверсия пробный → платный (30 дней)", "50,0\u00a0%", "14\u00a0980\u00a0₽",
                 "7\u00a0490\u00a0₽", "1\u00a0мин 30\u00a0с", 'id="business-metrics-data"', "chart-mrr",
                 "js/echarts.min.js", "backoffice/metrics.js"):
        assert text in html, text
    assert "<script>" not in html.split("business-metrics-data")[0].split("</head>")[-1]  # no inline script
    assert staff.get("/admin/metrics/?days=365").status_code == 200
    assert staff.get("/admin/metrics/?days=abc").status_code == 200
    BusinessDay.objects.all().delete()
    assert "Метрики ещё не посчитаны" in staff.get("/admin/metrics/").content.decode()


def test_the_scrape_carries_the_business_metrics(platform):
    from core.metrics import exposition

    services.record_day(business_metrics.today(), timezone.now())
    text = exposition().decode()
    for name in ("fastlead_mrr_rubles ", "fastlead_active_workspaces ", "fastlead_registrations_today ",
                 "fastlead_leads_processed_total ", 'fastlead_scrape_errors{source="business"} 0.0'):
        assert name in text, name


def test_the_onboarding_cohort_counts_sign_ups_whose_workspaces_never_finished_the_wizard(make_tenant):
    now = timezone.now()
    finished, stuck, stuck_midway, too_new, too_old = (make_tenant() for _ in range(5))
    for tenant, days in ((finished, 3), (stuck, 2), (stuck_midway, 7.5), (too_new, 0.5), (too_old, 9)):
        Account.objects.filter(pk=tenant.account_id).update(created_at=now - timedelta(days=days))
    WizardProgress.objects.update_or_create(tenant=finished, defaults={"completed_at": now - timedelta(days=2)})
    WizardProgress.objects.update_or_create(tenant=stuck_midway, defaults={"done": ["workspace"], "current": "widget"})

    assert business_metrics.onboarding_cohort(now) == (3, 2)
    families = {family.name: family for family in BusinessCollector().collect()}
    assert families["fastlead_onboarding_cohort_accounts"].samples[0].value == 3
    assert families["fastlead_onboarding_stuck_ratio"].samples[0].value == pytest.approx(2 / 3)

    Account.objects.all().update(created_at=now)  # nobody old enough: the ratio is undefined, no sample
    families = {family.name: family for family in BusinessCollector().collect()}
    assert families["fastlead_onboarding_stuck_ratio"].samples == []
