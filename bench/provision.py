#!/usr/bin/env python
"""How fast is a new workspace provisioned when many already exist?

Fills a dedicated database (``fastlead_bench`` by default, never the dev one)
up to --existing client workspaces, then times --sample more through the real
provisioning service three ways: claiming a schema from the pool (filled
beforehand, as the background refill keeps it), cloning the template (pool
off), and --migrate-sample through the old path that replays every migration.
Prints the figures; exits non-zero when the pool path's p95 misses 25 ms.

    .venv/bin/python bench/provision.py --existing 1000
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/fastlead_bench"
)
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The refill each sign-up queues goes to a queue no worker reads (not to another database's workers), purged at the end.
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = "bench-provision"

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from config.celery import app as celery_app
from core.database import ensure_database
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy import pool
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import provision_tenant

TARGET_SECONDS = 0.025


def timed_provision(account: Account, owner: User, slug: str) -> float:
    started = time.perf_counter()
    provision_tenant(account=account, owner=owner, name=f"Бенчмарк {slug}", slug=slug)
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def describe(label: str, samples: list[float]) -> str:
    return (f"{label}: n={len(samples)} mean={statistics.mean(samples) * 1000:.1f} ms "
            f"p50={statistics.median(samples) * 1000:.1f} ms p95={p95(samples) * 1000:.1f} ms "
            f"max={max(samples) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, default=1000, help="workspaces present before measuring")
    parser.add_argument("--sample", type=int, default=20, help="workspaces timed on the pool and the clone paths")
    parser.add_argument("--migrate-sample", type=int, default=3, help="workspaces timed on the migrate path")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the benchmark database first")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    ensure_database(db, recreate=args.fresh)
    call_command("migrate_schemas", verbosity=0)
    owner = User.objects.filter(email="bench@fastlead.ru").first() or User.objects.create_user("bench@fastlead.ru")
    account, _ = Account.objects.get_or_create(owner=owner, defaults={"name": "Бенчмарк"})

    existing = Tenant.objects.filter(kind=Tenant.Kind.CLIENT).count()
    print(f"database {db['NAME']}: {existing} workspaces present, filling up to {args.existing}", flush=True)
    fill_started = time.perf_counter()
    while existing < args.existing:
        existing += 1
        timed_provision(account, owner, f"fill-{existing}")
        if existing % 100 == 0:
            print(f"  {existing} workspaces ({time.perf_counter() - fill_started:.0f}s)", flush=True)

    run = int(time.time())
    with override_settings(TENANT_SCHEMA_POOL_SIZE=args.sample):
        started = time.perf_counter()
        made = pool.refill()
        print(f"pool refill: {made} schemas in {time.perf_counter() - started:.1f}s", flush=True)
        pooled = [timed_provision(account, owner, f"pool-{run}-{i}") for i in range(args.sample)]
    print(describe(f"pool path with {existing} workspaces present", pooled))

    with override_settings(TENANT_SCHEMA_POOL_SIZE=0):
        clone = [timed_provision(account, owner, f"clone-{run}-{i}") for i in range(args.sample)]
        print(describe(f"clone path (pool off) with {existing + args.sample} present", clone))
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None):
            migrate = [timed_provision(account, owner, f"migrate-{run}-{i}") for i in range(args.migrate_sample)]
        print(describe(f"migrate-per-tenant path with {existing + 2 * args.sample} present", migrate))
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(os.environ["CELERY_TASK_DEFAULT_QUEUE"])

    verdict = "met" if p95(pooled) < TARGET_SECONDS else "MISSED"
    print(f"target: p95 < {TARGET_SECONDS * 1000:.0f} ms per new workspace on the pool path — {verdict}")
    return 0 if p95(pooled) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
