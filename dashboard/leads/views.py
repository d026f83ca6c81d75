"""The Leads section of the cabinet: the filterable list (a table fragment for htmx) and one lead's card."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from pydantic import ValidationError

from billing import entitlements
from core.api_errors import validation_fields
from core.errors import InvalidInput, NotFound
from core.net import client_ip
from core.validation import CHECK_FIELDS, page_number
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.channels import conversation
from tenant_apps.leads import live, privacy, saved_views
from tenant_apps.leads.actions import parse as parse_action
from tenant_apps.leads.actions import perform as perform_action
from tenant_apps.leads.api import LeadFilterQuery
from tenant_apps.leads.models import Channel, Lead
from tenant_apps.leads.selectors import DEFAULT_SORT, consent_of, lead_detail, lead_list
from tenant_apps.leads.services import ERASED_CODE

LEADS_PER_PAGE = 25
# The list's filters as the page's address names them; the API calls the source page «sourcePage».
FILTER_NAMES = ("q", "status", "channel", "from", "to", "assigned", "source", "utmSource", "utmMedium",
                "utmCampaign", "sort", "contacted")
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
    return _list(request, request.GET)


def _list(request: WorkspaceRequest, params: QueryDict, *, view_form: dict | None = None,
          highlight_after: int = 0) -> HttpResponse:
    """The list for ``params`` (the address's, or a refused «Сохранить вид» form's filters, then with its reason)."""
    values = {name: params.get(name, "").strip() for name in FILTER_NAMES}
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
        page_number(params.get("page"))
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
        "live_after": live.newest_lead_id(), "highlight_after": highlight_after,
        "saved_views": saved_views.views_of(request.user), "view_form": view_form or {"name": "", "error": ""},
    }
    template = "dashboard/_leads_table.html" if request.headers.get("HX-Request") else "dashboard/leads.html"
    return render(request, template, context, status=400 if errors or view_form else 200)


VIEW_SAVED = "Вид «{}» сохранён."
VIEW_DELETED = "Вид «{}» удалён."


@require_POST
@permission_required(Perm.LEADS_VIEW)
def save_view(request: WorkspaceRequest) -> HttpResponse:
    """«Сохранить вид»: the filters on screen under a name, then the list with them (PRG). A refused name shows
    the same list again with the reason by the field (400)."""
    name, query = request.POST.get("name", ""), _page_filters(request.POST.get("query", ""))
    try:
        view = saved_views.save_view(request.user, name, query)
    except InvalidInput as exc:
        error = exc.fields.get("name") or exc.summary
        return _list(request, QueryDict(query), view_form={"name": name, "error": error})
    messages.success(request, VIEW_SAVED.format(view.name))
    return redirect(_view_url(view.query))


@require_POST
@permission_required(Perm.LEADS_VIEW)
def delete_view(request: WorkspaceRequest, view_id: int) -> HttpResponse:
    try:
        view = saved_views.delete_view(request.user, view_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, VIEW_DELETED.format(view.name))
    return redirect(_view_url(_page_filters(request.POST.get("query", ""))))


def _page_filters(raw: str) -> str:
    """A query string as the page's address keeps it: its filters only, blank ones and the default order left out."""
    params = QueryDict(raw.strip().lstrip("?"))
    values = {name: params.get(name, "").strip() for name in FILTER_NAMES}
    if values["sort"] == DEFAULT_SORT:
        values["sort"] = ""
    return _query(values)


def _view_url(query: str) -> str:
    url = reverse("dashboard:leads")
    return f"{url}?{query}" if query else url


@require_GET
@permission_required(Perm.LEADS_VIEW)
def news(request: WorkspaceRequest) -> HttpResponse:
    """The open list's poll: nothing new for its filters since the lead ``after`` → 204 (nothing to swap). On the
    first page the list itself comes back, the new rows marked; further on only a note «N новых лидов — обновить»
    (the rows the member is reading stay where they are), again only when the number changes (``seen``)."""
    after = _number(request.GET.get("after"))
    values = {name: request.GET.get(name, "").strip() for name in FILTER_NAMES}
    try:
        filters = LeadFilterQuery.model_validate(
            {API_NAMES.get(name, name): value for name, value in values.items()}).filters(request.tenant)
    except (ValidationError, InvalidInput):
        return HttpResponse(status=204)  # the list shows the filter's refusal already
    count = live.count_after(lead_list(filters), after)
    if count == 0 or count == _number(request.GET.get("seen")):
        return HttpResponse(status=204)
    if page_number(request.GET.get("page")) == 1:
        return _list(request, request.GET, highlight_after=after)
    context = {"live_after": after, "live_new": count, "live_more": count >= live.NEWS_CAP,
               "page": {"number": page_number(request.GET.get("page"))}, "querystring": _query(values)}
    response = render(request, "dashboard/_leads_live.html", context)
    response["HX-Retarget"] = "#leads-live"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_GET
@permission_required(Perm.LEADS_VIEW)
def badge(request: WorkspaceRequest) -> HttpResponse:
    """The menu's count of leads in status «Новый», asked every few seconds: 204 while it is the number shown."""
    count = live.new_leads_count()
    if str(count) == request.GET.get("n"):
        return HttpResponse(status=204)
    return render(request, "dashboard/_leads_badge_poll.html", {"new_leads": count, "oob": True})


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


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


