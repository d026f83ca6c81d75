"""Development delivery writes one log line per message: the message itself is read in the dev mailbox."""

import logging

from django.core.mail import EmailMultiAlternatives, get_connection


def test_a_message_becomes_one_line_without_its_body_attachments_or_full_address(caplog, capsys):
    message = EmailMultiAlternatives(
        "Сброс пароля", "Ссылка: http://localhost:8000/password/reset/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        to=["olga.ivanova@romashka.ru", "Boris <boris@romashka.ru>"],
    )
    message.attach_alternative("<a href='/password/reset/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'>ссылка</a>",
                               "text/html")
    message.attach("Счёт.pdf", b"%PDF-1.4 secret invoice", "application/pdf")
    caplog.set_level(logging.DEBUG)
    sent = get_connection("dev.mailbox.backends.LogLineBackend").send_messages([message])
    assert sent == 1
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == "dev_email_delivered"
    assert (record.to, record.subject, record.attachments) == ("o***@romashka.ru, b***@romashka.ru",
                                                                "Сброс пароля", 1)
    printed = capsys.readouterr()
    assert printed.out == ""
    everything = printed.err + repr(vars(record))
    for secret in ("AbCdEfGhIjKl", "olga.ivanova", "boris@", "PDF-1.4", "Ссылка"):
        assert secret not in everything


def test_development_hands_messages_to_it_by_default(settings):
    assert settings.EMAIL_DELIVERY_BACKEND == "dev.mailbox.backends.LogLineBackend"
