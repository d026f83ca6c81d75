"""The Leads section of the cabinet: the filterable list (a table fragment for htmx) and one lead's card."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from pydantic import ValidationError

from billing import entitlements
from core.api_errors import validation_fields
from core.errors import InvalidInput
from core.validation import page_number
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.channels import conversation
from tenant_apps.leads.api import LeadFilterQuery
from tenant_apps.leads.models import Channel, Lead
from tenant_apps.leads.selectors import DEFAULT_SORT, lead_detail, lead_list

LEADS_PER_PAGE = 25
# The list's filters as the page's address names them; the API calls the source page «sourcePage».
FILTER_NAMES = ("q", "status", "channel", "from", "to", "assigned", "source", "utmSource", "utmMedium",
                "utmCampaign", "sort")
API_NAMES = {"source": "sourcePage"}
PAGE_NAMES = {api: page for page, api in API_NAMES.items()}
SORT_CHOICES = [("-createdAt", "Сначала новые"), ("createdAt", "Сначала старые"), ("name", "Имя А–Я"),
                ("-name", "Имя Я–А"), ("status", "По статусу")]
BAD_FILTER = "Фильтр не применён: {}"


def _query(values: dict[str, str], names: dict[str, str] | None = None) -> str:
    """The chosen filters as a query string (blank ones left out), for the page links and the export."""
    return urlencode({(names or {}).get(name, name): value for name, value in values.items() if value})


@require_GET
@vary_on_headers("HX-Request")
@permission_required(Perm.LEADS_VIEW)
def leads(request: WorkspaceRequest) -> HttpResponse:
    """The list with its filters in the address (a view can be shared and bookmarked); page numbers by offset.
    A filter the list cannot apply answers 400 with the reason above the list instead of silently showing all."""
    values = {name: request.GET.get(name, "").strip() for name in FILTER_NAMES}
    if values["sort"] == DEFAULT_SORT:  # what the form always sends is no filter: kept out of the address
        values["sort"] = ""
    errors: dict[str, str] = {}
    try:
        query = LeadFilterQuery.model_validate({API_NAMES.get(name, name): value for name, value in values.items()})
        filters = query.filters(request.tenant)
    except ValidationError as exc:
        errors = validation_fields([dict(error) for error in exc.errors()])
    except InvalidInput as exc:
        errors = exc.fields or {"__all__": exc.message}
    errors = {PAGE_NAMES.get(name, name): message for name, message in errors.items()}
    page = None if errors else Paginator(lead_list(filters), LEADS_PER_PAGE).get_page(
        page_number(request.GET.get("page"))
    )
    members = request.tenant.memberships.select_related("user").order_by("user__full_name", "user__email")
    context = {
        "section": "leads", "page": page, "values": values, "errors": errors,
        "error": BAD_FILTER.format(" ".join(errors.values())) if errors else "",
        "filtered": any(values.values()), "querystring": _query(values),
        "export_query": _query(values, API_NAMES),
        "more_open": any(values[name] for name in ("source", "utmSource", "utmMedium", "utmCampaign", "sort")),
        "statuses": Lead.Status.choices, "channels": Channel.choices, "sorts": SORT_CHOICES,
        "operators": [(str(member.user_id), member.user.get_full_name()) for member in members],
        "can_export": entitlements.allows(request.tenant.client_account, entitlements.Feature.EXPORT),
    }
    template = "dashboard/_leads_table.html" if request.headers.get("HX-Request") else "dashboard/leads.html"
    return render(request, template, context, status=400 if errors else 200)


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
