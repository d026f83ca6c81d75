"""The live leads list and the menu's badge: polls answer 204 while nothing changed, the first page comes back with
the new rows marked, a further page only says how many are new; the badge counts leads in status «Новый»."""

import re

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.leads.models import Lead
from tenant_apps.leads.services import create_lead

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def workspace(make_tenant, client_for):
    tenant = make_tenant(name="Клиника")
    with tenant_context(tenant):
        for n in range(30):
            Lead.objects.create(name=f"Старый {n}", phone="+79160000000", status="contacted" if n % 3 else "new",
                                created_at=timezone.now())
    return tenant, client_for(tenant, tenant.memberships.get().user)


def _poll_url(body: str) -> str:
    found = re.search(r'id="leads-live"[^>]*hx-get="([^"]+)"', body, re.S) or \
        re.search(r'hx-get="([^"]+)"[^>]*\n?[^>]*id="leads-live"', body, re.S)
    if found is None:  # attributes in another order: take the hx-get of the element
        element = re.search(r'<div id="leads-live"(.*?)>', body, re.S)
        assert element, body[:500]
        found = re.search(r'hx-get="([^"]+)"', element.group(1))
    assert found
    return found.group(1).replace("&amp;", "&")


def _badge_url(body: str) -> str:
    element = re.search(r'<div id="leads-badge-poll"(.*?)>', body, re.S)
    assert element, "the badge's poll is on the page"
    return re.search(r'hx-get="([^"]+)"', element.group(1)).group(1).replace("&amp;", "&")


def test_the_first_page_gets_the_new_lead_marked_and_nothing_while_unchanged(workspace):
    tenant, client = workspace
    page = client.get("/leads?status=new").content.decode()
    assert "{#" not in page  # no template comment shows as text
    poll = _poll_url(page)
    assert "status=new" in poll
    assert "page=1" in poll
    assert client.get(poll, **HX).status_code == 204

    with tenant_context(tenant):
        fresh = create_lead(name="Новая Заявка", phone="+79161234567")
        create_lead(name="Другой Статус", phone="+79161234568")
        Lead.objects.filter(name="Другой Статус").update(status="contacted")
    answer = client.get(poll, **HX)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Новая Заявка" in body
    assert "Другой Статус" not in body
    assert len(re.findall(r"<tr[^>]*data-new", body)) == 1
    assert 'id="leads-live"' in body
    following = _poll_url(body)
    assert f"after={fresh.pk}" in following or f"after={fresh.pk + 1}" in following
    assert client.get(following, **HX).status_code == 204  # the new lead is on screen now


def test_a_further_page_is_told_how_many_came_and_not_moved(workspace):
    tenant, client = workspace
    page = client.get("/leads?page=2").content.decode()
    poll = _poll_url(page)
    assert "page=2" in poll
    with tenant_context(tenant):
        create_lead(name="Первая", phone="+79161234567")
        create_lead(name="Вторая", phone="+79161234568")
    answer = client.get(poll, **HX)
    assert answer.status_code == 200
    assert answer["HX-Retarget"] == "#leads-live"
    body = answer.content.decode()
    assert "2 новых лида" in body
    assert "обновить" in body
    assert "Первая" not in body  # the rows being read stay
    again = _poll_url(body)
    assert "seen=2" in again
    assert client.get(again, **HX).status_code == 204  # told already
    with tenant_context(tenant):
        create_lead(name="Третья", phone="+79161234569")
    assert "3 новых лида" in client.get(again, **HX).content.decode()


def test_a_refused_filter_polls_nothing(workspace):
    _, client = workspace
    assert client.get("/leads/news?after=0&page=1&status=unknown", **HX).status_code == 204
    assert 'id="leads-live"' not in client.get("/leads?status=unknown").content.decode()


def test_the_menu_badge_counts_new_leads_and_answers_204_while_unchanged(workspace):
    tenant, client = workspace
    page = client.get("/").content.decode()
    assert re.search(r'id="sidebar-nav-leads-badge"[^>]*data-count="10"', page)
    assert re.search(r'id="drawer-nav-leads-badge"[^>]*data-count="10"', page)
    badge = _badge_url(page)
    assert badge.endswith("?n=10")
    assert client.get(badge, **HX).status_code == 204

    with tenant_context(tenant):
        create_lead(name="Новая", phone="+79161234567")
    answer = client.get(badge, **HX)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert _badge_url(body).endswith("?n=11")
    for menu in ("sidebar-nav", "drawer-nav"):
        assert re.search(rf'id="{menu}-leads-badge" hx-swap-oob="true" data-count="11"', body)
    assert "11<span class=\"sr-only\"> новых</span>" in body


def test_the_badge_hides_at_zero_and_needs_the_list(workspace, make_user, add_member, client_for):
    tenant, client = workspace
    with tenant_context(tenant):
        Lead.objects.update(status="contacted")
    page = client.get("/").content.decode()
    assert re.search(r'id="sidebar-nav-leads-badge"[^>]*data-count="0"\s+class="[^"]* hidden"', page)
    outsider = make_user()
    assert client_for(tenant, outsider).get("/leads/badge?n=0").status_code in (302, 403, 404)
