"""The onboarding wizard: six steps from a new workspace to a first test lead, resumable, all but the first
skippable. Only those who may edit the workspace go through it (others get the usual 403)."""

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.flags import flags
from shared_apps.onboarding.wizard import progress_for, step_of
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from . import flow, step_calendar, step_channel, step_snippet, step_test, step_widget, step_workspace

STEP_VIEWS: dict[str, Callable[[WorkspaceRequest], HttpResponse]] = {
    "workspace": step_workspace.view,
    "widget": step_widget.view,
    "channel": step_channel.view,
    "calendar": step_calendar.view,
    "snippet": step_snippet.view,
    "test": step_test.view,
}


@require_GET
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING, otherwise="dashboard:home")
def resume(request: WorkspaceRequest) -> HttpResponse:
    """The wizard's entry: the step the workspace stopped at."""
    return redirect("dashboard:onboarding_step", step=progress_for(request.tenant).current)


@require_http_methods(["GET", "POST"])
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING)
def step(request: WorkspaceRequest, step: str) -> HttpResponse:
    step_of(step)  # 404 for an unknown step
    return STEP_VIEWS[step](request)


@require_POST
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING)
def skip(request: WorkspaceRequest, step: str) -> HttpResponse:
    return flow.skip(request, step)
