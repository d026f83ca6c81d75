"""Chromium: a workspace admin erases a lead's personal data at the client's request from the lead's card, on a
phone and on a desktop — is told what goes and what stays, must confirm, then reads the Russian confirmation and
the card of a lead that is nobody now; nothing scrolls sideways, no CSP or script errors."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.leads.models import Lead
from tenant_apps.leads.services import create_lead
from tests.conftest import ARTIFACTS, DEVICES, log_in, on_own_thread
from tests.test_browser_widget import new_page

PASSWORD = "Админский-пароль-2026"
CONSENT = {"consent_version": "2026-03", "consent_text": "Согласен на обработку персональных данных",
           "privacy_policy_url": "https://clinic.example/privacy", "personal_data": True, "marketing": False,
           "ip": "203.0.113.45", "user_agent": "Mozilla/5.0", "page_url": "https://clinic.example/?client=anna"}


@pytest.fixture
def clinic(site, make_user, make_tenant):
    """Made before ``browser`` (no ORM while Playwright's loop runs)."""
    user = make_user("irina@clinic.ru", PASSWORD, full_name="Ирина Смирнова")
    tenant = make_tenant(owner=user, name="Клиника «Улыбка»")
    with tenant_context(tenant):
        lead = create_lead(name="Анна Петрова", phone="+79161234567", email="anna@example.ru", consent=CONSENT,
                           page_url="https://clinic.example/implant?client=anna")
    return tenant, lead


def test_the_admin_erases_a_leads_personal_data_from_its_card(clinic, browser, site, device):
    tenant, lead = clinic
    workspace = f"http://{tenant.slug}.localhost:{site}"
    context, page, errors = new_page(browser, open_shadow=False, **DEVICES[device])
    width = DEVICES[device]["viewport"]["width"]
    page.goto(f"{workspace}/leads/{lead.pk}")
    log_in(page, "irina@clinic.ru", PASSWORD)
    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}")

    privacy = page.locator("#lead-privacy")
    expect(privacy.get_by_role("link", name="Выгрузить данные лида (JSON)")).to_be_visible()
    privacy.get_by_role("link", name="Удалить персональные данные").click()
    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}/erase")
    expect(page.get_by_role("heading", name=f"Удалить персональные данные лида №{lead.pk}?")).to_be_visible()
    expect(page.get_by_text("статус, канал, время событий и ответственного — статистика не изменится")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the confirmation scrolls sideways"

    submit = page.get_by_role("button", name="Удалить персональные данные")
    submit.click()  # not confirmed yet: the server says so in Russian (novalidate: no English bubble of the browser)
    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}/erase")
    expect(page.get_by_text("Подтвердите удаление: отметьте, что понимаете последствия.")).to_be_visible()
    page.get_by_label("Понимаю: данные клиента будут удалены без возможности восстановления.").check()
    submit.click()

    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}")
    expect(page.get_by_text("Персональные данные лида удалены. Статистика сохранена.")).to_be_visible()
    expect(page.locator("[data-erased]")).to_contain_text("по запросу")
    expect(page.get_by_role("heading", name="Удалено", exact=True)).to_be_visible()
    expect(page.get_by_text("Анна Петрова")).to_have_count(0)
    expect(privacy.get_by_role("link", name="Удалить персональные данные")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the card scrolls sideways"
    page.screenshot(path=str(ARTIFACTS / f"lead-erased-{device}.png"), full_page=True)
    assert [error for error in errors if "400" not in error] == []  # the unconfirmed post answers 400
    context.close()

    def stored() -> Lead:
        with tenant_context(tenant):
            return Lead.objects.get(pk=lead.pk)

    erased = on_own_thread(stored)
    assert (erased.name, erased.phone, erased.email, erased.page_url) == (
        "Удалено", "", "", "https://clinic.example/implant")
