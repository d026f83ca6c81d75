"""The Leads section of the cabinet: the filterable list (a table fragment for htmx) and one lead's card."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from billing import entitlements
from core.errors import InvalidInput
from core.validation import page_number
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.channels import conversation
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


REPLY_QUEUED = "Сообщение отправляется — оно появится в истории, как только канал его примет."


def _lead_or_404(lead_id: int) -> Lead:
    found = lead_detail(lead_id)
    if found is None:
        raise Http404("Лид не найден")
    return found


def _timeline_version(found: Lead) -> str:
    """What the card's history shows, in one word: events are only ever added, the status changes in place.
    Reads the prefetched events (no query)."""
    events = found.events.all()
    return f"{len(events)}.{max((event.pk for event in events), default=0)}.{found.status}"


def _card(request: WorkspaceRequest, found: Lead, *, values: dict | None = None, errors: dict | None = None,
          error: str = "", status: int = 200) -> HttpResponse:
    can_reply = has_permission(request.membership, Perm.LEADS_ACT)
    context = {
        "section": "leads", "lead": found, "version": _timeline_version(found), "can_reply": can_reply,
        "reply_targets": conversation.reply_targets(found) if can_reply else [],
        "values": {"text": "", "channel": None, **(values or {})}, "errors": errors or {}, "error": error,
    }
    return render(request, "dashboard/lead.html", context, status=status)


@require_GET
@permission_required(Perm.LEADS_VIEW)
def lead(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    return _card(request, _lead_or_404(lead_id))


@require_GET
@permission_required(Perm.LEADS_VIEW)
def timeline(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    """The card's history alone, asked again every few seconds (htmx): the client's answers and the fate of ours
    show without a reload. Unchanged since the version the page holds: 204, nothing to render or swap."""
    found = _lead_or_404(lead_id)
    version = _timeline_version(found)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    events = list(found.events.all())
    return render(request, "dashboard/_lead_timeline.html",
                  {"lead": found, "version": version, "latest": events[-1] if events else None})


@require_POST
@permission_required(Perm.LEADS_ACT)
def reply(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    """The operator's answer from the lead's card: queued, then back to the card (PRG); a refusal shows the card
    again with the reason and the typed text."""
    found = _lead_or_404(lead_id)
    text, channel = request.POST.get("text", ""), request.POST.get("channel", "")
    channel_id = int(channel) if channel.isdigit() else None
    try:
        conversation.reply(found, text, request.user, channel_id)
    except InvalidInput as exc:
        fields = {"channel" if name == "channelId" else name: message for name, message in exc.fields.items()}
        return _card(request, found, values={"text": text, "channel": channel_id}, errors=fields,
                     error=exc.summary, status=exc.status)
    messages.success(request, REPLY_QUEUED)
    return redirect("dashboard:lead", lead_id=found.pk)
