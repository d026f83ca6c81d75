"""People's messages from the providers' webhooks: ``/channels/inbound/<provider>/<inbound_key>`` on the
workspace's host. The key in the address finds the channel; the provider's signature or secret proves the sender."""

import logging
from typing import TYPE_CHECKING, cast

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.access import open_when_unpaid
from core.api_errors import error_response
from core.errors import Conflict
from core.ratelimit import RateLimit

from .conversation import receive
from .models import Channel
from .services import transport_for
from .transport import InboundRejected, transport_class

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # a provider's batch of a few messages; media arrive as links
RATE_LIMIT = RateLimit("channel-inbound", 300, 60)  # per channel: far above a real provider's pace


@csrf_exempt  # the providers' servers post here; their signature or our secret is the authentication
@open_when_unpaid  # clients' messages are kept while the cabinet is read-only or blocked (strangers: plan rules)
@require_http_methods(["GET", "POST"])
def inbound(request: HttpRequest, provider: str, key: str) -> HttpResponse:
    cls = transport_class(provider)
    channel = Channel.objects.filter(provider=provider, inbound_key=key).first() if cls and cls.inbound else None
    if channel is None:
        return error_response(404, "not_found", "Такого адреса вебхука нет.")
    schema = cast("DatabaseWrapper", connection).schema_name
    verdict = RATE_LIMIT.hit(f"{schema}:{channel.pk}")
    if not verdict.allowed:
        return error_response(429, "rate_limited", "Слишком много запросов.",
                              headers={"Retry-After": str(verdict.retry_after)})
    try:
        transport = transport_for(channel)
    except Conflict as exc:
        return error_response(503, exc.code, exc.message)
    if request.method == "GET":
        answer = transport.inbound_handshake(request)
        return answer if answer is not None else error_response(404, "not_found", "Такого адреса вебхука нет.")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return error_response(413, "payload_too_large", "Слишком большой запрос.")
    try:
        inbounds = transport.parse_inbound(request)
    except InboundRejected as exc:
        logger.warning("channel_inbound_forged", extra={"schema": schema, "provider": provider})
        return error_response(403, "signature_invalid", str(exc))
    receive(channel, inbounds)
    return transport.inbound_reply()
