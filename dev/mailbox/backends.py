import logging
from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from shared_apps.tenancy.masking import mask_email

from .models import DevAttachment, DevMessage

logger = logging.getLogger(__name__)


class DevMailboxBackend(BaseEmailBackend):
    """Keep a copy of each message for /dev/mailbox, then deliver it through EMAIL_DELIVERY_BACKEND."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            html = next(
                (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"),
                "",
            )
            kept = DevMessage.objects.create(
                to=", ".join(message.to), subject=str(message.subject), text=str(message.body), html=html
            )
            for filename, content, mimetype in (a for a in message.attachments if isinstance(a, tuple)):
                DevAttachment.objects.create(message=kept, filename=filename, content_type=mimetype or "",
                                             content=content.encode() if isinstance(content, str) else content)
        delivery = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=self.fail_silently)
        return delivery.send_messages(email_messages)


class LogLineBackend(BaseEmailBackend):
    """Development delivery (EMAIL_DELIVERY_BACKEND): one log line per message — recipients masked, the subject, how
    many attachments. Unlike Django's console backend, no message text (one-time links) or attachment lands in a
    log; the dev mailbox shows the message."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            recipients = ", ".join(mask_email(parseaddr(address)[1]) for address in message.recipients())
            logger.info("dev_email_delivered", extra={"to": recipients, "subject": str(message.subject),
                                                      "attachments": len(message.attachments)})
        return len(email_messages)
