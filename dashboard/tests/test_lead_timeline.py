"""The lead card's history refreshes itself: its own endpoint answers the poll with the history alone, or with 204
while the version the page holds is current; only the workspace's members see it, and only their own leads."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Membership
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead

HX = {"HX-Request": "true"}


@pytest.fixture
def card(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant()
    analyst = make_user()
    add_member(analyst, tenant, Membership.Role.ANALYST)
    with tenant_context(tenant):
        lead = create_lead(name="Анна", phone="+79161234567")
    return tenant, lead, client_for(tenant, analyst)


def poll_url(page: str) -> str:
    """The address the card's history polls, as the page holds it."""
    found = re.search(r'id="lead-timeline" data-poll hx-get="([^"]+)"', page)
    assert found, "the card's history does not poll"
    return found.group(1).replace("&amp;", "&")


def add_event(tenant, lead: Lead, kind: str, text: str) -> None:
    with tenant_context(tenant):
        LeadEvent.objects.create(lead=lead, kind=kind, channel="sms", text=text, created_at=timezone.now())


def test_the_history_answers_only_when_it_changed(card):
    tenant, lead, analyst = card
    url = poll_url(analyst.get(f"/leads/{lead.pk}").content.decode())
    assert url.startswith(f"/leads/{lead.pk}/timeline?v=")

    unchanged = analyst.get(url, headers=HX)
    assert (unchanged.status_code, unchanged.content) == (204, b"")

    add_event(tenant, lead, LeadEvent.Kind.MESSAGE_IN, "Можно перенести на субботу?")
    changed = analyst.get(url, headers=HX)
    assert changed.status_code == 200
    part = changed.content.decode()
    assert "<html" not in part  # the history alone, never the reply form
    assert 'id="lead-reply"' not in part
    assert 'data-message="in"' in part
    assert "Можно перенести на субботу?" in part
    assert '<p id="timeline-news" hx-swap-oob="innerHTML">Новое в истории: Получен ответ' in part
    assert poll_url(part) != url  # the next poll asks about the new version
    assert analyst.get(poll_url(part), headers=HX).status_code == 204

    with tenant_context(tenant):
        Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.BOOKED)
    booked = analyst.get(poll_url(part), headers=HX).content.decode()
    assert re.search(r'id="lead-status-head" hx-swap-oob="innerHTML">.*Записан', booked, re.S)
    assert re.search(r'id="lead-status-card" hx-swap-oob="innerHTML">.*Записан', booked, re.S)


def test_an_unknown_version_gets_the_history(card):
    _, lead, analyst = card
    response = analyst.get(f"/leads/{lead.pk}/timeline", headers=HX)
    assert response.status_code == 200
    assert "Лид создан" in response.content.decode()


def test_another_workspaces_lead_is_not_found_and_strangers_are_refused(card, make_tenant, client_for):
    tenant, lead, analyst = card
    neighbour = make_tenant()
    with tenant_context(neighbour):
        create_lead(name="Чужой")
        foreign = create_lead(name="Чужой Клиент")  # its id is not one of this workspace's leads
    with tenant_context(tenant):
        assert not Lead.objects.filter(pk=foreign.pk).exists()
    missing = analyst.get(f"/leads/{foreign.pk}/timeline", headers=HX)
    assert missing.status_code == 404
    assert "Чужой Клиент" not in missing.content.decode()

    stranger = client_for(tenant, neighbour.memberships.get().user)
    refused = stranger.get(f"/leads/{lead.pk}/timeline", headers=HX)
    assert refused.status_code == 403
    assert "Лид создан" not in refused.content.decode()


def test_the_history_needs_a_login(card):
    tenant, lead, _ = card
    response = Client(HTTP_HOST=tenant.primary_host).get(f"/leads/{lead.pk}/timeline", headers=HX)
    assert response.status_code == 302
    assert "/login" in response["Location"]
    assert Client(HTTP_HOST=tenant.primary_host).post(f"/leads/{lead.pk}/timeline").status_code == 405
