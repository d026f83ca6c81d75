"""The lead's card: what it shows (contacts masked for analysts, consent, source and UTM, operator, status with the
reason it was lost, escalation) and its action forms — each a PRG with a Russian message and one timeline event by
the member; a refusal is the card again with 400, the reason by the field and the typed text."""

import pytest
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Membership
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead

CONSENT = {"consent_version": "2026-03", "consent_text": "Согласен на обработку персональных данных",
           "privacy_policy_url": "https://clinic.example/privacy", "personal_data": True, "marketing": True,
           "ip": "198.51.100.23", "user_agent": "Mozilla/5.0 (Android)", "page_url": "https://clinic.example/"}


@pytest.fixture
def card(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    operator, analyst = make_user(full_name="Ольга Смирнова"), make_user(full_name="Андрей Аналитиков")
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    with tenant_context(tenant):
        lead = create_lead(name="Анна", phone="+79161234567", email="anna@example.ru", consent=CONSENT,
                           page_url="https://clinic.example/implant",
                           utm={"source": "yandex", "medium": "cpc", "campaign": "spring", "term": "зубы",
                                "content": "ad-7"})
    return {"tenant": tenant, "lead": lead, "operator": operator, "analyst": analyst,
            "as_operator": client_for(tenant, operator), "as_analyst": client_for(tenant, analyst)}


def _page(client, lead: Lead) -> str:
    response = client.get(f"/leads/{lead.pk}")
    assert response.status_code == 200
    return response.content.decode()


def _events(tenant, lead: Lead, kind: str) -> list[LeadEvent]:
    with tenant_context(tenant):
        return list(LeadEvent.objects.filter(lead=lead, kind=kind).order_by("id"))


def test_the_card_shows_the_lead_and_the_action_forms(card):
    page = _page(card["as_operator"], card["lead"])
    assert 'href="tel:+79161234567"' in page
    assert "anna@example.ru" in page
    assert "Согласие на обработку данных" in page
    assert "198.51.100.23" in page
    assert "Согласен на обработку персональных данных" in page
    for text in ("https://clinic.example/implant", "yandex", "cpc", "spring", "зубы", "ad-7"):
        assert text in page, text
    assert "не назначен" in page
    for form in ("status", "assign", "escalate", "lost", "note"):
        assert f'id="lead-action-{form}"' in page, form
    assert '<option value="">Никто</option>' in page
    assert "Ольга Смирнова</option>" in page
    assert 'id="lead-reply"' in page


def test_an_analyst_sees_masks_and_no_action_forms(card):
    with tenant_context(card["tenant"]):
        services.add_event(card["lead"], LeadEvent.Kind.MESSAGE_OUT, "E-mail → anna@example.ru: Ждём вас",
                           channel="email")
    page = _page(card["as_analyst"], card["lead"])
    assert "E-mail → a***@example.ru: Ждём вас" in page
    assert "+7 9** ***-**-67" in page
    assert "a***@example.ru" in page
    assert "198.51.100.*" in page
    for secret in ("+79161234567", "+7 916 123-45-67", "anna@example.ru", "198.51.100.23"):
        assert secret not in page, secret
    assert 'id="lead-actions"' not in page
    assert 'id="lead-reply"' not in page
    refused = card["as_analyst"].post(f"/leads/{card['lead'].pk}/actions", {"type": "note", "text": "Привет"})
    assert refused.status_code == 403
    assert _events(card["tenant"], card["lead"], LeadEvent.Kind.NOTE) == []


@pytest.mark.parametrize(("form", "flash", "kind", "shown"), [
    ({"type": "status", "status": "contacted"}, "Статус изменён.", "status_changed", "Статус «Новый» → «Связались»"),
    ({"type": "note", "text": "Перезвонить после 18:00"}, "Заметка добавлена.", "note", "Перезвонить после 18:00"),
    ({"type": "escalate", "comment": "Клиент ждёт директора"}, "Лид эскалирован", "escalated",
     "Эскалация: Клиент ждёт директора"),
    ({"type": "lost", "reason": "spam", "comment": ""}, "Лид закрыт как потерянный.", "status_changed",
     "причина: Спам или ошибочная заявка"),
    ({"type": "assign", "userId": "OPERATOR"}, "Ответственный изменён.", "assigned", "Ответственный: Ольга Смирнова"),
])
def test_each_action_redirects_with_a_message_and_lands_on_the_timeline(card, form, flash, kind, shown):
    lead, operator = card["lead"], card["operator"]
    if form.get("userId") == "OPERATOR":
        form = {**form, "userId": str(operator.pk)}
    response = card["as_operator"].post(f"/leads/{lead.pk}/actions", form)
    assert (response.status_code, response["Location"]) == (302, f"/leads/{lead.pk}")
    page = _page(card["as_operator"], lead)
    assert flash in page
    assert f'data-kind="{kind}"' in page
    assert shown in page
    assert '<span data-actor>Ольга Смирнова</span>' in page
    [event] = _events(card["tenant"], lead, kind)
    assert event.actor_id == operator.pk
    assert event.created_at is not None
    if form["type"] == "lost":
        assert "Причина: Спам или ошибочная заявка" in page
    if form["type"] == "escalate":
        assert "data-escalated" in page
    if form["type"] == "assign":
        assert '<dd class="mt-0.5 font-medium text-slate-900" data-assigned>Ольга Смирнова</dd>' in page


def test_unassigning_with_nobody(card):
    lead, operator = card["lead"], card["operator"]
    with tenant_context(card["tenant"]):
        services.assign(lead.pk, operator, operator)
    response = card["as_operator"].post(f"/leads/{lead.pk}/actions", {"type": "assign", "userId": ""})
    assert response.status_code == 302
    assert [event.text for event in _events(card["tenant"], lead, LeadEvent.Kind.ASSIGNED)][-1] == "Ответственный снят"


@pytest.mark.parametrize(("form", "field_id", "message", "kept"), [
    ({"type": "note", "text": "   "}, "id_note_text", "Напишите текст заметки.", ""),
    ({"type": "note", "text": "я" * 2001}, "id_note_text", "Не длиннее 2000 символов.", "я" * 2001),
    ({"type": "lost", "reason": "", "comment": "Не дозвонились"}, "id_lost_reason",
     "Выберите причину, по которой лид потерян.", "Не дозвонились"),
    ({"type": "status", "status": "archived"}, "id_status_status", "Недопустимое значение.", ""),
    ({"type": "status", "status": ""}, "id_status_status", "Выберите новый статус.", ""),
    ({"type": "escalate", "comment": "ж" * 2001}, "id_escalate_comment", "Не длиннее 2000 символов.", "ж" * 2001),
    ({"type": "assign", "userId": "STRANGER"}, "id_assign_user", "Нет такого сотрудника в рабочем пространстве.", ""),
])
def test_a_refused_action_shows_the_card_again_with_the_reason_and_the_text(card, make_user, form, field_id,
                                                                            message, kept):
    lead = card["lead"]
    if form.get("userId") == "STRANGER":
        form = {**form, "userId": str(make_user().pk)}
    response = card["as_operator"].post(f"/leads/{lead.pk}/actions", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="{field_id}-error" class="field-error">{message}</p>' in page
    assert f'aria-describedby="{field_id}-error"' in page
    if kept:
        assert kept in page
    with tenant_context(card["tenant"]):
        assert list(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True)) == ["created"]
        assert Lead.objects.get(pk=lead.pk).status == "new"


def test_a_lead_of_another_workspace_is_not_found(card, make_tenant):
    other = make_tenant()
    with tenant_context(other):
        foreign = [create_lead(name=f"Чужой {number}") for number in range(3)][-1]
    assert card["as_operator"].get(f"/leads/{foreign.pk}").status_code == 404
    assert card["as_operator"].post(f"/leads/{foreign.pk}/actions",
                                    {"type": "note", "text": "x"}).status_code == 404


def test_the_polled_timeline_names_members_and_the_new_kinds(card):
    lead, operator = card["lead"], card["operator"]
    with tenant_context(card["tenant"]):
        services.assign(lead.pk, operator, operator)
        services.escalate(lead.pk, operator, "Срочно")
        services.add_note(lead.pk, "Клиент просит перезвонить", operator)
    response = card["as_analyst"].get(f"/leads/{lead.pk}/timeline")
    assert response.status_code == 200
    page = response.content.decode()
    for kind, label in (("assigned", "Назначен ответственный"), ("escalated", "Эскалация"), ("note", "Заметка")):
        assert f'data-kind="{kind}"' in page
        assert label in page
    assert page.count("<span data-actor>Ольга Смирнова</span>") == 3
