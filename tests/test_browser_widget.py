"""Chromium: the embeddable widget on a client's site of another origin, as a visitor uses it.

The "client's site" is a static page served from 127.0.0.1 on its own port; the snippet on it loads
``http://localhost:<live server>/w/<key>.js``, so config and intake are real cross-origin requests.
The widget renders into a closed shadow root; to look inside, the pages of most tests open every
shadow root (an init script that wraps ``attachShadow``); one test checks it really is closed.
"""

import functools
import http.server
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import BrowserContext, Page, expect

from tenant_apps.leads.models import Lead
from tests.conftest import ARTIFACTS, log_in

WIDGET_JS = Path(settings.BASE_DIR) / "widget_cdn" / "static" / "widget_cdn" / "widget.js"
PANEL_JS = WIDGET_JS.with_name("panel.js")
ADMIN_EMAIL, ADMIN_PASSWORD = "anna@zhemchug.ru", "Жемчуг-админ-2026"
OPEN_SHADOW_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();"""
HOSTILE_CSS = """
* { all: unset !important; font-size: 40px !important; }
button, input, select, label, form, h2, svg { display: none !important; }
div { display: none !important; position: static !important; }
html { font-size: 8px !important; }
body > * { position: relative !important; z-index: 2147483647 !important; opacity: .5 !important; }
"""
NETWORK_RETRY = "Не удалось отправить. Проверяем связь и повторим…"
SUCCESS = "Спасибо! Мы свяжемся с вами в ближайшее время."


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def client_site(tmp_path):
    """A client's site on its own origin: http://127.0.0.1:<port>/, pages written by the test."""
    root = tmp_path / "site"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Site:
        origin = f"http://127.0.0.1:{server.server_address[1]}"

        def page(self, name: str, body: str, head: str = "") -> str:
            (root / name).write_text(
                '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<link rel="icon" href="data:,"><title>Магазин</title>{head}</head>'
                f"<body>{body}</body></html>",
                encoding="utf-8",
            )
            return f"{self.origin}/{name}"

        def file(self, name: str, text: str) -> None:
            (root / name).write_text(text, encoding="utf-8")

    try:
        yield Site()
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site_domains() -> list[str]:
    """The client's site is 127.0.0.1 (the intake compares the Origin's host, port ignored)."""
    return ["127.0.0.1"]


@pytest.fixture
def workspace(make_user, make_tenant, site_domains):
    """A workspace with its site domains and an admin who can log in.

    Tests ask for it before ``browser``: ORM calls made while Playwright's loop runs open a second
    database connection that outlives the test database.
    """
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Анна Жемчужная")
    tenant = make_tenant(owner=admin, name="Стоматология «Жемчуг»")
    tenant.site_domains = site_domains
    tenant.save()
    return tenant


def snippet(site: int, key: str) -> str:
    return f'<script async src="http://localhost:{site}/w/{key}.js"></script>'


def shop_body(site: int, key: str) -> str:
    return (
        '<header><a href="#catalog">Каталог</a></header>'
        "<main><h1>Зоомагазин «Хвостик»</h1><p>Корма и аксессуары с доставкой за 2 часа.</p></main>"
        + snippet(site, key)
    )


def new_page(browser, *, open_shadow: bool = True, **options) -> tuple[BrowserContext, Page, list[str]]:
    """A page in its own context (own localStorage); the list collects console errors (CSP violations too)."""
    context = browser.new_context(locale="ru-RU", **({"viewport": {"width": 1280, "height": 860}} | options))
    if open_shadow:
        context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
    return context, page, errors


def widget_button(page: Page):
    return page.locator("fast-lead-widget").get_by_role("button", name="Оставить заявку")


def consent_box(page: Page):
    return page.get_by_role("checkbox", name=re.compile("согласие на обработку"))


def leads_of(tenant) -> list[Lead]:
    """The workspace's leads, read on a thread of its own that closes its connection afterwards."""

    def read() -> list[Lead]:
        try:
            with tenant_context(tenant):
                return list(Lead.objects.select_related("consent"))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def fill_contacts(page: Page, name: str = "Мария Котова", phone: str = "8 (912) 345-67-89") -> None:
    page.get_by_label("Ваше имя").fill(name)
    page.get_by_label("Телефон", exact=True).fill(phone)


