"""Wizard step 5 «snippet»: the widget's code with a copy button and where to paste it (the widget page's block)."""

from django.http import HttpResponse
from django.shortcuts import render

from dashboard.widget.editor import snippet_context
from shared_apps.tenancy.http import WorkspaceRequest

from .flow import advance, step_context


def view(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return advance(request, "snippet")
    context = {**step_context(request, "snippet"), **snippet_context(request)}
    return render(request, "dashboard/onboarding/snippet.html", context)
