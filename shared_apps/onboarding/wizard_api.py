"""The onboarding wizard's state over the workspace API: the steps done or skipped, where to resume, a skip."""

from datetime import datetime

from ninja import Field, Router, Schema

from core.api_errors import ErrorOut
from shared_apps.flags import flags
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from .models import WizardProgress
from .wizard import STEPS, progress_for, skip_step

router = Router(tags=["onboarding"], auth=TENANT_AUTH)


class StepOut(Schema):
    step: str
    title: str
    number: int
    skippable: bool
    done: bool
    skipped: bool


class WizardOut(Schema):
    steps: list[StepOut]
    current: str
    current_number: int = Field(serialization_alias="currentNumber")
    completed_at: datetime | None = Field(serialization_alias="completedAt")


def wizard_out(progress: WizardProgress) -> dict:
    steps = [{"step": step.slug, "title": step.title, "number": number, "skippable": step.skippable,
              "done": step.slug in progress.done, "skipped": step.slug in progress.skipped}
             for number, step in enumerate(STEPS, start=1)]
    number = next(item["number"] for item in steps if item["step"] == progress.current)
    return {"steps": steps, "current": progress.current, "current_number": number,
            "completed_at": progress.completed_at}


@router.get("/onboarding", response=WizardOut, by_alias=True, summary="getOnboarding")
@flags.behind_flag(flags.ONBOARDING)
@requires(Perm.TENANT_EDIT)
def get_onboarding(request: WorkspaceRequest):
    return wizard_out(progress_for(request.tenant))


@router.post("/onboarding/steps/{step}/skip", response={200: WizardOut, 400: ErrorOut, 404: ErrorOut},
             by_alias=True, summary="skipOnboardingStep")
@flags.behind_flag(flags.ONBOARDING)
@requires(Perm.TENANT_EDIT)
def skip_onboarding_step(request: WorkspaceRequest, step: str):
    return wizard_out(skip_step(request.tenant, step))
