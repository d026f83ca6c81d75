"""The public site's header, on a phone (375×812) and a desktop, with no htmx or Alpine on the page.

The phone's menu (static/public/js/site-menu.js) opens and closes from its button, closes on a tap outside, and
its button and links are at least 48 px tall; the desktop shows the main navigation instead. The pages of the
public site (tests/test_browser_csp.py also closes the menu with Escape) never log an error.
"""

from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, DEVICES

MIN_TAP_PX = 48


def test_public_header_menu(site, browser, device):
    public = f"http://localhost:{site}"
    page = browser.new_context(locale="ru-RU", **DEVICES[device]).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(public + "/features")
    menu = page.get_by_role("navigation", name="Мобильное меню")
    button = page.get_by_role("button", name="Открыть меню")
    assert page.locator("script[src*=htmx], script[src*=alpine]").count() == 0

    if device == "desktop":
        expect(button).to_be_hidden()
        expect(menu).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / "public-header-desktop.png"))
        page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Тарифы").click()
        expect(page).to_have_url(public + "/pricing")
        assert errors == []
        return

    assert min(button.bounding_box()["width"], button.bounding_box()["height"]) >= MIN_TAP_PX
    expect(menu).to_be_hidden()
    button.click()
    expect(menu).to_be_visible()
    close = page.get_by_role("button", name="Закрыть меню")
    expect(close).to_have_attribute("aria-expanded", "true")
    for link in menu.get_by_role("link").all():
        assert link.bounding_box()["height"] >= MIN_TAP_PX, link.inner_text()
    page.screenshot(path=str(ARTIFACTS / "public-menu-phone.png"))

    page.get_by_role("heading", level=1).click()  # a tap outside the menu
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")

    button.click()
    menu.get_by_role("link", name="Тарифы").click()
    expect(page).to_have_url(public + "/pricing")
    expect(menu).to_be_hidden()
    assert errors == []


def test_every_section_is_in_the_header_at_every_width(site, browser):
    """Below 1024 px the menu button holds every link; from 1024 px the header shows them all, none cut off."""
    sections = ("Тарифы", "Возможности", "Для бизнеса", "Блог")
    for width in (768, 1000, 1024, 1280):
        page = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 800}).new_page()
        page.goto(f"http://localhost:{site}/")
        if width < 1024:
            page.get_by_role("button", name="Открыть меню").click()
            nav = page.get_by_role("navigation", name="Мобильное меню")
        else:
            nav = page.get_by_role("navigation", name="Основное меню")
        for name in sections:
            link = nav.get_by_role("link", name=name)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["x"] >= 0, (width, name)
            assert box["x"] + box["width"] <= width, (width, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        page.context.close()
