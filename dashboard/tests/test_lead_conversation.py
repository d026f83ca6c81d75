"""The lead's card as a conversation: the client's and our messages apart, and the operator's reply form (SMS
through the channel sandbox)."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_TWILIO
from shared_apps.tenancy.models import Membership
from tenant_apps.channels import services
from tenant_apps.channels.models import DeliveryAttempt
from tenant_apps.leads.models import LeadEvent
from tenant_apps.leads.services import create_lead

SID, TOKEN, SENDER = DEFAULT_TWILIO
PHONE = "+79161234567"


@pytest.fixture
def card(make_tenant, make_user, add_member, client_for, channel_sandbox):
    tenant = make_tenant()
    operator, analyst = make_user(), make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    with tenant_context(tenant):
        services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
        lead = create_lead(name="Анна", phone=PHONE)
        LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.MESSAGE_IN, channel="sms",
                                 text="Перезвоните после шести", created_at=timezone.now())
    return tenant, lead, client_for(tenant, operator), client_for(tenant, analyst)


def test_the_card_shows_the_conversation_and_the_reply_form(card):
    _, lead, operator, analyst = card
    page = operator.get(f"/leads/{lead.pk}").content.decode()
    assert 'data-message="in"' in page
    assert "Перезвоните после шести" in page
    assert 'id="lead-reply"' in page
    assert "Через «SMS (Twilio)»" in page
    assert 'id="lead-reply"' not in analyst.get(f"/leads/{lead.pk}").content.decode()


def test_a_reply_is_queued_and_refusals_are_russian(card, send_mail_now, channel_sandbox):
    tenant, lead, operator, analyst = card
    url = f"/leads/{lead.pk}/reply"
    empty = operator.post(url, {"text": "   "})
    assert empty.status_code == 400
    assert "Напишите текст сообщения." in empty.content.decode()

    with send_mail_now():  # the delivery runs once the request's transaction commits
        sent = operator.post(url, {"text": "Перезвоним в 18:30"})
    assert (sent.status_code, sent["Location"]) == (302, f"/leads/{lead.pk}")
    page = operator.get(sent["Location"]).content.decode()
    assert "Сообщение отправляется" in page
    assert 'data-message="out"' in page
    assert channel_sandbox.messages("twilio")[-1]["text"] == "Перезвоним в 18:30"

    assert analyst.post(url, {"text": "Привет"}).status_code == 403
    with tenant_context(tenant):
        assert DeliveryAttempt.objects.filter(lead=lead).count() == 1
