"""Chromium: scenario 5 of the product plan — the trial ends, the cabinet turns read-only, the owner pays
for «Про» at ЮKassa (the local payment sandbox) and everything works again; and a declined card.

The e-mails go through a real Celery worker into the dev mailbox, as in `make run`. The sandbox delivers
its notification to the live server's public host, as ЮKassa does in production, and sends the browser
back to the workspace's return page.
"""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from billing import cycle
from billing.models import Document, Payment, Subscription
from billing.services import start_trial
from tests.conftest import ARTIFACTS, log_in
from tests.test_browser_team import open_mail
from tests.test_browser_widget import SUCCESS, consent_box, fill_contacts, leads_of, new_page, widget_button
from widget_cdn.models import WidgetPublication

OWNER_EMAIL, OWNER_PASSWORD = "olga@lotos.ru", "Лотос-оплата-2026"
PHONE = {"width": 390, "height": 844}
FETCH_HEAD = """async (href) => {
  const response = await fetch(href, {credentials: "same-origin"});
  const bytes = new Uint8Array(await response.arrayBuffer()).slice(0, 4);
  return {status: response.status, type: response.headers.get("content-type"),
          disposition: response.headers.get("content-disposition"), cache: response.headers.get("cache-control"),
          head: String.fromCharCode(...bytes)};
}"""
DESKTOP = {"width": 1280, "height": 900}
T = TypeVar("T")


@pytest.fixture
def workspace(make_user, make_tenant):
    """A workspace on its trial; asked for before ``browser`` (ORM calls outside Playwright's loop)."""
    owner = make_user(OWNER_EMAIL, OWNER_PASSWORD, full_name="Ольга Лотосова")
    tenant = make_tenant(owner=owner, name="Салон «Лотос»")
    start_trial(tenant.account)
    return tenant


@pytest.fixture
def sandbox(payment_sandbox, site):
    """The sandbox notifies the live server's public host, where ЮKassa's webhook route lives."""
    payment_sandbox.yookassa_webhook_url = f"http://localhost:{site}/api/v1/billing/webhooks/yookassa"
    return payment_sandbox


def orm(run: Callable[[], T]) -> T:
    """Run ORM code on a thread of its own that closes its connection afterwards.

    Playwright's loop runs in the test's thread: a query made there would open a connection of its own
    that outlives the test database.
    """

    def work() -> T:
        try:
            return run()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def subscription_of(tenant) -> Subscription:
    return orm(lambda: Subscription.objects.select_related("plan").get(account_id=tenant.account_id))


def end_trial(tenant) -> None:
    """Force the end of the trial: the billing clock moves the subscription to grace and mails the owner."""

    def run() -> None:
        Subscription.objects.filter(account_id=tenant.account_id).update(
            trial_ends_at=timezone.now() - timedelta(minutes=1))
        assert cycle.run()["trial_expired"] == 1

    orm(run)
    assert subscription_of(tenant).status == Subscription.Status.GRACE


