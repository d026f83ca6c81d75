"""Chromium, on a phone (375×812) and a desktop (1366×900): a first-time user's walk through the product.

The landing's demo opens the live widget without an account; the cabinet menu has no dead «скоро» labels;
the widget editor warns while the widget is installed nowhere (the onboarding wizard that asks for the site's
domain and the privacy policy: test_browser_wizard.py); a long word stays inside the widget's bubble; the leads
table gives names the free room;
every plan on the pricing page has a button.

As in test_browser_widget.py, an init script opens the widget's (closed) shadow root so the test can look in.
ORM work while Playwright's loop runs happens on a thread of its own (see ``on_own_thread``).
"""


import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import Page, expect

from tenant_apps.leads.models import Lead
from tenant_apps.widgets.services import get_widget
from tests.conftest import ARTIFACTS, DEVICES, log_in, on_own_thread
from widget_cdn.services import publish

ADMIN_EMAIL, ADMIN_PASSWORD = "olga@romashka.ru", "Ромашка-кофе-2026"
POLICY = "https://romashka.ru/privacy"
LONG_WORD = "Здравствуйте" + "о" * 120 + "!"
LONG_NAME = "Александра Константиновна Румянцева"  # about 17 rem: cut at 8–10 rem before
OPEN_SHADOW_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();"""


@pytest.fixture
def workspace(site, make_user, make_tenant):
    """A fresh workspace as sign-up leaves it: no site domain, no privacy policy. Asked for before ``browser``."""
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ольга Иванова")
    tenant = make_tenant(owner=admin, name="Кофейня «Ромашка»")
    assert tenant.widget_publication.public_key  # read now, not while Playwright's loop runs
    return tenant


@pytest.fixture
def demo_key(site, make_tenant) -> str:
    """The platform's demo workspace (as seed_demo makes it, without its 2 000 leads): its widget's key."""
    return make_tenant(slug="demo", name="Стоматология «Улыбка»").widget_publication.public_key




def new_page(browser, device: str) -> tuple[Page, list[str]]:
    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
    return page, errors


def open_cabinet(browser, device: str, tenant, path: str) -> tuple[Page, list[str]]:
    page, errors = new_page(browser, device)
    page.goto(tenant.url + path.lstrip("/"))
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(tenant.url + path.lstrip("/"))
    return page, errors


def no_sideways_scroll(page: Page, device: str) -> None:
    width = DEVICES[device]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def widget_button(page: Page):
    return page.locator("fast-lead-widget").get_by_role("button", name="Оставить заявку")


# --- 7: the landing's demo ----------------------------------------------------------------------------------

def test_landing_demo_opens_the_live_widget_without_an_account(site, demo_key, browser, device):
    key = demo_key
    page, errors = new_page(browser, device)
    page.goto(f"http://localhost:{site}/")
    page.get_by_role("link", name="Посмотреть демо").click()

    expect(page).to_have_url(f"http://localhost:{site}/w/{key}/demo")
    expect(page.get_by_text("Демо-сайт.").first).to_be_visible()
    expect(widget_button(page)).to_be_visible()
    assert page.get_by_label("Пароль").count() == 0  # not a login page
    widget_button(page).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    no_sideways_scroll(page, device)
    page.screenshot(path=str(ARTIFACTS / f"first-run-demo-{device}.png"))
    assert errors == []

    # the header's «Демо» goes to the same page
    page.goto(f"http://localhost:{site}/pricing")
    if device == "phone":
        page.get_by_role("button", name="Открыть меню").click()
    page.get_by_role("link", name="Демо", exact=True).filter(visible=True).click()
    expect(page).to_have_url(f"http://localhost:{site}/w/{key}/demo")


# --- 8: the cabinet menu ------------------------------------------------------------------------------------

def test_cabinet_menu_has_no_dead_labels(workspace, browser, device):
    page, errors = open_cabinet(browser, device, workspace, "/")
    if device == "phone":
        page.get_by_role("button", name="Открыть меню").click()
        menu = page.get_by_role("dialog", name="Меню кабинета")
    else:
        menu = page.get_by_role("complementary", name="Боковое меню")
    nav = menu.get_by_role("navigation", name="Разделы кабинета")
    expect(nav.get_by_role("link", name="Каналы")).to_be_visible()
    expect(nav).not_to_contain_text("скоро")
    assert nav.locator("[aria-disabled=true]").count() == 0
    assert nav.locator("li").count() == nav.get_by_role("link").count()  # every entry leads somewhere
    page.screenshot(path=str(ARTIFACTS / f"first-run-menu-{device}.png"))

    nav.get_by_role("link", name="Каналы").click()
    expect(page).to_have_url(workspace.url + "channels")
    expect(page.get_by_role("heading", name="Каналы", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="SMS (Twilio)")).to_be_visible()

    page.goto(workspace.url + "analytics")
    expect(page.get_by_role("heading", name="Аналитика", exact=True)).to_be_visible()
    expect(page.locator("#chart-funnel svg")).to_be_visible()  # the analytics section is built (ECharts)
    no_sideways_scroll(page, device)
    assert errors == []


# --- 9: the widget editor warns while no site domain is saved -------------------------------------------

def test_widget_editor_warns_before_leads_are_lost(workspace, browser, device):
    def with_policy():
        with tenant_context(workspace):
            widget = get_widget()
            widget.privacy_policy_url = POLICY
            widget.save()

    on_own_thread(with_policy)
    page, errors = open_cabinet(browser, device, workspace, "/widget")
    warning = page.locator("#no-site-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Виджет пока не подключён ни к одному сайту")
    expect(warning).to_contain_text("Этот сайт не подключён к виджету")
    page.screenshot(path=str(ARTIFACTS / f"first-run-editor-warning-{device}.png"))

    warning.get_by_role("link", name="Указать домен сайта").click()
    expect(page.get_by_label("Домены ваших сайтов")).to_be_focused()
    page.get_by_label("Домены ваших сайтов").fill("romashka.ru")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("Сохранено и опубликовано (версия 2)")).to_be_visible()
    expect(warning).to_be_hidden()  # gone as soon as the domain is saved, no reload

    page.reload()
    expect(page.get_by_role("heading", name="Виджет", exact=True)).to_be_visible()
    expect(warning).to_be_hidden()
    assert errors == []


# --- 10: a long word in the widget's bubble ---------------------------------------------------------------

def test_a_long_word_stays_inside_the_widget_bubble(site, workspace, browser, device):
    def long_greeting():
        with tenant_context(workspace):
            widget = get_widget()
            widget.greeting = LONG_WORD
            widget.title = "Кофейня" + "я" * 70
            widget.save()
            publish(workspace, widget)

    on_own_thread(long_greeting)
    page, errors = new_page(browser, device)
    page.goto(f"http://localhost:{site}/w/{workspace.widget_publication.public_key}/demo")
    widget_button(page).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(LONG_WORD)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"first-run-long-word-{device}.png"))

    sizes = page.evaluate("""() => {
      const root = document.querySelector('fast-lead-widget').shadowRoot;
      const bubble = root.querySelector('.g p'), panel = root.querySelector('[role=dialog]');
      const title = root.querySelector('h2');
      const b = bubble.getBoundingClientRect(), p = panel.getBoundingClientRect();
      return {bubbleRight: b.right, panelRight: p.right, bubbleScroll: bubble.scrollWidth,
              bubbleClient: bubble.clientWidth, titleScroll: title.scrollWidth, titleClient: title.clientWidth,
              panelScroll: panel.scrollWidth, panelClient: panel.clientWidth};
    }""")
    assert sizes["bubbleScroll"] <= sizes["bubbleClient"], sizes
    assert sizes["bubbleRight"] <= sizes["panelRight"], sizes
    assert sizes["titleScroll"] <= sizes["titleClient"], sizes
    assert sizes["panelScroll"] <= sizes["panelClient"], sizes
    no_sideways_scroll(page, device)
    assert errors == []


# --- 10: the leads table gives a long name the free room ----------------------------------------------------

def test_leads_table_shows_a_long_name_when_there_is_room(workspace, browser, device):
    def a_lead():
        with tenant_context(workspace):
            Lead.objects.create(name=LONG_NAME, phone="+79161112233", email="alexandra@example.ru",
                                created_at=timezone.now())

    on_own_thread(a_lead)
    page, errors = open_cabinet(browser, device, workspace, "/leads")
    if device == "phone":
        expect(page.locator("#leads-table ul").get_by_text(LONG_NAME)).to_be_visible()  # the stacked cards
        expect(page.locator("#leads-table table")).to_be_hidden()
        no_sideways_scroll(page, device)
        return
    link = page.locator("#leads-table table").get_by_role("link", name=LONG_NAME)
    expect(link).to_be_visible()
    fits = link.evaluate("a => a.scrollWidth <= a.clientWidth")
    page.screenshot(path=str(ARTIFACTS / f"first-run-leads-{device}.png"))
    assert fits, "the name is cut off although the table has room"
    table = page.locator("#leads-table table").evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert table[0] <= table[1], table  # and the table still fits its card
    assert errors == []


# --- 10: a button on every plan -----------------------------------------------------------------------------

def test_every_plan_on_the_pricing_page_has_a_button(site, browser, device):
    page, errors = new_page(browser, device)
    page.goto(f"http://localhost:{site}/pricing")
    cards = page.get_by_role("list").filter(has=page.get_by_role("heading", name="Старт")).last.locator(":scope > li")
    expect(cards).to_have_count(5)
    for index in range(5):
        card = cards.nth(index)
        name = card.get_by_role("heading").inner_text()
        button = card.get_by_role("link", name=f"«{name}»")
        expect(button).to_be_visible()
        href = button.get_attribute("href")
        assert href == "/signup" or href.startswith("mailto:sales@fastlead.ru"), (name, href)
    no_sideways_scroll(page, device)
    page.screenshot(path=str(ARTIFACTS / f"first-run-pricing-{device}.png"), full_page=True)

    cards.first.get_by_role("link", name="Начать бесплатно — тариф «Пробный»").click()
    expect(page).to_have_url(f"http://localhost:{site}/signup")
    assert errors == []
