from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from billing import limits
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.permissions import Perm
from tenant_apps.leads.models import Channel, Lead
from tenant_apps.leads.selectors import LeadFilters, lead_detail, lead_list, lead_summary
from tenant_apps.widgets.snippet import snippet_for

LEADS_PER_PAGE = 25


def _cabinet_context(request: HttpRequest, section: str) -> dict:
    return {"section": section}


@require_GET
@permission_required(Perm.TENANT_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    context = _cabinet_context(request, "home")
    context.update(summary=lead_summary(), recent_leads=lead_list(LeadFilters())[:8])
    return render(request, "dashboard/home.html", context)


@require_GET
@permission_required(Perm.TENANT_VIEW)
def onboarding(request: HttpRequest) -> HttpResponse:
    context = _cabinet_context(request, "onboarding")
    context["demo_url"] = snippet_for(request.tenant)["demo_url"]
    return render(request, "dashboard/onboarding.html", context)


@require_GET
@vary_on_headers("HX-Request")
@permission_required(Perm.LEADS_VIEW)
def leads(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    channel = request.GET.get("channel") or None
    if status not in Lead.Status.values:
        status = None
    if channel not in Channel.values:
        channel = None
    page = Paginator(lead_list(LeadFilters(status=status, channel=channel)), LEADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = _cabinet_context(request, "leads")
    context.update(page=page, status=status, channel=channel, statuses=Lead.Status.choices, channels=Channel.choices,
                   can_export=limits.allows(request.tenant.account, limits.Feature.EXPORT))
    template = "dashboard/_leads_table.html" if request.headers.get("HX-Request") else "dashboard/leads.html"
    return render(request, template, context)


@require_GET
@permission_required(Perm.LEADS_VIEW)
def lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    found = lead_detail(lead_id)
    if found is None:
        raise Http404("Лид не найден")
    context = _cabinet_context(request, "leads")
    context["lead"] = found
    return render(request, "dashboard/lead.html", context)
