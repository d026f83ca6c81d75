#!/usr/bin/env python
"""The leads export's two budgets: 10,000 leads in under a second, 100,000 in flat memory (RSS under 100 MB).

Flat memory is what the export adds to the process: its peak RSS less the RSS before the request. A process with
Django and every app imported already holds well over 100 MB before it exports anything (printed as «RSS before»),
so the budget applies to the growth; a tenth as many leads must need about the same.

Two workspaces hold exactly 10,000 and 100,000 leads (bulk-inserted once, kept between runs), with names, contacts,
UTM tags, assignments and lost reasons like real ones. Each run is a fresh process that asks the real view
(``GET /api/v1/leads/export?format=…`` on the workspace's host, through the test client, as the owner; the async
threshold raised so that even 100,000 rows stream) and reads the whole answer: the time from the request to the
last byte, the process's RSS before the request and its peak (``resource.getrusage``), and what Python allocated at
most during it (tracemalloc, in a separate run of the same export so that tracing does not slow the timed one).

Uses the benchmark database (``fastlead_bench``, or BENCH_DATABASE_URL). Exits 1 when a budget is missed.

    .venv/bin/python bench/export.py
    .venv/bin/python bench/export.py --sizes 10000 --formats csv
    .venv/bin/python bench/export.py --reuse       # again, on the workspaces of an earlier run
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/fastlead_bench"
)
os.environ.setdefault("CACHE_KEY_PREFIX", "fastlead-bench-export")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "fastlead-bench-export")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["LEAD_EXPORT_ASYNC_ROWS"] = str(10**9)  # every size streams: the benchmark measures the stream

import django

django.setup()

from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context

from bench.widget import migrate
from billing.models import Plan, Subscription
from billing.services import sync_plans
from core.database import ensure_database
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Membership, Tenant
from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME, ensure_platform_tenants, provision_tenant
from tenant_apps.leads.models import Lead

TIME_BUDGET = {10_000: 1.0}  # seconds, for both formats
RSS_BUDGET_MB = {100_000: 100.0}  # what the export adds to the process's peak RSS, for both formats
OWNER = "export-bench@fastlead.ru"
BATCH = 5_000
NAMES = ["Анна Смирнова", "Борис Иванов", "Вера Кузнецова", "Глеб Попов", "Дарья Соколова", "Егор Лебедев"]
CHANNELS = ["web", "telegram", "whatsapp", "sms", "email"]
STATUSES = ["new", "contacted", "booked", "lost"]


def slug_for(size: int) -> str:
    return f"export-bench-{size}"


def prepare(sizes: list[int]) -> None:
    ensure_database(settings.DATABASES["default"], recreate=False)
    migrate()
    ensure_platform_tenants()
    migrate(TEMPLATE_SCHEMA_NAME)
    sync_plans()
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(OWNER, full_name="Бенчмарк")
    if owner.email_confirmed_at is None:  # an unconfirmed member may not use the workspace's API
        owner.email_confirmed_at = datetime.now(UTC)
        owner.save(update_fields=["email_confirmed_at"])
    account, _ = Account.objects.get_or_create(owner=owner, defaults={"name": "Бенчмарк выгрузки"})
    Subscription.objects.update_or_create(
        account=account, defaults={"plan": Plan.objects.get(code="business"), "status": Subscription.Status.ACTIVE}
    )
    for size in sizes:
        tenant = Tenant.objects.filter(slug=slug_for(size)).first()
        if tenant is None:
            tenant = provision_tenant(account=account, owner=owner, name=f"Клиника «{size}»", slug=slug_for(size))
        else:
            migrate(tenant.schema_name)
        operators = []
        for n in range(3):
            user = User.objects.filter(email=f"export-bench-op{n}@fastlead.ru").first() or User.objects.create_user(
                f"export-bench-op{n}@fastlead.ru", full_name=f"Оператор {n + 1}")
            Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.OPERATOR})
            operators.append(user)
        with tenant_context(tenant):
            fill(size, operators)


def fill(size: int, operators: list[User]) -> None:
    have = Lead.objects.count()
    if have > size:
        Lead.objects.all().delete()
        have = 0
    start = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    started = time.perf_counter()
    for first in range(have, size, BATCH):
        Lead.objects.bulk_create([lead(n, start, operators) for n in range(first, min(first + BATCH, size))])
    if size > have:
        print(f"  {size - have} leads inserted in {time.perf_counter() - started:.1f} s")


def lead(n: int, start: datetime, operators: list[User]) -> Lead:
    status = STATUSES[n % 4]
    created = start + timedelta(minutes=7 * n)
    return Lead(
        name=f"{NAMES[n % len(NAMES)]} {n}", phone=f"+7916{n:07d}", email=f"client{n}@mail.ru" if n % 3 else "",
        channel=CHANNELS[n % len(CHANNELS)], status=status, page_url=f"https://clinic.example/uslugi/{n % 40}",
        utm_source=["yandex", "google", "vk", ""][n % 4], utm_medium="cpc" if n % 2 else "",
        utm_campaign=f"весна-{n % 12}" if n % 2 else "", utm_term="имплант" if n % 5 == 0 else "",
        lost_reason="price" if status == "lost" else "", assigned_to=operators[n % 3] if n % 2 else None,
        created_at=created, first_contact_at=created + timedelta(minutes=2) if status != "new" else None,
    )


def rss_mb() -> float:
    """The process's resident memory now (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run_one(size: int, file_format: str, traced: bool) -> dict:
    """In this process (a fresh one per run): one export through the real view, read to the last byte."""
    tenant = Tenant.objects.get(slug=slug_for(size))
    client = Client(HTTP_HOST=tenant.primary_host)
    client.force_login(User.objects.get(email=OWNER))
    client.get("/api/v1/leads/export?status=booked&from=2030-01-01")  # warm up: imports, connections, the session
    before = rss_mb()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/api/v1/leads/export?format={file_format}")
    assert response.status_code == 200, (response.status_code, response.content[:300])
    size_bytes = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    return {"seconds": seconds, "bytes": size_bytes, "rss_before": before, "rss_peak": peak_rss_mb(),
            "traced_peak": traced_peak}


