"""``GET /api/v1/leads/{id}``: the whole lead for its card — contacts (masked for analysts, the consent's IP too),
status with the reason it was lost, operator, key moments, source and UTM, consent, the timeline with members."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Membership
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead

CONSENT = {"consent_version": "2026-03", "consent_text": "Согласен на обработку персональных данных",
           "privacy_policy_url": "https://clinic.example/privacy", "personal_data": True, "marketing": False,
           "ip": "203.0.113.45", "user_agent": "Mozilla/5.0 (iPhone)", "page_url": "https://clinic.example/price"}
UTM = {"source": "yandex", "medium": "cpc", "campaign": "spring", "term": "стоматолог", "content": "ad-7"}


@pytest.fixture
def card(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    operator, analyst = make_user(full_name="Ольга Смирнова"), make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    with tenant_context(tenant):
        lead = create_lead(name="Анна", phone="+79161234567", email="anna@example.ru", page_url=CONSENT["page_url"],
                           utm=UTM, consent=CONSENT, topic="Имплантация", time_zone="Asia/Yekaterinburg")
        services.assign(lead.pk, operator, operator)
        services.escalate(lead.pk, operator, "Нужен врач")
        services.change_status(lead.pk, Lead.Status.LOST, operator, lost_reason=Lead.LostReason.COMPETITOR)
        Lead.objects.filter(pk=lead.pk).update(first_contact_at=timezone.now() - dt.timedelta(minutes=5))
        services.add_event(lead, LeadEvent.Kind.MESSAGE_OUT, "SMS (Twilio) → +79161234567: Ждём вас", channel="sms")
    return tenant, lead, operator, client_for(tenant, operator), client_for(tenant, analyst)


def test_the_whole_lead_for_a_member(card):
    _, lead, operator, as_operator, _ = card
    response = as_operator.get(f"/api/v1/leads/{lead.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["email"]) == ("+79161234567", "anna@example.ru")
    assert (body["status"], body["lostReason"]) == ("lost", "competitor")
    assert body["assignedTo"] == {"id": operator.pk, "name": "Ольга Смирнова"}
    assert body["escalatedAt"]
    assert body["firstContactAt"]
    assert body["bookedAt"] is None
    assert body["timezone"] == "Asia/Yekaterinburg"
    assert body["pageUrl"] == "https://clinic.example/price"
    assert body["utm"] == UTM
    consent = body["consent"]
    assert consent == {
        "version": "2026-03", "text": "Согласен на обработку персональных данных",
        "privacyPolicyUrl": "https://clinic.example/privacy", "personalData": True, "marketing": False,
        "givenAt": consent["givenAt"], "ip": "203.0.113.45", "userAgent": "Mozilla/5.0 (iPhone)",
        "page": "https://clinic.example/price",
    }
    events = [(event["kind"], event["text"], event["actor"]) for event in body["events"]]
    member = {"id": operator.pk, "name": "Ольга Смирнова"}
    assert events == [
        ("created", "Заявка получена · тема: Имплантация", None),
        ("assigned", "Ответственный: Ольга Смирнова", member),
        ("escalated", "Эскалация: Нужен врач", member),
        ("status_changed", "Статус «Новый» → «Потерян» · причина: Выбрал другую компанию", member),
        ("message_out", "SMS (Twilio) → +79161234567: Ждём вас", None),
    ]
    assert all(event["createdAt"] and "channel" in event for event in body["events"])


def test_an_analyst_sees_masked_contacts_and_ip(card):
    _, lead, _, _, as_analyst = card
    body = as_analyst.get(f"/api/v1/leads/{lead.pk}").json()
    assert (body["phone"], body["email"]) == ("+7 9** ***-**-67", "a***@example.ru")
    assert body["consent"]["ip"] == "203.0.113.*"
    assert body["events"][-1]["text"] == "SMS (Twilio) → +7 9** ***-**-67: Ждём вас"
    content = as_analyst.get(f"/api/v1/leads/{lead.pk}").content.decode()
    for secret in ("203.0.113.45", "+79161234567", "anna@example.ru"):
        assert secret not in content, secret


def test_a_lead_without_consent_or_operator(card, client_for):
    tenant, _, _, as_operator, _ = card
    with tenant_context(tenant):
        chat = create_lead(name="Из Telegram", channel="telegram")
    body = as_operator.get(f"/api/v1/leads/{chat.pk}").json()
    assert (body["consent"], body["assignedTo"], body["lostReason"]) == (None, None, None)
    assert body["utm"] == {"source": "", "medium": "", "campaign": "", "term": "", "content": ""}


def test_unknown_and_other_workspaces_leads_are_not_found(card, make_tenant):
    tenant, _, _, as_operator, _ = card
    other = make_tenant()
    with tenant_context(other):
        foreign = [create_lead(name=f"Чужой {number}") for number in range(3)][-1]
    with tenant_context(tenant):
        assert not Lead.objects.filter(pk=foreign.pk).exists()
    for lead_id in (foreign.pk, 999999):
        response = as_operator.get(f"/api/v1/leads/{lead_id}")
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "Лид не найден."


def test_the_detail_is_documented(card):
    from config.api import tenant_api

    schemas = tenant_api.get_openapi_schema(path_prefix="/api/v1")["components"]["schemas"]
    detail = schemas["LeadDetailOut"]["properties"]
    for name in ("lostReason", "assignedTo", "escalatedAt", "firstContactAt", "bookedAt", "timezone", "utm",
                 "consent", "events"):
        assert name in detail, name
    assert set(schemas["LeadConsentOut"]["properties"]) == {
        "version", "text", "privacyPolicyUrl", "personalData", "marketing", "givenAt", "ip", "userAgent", "page"}
    assert "actor" in schemas["LeadEventOut"]["properties"]
