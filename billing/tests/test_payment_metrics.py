"""Payments in the Prometheus scrape: each provider's payments by outcome, from zero, counted from the table (the
«more than 5 % of payments fail» rollback alert reads them)."""

import pytest
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from billing.models import Payment, Plan
from conftest import host_of

pytestmark = pytest.mark.django_db


def payments_scraped() -> dict[tuple[str, str], float]:
    response = Client(HTTP_HOST=host_of()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert response.status_code == 200
    return {(sample.labels["provider"], sample.labels["status"]): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            if family.name == "fastlead_payments"
            for sample in family.samples if sample.name == "fastlead_payments_total"}


def test_payments_are_counted_by_provider_and_outcome(make_tenant):
    before = payments_scraped()
    assert {("yookassa", "failed"), ("tinkoff", "failed"), ("yookassa", "succeeded")} <= before.keys()
    account = make_tenant().account
    plan = Plan.objects.get(code="start")
    outcomes = [("yookassa", Payment.Status.SUCCEEDED)] * 3 + [("yookassa", Payment.Status.FAILED),
                                                               ("tinkoff", Payment.Status.FAILED),
                                                               ("tinkoff", Payment.Status.PENDING)]
    for number, (provider, status) in enumerate(outcomes):
        order = f"metrics-{account.pk}-{number}"
        Payment.objects.create(account=account, plan=plan, purpose=Payment.Purpose.SUBSCRIBE, provider=provider,
                               order_id=order, idempotence_key=order, amount_kopecks=plan.month_price_kopecks,
                               receipt_email=account.owner.email, status=status)

    after = payments_scraped()
    grown = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    assert grown == {("yookassa", "succeeded"): 3, ("yookassa", "failed"): 1, ("tinkoff", "failed"): 1,
                     ("tinkoff", "pending"): 1}