def measure(size: int, file_format: str, traced: bool) -> dict:
    child = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--child", str(size), file_format] + (["--traced"] if traced else []),
        capture_output=True, text=True, cwd=ROOT, check=False)
    if child.returncode != 0:
        raise RuntimeError(child.stderr[-3000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument("--reuse", action="store_true",
                        help="measure the workspaces as they are: no migrations, no leads inserted")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "FORMAT"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(int(args.child[0]), args.child[1], args.traced)))
        return 0

    if not args.reuse:
        print("preparing the workspaces")
        prepare(args.sizes)
    ok = True
    print(f"{'leads':>8} {'format':<6} {'time':>8} {'file':>9} {'RSS before':>11} {'RSS peak':>9} "
          f"{'growth':>8} {'py peak':>8}  verdict")
    for size in args.sizes:
        for file_format in args.formats:
            timed = measure(size, file_format, traced=False)
            traced = measure(size, file_format, traced=True)
            verdicts = []
            if size in TIME_BUDGET:
                passed = timed["seconds"] < TIME_BUDGET[size]
                ok &= passed
                verdicts.append(f"time {'ok' if passed else 'MISSED'} (< {TIME_BUDGET[size]:.0f} s)")
            if size in RSS_BUDGET_MB:
                passed = timed["rss_peak"] - timed["rss_before"] < RSS_BUDGET_MB[size]
                ok &= passed
                verdicts.append(f"RSS growth {'ok' if passed else 'MISSED'} (< {RSS_BUDGET_MB[size]:.0f} MB)")
            print(f"{size:>8} {file_format:<6} {timed['seconds']:>7.2f}s {timed['bytes'] / 2**20:>7.1f}MB "
                  f"{timed['rss_before']:>9.1f}MB {timed['rss_peak']:>7.1f}MB "
                  f"{timed['rss_peak'] - timed['rss_before']:>6.1f}MB {traced['traced_peak']:>6.1f}MB  "
                  + "; ".join(verdicts))
    print("all budgets met" if ok else "a budget was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
