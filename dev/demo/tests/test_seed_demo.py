from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from backoffice.models import BusinessDay
from billing import usage
from billing.models import Document, Payment, Plan, Subscription
from core.models import OutboxMessage
from dev.demo.services import DEMO_EMAIL, DEMO_LEADS, DEMO_PASSWORD, seed_demo
from shared_apps.accounts.models import Account, User
from shared_apps.onboarding.wizard import is_finished
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.channels.models import Booking
from tenant_apps.leads.models import Channel, ConsentRecord, Lead, LeadEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_living_workspace_once(capsys, client_for):
    call_command("seed_demo")
    first_output = capsys.readouterr().out
    call_command("seed_demo")
    second_output = capsys.readouterr().out

    user = User.objects.get(email=DEMO_EMAIL)
    assert user.check_password(DEMO_PASSWORD)
    tenant = Tenant.objects.get(slug="demo")
    assert Membership.objects.get(user=user, tenant=tenant).role == Membership.Role.ADMIN
    assert f"Создано лидов: {DEMO_LEADS}" in first_output
    assert "http://demo.localhost:8000/" in first_output
    assert DEMO_PASSWORD in first_output
    assert "уже на месте" in second_output
    assert is_finished(tenant)  # set up already: the overview does not ask to start the wizard

    with tenant_context(tenant):
        assert Lead.objects.count() == DEMO_LEADS
        now = timezone.now()
        assert not Lead.objects.filter(created_at__lt=now - timedelta(days=91)).exists()
        assert not Lead.objects.filter(created_at__gt=now).exists()
        by_status = dict(Lead.objects.values_list("status").annotate(n=Count("id")))
        assert set(by_status) == set(Lead.Status.values)
        assert by_status["booked"] > DEMO_LEADS // 5
        assert set(Lead.objects.values_list("channel", flat=True).distinct()) == set(Channel.values)
        assert not Lead.objects.annotate(n=Count("events")).filter(n=0).exists()
        assert LeadEvent.objects.filter(kind=LeadEvent.Kind.BOOKED).count() == by_status["booked"]
        assert not Lead.objects.filter(status=Lead.Status.BOOKED, booked_at__isnull=True).exists()
        assert Lead.objects.filter(name__regex=r"^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$").count() == DEMO_LEADS

    published = tenant.widget_publication.config
    assert published["appearance"]["buttonLabel"] == "Записаться на приём"
    assert published["consent"]["privacyPolicyUrl"] == "https://ulybka-dent.ru/privacy"
    assert published["businessHours"]["enabled"] is True
    assert tenant.widget_publication.version == 2  # configured once, not again on the second run
    # the public site's «Демо» links open it in development (no DEMO_WIDGET_KEY needed)
    assert f"/w/{tenant.widget_publication.public_key}/demo" in client_for().get("/").content.decode()

    subscription = Subscription.objects.get(account=tenant.account)
    assert (subscription.status, subscription.plan.code) == ("active", "business")
    assert subscription.plan.allows_api  # README's API example runs on the demo workspace
    assert subscription.current_period_end > timezone.now()
    paid = Payment.objects.filter(account=tenant.account, status="succeeded").order_by("created_at")
    assert [p.purpose for p in paid] == ["subscribe", "renewal"]
    assert [p.amount_kopecks for p in paid] == [1_999_000, 1_999_000]
    assert paid[0].created_at < paid[1].created_at - timedelta(days=27)
    documents = Document.objects.filter(account=tenant.account)
    # the paid invoices of both months; the act only for the month that has ended, dated its end
    assert sorted(documents.values_list("kind", "payment__purpose")) == [
        ("act", "subscribe"), ("invoice", "renewal"), ("invoice", "subscribe")]
    act = documents.get(kind="act")
    assert act.issued_at == paid[0].period_end < timezone.now()
    assert (act.amount_kopecks, act.description) == (1_999_000, "Подписка «Бизнес», 1 мес.")
    assert all(d.pdf.open("rb").read(4) == b"%PDF" for d in documents)
    # the monthly lead counter knows the seeded leads (written around the intake)
    month = usage.month_of()
    assert usage.leads_this_month(tenant.account_id) == usage.recount(tenant.account_id, month)


def test_the_demo_account_is_older_than_its_history_and_the_business_charts_are_filled(settings, capsys):
    settings.PLATFORM_PORT = "8100"  # `make run PORT=8100`: the Makefile hands it to seed_demo
    call_command("seed_demo")
    assert "http://demo.localhost:8100/" in capsys.readouterr().out
    tenant = Tenant.objects.get(slug="demo")
    account = tenant.account
    with tenant_context(tenant):
        first_lead = Lead.objects.earliest("created_at").created_at
    first_payment = Payment.objects.filter(account=account).earliest("created_at").created_at
    subscription = Subscription.objects.get(account=account)
    created = subscription.history.get(reason="subscription_created").created_at
    for moment in (Account.objects.get(pk=account.pk).created_at, tenant.created_at, subscription.created_at, created,
                   *Membership.objects.filter(tenant=tenant).values_list("created_at", flat=True),
                   *User.objects.filter(memberships__tenant=tenant).values_list("date_joined", flat=True)):
        assert moment < min(first_lead, first_payment)
    assert not subscription.history.filter(created_at__lt=created).exists()  # the trial is its first event

    days = BusinessDay.objects.order_by("day")
    assert days.count() >= 90
    back = days.filter(day__lte=timezone.localdate() - timedelta(days=60))
    assert back.filter(active_workspaces__gte=1, leads_processed__gt=0).exists()  # leads in the past, not 0
    assert not days.filter(day__lt=timezone.localdate(first_payment), mrr_kopecks__gt=0).exists()
    assert days.filter(mrr_kopecks__gt=0).exists()


