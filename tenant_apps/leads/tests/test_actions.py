"""A member's actions on a lead through ``POST /api/v1/leads/{id}/actions``: each is one timeline event with who
and when, refusals are Russian 400s, analysts and other workspaces are kept out, two actions at once both land,
and an operator's reply is recorded with its author."""

import json
import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_TWILIO
from shared_apps.tenancy.models import Membership
from tenant_apps.channels import services as channel_services
from tenant_apps.leads import actions, services
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead
from tenant_apps.leads.signals import lead_changed

PHONE = "+79161234567"


@pytest.fixture
def team(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    admin = tenant.memberships.get().user
    operator, analyst = make_user(full_name="Ольга Смирнова"), make_user(full_name="Андрей Аналитиков")
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    with tenant_context(tenant):
        lead = create_lead(name="Анна", phone=PHONE, email="anna@example.ru")
    return {"tenant": tenant, "lead": lead, "admin": admin, "operator": operator, "analyst": analyst,
            "as_operator": client_for(tenant, operator), "as_analyst": client_for(tenant, analyst)}


def _act(client, lead_id: int, body: object):
    return client.post(f"/api/v1/leads/{lead_id}/actions", json.dumps(body), content_type="application/json")


def _events(tenant, lead_id: int, kind: str | None = None) -> list[LeadEvent]:
    with tenant_context(tenant):
        events = LeadEvent.objects.filter(lead_id=lead_id).order_by("created_at", "id")
        return list(events.filter(kind=kind) if kind else events)


@pytest.mark.parametrize(("body", "kind", "text"), [
    ({"type": "status", "status": "contacted"}, "status_changed", "Статус «Новый» → «Связались»"),
    ({"type": "escalate", "comment": "Клиент ждёт директора"}, "escalated", "Эскалация: Клиент ждёт директора"),
    ({"type": "lost", "reason": "price", "comment": "Дорого"}, "status_changed",
     "Статус «Новый» → «Потерян» · причина: Не устроила цена · Дорого"),
    ({"type": "note", "text": "Перезвонить после 18:00"}, "note", "Перезвонить после 18:00"),
])
def test_each_action_is_one_timeline_event_with_its_member_and_time(team, body, kind, text):
    response = _act(team["as_operator"], team["lead"].pk, body)
    assert response.status_code == 200, response.content
    detail = response.json()
    event = detail["events"][-1]
    assert (event["kind"], event["text"]) == (kind, text)
    assert event["actor"] == {"id": team["operator"].pk, "name": "Ольга Смирнова"}
    assert event["createdAt"]
    assert len(_events(team["tenant"], team["lead"].pk, kind)) == 1
    if body["type"] == "lost":
        assert (detail["status"], detail["lostReason"]) == ("lost", "price")
    if body["type"] == "escalate":
        assert detail["escalatedAt"]


def test_assigning_a_member_and_nobody(team):
    lead, operator = team["lead"], team["operator"]
    response = _act(team["as_operator"], lead.pk, {"type": "assign", "userId": operator.pk})
    assert response.status_code == 200
    assert response.json()["assignedTo"] == {"id": operator.pk, "name": "Ольга Смирнова"}
    assert response.json()["events"][-1]["text"] == "Ответственный: Ольга Смирнова"
    cleared = _act(team["as_operator"], lead.pk, {"type": "assign", "userId": None})
    assert cleared.json()["assignedTo"] is None
    assert [event.text for event in _events(team["tenant"], lead.pk, LeadEvent.Kind.ASSIGNED)] == [
        "Ответственный: Ольга Смирнова", "Ответственный снят"]
    assert all(event.actor_id == operator.pk for event in _events(team["tenant"], lead.pk, LeadEvent.Kind.ASSIGNED))


def test_a_status_change_is_announced_to_analytics(team):
    seen: list[tuple[int, str | None, str]] = []

    def receiver(sender, lead, previous_status, **kwargs):
        seen.append((lead.pk, previous_status, lead.status))

    lead_changed.connect(receiver, dispatch_uid="test_actions")
    try:
        _act(team["as_operator"], team["lead"].pk, {"type": "status", "status": "booked"})
    finally:
        lead_changed.disconnect(dispatch_uid="test_actions")
    assert seen == [(team["lead"].pk, "new", "booked")]


@pytest.mark.parametrize(("body", "fields"), [
    ({"type": "status", "status": "archived"}, {"status": "Недопустимое значение."}),
    ({"type": "status", "status": "lost"}, {"status": actions.LOST_BY_STATUS}),
    ({"type": "lost"}, {"reason": services.LOST_NEEDS_REASON}),
    ({"type": "lost", "reason": "weather"}, {"reason": "Недопустимое значение."}),
    ({"type": "note", "text": "   "}, {"text": "Напишите текст заметки."}),
    ({"type": "note", "text": "я" * 2001}, {"text": "Не длиннее 2000 символов."}),
    ({"type": "note"}, {"text": "Обязательное поле."}),
    ({"type": "escalate", "comment": "я" * 2001}, {"comment": "Не длиннее 2000 символов."}),
    ({"type": "assign"}, {"userId": "Обязательное поле."}),
    ({"type": "delete"}, {"type": "Недопустимое значение."}),
    ({"status": "new"}, {"type": "Обязательное поле."}),
])
def test_bad_actions_are_refused_in_russian_and_change_nothing(team, body, fields):
    response = _act(team["as_operator"], team["lead"].pk, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("validation_error", fields)
    assert [event.kind for event in _events(team["tenant"], team["lead"].pk)] == ["created"]
    with tenant_context(team["tenant"]):
        assert Lead.objects.get(pk=team["lead"].pk).status == "new"


def test_a_stranger_cannot_be_made_responsible(team, make_user, make_tenant):
    stranger = make_user()
    other_owner = make_tenant().memberships.get().user  # a member of another workspace
    for user in (stranger, other_owner):
        response = _act(team["as_operator"], team["lead"].pk, {"type": "assign", "userId": user.pk})
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"userId": actions.NOT_A_MEMBER}
    assert _events(team["tenant"], team["lead"].pk, LeadEvent.Kind.ASSIGNED) == []


def test_a_body_that_is_not_json_is_refused(team):
    response = team["as_operator"].post(f"/api/v1/leads/{team['lead'].pk}/actions", "{нет",
                                        content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"__all__": "Тело запроса — не JSON."}


def test_analysts_may_not_act_and_other_workspaces_leads_are_not_found(team, make_tenant):
    denied = _act(team["as_analyst"], team["lead"].pk, {"type": "note", "text": "Привет"})
    assert denied.status_code == 403
    assert _events(team["tenant"], team["lead"].pk, LeadEvent.Kind.NOTE) == []
    other = make_tenant()
    with tenant_context(other):
        foreign = [create_lead(name=f"Чужой {number}") for number in range(3)][-1]
    with tenant_context(team["tenant"]):
        assert not Lead.objects.filter(pk=foreign.pk).exists()  # ids are per workspace
    missing = _act(team["as_operator"], foreign.pk, {"type": "note", "text": "Привет"})
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "Лид не найден.")
    assert _events(other, foreign.pk, LeadEvent.Kind.NOTE) == []


