import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from core import email as emails


@pytest.mark.django_db
def test_the_dev_mailbox_keeps_attached_pdfs_downloadable(settings, send_mail_now, client_for):
    settings.EMAIL_BACKEND = "dev.mailbox.backends.DevMailboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    stored = storages["documents"].save("mailbox-test/invoice.pdf", ContentFile(b"%PDF-1.4 test invoice"))
    with send_mail_now():
        emails.send("billing_invoice_issued", "olga@romashka.ru", "Счёт на оплату № 2026-00007",
                    {"account": {"name": "Ромашка"}, "document_number": "2026-00007", "amount": "9 990,00 ₽",
                     "billing_url": "http://x.localhost:8000/billing"},
                    attachments=[("documents", stored, "Счёт-2026-00007.pdf")])
    client = client_for()
    listing = client.get("/dev/mailbox")
    page = client.get(f"/dev/mailbox/{listing.context['messages_list'][0].pk}").content.decode()
    assert "Счёт-2026-00007.pdf" in page
    message = listing.context["messages_list"][0]
    attachment = message.attachments.get()
    download = client.get(f"/dev/mailbox/{message.pk}/attachments/{attachment.pk}")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content == b"%PDF-1.4 test invoice"
    assert client.get(f"/dev/mailbox/{message.pk}/attachments/{attachment.pk + 1}").status_code == 404
    settings.DEV_MAILBOX_ENABLED = False
    assert client.get(f"/dev/mailbox/{message.pk}/attachments/{attachment.pk}").status_code == 404