def test_demo_timelines_are_alive():
    """Written through the lead services, then dated back: messages both ways, assignments, notes, escalations,
    bookings (with their Cal.com records), lost reasons; every moment in order and in the past; nothing left
    queued for the workers (the demo's history sends no greetings)."""
    # Fast for ``make run``: the round trips are what it costs (a few seconds on an idle machine), so they are
    # counted rather than timed on a shared test machine — a lead's whole history in a few dozen statements.
    with CaptureQueriesContext(connection) as queries:
        result = seed_demo()
    assert len(queries) < 45 * DEMO_LEADS
    tenant = result.tenant
    now = timezone.now()
    with tenant_context(tenant):
        operators = set(Membership.objects.filter(tenant=tenant, role=Membership.Role.OPERATOR)
                        .values_list("user_id", flat=True))
        assert len(operators) == 2
        leads = Lead.objects.all()
        assert leads.count() == DEMO_LEADS
        contacted = leads.exclude(status=Lead.Status.NEW)
        assert not contacted.filter(first_contact_at__isnull=True).exists()
        assert not contacted.filter(events__kind=LeadEvent.Kind.MESSAGE_OUT).count() < contacted.count()
        assert LeadEvent.objects.filter(kind=LeadEvent.Kind.MESSAGE_IN).values("lead").distinct().count() > 100
        assigned = set(contacted.values_list("assigned_to_id", flat=True))
        assert assigned == operators  # each contacted lead has an operator, both operators have leads
        assert LeadEvent.objects.filter(kind=LeadEvent.Kind.ASSIGNED).count() >= contacted.count()
        assert LeadEvent.objects.filter(kind=LeadEvent.Kind.NOTE, actor_id__in=operators).exists()
        escalated = leads.filter(escalated_at__isnull=False)
        assert escalated.exists()
        assert escalated.count() == LeadEvent.objects.filter(kind=LeadEvent.Kind.ESCALATED).count()
        booked = leads.filter(status=Lead.Status.BOOKED)
        assert Booking.objects.filter(lead__in=booked).count() == booked.count()
        assert not booked.filter(booked_at__isnull=True).exists()
        lost = leads.filter(status=Lead.Status.LOST)
        assert not lost.filter(lost_reason="").exists()
        assert lost.values("lost_reason").distinct().count() >= 4
        assert LeadEvent.objects.filter(kind=LeadEvent.Kind.STATUS_CHANGED, text__contains="причина:").count() \
            == lost.count()
        assert ConsentRecord.objects.filter(lead__channel="web").count() == leads.filter(channel="web").count()
        # dated as it happened: no event before its lead or in the future, first contact after creation
        assert not LeadEvent.objects.filter(created_at__lt=F("lead__created_at")).exists()
        assert not LeadEvent.objects.filter(created_at__gt=now).exists()
        assert not leads.filter(first_contact_at__lt=F("created_at")).exists()
        assert leads.filter(created_at__lt=now - timedelta(days=60)).exists()
        assert not ConsentRecord.objects.exclude(given_at=F("lead__created_at")).exists()
        hours = Counter(timezone.localtime(at).hour for at in leads.values_list("created_at", flat=True))
        assert sum(hours[h] for h in range(9, 21)) > 3 * sum(hours[h] for h in (*range(0, 7), 22, 23))
        assert leads.values("utm_campaign").distinct().count() >= 4
        assert leads.values("page_url").distinct().count() >= 5
    assert not OutboxMessage.objects.filter(schema_name=tenant.schema_name, done_at__isnull=True).exists()

    again = seed_demo()  # idempotent: nothing added
    assert again.leads_created == 0
    with tenant_context(tenant):
        assert Lead.objects.count() == DEMO_LEADS


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.APP_ENV = "production"
    with pytest.raises(Exception, match="production"):
        call_command("seed_demo")
    assert not User.objects.filter(email=DEMO_EMAIL).exists()


def test_a_demo_seeded_earlier_on_another_plan_moves_to_business():
    """README's API example needs the plan's API access: an existing demo on «Про» is moved on the next seeding."""
    seed_demo()
    account = Tenant.objects.get(slug="demo").account
    Subscription.objects.filter(account=account).update(plan=Plan.objects.get(code="pro"))
    seed_demo()
    assert Subscription.objects.get(account=account).plan.code == "business"