def pay_at_sandbox(page: Page, card: str) -> None:
    expect(page.get_by_text("ЮKassa · песочница")).to_be_visible()
    page.get_by_label("Номер карты").fill(card)
    page.get_by_label("Срок действия").fill("12/30")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile(r"^Оплатить")).click()


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def test_trial_ends_the_owner_pays_for_pro_at_yookassa_and_the_cabinet_is_back(
        workspace, site, celery_worker_process, settings, sandbox, browser):
    settings.DEV_MAILBOX_ENABLED = True
    public, cabinet = f"http://localhost:{site}", f"http://{workspace.slug}.localhost:{site}"
    end_trial(workspace)

    # --- the e-mail about the end of the trial is in the dev mailbox --------------------------------------
    page = browser.new_context(viewport=PHONE, locale="ru-RU").new_page()
    open_mail(page, public, "Пробный период Fast Lead закончился — выберите тариф")
    expect(page.get_by_text(f"Кому: {OWNER_EMAIL}")).to_be_visible()

    # --- the cabinet is read-only, with a banner that leads to the payment -------------------------------
    page.goto(cabinet + "/")
    log_in(page, OWNER_EMAIL, OWNER_PASSWORD)
    expect(page).to_have_url(cabinet + "/")
    banner = page.locator("#billing-banner")
    expect(banner).to_contain_text("Кабинет доступен только для чтения: подписка не оплачена.")
    grace_end = subscription_of(workspace).grace_ends_at
    expect(banner).to_contain_text(f"Виджет продолжает принимать заявки до {timezone.localtime(grace_end).day} ")
    page.screenshot(path=str(ARTIFACTS / "billing-banner-phone.png"), full_page=True)
    banner.get_by_role("link", name="Оплатить").click()

    # --- Billing: grace, the trial's usage, the plans; «Про» with ЮKassa -----------------------------------
    expect(page).to_have_url(cabinet + "/billing")
    expect(page.get_by_role("heading", name="Оплата", exact=True)).to_be_visible()
    expect(page.locator("#subscription-status")).to_have_text("Льготный период")
    expect(page.locator("#usage")).to_contain_text("0 из 50")
    no_sideways_scroll(page, PHONE["width"])
    page.screenshot(path=str(ARTIFACTS / "billing-grace-phone.png"), full_page=True)

    page.get_by_label("ЮKassa").check()
    pro = page.locator('[data-plan="pro"]')
    expect(pro).to_contain_text("9 990 ₽")
    pro.get_by_role("button", name="Оплатить").click()

    # --- the sandbox's checkout page: the test card ------------------------------------------------------
    expect(page).to_have_url(re.compile(re.escape(sandbox.base_url) + "/checkout/yookassa/"))
    expect(page.get_by_role("heading", name="Подписка «Про», 1 мес.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "billing-sandbox-checkout-phone.png"), full_page=True)
    pay_at_sandbox(page, "5555555555554444")

    # --- back on our return page --------------------------------------------------------------------------
    expect(page).to_have_url(re.compile(re.escape(cabinet) + r"/billing/return\?order=fl-"))
    expect(page.get_by_role("heading", name="Оплата прошла")).to_be_visible()
    subscription = subscription_of(workspace)
    paid_until = timezone.localtime(subscription.current_period_end)
    expect(page.locator("#payment-result")).to_contain_text("Подписка активна до")
    expect(page.locator("#billing-banner")).to_have_count(0)
    assert (subscription.status, subscription.plan.code) == (Subscription.Status.ACTIVE, "pro")
    delivered = [d for d in sandbox.deliveries() if d["event"] == "payment.succeeded"]
    assert delivered, sandbox.deliveries()
    assert delivered[0]["delivered"], delivered
    page.screenshot(path=str(ARTIFACTS / "billing-return-success-phone.png"), full_page=True)
    page.get_by_role("link", name="К оплате и документам").click()

    # --- Billing: active «Про», paid until, the card, the payment and the invoice ---------------------------
    expect(page).to_have_url(cabinet + "/billing")
    expect(page.locator("#subscription-status")).to_have_text("Активна")
    expect(page.locator("#current-plan")).to_have_text("Про")
    expect(page.locator("#paid-until")).to_contain_text(str(paid_until.year))
    expect(page.locator("#paid-until time")).to_have_attribute("datetime", paid_until.isoformat())
    expect(page.locator("#saved-method")).to_contain_text("*4444")
    expect(page.locator("#usage")).to_contain_text("0 из 2 000")
    expect(page.locator('[data-plan="pro"]')).to_contain_text("Ваш тариф")
    expect(page.locator("#payments").locator("li:visible, tr:visible").filter(has_text="Оплачен")).to_have_count(1)
    invoice = orm(lambda: Document.objects.get(account_id=workspace.account_id, kind=Document.Kind.INVOICE))
    documents = page.locator("#documents")
    expect(documents).to_contain_text(f"Счёт № {invoice.number}")
    no_sideways_scroll(page, PHONE["width"])
    page.screenshot(path=str(ARTIFACTS / "billing-active-phone.png"), full_page=True)

    pdf_link = documents.locator("li:visible").get_by_role("link", name=re.compile("^PDF"))
    # Fetched by the page itself: Playwright's own request context cannot resolve *.localhost hosts.
    pdf = page.evaluate(FETCH_HEAD, pdf_link.get_attribute("href"))
    assert pdf == {"status": 200, "type": "application/pdf", "cache": "private, no-store", "head": "%PDF",
                   "disposition": f'inline; filename="schet-{invoice.number}.pdf"'}

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    no_sideways_scroll(page, 375)

    page.set_viewport_size(DESKTOP)
    page.reload()
    expect(documents.locator("tr").filter(has_text=invoice.number).get_by_role("link", name=re.compile("^PDF")))\
        .to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "billing-active-desktop.png"), full_page=True)

    # --- the cabinet is writable again, and the widget takes leads ------------------------------------------
    page.goto(cabinet + "/team")
    expect(page.locator("#billing-banner")).to_have_count(0)
    page.get_by_label("E-mail сотрудника").fill("ivan@lotos.ru")
    page.get_by_label("Оператор").check()
    page.get_by_role("button", name="Отправить приглашение").click()
    expect(page.get_by_text("Приглашение отправлено на ivan@lotos.ru")).to_be_visible()

    _, demo, _ = new_page(browser)  # its shadow roots opened, to look inside the widget
    key = orm(lambda: WidgetPublication.objects.get(tenant=workspace).public_key)
    demo.goto(f"{public}/w/{key}/demo")
    expect(widget_button(demo)).to_be_visible()
    widget_button(demo).click()
    dialog = demo.get_by_role("dialog")
    expect(dialog).to_be_visible()
    fill_contacts(demo, name="Пётр Клиентов")
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_role("status")).to_have_text(SUCCESS)
    assert [lead.name for lead in leads_of(workspace)] == ["Пётр Клиентов"]

    page.goto(cabinet + "/billing")
    expect(page.locator("#usage")).to_contain_text("1 из 2 000")

    # --- the receipt e-mail, sent by the worker with the invoice PDF attached ---------------------------------
    open_mail(page, public, "Оплата получена — спасибо!")
    attachment = page.get_by_role("link", name=f"Счёт-{invoice.number}.pdf")
    expect(attachment).to_be_visible()
    attached = page.evaluate(FETCH_HEAD, attachment.get_attribute("href"))
    assert (attached["status"], attached["type"], attached["head"]) == (200, "application/pdf", "%PDF")


