"""Chromium under the real Content-Security-Policy, on a phone (375×812) and a desktop (1366×900).

The policy allows scripts from our origin only, never evaluated from strings (no 'unsafe-eval': Alpine's CSP
build, htmx with ``allowEval`` off). Every kind of page is opened and its interactive parts are used — menus,
the cabinet drawer, the workspace switcher, tabs, the widget editor's fields updating the live preview, the
copy button, htmx filters and checks, the widget on the demo page — while the browser reports every
``securitypolicyviolation``, console error, Alpine expression error and uncaught exception: there must be none.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import Page, Response, expect

from tenant_apps.leads.models import Lead
from tenant_apps.widgets.services import get_widget
from tests.conftest import ARTIFACTS, DEVICES, log_in

ADMIN_EMAIL, ADMIN_PASSWORD = "irina@vesna.ru", "Весна-цветы-2026"
# Added to every page before its own scripts: violations are reported to the test through a binding.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) => {
  window.reportViolation(`${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}` + (e.sample ? ` (${e.sample})` : ""));
});"""
OPEN_SHADOW_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();"""
ALPINE_OR_POLICY = re.compile(r"Alpine|Content Security Policy|Permissions-Policy|Refused to", re.IGNORECASE)


@pytest.fixture
def workspace(site, make_user, make_tenant):
    """A workspace with one lead and a privacy policy, but no site domain yet (the editor warns about it)."""
    owner = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ирина Весенняя")
    tenant = make_tenant(owner=owner, name="Цветы «Весна»")
    make_tenant(owner=owner, name="Цветы «Лето»")  # a second workspace: the switcher lists it
    with tenant_context(tenant):
        widget = get_widget()
        widget.privacy_policy_url = "https://vesna.example.ru/privacy"
        widget.save()
        lead = Lead.objects.create(name="Мария Котова", phone="+79123456789", created_at=timezone.now())
    tenant.lead_id = lead.pk
    tenant.public_key = tenant.widget_publication.public_key  # read now, not while Playwright's loop runs
    return tenant


def check_policy_headers(response: Response, complaints: list[str]) -> None:
    if response.request.resource_type != "document" or not response.headers.get("content-type", "").startswith(
            "text/html"):
        return
    csp = response.headers.get("content-security-policy", "")
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    if not csp or "'unsafe-eval'" in csp or "'unsafe-inline'" in script_src:
        complaints.append(f"{response.url}: script policy {script_src!r}")
    if "camera=()" not in response.headers.get("permissions-policy", ""):
        complaints.append(f"{response.url}: no Permissions-Policy")


def watched_page(browser, device: str) -> tuple[Page, list[str]]:
    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    complaints: list[str] = []
    context.expose_function("reportViolation", lambda text: complaints.append("CSP violation: " + text))
    context.add_init_script(REPORT_VIOLATIONS)
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    page.on("console", lambda message: (message.type == "error" or ALPINE_OR_POLICY.search(message.text))
            and complaints.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: complaints.append(f"uncaught: {error}"))
    page.on("response", lambda response: check_policy_headers(response, complaints))
    return page, complaints


def open_cabinet(browser, device: str, tenant) -> tuple[Page, list[str]]:
    page, complaints = watched_page(browser, device)
    page.goto(tenant.url)
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(tenant.url)
    return page, complaints


def test_public_pages_and_the_demo_widget(site, workspace, browser, device):
    public = f"http://localhost:{site}"
    page, complaints = watched_page(browser, device)
    for path, heading in (("/", "Как это работает"), ("/pricing", "Тарифы"), ("/signup", "Попробуйте Fast Lead"),
                          ("/login", "Вход в Fast Lead")):
        page.goto(public + path)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        if path in {"/", "/pricing"} and device == "phone":  # the header's menu: open, close by Escape
            menu = page.get_by_role("navigation", name="Мобильное меню")
            page.get_by_role("button", name="Открыть меню").click()
            expect(menu).to_be_visible()
            expect(page.get_by_role("button", name="Закрыть меню")).to_be_visible()
            page.keyboard.press("Escape")
            expect(menu).to_be_hidden()

    page.goto(f"{public}/w/{workspace.public_key}/demo")
    launcher = page.locator("fast-lead-widget").get_by_role("button", name="Оставить заявку")
    launcher.click()
    dialog = page.locator("fast-lead-widget").get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Ваше имя").fill("Мария")
    page.screenshot(path=str(ARTIFACTS / f"csp-demo-{device}.png"))
    assert complaints == [], complaints


def test_cabinet_menus_lists_forms_and_htmx(workspace, browser, device, tmp_path):
    page, complaints = open_cabinet(browser, device, workspace)

    # The workspace switcher: opens, closes by Escape with the focus back on its button, and by a click outside.
    switcher = page.get_by_role("button", name=re.compile("Рабочее пространство"))
    menu = page.locator("#workspace-menu")
    switcher.click()
    expect(menu.get_by_role("link", name="Цветы «Лето»")).to_be_visible()
    expect(switcher).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(switcher).to_be_focused()
    switcher.click()
    expect(menu).to_be_visible()
    page.locator("#content").dispatch_event("click")
    expect(menu).to_be_hidden()

    if device == "phone":  # the drawer: focus on its close button, the page behind does not scroll
        page.get_by_role("button", name="Открыть меню").click()
        drawer = page.get_by_role("dialog", name="Меню кабинета")
        close = drawer.get_by_role("button", name="Закрыть меню")  # the dialog's own box is empty: fixed children
        expect(close).to_be_focused()
        expect(page.locator("body")).to_have_class(re.compile(r"\boverflow-hidden\b"))
        page.keyboard.press("Escape")
        expect(close).to_be_hidden()
        expect(page.locator("body")).not_to_have_class(re.compile(r"\boverflow-hidden\b"))
        page.get_by_role("button", name="Открыть меню").click()
        drawer.get_by_role("link", name="Лиды").click()
    else:
        page.locator("aside").get_by_role("link", name="Лиды").click()
    expect(page).to_have_url(workspace.url + "leads")

    # Leads: the htmx filter, then the CSV export takes the filter shown at the moment of the click.
    page.get_by_label("Статус").select_option(label="Новый")
    expect(page).to_have_url(re.compile(r"status=new"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Экспорт в CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")), delimiter=";"))
    status = rows[0].index("Статус")
    assert len(rows) > 1
    assert {row[status] for row in rows[1:]} == {"Новый"}
    page.locator("#leads-table").get_by_role("link", name="Мария Котова").filter(visible=True).first.click()
    expect(page).to_have_url(f"{workspace.url}leads/{workspace.lead_id}")

    for path, heading in (("team", "Команда"), ("billing", "Оплата")):
        page.goto(workspace.url + path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()

    # Profile: the chosen avatar file's name is shown next to «Выбрать файл».
    page.goto(workspace.url + "settings")
    picture = tmp_path / "portrait.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    page.locator("#id_avatar").set_input_files(picture)
    expect(page.get_by_text("portrait.png")).to_be_visible()

    # Workspace settings: the address check answers while typing (htmx).
    page.goto(workspace.url + "workspace")
    page.get_by_label("Адрес кабинета").fill("Не адрес!")
    expect(page.locator("#subdomain-check")).not_to_contain_text("После смены адреса")
    page.screenshot(path=str(ARTIFACTS / f"csp-cabinet-{device}.png"), full_page=True)
    assert complaints == [], complaints


def test_widget_editor_and_its_live_preview(workspace, browser, device):
    page, complaints = open_cabinet(browser, device, workspace)
    page.goto(workspace.url + "widget")
    preview = page.locator("#widget-preview")

    # No site yet: the warning's button takes the user to the domains field.
    page.get_by_role("link", name="Указать домен сайта").click()
    expect(page.get_by_label("Домены ваших сайтов")).to_be_focused()
    page.get_by_label("Домены ваших сайтов").fill("vesna.ru")

    page.get_by_label("Текст кнопки").fill("Заказать букет")
    expect(page.get_by_text("14 / 40")).to_be_visible()
    expect(preview.get_by_role("button", name="Заказать букет", exact=True)).to_be_visible()
    page.get_by_label("Основной цвет", exact=True).fill("#e11d48")
    page.get_by_label("Тёмная").check()
    page.get_by_role("button", name="+ Добавить ответ").click()
    expect(page.get_by_role("textbox", name="Быстрый ответ 4")).to_be_focused()
    page.get_by_role("textbox", name="Быстрый ответ 4").fill("Доставка")
    expect(preview.get_by_role("button", name="Доставка")).to_be_visible()
    page.get_by_label("Спрашивать согласие на рассылку").check()
    expect(page.get_by_label("Текст согласия на рассылку")).to_be_visible()
    page.get_by_label("Учитывать часы работы").check()
    page.get_by_role("button", name="Как в понедельник — на все будни").click()
    page.get_by_label("Показать виджет").select_option(label="В нерабочее время")
    expect(page.get_by_text("Есть несохранённые изменения")).to_be_visible()

    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("Сохранено и опубликовано (версия 2)")).to_be_visible()
    expect(page.locator("#no-site-warning")).to_be_hidden()

    # The install tabs (click and arrow keys) and the copy button.
    tabs = page.get_by_role("tab")
    tabs.nth(1).click()
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(tabs.nth(2)).to_be_focused()
    expect(tabs.nth(2)).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Скопировать код").click()
    expect(page.get_by_role("button", name="Скопировано")).to_be_visible()
    assert f"/w/{workspace.public_key}.js" in page.evaluate("navigator.clipboard.readText()")
    page.screenshot(path=str(ARTIFACTS / f"csp-widget-editor-{device}.png"), full_page=True)
    assert complaints == [], complaints
