from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import DevAttachment, DevMessage

MAILBOX_SIZE = 50


def _enabled() -> None:
    if not settings.DEV_MAILBOX_ENABLED:
        raise Http404("Почтовый ящик разработчика отключён")


@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    _enabled()
    return render(request, "devmail/mailbox.html", {"messages_list": DevMessage.objects.all()[:MAILBOX_SIZE]})


@require_GET
def message(request: HttpRequest, message_id: int) -> HttpResponse:
    _enabled()
    return render(request, "devmail/message.html", {"message": get_object_or_404(DevMessage, pk=message_id)})


@require_GET
def attachment(request: HttpRequest, message_id: int, attachment_id: int) -> HttpResponse:
    _enabled()
    found = get_object_or_404(DevAttachment, pk=attachment_id, message_id=message_id)
    response = HttpResponse(bytes(found.content), content_type=found.content_type or "application/octet-stream")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(found.filename)}"
    return response