def test_visitor_on_another_origin_sends_a_lead_that_appears_in_the_cabinet(site, workspace, client_site, browser):
    key = workspace.widget_publication.public_key
    consent_version = workspace.widget_publication.config["consent"]["version"]
    url = client_site.page("shop.html", shop_body(site, key)) + "?utm_source=yandex&utm_medium=cpc&utm_campaign=vesna"
    context, page, errors = new_page(browser)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)

    button = widget_button(page)
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    # Before the visitor comes near the button the page loaded the snippet's loader, the built widget it names
    # (an immutable, content-hashed static address) and the config, nothing else from the platform: not the panel.
    platform = [u for u in requests if u.startswith(f"http://localhost:{site}/")]
    built_widget = rf"http://localhost:{site}/static/widget_cdn/widget\.[0-9a-f]{{12}}\.js"
    built = [u for u in platform if re.fullmatch(built_widget, u)]
    assert len(built) == 1, platform
    assert sorted(platform) == sorted([f"http://localhost:{site}/w/{key}.js", *built,
                                       f"http://localhost:{site}/w/{key}/config.json"]), platform

    # keyboard only: Tab to the button, Enter opens the panel and moves the focus into it
    for _ in range(10):
        page.keyboard.press("Tab")
        if button.evaluate("b => b.getRootNode().activeElement === b"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Стоматология «Жемчуг»")
    expect(dialog).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_label("Ваше имя")).to_be_focused()
    # the panel's code came once the button had the focus, from its own content-hashed static address
    panel_chunk = rf"http://localhost:{site}/static/widget_cdn/panel\.[0-9a-f]{{12}}\.js"
    assert len([u for u in requests if re.fullmatch(panel_chunk, u)]) == 1, requests
    expect(dialog).to_contain_text("Здравствуйте! Оставьте контакты")
    expect(dialog.get_by_role("button", name="Записаться")).to_be_visible()
    expect(dialog.get_by_label("Как с вами связаться")).to_have_count(0)  # one channel: nothing to choose
    page.screenshot(path=str(ARTIFACTS / "widget-open-desktop.png"))

    # Esc closes and gives the focus back to the button; Enter opens again
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Ваше имя")).to_be_focused()

    # Russian validation before anything is sent
    page.keyboard.type("Мария Котова")
    dialog.get_by_label("Телефон", exact=True).fill("12345")
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_text("Проверьте номер: нужен российский телефон")).to_be_visible()
    expect(dialog.get_by_label("Телефон", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_text("Без согласия на обработку персональных данных")).to_be_visible()
    expect(dialog.get_by_role("status")).to_have_text("Проверьте выделенные поля.")
    assert leads_of(workspace) == []

    dialog.get_by_label("Телефон", exact=True).fill("8 (912) 345-67-89")
    dialog.get_by_label("E-mail", exact=True).fill("maria@example.ru")
    dialog.get_by_role("button", name="Записаться").click()
    expect(dialog.get_by_role("button", name="Записаться")).to_have_attribute("aria-pressed", "true")
    consent_box(dialog).check()
    expect(dialog.get_by_text("Без согласия на обработку персональных данных")).to_be_hidden()
    dialog.get_by_role("button", name="Отправить заявку").click()

    expect(dialog.get_by_role("status")).to_have_text(SUCCESS)
    expect(dialog.get_by_role("button", name="Закрыть").last).to_be_focused()
    expect(dialog.get_by_label("Ваше имя")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "widget-success.png"))
    assert page.evaluate(f"localStorage.getItem('fastlead:draft:{key}')") is None

    [lead] = leads_of(workspace)
    assert (lead.name, lead.phone, lead.email) == ("Мария Котова", "+79123456789", "maria@example.ru")
    assert lead.page_url.startswith(client_site.origin + "/shop.html")
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == ("yandex", "cpc", "vesna")
    assert lead.consent.personal_data is True
    assert lead.consent.consent_version == consent_version
    assert lead.consent.consent_text.startswith("Я даю согласие на обработку")
    assert lead.consent.page_url == lead.page_url
    assert errors == []
    context.close()

    # --- the workspace's admin sees the lead in the cabinet -------------------------------------------------
    workspace_url = f"http://{workspace.slug}.localhost:{site}"
    context, cabinet, _ = new_page(browser, open_shadow=False)
    cabinet.goto(workspace_url + "/leads")
    log_in(cabinet, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(cabinet).to_have_url(workspace_url + "/leads")
    expect(cabinet.locator("#leads-table").get_by_text("Мария Котова").filter(visible=True).first).to_be_visible()
    context.close()


def test_the_panel_comes_on_intent_and_a_click_before_it_arrives_opens_it(site, workspace, client_site, browser):
    """The panel's code is fetched when the pointer reaches the button; clicked while it is still on its way,
    the panel opens the moment it arrives, focus in the form."""
    key = workspace.widget_publication.public_key
    context, page, errors = new_page(browser)
    held = []
    page.route(re.compile(r"/static/widget_cdn/panel\.[0-9a-f]{12}\.js$"), lambda route: held.append(route))
    page.goto(client_site.page("shop.html", shop_body(site, key)))
    button = widget_button(page)
    expect(button).to_be_visible()
    page.wait_for_timeout(300)
    assert held == []  # the page alone does not fetch it

    button.hover()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1
    button.click()  # the panel's code is still held back
    page.wait_for_timeout(300)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(button).to_have_attribute("aria-expanded", "false")

    held[0].continue_()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_label("Ваше имя")).to_be_focused()
    button.click()  # the button toggles as before
    expect(dialog).to_be_hidden()
    assert len(held) == 1  # fetched once
    assert errors == []
    context.close()


