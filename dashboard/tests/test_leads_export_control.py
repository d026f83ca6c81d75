"""The leads page's export control: CSV and Excel for what is on screen, the place for a large export's progress."""

import html

import pytest

from conftest import set_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_of(make_tenant, client_for):
    tenant = make_tenant(name="Клиника")
    client = client_for(tenant, tenant.memberships.get().user)
    return tenant, lambda query="": client.get("/leads" + query).content.decode()


def test_both_formats_are_offered_with_the_filters_shown(page_of):
    tenant, page = page_of
    set_plan(tenant, "pro")
    body = page("?status=new&source=prices")
    control = body.split('x-data="leadsExport"', 1)[1].split('id="leads-filter"', 1)[0]
    assert 'href="/api/v1/leads/export?status=new&amp;sourcePage=prices" id="leads-export"' in control
    assert 'data-format="csv"' in control
    assert 'id="leads-export-xlsx" data-format="xlsx"' in control
    assert ">Экспорт в Excel</button>" in control
    # The progress of a large export, then «Скачать» and the note, are announced politely to screen readers.
    assert 'id="leads-export-status"' in control
    assert 'role="status" aria-live="polite"' in control
    assert "<progress" in control
    assert ">Скачать</a>" in control
    assert "Ссылка также отправлена на почту." in control
    assert html.unescape(body).count('href="/api/v1/leads/export') == 1  # the button has no link of its own


def test_plans_without_export_offer_neither(page_of):
    tenant, page = page_of
    set_plan(tenant, "start")
    body = page()
    assert 'x-data="leadsExport"' not in body
    assert "Экспорт в Excel" not in body
    assert "Экспорт в CSV — на тарифе «Про» и выше" in body
