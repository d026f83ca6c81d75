from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import usage
from billing.models import Document, Payment, Plan, Subscription
from dev.demo.services import DEMO_EMAIL, DEMO_LEADS, DEMO_PASSWORD, seed_demo
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.leads.models import Channel, Lead, LeadEvent

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

    with tenant_context(tenant):
        assert Lead.objects.count() == DEMO_LEADS
        now = timezone.now()
        assert not Lead.objects.filter(created_at__lt=now - timedelta(days=91)).exists()
        assert not Lead.objects.filter(created_at__gt=now).exists()
        by_status = dict(Lead.objects.values_list("status").annotate(n=Count("id")))
        assert set(by_status) == set(Lead.Status.values)
        assert by_status["booked"] > 400
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