@pytest.mark.parametrize("site_domains", [["zhemchug-clinic.ru"]])
def test_a_site_that_is_not_the_workspaces_is_refused(site, workspace, client_site, browser):
    key = workspace.widget_publication.public_key
    context, page, _ = new_page(browser)
    page.goto(client_site.page("shop.html", shop_body(site, key)))

    widget_button(page).click()
    dialog = page.get_by_role("dialog")
    fill_contacts(page)
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()

    expect(dialog.get_by_role("status")).to_contain_text("Этот сайт не подключён к виджету")
    expect(dialog.get_by_role("status")).not_to_contain_text("повторим")
    expect(dialog.get_by_label("Ваше имя")).to_have_value("Мария Котова")  # nothing typed is lost
    page.screenshot(path=str(ARTIFACTS / "widget-origin-refused.png"))
    assert leads_of(workspace) == []
    context.close()


def test_host_page_css_cannot_break_the_widget_and_the_widget_leaves_the_host_alone(site, workspace, client_site,
                                                                                    browser):
    key = workspace.widget_publication.public_key
    probe = "<script>window.__before = Object.keys(window);</script>"
    url = client_site.page("hostile.html", shop_body(site, key), head=f"<style>{HOSTILE_CSS}</style>{probe}")

    # As shipped: the shadow root is closed, nothing of the widget is reachable from the page.
    context, page, errors = new_page(browser, open_shadow=False)
    page.goto(url)
    page.wait_for_function("document.querySelector('fast-lead-widget')")
    assert page.evaluate("document.querySelector('fast-lead-widget').shadowRoot") is None
    context.close()

    context, page, errors = new_page(browser)
    page.goto(url)
    button = widget_button(page)
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert 44 <= box["height"] <= 72, box
    assert box["x"] + box["width"] <= 1280, box
    assert box["y"] + box["height"] <= 860, box
    assert button.evaluate("b => getComputedStyle(b).fontSize") == "16px"

    # the widget adds one global (the server's prefix sets the key and base), and no styles to the page
    added = set(page.evaluate("Object.keys(window).filter(k => !window.__before.includes(k))")) - {"__before"}
    assert added <= {"FastLeadWidget", "FastLeadKey", "FastLeadBase"}, added
    assert "FastLeadWidget" in added
    assert page.evaluate("document.styleSheets.length") == 1

    button.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    name = dialog.get_by_label("Ваше имя")
    expect(name).to_be_visible()
    assert name.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    panel = dialog.bounding_box()
    assert 300 <= panel["width"] <= 400, panel
    assert panel["height"] >= 300, panel
    page.screenshot(path=str(ARTIFACTS / "widget-hostile-css.png"))

    fill_contacts(page)
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_role("status")).to_have_text(SUCCESS)
    assert len(leads_of(workspace)) == 1
    assert errors == []

    # on a phone the panel takes the whole screen and the inputs do not make iOS zoom
    context.close()
    context, page, _ = new_page(browser, viewport={"width": 375, "height": 720}, has_touch=True, is_mobile=True,
                                reduced_motion="reduce")
    page.goto(client_site.page("shop.html", shop_body(site, key)))
    widget_button(page).tap()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    panel = dialog.bounding_box()
    assert [round(panel[side]) for side in ("x", "y", "width", "height")] == [0, 0, 375, 720], panel
    assert dialog.get_by_label("Телефон", exact=True).evaluate("e => getComputedStyle(e).fontSize") == "16px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
    context.close()


