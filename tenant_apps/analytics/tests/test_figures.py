"""The figures equal the hand-computed ones of conftest's workspace, stay right as leads change, and a rebuild
from the leads gives exactly what the changes built up."""

import datetime as dt

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from tenant_apps.analytics import selectors
from tenant_apps.analytics.models import DailyStat, LeadFact
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead

from .conftest import PERIOD, arrive, at, contact

pytestmark = pytest.mark.django_db


def test_dashboard_figures_match_the_hand_computed_ones(admin):
    body = admin.get(f"/api/v1/analytics/dashboard?{PERIOD}").json()
    assert body["period"] == {"from": "2026-03-10", "to": "2026-03-11"}
    assert body["previousPeriod"] == {"from": "2026-03-08", "to": "2026-03-09"}
    assert body["current"] == {"leads": 4, "contacted": 3, "booked": 1, "lost": 1, "conversion": 25.0,
                               "ttfcMedianSeconds": 90, "ttfcP90Seconds": 498}  # 90 + 0.8 × (600 − 90)
    assert body["previous"] == {"leads": 1, "contacted": 1, "booked": 0, "lost": 0, "conversion": 0.0,
                                "ttfcMedianSeconds": 120, "ttfcP90Seconds": 120}
    # Moscow days: the 23:30 UTC lead of the 10th arrived on the 11th.
    assert body["days"] == [{"date": "2026-03-10", "leads": 2}, {"date": "2026-03-11", "leads": 2}]
    assert body["previousDays"] == [{"date": "2026-03-08", "leads": 0}, {"date": "2026-03-09", "leads": 1}]
    cells = {(weekday, hour): leads for weekday, row in enumerate(body["heatmap"]) for hour, leads in enumerate(row)
             if leads}
    assert cells == {(1, 12): 1, (1, 23): 1, (2, 2): 1, (2, 13): 1}  # Tuesday 12 and 23, Wednesday 2 and 13
    assert [(row["key"], row["leads"], row["booked"], row["previousLeads"]) for row in body["pages"]] == [
        ("/price", 2, 1, 0), ("/", 1, 0, 1), ("/contacts", 1, 0, 0)]
    assert [(row["key"], row["leads"], row["conversion"]) for row in body["campaigns"]] == [
        ("", 2, 0.0), ("spring", 2, 50.0)]


def test_channels_and_funnel(admin):
    channels = admin.get(f"/api/v1/analytics/channels?{PERIOD}").json()["channels"]
    assert [(row["key"], row["label"], row["leads"], row["contacted"], row["booked"], row["conversion"],
             row["previousLeads"]) for row in channels] == [
        ("web", "Веб-форма", 3, 2, 1, 33.3, 1), ("telegram", "Telegram", 1, 1, 0, 0.0, 0)]
    stages = admin.get(f"/api/v1/analytics/funnel?{PERIOD}").json()["stages"]
    assert [(s["stage"], s["count"], s["rate"], s["ofLeads"], s["previousCount"]) for s in stages] == [
        ("new", 4, 100.0, 100.0, 1), ("contacted", 3, 75.0, 75.0, 1), ("booked", 1, 33.3, 25.0, 0)]


def test_a_workspace_elsewhere_counts_its_own_days(make_tenant, client_for):
    """The same moment is another day in another zone: days follow the workspace's time zone."""
    tenant = make_tenant()
    tenant.timezone = "America/New_York"
    tenant.save(update_fields=["timezone"])
    with tenant_context(tenant):
        arrive(at(10, 3))  # 9 March, 23:00 in New York
    client = client_for(tenant, tenant.memberships.get().user)
    days = client.get("/api/v1/analytics/dashboard?from=2026-03-09&to=2026-03-10").json()["days"]
    assert days == [{"date": "2026-03-09", "leads": 1}, {"date": "2026-03-10", "leads": 0}]


def _snapshot() -> tuple[list, list]:
    stats = sorted(DailyStat.objects.values_list("dimension", "day", "key", "leads", "contacted", "booked", "lost"))
    facts = sorted(LeadFact.objects.values_list("lead_id", "day", "hour", "channel", "page", "campaign", "status",
                                                "contacted", "ttfc_seconds"))
    return stats, facts


