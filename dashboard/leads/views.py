"""The Leads section of the cabinet: the filterable list (a table fragment for htmx) and one lead's card."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from billing import entitlements
from core.validation import page_number
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.leads.models import Channel, Lead
from tenant_apps.leads.selectors import LeadFilters, lead_detail, lead_list

LEADS_PER_PAGE = 25


@require_GET
@vary_on_headers("HX-Request")
@permission_required(Perm.LEADS_VIEW)
def leads(request: WorkspaceRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    channel = request.GET.get("channel") or None
    if status not in Lead.Status.values:
        status = None
    if channel not in Channel.values:
        channel = None
    page = Paginator(lead_list(LeadFilters(status=status, channel=channel)), LEADS_PER_PAGE).get_page(
        page_number(request.GET.get("page"))
    )
    context = {
        "section": "leads", "page": page, "status": status, "channel": channel, "statuses": Lead.Status.choices,
        "channels": Channel.choices,
        "can_export": entitlements.allows(request.tenant.client_account, entitlements.Feature.EXPORT),
    }
    template = "dashboard/_leads_table.html" if request.headers.get("HX-Request") else "dashboard/leads.html"
    return render(request, template, context)


@require_GET
@permission_required(Perm.LEADS_VIEW)
def lead(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    found = lead_detail(lead_id)
    if found is None:
        raise Http404("Лид не найден")
    return render(request, "dashboard/lead.html", {"section": "leads", "lead": found})