def test_a_failed_network_loses_nothing_and_the_lead_goes_through_once_it_is_back(site, workspace, client_site,
                                                                                  browser):
    key = workspace.widget_publication.public_key
    url = client_site.page("shop.html", shop_body(site, key))
    context, page, _ = new_page(browser)  # the aborted requests log errors on purpose
    page.route("**/w/*/leads", lambda route: route.abort("internetdisconnected"))
    page.goto(url)

    widget_button(page).click()
    dialog = page.get_by_role("dialog")
    fill_contacts(page)
    dialog.get_by_label("E-mail", exact=True).fill("maria@example.ru")
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()

    expect(dialog.get_by_role("status")).to_have_text(NETWORK_RETRY)
    expect(dialog.get_by_label("Ваше имя")).to_have_value("Мария Котова")
    expect(dialog.get_by_label("E-mail", exact=True)).to_have_value("maria@example.ru")
    draft = json.loads(page.evaluate(f"localStorage.getItem('fastlead:draft:{key}')"))
    assert (draft["name"], draft["email"], draft["pending"]) == ("Мария Котова", "maria@example.ru", True)
    page.screenshot(path=str(ARTIFACTS / "widget-network-retry.png"))

    # a reload (still offline) brings back what was typed; the consent is asked again
    page.reload()
    widget_button(page).click()
    expect(dialog.get_by_label("Ваше имя")).to_have_value("Мария Котова")
    expect(dialog.get_by_label("Телефон", exact=True)).to_have_value("8 (912) 345-67-89")
    expect(dialog.get_by_label("E-mail", exact=True)).to_have_value("maria@example.ru")
    expect(dialog.get_by_role("status")).to_contain_text("Заявка ещё не отправлена")
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_role("status")).to_have_text(NETWORK_RETRY)
    assert leads_of(workspace) == []

    # the network is back: the scheduled retry sends it, without the visitor doing anything
    page.unroute("**/w/*/leads")
    expect(dialog.get_by_role("status")).to_have_text(SUCCESS, timeout=15_000)
    assert page.evaluate(f"localStorage.getItem('fastlead:draft:{key}')") is None
    [lead] = leads_of(workspace)
    assert (lead.name, lead.email) == ("Мария Котова", "maria@example.ru")
    context.close()


