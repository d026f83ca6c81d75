"""152-FZ requests about one lead: the admin's export of everything held about it and the erasure of its personal
data — gone from every table of the workspace's schema and of the public schema, the statistics untouched."""

import json
import re
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from psycopg import sql

from core.models import OutboxMessage
from dev.channel_sandbox import DEFAULT_TWILIO
from shared_apps.audit.models import AuditEntry
from shared_apps.tenancy.models import Membership
from tenant_apps.analytics import facts
from tenant_apps.analytics.models import DailyStat, LeadFact
from tenant_apps.channels import services as channels
from tenant_apps.channels.models import (
    Booking,
    BookingShortLink,
    ContactToken,
    Conversation,
    DeliveryAttempt,
    InboundMessage,
)
from tenant_apps.channels.tests.widget_leads import SITE, post_widget_lead
from tenant_apps.leads.models import ConsentRecord, Lead, LeadEvent
from tenant_apps.leads.privacy import ERASED_NAME, ERASED_TEXT
from tenant_apps.leads.services import create_lead

pytestmark = pytest.mark.django_db
SID, TOKEN, SENDER = DEFAULT_TWILIO
CYRILLIC = "абвгдежзиклмнопрстуфхцчшэюя"
SCANNED_TYPES = ("text", "character varying", "character", "json", "jsonb", "inet")


def _word() -> str:
    return "".join(secrets.choice(CYRILLIC) for _ in range(8)).capitalize()


class Person:
    """A visitor whose every trace is unique in the database, so a scan for it finds only this test's rows."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:10]
        self.first, self.last = _word(), _word()
        self.name = f"{self.first} {self.last}"
        self.digits = "916" + "".join(secrets.choice("0123456789") for _ in range(7))
        self.phone = f"+7{self.digits}"
        self.email = f"client.{tag}@example.ru"
        self.query = f"visitor={tag}q"
        self.message = f"Кодовое слово {_word()} {tag}m"
        self.note = f"Перезвонить {self.first}у после обеда {tag}n"
        self.comment = f"Клиент {self.last} просит директора {tag}c"
        self.lost = f"Ушёл к соседям {tag}l"

    @property
    def needles(self) -> list[str]:
        return [self.first, self.last, self.email, self.digits, self.query, self.message, self.note, self.comment,
                self.lost]


def _sms(tenant, channel, channel_sandbox, sender: str, text: str) -> None:
    url = f"http://{tenant.primary_host}/channels/inbound/twilio/{channel.inbound_key}"
    webhook = channel_sandbox.providers["twilio"].inbound({"url": url, "from": sender, "text": text})
    response = Client(HTTP_HOST=tenant.primary_host).post(
        urlsplit(url).path, webhook.body, content_type=webhook.headers["Content-Type"],
        headers={"X-Twilio-Signature": webhook.headers["X-Twilio-Signature"]})
    assert response.status_code == 200, response.content


def _act(client: Client, lead_id: int, **body) -> None:
    response = client.post(f"/api/v1/leads/{lead_id}/actions", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.fixture
def story(make_tenant, make_user, add_member, client_for, channel_sandbox, send_mail_now, settings):
    """A widget lead greeted by SMS, who answered; the operator noted, replied, escalated and closed it; a booking,
    a messenger link and a short booking link of its own. The new-message e-mail and the escalation alert wait in
    the outbox (nothing runs them outside ``send_mail_now``)."""
    settings.SMS_AT_NIGHT = True
    person = Person()
    admin_user = make_user(full_name="Ирина Админова")
    tenant = make_tenant(owner=admin_user, name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    operator_user = make_user(full_name="Олег Операторов")
    add_member(operator_user, tenant, Membership.Role.OPERATOR)
    with tenant_context(tenant):
        twilio = channels.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
    with send_mail_now():
        response = post_widget_lead(tenant, name=person.name, phone=person.phone, email=person.email,
                                    pageUrl=f"{SITE}/implant?{person.query}", timeZone="Asia/Yekaterinburg",
                                    utm={"source": "yandex", "medium": "cpc", "campaign": "spring",
                                         "term": f"имплант {person.last}", "content": person.query})
    lead_id = response.json()["leadId"]
    _sms(tenant, twilio, channel_sandbox, person.phone, person.message)
    operator = client_for(tenant, operator_user)
    _act(operator, lead_id, type="note", text=person.note)
    with send_mail_now():
        reply = operator.post(f"/api/v1/leads/{lead_id}/messages",
                              json.dumps({"text": f"{person.first}, ждём вас завтра"}), content_type="application/json")
    assert reply.status_code == 202, reply.content
    _act(operator, lead_id, type="escalate", comment=person.comment)
    _act(operator, lead_id, type="lost", reason="competitor", comment=person.lost)
    with tenant_context(tenant):
        lead = Lead.objects.get(pk=lead_id)
        ContactToken.objects.create(lead=lead)
        BookingShortLink.objects.create(lead=lead)
        Booking.objects.create(uid=f"cal-{uuid.uuid4().hex}", lead=lead, starts_at=timezone.now() + timedelta(days=1),
                               event_created_at=timezone.now())
    return tenant, lead, person, client_for(tenant, admin_user), operator


def _found(schema: str, needle: str) -> list[str]:
    """Every text, JSON or address column of the schema's tables that holds ``needle`` (any case)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.table_name, c.column_name FROM information_schema.columns c "
                       "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
                       "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
                       "WHERE c.table_schema = %s AND c.data_type = ANY(%s)", [schema, list(SCANNED_TYPES)])
        columns = cursor.fetchall()
        assert columns, f"no columns in {schema}"
        found = []
        for table, column in columns:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.{} WHERE {}::text ILIKE %s").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)), [f"%{needle}%"])
            if cursor.fetchone()[0]:
                found.append(f"{schema}.{table}.{column}")
    return found


