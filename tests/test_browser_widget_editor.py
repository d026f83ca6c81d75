"""Chromium: the widget editor in the cabinet — live preview of the unsaved draft, the 409 merge, uploads.

The preview is the real widget (widget_cdn/widget.js and panel.js, ``FastLeadWidget.preview``), which renders into a
closed shadow root; as in test_browser_widget.py, an init script opens every shadow root so the test can
look inside.
"""

import io
from urllib.parse import urlsplit

import httpx
import pytest
from django_tenants.utils import tenant_context
from PIL import Image
from playwright.sync_api import Page, expect

from shared_apps.accounts.services import issue_token_pair
from shared_apps.tenancy.models import Membership
from tenant_apps.widgets.services import get_widget
from tests.conftest import ARTIFACTS, log_in
from widget_cdn.models import WidgetPublication

ADMIN_EMAIL, ADMIN_PASSWORD = "anna@lokon.ru", "Локон-админ-2026"
POLICY = "https://lokon.example.ru/privacy"
OPEN_SHADOW_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();"""
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


@pytest.fixture
def workspace(site, make_user, make_tenant, add_member, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Анна Смирнова")
    tenant = make_tenant(owner=admin, name="Салон «Локон»")
    colleague = make_user(full_name="Борис Петров")
    add_member(colleague, tenant, Membership.Role.ADMIN)
    with tenant_context(tenant):
        widget = get_widget()
        widget.privacy_policy_url = POLICY
        widget.save()
    return tenant, colleague


def stored(tenant):
    with tenant_context(tenant):
        return get_widget()


def open_editor(browser, tenant, **options) -> tuple[Page, list[str]]:
    context = browser.new_context(locale="ru-RU", **({"viewport": {"width": 1360, "height": 900}} | options))
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(tenant.url + "widget")
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(tenant.url + "widget")
    expect(page.get_by_role("heading", name="Виджет", exact=True)).to_be_visible()
    return page, errors


def preview(page: Page):
    return page.locator("#widget-preview")


def as_colleague(tenant, colleague, change) -> dict:
    """Another admin saves through the API with a Bearer token, as an integration would."""
    token = issue_token_pair(colleague, tenant.slug).access
    port = urlsplit(tenant.url).port
    headers = {"Authorization": f"Bearer {token}", "Host": f"{tenant.primary_host}:{port}"}
    url = f"http://127.0.0.1:{port}/api/v1/widget"  # *.localhost resolves in browsers, not in Python
    with httpx.Client(headers=headers, timeout=10) as http:
        config = http.get(url).json()
        body = {key: value for key, value in config.items() if key not in {"updatedAt", "updatedBy"}}
        change(body)
        response = http.put(url, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_preview_shows_the_unsaved_draft_as_the_user_types(browser, workspace):
    tenant, _ = workspace
    page, errors = open_editor(browser, tenant)
    shown = preview(page)
    expect(shown.get_by_text("Здравствуйте! Оставьте контакты", exact=False)).to_be_visible()
    expect(shown.get_by_role("heading", name="Салон «Локон»")).to_be_visible()  # empty title → workspace name

    page.get_by_label("Приветствие").fill("Добрый вечер! Подберём мастера за минуту.")
    expect(shown.get_by_text("Добрый вечер! Подберём мастера за минуту.")).to_be_visible()
    page.get_by_label("Заголовок окна").fill("Локон на Тверской")
    expect(shown.get_by_role("heading", name="Локон на Тверской")).to_be_visible()
    page.get_by_label("Текст кнопки").fill("Хочу к мастеру")
    launcher = shown.get_by_role("button", name="Хочу к мастеру", exact=True)
    expect(launcher).to_be_visible()

    page.get_by_label("Основной цвет", exact=True).fill("#e11d48")
    page.wait_for_function(
        """() => {
          const host = document.querySelector('#widget-preview fast-lead-widget');
          const button = host && host.shadowRoot && host.shadowRoot.querySelector('button');
          return button && getComputedStyle(button).backgroundColor === 'rgb(225, 29, 72)';
        }"""
    )
    page.get_by_role("textbox", name="Быстрый ответ 1").fill("Стрижка")
    expect(shown.get_by_role("button", name="Стрижка")).to_be_visible()
    page.get_by_label("Тёмная").check()
    page.get_by_label("Слева").check()
    expect(page.get_by_text("Есть несохранённые изменения")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "widget-editor-preview.png"), full_page=True)

    widget = stored(tenant)  # nothing was saved by typing
    assert widget.version == 1
    assert widget.greeting.startswith("Здравствуйте!")
    assert widget.primary_color == "#2563eb"

    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("Сохранено и опубликовано (версия 2)")).to_be_visible()
    widget = stored(tenant)
    assert (widget.version, widget.greeting, widget.primary_color, widget.title, widget.theme, widget.position) == (
        2, "Добрый вечер! Подберём мастера за минуту.", "#e11d48", "Локон на Тверской", "dark", "left")
    assert widget.quick_replies[0] == "Стрижка"
    assert WidgetPublication.objects.get(tenant=tenant).config["appearance"]["primaryColor"] == "#e11d48"
    assert errors == [], errors


def test_invalid_fields_are_explained_inline_and_nothing_is_lost(browser, workspace):
    tenant, _ = workspace
    page, _ = open_editor(browser, tenant, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the editor scrolls sideways on a phone"
    page.get_by_label("Приветствие").fill("Моё новое приветствие")
    page.get_by_label("Ссылка на политику конфиденциальности").fill("")
    page.get_by_label("Основной цвет", exact=True).fill("синий")
    page.get_by_label("Домены ваших сайтов").fill("lokon.ru\nэто не домен!")
    page.get_by_role("button", name="Сохранить", exact=True).click()

    expect(page.get_by_text("Цвет в формате #RRGGBB, например #2563eb.")).to_be_visible()
    expect(page.get_by_text("Укажите ссылку на политику обработки персональных данных")).to_be_visible()
    page.get_by_label("Основной цвет", exact=True).fill("#0f766e")
    page.get_by_label("Ссылка на политику конфиденциальности").fill(POLICY)
    expect(page.get_by_text("Цвет в формате #RRGGBB")).to_be_hidden()
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("«это не домен!» не похоже на домен сайта")).to_be_visible()  # the server's check
    expect(page.get_by_label("Приветствие")).to_have_value("Моё новое приветствие")
    assert stored(tenant).version == 1
    page.screenshot(path=str(ARTIFACTS / "widget-editor-phone.png"), full_page=True)

    page.get_by_label("Домены ваших сайтов").fill("lokon.ru\nwww.lokon.ru")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("Сохранено и опубликовано")).to_be_visible()
    expect(page.get_by_label("Домены ваших сайтов")).to_have_value("lokon.ru\nwww.lokon.ru")
    assert stored(tenant).greeting == "Моё новое приветствие"


def test_conflicting_save_merges_and_keeps_the_users_edits(browser, workspace):
    tenant, colleague = workspace
    page, errors = open_editor(browser, tenant)

    # 1. Different fields: merging keeps both edits and saves at once.
    page.get_by_label("Приветствие").fill("Моё приветствие")
    as_colleague(tenant, colleague, lambda body: body["appearance"].update(buttonLabel="Записаться онлайн"))
    page.get_by_role("button", name="Сохранить", exact=True).click()
    panel = page.get_by_role("alert").filter(has_text="Настройки изменил")
    expect(panel).to_contain_text("Настройки изменил Борис Петров в")
    expect(page.get_by_role("button", name="Перезаписать своими")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "widget-editor-conflict.png"), full_page=True)
    page.get_by_role("button", name="Загрузить их и сохранить мои правки там, где нет конфликта").click()

    expect(page.get_by_text("Сохранено и опубликовано (версия 3)")).to_be_visible()
    expect(page.get_by_label("Текст кнопки")).to_have_value("Записаться онлайн")
    expect(page.get_by_label("Приветствие")).to_have_value("Моё приветствие")
    expect(preview(page).get_by_role("button", name="Записаться онлайн", exact=True)).to_be_visible()
    widget = stored(tenant)
    assert (widget.version, widget.greeting, widget.button_label) == (3, "Моё приветствие", "Записаться онлайн")

    # 2. The same field on both sides: the user's text stays (highlighted), the rest is theirs; then saved.
    page.get_by_label("Заголовок окна").fill("Мой заголовок")
    page.get_by_label("Сообщение после отправки").fill("Спасибо! Перезвоним за 5 минут.")

    def theirs(body):
        body["texts"]["title"] = "Их заголовок"
        body["texts"]["offHoursMessage"] = "Мы закрыты, но утром перезвоним."

    as_colleague(tenant, colleague, theirs)
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(panel).to_be_visible()
    page.get_by_role("button", name="Загрузить их и сохранить мои правки там, где нет конфликта").click()

    clashes = page.get_by_role("region", name="Эти поля изменили и вы, и коллега — оставлена ваша редакция")
    expect(clashes).to_contain_text("Заголовок")
    expect(clashes).to_contain_text("Ваше: Мой заголовок")
    expect(clashes).to_contain_text("У коллеги: Их заголовок")
    expect(page.get_by_label("Заголовок окна")).to_have_value("Мой заголовок")
    expect(page.get_by_label("Сообщение после отправки")).to_have_value("Спасибо! Перезвоним за 5 минут.")
    expect(page.get_by_label("Сообщение в нерабочее время")).to_have_value("Мы закрыты, но утром перезвоним.")
    assert stored(tenant).version == 4  # nothing saved over their version yet
    page.screenshot(path=str(ARTIFACTS / "widget-editor-merged.png"), full_page=True)

    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text("Сохранено и опубликовано (версия 5)")).to_be_visible()
    expect(clashes).to_be_hidden()
    widget = stored(tenant)
    assert (widget.title, widget.success_message, widget.off_hours_message, widget.greeting, widget.button_label) == (
        "Мой заголовок", "Спасибо! Перезвоним за 5 минут.", "Мы закрыты, но утром перезвоним.", "Моё приветствие",
        "Записаться онлайн")
    assert [e for e in errors if "409" not in e] == [], errors


def test_overwrite_keeps_the_users_version(browser, workspace):
    tenant, colleague = workspace
    page, _ = open_editor(browser, tenant)
    page.get_by_label("Приветствие").fill("Только моё")
    as_colleague(tenant, colleague, lambda body: body["texts"].update(greeting="Только их"))
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.get_by_role("button", name="Перезаписать своими").click()
    expect(page.get_by_text("Сохранено и опубликовано (версия 3)")).to_be_visible()
    assert stored(tenant).greeting == "Только моё"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 240), (225, 29, 72)).save(out, "PNG")
    return out.getvalue()


def test_uploads_are_validated_and_the_logo_appears(browser, workspace, tmp_path):
    tenant, _ = workspace
    page, errors = open_editor(browser, tenant)
    page.get_by_label("Приветствие").fill("Правка до загрузки")  # an unsaved edit survives the upload

    upload = page.get_by_label("Загрузить логотип")
    upload.set_input_files({"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": SVG_WITH_SCRIPT})
    expect(page.get_by_text("Загрузите изображение PNG, JPEG или WebP")).to_be_visible()
    upload.set_input_files({"name": "logo.png", "mimeType": "text/plain", "buffer": "просто текст".encode()})
    expect(page.get_by_text("Загрузите изображение PNG, JPEG или WebP")).to_be_visible()
    upload.set_input_files({"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\0" * (3 << 20)})
    expect(page.get_by_text("Файл больше 2 МБ")).to_be_visible()
    assert stored(tenant).logo == ""

    upload.set_input_files({"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes()})
    logo = page.get_by_role("img", name="Логотип", exact=True)
    expect(logo).to_be_visible()
    expect(page.get_by_text("Загрузите изображение PNG, JPEG или WebP")).to_be_hidden()
    page.wait_for_function("img => img.complete && img.naturalWidth === 400", arg=logo.element_handle())
    header_logo = preview(page).locator(".h img")  # the widget's own header shows it too
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=header_logo.element_handle())
    widget = stored(tenant)
    assert widget.version == 2
    assert widget.logo.endswith(".webp")
    expect(page.get_by_label("Приветствие")).to_have_value("Правка до загрузки")
    page.screenshot(path=str(ARTIFACTS / "widget-editor-logo.png"), full_page=True)

    page.get_by_role("button", name="Сохранить", exact=True).click()  # the upload's new version was taken up
    expect(page.get_by_text("Сохранено и опубликовано (версия 3)")).to_be_visible()
    assert stored(tenant).greeting == "Правка до загрузки"

    page.get_by_role("button", name="Удалить логотип").click()
    expect(page.get_by_text("Нет логотипа")).to_be_visible()
    assert stored(tenant).logo == ""
    assert [e for e in errors if "400" not in e] == [], errors
