"""A change of a flag or of its allowlist drops the cached states (``flags.invalidate``)."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import flags
from .models import Flag


@receiver(post_save, sender=Flag)
@receiver(post_delete, sender=Flag)
@receiver(m2m_changed, sender=Flag.accounts.through)
def flag_changed(**kwargs: Any) -> None:
    flags.invalidate()
