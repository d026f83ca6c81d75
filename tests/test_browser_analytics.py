"""Chromium, phone (375 px) and desktop, under the real CSP: the Аналитика page draws its ECharts charts, a click on
a chart's bar and on a figure opens the leads list filtered the same way; no policy violation, no console error."""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.leads import services
from tests.conftest import ARTIFACTS, log_in
from tests.test_browser_csp import watched_page

EMAIL, PASSWORD = "nina@sad.ru", "Сад-и-огород-2026"


def test_analytics_charts_click_through_to_the_leads(site, browser, device, make_user, make_tenant):
    owner = make_user(EMAIL, PASSWORD, full_name="Нина Садова")
    tenant = make_tenant(owner=owner, name="Сад «Ромашка»")
    with tenant_context(tenant):
        for number, (channel, campaign) in enumerate([("telegram", "spring"), ("telegram", ""), ("web", "spring")]):
            lead = services.create_lead(name=f"Клиент {number}", phone=f"+7916123450{number}", channel=channel,
                                        page_url="https://romashka.ru/roses", utm={"campaign": campaign})
            with transaction.atomic():
                locked = services.locked(lead.pk)
                services.record_first_contact(locked, locked.created_at + dt.timedelta(seconds=40 + number))
                if number == 0:
                    services.record_booking(locked, timezone.now() + dt.timedelta(days=1))
        for number in range(3, 12):  # a long page address, and a funnel whose last stage is a sliver
            services.create_lead(name=f"Клиент {number}", phone=f"+791612345{number:02d}", channel="telegram",
                                 page_url="https://romashka.ru/katalog/rozy-i-piony/dostavka-po-gorodu")
    workspace = f"http://{tenant.slug}.localhost:{site}"

    page, complaints = watched_page(browser, device)
    page.goto(workspace + "/analytics")
    log_in(page, EMAIL, PASSWORD)
    expect(page).to_have_url(workspace + "/analytics")
    expect(page.get_by_role("heading", name="Аналитика", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-charts-ready", "4")
    for chart in ("days", "funnel", "channels", "heatmap"):
        expect(page.locator(f"#chart-{chart} svg")).to_be_visible()
    expect(page.locator("#figure-leads")).to_contain_text("12")
    expect(page.locator("#figure-booked")).to_contain_text("1")
    page.screenshot(path=str(ARTIFACTS / f"analytics-{device}.png"), full_page=True)
    # Nothing sticks out of the screen, not even inside a scrolling box (a table's last column off-screen)...
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
        const box = e.getBoundingClientRect();
        return box.width && (box.right > document.documentElement.clientWidth + 1 || box.left < -1);
    }).map(e => e.tagName + '#' + e.id + '.' + e.getAttribute('class')).slice(0, 8)""")
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    # ... and every funnel label is whole and legible: inside its chart, dark, off the bars (a label wider than
    # its bar spilled white text onto the white card).
    unreadable = page.evaluate("""() => {
        const element = document.getElementById("chart-funnel");
        const chart = element.getBoundingClientRect();
        const data = echarts.getInstanceByDom(element).getModel().getSeriesByIndex(0).getData();
        const bars = data.mapArray(i => data.getItemGraphicEl(i));
        const texts = [...element.querySelectorAll("svg text")];
        return [texts.length, texts.filter(t => {
            const box = t.getBoundingClientRect();
            const [left, right] = [box.left - chart.left, box.right - chart.left];
            const [top, bottom] = [box.top - chart.top, box.bottom - chart.top];
            return box.left < chart.left - 1 || box.right > chart.right + 1 || box.top < chart.top - 1
                || box.bottom > chart.bottom + 1 || t.textContent.includes("…")
                || ["#fff", "#ffffff", "white"].includes(t.getAttribute("fill"))
                || bars.some(bar => [[left, top], [right, top], [left, bottom], [right, bottom],
                                     [(left + right) / 2, (top + bottom) / 2]].some(([x, y]) => bar.contain(x, y)));
        }).map(t => t.textContent)];
    }""")
    assert unreadable == [3, []]

    # The Telegram bar of «Заявки» (2 leads): where ECharts drew it, clicked like a person would.
    page.locator("#chart-channels").scroll_into_view_if_needed()
    x, y = page.evaluate("""() => {
        const el = document.getElementById("chart-channels");
        const chart = echarts.getInstanceByDom(el);
        const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
        const box = el.getBoundingClientRect();
        return [box.left + bar.x + bar.width / 2, box.top + bar.y + bar.height / 2];
    }""")
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/leads\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d&channel=telegram$"))
    expect(page.locator("#leads-table")).to_contain_text("Клиент 0")
    expect(page.locator("#leads-table")).to_contain_text("Клиент 1")
    expect(page.locator("#leads-table")).not_to_contain_text("Клиент 2")
    expect(page.locator("#filter-channel")).to_have_value("telegram")
    page.screenshot(path=str(ARTIFACTS / f"analytics-click-through-{device}.png"), full_page=True)

    # A figure: «Записаны» → the booked leads of the period.
    page.go_back()
    page.locator("#figure-booked").click()
    expect(page).to_have_url(re.compile(r"status=booked"))
    expect(page.locator("#filter-status")).to_have_value("booked")
    expect(page.locator("#leads-table")).to_contain_text("Клиент 0")
    expect(page.locator("#leads-table")).not_to_contain_text("Клиент 1")

    # The funnel's «Связались» stage: the list of leads that reached a first contact.
    page.go_back()
    page.locator("#stage-contacted").click()
    expect(page).to_have_url(re.compile(r"contacted=true"))
    expect(page.get_by_label("Только лиды, с которыми связались")).to_be_checked()
    assert complaints == [], complaints
