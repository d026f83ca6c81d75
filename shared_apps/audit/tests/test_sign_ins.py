"""Sign-ins and sign-outs in the journal: on the public host for staff (no workspace), entering a workspace (the
hand-off, an API login) in that workspace; a failed password names the person whose e-mail was typed, nothing typed."""

import json

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from shared_apps.accounts.models import User
from shared_apps.accounts.tests.test_oauth import GOOGLE, http, sandbox, sign_in  # noqa: F401  (fixtures)
from shared_apps.accounts.tests.test_pages_auth import follow_handoff
from shared_apps.audit.models import AuditEntry
from shared_apps.audit.services import UNKNOWN

pytestmark = pytest.mark.django_db

PASSWORD = "Крепкий-пароль-2026"
OFFICE_IP = "198.51.100.23"


@pytest.fixture
def member(make_tenant):
    user = User.objects.create_user("anna@ulybka.ru", PASSWORD, full_name="Анна", email_confirmed_at=timezone.now())
    return user, make_tenant(owner=user, name="Улыбка")


@pytest.fixture
def public() -> Client:
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=OFFICE_IP)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_a_password_sign_in_and_the_hand_off_into_the_workspace(public, member):
    user, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host, REMOTE_ADDR=OFFICE_IP)
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)

    signed_in, entered = entries("auth.login")
    assert (signed_in.actor_id, signed_in.actor_label, signed_in.workspace_id, signed_in.account_id) == (
        user.pk, "anna@ulybka.ru", None, None)  # the platform's sign-in: staff see it
    assert (signed_in.details, signed_in.ip) == ({"via": "e-mail и пароль"}, OFFICE_IP)
    assert (entered.actor_id, entered.workspace_id, entered.workspace_label, entered.account_id) == (
        user.pk, tenant.pk, "Улыбка", tenant.account_id)  # entering the workspace: its admins see it
    assert (entered.ip, entered.details) == (OFFICE_IP, {"via": "вход в рабочее пространство"})
    assert entered.request_id  # the request's correlation id


def test_a_wrong_password_names_the_person_but_never_what_was_typed(public, member):
    user, _ = member
    assert public.post("/login", {"email": "Anna@Ulybka.ru", "password": "не-тот-пароль"}).status_code == 401
    assert public.post("/login", {"email": "nobody@ulybka.ru", "password": "чей-то-пароль"}).status_code == 401

    known, unknown = entries("auth.login_failed")
    assert (known.actor_id, known.actor_label, known.ip, known.details) == (
        user.pk, "anna@ulybka.ru", OFFICE_IP, {"via": "e-mail и пароль"})
    assert (unknown.actor_id, unknown.actor_label, unknown.workspace_id) == (None, UNKNOWN.email, None)
    stored = json.dumps([[e.actor_label, e.target, e.details] for e in (known, unknown)], ensure_ascii=False)
    assert "nobody" not in stored
    assert "пароль" not in stored.replace("e-mail и пароль", "")
    assert not entries("auth.login")


def test_sign_outs_on_the_public_host_and_on_a_workspace(public, member):
    user, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host, REMOTE_ADDR=OFFICE_IP)
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)
    tenant_client.post("/logout")
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)
    public.post("/logout")

    on_workspace, on_public = entries("auth.logout")
    assert (on_workspace.actor_id, on_workspace.workspace_id, on_workspace.ip) == (user.pk, tenant.pk, OFFICE_IP)
    assert (on_public.actor_id, on_public.workspace_id, on_public.account_id) == (user.pk, None, None)


def test_the_api_login_is_recorded_in_the_workspace_its_tokens_are_for(member, make_tenant, add_member):
    user, _ = member
    other = make_tenant(name="Филиал")
    add_member(user, other, "operator")
    api = Client(HTTP_HOST="localhost", REMOTE_ADDR=OFFICE_IP)
    response = api.post("/api/v1/auth/login", {"email": "anna@ulybka.ru", "password": PASSWORD,
                                               "tenantId": other.slug}, content_type="application/json")
    assert response.status_code == 200
    refused = api.post("/api/v1/auth/login", {"email": "anna@ulybka.ru", "password": "мимо"},
                       content_type="application/json")
    assert refused.status_code == 401
    assert api.post("/api/v1/auth/logout", {"refreshToken": response.json()["refreshToken"]},
                    content_type="application/json").status_code == 204

    [login] = entries("auth.login")
    assert (login.actor_id, login.workspace_id, login.account_id, login.details, login.ip) == (
        user.pk, other.pk, other.account_id, {"via": "API"}, OFFICE_IP)
    [failed] = entries("auth.login_failed")
    assert (failed.actor_id, failed.details) == (user.pk, {"via": "API"})
    [logout] = entries("auth.logout")
    assert (logout.actor_id, logout.details, logout.ip) == (user.pk, {"via": "API"}, OFFICE_IP)


def test_an_oauth_sign_in(sandbox, http: httpx.Client, member):  # noqa: F811
    user, _ = member
    browser = Client(HTTP_HOST="localhost", REMOTE_ADDR=OFFICE_IP)
    response = sign_in(browser, http, GOOGLE, email="anna@ulybka.ru", name="Анна")
    assert response.status_code == 302
    [entry] = entries("auth.login")
    assert (entry.actor_id, entry.workspace_id, entry.details) == (user.pk, None, {"via": "Google"})
    assert entry.ip == OFFICE_IP
