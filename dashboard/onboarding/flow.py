"""What every wizard step page shares: its context (the stepper) and the way on after a step."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from shared_apps.onboarding.models import WizardProgress
from shared_apps.onboarding.wizard import STEPS, complete_step, next_slug, number_of, open_step, skip_step, step_of
from shared_apps.tenancy.http import WorkspaceRequest

FINISHED = ("Настройка завершена: виджет готов принимать заявки. "
            "Вернуться к любому шагу можно из меню «Помощь» → «Мастер настройки».")


def step_context(request: WorkspaceRequest, slug: str) -> dict:
    """The stepper and this step's place in it; opening a step remembers it for resuming."""
    progress = open_step(request.tenant, slug)
    step = step_of(slug)
    number = number_of(slug)
    stepper = [{"slug": s.slug, "title": s.title, "number": n, "current": s.slug == slug,
                "done": s.slug in progress.done, "skipped": s.slug in progress.skipped}
               for n, s in enumerate(STEPS, start=1)]
    return {"section": "onboarding", "step": step, "step_number": number, "steps_total": len(STEPS),
            "stepper": stepper, "progress": progress, "next_slug": next_slug(slug),
            "previous_slug": STEPS[number - 2].slug if number > 1 else None}


def advance(request: WorkspaceRequest, slug: str) -> HttpResponseRedirect:
    """Mark the step done and go to the next one (after the last: the overview)."""
    return _onward(request, slug, complete_step(request.tenant, slug))


def skip(request: WorkspaceRequest, slug: str) -> HttpResponseRedirect:
    """Leave the step for later and go to the next one (after the last: the overview)."""
    return _onward(request, slug, skip_step(request.tenant, slug))


def _onward(request: WorkspaceRequest, slug: str, progress: WizardProgress) -> HttpResponseRedirect:
    following = next_slug(slug)
    if following is None:
        if progress.completed_at is not None:
            messages.success(request, FINISHED)
        return redirect("dashboard:home")
    return redirect("dashboard:onboarding_step", step=following)