def test_status_changes_through_the_services_keep_the_figures_right_and_equal_a_rebuild(workspace, admin):
    with tenant_context(workspace):
        late = Lead.objects.get(channel="telegram")
        fresh = Lead.objects.get(name="Новый")
        services.change_status(late.pk, Lead.Status.BOOKED, None)
        contact(fresh, 45)
        services.change_status(fresh.pk, Lead.Status.LOST, None, lost_reason=Lead.LostReason.SPAM)
        price = Lead.objects.get(utm_campaign="spring", status=Lead.Status.BOOKED)
        with services.transaction.atomic():
            services.cancel_booking(services.locked(price.pk))
        services.change_status(fresh.pk, Lead.Status.LOST, None, lost_reason=Lead.LostReason.OTHER)  # same sums
    current = admin.get(f"/api/v1/analytics/dashboard?{PERIOD}").json()["current"]
    # contacted: all four now; booked: only «late» (price's booking was cancelled); lost: midnight and fresh.
    assert current == {"leads": 4, "contacted": 4, "booked": 1, "lost": 2, "conversion": 25.0,
                       "ttfcMedianSeconds": 68, "ttfcP90Seconds": 447}  # of 30, 45, 90, 600
    with tenant_context(workspace):
        incremental = _snapshot()
        call_command("rebuild_analytics", schema=workspace.schema_name, stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert _snapshot() == incremental
        assert len(incremental[1]) == 5


def test_rebuild_counts_leads_written_around_the_services(workspace, admin):
    """Demo data and imports write leads directly (and backdate them): the command recomputes from the leads."""
    with tenant_context(workspace):
        Lead.objects.create(name="Импорт", channel="whatsapp", status=Lead.Status.BOOKED, created_at=at(11, 12),
                            first_contact_at=at(11, 12) + dt.timedelta(seconds=10))
        Lead.objects.filter(name="Новый").update(created_at=at(8, 12))
    assert admin.get(f"/api/v1/analytics/dashboard?{PERIOD}").json()["current"]["leads"] == 4  # not seen yet
    call_command("rebuild_analytics", schema=workspace.schema_name, stdout=open("/dev/null", "w"))  # noqa: SIM115
    body = admin.get(f"/api/v1/analytics/dashboard?{PERIOD}").json()
    assert body["current"]["leads"] == 4
    assert body["current"]["booked"] == 2
    assert body["previous"]["leads"] == 2
    with tenant_context(workspace):
        rebuilt = _snapshot()
        Lead.objects.filter(name="Импорт").get()  # the fact follows the lead
        services.change_status(Lead.objects.get(name="Импорт").pk, Lead.Status.LOST, None,
                               lost_reason=Lead.LostReason.OTHER)
        assert _snapshot() != rebuilt
        call_command("rebuild_analytics", stdout=open("/dev/null", "w"))  # noqa: SIM115  every workspace
        assert selectors.figures(selectors.Period(dt.date(2026, 3, 10), dt.date(2026, 3, 11)))[0].lost == 2


def test_an_unknown_schema_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Нет рабочего пространства"):
        call_command("rebuild_analytics", schema="nope")


@pytest.mark.parametrize(("start", "end", "days", "months"), [
    ("2026-03-10", "2026-03-11", [("2026-03-10", "2026-03-11")], []),
    ("2026-03-01", "2026-03-31", [], [("2026-03-01", "2026-03-31")]),
    ("2026-02-15", "2026-05-03", [("2026-02-15", "2026-02-28"), ("2026-05-01", "2026-05-03")],
     [("2026-03-01", "2026-04-30")]),
])
def test_a_period_reads_whole_months_from_month_rows(start, end, days, months):
    period = selectors.Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    as_text = [[(a.isoformat(), b.isoformat()) for a, b in ranges] for ranges in selectors._ranges(period)]
    assert as_text == [days, months]


def test_whole_months_give_the_same_figures_as_their_days(admin):
    """March whole (month rows) and March as 1–30 plus the 31st (day rows) agree."""
    month = admin.get("/api/v1/analytics/dashboard?from=2026-03-01&to=2026-03-31").json()
    assert month["current"]["leads"] == 5
    assert month["current"]["contacted"] == 4
    assert sum(map(sum, month["heatmap"])) == 5
    assert [(row["key"], row["leads"]) for row in month["pages"]] == [("/", 2), ("/price", 2), ("/contacts", 1)]
    long = admin.get("/api/v1/analytics/channels?from=2026-02-15&to=2026-05-03").json()["channels"]
    assert [(row["key"], row["leads"], row["booked"]) for row in long] == [("web", 4, 1), ("telegram", 1, 0)]


def test_short_periods_read_together_equal_each_read_alone(workspace):
    """The overview's one pass (day rows, every percentile in one query) gives what ``figures`` gives per period."""
    periods = [selectors.Period(dt.date(2026, 3, 11), dt.date(2026, 3, 11)),
               selectors.Period(dt.date(2026, 3, 5), dt.date(2026, 3, 11)),
               selectors.Period(dt.date(2026, 2, 10), dt.date(2026, 3, 11))]
    with tenant_context(workspace):
        together = selectors.short_figures(periods)
        alone = [selectors.figures(period) for period in periods]
    assert together == alone
    assert together[1][0].leads == 5
    assert together[1][0].ttfc_median is not None
