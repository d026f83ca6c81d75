"""The marketing pages of issue 16 in Chromium, on a phone and a desktop: use cases, blog, legal pages.

Each page renders its heading with no console error or CSP complaint, nothing overflows the screen sideways, and
its screenshot is kept in test-artifacts/.
"""

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.test_browser_csp import watched_page

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = (
    ("/use-cases", "Fast Lead для вашего бизнеса"),
    ("/use-cases/kliniki", "Виджет заявок для медицинской клиники"),
    ("/use-cases/avtoservis", "Виджет заявок для автосервиса"),
    ("/blog", "Блог Fast Lead"),
    ("/blog/soglasie-152-fz-forma-na-sayte", "Согласие на обработку персональных данных"),
    ("/blog/tag/152-fz", "Статьи по теме «152-ФЗ»"),
    ("/legal/offer", "Договор-оферта"),
    ("/legal/privacy", "Политика обработки персональных данных"),
    ("/legal/cookies", "Файлы cookie"),
    ("/legal/requisites", "Реквизиты и контакты"),
)


def test_marketing_pages_render_cleanly(site, browser, device):
    public = f"http://localhost:{site}"
    page, complaints = watched_page(browser, device)
    for path, heading in PAGES:
        page.goto(public + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(ARTIFACTS / f"marketing-{name}-{device}.png"), full_page=True)
    widget = page.goto(public + "/use-cases/kliniki")
    assert widget is not None
    expect(page.get_by_role("figure")).to_contain_text("Записаться к врачу")
    assert complaints == []