def _figures(admin: Client) -> dict:
    today = timezone.localdate()
    period = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    return {name: admin.get(f"/api/v1/analytics/{name}?{period}").json() for name in ("dashboard", "channels",
                                                                                        "funnel")}


def _stored_sums(tenant) -> tuple[list, list]:
    with tenant_context(tenant):
        facts = list(LeadFact.objects.order_by("lead_id").values())
        sums = list(DailyStat.objects.order_by("dimension", "day", "key").values(
            "dimension", "day", "key", "leads", "contacted", "booked", "lost"))
    return facts, sums


def test_the_export_holds_the_lead_its_consent_timeline_with_authors_and_conversation(story):
    tenant, lead, person, admin, _ = story
    response = admin.get(f"/api/v1/leads/{lead.pk}/personal-data")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="lead-{lead.pk}-personal-data.json"'
    assert response["Cache-Control"] == "private, no-store"  # personal data: no cache on the way keeps a copy
    data = json.loads(response.content)
    assert (data["lead"]["id"], data["lead"]["name"], data["lead"]["phone"], data["lead"]["email"]) == (
        lead.pk, person.name, person.phone, person.email)
    assert data["lead"]["pageUrl"] == f"{SITE}/implant?{person.query}"
    assert data["lead"]["timezone"] == "Asia/Yekaterinburg"
    assert data["lead"]["utm"]["campaign"] == "spring"
    consent = data["consent"]
    assert consent["ip"] == "198.51.100.7"
    assert consent["userAgent"] == "Test/1.0"
    assert consent["personalData"] is True
    assert consent["version"]
    assert consent["text"]
    assert consent["givenAt"]
    timeline = data["timeline"]
    note = next(event for event in timeline if event["kind"] == "note")
    assert (note["text"], note["author"]["name"]) == (person.note, "Олег Операторов")
    assert any(event["kind"] == "message_in" and event["text"] == person.message for event in timeline)
    assert next(event for event in timeline if event["kind"] == "created")["author"] is None
    conversation = data["channels"]["conversations"]
    assert [(item["provider"], item["address"]) for item in conversation] == [("twilio", person.phone)]
    assert len(conversation[0]["inboundMessages"]) == 1
    attempts = data["channels"]["deliveryAttempts"]
    assert {attempt["recipient"] for attempt in attempts} == {person.phone}
    assert any(attempt["author"] and attempt["author"]["name"] == "Олег Операторов" for attempt in attempts)
    assert len(data["channels"]["bookings"]) == 1
    assert len(data["channels"]["contactTokens"]) == 1
    assert data["channels"]["bookingShortLink"]["code"]
    entry = AuditEntry.objects.get(action="export.lead_personal_data", workspace_id=tenant.pk)
    assert entry.target == f"Лид #{lead.pk}"
    assert entry.details == {}


