"""Wizard step 2 «widget»: the colour, the greeting and the logo, with the widget editor's live preview (its Alpine
component and field templates). The logo uploads through the API at once, as in the editor; the colour and the
greeting are posted here and published like an editor save."""

from django.http import HttpResponse
from django.shortcuts import render

from core.images import ACCEPT_ATTRIBUTE
from dashboard.widget.editor import TEXT_FIELDS, editor_data
from shared_apps.tenancy.http import WorkspaceRequest
from tenant_apps.widgets.services import WidgetErrors, update_basics

from .flow import advance, step_context

GREETING = next(field for field in TEXT_FIELDS if field[0] == "texts.greeting")
# The form's inputs ← the widget's error keys; anything else is shown above the form.
FORM_FIELDS = {"appearance.primaryColor": "primary_color", "texts.greeting": "greeting"}


def view(request: WorkspaceRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, {}, {})
    typed = {"primary_color": request.POST.get("primary_color", "").strip(),
             "greeting": request.POST.get("greeting", "")}
    try:
        update_basics(request.tenant, request.user, **typed)
    except WidgetErrors as exc:
        return _render(request, typed, exc.fields)
    return advance(request, "widget")


def _render(request: WorkspaceRequest, typed: dict, errors: dict[str, str]) -> HttpResponse:
    data = editor_data(request)
    if typed:  # the form shows what was typed; the preview draws it
        draft = data["draft"] = {**data["config"]}
        draft["appearance"] = {**draft["appearance"], "primaryColor": typed["primary_color"]}
        draft["texts"] = {**draft["texts"], "greeting": typed["greeting"]}
    data["errors"] = errors
    context = {
        **step_context(request, "widget"), "editor_data": data, "can_edit": data["canEdit"],
        "upload_accept": ACCEPT_ATTRIBUTE, "greeting": GREETING,
        "field_errors": {name: errors.get(key, "") for key, name in FORM_FIELDS.items()},
        "other_errors": [message for key, message in errors.items() if key not in FORM_FIELDS],
    }
    return render(request, "dashboard/onboarding/widget.html", context, status=400 if errors else 200)
