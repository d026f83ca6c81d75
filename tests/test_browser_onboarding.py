"""Chromium, on a phone (375×812) and a desktop (1366×900) — the plan's scenario 1 end to end: the landing →
«Попробовать бесплатно» → sign up → the confirmation from the dev mailbox → every step of the onboarding wizard
(the company and its site, the widget, SMS through the channel sandbox's Twilio — a wrong key first —, Cal.com through
the sandbox, the snippet, the test) → the test lead left on the demo page arrives in the wizard live, and its greeting
goes out through the connected channel (on the page and in the sandbox's record) → the overview. On the way the user
leaves mid-wizard (the overview, then logs out) and resumes at the same step.

Real parts throughout: the live server, a Celery worker (the e-mail, the lead's greeting), the channel sandbox over
HTTP. Screenshots of the landing, the pricing and each wizard step go to test-artifacts/onboarding-<width>-*.png.
"""


import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import Page, expect

from config.celery import app as celery_app
from dev.channel_sandbox import DEFAULT_CALCOM, DEFAULT_TWILIO
from shared_apps.onboarding.wizard import progress_for
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead
from tests.conftest import ARTIFACTS, DEVICES, log_in, on_own_thread

SID, TOKEN, SENDER = DEFAULT_TWILIO
EMAIL, PASSWORD = "olga@kofeynya.ru", "Ароматный-кофе-2026"
COMPANY, SLUG = "Кофейня «Зёрна»", "kofeynya-zerna"
TWILIO_REJECTED = ("Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                   "(или аккаунт приостановлен).")
VISITOR, VISITOR_PHONE = "Мария Котова", "+79123456789"
# The widget's shadow root is closed: open it, so that the test can look in (as test_browser_widget.py does).
OPEN_SHADOW_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();"""
GREETING_TIMEOUT = 45_000  # the worker: the outbox, the greeting written, then handed to the sandbox's Twilio


@pytest.fixture
def worker_env(site, channel_sandbox) -> dict[str, str]:
    """The worker mails into the dev mailbox with the live server's links and greets through the sandbox's Twilio,
    at any hour (a night SMS would wait for the morning), queueing what it enqueues on this test's queue."""
    return {"PLATFORM_PORT": str(site), "EMAIL_BACKEND": "dev.mailbox.backends.DevMailboxBackend",
            "DEV_MAILBOX_ENABLED": "true", "TWILIO_API_URL": f"{channel_sandbox.base_url}/twilio",
            "SMS_AT_NIGHT": "true", "CELERY_TASK_DEFAULT_QUEUE": celery_app.conf.task_default_queue}




def csp_violation(text: str) -> bool:
    return "Content Security Policy" in text


def shot(page: Page, width: int, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"onboarding-{width}-{name}.png"), full_page=True)


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def test_scenario_1_from_the_landing_to_a_live_test_lead_and_its_greeting(
        site, channel_sandbox, celery_worker_process, browser, device, settings):
    settings.DEV_MAILBOX_ENABLED = True
    width = DEVICES[device]["viewport"]["width"]
    public = f"http://localhost:{site}"
    workspace = f"http://{SLUG}.localhost:{site}/"
    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: csp_violation(message.text) and errors.append(message.text))

    # the landing and the pricing
    page.goto(public + "/pricing")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    no_sideways_scroll(page, width)
    shot(page, width, "pricing")
    page.goto(public + "/")
    no_sideways_scroll(page, width)
    shot(page, width, "landing")

    # «Попробовать бесплатно» → sign up → confirm from the dev mailbox
    page.get_by_role("main").get_by_role("link", name="Попробовать бесплатно").first.click()
    expect(page).to_have_url(public + "/signup")
    page.get_by_label("Ваше имя").fill("Ольга")
    page.get_by_label("Рабочий e-mail").fill(EMAIL)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_label("Компания").fill(COMPANY)
    page.get_by_role("button", name="Создать аккаунт").click()
    expect(page).to_have_url(public + "/email/check")
    page.goto(public + "/dev/mailbox")
    page.get_by_role("link", name="Подтвердите e-mail для Fast Lead").first.click()
    page.get_by_role("link", name="/email/confirm/").first.click()

    # 1. the company and its site (the cabinet's address stays)
    expect(page).to_have_url(workspace + "onboarding/workspace")
    expect(page.get_by_text("Шаг 1 из 6")).to_be_visible()
    expect(page.get_by_label("Название компании")).to_have_value(COMPANY)
    page.get_by_label("Домен вашего сайта").fill("kofeynya-zerna.ru")
    page.get_by_label("Ссылка на политику конфиденциальности").fill("https://kofeynya-zerna.ru/privacy")
    no_sideways_scroll(page, width)
    shot(page, width, "step1-workspace")
    page.get_by_role("button", name="Сохранить и продолжить").click()

    # 2. the widget (its fields work once the editor has loaded them)
    expect(page).to_have_url(workspace + "onboarding/widget")
    expect(page.locator("#wizard-form fieldset")).to_be_enabled()
    no_sideways_scroll(page, width)
    shot(page, width, "step2-widget")
    page.get_by_role("button", name="Сохранить и продолжить").click()
    expect(page).to_have_url(workspace + "onboarding/channel")
    expect(page.get_by_text("Шаг 3 из 6")).to_be_visible()

    # leave mid-wizard: to the overview, log out; logging in again resumes at the same step
    page.get_by_role("link", name="Продолжить позже").click()
    expect(page).to_have_url(workspace)
    page.get_by_role("button", name="Выйти").click()
    page.goto(workspace + "onboarding")
    log_in(page, EMAIL, PASSWORD)
    expect(page).to_have_url(workspace + "onboarding/channel")

    # 3. a channel: the web form is always on; Twilio refuses a wrong key in Russian, then connects
    expect(page.locator("#wizard-web-form")).to_contain_text("Всегда включена")
    expect(page.get_by_role("button", name="Дальше")).to_have_count(0)
    shot(page, width, "step3-channel")
    card = page.locator("#provider-twilio")
    card.get_by_text("Подключить", exact=True).click()
    card.get_by_label("Account SID").fill(SID)
    card.get_by_label("Auth Token").fill("0" * 32)
    card.get_by_label("Номер отправителя").fill(SENDER)
    card.get_by_role("button", name="Проверить и подключить").click()
    card = page.locator("#provider-twilio")
    expect(card.get_by_role("alert")).to_have_text(TWILIO_REJECTED)
    expect(card.get_by_role("alert")).to_be_in_viewport()
    expect(card.get_by_label("Account SID")).to_have_value(SID)  # the typed values stay, the secret does not
    expect(card.get_by_label("Auth Token")).to_have_value("")
    no_sideways_scroll(page, width)
    shot(page, width, "step3-channel-refused")
    card.get_by_label("Auth Token").fill(TOKEN)
    card.get_by_role("button", name="Проверить и подключить").click()
    expect(page.get_by_text("«SMS (Twilio)»: Подключено — провайдер проверил ключи.")).to_be_visible()
    expect(page.locator("#wizard-channels [data-provider=twilio] [data-status]")).to_have_text("Подключено")
    no_sideways_scroll(page, width)
    shot(page, width, "step3-channel-connected")
    page.get_by_role("button", name="Дальше").click()

    # 4. Cal.com through the sandbox: the key checked, an event type chosen
    expect(page).to_have_url(workspace + "onboarding/calendar")
    shot(page, width, "step4-calendar")
    page.get_by_label("API-ключ Cal.com").fill(DEFAULT_CALCOM)
    page.get_by_role("button", name="Проверить ключ").click()
    expect(page.get_by_role("group", name="Тип встречи")).to_be_visible()
    page.get_by_role("button", name="Подключить", exact=True).click()
    expect(page.get_by_text("Cal.com: Подключено")).to_be_visible()
    no_sideways_scroll(page, width)
    shot(page, width, "step4-calendar-connected")
    page.get_by_role("button", name="Дальше").click()

    # 5. the snippet
    expect(page).to_have_url(workspace + "onboarding/snippet")
    no_sideways_scroll(page, width)
    shot(page, width, "step5-snippet")
    page.get_by_role("button", name="Код вставлен, дальше").click()

    # 6. the test: the demo page in a new tab; the lead and its greeting arrive here live
    expect(page).to_have_url(workspace + "onboarding/test")
    expect(page.locator("#wizard-test-waiting")).to_be_visible()
    no_sideways_scroll(page, width)
    shot(page, width, "step6-test-waiting")
    with context.expect_page() as opened:
        page.get_by_role("link", name="Открыть демо-страницу").click()
    demo = opened.value
    demo.on("pageerror", lambda error: errors.append(str(error)))
    demo.on("console", lambda message: csp_violation(message.text) and errors.append(message.text))
    expect(demo).to_have_url(f"{public}/w/{tenant_key()}/demo")
    demo.locator("fast-lead-widget").get_by_role("button", name="Оставить заявку").click()
    dialog = demo.get_by_role("dialog")
    dialog.get_by_label("Ваше имя").fill(VISITOR)
    dialog.get_by_label("Телефон", exact=True).fill("8 (912) 345-67-89")
    dialog.get_by_role("checkbox", name="согласие на обработку").check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    expect(dialog.get_by_role("status")).to_contain_text("Спасибо")

    page.bring_to_front()
    lead = page.locator("#wizard-test-lead")
    expect(lead.locator("[data-lead-name]")).to_have_text(VISITOR)
    expect(lead.locator("[data-lead-contact]")).to_have_text("+7 912 345-67-89")
    [lead_id] = on_own_thread(lambda: leads_of_the_workspace())
    expect(lead.get_by_role("link", name="Открыть карточку лида")).to_have_attribute("href", f"/leads/{lead_id}")
    greeting = page.locator("#wizard-test-greeting")
    expect(greeting.locator("[data-status]")).to_have_text("Отправлено", timeout=GREETING_TIMEOUT)
    expect(greeting).to_contain_text("Отправлено через «SMS (Twilio)»: провайдер принял сообщение.")
    [sent] = channel_sandbox.messages("twilio")
    assert (sent["to"], sent["from"]) == (VISITOR_PHONE, SENDER)
    assert sent["text"].startswith("Здравствуйте, Мария Котова!")
    expect(greeting.locator("blockquote")).to_have_text(sent["text"])
    no_sideways_scroll(page, width)
    shot(page, width, "step6-test-arrived")

    # the end: the overview, the wizard remembered as finished
    page.get_by_role("button", name="Завершить настройку").click()
    expect(page).to_have_url(workspace)
    progress = on_own_thread(lambda: progress_for(Tenant.objects.get(slug=SLUG)))
    assert progress.completed_at is not None
    assert set(progress.done) == {"workspace", "widget", "channel", "calendar", "snippet", "test"}
    assert errors == []
    context.close()


def tenant_key() -> str:
    return on_own_thread(lambda: Tenant.objects.get(slug=SLUG).widget_publication.public_key)


def leads_of_the_workspace() -> list[int]:
    with tenant_context(Tenant.objects.get(slug=SLUG)):
        return list(Lead.objects.values_list("pk", flat=True))
