"""Wizard step 1 «workspace»: the company's name, the cabinet's address, the site's domains and the privacy policy
(without the last two the widget takes no leads). Not skippable; all saved or nothing."""

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from core.validation import length_error
from shared_apps.onboarding.wizard import complete_step, next_slug
from shared_apps.tenancy.http import WorkspaceRequest
from tenant_apps.widgets.services import WidgetErrors, get_widget, set_up_workspace

from .flow import advance, step_context

# The form's inputs ← the services' error keys; anything else is shown above the form.
FORM_FIELDS = {"name": "name", "slug": "subdomain", "siteDomains": "site_domains",
               "consent.privacyPolicyUrl": "privacy_policy_url"}
SITE_DOMAINS_MAX_CHARS = 5000  # 20 domains (the most a workspace may have) of any sane length


def view(request: WorkspaceRequest) -> HttpResponse:
    tenant = request.tenant
    if request.method != "POST":
        values = {"name": tenant.name, "subdomain": tenant.slug or "", "site_domains": "\n".join(tenant.site_domains),
                  "privacy_policy_url": get_widget().privacy_policy_url}
        return _render(request, values, {})
    values = {name: request.POST.get(name, "") for name in ("name", "subdomain", "site_domains")}
    values["privacy_policy_url"] = request.POST.get("privacy_policy_url", "").strip()
    if too_long := length_error(values["site_domains"], SITE_DOMAINS_MAX_CHARS):
        return _render(request, values, {"site_domains": too_long})
    old_host = tenant.primary_host
    try:
        set_up_workspace(tenant, request.user, name=values["name"], slug=values["subdomain"],
                         site_domains=values["site_domains"].splitlines(),
                         privacy_policy_url=values["privacy_policy_url"])
    except WidgetErrors as exc:
        errors = {FORM_FIELDS[key]: message for key, message in exc.fields.items() if key in FORM_FIELDS}
        if other := [message for key, message in exc.fields.items() if key not in FORM_FIELDS]:
            errors["form"] = f"В настройках виджета есть ошибка: {' '.join(other)} Исправьте её в разделе «Виджет»."
        return _render(request, values, errors)
    if tenant.primary_host != old_host:
        # The cabinet now lives on the new host: continue there, through the login hand-off it asks for.
        complete_step(tenant, "workspace")
        return HttpResponseRedirect(tenant.url + f"onboarding/{next_slug('workspace')}")
    return advance(request, "workspace")


def _render(request: WorkspaceRequest, values: dict, errors: dict) -> HttpResponse:
    context = {**step_context(request, "workspace"), "values": values, "errors": errors}
    return render(request, "dashboard/onboarding/workspace.html", context, status=400 if errors else 200)