def test_erasure_leaves_no_trace_in_any_table_and_the_statistics_as_they_were(story):
    tenant, lead, person, admin, _operator = story
    assert _found(tenant.schema_name, person.message), "the story did not store the message"
    assert _found("public", person.first), "the alerts waiting in the outbox quote the lead"
    figures, stored = _figures(admin), _stored_sums(tenant)
    with tenant_context(tenant):
        shape = list(LeadEvent.objects.filter(lead=lead).values_list("kind", "created_at", "actor_id"))
        consent_before = ConsentRecord.objects.get(lead=lead)

    response = admin.post(f"/api/v1/leads/{lead.pk}/erase", json.dumps({"confirm": True}),
                          content_type="application/json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["leadId"], body["alreadyErased"]) == (lead.pk, False)
    assert admin.get(f"/api/v1/leads/{lead.pk}").json()["erasedAt"] == body["erasedAt"]
    assert body["message"] == "Персональные данные лида удалены. Статистика сохранена."
    for needle in person.needles:
        for schema in (tenant.schema_name, "public"):
            assert _found(schema, needle) == [], needle
    assert _found(tenant.schema_name, "198.51.100.7") == []
    assert _figures(admin) == figures
    assert _stored_sums(tenant) == stored
    with tenant_context(tenant):
        facts.rebuild()  # what the erased lead still holds counts for the same: a rebuild moves nothing
    assert _stored_sums(tenant) == stored
    with tenant_context(tenant):
        erased = Lead.objects.get(pk=lead.pk)
        assert (erased.name, erased.phone, erased.email, erased.timezone) == (ERASED_NAME, "", "", "")
        assert erased.page_url == f"{SITE}/implant"
        assert (erased.status, erased.lost_reason, erased.channel) == (lead.status, "competitor", "web")
        assert erased.utm_campaign == "spring"
        events = list(LeadEvent.objects.filter(lead=lead).values_list("kind", "created_at", "actor_id"))
        assert events[:-1] == shape  # every event kept with its time and author, one more saying what happened
        assert events[-1][0] == LeadEvent.Kind.ERASED
        texts = dict(LeadEvent.objects.filter(lead=lead).values_list("kind", "text"))
        assert texts["note"] == texts["message_in"] == ERASED_TEXT
        assert texts["status_changed"] == "Статус «Связались» → «Потерян» · причина: Выбрал другую компанию"
        consent = ConsentRecord.objects.get(lead=lead)
        assert (consent.ip, consent.user_agent, consent.page_url) == (None, "", f"{SITE}/implant")
        assert (consent.consent_version, consent.consent_text, consent.given_at, consent.personal_data) == (
            consent_before.consent_version, consent_before.consent_text, consent_before.given_at, True)
        assert not Conversation.objects.exists()
        assert not InboundMessage.objects.exists()
        assert not ContactToken.objects.exists()
        assert not Booking.objects.exists()
        assert not BookingShortLink.objects.exists()
        assert set(DeliveryAttempt.objects.values_list("recipient", "text")) == {("", ERASED_TEXT)}
    assert not OutboxMessage.objects.filter(schema_name=tenant.schema_name, done_at__isnull=True).exclude(
        args=[]).filter(args__icontains=person.first).exists()
    entry = AuditEntry.objects.get(action="data.lead_erased", workspace_id=tenant.pk)
    assert entry.target == f"Лид #{lead.pk}"


def test_an_erased_lead_is_found_by_no_search_and_its_card_says_so(story):
    _tenant, lead, person, admin, operator = story
    query = {"q": person.last}
    assert admin.get("/api/v1/leads", query).json()["total"] == 1
    admin.post(f"/api/v1/leads/{lead.pk}/erase", json.dumps({"confirm": True}), content_type="application/json")
    for text in (person.last, person.email, person.phone, "8 " + person.digits, ERASED_NAME):
        assert admin.get("/api/v1/leads", {"q": text}).json()["total"] == 0, text
        assert f'href="/leads/{lead.pk}"' not in operator.get("/leads", {"q": text}).content.decode()
    assert admin.get("/api/v1/leads").json()["total"] == 1  # still listed and counted, as nobody
    card = operator.get(f"/leads/{lead.pk}").content.decode()
    assert f"Персональные данные удалены {timezone.localdate():%d.%m.%Y} по запросу" in card
    assert person.last not in card


def test_erasing_twice_changes_nothing_and_says_when_it_was_done(story):
    tenant, lead, _, admin, _ = story
    url = f"/api/v1/leads/{lead.pk}/erase"
    admin.post(url, json.dumps({"confirm": True}), content_type="application/json")
    with tenant_context(tenant):
        events = LeadEvent.objects.filter(lead=lead).count()
    again = admin.post(url, json.dumps({"confirm": True}), content_type="application/json")
    assert again.status_code == 200
    assert again.json()["alreadyErased"] is True
    assert again.json()["message"] == (f"Персональные данные лида уже были удалены {timezone.localdate():%d.%m.%Y}: "
                                       "повторно ничего не удалено.")
    assert AuditEntry.objects.filter(action="data.lead_erased", workspace_id=tenant.pk).count() == 1
    with tenant_context(tenant):
        assert LeadEvent.objects.filter(lead=lead).count() == events


@pytest.mark.parametrize("body", [None, {}, {"confirm": False}, {"confirm": "yes"}, "not json"])
def test_the_erasure_wants_its_confirmation(story, body):
    tenant, lead, person, admin, _ = story
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    response = admin.post(f"/api/v1/leads/{lead.pk}/erase", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Подтвердите удаление")
    with tenant_context(tenant):
        assert Lead.objects.get(pk=lead.pk).name == person.name


def test_only_admins_export_or_erase_and_only_their_workspaces_leads(make_tenant, make_user, add_member,
                                                                       client_for):
    home = make_tenant()
    admin = home.memberships.get().user
    operator, analyst = make_user(), make_user()
    add_member(operator, home, Membership.Role.OPERATOR)
    add_member(analyst, home, Membership.Role.ANALYST)
    neighbour = make_tenant()
    with tenant_context(home):
        lead = create_lead(name="Анна Своя", phone="+79160000001")
    with tenant_context(neighbour):
        foreign = [create_lead(name="Чужой Клиент", phone="+79160000002") for _ in range(3)][-1]
    confirm = json.dumps({"confirm": True})
    for user in (operator, analyst):
        client = client_for(home, user)
        assert client.get(f"/api/v1/leads/{lead.pk}/personal-data").status_code == 403
        refused = client.post(f"/api/v1/leads/{lead.pk}/erase", confirm, content_type="application/json")
        assert refused.status_code == 403
        assert refused.json()["error"]["message"]
        assert client.get(f"/leads/{lead.pk}/personal-data").status_code == 403
        assert client.post(f"/leads/{lead.pk}/erase", {"confirm": "yes"}).status_code == 403
        card = client.get(f"/leads/{lead.pk}").content.decode()
        assert "Удалить персональные данные" not in card
        assert "Выгрузить данные лида" not in card
    owner = client_for(home, admin)
    assert owner.get(f"/api/v1/leads/{foreign.pk}/personal-data").status_code == 404
    missing = owner.post(f"/api/v1/leads/{foreign.pk}/erase", confirm, content_type="application/json")
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "Лид не найден.")
    assert owner.get(f"/leads/{foreign.pk}/personal-data").status_code == 404
    with tenant_context(home):
        assert Lead.objects.get(pk=lead.pk).erased_at is None
    with tenant_context(neighbour):
        assert Lead.objects.get(pk=foreign.pk).erased_at is None
    assert not AuditEntry.objects.filter(action__in=["data.lead_erased", "export.lead_personal_data"]).filter(
        workspace_id__in=[home.pk, neighbour.pk]).exists()


def test_the_admin_downloads_and_erases_from_the_card(story):
    tenant, lead, person, admin, _ = story
    card = admin.get(f"/leads/{lead.pk}").content.decode()
    assert "Выгрузить данные лида (JSON)" in card
    assert "Удалить персональные данные" in card
    download = admin.get(f"/leads/{lead.pk}/personal-data")
    assert download["Content-Disposition"] == f'attachment; filename="lead-{lead.pk}-personal-data.json"'
    assert download["Cache-Control"] == "private, no-store"
    assert json.loads(download.content)["lead"]["email"] == person.email
    confirm_page = admin.get(f"/leads/{lead.pk}/erase")
    assert confirm_page.status_code == 200
    assert "Удалить персональные данные лида" in confirm_page.content.decode()
    assert re.search(r'<form method="post" action="/leads/\d+/erase"[^>]* novalidate>', confirm_page.content.decode())
    unconfirmed = admin.post(f"/leads/{lead.pk}/erase", {})
    assert unconfirmed.status_code == 400
    assert "Подтвердите удаление" in unconfirmed.content.decode()
    done = admin.post(f"/leads/{lead.pk}/erase", {"confirm": "yes"})
    assert (done.status_code, done["Location"]) == (302, f"/leads/{lead.pk}")
    page = admin.get(done["Location"]).content.decode()
    assert "Персональные данные лида удалены. Статистика сохранена." in page
    assert "Удалить персональные данные" not in page
    again = admin.post(f"/leads/{lead.pk}/erase", {"confirm": "yes"})
    assert "повторно ничего не удалено" in admin.get(again["Location"]).content.decode()
    assert AuditEntry.objects.filter(action="export.lead_personal_data", workspace_id=tenant.pk).count() == 1
    assert AuditEntry.objects.filter(action="data.lead_erased", workspace_id=tenant.pk).count() == 1


def test_an_erased_lead_takes_no_note_message_or_escalation_but_still_moves_along(story):
    tenant, lead, _, admin, operator = story
    admin.post(f"/api/v1/leads/{lead.pk}/erase", json.dumps({"confirm": True}), content_type="application/json")
    with tenant_context(tenant):
        events = LeadEvent.objects.filter(lead=lead).count()
    refusals = [
        operator.post(f"/api/v1/leads/{lead.pk}/actions", json.dumps({"type": "note", "text": "Анна, +7 916 000"}),
                      content_type="application/json"),
        operator.post(f"/api/v1/leads/{lead.pk}/actions", json.dumps({"type": "escalate", "comment": "Анна"}),
                      content_type="application/json"),
        operator.post(f"/api/v1/leads/{lead.pk}/messages", json.dumps({"text": "Анна, ждём вас"}),
                      content_type="application/json"),
    ]
    for refused in refusals:
        assert refused.status_code == 400, refused.content
        assert refused.json()["error"]["message"] == ("Персональные данные лида удалены: заметки и сообщения ему "
                                                      "недоступны.")
    with tenant_context(tenant):
        assert LeadEvent.objects.filter(lead=lead).count() == events
    _act(operator, lead.pk, type="status", status="contacted")  # its status and operator still change
    _act(operator, lead.pk, type="assign", userId=None)

    card = operator.get(f"/leads/{lead.pk}").content.decode()
    for form in ("lead-action-note", "lead-action-escalate", "lead-reply"):
        assert f'id="{form}"' not in card, form
    assert 'id="lead-action-status"' in card
    assert 'id="lead-action-assign"' in card
    stale = operator.post(f"/leads/{lead.pk}/actions", {"type": "note", "text": "Анна"})  # a card opened before
    assert (stale.status_code, stale["Location"]) == (302, f"/leads/{lead.pk}")
    assert "заметки и сообщения ему недоступны" in operator.get(stale["Location"]).content.decode()
