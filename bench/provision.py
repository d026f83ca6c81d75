#!/usr/bin/env python
"""How fast is a new workspace provisioned when many already exist?

Fills a dedicated database (``fastlead_bench`` by default, never the dev one)
up to --existing client workspaces, then times --sample more through the real
provisioning service (clone of the template schema), and --migrate-sample
through the old path that replays every migration. Prints the figures; exits
non-zero when the clone path's p95 misses the 1 s target.

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

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from core.database import ensure_database
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import provision_tenant

TARGET_SECONDS = 1.0


def timed_provision(account: Account, owner: User, slug: str) -> float:
    started = time.perf_counter()
    provision_tenant(account=account, owner=owner, name=f"Бенчмарк {slug}", slug=slug)
    return time.perf_counter() - started


def describe(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"{label}: n={len(samples)} mean={statistics.mean(samples):.3f}s "
            f"p50={statistics.median(samples):.3f}s p95={p95:.3f}s max={ordered[-1]:.3f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, default=1000, help="workspaces present before measuring")
    parser.add_argument("--sample", type=int, default=20, help="workspaces timed on the clone path")
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
    clone = [timed_provision(account, owner, f"clone-{run}-{i}") for i in range(args.sample)]
    print(describe(f"clone path with {existing} workspaces present", clone))

    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None):
        migrate = [timed_provision(account, owner, f"migrate-{run}-{i}") for i in range(args.migrate_sample)]
    print(describe(f"migrate-per-tenant path with {existing + args.sample} present", migrate))

    p95 = sorted(clone)[max(0, round(0.95 * len(clone)) - 1)]
    verdict = "met" if p95 < TARGET_SECONDS else "MISSED"
    print(f"target: p95 < {TARGET_SECONDS:.1f}s per new workspace on the clone path — {verdict}")
    return 0 if p95 < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
