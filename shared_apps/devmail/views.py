from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import DevMessage

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
