from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from billing import cycle
from billing.models import Subscription
from shared_apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Завершает пробный период аккаунта рабочего пространства сейчас (для проверки сценария оплаты)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="поддомен рабочего пространства, например kofeynya-zerna")

    def handle(self, *args, slug: str, **options) -> None:
        tenant = Tenant.objects.filter(slug=slug, kind=Tenant.Kind.CLIENT).first()
        if tenant is None:
            raise CommandError(f"Рабочее пространство «{slug}» не найдено.")
        now = timezone.now()
        account_id = tenant.client_account.pk
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().filter(account_id=account_id).first()
            if subscription is None or subscription.status != Subscription.Status.TRIALING:
                raise CommandError("Аккаунт не на пробном периоде.")
            subscription.trial_ends_at = now
            subscription.save(update_fields=["trial_ends_at"])
        step = cycle.advance(account_id, now)
        subscription.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(
            f"Пробный период закончен ({step}): статус «{subscription.get_status_display()}», "
            f"кабинет только для чтения до {timezone.localtime(subscription.grace_ends_at):%d.%m.%Y %H:%M}."
        ))
