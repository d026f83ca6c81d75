"""The project's settings plus a bench-only tenant app (bench/migration_probe) whose second migration adds a column:
what ``migrate_schemas`` costs for a one-column change across every workspace schema."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "bench.migration_probe"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.migration_probe"]