def test_the_operation_is_documented_with_its_body(team):
    from config.api import tenant_api

    operation = tenant_api.get_openapi_schema(path_prefix="/api/v1")["paths"]["/api/v1/leads/{lead_id}/actions"]
    post = operation["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["discriminator"] == {"propertyName": "type"}
    assert sorted(variant["properties"]["type"]["const"] for variant in schema["oneOf"]) == sorted(
        actions.ACTION_TYPES)
    assert post["responses"][200]["content"]["application/json"]["schema"]["$ref"].endswith("/LeadDetailOut")
    assert post["operationId"] == "actOnLead" or post.get("summary") == "actOnLead"


# --- replies -------------------------------------------------------------------------------------------------------

@pytest.fixture
def twilio(team, channel_sandbox):
    sid, token, sender = DEFAULT_TWILIO
    with tenant_context(team["tenant"]):
        channel_services.connect("twilio", {"accountSid": sid, "authToken": token, "fromNumber": sender}, actor=None)
    return channel_sandbox


def test_a_reply_action_is_sent_and_the_timeline_names_its_author(team, twilio, send_mail_now):
    with send_mail_now():
        response = _act(team["as_operator"], team["lead"].pk, {"type": "reply", "text": "Ждём вас в 11:00"})
    assert response.status_code == 200, response.content
    assert twilio.messages("twilio")[-1]["text"] == "Ждём вас в 11:00"
    [sent] = _events(team["tenant"], team["lead"].pk, LeadEvent.Kind.MESSAGE_OUT)
    assert sent.actor_id == team["operator"].pk
    # The first message is the first contact: the product's own step, announced, without an author.
    [first] = [event for event in _events(team["tenant"], team["lead"].pk, LeadEvent.Kind.STATUS_CHANGED)]
    assert first.text.startswith("Первый контакт через")
    assert first.actor_id is None
    with tenant_context(team["tenant"]):
        assert Lead.objects.get(pk=team["lead"].pk).status == "contacted"
    detail = team["as_operator"].get(f"/api/v1/leads/{team['lead'].pk}").json()
    assert [event["actor"] for event in detail["events"] if event["kind"] == "message_out"] == [
        {"id": team["operator"].pk, "name": "Ольга Смирнова"}]


def test_a_reply_through_the_messages_endpoint_records_its_author_also_when_it_fails(team, twilio, send_mail_now):
    twilio.set_fault("twilio", "revoked")
    with send_mail_now():
        response = team["as_operator"].post(f"/api/v1/leads/{team['lead'].pk}/messages",
                                            json.dumps({"text": "Перезвоним"}), content_type="application/json")
    assert response.status_code == 202
    [failed] = _events(team["tenant"], team["lead"].pk, LeadEvent.Kind.MESSAGE_FAILED)
    assert failed.actor_id == team["operator"].pk


def test_a_reply_is_refused_with_the_channels_reason_or_503_without_channels(team):
    nowhere = _act(team["as_operator"], team["lead"].pk, {"type": "reply", "text": "Привет"})
    assert nowhere.status_code == 400
    assert nowhere.json()["error"]["message"].startswith("Ответить клиенту нечем")
    from tenant_apps.channels.conversation import reply

    actions.set_reply_handler(None)
    try:
        unavailable = _act(team["as_operator"], team["lead"].pk, {"type": "reply", "text": "Привет"})
    finally:
        actions.set_reply_handler(reply)
    assert unavailable.status_code == 503
    assert unavailable.json()["error"]["message"] == actions.ReplyUnavailable.default_message


# --- two members at once -------------------------------------------------------------------------------------------

def _in_thread(tenant, work) -> Iterator[threading.Thread]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            connection.set_tenant(tenant)
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.errors = errors  # type: ignore[attr-defined]
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_actions_at_once_both_land_in_order_and_the_status_stays_consistent(make_tenant, make_user, add_member):
    """The first member's change holds the lead's row lock while the second one's waits: the second one starts from
    the first one's status, both events are kept, and the status is the last event's."""
    tenant = make_tenant()
    first, second = tenant.memberships.get().user, make_user(full_name="Второй Сотрудник")
    add_member(second, tenant, Membership.Role.OPERATOR)
    with tenant_context(tenant):
        lead = create_lead(name="Анна", phone=PHONE)
    locked, done = threading.Event(), threading.Event()

    def slow_first() -> None:
        with transaction.atomic():
            services.change_status(lead.pk, Lead.Status.BOOKED, first)
            locked.set()
            done.wait(1.0)  # the second member's action is waiting for the lock meanwhile

    def second_member() -> None:
        locked.wait(10)
        services.change_status(lead.pk, Lead.Status.LOST, second, lost_reason=Lead.LostReason.PRICE)

    def note() -> None:
        locked.wait(10)
        services.add_note(lead.pk, "Заметка во время смены статуса", second)

    threads = [_in_thread(tenant, work) for work in (slow_first, second_member, note)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not [error for thread in threads for error in thread.errors]  # type: ignore[attr-defined]
    with tenant_context(tenant):
        changes = list(LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.STATUS_CHANGED).order_by("id"))
        assert [(event.text, event.actor_id) for event in changes] == [
            ("Статус «Новый» → «Записан»", first.pk),
            ("Статус «Записан» → «Потерян» · причина: Не устроила цена", second.pk),
        ]
        assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.NOTE).count() == 1
        final = Lead.objects.get(pk=lead.pk)
        assert (final.status, final.lost_reason) == ("lost", "price")


