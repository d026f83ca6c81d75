#!/usr/bin/env python
"""Billing's figures: API latency against the 300 ms p95 target, notification handling, the billing clock.

(a) The workspace billing API in-process through Django's test client, logged in as the admin:
    getSubscription, getInvoices (the --payments invoices of (b)), createPayment (which includes the
    HTTP round trip to the local YooKassa sandbox) — p50/p95/max over --requests calls each.
(b) Provider notifications: --payments checkouts paid in the sandbox, then each YooKassa notification
    posted to the webhook, which re-reads the payment from the sandbox's API and activates the
    subscription with its invoice PDF — p50/p95 per notification.
(c) The billing clock (Celery beat's ``run_billing_cycle``) over --accounts accounts whose trial ended:
    one run moves them all to grace (history row + e-mail each); a second run finds nothing to do.

Uses a dedicated database (``fastlead_bench``, or BENCH_DATABASE_URL), its own cache prefix and its
own Celery queue (purged afterwards), never the development ones. Exits 1 when a request fails.

    .venv/bin/python bench/billing.py
    .venv/bin/python bench/billing.py --requests 200 --accounts 5000
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/fastlead_bench"
)
os.environ.setdefault("CACHE_KEY_PREFIX", "fastlead-bench")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "fastlead-bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["API_RATE_LIMIT_PER_MINUTE"] = str(10**9)  # measure the API, not the per-user limiter's refusals
os.environ.setdefault("DOCUMENTS_ROOT", tempfile.mkdtemp(prefix="fastlead-bench-documents-"))

import django

django.setup()

import httpx
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from billing import cycle
from billing.models import Payment, Plan, Subscription
from billing.services import start_trial, sync_plans
from config.celery import app as celery_app
from core.database import ensure_database
from dev.payment_sandbox import start_sandbox, stop_sandbox
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME, ensure_platform_tenants, provision_tenant

SLUG = "billing-bench"
TARGET_MS = 300


def migrate(schema_name: str | None = None) -> None:
    if schema_name is None:
        call_command("migrate_schemas", shared=True, verbosity=0)
    else:
        call_command("migrate_schemas", tenant=True, schema_name=schema_name, verbosity=0)


def prepare() -> Tenant:
    ensure_database(settings.DATABASES["default"], recreate=True)
    migrate()
    ensure_platform_tenants()
    migrate(TEMPLATE_SCHEMA_NAME)
    sync_plans()
    owner = User.objects.create_user("billing-bench@fastlead.ru", email_confirmed_at=timezone.now())
    account = Account.objects.create(owner=owner, name="Бенчмарк оплаты")
    start_trial(account)
    return provision_tenant(account=account, owner=owner, name="Салон «Бенчмарк»", slug=SLUG)


def figures(label: str, samples: list[float]) -> bool:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, round(len(ms) * 0.95) - 1)]
    verdict = "met" if p95 <= TARGET_MS else "MISSED"
    print(f"  {label:<44} n={len(ms):<4} p50 {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {ms[-1]:6.1f} ms  ({TARGET_MS} ms p95: {verdict})")
    return p95 <= TARGET_MS


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def complete(base: str, payment_id: str) -> None:
    httpx.post(f"{base}/_sandbox/complete", json={"provider": "yookassa", "id": payment_id,
                                                  "card": "5555555555554444"}, timeout=10).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--payments", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=1000)
    args = parser.parse_args()
    tenant = prepare()
    sandbox, base = start_sandbox(notify_attempts=1, notify_retry_delay=0.01, notify_timeout=0.2)
    settings.YOOKASSA_API_URL, settings.TINKOFF_API_URL = f"{base}/yookassa/v3", f"{base}/tinkoff/v2"
    ok = True
    try:
        client = Client(HTTP_HOST=tenant.primary_host)
        client.force_login(tenant.account.owner)
        public = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, REMOTE_ADDR="127.0.0.1")

        print(f"(b) provider notifications ({args.payments} paid checkouts)")
        notify = []
        for _ in range(args.payments):
            started = client.post("/api/v1/billing/payments", {"planId": "pro"}, content_type="application/json")
            ok &= started.status_code == 201
            payment = Payment.objects.get(order_id=started.json()["paymentId"])
            complete(base, payment.provider_payment_id)
            body = {"type": "notification", "event": "payment.succeeded",
                    "object": {"id": payment.provider_payment_id}}
            notify.append(timed(lambda body=body: public.post("/api/v1/billing/webhooks/yookassa", body,
                                                              content_type="application/json")))
        ok &= Payment.objects.filter(status="succeeded").count() == args.payments
        figures("YooKassa notification → re-fetch → applied", notify)

        print(f"(a) workspace billing API ({args.requests} calls each)")
        for label, call in (
            ("GET /api/v1/billing/subscription", lambda: client.get("/api/v1/billing/subscription")),
            (f"GET /api/v1/billing/invoices ({args.payments} invoices)",
             lambda: client.get("/api/v1/billing/invoices")),
            ("POST /api/v1/billing/payments (+ sandbox HTTP)", lambda: client.post(
                "/api/v1/billing/payments", {"planId": "pro"}, content_type="application/json")),
            ("GET /billing (the page)", lambda: client.get("/billing")),
        ):
            samples = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = call()
                samples.append(time.perf_counter() - started)
                ok &= response.status_code < 400
            figures(label, samples)

        print(f"(c) billing clock over {args.accounts} accounts whose trial has ended")
        trial = Plan.objects.get(code="trial")
        owners = User.objects.bulk_create(User(email=f"clock-{i}@bench.example", full_name="Клиент")
                                          for i in range(args.accounts))
        accounts = Account.objects.bulk_create(Account(owner=o, name=f"Клиент {i}") for i, o in enumerate(owners))
        ended = timezone.now() - timedelta(minutes=1)
        Subscription.objects.bulk_create(Subscription(account=a, plan=trial, status="trialing", trial_ends_at=ended,
                                                      reminders_sent=["trial_1d", "trial_3d"]) for a in accounts)
        started = time.perf_counter()
        done = cycle.run()
        elapsed = time.perf_counter() - started
        print(f"  first run: {dict(done)} in {elapsed:.2f} s ({elapsed / args.accounts * 1000:.1f} ms per account)")
        ok &= done["trial_expired"] == args.accounts
        started = time.perf_counter()
        done = cycle.run()
        print(f"  second run: {dict(done) or 'nothing to do'} in {(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        stop_sandbox(sandbox)
        celery_app.control.purge()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
