from django.core.management.base import BaseCommand
from django_tenants.utils import get_tenant_model, tenant_context

from tenant_apps.channels.services import rotate_keys


class Command(BaseCommand):
    help = ("Перешифровывает ключи каналов всех рабочих пространств первым ключом из CHANNEL_SECRET_KEYS. "
            "Порядок: новый ключ первым, команда, затем старый ключ убрать.")

    def handle(self, *args, **options) -> None:
        total = 0
        for tenant in get_tenant_model().objects.exclude(schema_name="public").order_by("pk"):
            with tenant_context(tenant):
                total += rotate_keys()
        self.stdout.write(self.style.SUCCESS(f"Перешифровано каналов: {total}."))
