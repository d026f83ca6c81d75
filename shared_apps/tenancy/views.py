"""Public-host pages: create a workspace (with a live subdomain check)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from billing.limits import LimitReached
from shared_apps.accounts.handoff import handoff_url

from .services import ProvisioningError
from .timezones import timezone_choices
from .workspaces import TIMEZONES, create_workspace, subdomain_availability


@login_required
@require_http_methods(["GET", "POST"])
def new_workspace(request: HttpRequest) -> HttpResponse:
    if not request.user.is_email_confirmed:
        return redirect("accounts:email_check")
    values = {"name": request.POST.get("name", "").strip(), "subdomain": request.POST.get("subdomain", "").strip(),
              "timezone": request.POST.get("timezone", "Europe/Moscow")}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            tenant = create_workspace(request.user, name=values["name"], slug=values["subdomain"] or None,
                                      timezone=values["timezone"] if values["timezone"] in TIMEZONES else "")
        except ProvisioningError as exc:
            errors = {{"slug": "subdomain"}.get(exc.field, exc.field): exc.message}
            status = 400
        except LimitReached as exc:
            errors, status = {"form": exc.message}, 403
        else:
            return HttpResponseRedirect(handoff_url(request, request.user, tenant, "/onboarding"))
    return render(request, "tenancy/new_workspace.html",
                  {"values": values, "errors": errors, "timezones": timezone_choices()}, status=status)


@login_required
@require_GET
def subdomain_check(request: HttpRequest) -> HttpResponse:
    """htmx: the availability line under the subdomain field, as the user types."""
    slug = request.GET.get("subdomain", "")
    availability = subdomain_availability(slug) if slug.strip() else None
    return render(request, "tenancy/_subdomain_check.html", {"availability": availability})