@pytest.mark.django_db(transaction=True)
def test_two_api_requests_at_once_both_land(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    admin, operator = tenant.memberships.get().user, make_user(full_name="Ольга Смирнова")
    add_member(operator, tenant, Membership.Role.OPERATOR)
    with tenant_context(tenant):
        lead = create_lead(name="Анна", phone=PHONE)
    clients = [client_for(tenant, admin), client_for(tenant, operator)]
    bodies = [{"type": "status", "status": "contacted"}, {"type": "assign", "userId": operator.pk}]
    statuses: list[int] = []
    start = threading.Barrier(2)

    def call(client, body) -> None:
        start.wait(10)
        statuses.append(_act(client, lead.pk, body).status_code)
        connection.close()

    threads = [threading.Thread(target=call, args=pair) for pair in zip(clients, bodies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [200, 200]
    with tenant_context(tenant):
        kinds = sorted(LeadEvent.objects.filter(lead=lead).exclude(kind="created").values_list("kind", flat=True))
        assert kinds == ["assigned", "status_changed"]
        final = Lead.objects.get(pk=lead.pk)
        assert (final.status, final.assigned_to_id) == ("contacted", operator.pk)


def test_a_member_marking_a_new_lead_contacted_records_the_first_contact_once(team):
    """A call the product did not see still counts: the time to first contact is kept, and a later message is
    not announced as a first contact again."""
    response = _act(team["as_operator"], team["lead"].pk, {"type": "status", "status": "contacted"})
    assert response.status_code == 200, response.content
    with tenant_context(team["tenant"]):
        lead = Lead.objects.get(pk=team["lead"].pk)
        first = lead.first_contact_at
        assert first is not None
    _act(team["as_operator"], team["lead"].pk, {"type": "status", "status": "booked"})
    with tenant_context(team["tenant"]):
        assert Lead.objects.get(pk=team["lead"].pk).first_contact_at == first
