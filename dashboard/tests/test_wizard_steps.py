"""The onboarding wizard's pages: resume where the workspace stopped, step 1 (company, address, site, privacy policy;
a new address continues on the new host), step 2 (colour, greeting), step 5 (the snippet), skipping, finishing,
who may use it, and the overview's call to continue."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from core.links import INSTALL_GUIDE_PATH, platform_url
from shared_apps.onboarding.models import WizardProgress
from shared_apps.onboarding.wizard import complete_step, progress_for
from shared_apps.tenancy.models import Domain, Membership, Tenant
from shared_apps.tenancy.permissions import DENIED_MESSAGE
from tenant_apps.widgets.services import get_widget

pytestmark = pytest.mark.django_db

PASSWORD = "Ромашка-кофе-2026"
POLICY = "https://romashka.ru/privacy"


@pytest.fixture
def workspace(make_tenant, make_user):
    owner = make_user("olga@romashka.ru", PASSWORD, full_name="Ольга Иванова")
    return make_tenant(owner=owner, name="Кофейня «Ромашка»")


@pytest.fixture
def admin(workspace, client_for) -> Client:
    return client_for(workspace, workspace.account.owner)


@pytest.fixture
def operator(workspace, make_user, add_member, client_for) -> Client:
    user = make_user()
    add_member(user, workspace, Membership.Role.OPERATOR)
    return client_for(workspace, user)


def step_one(workspace, **typed) -> dict:
    return {"name": "Кофейня «Ромашка»", "subdomain": workspace.slug, "site_domains": "romashka.ru",
            "privacy_policy_url": POLICY, **typed}


def saved(tenant: Tenant) -> tuple:
    fresh = Tenant.objects.get(pk=tenant.pk)
    with tenant_context(fresh):
        widget = get_widget()
        return fresh.name, fresh.slug, fresh.site_domains, widget.privacy_policy_url, widget.version


def progress(tenant: Tenant) -> WizardProgress:
    return WizardProgress.objects.get(tenant=tenant)


# --- resume, who may use it -------------------------------------------------------------------------------

def test_the_wizard_opens_at_the_step_the_workspace_stopped_at(workspace, admin):
    assert admin.get("/onboarding")["Location"] == "/onboarding/workspace"
    assert admin.get("/onboarding/snippet").status_code == 200  # looking at a step remembers it
    assert admin.get("/onboarding")["Location"] == "/onboarding/snippet"
    assert progress(workspace).current == "snippet"


def test_an_unknown_step_is_a_russian_404(admin):
    response = admin.get("/onboarding/billing")
    assert response.status_code == 404
    assert "Такого шага в мастере настройки нет." in response.content.decode()


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/onboarding"), ("get", "/onboarding/workspace"), ("post", "/onboarding/workspace"),
    ("get", "/onboarding/widget"), ("post", "/onboarding/widget"), ("get", "/onboarding/snippet"),
    ("post", "/onboarding/snippet"), ("post", "/onboarding/widget/skip"),
])
def test_only_those_who_may_edit_the_workspace_use_the_wizard(workspace, operator, method, path):
    before = saved(workspace)
    response = getattr(operator, method)(path, step_one(workspace, name="Чужое"))
    assert response.status_code == 403
    assert DENIED_MESSAGE in response.content.decode()
    assert saved(workspace) == before
    assert not WizardProgress.objects.filter(tenant=workspace, skipped__contains=["widget"]).exists()


# --- step 1: the company, the address, the site, the privacy policy ------------------------------------------

def test_step_one_asks_for_the_company_the_address_the_site_and_the_policy(workspace, admin):
    response = admin.get("/onboarding/workspace")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Добро пожаловать в Fast Lead, Ольга!" in body
    assert "Шаг 1 из 6" in body
    assert re.search(r'<form method="post" id="wizard-form"[^>]*novalidate', body)
    assert 'value="Кофейня «Ромашка»"' in body
    assert f'name="subdomain" id="id_subdomain" value="{workspace.slug}"' in body
    assert 'hx-get="/workspace/subdomain-check"' in body  # the settings page's live availability check
    assert 'name="site_domains"' in body
    assert 'name="privacy_policy_url"' in body
    assert "Этот сайт не&nbsp;подключён к&nbsp;виджету" in body  # says why the domain matters
    assert 'id="wizard-skip"' not in body  # the one step that cannot be skipped
    assert admin.post("/onboarding/workspace/skip").status_code == 400
    assert progress(workspace).skipped == []


def test_step_one_saves_everything_publishes_and_goes_on(workspace, admin):
    response = admin.post("/onboarding/workspace", step_one(
        workspace, name="  Кофейня на Ленина ", site_domains="https://Romashka.ru/\nwww.romashka-cafe.ru",
        privacy_policy_url=f"  {POLICY} "))
    assert response.status_code == 302
    assert response["Location"] == "/onboarding/widget"
    assert saved(workspace) == ("Кофейня на Ленина", workspace.slug, ["romashka.ru", "www.romashka-cafe.ru"], POLICY, 2)
    workspace.widget_publication.refresh_from_db()
    assert workspace.widget_publication.config["consent"]["privacyPolicyUrl"] == POLICY  # live at once
    assert (progress(workspace).done, progress(workspace).current) == (["workspace"], "widget")

    body = admin.get("/onboarding/workspace").content.decode()  # coming back shows what was saved
    assert "romashka.ru\nwww.romashka-cafe.ru</textarea>" in body
    assert f'value="{POLICY}"' in body
    assert "Добро пожаловать" not in body


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"name": ""}, "name", "Укажите название рабочего пространства."),
    ({"name": "Н" * 201}, "name", "Не длиннее 200 символов."),
    ({"subdomain": ""}, "subdomain", "Укажите адрес кабинета."),
    ({"subdomain": "Моя кофейня"}, "subdomain", "Адрес должен быть от 3 до 40 символов"),
    ({"subdomain": "www"}, "subdomain", "Этот адрес зарезервирован, выберите другой."),
    ({"site_domains": ""}, "site_domains", "Укажите домен сайта, на котором будет виджет (пример: romashka.ru)."),
    ({"site_domains": "моя кофейня"}, "site_domains", "«моя кофейня» не похоже на домен сайта (пример: romashka.ru)."),
    ({"site_domains": "romashka.ru\n" * 1000}, "site_domains", "Не длиннее 5000 символов."),
    ({"privacy_policy_url": ""}, "privacy_policy_url",
     "Укажите ссылку на политику обработки персональных данных (https://…): её требует 152-ФЗ."),
    ({"privacy_policy_url": "romashka.ru/privacy"}, "privacy_policy_url",
     "Ссылка должна начинаться с https:// — например, https://romashka.ru/privacy"),
    ({"privacy_policy_url": "ftp://romashka.ru/privacy"}, "privacy_policy_url",
     "Ссылка должна начинаться с https:// или http:// — например, https://romashka.ru/privacy"),
    ({"privacy_policy_url": "https://romashka.ru/" + "p" * 500}, "privacy_policy_url", "Не длиннее 500 символов."),
])
def test_bad_step_one_input_is_explained_in_russian_kept_and_nothing_saved(workspace, admin, typed, field, message):
    before = saved(workspace)
    response = admin.post("/onboarding/workspace", {**step_one(workspace, name="Новое имя"), **typed})
    assert response.status_code == 400
    body = response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert "Не сохранено: проверьте выделенные поля." in body
    error_id = "subdomain-check" if field == "subdomain" else f"id_{field}-error"
    assert re.search(rf'<p id="{error_id}" class="field-error">{re.escape(message)}', body)
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body, re.S)
    value = next(iter(typed.values()))
    if value and len(value) < 100:
        assert value.replace("«", "&laquo;") in body or value in body  # what was typed stays
    assert saved(workspace) == before  # nothing, not even the valid new name
    assert "workspace" not in progress(workspace).done


def test_every_problem_of_step_one_is_named_at_once(workspace, admin):
    response = admin.post("/onboarding/workspace", {"name": "", "subdomain": "", "site_domains": "моя кофейня",
                                                    "privacy_policy_url": ""})
    assert response.status_code == 400
    body = response.content.decode()
    for field in ("name", "subdomain", "site_domains", "privacy_policy_url"):
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body, re.S), field


def test_a_taken_address_saves_nothing_else_either(workspace, admin, make_tenant):
    make_tenant(slug="kofeynya")
    before = saved(workspace)
    response = admin.post("/onboarding/workspace", step_one(workspace, name="Новое имя", subdomain="kofeynya"))
    assert response.status_code == 400
    assert "Этот адрес уже занят, выберите другой." in response.content.decode()
    assert saved(workspace) == before
    assert Domain.objects.get(tenant=workspace, is_primary=True).domain == workspace.primary_host


def test_a_new_address_moves_the_workspace_and_the_wizard_continues_on_the_new_host(workspace):
    public, cabinet = Client(HTTP_HOST="localhost"), Client(HTTP_HOST=workspace.primary_host)
    handoff = urlsplit(public.post("/login", {"email": "olga@romashka.ru", "password": PASSWORD})["Location"])
    cabinet.get(f"{handoff.path}?{handoff.query}")

    response = cabinet.post("/onboarding/workspace", step_one(workspace, subdomain="kofeynya-lenina"))
    assert response.status_code == 302
    moved = Tenant.objects.get(pk=workspace.pk)
    assert response["Location"] == moved.url + "onboarding/widget"
    assert urlsplit(response["Location"]).hostname == "kofeynya-lenina.localhost"
    assert moved.slug == "kofeynya-lenina"
    assert Domain.objects.get(tenant=moved, is_primary=True).domain == "kofeynya-lenina.localhost"
    assert progress(moved).done == ["workspace"]

    # The new host has no login yet: it asks the public host, which hands the login over, back to the step.
    new_cabinet = Client(HTTP_HOST="kofeynya-lenina.localhost")
    asked = new_cabinet.get("/onboarding/widget")
    assert asked.status_code == 302
    to_public = urlsplit(new_cabinet.get(asked["Location"])["Location"])
    assert (to_public.hostname, to_public.path) == ("localhost", "/login")
    login = public.get(f"{to_public.path}?{to_public.query}")  # logged in there already: handed over at once
    handoff = urlsplit(login["Location"])
    assert (handoff.hostname, handoff.path) == ("kofeynya-lenina.localhost", "/auth/handoff")
    landed = new_cabinet.get(f"{handoff.path}?{handoff.query}")
    assert landed["Location"] == "/onboarding/widget"
    assert new_cabinet.get("/onboarding/widget").status_code == 200


# --- step 2: the widget's colour, greeting and logo ---------------------------------------------------------

def ready(workspace, admin) -> None:
    assert admin.post("/onboarding/workspace", step_one(workspace)).status_code == 302


def boot_data(body: str) -> dict:
    return json.loads(re.search(r'<script id="widget-editor-data" type="application/json">(.*?)</script>', body,
                                re.S).group(1))


def test_step_two_shows_the_colour_the_greeting_the_logo_and_the_live_preview(workspace, admin):
    ready(workspace, admin)
    response = admin.get("/onboarding/widget")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Шаг 2 из 6" in body
    assert 'x-data="widgetEditor"' in body
    assert 'id="widget-preview"' in body  # the editor's live preview
    assert '/static/dashboard/widget_editor.js' in body
    assert '/static/widget_cdn/widget.js' in body
    assert re.search(r'id="wf-primaryColor"[^>]*name="primary_color"', body)
    assert re.search(r'id="wf-textsgreeting"[^>]*name="greeting"', body)
    assert "Загрузить логотип" in body
    assert boot_data(body)["config"]["consent"]["privacyPolicyUrl"] == POLICY
    assert 'id="wizard-skip"' in body


def test_step_two_saves_publishes_and_goes_on(workspace, admin):
    ready(workspace, admin)
    response = admin.post("/onboarding/widget", {"primary_color": "#0F766E", "greeting": "Здравствуйте! Чем помочь?"})
    assert response.status_code == 302
    assert response["Location"] == "/onboarding/channel"
    with tenant_context(workspace):
        widget = get_widget()
        assert (widget.primary_color, widget.greeting, widget.version) == ("#0F766E", "Здравствуйте! Чем помочь?", 3)
        assert widget.privacy_policy_url == POLICY  # the rest of the widget stays
    workspace.widget_publication.refresh_from_db()
    assert workspace.widget_publication.config["appearance"]["primaryColor"] == "#0F766E"
    assert workspace.widget_publication.config["texts"]["greeting"] == "Здравствуйте! Чем помочь?"
    assert progress(workspace).done == ["workspace", "widget"]


@pytest.mark.parametrize(("typed", "key", "message"), [
    ({"primary_color": "синий"}, "appearance.primaryColor", "Цвет в формате #RRGGBB, например #2563eb."),
    ({"greeting": "  "}, "texts.greeting", "Заполните это поле."),
    ({"greeting": "П" * 301}, "texts.greeting", "Не длиннее 300 символов."),
])
def test_bad_step_two_input_is_explained_in_russian_kept_and_nothing_saved(workspace, admin, typed, key, message):
    ready(workspace, admin)
    before = saved(workspace)
    sent = {"primary_color": "#0f766e", "greeting": "Здравствуйте!", **typed}
    response = admin.post("/onboarding/widget", sent)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Не сохранено: проверьте выделенные поля." in body
    assert message in body  # under the field before any script runs …
    data = boot_data(body)
    assert data["errors"] == {key: message}  # … and in the editor component's state
    assert data["draft"]["appearance"]["primaryColor"] == sent["primary_color"]  # what was typed stays
    assert data["draft"]["texts"]["greeting"] == sent["greeting"]
    assert saved(workspace) == before
    assert "widget" not in progress(workspace).done


def test_step_two_names_a_problem_elsewhere_in_the_widget(workspace, admin):
    # Step 1 not done: the widget has no privacy policy yet, so no save of it can publish.
    response = admin.post("/onboarding/widget", {"primary_color": "#0f766e", "greeting": "Здравствуйте!"})
    assert response.status_code == 400
    assert "В настройках виджета есть ошибка: Укажите ссылку на политику" in response.content.decode()


# --- step 5: the snippet ------------------------------------------------------------------------------------

def test_step_five_shows_the_snippet_the_copy_button_and_the_install_guides(workspace, admin):
    response = admin.get("/onboarding/snippet")
    assert response.status_code == 200
    body = response.content.decode()
    key = workspace.widget_publication.public_key
    assert f"/w/{key}.js&quot;&gt;&lt;/script&gt;</textarea>" in body
    assert 'x-data="snippetBox"' in body
    assert "/static/dashboard/snippet.js" in body
    assert "Скопировать код" in body
    for tab in ("HTML", "Tilda", "WordPress", "1С-Битрикс"):
        assert f">{tab}</button>" in body
    for panel in ("html", "tilda", "wordpress", "bitrix"):  # real steps to follow, not one line
        steps = re.search(rf'id="install-panel-{panel}".*?<ol[^>]*>(.*?)</ol>', body, re.S)
        assert steps, panel
        assert steps.group(1).count("<li>") >= 3, panel
    assert "«Настройки сайта» → «Ещё» → «HTML-код для вставки внутрь HEAD»" in body
    assert "«Внешний вид» → «Редактор тем» → footer.php" in body
    assert "«Настройки» → «Настройки продукта» → «Сайты» → «Шаблоны сайтов»" in body
    assert f'href="{platform_url(INSTALL_GUIDE_PATH)}"' in body
    assert "Подробная инструкция по&nbsp;установке" in body
    assert "onclick" not in body
    assert "<script>" not in body
    response = admin.post("/onboarding/snippet")
    assert response["Location"] == "/onboarding/test"
    assert progress(workspace).done == ["snippet"]


def test_the_widget_page_uses_the_same_snippet_block(admin):
    body = admin.get("/widget").content.decode()
    assert 'x-data="snippetBox"' in body
    assert 'id="snippet"' in body
    assert "1С-Битрикс</button>" in body


# --- skipping, finishing, coming back -----------------------------------------------------------------------

def test_skipping_goes_on_and_the_last_step_finishes_with_a_message(workspace, admin):
    ready(workspace, admin)
    for step, following in [("widget", "/onboarding/channel"), ("channel", "/onboarding/calendar"),
                            ("calendar", "/onboarding/snippet"), ("snippet", "/onboarding/test")]:
        assert admin.post(f"/onboarding/{step}/skip")["Location"] == following
    assert progress(workspace).completed_at is None
    assert admin.post("/onboarding/test/skip")["Location"] == "/"
    state = progress(workspace)
    assert state.completed_at is not None
    assert state.skipped == ["widget", "channel", "calendar", "snippet", "test"]
    body = admin.get("/").content.decode()
    assert "Настройка завершена: виджет готов принимать заявки." in body
    assert 'id="overview-wizard"' not in body

    # Coming back after the end still works, and changes things.
    assert admin.get("/onboarding/widget").status_code == 200
    assert admin.post("/onboarding/widget", {"primary_color": "#123456", "greeting": "Привет!"}).status_code == 302
    assert progress(workspace).completed_at == state.completed_at
    assert "widget" in progress(workspace).done
    assert "widget" not in progress(workspace).skipped


# --- the overview -------------------------------------------------------------------------------------------

def test_the_overview_calls_to_continue_the_setup_until_it_is_finished(workspace, admin, operator):
    body = admin.get("/").content.decode()
    assert 'href="/onboarding" class="btn btn-primary flex-none">Продолжить настройку</a>' in body
    assert "на&nbsp;шаге 1 из&nbsp;6" in body
    assert "«Компания и сайт»" in body
    assert 'id="overview-wizard"' not in operator.get("/").content.decode()  # not theirs to do

    complete_step(workspace, "workspace")
    complete_step(workspace, "widget")
    assert "на&nbsp;шаге 3 из&nbsp;6&nbsp;— «Канал связи»" in admin.get("/").content.decode()

    state = progress_for(workspace)
    for step in ("channel", "calendar", "snippet", "test"):
        state = complete_step(workspace, step)
    assert state.completed_at is not None
    assert "Продолжить настройку" not in admin.get("/").content.decode()
