"""Chromium: the operator works a lead from its card on a phone and on a desktop — reads the consent, takes the
lead, adds a note, is told what is missing when closing it without a reason, then closes it; every step lands on
the history with the operator's name, nothing scrolls sideways, no CSP or script errors."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.leads.services import create_lead
from tests.conftest import ARTIFACTS, DEVICES, log_in
from tests.test_browser_widget import new_page

PASSWORD = "Операторский-пароль-2026"
CONSENT = {"consent_version": "2026-03", "consent_text": "Согласен на обработку персональных данных",
           "privacy_policy_url": "https://clinic.example/privacy", "personal_data": True, "marketing": False,
           "ip": "203.0.113.45", "user_agent": "Mozilla/5.0", "page_url": "https://clinic.example/"}


@pytest.fixture
def clinic(site, make_user, make_tenant):
    """Made before ``browser`` (no ORM while Playwright's loop runs)."""
    user = make_user("olga@clinic.ru", PASSWORD, full_name="Ольга Смирнова")
    tenant = make_tenant(owner=user, name="Клиника «Улыбка»")
    with tenant_context(tenant):
        lead = create_lead(name="Анна Петрова", phone="+79161234567", consent=CONSENT,
                           page_url="https://clinic.example/implant", utm={"source": "yandex", "campaign": "spring"})
    return tenant, lead


def test_the_operator_works_the_lead_from_its_card(clinic, browser, site, device):
    tenant, lead = clinic
    workspace = f"http://{tenant.slug}.localhost:{site}"
    context, page, errors = new_page(browser, open_shadow=False, **DEVICES[device])
    width = DEVICES[device]["viewport"]["width"]
    page.goto(f"{workspace}/leads/{lead.pk}")
    log_in(page, "olga@clinic.ru", PASSWORD)
    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}")

    consent = page.locator("#lead-consent")
    expect(consent.get_by_text("203.0.113.45")).to_be_hidden()
    consent.get_by_text("Согласие на обработку данных").click()
    expect(consent.get_by_text("203.0.113.45")).to_be_visible()

    page.get_by_label("Сотрудник").select_option(label="Ольга Смирнова")
    page.get_by_role("button", name="Назначить").click()
    expect(page.get_by_text("Ответственный изменён.")).to_be_visible()
    expect(page.locator("[data-assigned]")).to_have_text("Ольга Смирнова")

    page.locator("#id_note_text").fill("Перезвонить после 18:00")
    page.get_by_role("button", name="Добавить заметку").click()
    expect(page.get_by_text("Заметка добавлена.")).to_be_visible()
    note = page.locator('[data-kind="note"]')
    expect(note).to_contain_text("Перезвонить после 18:00")
    expect(note).to_contain_text("Ольга Смирнова")

    page.locator("#id_lost_comment").fill("Выбрал клинику рядом с домом")
    page.get_by_role("button", name="Закрыть лид").click()
    expect(page.locator("#id_lost_reason-error")).to_have_text("Выберите причину, по которой лид потерян.")
    expect(page.locator("#id_lost_comment")).to_have_value("Выбрал клинику рядом с домом")
    page.get_by_label("Причина").select_option(label="Выбрал другую компанию")
    page.get_by_role("button", name="Закрыть лид").click()
    expect(page.get_by_text("Лид закрыт как потерянный.")).to_be_visible()
    expect(page.locator("[data-lost-reason]")).to_have_text("Причина: Выбрал другую компанию")
    expect(page.locator('[data-kind="status_changed"]').last).to_contain_text("Ольга Смирнова")

    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the card scrolls sideways"
    if device == "phone":  # the actions stack under the card, each button full width
        button = page.get_by_role("button", name="Назначить").bounding_box()
        assert button is not None
        assert button["width"] > width * 0.6
    page.screenshot(path=str(ARTIFACTS / f"lead-card-{device}.png"), full_page=True)
    assert [error for error in errors if "400" not in error] == []  # the refused form is a 400 on purpose
    context.close()
