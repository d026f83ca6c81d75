"""GET/PUT /api/v1/widget: Russian validation, optimistic locking, publishing in the same request."""

import copy
import json

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.accounts.services import issue_token_pair
from shared_apps.tenancy.models import Membership
from tenant_apps.widgets.models import WidgetConfig
from widget_cdn.models import PublishedConfig, WidgetPublication

pytestmark = pytest.mark.django_db

POLICY = "https://salon.example.ru/privacy"


@pytest.fixture
def workspace(make_tenant, make_user):
    admin = make_user(full_name="Анна Смирнова")
    tenant = make_tenant(name="Салон «Локон»", owner=admin)
    return tenant, admin


def get_config(client: Client) -> dict:
    response = client.get("/api/v1/widget")
    assert response.status_code == 200, response.content
    return response.json()


def put(client: Client, body: dict, **headers):
    return client.put("/api/v1/widget", data=json.dumps(body), content_type="application/json", **headers)


def editable(config: dict) -> dict:
    """What the editor sends back: the loaded config without the read-only fields, policy filled in."""
    body = {key: value for key, value in copy.deepcopy(config).items() if key not in {"updatedAt", "updatedBy"}}
    body["consent"]["privacyPolicyUrl"] = body["consent"]["privacyPolicyUrl"] or POLICY
    return body


def stored(tenant) -> WidgetConfig:
    with tenant_context(tenant):
        return WidgetConfig.objects.get()


def test_get_returns_the_whole_config_with_defaults(workspace, client_for):
    tenant, admin = workspace
    config = get_config(client_for(tenant, admin))
    assert config["version"] == 1
    assert set(config) == {"version", "updatedAt", "updatedBy", "appearance", "texts", "channels", "consent",
                           "siteDomains", "businessHours"}
    assert config["appearance"] == {"primaryColor": "#2563eb", "theme": "light", "position": "right",
                                    "buttonLabel": "Оставить заявку", "logoUrl": None, "avatarUrl": None}
    assert config["texts"]["quickReplies"] == ["Узнать цену", "Записаться", "Задать вопрос"]
    assert config["channels"] == ["web"]
    assert "152-ФЗ" in config["consent"]["personalDataText"]
    assert set(config["businessHours"]["days"]) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def test_save_increments_the_version_and_publishes_in_the_same_request(workspace, client_for):
    tenant, admin = workspace
    client = client_for(tenant, admin)
    body = editable(get_config(client))
    body["appearance"]["primaryColor"] = "#e11d48"
    body["texts"]["greeting"] = "Добрый день! Запишем вас за минуту."
    body["texts"]["quickReplies"] = ["Стрижка", "Окрашивание"]
    body["siteDomains"] = ["https://Lokon-Salon.ru/", "lokon-salon.ru"]
    body["businessHours"] = {"enabled": True, "days": {"mon": [["10:00", "14:00"], ["15:00", "21:00"]], "sun": []}}

    response = put(client, body)

    assert response.status_code == 200, response.content
    saved = response.json()
    assert saved["version"] == 2
    assert saved["updatedBy"] == "Анна Смирнова"
    assert saved["appearance"]["primaryColor"] == "#e11d48"
    assert saved["siteDomains"] == ["lokon-salon.ru"]
    assert saved["businessHours"]["days"]["mon"] == [["10:00", "14:00"], ["15:00", "21:00"]]
    assert saved["businessHours"]["days"]["tue"] == []
    assert get_config(client) == saved
    # Published at once, in the public schema: the current config and an immutable copy of version 2.
    publication = WidgetPublication.objects.get(tenant=tenant)
    assert publication.version == 2
    assert publication.config["texts"]["greeting"] == "Добрый день! Запишем вас за минуту."
    assert publication.config["texts"]["title"] == "Салон «Локон»"  # empty title → the workspace's name
    assert publication.config["appearance"]["primaryColor"] == "#e11d48"
    assert publication.config["businessHours"]["timezone"] == tenant.timezone
    version_2 = PublishedConfig.objects.get(publication=publication, version=2)
    assert version_2.config == publication.config
    assert PublishedConfig.objects.get(publication=publication, version=1).config["texts"]["greeting"] != (
        "Добрый день! Запишем вас за минуту.")
    served = client_for().get(f"/w/{publication.public_key}/config.json").json()
    assert served["version"] == 2
    assert served["texts"]["quickReplies"] == ["Стрижка", "Окрашивание"]

    body = editable(saved)
    body["texts"]["title"] = "Локон на Тверской"
    again = put(client, body)
    assert again.status_code == 200
    assert again.json()["version"] == 3
    assert WidgetPublication.objects.get(tenant=tenant).config["texts"]["title"] == "Локон на Тверской"


