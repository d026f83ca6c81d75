"""The cabinet's home section: the overview, the first run (onboarding) and the sections still in development."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.validation import length_error
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import DENIED_MESSAGE, Perm, has_permission
from tenant_apps.analytics.wording import duration_text
from tenant_apps.leads.selectors import LeadFilters, lead_list, lead_summary, waiting_count, waiting_leads
from tenant_apps.reports.selectors import overview_cards
from tenant_apps.widgets.services import WidgetErrors, connect_site, get_widget
from tenant_apps.widgets.snippet import snippet_for

from .checklist import checklist

# Onboarding's form fields ← the widget service's error keys; anything else is shown above the form.
ONBOARDING_FIELDS = {"siteDomains": "site_domains", "consent.privacyPolicyUrl": "privacy_policy_url"}
SITE_DOMAINS_MAX_CHARS = 5000  # 20 domains (the most a workspace may have) of any sane length
WAITING_SHOWN = 8  # the overview's «Ждут ответа дольше всех»


@require_GET
@permission_required(Perm.TENANT_VIEW)
def home(request: WorkspaceRequest) -> HttpResponse:
    """Today, 7 and 30 days against the periods before, the leads waiting longest and what is left to set up."""
    tenant = request.tenant
    now = timezone.now()
    waiting = [(lead, duration_text((now - lead.created_at).total_seconds())) for lead in waiting_leads(WAITING_SHOWN)]
    # The setup is the admins' work: the others are not shown links to pages they may not open.
    steps = checklist(tenant) if has_permission(request.membership, Perm.TENANT_EDIT) else None
    summary = lead_summary()
    context = {
        "section": "home", "cards": overview_cards(now, tenant.timezone), "waiting": waiting,
        "waiting_total": waiting_count(), "checklist": steps,
        "checklist_done": sum(step.done for step in steps or []),
        "summary": summary, "total": summary.total, "recent_leads": lead_list(LeadFilters())[:8],
    }
    return render(request, "dashboard/home.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(Perm.TENANT_VIEW)
def onboarding(request: WorkspaceRequest) -> HttpResponse:
    """First run: the site's domains and the privacy policy (without them the widget takes no leads), then the
    widget, then the snippet. Admins fill the first step here; others see what is left to do."""
    tenant = request.tenant
    can_set_up = has_permission(request.membership, Perm.WIDGET_EDIT) and has_permission(
        request.membership, Perm.TENANT_EDIT)
    widget = get_widget()
    values = {"site_domains": "\n".join(tenant.site_domains), "privacy_policy_url": widget.privacy_policy_url}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_set_up:
            return TemplateResponse(request, "tenancy/forbidden.html", {"message": DENIED_MESSAGE}, status=403)
        values = {"site_domains": request.POST.get("site_domains", ""),
                  "privacy_policy_url": request.POST.get("privacy_policy_url", "").strip()}
        too_long = length_error(values["site_domains"], SITE_DOMAINS_MAX_CHARS)
        if too_long:
            errors["site_domains"] = too_long
        else:
            try:
                connect_site(tenant, request.user, site_domains=values["site_domains"].splitlines(),
                             privacy_policy_url=values["privacy_policy_url"])
            except WidgetErrors as exc:
                errors = {ONBOARDING_FIELDS[key]: message for key, message in exc.fields.items()
                          if key in ONBOARDING_FIELDS}
                if set(exc.fields) - set(ONBOARDING_FIELDS):
                    errors["form"] = "В настройках виджета есть ошибка: откройте раздел «Виджет» и исправьте её."
            else:
                messages.success(request, "Сохранено: виджет будет принимать заявки с ваших сайтов.")
                return redirect("dashboard:onboarding")
    context = {
        "section": "onboarding", "demo_url": snippet_for(tenant)["demo_url"], "can_set_up": can_set_up,
        "values": values, "errors": errors,
        "site_ready": bool(tenant.site_domains and widget.privacy_policy_url) and not errors,
    }
    return render(request, "dashboard/onboarding.html", context, status=400 if errors else 200)

