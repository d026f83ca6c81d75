"""E-mails leave through a real SMTP conversation (aiosmtpd on loopback) with both Russian parts."""

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from shared_apps.accounts.models import User
from shared_apps.accounts.services import send_confirmation


class Inbox:
    """aiosmtpd handler keeping every message exactly as it came over the wire."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check that it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.mark.django_db
def test_confirmation_goes_out_over_smtp(smtp_server, settings, send_mail_now):
    inbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    user = User.objects.create_user("olga@romashka.ru", None, full_name="Ольга Петрова")

    with send_mail_now():
        send_confirmation(user)

    [message] = inbox.messages
    assert message["To"] == "olga@romashka.ru"
    # Django folds the encoded subject onto a continuation line; mail clients drop the fold whitespace.
    assert message["Subject"].strip() == "Подтвердите e-mail для Fast Lead"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Здравствуйте, Ольга!" in text
    assert "http://localhost:8000/email/confirm/" in text
    assert "Подтвердить e-mail" in html
    assert 'lang="ru"' in html


@pytest.mark.django_db
def test_dev_mailbox_keeps_a_copy_and_shows_it_only_in_development(settings, send_mail_now, client_for):
    settings.EMAIL_BACKEND = "dev.mailbox.backends.DevMailboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = User.objects.create_user("olga@romashka.ru", None, full_name="Ольга")
    with send_mail_now():
        send_confirmation(user)

    client = client_for()
    listing = client.get("/dev/mailbox")
    assert listing.status_code == 200
    assert "Подтвердите e-mail для Fast Lead" in listing.content.decode()
    message_page = client.get(f"/dev/mailbox/{listing.context['messages_list'][0].pk}")
    assert '<a href="http://localhost:8000/email/confirm/' in message_page.content.decode()

    settings.DEV_MAILBOX_ENABLED = False
    assert client.get("/dev/mailbox").status_code == 404