def _set(body: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        body = body[part]
    body[last] = value


INVALID = [
    ("appearance.primaryColor", "red", "appearance.primaryColor", "Цвет в формате #RRGGBB, например #2563eb."),
    ("appearance.primaryColor", "#12345", "appearance.primaryColor", "Цвет в формате #RRGGBB, например #2563eb."),
    ("appearance.theme", "blue", "appearance.theme", "Тема: светлая или тёмная."),
    ("appearance.position", "top", "appearance.position", "Положение: справа или слева."),
    ("appearance.buttonLabel", "  ", "appearance.buttonLabel", "Заполните это поле."),
    ("appearance.buttonLabel", "К" * 41, "appearance.buttonLabel", "Не длиннее 40 символов."),
    ("texts.title", "З" * 81, "texts.title", "Не длиннее 80 символов."),
    ("texts.greeting", "", "texts.greeting", "Заполните это поле."),
    ("texts.successMessage", "С" * 301, "texts.successMessage", "Не длиннее 300 символов."),
    ("texts.offHoursMessage", "", "texts.offHoursMessage", "Заполните это поле."),
    ("texts.quickReplies", ["1", "2", "3", "4", "5", "6", "7"], "texts.quickReplies",
     "Не больше 6 быстрых ответов."),
    ("texts.quickReplies", ["Цена", " "], "texts.quickReplies", "Каждый быстрый ответ — от 1 до 40 символов."),
    ("channels", [], "channels", "Выберите хотя бы один канал."),
    ("channels", ["web", "telegram"], "channels", "Сначала подключите канал в разделе «Каналы»: Telegram."),
    ("channels", ["web", "pigeon"], "channels", "Неизвестный способ связи: pigeon."),
    ("consent.personalDataText", "", "consent.personalDataText", "Заполните это поле."),
    ("consent.privacyPolicyUrl", "", "consent.privacyPolicyUrl",
     "Укажите ссылку на политику обработки персональных данных (https://…): её требует 152-ФЗ."),
    ("consent.privacyPolicyUrl", "javascript:alert(1)", "consent.privacyPolicyUrl",
     "Ссылка должна начинаться с https:// или http:// — например, https://romashka.ru/privacy"),
    ("consent.privacyPolicyUrl", "romashka.ru/privacy", "consent.privacyPolicyUrl",
     "Ссылка должна начинаться с https:// — например, https://romashka.ru/privacy"),
    ("businessHours.days", {"mon": [["9:00", "18:00"]]}, "businessHours", "Время в формате ЧЧ:ММ, например 09:00."),
    ("businessHours.days", {"mon": [["18:00", "09:00"]]}, "businessHours",
     "Начало рабочего дня должно быть раньше конца."),
    ("businessHours.days", {"holiday": []}, "businessHours", "Часы работы: неизвестный день недели."),
    ("siteDomains", ["not a domain!"], "siteDomains",
     "«not a domain!» не похоже на домен сайта (пример: romashka.ru)."),
]


@pytest.mark.parametrize(("path", "value", "field", "message"), INVALID,
                         ids=[f"{p}={v!r}"[:40] for p, v, *_ in INVALID])
def test_each_invalid_field_gets_its_russian_message_and_changes_nothing(workspace, client_for, path, value, field,
                                                                        message):
    tenant, admin = workspace
    client = client_for(tenant, admin)
    body = editable(get_config(client))
    body["texts"]["greeting"] = "Это изменение не должно сохраниться"
    _set(body, path, value)

    response = put(client, body)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "Проверьте выделенные поля."
    assert error["fields"][field] == message
    widget = stored(tenant)
    assert widget.version == 1
    assert widget.greeting != "Это изменение не должно сохраниться"
    assert WidgetPublication.objects.get(tenant=tenant).version == 1


def test_marketing_text_is_required_only_when_marketing_consent_is_asked(workspace, client_for):
    tenant, admin = workspace
    client = client_for(tenant, admin)
    body = editable(get_config(client))
    body["consent"]["marketingText"] = ""
    body["consent"]["marketingEnabled"] = True
    response = put(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"consent.marketingText": "Заполните это поле."}
    body["consent"]["marketingEnabled"] = False
    assert put(client, body).status_code == 200


def test_malformed_body_is_a_russian_400(workspace, client_for):
    tenant, admin = workspace
    client = client_for(tenant, admin)
    body = editable(get_config(client))
    del body["version"]
    body["appearance"]["theme"] = 5
    response = put(client, body)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["version"] == "Обязательное поле."
    assert fields["appearance.theme"] == "Ожидается строка."


def test_stale_version_is_a_409_with_the_current_config_and_changes_nothing(workspace, client_for, make_user,
                                                                             add_member):
    tenant, admin = workspace
    colleague = make_user(full_name="Борис Петров")
    add_member(colleague, tenant, Membership.Role.ADMIN)
    mine, theirs = client_for(tenant, admin), client_for(tenant, colleague)
    loaded = editable(get_config(mine))

    their_body = editable(get_config(theirs))
    their_body["appearance"]["buttonLabel"] = "Записаться"
    assert put(theirs, their_body).status_code == 200

    loaded["texts"]["greeting"] = "Моё приветствие"
    response = put(mine, loaded)

    assert response.status_code == 409
    payload = response.json()
    assert payload["error"]["code"] == "version_conflict"
    assert "Борис Петров" in payload["error"]["message"]
    current = payload["current"]
    assert current["version"] == 2
    assert current["updatedBy"] == "Борис Петров"
    assert current["appearance"]["buttonLabel"] == "Записаться"
    assert current == get_config(mine)
    widget = stored(tenant)
    assert (widget.version, widget.button_label) == (2, "Записаться")
    assert widget.greeting != "Моё приветствие"
    assert not PublishedConfig.objects.filter(publication__tenant=tenant, version=3).exists()

    # "Overwrite": the same edits with the version the 409 reported.
    loaded["version"] = current["version"]
    overwritten = put(mine, loaded)
    assert overwritten.status_code == 200
    assert overwritten.json()["version"] == 3
    assert stored(tenant).greeting == "Моё приветствие"


def test_bearer_token_of_another_admin_can_save(workspace, make_user, add_member):
    tenant, _ = workspace
    colleague = make_user(full_name="Борис Петров")
    add_member(colleague, tenant, Membership.Role.ADMIN)
    token = issue_token_pair(colleague, tenant.slug).access
    client = Client(HTTP_HOST=tenant.primary_host, HTTP_AUTHORIZATION=f"Bearer {token}")
    body = editable(get_config(client))
    body["texts"]["title"] = "Через API"
    response = put(client, body)
    assert response.status_code == 200, response.content
    assert response.json()["updatedBy"] == "Борис Петров"


def test_session_writes_need_the_csrf_header(workspace):
    tenant, admin = workspace
    client = Client(HTTP_HOST=tenant.primary_host, enforce_csrf_checks=True)
    client.force_login(admin)
    body = editable(get_config(client))
    assert put(client, body).status_code == 403
    client.get("/widget")  # the editor page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert put(client, body, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_operator_reads_but_cannot_save_and_analyst_cannot_read(workspace, client_for, make_user, add_member):
    tenant, _admin = workspace
    operator, analyst = make_user(), make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    as_operator = client_for(tenant, operator)
    body = editable(get_config(as_operator))
    response = put(as_operator, body)
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("Недостаточно прав")
    assert client_for(tenant, analyst).get("/api/v1/widget").status_code == 403
    assert stored(tenant).version == 1


def test_an_operator_gets_403_for_an_invalid_body_too(workspace, client_for, make_user, add_member):
    """Permission before validation: without the right the body is not even read."""
    tenant, _admin = workspace
    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    as_operator = client_for(tenant, operator)
    for body in ({"version": "не число"}, {}):
        response = put(as_operator, body)
        assert response.status_code == 403
        assert response.json()["error"] == {"code": "forbidden", "fields": {},
                                            "message": "Недостаточно прав: обратитесь к администратору рабочего "
                                                       "пространства."}
    assert as_operator.put("/api/v1/widget", "{not json", content_type="application/json").status_code == 403
    assert WidgetPublication.objects.get(tenant=tenant).version == 1


def test_snippet_and_install_notes(workspace, client_for):
    tenant, admin = workspace
    response = client_for(tenant, admin).get("/api/v1/widget/snippet")
    assert response.status_code == 200
    snippet = response.json()
    key = WidgetPublication.objects.get(tenant=tenant).public_key
    assert snippet["scriptUrl"].endswith(f"/w/{key}.js")
    assert snippet["html"] == f'<script async src="{snippet["scriptUrl"]}"></script>'
    assert snippet["demoUrl"].endswith(f"/w/{key}/demo")
    assert set(snippet["instructions"]) == {"html", "tilda", "wordpress", "bitrix"}
