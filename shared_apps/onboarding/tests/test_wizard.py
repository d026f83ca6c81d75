"""The onboarding wizard's progress (steps done or skipped, where to resume, completion) and its workspace API."""

import pytest

from core.errors import DomainError
from shared_apps.onboarding.models import WizardProgress
from shared_apps.onboarding.wizard import (
    SLUGS,
    StepNotSkippable,
    UnknownStep,
    complete_step,
    is_finished,
    number_of,
    open_step,
    progress_for,
    skip_step,
)
from shared_apps.tenancy.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(make_tenant):
    return make_tenant(name="Кофейня «Ромашка»")


# --- the service --------------------------------------------------------------------------------------------

def test_a_new_workspace_starts_at_the_first_step(workspace):
    progress = progress_for(workspace)
    assert (progress.current, progress.done, progress.skipped, progress.completed_at) == ("workspace", [], [], None)
    assert progress_for(workspace).pk == progress.pk  # one row per workspace
    assert SLUGS == ("workspace", "widget", "channel", "calendar", "snippet", "test")
    assert [number_of(slug) for slug in SLUGS] == [1, 2, 3, 4, 5, 6]


def test_a_done_step_moves_the_resume_point_on(workspace):
    progress = complete_step(workspace, "workspace")
    assert (progress.done, progress.current) == (["workspace"], "widget")
    progress = complete_step(workspace, "workspace")  # again: still once
    assert progress.done == ["workspace"]


def test_every_step_but_the_first_may_be_skipped_and_done_later(workspace):
    with pytest.raises(StepNotSkippable) as refused:
        skip_step(workspace, "workspace")
    assert refused.value.status == 400
    assert refused.value.message == "Этот шаг нельзя пропустить: без него рабочее пространство не готово."
    assert progress_for(workspace).skipped == []

    progress = skip_step(workspace, "calendar")
    assert (progress.skipped, progress.current) == (["calendar"], "snippet")
    progress = complete_step(workspace, "calendar")  # came back and did it
    assert (progress.done, progress.skipped) == (["calendar"], [])
    progress = skip_step(workspace, "calendar")  # and left it again
    assert (progress.done, progress.skipped) == ([], ["calendar"])


def test_an_unknown_step_is_a_404(workspace):
    for action in (complete_step, skip_step, open_step):
        with pytest.raises(UnknownStep) as refused:
            action(workspace, "billing")
        assert isinstance(refused.value, DomainError)
        assert refused.value.status == 404
    assert not WizardProgress.objects.filter(tenant=workspace, current="billing").exists()


def test_opening_a_step_is_where_the_wizard_resumes(workspace):
    complete_step(workspace, "workspace")
    assert open_step(workspace, "snippet").current == "snippet"
    assert progress_for(workspace).current == "snippet"


def test_the_last_step_finishes_the_wizard_once(workspace):
    for slug in SLUGS[:-1]:
        complete_step(workspace, slug)
    assert not is_finished(workspace)
    progress = skip_step(workspace, "test")  # skipping the last one finishes too
    assert progress.completed_at is not None
    assert progress.current == "test"
    assert is_finished(workspace)
    finished_at = progress.completed_at
    assert complete_step(workspace, "test").completed_at == finished_at  # coming back changes nothing of it


# --- the API ------------------------------------------------------------------------------------------------

@pytest.fixture
def api(workspace, client_for):
    return client_for(workspace, workspace.account.owner)


def test_the_api_answers_the_steps_and_where_to_resume(workspace, api):
    complete_step(workspace, "workspace")
    skip_step(workspace, "widget")
    response = api.get("/api/v1/onboarding")
    assert response.status_code == 200
    body = response.json()
    assert body["current"] == "channel"
    assert body["currentNumber"] == 3
    assert body["completedAt"] is None
    assert body["steps"][0] == {"step": "workspace", "title": "Компания и сайт", "number": 1, "skippable": False,
                                "done": True, "skipped": False}
    assert body["steps"][1]["skipped"] is True
    assert [step["step"] for step in body["steps"]] == list(SLUGS)


def test_the_api_skips_a_step_and_refuses_the_first_and_unknown_ones(workspace, api):
    response = api.post("/api/v1/onboarding/steps/calendar/skip")
    assert response.status_code == 200
    assert response.json()["current"] == "snippet"
    assert progress_for(workspace).skipped == ["calendar"]

    first = api.post("/api/v1/onboarding/steps/workspace/skip")
    assert first.status_code == 400
    assert first.json()["error"]["code"] == "step_required"
    assert first.json()["error"]["message"] == "Этот шаг нельзя пропустить: без него рабочее пространство не готово."

    unknown = api.post("/api/v1/onboarding/steps/billing/skip")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "Такого шага в мастере настройки нет."


def test_the_api_finishing_answers_when(workspace, api):
    for slug in SLUGS[:-1]:
        complete_step(workspace, slug)
    body = api.post("/api/v1/onboarding/steps/test/skip").json()
    assert body["completedAt"] is not None
    assert api.get("/api/v1/onboarding").json()["completedAt"] == body["completedAt"]


def test_only_those_who_may_edit_the_workspace_use_the_api(workspace, make_user, add_member, client_for):
    operator = make_user()
    add_member(operator, workspace, Membership.Role.OPERATOR)
    client = client_for(workspace, operator)
    assert client.get("/api/v1/onboarding").status_code == 403
    refused = client.post("/api/v1/onboarding/steps/calendar/skip")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert progress_for(workspace).skipped == []
    assert client_for(workspace).get("/api/v1/onboarding").status_code == 401