def test_demo_page_of_the_workspace_takes_a_lead(site, workspace, browser):
    key = workspace.widget_publication.public_key
    context, page, errors = new_page(browser)
    page.goto(f"http://localhost:{site}/w/{key}/demo")
    expect(page.get_by_text("Так виджет «Стоматология «Жемчуг»» выглядит на сайте клиента")).to_be_visible()
    expect(widget_button(page)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "widget-demo-page.png"), full_page=True)

    page.get_by_role("button", name="Записаться на приём").click()  # the site's own button opens the widget
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    fill_contacts(page, name="Пётр Демо")
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_role("status")).to_have_text(SUCCESS)
    assert [lead.name for lead in leads_of(workspace)] == ["Пётр Демо"]
    assert errors == []  # no CSP violations

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    expect(widget_button(page)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the demo page scrolls sideways on a phone"
    page.screenshot(path=str(ARTIFACTS / "widget-demo-phone.png"), full_page=True)
    context.close()


PREVIEW_CONFIG = {
    "publicKey": "draft",
    "appearance": {"primaryColor": "#f59e0b", "theme": "light", "position": "left", "buttonLabel": "Заказать кофе"},
    "texts": {"title": "Кофейня «Зёрна»", "greeting": "Привет! Оставьте номер — соберём заказ к вашему приходу.",
              "quickReplies": ["Меню", "Доставка"], "successMessage": "Заказ принят!",
              "offHoursMessage": "Мы откроемся в 8:00 — перезвоним утром."},
    "channels": ["web", "telegram", "whatsapp"],
    "consent": {"personalDataText": "Я согласен на обработку персональных данных",
                "privacyPolicyUrl": "https://zerna.example/privacy", "version": "c-draft", "marketingEnabled": True,
                "marketingText": "Хочу получать акции кофейни"},
    "businessHours": {"enabled": True, "timezone": "Europe/Moscow",
                      "days": {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
}


def test_preview_renders_a_draft_config_without_network_and_rerenders(client_site, browser):
    """The cabinet's editor: FastLeadWidget.preview(container, config) with unsaved drafts, no requests."""
    client_site.file("widget.js", WIDGET_JS.read_text(encoding="utf-8"))
    client_site.file("panel.js", PANEL_JS.read_text(encoding="utf-8"))
    url = client_site.page("editor.html", '<label>Заголовок <input id="title"></label>'
                                          '<div id="preview" style="width:900px;height:640px"></div>'
                                          '<script src="widget.js"></script><script src="panel.js"></script>')
    context, page, errors = new_page(browser)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    render = "([config, options]) => { FastLeadWidget.preview(document.getElementById('preview'), config, options); }"
    page.evaluate(render, [PREVIEW_CONFIG, None])

    dialog = page.get_by_role("dialog", name="Кофейня «Зёрна»")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("button", name="Заказать кофе")).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_text("Мы откроемся в 8:00 — перезвоним утром.")).to_be_visible()  # closed every day
    expect(dialog.get_by_role("button", name="Меню")).to_be_visible()
    channel = dialog.get_by_label("Как с вами связаться")
    assert channel.locator("option").all_text_contents() == ["Перезвоните мне", "Telegram", "WhatsApp"]
    expect(dialog.get_by_role("checkbox", name="Хочу получать акции кофейни")).not_to_be_checked()
    policy = dialog.get_by_role("link", name="Политика конфиденциальности")
    expect(policy).to_have_attribute("href", "https://zerna.example/privacy")
    expect(policy).to_have_attribute("target", "_blank")
    dialog.get_by_label("Ваше имя").fill("Ольга")
    channel.select_option("telegram")

    # the editor re-renders on every keystroke: the typed values stay, the editor keeps the focus
    page.locator("#title").focus()
    draft = PREVIEW_CONFIG | {"appearance": PREVIEW_CONFIG["appearance"] | {"theme": "dark"},
                              "texts": PREVIEW_CONFIG["texts"] | {"title": "Кофейня «Зёрна» на Садовой"}}
    page.evaluate(render, [draft, {"offHours": False}])
    expect(page.locator("fast-lead-widget")).to_have_count(1)
    dialog = page.get_by_role("dialog", name="Кофейня «Зёрна» на Садовой")
    expect(dialog).to_be_visible()
    expect(page.locator("#title")).to_be_focused()
    expect(dialog.get_by_label("Ваше имя")).to_have_value("Ольга")
    expect(dialog.get_by_label("Как с вами связаться")).to_have_value("telegram")
    expect(dialog.get_by_text("Мы откроемся в 8:00")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "widget-preview-dark.png"))

    # submitting in the preview is simulated
    dialog.get_by_label("Телефон", exact=True).fill("+7 999 000-11-22")
    dialog.get_by_role("checkbox", name=re.compile("Я согласен на обработку")).check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_role("status")).to_have_text("Заказ принят!")
    assert requests == [url, f"{client_site.origin}/widget.js", f"{client_site.origin}/panel.js"], requests
    assert page.evaluate("localStorage.length") == 0
    assert errors == []
    context.close()
