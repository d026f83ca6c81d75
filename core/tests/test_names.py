"""Names a person cannot read are refused wherever a name is typed; line breaks never reach an e-mail header.

One check (``core.validation.name_error``) serves the lead's name at the intake, a person's name (sign-up, profile,
invitation acceptance) and a company's or workspace's name (sign-up, the API, the workspace pages).
"""

import json
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from core.validation import CONTROL_CHARACTERS, INVISIBLE_NAME, name_error, one_line
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead
from tenant_apps.team import services as team_services

pytestmark = pytest.mark.django_db

SITE = "https://ulybka-dent.ru"
PASSWORD = "Крепкий-пароль-2026"

BAD_NAMES = {
    "zero-width only": ("\u200b\u200c\u2060", INVISIBLE_NAME),
    "byte order marks only": ("\ufeff\ufeff", INVISIBLE_NAME),
    "combining marks only": ("\u0301\u0308\u0327", INVISIBLE_NAME),
    "spaces and marks": ("\u3000\u0301 \u200b", INVISIBLE_NAME),
    "control characters": ("Анна\x07\x1b", CONTROL_CHARACTERS),
    "whitespace only": ("\u3000\u00a0\t\r\n", None),  # empty once on one line: the field's own «Укажите …»
}


@pytest.mark.parametrize(("name", "expected"), [
    ("Анна", None),
    ("Zoë", None),
    ("李小龙", None),
    ("Анна\u0301", None),  # a letter with a combining accent is a name
    ("👩\u200d💻 Ольга", None),  # an emoji joined with a zero-width joiner
    *[(bad, message) for bad, message in BAD_NAMES.values() if message],
])
def test_name_error(name, expected):
    assert name_error(one_line(name), 150, "Укажите имя.") == expected


def test_one_line_turns_line_breaks_and_tabs_into_single_spaces():
    assert one_line("  ООО\r\n«Ромашка»\tBcc: x@evil.ru \u2028 ") == "ООО «Ромашка» Bcc: x@evil.ru"
    assert name_error(one_line(" \r\n "), 150, "Укажите имя.") == "Укажите имя."
    assert name_error("о" * 151, 150, "Укажите имя.") == "Не длиннее 150 символов."


@dataclass(frozen=True)
class NameInput:
    host: str  # "public", "public-user" (logged in on the public host), "tenant" (the workspace's admin)
    path: str
    field: str  # the field the name goes in, and the error comes under
    form: dict
    as_json: bool = False


INPUTS = {
    "lead at the intake": NameInput("public", "/w/{key}/leads", "name", {
        "phone": "+7 916 123-45-67", "preferredChannel": "web", "consentPersonalData": True,
        "consentVersion": "{consent}", "pageUrl": SITE}, as_json=True),
    "person at sign-up (API)": NameInput("public", "/api/v1/auth/register", "name", {
        "email": "olga@romashka.ru", "password": PASSWORD, "company": "Ромашка"}, as_json=True),
    "company at sign-up (API)": NameInput("public", "/api/v1/auth/register", "company", {
        "email": "olga@romashka.ru", "password": PASSWORD, "name": "Ольга"}, as_json=True),
    "person at sign-up (page)": NameInput("public", "/signup", "name", {
        "email": "olga@romashka.ru", "password": PASSWORD, "company": "Ромашка"}),
    "company at sign-up (page)": NameInput("public", "/signup", "company", {
        "email": "olga@romashka.ru", "password": PASSWORD, "name": "Ольга"}),
    "person in the profile": NameInput("tenant", "/settings/name", "full_name", {}),
    "person accepting an invitation": NameInput("public", "/invite/{invitation}", "name", {"password": PASSWORD}),
    "workspace (API)": NameInput("tenant", "/api/v1/tenant", "name", {}, as_json=True),
    "new workspace (API)": NameInput("public-user", "/api/v1/tenants", "name", {"subdomain": "vtoroy"}, as_json=True),
    "new workspace (page)": NameInput("public-user", "/workspaces/new", "name", {"subdomain": "vtoroy",
                                                                               "timezone": "Europe/Moscow"}),
    "workspace (page)": NameInput("tenant", "/workspace", "name", {
        "description": "", "subdomain": "{slug}", "timezone": "Europe/Moscow"}),
}


