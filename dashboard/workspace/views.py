"""The workspace's own settings (admins): name, description, subdomain, site domains, time zone, and the retention
period of leads' personal data (a form of its own)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import InvalidInput
from core.net import client_ip
from shared_apps.tenancy import retention
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from shared_apps.tenancy.services import ProvisioningError
from shared_apps.tenancy.timezones import timezone_choices
from shared_apps.tenancy.workspaces import TIMEZONES, subdomain_availability, update_workspace

# The form's names of the inputs a refusal points at.
PAGE_FIELD_NAMES = {"slug": "subdomain", "siteDomains": "site_domains"}


@require_http_methods(["GET", "POST"])
@permission_required(Perm.TENANT_EDIT)
def workspace(request: WorkspaceRequest) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in ("name", "description", "subdomain", "timezone")}
        values["site_domains"] = request.POST.get("site_domains", "")
        old_slug = tenant.slug
        try:
            update_workspace(
                tenant, name=values["name"], description=values["description"], slug=values["subdomain"],
                site_domains=values["site_domains"].splitlines(),
                timezone=values["timezone"] if values["timezone"] in TIMEZONES else "",
            )
        except ProvisioningError as exc:
            tenant.refresh_from_db()
            errors = {PAGE_FIELD_NAMES.get(field, field): message for field, message in exc.by_field.items()}
            return _render(request, values, errors, status=400)
        if tenant.slug != old_slug:
            return HttpResponseRedirect(tenant.url + "workspace")  # the new host asks for the login hand-off
        messages.success(request, "Настройки рабочего пространства сохранены.")
        return redirect("dashboard:workspace")
    return _render(request, _saved_values(request), {})


def _render(request: WorkspaceRequest, values: dict, errors: dict, status: int = 200, *,
            kept: dict | None = None) -> HttpResponse:
    timezones = timezone_choices(values["timezone"])
    months = request.tenant.personal_data_retention_months
    kept = kept or {"mode": "months" if months else "forever", "months": str(months or ""), "error": ""}
    return render(request, "dashboard/workspace.html",
                  {"section": "workspace", "values": values, "errors": errors, "timezones": timezones,
                   "retention": {**kept, "current": months, "label": retention.label(months),
                                 "older_than": retention.older_than(months) if months else ""}}, status=status)


def _saved_values(request: WorkspaceRequest) -> dict:
    tenant = request.tenant
    return {"name": tenant.name, "description": tenant.description, "subdomain": tenant.slug or "",
            "timezone": tenant.timezone, "site_domains": "\n".join(tenant.site_domains)}


@require_POST
@permission_required(Perm.TENANT_EDIT)
def retention_period(request: WorkspaceRequest) -> HttpResponse:
    """«Хранить персональные данные лидов»: «бессрочно» or N months; a bad number shows the page again (400) with
    what was typed."""
    mode, typed = request.POST.get("retention", ""), request.POST.get("retention_months", "")
    try:
        months = retention.parse_months(typed) if mode == "months" else None
    except InvalidInput as exc:
        return _render(request, _saved_values(request), {}, status=400,
                       kept={"mode": mode, "months": typed, "error": exc.message})
    if retention.set_retention(request.tenant, months, actor=request.user, ip=client_ip(request)):
        messages.success(request, f"Срок хранения персональных данных лидов: {retention.label(months)}.")
    else:
        messages.info(request, "Срок хранения не изменился.")
    return redirect(reverse("dashboard:workspace") + "#retention")


@require_GET
@permission_required(Perm.TENANT_EDIT)
def subdomain_check(request: WorkspaceRequest) -> HttpResponse:
    slug = request.GET.get("subdomain", "")
    availability = subdomain_availability(slug, current=request.tenant) if slug.strip() else None
    return render(request, "tenancy/_subdomain_check.html", {"availability": availability})
