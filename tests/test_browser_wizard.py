"""Chromium, on a phone (375×812) and a desktop (1366×900): the onboarding wizard's steps 1, 2 and 5.

Step 1 refuses bad input in Russian keeping what was typed, then saves and goes on; step 2's live preview (the
real widget) follows the colour and the greeting as they are typed, and saving publishes them; step 5's copy
button puts the snippet on the clipboard and the install guides switch. Every page is checked for sideways
scrolling and script errors (the CSP refuses inline scripts); screenshots of each step at both sizes go to
test-artifacts/. The whole scenario (sign-up to a test lead) is test_browser_scenario*.py's.

ORM work while Playwright's loop runs happens on a thread of its own (see ``on_own_thread``).
"""

import io

import pytest
from django_tenants.utils import tenant_context
from PIL import Image
from playwright.sync_api import Page, expect

from shared_apps.onboarding.models import WizardProgress
from tenant_apps.widgets.services import get_widget
from tests.conftest import ARTIFACTS, DEVICES, log_in, on_own_thread

ADMIN_EMAIL, ADMIN_PASSWORD = "olga@romashka.ru", "Ромашка-кофе-2026"
POLICY = "https://romashka.ru/privacy"
OPEN_SHADOW_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();"""
PREVIEW_BUTTON_COLOUR = """(colour) => {
  const host = document.querySelector('#widget-preview fast-lead-widget');
  const button = host && host.shadowRoot && host.shadowRoot.querySelector('button');
  return button && getComputedStyle(button).backgroundColor === colour;
}"""


@pytest.fixture
def workspace(site, make_user, make_tenant, settings, tmp_path):
    """A fresh workspace as sign-up leaves it: no site domain, no privacy policy. Asked for before ``browser``."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ольга Иванова")
    tenant = make_tenant(owner=admin, name="Кофейня «Ромашка»")
    assert tenant.widget_publication.public_key  # read now, not while Playwright's loop runs
    return tenant


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 80), (225, 29, 72)).save(out, "PNG")
    return out.getvalue()




def open_wizard(browser, device: str, tenant, path: str = "onboarding") -> tuple[Page, list[str]]:
    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
    page.goto(tenant.url + path)
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    return page, errors


def no_sideways_scroll(page: Page, device: str) -> None:
    width = DEVICES[device]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def shows_position(page: Page, device: str, number: int, title: str) -> None:
    """Phones name the position in one line; wider screens list every step."""
    position = page.locator("#wizard-position")
    if device == "phone":
        expect(position).to_have_text(f"Шаг {number} из 6 · {title}", use_inner_text=True)
        expect(page.locator("#wizard-stepper")).to_be_hidden()
    else:
        expect(position).to_have_text(f"Шаг {number} из 6", use_inner_text=True)
        expect(page.locator("#wizard-stepper [aria-current=step]")).to_contain_text(title)


