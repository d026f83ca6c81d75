"""Bad input never reaches a view: NUL bytes, lone surrogates, deep JSON and huge bodies are answered by the
request guard — 400 (413 for a body over the limit) in the address's own content type: the JSON envelope under
/api/ and /w/ (the widget's with CORS), a Russian page elsewhere — and nothing is stored.
"""

import json
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Invitation, Tenant
from tenant_apps.leads.models import Lead
from tenant_apps.team import services as team_services

pytestmark = pytest.mark.django_db

SITE = "https://ulybka-dent.ru"
PASSWORD = "Крепкий-пароль-2026"
HOLE = '"@@"'  # where a case puts its raw JSON value

INVALID_CHARACTERS = "Запрос содержит недопустимые символы."
TOO_DEEP = "Слишком глубокая вложенность данных."
TOO_LARGE = "Запрос слишком большой."

# The raw JSON values of each class (JSON escapes: the body itself is plain ASCII).
JSON_VALUES = {
    "nul": ('"Анна\\u0000"', 400, "invalid_characters", INVALID_CHARACTERS),
    "surrogate": ('"Анна\\ud800"', 400, "invalid_characters", INVALID_CHARACTERS),
    "deep": ("[" * 5000 + "]" * 5000, 400, "too_deep", TOO_DEEP),
}


@dataclass(frozen=True)
class Endpoint:
    host: str  # "public" or "tenant" (the workspace's admin is logged in)
    method: str
    path: str
    body: dict


def widget_config_body() -> dict:
    return {
        "version": 1,
        "appearance": {"primaryColor": "#0f766e", "theme": "light", "position": "left", "buttonLabel": "Записаться"},
        "texts": {"title": "", "greeting": "@@", "quickReplies": [], "successMessage": "Спасибо!",
                  "offHoursMessage": "Перезвоним утром."},
        "channels": ["web"],
        "consent": {"personalDataText": "Согласен.", "privacyPolicyUrl": "https://example.ru/privacy",
                    "marketingEnabled": False, "marketingText": ""},
        "siteDomains": ["ulybka-dent.ru"],
        "businessHours": {"enabled": False, "days": {}},
    }


JSON_ENDPOINTS = {
    "intake": Endpoint("public", "POST", "/w/{key}/leads", {
        "name": "@@", "phone": "+7 916 123-45-67", "preferredChannel": "web", "consentPersonalData": True,
        "consentVersion": "{consent}", "pageUrl": SITE}),
    "register": Endpoint("public", "POST", "/api/v1/auth/register", {
        "email": "new@romashka.ru", "password": PASSWORD, "name": "@@", "company": "Ромашка"}),
    "login": Endpoint("public", "POST", "/api/v1/auth/login", {"email": "anna@ulybka.ru", "password": "@@"}),
    "yookassa webhook": Endpoint("public", "POST", "/api/v1/billing/webhooks/yookassa", {
        "type": "notification", "event": "payment.succeeded", "object": {"id": "@@"}}),
    "tinkoff webhook": Endpoint("public", "POST", "/api/v1/billing/webhooks/tinkoff", {
        "TerminalKey": "1234567890DEMO", "OrderId": "@@", "Success": True, "Status": "CONFIRMED",
        "PaymentId": 1, "Amount": 100, "Token": "x"}),
    "widget config": Endpoint("tenant", "PUT", "/api/v1/widget", widget_config_body()),
    "workspace": Endpoint("tenant", "PATCH", "/api/v1/tenant", {"name": "@@"}),
    "invitation": Endpoint("tenant", "POST", "/api/v1/team/invitations", {"email": "@@", "role": "operator"}),
}

FORM_ENDPOINTS = {
    "sign-up page": Endpoint("public", "POST", "/signup", {
        "name": "@@", "email": "olga@romashka.ru", "company": "Ромашка", "password": PASSWORD}),
    "login page": Endpoint("public", "POST", "/login", {"email": "anna@ulybka.ru", "password": "@@"}),
    "password reset page": Endpoint("public", "POST", "/password/reset", {"email": "anna@ulybka.ru@@"}),
    "profile name page": Endpoint("tenant", "POST", "/settings/name", {"full_name": "@@"}),
    "workspace page": Endpoint("tenant", "POST", "/workspace", {"name": "@@", "description": "",
                                                                "subdomain": "{slug}", "timezone": "Europe/Moscow"}),
}

