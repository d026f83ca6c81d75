"""The onboarding wizard's progress per workspace: which steps are done or skipped, where to resume, completion."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from shared_apps.tenancy.models import Tenant

from .models import WizardProgress


@dataclass(frozen=True)
class WizardStep:
    slug: str
    title: str
    skippable: bool = True


STEPS: tuple[WizardStep, ...] = (
    WizardStep("workspace", "Компания и сайт", skippable=False),
    WizardStep("widget", "Виджет"),
    WizardStep("channel", "Канал связи"),
    WizardStep("calendar", "Календарь"),
    WizardStep("snippet", "Код для сайта"),
    WizardStep("test", "Проверка"),
)
SLUGS = tuple(step.slug for step in STEPS)


class UnknownStep(DomainError):
    status = 404
    code = "unknown_step"
    default_message = "Такого шага в мастере настройки нет."


class StepNotSkippable(DomainError):
    code = "step_required"
    default_message = "Этот шаг нельзя пропустить: без него рабочее пространство не готово."


def step_of(slug: str) -> WizardStep:
    for step in STEPS:
        if step.slug == slug:
            return step
    raise UnknownStep


def number_of(slug: str) -> int:
    """The step's place in the wizard, from 1."""
    return SLUGS.index(step_of(slug).slug) + 1


def next_slug(slug: str) -> str | None:
    index = SLUGS.index(step_of(slug).slug)
    return SLUGS[index + 1] if index + 1 < len(SLUGS) else None


def progress_for(tenant: Tenant) -> WizardProgress:
    progress, _ = WizardProgress.objects.get_or_create(tenant=tenant)
    return progress


def _advance(tenant: Tenant, slug: str, *, skipped: bool) -> WizardProgress:
    step = step_of(slug)
    if skipped and not step.skippable:
        raise StepNotSkippable
    with transaction.atomic():
        progress = progress_for(tenant)
        progress = WizardProgress.objects.select_for_update().get(pk=progress.pk)
        mark, other = (progress.skipped, progress.done) if skipped else (progress.done, progress.skipped)
        if slug not in mark:
            mark.append(slug)
        if slug in other:
            other.remove(slug)
        following = next_slug(slug)
        progress.current = following or slug
        if following is None and progress.completed_at is None:
            progress.completed_at = timezone.now()
        progress.save()
    return progress


def complete_step(tenant: Tenant, slug: str) -> WizardProgress:
    """The step is done; the wizard resumes at the next one (the last step finishes the wizard)."""
    return _advance(tenant, slug, skipped=False)


def skip_step(tenant: Tenant, slug: str) -> WizardProgress:
    """The user chose to come back to this step later (the first step cannot be skipped)."""
    return _advance(tenant, slug, skipped=True)


def open_step(tenant: Tenant, slug: str) -> WizardProgress:
    """Remember the step the user is looking at, so leaving and coming back resumes here."""
    step_of(slug)
    progress = progress_for(tenant)
    if progress.current != slug:
        progress.current = slug
        progress.save(update_fields=["current", "updated_at"])
    return progress


def is_finished(tenant: Tenant) -> bool:
    return WizardProgress.objects.filter(tenant=tenant, completed_at__isnull=False).exists()
