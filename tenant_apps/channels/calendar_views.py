"""Cal.com on the workspace's host: the booking webhooks (``POST /channels/calcom/<webhook_key>``) and the short
booking links of the SMS greetings (``GET /b/<code>``)."""

import logging

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.access import open_when_unpaid
from core.api_errors import error_response
from shared_apps.tenancy.http import WorkspaceRequest

from . import booking
from .models import BookingShortLink, CalendarConnection
from .transport import InboundRejected

logger = logging.getLogger(__name__)


@open_when_unpaid  # a lead's booking is recorded even while the cabinet is read-only or blocked
@csrf_exempt  # Cal.com's servers post here; the signature is the authentication
@require_POST
def calcom_webhook(request: WorkspaceRequest, key: str) -> HttpResponse:
    calendar = CalendarConnection.objects.filter(webhook_key=key).first()
    if calendar is None:
        return error_response(404, "not_found", "Такого адреса вебхука нет.")
    try:
        signature = request.headers.get("X-Cal-Signature-256", "")
        outcome = booking.receive(calendar, request.body, signature, request.tenant)
    except InboundRejected as exc:
        logger.warning("calcom_webhook_forged", extra={"tenantId": request.tenant.slug})
        return error_response(403, "signature_invalid", str(exc))
    except booking.BadWebhook as exc:
        return error_response(400, "webhook_invalid", str(exc))
    logger.info("calcom_webhook", extra={"tenantId": request.tenant.slug, "outcome": outcome})
    return JsonResponse({"status": outcome})


@open_when_unpaid  # the lead may book while the cabinet is read-only or blocked, as the widget's link allows
@require_GET
def short_link(request: WorkspaceRequest, code: str) -> HttpResponse:
    """The lead's prefilled booking page; the site's 404 page for an unknown code or without a calendar."""
    found = BookingShortLink.objects.select_related("lead").filter(code=code).first()
    link = booking.booking_link(found.lead) if found is not None else None
    if link is None:
        raise Http404("Ссылка на запись не найдена")
    return HttpResponseRedirect(link)