@pytest.fixture
def world(make_tenant, make_user):
    owner = make_user("anna@ulybka.ru", PASSWORD, full_name="Анна")
    tenant = make_tenant(owner=owner, name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    invitation = team_services.invite(tenant, owner, "ivan@ulybka.ru", "operator")
    publication = tenant.widget_publication
    values = {"key": publication.public_key, "consent": publication.config["consent"]["version"],
              "slug": tenant.slug, "invitation": invitation.raw_token}
    return tenant, owner, values


def fill(value, values: dict):
    if not isinstance(value, str):
        return value
    for name, replacement in values.items():
        value = value.replace("{" + name + "}", str(replacement))
    return value


def stored(tenant: Tenant) -> tuple:
    tenant.refresh_from_db()
    with tenant_context(tenant):
        leads = Lead.objects.count()
    return (User.objects.count(), Tenant.objects.count(), Account.objects.count(), leads, tenant.name,
            sorted(User.objects.values_list("full_name", flat=True)))


def send(world, client_for, spec: NameInput, name: str):
    tenant, owner, values = world
    if spec.host == "tenant":
        client = client_for(tenant, owner)
    elif spec.host == "public-user":
        client = client_for(None, owner)
    else:
        client = Client(HTTP_HOST="localhost", HTTP_ORIGIN=SITE)
    path = fill(spec.path, values)
    data = {key: fill(value, values) for key, value in spec.form.items()} | {spec.field: name}
    method = "patch" if spec.path == "/api/v1/tenant" else "post"
    if spec.as_json:
        return getattr(client, method)(path, json.dumps(data), content_type="application/json")
    return getattr(client, method)(path, data)


@pytest.mark.parametrize("bad", list(BAD_NAMES))
@pytest.mark.parametrize("where", list(INPUTS))
def test_unreadable_names_are_refused_and_nothing_is_stored(world, client_for, where, bad):
    tenant, _, _ = world
    spec = INPUTS[where]
    name, message = BAD_NAMES[bad]
    before = stored(tenant)
    response = send(world, client_for, spec, name)
    assert response.status_code == 400, response.content[:300]
    if spec.as_json:
        fields = response.json()["error"]["fields"]
        assert spec.field in fields
        if message:
            assert fields[spec.field] == message
    elif message:
        assert message in response.content.decode()
    assert stored(tenant) == before


def test_a_workspace_name_with_line_breaks_is_stored_on_one_line_and_its_invitations_are_sent(
        world, client_for, send_mail_now):
    tenant, owner, _ = world
    admin = client_for(tenant, owner)
    response = admin.patch("/api/v1/tenant", json.dumps({"name": "Улыбка\r\nBcc: all@evil.ru"}),
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["name"] == "Улыбка Bcc: all@evil.ru"
    with send_mail_now():
        invited = admin.post("/api/v1/team/invitations", {"email": "olga@ulybka.ru", "role": "analyst"},
                             content_type="application/json")
    assert invited.status_code == 201
    assert mail.outbox[-1].subject == "Приглашение в «Улыбка Bcc: all@evil.ru» — Fast Lead"
    assert mail.outbox[-1].to == ["olga@ulybka.ru"]


def test_a_company_name_with_line_breaks_at_sign_up_is_stored_on_one_line(client_for):
    response = Client(HTTP_HOST="localhost").post("/api/v1/auth/register", json.dumps({
        "email": "olga@romashka.ru", "password": PASSWORD, "name": "Ольга\nПетрова", "company": "Ромашка\r\nООО"}),
        content_type="application/json")
    assert response.status_code == 201
    user = User.objects.get(email="olga@romashka.ru")
    assert user.full_name == "Ольга Петрова"
    assert Account.objects.get(owner=user).name == "Ромашка ООО"
    assert Tenant.objects.get(account__owner=user).name == "Ромашка ООО"