def test_a_declined_card_leaves_the_subscription_unpaid(workspace, site, eager_tasks, sandbox, browser):
    cabinet = f"http://{workspace.slug}.localhost:{site}"
    end_trial(workspace)
    page = browser.new_context(viewport=PHONE, locale="ru-RU").new_page()
    page.goto(cabinet + "/billing")
    log_in(page, OWNER_EMAIL, OWNER_PASSWORD)
    expect(page).to_have_url(cabinet + "/billing")

    page.get_by_label("ЮKassa").check()
    page.locator('[data-plan="start"]').get_by_role("button", name="Оплатить").click()
    pay_at_sandbox(page, "5555555555554535")  # insufficient funds

    expect(page.get_by_role("heading", name="Оплата не прошла")).to_be_visible()
    expect(page.locator("#failure-reason")).to_contain_text("Причина: недостаточно средств на карте.")
    expect(page.locator("#billing-banner")).to_contain_text("только для чтения")
    no_sideways_scroll(page, PHONE["width"])
    page.screenshot(path=str(ARTIFACTS / "billing-return-declined-phone.png"), full_page=True)
    subscription = subscription_of(workspace)
    assert subscription.status == Subscription.Status.GRACE
    assert subscription.plan.code == "trial"
    assert orm(lambda: Payment.objects.get(account_id=workspace.account_id).status) == Payment.Status.FAILED

    # "Попробовать снова" starts a new checkout of the same plan
    page.get_by_role("button", name="Попробовать снова").click()
    expect(page).to_have_url(re.compile(re.escape(sandbox.base_url) + "/checkout/yookassa/"))
    expect(page.get_by_role("heading", name="Подписка «Старт», 1 мес.")).to_be_visible()
    page.get_by_role("button", name="Вернуться в магазин без оплаты").click()
    expect(page.get_by_role("heading", name="Оплата не прошла")).to_be_visible()

    page.goto(cabinet + "/billing")
    expect(page.locator("#subscription-status")).to_have_text("Льготный период")
    history = page.locator("#payments li:visible")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Не прошёл")
    expect(page.locator("#payments")).to_contain_text("Недостаточно средств на карте")
    expect(page.locator("#documents")).to_contain_text("Документов пока нет")
    page.screenshot(path=str(ARTIFACTS / "billing-declined-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "billing-declined-desktop.png"), full_page=True)
