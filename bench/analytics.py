#!/usr/bin/env python
"""Analytics on a big workspace: 100 000 leads over the last year, every analytics call under 200 ms.

The leads are written straight into the workspace's schema with COPY (channels, pages, campaigns, statuses and
first contacts drawn at random, seeded), then ``rebuild_analytics`` computes the facts and day sums once, as
demo data and imports do. Then each call of the analytics API (dashboard, channels, funnel, the CSV export) and
the cabinet's Аналитика page is made --runs times per period (the last 30 days by default, 90 days, a whole
year) in process through Django's test client with the workspace's Host and a logged-in admin, and p50/p95 are
printed. Exits 1 when a p95 is over the 200 ms target or a call fails.

Uses the benchmark database (``fastlead_bench``, or BENCH_DATABASE_URL), never the development one.

    .venv/bin/python bench/analytics.py
    .venv/bin/python bench/analytics.py --leads 20000 --runs 50 --fresh
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/fastlead_bench"
)
os.environ.setdefault("CACHE_KEY_PREFIX", "fastlead-bench-analytics")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("API_RATE_LIMIT_PER_MINUTE", "1000000")  # the benchmark measures analytics, not the limiter

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Plan, Subscription
from billing.services import sync_plans
from core.database import ensure_database, session_timeouts
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME, ensure_platform_tenants, provision_tenant
from tenant_apps.leads.models import Lead

TARGET_P95_MS = 200.0
SLUG = "analytics-bench"
OWNER = "analytics-bench@fastlead.ru"
CHANNELS = ["web"] * 6 + ["telegram"] * 2 + ["whatsapp", "sms", "email", "max"]
PAGES = ["/", "/price", "/contacts", "/about"] + [f"/services/{number}" for number in range(40)]
CAMPAIGNS = [""] * 5 + [f"campaign-{number}" for number in range(30)]
STATUSES = ["new"] * 2 + ["contacted"] * 4 + ["booked"] * 3 + ["lost"] * 2


def migrate(schema_name: str | None = None) -> None:
    if schema_name is None:
        call_command("migrate_schemas", shared=True, verbosity=0)
    else:
        call_command("migrate_schemas", tenant=True, schema_name=schema_name, verbosity=0)


def prepare(fresh: bool) -> tuple[Tenant, User]:
    ensure_database(settings.DATABASES["default"], recreate=fresh)
    migrate()
    ensure_platform_tenants()
    migrate(TEMPLATE_SCHEMA_NAME)
    sync_plans()
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(
        OWNER, email_confirmed_at=timezone.now())
    account, _ = Account.objects.get_or_create(owner=owner, defaults={"name": "Бенчмарк аналитики"})
    Subscription.objects.update_or_create(
        account=account, defaults={"plan": Plan.objects.get(code="business"), "status": Subscription.Status.ACTIVE}
    )
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant = provision_tenant(account=account, owner=owner, name="Клиника «Бенчмарк»", slug=SLUG)
    else:
        migrate(tenant.schema_name)
    return tenant, owner


def lead_rows(count: int, seed: int = 15) -> tuple[list[str], list[tuple]]:
    """``count`` leads spread over the last 365 days, as COPY rows of every concrete column of Lead."""
    rng = random.Random(seed)
    now = timezone.now()
    fields = [field for field in Lead._meta.concrete_fields if not field.primary_key]
    rows = []
    for number in range(count):
        created = now - timedelta(seconds=rng.randrange(365 * 86_400))
        status = rng.choice(STATUSES)
        contacted = status != "new" and rng.random() < 0.9
        values = {
            "name": f"Клиент {number}", "phone": f"+7916{number:07d}", "channel": rng.choice(CHANNELS),
            "status": status, "page_url": f"https://bench.example{rng.choice(PAGES)}?utm_source=ya",
            "utm_campaign": rng.choice(CAMPAIGNS), "created_at": created, "updated_at": created,
            "first_contact_at": created + timedelta(seconds=int(rng.expovariate(1 / 300))) if contacted else None,
            "booked_at": created + timedelta(days=2) if status == "booked" else None,
            "lost_reason": "price" if status == "lost" else "",
        }
        rows.append(tuple(values.get(field.name, _blank(field)) for field in fields))
    return [field.column for field in fields], rows


def _blank(field: models.Field) -> object:
    return None if field.null else ""


def fill(tenant: Tenant, count: int) -> None:
    with tenant_context(tenant):
        existing = Lead.objects.count()
        if existing >= count:
            print(f"  the workspace already holds {existing} leads")
            return
        columns, rows = lead_rows(count - existing, seed=existing)
        started = time.perf_counter()
        statement = f"COPY leads_lead ({', '.join(columns)}) FROM STDIN"
        with session_timeouts("migration"), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        print(f"  inserted {len(rows)} leads with COPY in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with session_timeouts("migration"):
        call_command("rebuild_analytics", schema=tenant.schema_name, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"  rebuild_analytics in {time.perf_counter() - started:.1f} s")


def measure(client: Client, path: str, runs: int) -> tuple[float, float, int]:
    for _ in range(3):  # warm-up: connection, caches, plans
        client.get(path)
    times, failures = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        failures += response.status_code != 200
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)], failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=100_000, help="leads in the workspace (default 100 000)")
    parser.add_argument("--runs", type=int, default=30, help="timed calls per endpoint and period (default 30)")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the benchmark database first")
    args = parser.parse_args()

    tenant, owner = prepare(args.fresh)
    print(f"database {settings.DATABASES['default']['NAME']}, workspace {tenant.slug} ({tenant.timezone})")
    fill(tenant, max(1, args.leads))
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=tenant.primary_host)
    client.force_login(owner)
    today = timezone.now().date()
    periods = {"30 days": "", "90 days": f"?from={today - timedelta(days=89)}&to={today}",
               "366 days": f"?from={today - timedelta(days=365)}&to={today}"}
    worst, failed = 0.0, 0
    print(f"{'call':<34} {'period':<9} {'p50 ms':>8} {'p95 ms':>8}")
    for name, query in periods.items():
        for path in ("/api/v1/analytics/dashboard", "/api/v1/analytics/channels", "/api/v1/analytics/funnel",
                     "/api/v1/analytics/export", "/analytics"):
            p50, p95, failures = measure(client, path + query, args.runs)
            worst, failed = max(worst, p95), failed + failures
            flag = "" if p95 <= TARGET_P95_MS else "  over target"
            print(f"{path:<34} {name:<9} {p50:>8.1f} {p95:>8.1f}{flag}{f'  {failures} failed' if failures else ''}")
    verdict = "met" if worst <= TARGET_P95_MS and not failed else "MISSED"
    print(f"worst p95 {worst:.1f} ms, target {TARGET_P95_MS:.0f} ms — {verdict}")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
