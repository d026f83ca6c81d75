"""Recompute the analytics of every workspace (or of one, ``--schema``) from its leads.

Needed after leads were written around the services (demo data, imports, a restored backup) or after a
workspace changed its time zone; the figures are kept current by ``lead_changed`` otherwise.
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Tenant
from tenant_apps.analytics import facts


class Command(BaseCommand):
    help = "Пересчитать аналитику рабочих пространств по их лидам."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="Схема одного рабочего пространства (по умолчанию — все).")

    def handle(self, *args: Any, schema: str | None = None, **options: Any) -> None:
        tenants = Tenant.objects.filter(kind=Tenant.Kind.CLIENT).order_by("schema_name")
        if schema:
            tenants = tenants.filter(schema_name=schema)
            if not tenants.exists():
                raise CommandError(f"Нет рабочего пространства со схемой «{schema}».")
        for tenant in tenants:
            with tenant_context(tenant):
                count = facts.rebuild(ZoneInfo(tenant.timezone))
            self.stdout.write(f"{tenant.schema_name}: учтено лидов — {count}")
