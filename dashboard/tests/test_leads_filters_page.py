"""The cabinet's leads list: filters in the address round-trip into the form, the page links and the export link;
a bad filter answers 400 with the reason above the list."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from conftest import set_plan
from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db

FILTERS = {"q": "8 916 123-45-67", "status": "new", "channel": "web", "from": "2026-01-01", "to": "2099-12-31",
           "assigned": "none", "source": "prices", "utmCampaign": "весна", "sort": "name"}


@pytest.fixture
def cabinet(make_tenant, client_for):
    tenant = make_tenant(name="Клиника")
    set_plan(tenant, "pro")
    with tenant_context(tenant):
        Lead.objects.create(name="Анна", phone="+79161234567", channel="web", status="new",
                            page_url="https://clinic.ru/prices", utm_campaign="весна", created_at=timezone.now())
        Lead.objects.create(name="Борис", phone="+79161234567", channel="web", status="new",
                            page_url="https://clinic.ru/", utm_campaign="весна", created_at=timezone.now())
        Lead.objects.bulk_create(Lead(name=f"Лид {n}", phone="+79161234567", channel="web", status="new",
                                      page_url="https://clinic.ru/prices/2", utm_campaign="весна",
                                      created_at=timezone.now()) for n in range(30))
    return client_for(tenant, tenant.memberships.get().user)


def _hrefs(body: str, marker: str) -> list[dict[str, list[str]]]:
    found = []
    for chunk in body.split('href="')[1:]:
        href = html.unescape(chunk.split('"', 1)[0])
        if href.startswith(marker):
            found.append(parse_qs(urlsplit(href).query))
    return found


def test_the_filters_in_the_address_filter_and_come_back_in_the_form(cabinet):
    response = cabinet.get("/leads", FILTERS)
    assert response.status_code == 200
    names = [lead.name for lead in response.context["page"].object_list]
    assert "Борис" not in names
    assert names[0] == "Анна"
    assert response.context["page"].paginator.count == 31
    body = response.content.decode()
    assert 'value="8 916 123-45-67"' in body
    assert 'value="prices"' in body
    assert 'value="2026-01-01"' in body
    assert '<option value="none" selected>' in body
    assert '<option value="name" selected>' in body


def test_page_links_and_the_export_link_carry_the_filters(cabinet):
    body = cabinet.get("/leads", FILTERS).content.decode()
    next_page = _hrefs(body, "/leads?page=2")
    assert next_page
    assert all(next_page[0][name] == [value] for name, value in FILTERS.items())
    export = _hrefs(body, "/api/v1/leads/export")
    assert len(export) == 1
    expected = {("sourcePage" if name == "source" else name): [value] for name, value in FILTERS.items()}
    assert export[0] == expected


def test_the_export_link_exports_what_the_page_lists(cabinet):
    page = cabinet.get("/leads", FILTERS)
    export_url = html.unescape(page.content.decode().split('id="leads-export"')[0].rsplit('href="', 1)[1]
                               .split('"')[0])
    lines = b"".join(cabinet.get(export_url).streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) - 1 == page.context["page"].paginator.count == 31


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-02-30", "Неверная дата, ожидается ГГГГ-ММ-ДД."),
    ("from=2026-03-05&to=2026-03-01", "Дата «с» позже даты «по»."),
    ("assigned=424242", "Нет такого сотрудника в рабочем пространстве."),
])
def test_a_bad_filter_is_a_400_with_the_reason_above_the_list(cabinet, query, message):
    for headers in ({}, {"HX-Request": "true"}):
        response = cabinet.get(f"/leads?{query}", headers=headers)
        assert response.status_code == 400
        body = response.content.decode()
        assert f"Фильтр не применён: {message}" in html.unescape(body)
        assert 'role="alert"' in body
        assert "Анна" not in body