def test_steps_one_two_and_five(workspace, browser, device):
    page, errors = open_wizard(browser, device, workspace)

    # --- 1: the company and the site; a refusal keeps what was typed ---
    expect(page).to_have_url(workspace.url + "onboarding/workspace")
    expect(page.get_by_text("Добро пожаловать в Fast Lead, Ольга!")).to_be_visible()
    shows_position(page, device, 1, "Компания и сайт")
    expect(page.get_by_label("Название компании")).to_have_value("Кофейня «Ромашка»")
    expect(page.get_by_role("button", name="Пропустить")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / f"wizard-1-workspace-{device}.png"), full_page=True)
    no_sideways_scroll(page, device)

    page.get_by_label("Адрес кабинета").fill("www")  # the live availability check answers as one types
    expect(page.locator("#subdomain-check")).to_have_text("Этот адрес зарезервирован, выберите другой.")
    page.get_by_label("Адрес кабинета").fill(workspace.slug)
    expect(page.locator("#subdomain-check")).to_have_text("Это текущий адрес.")
    page.get_by_label("Домен вашего сайта").fill("моя кофейня")
    page.get_by_label("Ссылка на политику конфиденциальности").fill("romashka.ru/privacy")
    page.get_by_role("button", name="Сохранить и продолжить").click()
    expect(page.get_by_role("alert")).to_have_text("Не сохранено: проверьте выделенные поля.")
    expect(page.get_by_text("«моя кофейня» не похоже на домен сайта (пример: romashka.ru).")).to_be_visible()
    expect(page.get_by_text("Ссылка должна начинаться с https:// — например, https://romashka.ru/privacy")).to_be_visible()
    expect(page.get_by_label("Домен вашего сайта")).to_be_focused()  # the first field to fix, not the first field
    expect(page.get_by_label("Домен вашего сайта")).to_have_value("моя кофейня")  # nothing typed is lost
    expect(page.get_by_label("Домен вашего сайта")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(ARTIFACTS / f"wizard-1-workspace-errors-{device}.png"), full_page=True)
    no_sideways_scroll(page, device)
    errors.clear()  # the refused save answered 400 on purpose

    page.get_by_label("Домен вашего сайта").fill("romashka.ru")
    page.get_by_label("Ссылка на политику конфиденциальности").fill(POLICY)
    page.get_by_role("button", name="Сохранить и продолжить").click()

    # --- 2: the widget; the live preview follows the colour and the greeting ---
    expect(page).to_have_url(workspace.url + "onboarding/widget")
    shows_position(page, device, 2, "Виджет")
    preview = page.locator("#widget-preview")
    expect(preview.get_by_text("Здравствуйте! Оставьте контакты", exact=False)).to_be_visible()
    page.get_by_label("Приветствие").fill("Добрый день! Сварим кофе к вашему приходу.")
    expect(preview.get_by_text("Добрый день! Сварим кофе к вашему приходу.")).to_be_visible()
    page.get_by_label("Основной цвет", exact=True).fill("#e11d48")
    page.wait_for_function(PREVIEW_BUTTON_COLOUR, arg="rgb(225, 29, 72)")
    page.locator("input[type=file]").set_input_files(files=[{"name": "logo.png", "mimeType": "image/png",
                                                              "buffer": png()}])
    expect(page.get_by_role("img", name="Логотип")).to_be_visible()  # uploaded and published at once
    expect(page.get_by_role("button", name="Удалить логотип")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"wizard-2-widget-{device}.png"), full_page=True)
    no_sideways_scroll(page, device)
    page.get_by_role("button", name="Сохранить и продолжить").click()
    expect(page).to_have_url(workspace.url + "onboarding/channel")

    def stored():
        with tenant_context(workspace):
            widget = get_widget()
        workspace.refresh_from_db()
        return (workspace.site_domains, widget.privacy_policy_url, widget.primary_color, widget.greeting,
                bool(widget.logo), WizardProgress.objects.get(tenant=workspace).done)

    assert on_own_thread(stored) == (["romashka.ru"], POLICY, "#e11d48", "Добрый день! Сварим кофе к вашему приходу.",
                                     True, ["workspace", "widget"])

    # --- 5: the snippet; the copy button copies, the guides switch ---
    page.goto(workspace.url + "onboarding/snippet")
    shows_position(page, device, 5, "Код для сайта")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(4)
    page.get_by_role("tab", name="WordPress").click()
    expect(page.get_by_role("tab", name="WordPress")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("«Внешний вид» → «Редактор тем» → footer.php", exact=False)).to_be_visible()
    expect(page.get_by_text("Вставьте код перед закрывающим тегом", exact=False)).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="1С-Битрикс")).to_be_focused()
    page.get_by_role("button", name="Скопировать код").click()
    expect(page.get_by_role("button", name="Скопировано")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#wizard-snippet-code").input_value()
    assert f"/w/{workspace.widget_publication.public_key}.js" in copied
    page.screenshot(path=str(ARTIFACTS / f"wizard-5-snippet-{device}.png"), full_page=True)
    no_sideways_scroll(page, device)
    assert errors == []


def test_leave_and_resume_then_the_overview_calls_back(workspace, browser, device):
    page, errors = open_wizard(browser, device, workspace, "onboarding/snippet")
    expect(page).to_have_url(workspace.url + "onboarding/snippet")
    page.get_by_role("link", name="Продолжить позже").click()
    expect(page).to_have_url(workspace.url)
    call = page.get_by_role("link", name="Продолжить настройку")
    expect(call).to_be_visible()
    expect(page.locator("#overview-wizard")).to_contain_text("шаге 5 из 6 — «Код для сайта»")
    page.screenshot(path=str(ARTIFACTS / f"wizard-overview-call-{device}.png"), full_page=True)
    no_sideways_scroll(page, device)
    call.click()
    expect(page).to_have_url(workspace.url + "onboarding/snippet")
    page.get_by_role("button", name="Пропустить").click()
    expect(page).to_have_url(workspace.url + "onboarding/test")
    assert errors == []