# The card's forms: each posts its ``type`` and the API's field names; a refused one is shown again with its values.
CARD_FORMS = ("status", "assign", "escalate", "lost", "note", "reply")
ACTION_FIELDS = ("status", "userId", "comment", "reason", "text")
CHOOSE_STATUS = "Выберите новый статус."
ACTION_DONE = {
    "status": "Статус изменён.", "assign": "Ответственный изменён.", "note": "Заметка добавлена.",
    "escalate": "Лид эскалирован: администраторы получат уведомление.", "lost": "Лид закрыт как потерянный.",
    "reply": REPLY_QUEUED,
}


def _card(request: WorkspaceRequest, found: Lead, *, failed: str = "", values: dict | None = None,
          errors: dict | None = None, error: str = "", status: int = 200) -> HttpResponse:
    can_act = has_permission(request.membership, Perm.LEADS_ACT)
    forms: dict[str, dict] = {name: {"values": {}, "errors": {}, "error": ""} for name in CARD_FORMS}
    forms["reply"]["values"] = {"text": "", "channel": None}
    if failed in forms:
        forms[failed] = {"values": {**forms[failed]["values"], **(values or {})}, "errors": errors or {},
                         "error": error}
    members = (request.tenant.memberships.select_related("user").order_by("user__full_name", "user__email")
               if can_act else [])
    can_write = can_act and found.erased_at is None  # an erased lead takes no message (services.refuse_if_erased)
    context = {
        "section": "leads", "lead": found, "version": _timeline_version(found), "can_reply": can_write,
        "can_act": can_act, "forms": forms, "failed": failed, "consent": consent_of(found),
        "reply_targets": conversation.reply_targets(found) if can_write else [],
        "members": [(member.user_id, member.user.get_full_name()) for member in members],
        "open_statuses": [choice for choice in Lead.Status.choices if choice[0] != Lead.Status.LOST],
        "lost_reasons": Lead.LostReason.choices, "card_error": "" if failed in forms else error,
        "can_manage_personal_data": has_permission(request.membership, Perm.LEADS_PERSONAL_DATA),
        "erasure_note": privacy.erasure_note(found.events.all()) if found.erased_at else "",
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


def _back_erased(request: WorkspaceRequest, found: Lead, exc: InvalidInput) -> HttpResponse:
    """A note, reply or escalation sent from a card opened before the lead was erased: the card hides those forms
    now, so the reason goes above it."""
    messages.error(request, exc.message)
    return redirect("dashboard:lead", lead_id=found.pk)


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
        if exc.code == ERASED_CODE:
            return _back_erased(request, found, exc)
        fields = {"channel" if name == "channelId" else name: message for name, message in exc.fields.items()}
        return _card(request, found, failed="reply", values={"text": text, "channel": channel_id}, errors=fields,
                     error=exc.summary, status=exc.status)
    messages.success(request, REPLY_QUEUED)
    return redirect("dashboard:lead", lead_id=found.pk)


@require_POST
@permission_required(Perm.LEADS_ACT)
def lead_action(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    """One of the card's action forms (status, assign, escalate, lost, note), carried out as the API's
    ``POST /leads/{id}/actions`` is: one timeline event by the member, then back to the card (PRG) with what was
    done; a refusal shows the card again (400) with the reason by the field and what was typed."""
    found = _lead_or_404(lead_id)
    kind = request.POST.get("type", "")
    values = {name: request.POST.get(name, "") for name in ACTION_FIELDS}
    data: dict[str, object] = {"type": kind, **values}
    for name in ("userId", "reason", "status"):  # «Никто» / no choice
        if not values[name].strip():
            data[name] = None
    if kind == "status" and data["status"] is None:
        return _card(request, found, failed=kind, values=values, errors={"status": CHOOSE_STATUS}, error=CHECK_FIELDS,
                     status=400)
    try:
        perform_action(request.tenant, found.pk, request.user, parse_action(data))
    except InvalidInput as exc:
        if exc.code == ERASED_CODE:
            return _back_erased(request, found, exc)
        return _card(request, found, failed=kind, values=values, errors=exc.fields, error=exc.summary,
                     status=exc.status)
    messages.success(request, ACTION_DONE.get(kind, "Готово."))
    return redirect("dashboard:lead", lead_id=found.pk)


# --- 152-FZ: a data subject's requests ---------------------------------------------------------------------------


@require_GET
@permission_required(Perm.LEADS_PERSONAL_DATA)
def personal_data(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    """«Выгрузить данные лида (JSON)»: everything held about the lead as a file (audited)."""
    try:
        data = privacy.export_personal_data(lead_id, actor=request.user, workspace=request.tenant,
                                            ip=client_ip(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return privacy.export_response(lead_id, data)


CONFIRM_ERASE = "Подтвердите удаление: отметьте, что понимаете последствия."


@require_http_methods(["GET", "POST"])
@permission_required(Perm.LEADS_PERSONAL_DATA)
def erase(request: WorkspaceRequest, lead_id: int) -> HttpResponse:
    """«Удалить персональные данные»: a page that says what goes and what stays, then the erasure (PRG to the card
    with what happened; a second erasure changes nothing and says so)."""
    found = _lead_or_404(lead_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return render(request, "dashboard/lead_erase.html", {"section": "leads", "lead": found,
                                                                 "error": CONFIRM_ERASE}, status=400)
        erased = privacy.erase(found, actor=request.user, workspace=request.tenant, ip=client_ip(request))
        found.refresh_from_db(fields=["erased_at"])
        message = privacy.erase_outcome(erased, found, request.tenant.timezone)
        (messages.success if erased else messages.info)(request, message)
        return redirect("dashboard:lead", lead_id=found.pk)
    return render(request, "dashboard/lead_erase.html", {"section": "leads", "lead": found, "error": ""})