# Addresses with a NUL in the path or the query: (host, path, kind of answer).
NUL_ADDRESSES = [
    ("public", "/w/%00/config.json", "widget"),
    ("public", "/w/%00.js", "script"),
    ("public", "/w/{key}/config.json?v=%00", "widget"),
    ("public", "/invite/%00", "page"),
    ("public", "/login?next=/%00", "page"),
    ("public", "/api/v1/tenants/availability?subdomain=a%00b", "api"),
    ("tenant", "/api/v1/leads/%00", "api"),
    ("tenant", "/api/v1/leads?status=new%00", "api"),
    ("tenant", "/leads?channel=%00", "page"),
]


@pytest.fixture
def world(make_tenant, make_user):
    owner = make_user("anna@ulybka.ru", PASSWORD, full_name="Анна")
    tenant = make_tenant(owner=owner, name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    publication = tenant.widget_publication
    values = {"key": publication.public_key, "consent": publication.config["consent"]["version"],
              "slug": tenant.slug}
    return tenant, owner, values


def client(world, host: str, client_for) -> Client:
    tenant, owner, _ = world
    made = client_for(tenant, owner) if host == "tenant" else Client(HTTP_HOST="localhost")
    made.defaults.update(HTTP_ORIGIN=SITE, REMOTE_ADDR="127.0.0.1")
    return made


def stored(tenant: Tenant) -> tuple:
    """What a request could have written: people, workspaces, invitations, leads, the workspace's own fields."""
    tenant.refresh_from_db()
    with tenant_context(tenant):
        leads = Lead.objects.count()
    return (User.objects.count(), Tenant.objects.count(), Invitation.objects.count(), leads, tenant.name,
            sorted(User.objects.values_list("full_name", flat=True)))


def fill(text: str, values: dict) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def assert_refused(response, kind: str, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.content[:300]
    if kind == "page":
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode()
        return
    if kind == "script":
        assert response["Content-Type"].startswith("application/javascript")
        assert response["Access-Control-Allow-Origin"] == "*"
        return
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {"code": code, "message": message, "fields": {}}}
    if kind == "widget":
        assert response["Access-Control-Allow-Origin"] == "*"


def kind_of(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    return "widget" if path.startswith("/w/") else "page"


@pytest.mark.parametrize("value_class", list(JSON_VALUES))
@pytest.mark.parametrize("name", list(JSON_ENDPOINTS))
def test_bad_json_is_refused_before_any_view(world, client_for, name, value_class):
    tenant, _, values = world
    endpoint = JSON_ENDPOINTS[name]
    raw, status, code, message = JSON_VALUES[value_class]
    body = fill(json.dumps(endpoint.body, ensure_ascii=False), values).replace(HOLE, raw)
    before = stored(tenant)
    response = client(world, endpoint.host, client_for).generic(
        endpoint.method, fill(endpoint.path, values), body.encode(), content_type="application/json")
    assert_refused(response, kind_of(endpoint.path), status, code, message)
    assert stored(tenant) == before


@pytest.mark.parametrize("name", list(FORM_ENDPOINTS))
def test_nul_in_a_form_field_is_refused(world, client_for, name):
    tenant, _, values = world
    endpoint = FORM_ENDPOINTS[name]
    form = {field: fill(value, values).replace("@@", "Анна\x00") for field, value in endpoint.body.items()}
    before = stored(tenant)
    response = client(world, endpoint.host, client_for).post(endpoint.path, form)
    assert_refused(response, "page", 400, "invalid_characters", INVALID_CHARACTERS)
    assert stored(tenant) == before


@pytest.mark.parametrize(("host", "path", "kind"), NUL_ADDRESSES)
def test_nul_in_the_path_or_query_is_refused(world, client_for, host, path, kind):
    tenant, _, values = world
    before = stored(tenant)
    response = client(world, host, client_for).get(fill(path, values))
    assert_refused(response, kind, 400, "invalid_characters", INVALID_CHARACTERS)
    assert stored(tenant) == before


@pytest.mark.parametrize("name", ["login", "register", "tinkoff webhook"])
def test_a_raw_nul_byte_or_broken_utf8_in_a_json_body_is_refused(world, client_for, name):
    _, _, values = world
    endpoint = JSON_ENDPOINTS[name]
    template = fill(json.dumps(endpoint.body, ensure_ascii=False), values).encode()
    for raw in (b'"\x00"', b'"\xed\xa0\x80"', b'"\xff"'):  # NUL, an encoded surrogate, not UTF-8 at all
        response = client(world, endpoint.host, client_for).generic(
            endpoint.method, endpoint.path, template.replace(HOLE.encode(), raw), content_type="application/json")
        assert_refused(response, "api", 400, "invalid_characters", INVALID_CHARACTERS)
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", ["intake", "yookassa webhook", "tinkoff webhook"])
def test_a_byte_order_mark_hides_nothing(world, client_for, name):
    """json.loads drops a UTF-8 byte order mark before parsing bytes: the guard reads the body the same way."""
    _, _, values = world
    endpoint = JSON_ENDPOINTS[name]
    for raw, code, message in (("[" * 5000 + "]" * 5000, "too_deep", TOO_DEEP),
                               ('"\\ud800"', "invalid_characters", INVALID_CHARACTERS)):
        body = fill(json.dumps(endpoint.body), values).replace(HOLE, raw)
        response = client(world, endpoint.host, client_for).post(fill(endpoint.path, values),
                                                                 "\ufeff".encode() + body.encode(),
                                                                 content_type="application/json")
        assert_refused(response, kind_of(endpoint.path), 400, code, message)


def test_json_sent_as_text_plain_is_checked_too(world, client_for):
    """A page can post to the intake without a CORS preflight by calling its JSON text/plain."""
    tenant, _, values = world
    body = fill(json.dumps(JSON_ENDPOINTS["intake"].body), values).replace(HOLE, '"\\ud800"')
    response = client(world, "public", client_for).post(f"/w/{values['key']}/leads", body, content_type="text/plain")
    assert_refused(response, "widget", 400, "invalid_characters", INVALID_CHARACTERS)
    with tenant_context(tenant):
        assert not Lead.objects.exists()


def test_nul_in_a_header_that_gets_stored_is_refused(world):
    """The intake keeps the visitor's User-Agent as consent evidence."""
    tenant, _, values = world
    body = fill(json.dumps(JSON_ENDPOINTS["intake"].body), values).replace(HOLE, '"Анна"')
    response = Client(HTTP_HOST="localhost").post(f"/w/{values['key']}/leads", body, content_type="application/json",
                                                  headers={"Origin": SITE, "User-Agent": "Bot\x00/1.0"})
    assert_refused(response, "widget", 400, "invalid_characters", INVALID_CHARACTERS)
    with tenant_context(tenant):
        assert not Lead.objects.exists()


def test_nul_in_a_form_body_of_any_method_is_refused(world, client_for):
    tenant, owner, _ = world
    response = client_for(tenant, owner).patch("/api/v1/tenant", "name=%00", "application/x-www-form-urlencoded")
    assert_refused(response, "api", 400, "invalid_characters", INVALID_CHARACTERS)


@pytest.mark.parametrize(("host", "path", "kind"), [
    ("public", "/login", "page"),
    ("tenant", "/settings/avatar", "page"),
    ("tenant", "/api/v1/widget/avatar", "api"),
])
def test_a_multipart_body_that_cannot_be_read_is_a_400(world, client_for, host, path, kind):
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=\x01"):  # no boundary, a broken one
        response = client(world, host, client_for).post(path, b"--x\r\n garbage", content_type=content_type)
        assert_refused(response, kind, 400, "bad_request", "Не удалось прочитать запрос.")


@pytest.mark.parametrize(("host", "path", "kind"), [
    ("public", "/api/v1/auth/login", "api"),
    ("public", "/login", "page"),
    ("tenant", "/api/v1/widget", "api"),
    ("public", "/w/{key}/leads", "widget"),
])
def test_a_body_over_the_limit_is_refused_unread(world, client_for, settings, host, path, kind):
    tenant, _, values = world
    huge = json.dumps({"email": "a@b.ru", "password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    before = stored(tenant)
    response = client(world, host, client_for).post(fill(path, values), huge, content_type="application/json")
    assert_refused(response, kind, 413, "payload_too_large", TOO_LARGE)
    assert stored(tenant) == before


def test_an_upload_of_a_few_megabytes_still_reaches_its_view(world, client_for, settings):
    """Multipart is allowed more than JSON: a 3 MB avatar gets the upload's own message, not the guard's."""
    tenant, owner, _ = world
    photo = b"\x89PNG\r\n\x1a\n" + b"\x01" * (3 * 1024 * 1024)
    response = client_for(tenant, owner).post("/settings/avatar",
                                              {"avatar": SimpleUploadedFile("me.png", photo, "image/png")})
    assert response.status_code == 400
    assert "Файл больше 2 МБ" in response.content.decode()
    assert len(photo) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.parametrize(("path", "kind"), [("/api/v1/widget/logo", "api"), ("/settings/avatar", "page")])
def test_a_multipart_type_without_a_boundary_is_refused_even_with_no_body(world, client_for, path, kind):
    """Found by schemathesis: Django cannot parse ``multipart/form-data`` without a boundary, body or not."""
    tenant, owner, _ = world
    # The test client leaves the type of an empty body out unless it is given as a header.
    response = client_for(tenant, owner).generic("POST", path, b"", CONTENT_TYPE="multipart/form-data")
    assert_refused(response, kind, 400, "bad_request", "Не удалось прочитать запрос.")


@pytest.mark.parametrize(("host", "path", "status"), [
    ("tenant", "/api/v1/leads?limit=99999999999999999999", 400),
    ("tenant", "/api/v1/leads?limit=9223372036854775807", 400),
    ("tenant", "/api/v1/billing/invoices?page=99999999999999999999", 400),
    ("tenant", "/api/v1/leads/99999999999999999999", 404),
    ("tenant", "/leads?page=99999999999999999999", 200),  # the list page shows its last page
    ("tenant", "/leads/99999999999999999999", 404),
])
def test_huge_numbers_in_the_address_are_refused_or_clamped(world, client_for, host, path, status):
    response = client(world, host, client_for).get(path)
    assert response.status_code == status, response.content[:300]
    if path.startswith("/api/") and status == 400:
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert list(error["fields"].values()) == ["Значение слишком большое."]


def test_huge_ids_in_write_routes_are_not_found(world, client_for):
    response = client(world, "tenant", client_for).patch("/api/v1/team/99999999999999999999", {"role": "analyst"},
                                                         content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Участник не найден."


# Every page form with valid values: each field in turn gets 3000 characters, more than any column holds.
FORMS = {
    "/signup": ("public", {"name": "Ольга", "email": "olga@romashka.ru", "company": "Ромашка", "password": PASSWORD}),
    "/login": ("public", {"email": "anna@ulybka.ru", "password": PASSWORD}),
    "/password/reset": ("public", {"email": "anna@ulybka.ru"}),
    "/invite/{invitation}": ("public", {"name": "Иван", "password": PASSWORD}),
    "/workspaces/new": ("public-user", {"name": "Второй", "subdomain": "vtoroy", "timezone": "Europe/Moscow"}),
    "/settings/name": ("tenant", {"full_name": "Анна"}),
    "/settings/email": ("tenant", {"email": "new@ulybka.ru"}),
    "/settings/password": ("tenant", {"old_password": PASSWORD, "password": "Новый-пароль-2026"}),
    "/team/invite": ("tenant", {"email": "ivan@ulybka.ru", "role": "operator"}),
    "/workspace": ("tenant", {"name": "Улыбка", "description": "", "subdomain": "{slug}", "timezone": "Europe/Moscow",
                              "site_domains": "ulybka-dent.ru"}),
    "/onboarding/workspace": ("tenant", {"name": "Улыбка", "subdomain": "{slug}", "site_domains": "ulybka-dent.ru",
                                         "privacy_policy_url": "https://ulybka-dent.ru/p"}),
    "/onboarding/widget": ("tenant", {"primary_color": "#0f766e", "greeting": "Здравствуйте!"}),
    "/billing/requisites": ("tenant", {"legal_name": "ООО «Улыбка»", "inn": "7707083893", "kpp": "770701001",
                                       "legal_address": "г. Москва"}),
    "/billing/pay": ("tenant", {"plan": "pro", "provider": "yookassa"}),
    "/billing/invoice": ("tenant", {"plan": "pro"}),
}
LONG_FIELDS = [(path, field) for path, (_, form) in FORMS.items() for field in form]


@pytest.mark.parametrize(("path", "field"), LONG_FIELDS, ids=[f"{path} {field}" for path, field in LONG_FIELDS])
def test_an_over_long_field_on_any_page_form_is_refused(world, client_for, path, field):
    tenant, owner, values = world
    values = {**values, "invitation": team_services.invite(tenant, owner, "ivan@ulybka.ru", "analyst").raw_token}
    host, form = FORMS[path]
    sent = {name: fill(value, values) for name, value in form.items()} | {field: "о" * 3000}
    before = stored(tenant)
    if host == "tenant":
        response = client_for(tenant, owner).post(path, sent)
    else:
        response = (client_for(None, owner) if host == "public-user" else Client(HTTP_HOST="localhost")).post(
            fill(path, values), sent)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert stored(tenant) == before
