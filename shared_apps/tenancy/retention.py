"""A workspace's retention period of its leads' personal data (152-FZ): the setting and its audit entry. The
erasure itself is the leads app's daily task (``leads.tasks.erase_expired_personal_data``)."""

from django.db import transaction

from core.errors import InvalidInput
from core.text import plural
from shared_apps.accounts.models import User
from shared_apps.audit.services import record

from .models import RETENTION_MONTHS, Tenant

MONTHS = ("месяц", "месяца", "месяцев")
FIELD = "personalDataRetentionMonths"
BAD_MONTHS = f"Укажите срок от {RETENTION_MONTHS[0]} до {RETENTION_MONTHS[1]} месяцев или выберите «бессрочно»."


def label(months: int | None) -> str:
    return f"{months} {plural(months, MONTHS)}" if months else "бессрочно"


def older_than(months: int) -> str:
    """After «старше»: «1 месяца», «2 месяцев», «21 месяца»."""
    return f"{months} {plural(months, ('месяца', 'месяцев', 'месяцев'))}"


def parse_months(typed: str) -> int:
    """The form's number of months; anything else → :class:`InvalidInput` on ``personalDataRetentionMonths``."""
    typed = typed.strip()
    months = int(typed) if typed.isdigit() and len(typed) < 4 else 0
    if not RETENTION_MONTHS[0] <= months <= RETENTION_MONTHS[1]:
        raise InvalidInput(BAD_MONTHS, fields={FIELD: BAD_MONTHS})
    return months


def set_retention(tenant: Tenant, months: int | None, *, actor: User, ip: str | None = None) -> bool:
    """Keep leads' personal data ``months`` after their arrival, or forever (None); audited with the old and new
    periods. False when nothing changed."""
    if months is not None and not RETENTION_MONTHS[0] <= months <= RETENTION_MONTHS[1]:
        raise InvalidInput(BAD_MONTHS, fields={FIELD: BAD_MONTHS})
    with transaction.atomic():
        current = Tenant.objects.select_for_update().only("personal_data_retention_months").get(pk=tenant.pk)
        previous = current.personal_data_retention_months
        if previous == months:
            return False
        tenant.personal_data_retention_months = months
        tenant.save(update_fields=["personal_data_retention_months"])
        record("data.retention_changed", actor=actor, workspace=tenant, details={"from": previous, "to": months},
               ip=ip)
    return True
