"""Sign-up and sign-in with Google and Yandex ID, end to end through the real HTTP sandbox.

Django's test client plays the browser on the public host; httpx plays the person on the
provider's consent page; social-auth exchanges the code and reads the profile over real HTTP.
"""

import logging
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import timezone
from social_django.models import UserSocialAuth

from dev.oauth_sandbox import start_sandbox, stop_sandbox
from shared_apps.accounts.models import Account, User
from shared_apps.accounts.oauth import company_for
from shared_apps.tenancy.models import Membership, Tenant

pytestmark = pytest.mark.django_db

GOOGLE, YANDEX = "google-oauth2", "yandex-oauth2"


@pytest.fixture
def sandbox(settings):
    clients = {
        "google": (settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY, settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET),
        "yandex": (settings.SOCIAL_AUTH_YANDEX_OAUTH2_KEY, settings.SOCIAL_AUTH_YANDEX_OAUTH2_SECRET),
    }
    server, base_url = start_sandbox(port=0, clients=clients)
    settings.GOOGLE_OAUTH_BASE_URL = f"{base_url}/google"
    settings.YANDEX_OAUTH_BASE_URL = f"{base_url}/yandex"
    yield base_url
    stop_sandbox(server)


@pytest.fixture
def http():
    with httpx.Client(trust_env=False, timeout=10) as client:
        yield client


@pytest.fixture
def browser_client(client_for) -> Client:
    return client_for()  # the public host, not logged in


class _Form(HTMLParser):
    """The consent page's form as a browser would submit it (checked boxes only)."""

    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields = "", {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action", "")
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") == "checkbox" and "checked" not in attrs:
                return
            self.fields[attrs["name"]] = attrs.get("value", "")


def begin(client: Client, backend: str) -> str:
    """Press «Войти через …»: the begin view answers with a redirect to the provider."""
    response = client.post(f"/oauth/login/{backend}/")
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def consent(http: httpx.Client, authorize_url: str, *, email: str, name: str, verified: bool = True,
            decision: str = "allow") -> str:
    """Fill in the sandbox's consent page and press «Разрешить»; returns where the provider sends us."""
    page = http.get(authorize_url)
    assert page.status_code == 200, page.text
    form = _Form()
    form.feed(page.text)
    fields = {**form.fields, "email": email, "name": name, "decision": decision}
    if not verified:
        fields.pop("email_verified", None)
    answer = http.post(str(page.url.join(form.action)), data=fields)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def complete(client: Client, callback_url: str):
    """The browser follows the provider's redirect back to our callback on the public host."""
    parts = urlsplit(callback_url)
    assert parts.hostname == "localhost"
    response = client.get(parts.path, dict(parse_qsl(parts.query)))
    connection.set_schema_to_public()
    return response


def sign_in(client: Client, http: httpx.Client, backend: str, **person):
    return complete(client, consent(http, begin(client, backend), **person))


def logged_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None


def login_page_messages(client: Client, response) -> list[str]:
    assert response.status_code == 302
    assert response["Location"] == "/login"
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- sign-up -----------------------------------------------------------------------------------------


def test_google_sign_up_creates_user_account_workspace_and_membership(sandbox, http, browser_client, caplog):
    caplog.set_level(logging.INFO, logger="fastlead.events")

    sandbox_page = begin(browser_client, GOOGLE)
    assert sandbox_page.startswith(f"{sandbox}/google/o/oauth2/auth?")
    query = dict(parse_qsl(urlsplit(sandbox_page).query))
    assert query["client_id"] == "sandbox-google-client"
    assert query["redirect_uri"] == "http://localhost/oauth/complete/google-oauth2/"
    assert query["state"]

    callback = consent(http, sandbox_page, email="Anna@Romashka.ru", name="Анна Петрова")
    assert callback.startswith("http://localhost/oauth/complete/google-oauth2/?code=")
    response = complete(browser_client, callback)

    assert response.status_code == 302
    assert response["Location"] == "/signup/continue"  # a new user: on to the onboarding wizard
    user = User.objects.get(email="anna@romashka.ru")
    assert logged_in_user(browser_client) == user
    assert user.full_name == "Анна Петрова"
    assert user.is_email_confirmed
    assert not user.has_usable_password()
    account = Account.objects.get(owner=user)
    assert account.name == "romashka"
    tenant = Tenant.objects.get(account=account, kind=Tenant.Kind.CLIENT)
    assert tenant.slug.startswith("romashka")
    assert Membership.objects.filter(user=user, tenant=tenant, role=Membership.Role.ADMIN).exists()
    social = UserSocialAuth.objects.get(user=user)
    assert social.provider == GOOGLE
    assert social.uid.isdigit()

    # The structured log line carries the user id, the method and the client's network, never the e-mail.
    [record] = [r for r in caplog.records if r.getMessage() == "user_logged_in"]
    assert (record.userId, record.method, record.ipNetwork) == (user.pk, "google", "127.0.0.0/24")
    assert not any("romashka" in str(value).lower() for value in vars(record).values())

    # The hand-off then takes the login to the new workspace's onboarding wizard.
    onward = browser_client.get("/signup/continue")
    connection.set_schema_to_public()
    assert onward.status_code == 302
    handoff = urlsplit(onward["Location"])
    assert handoff.hostname == tenant.primary_host
    landed = Client(HTTP_HOST=tenant.primary_host).get(f"{handoff.path}?{handoff.query}")
    connection.set_schema_to_public()
    assert landed["Location"] == "/onboarding"


def test_yandex_sign_up_creates_user_account_workspace_and_membership(sandbox, http, browser_client):
    sandbox_page = begin(browser_client, YANDEX)
    assert sandbox_page.startswith(f"{sandbox}/yandex/authorize?")

    response = complete(browser_client, consent(http, sandbox_page, email="ivan.ivanov@yandex.ru", name="Иван Иванов"))

    assert response["Location"] == "/signup/continue"
    user = User.objects.get(email="ivan.ivanov@yandex.ru")
    assert logged_in_user(browser_client) == user
    assert user.full_name == "Иван Иванов"
    assert user.is_email_confirmed
    assert not user.has_usable_password()
    account = Account.objects.get(owner=user)
    assert account.name == "Рабочее пространство Иван"  # a public mailbox says nothing about the company
    tenant = Tenant.objects.get(account=account, kind=Tenant.Kind.CLIENT)
    assert tenant.slug.startswith("rabochee-prostranstvo")
    assert Membership.objects.filter(user=user, tenant=tenant, role=Membership.Role.ADMIN).exists()
    assert UserSocialAuth.objects.get(user=user).provider == YANDEX


# --- linking and returning users ------------------------------------------------------------------------


def test_existing_user_with_the_same_email_is_linked_not_duplicated(sandbox, http, browser_client, make_tenant,
                                                                      make_user):
    owner = make_user("olga@romashka.ru", "пароль-ольги-2026", full_name="Ольга", email_confirmed_at=timezone.now())
    make_tenant(owner=owner)
    users, tenants = User.objects.count(), Tenant.objects.count()

    response = sign_in(browser_client, http, GOOGLE, email="OLGA@Romashka.RU", name="Ольга Смирнова")

    assert response["Location"] == "/login/continue"
    assert (User.objects.count(), Tenant.objects.count()) == (users, tenants)
    assert logged_in_user(browser_client) == owner
    assert UserSocialAuth.objects.get(provider=GOOGLE).user == owner
    owner.refresh_from_db()
    assert owner.check_password("пароль-ольги-2026")  # a confirmed owner keeps their password
    assert Account.objects.filter(owner=owner).count() == 1


def test_linking_confirms_an_unconfirmed_email_and_drops_the_unproven_password(sandbox, http, browser_client,
                                                                               make_user, client_for):
    # Someone signed up with this address and a password but never confirmed it: that may not
    # have been the owner of the mailbox (account pre-hijacking). The provider proves who is.
    squatter = make_user("boris@romashka.ru", "чужой-пароль-2026", email_confirmed_at=None)
    assert not squatter.is_email_confirmed
    squatter_browser = client_for(user=squatter)
    assert logged_in_user(squatter_browser) == squatter

    response = sign_in(browser_client, http, YANDEX, email="boris@romashka.ru", name="Борис")

    assert response["Location"] == "/login/continue"
    assert User.objects.filter(email__iexact="boris@romashka.ru").count() == 1
    user = User.objects.get(email="boris@romashka.ru")
    assert user.pk == squatter.pk
    assert user.is_email_confirmed
    assert not user.has_usable_password()
    assert logged_in_user(browser_client) == user
    assert UserSocialAuth.objects.get(user=user).provider == YANDEX
    # The login made with the unproven password is over.
    squatter_browser.get("/login")
    assert logged_in_user(squatter_browser) is None


def test_second_sign_in_with_the_same_provider_logs_in_the_same_user(sandbox, http, client_for):
    first = client_for()
    sign_in(first, http, GOOGLE, email="maria@klinika.ru", name="Мария")
    user = User.objects.get(email="maria@klinika.ru")
    counts = (User.objects.count(), Account.objects.count(), Tenant.objects.count(), UserSocialAuth.objects.count())

    second = client_for()
    response = sign_in(second, http, GOOGLE, email="maria@klinika.ru", name="Мария")

    assert response["Location"] == "/login/continue"
    assert logged_in_user(second) == user
    assert (User.objects.count(), Account.objects.count(), Tenant.objects.count(),
            UserSocialAuth.objects.count()) == counts


# --- refusals --------------------------------------------------------------------------------------------


def test_unverified_google_email_is_refused_with_a_russian_message_and_creates_nothing(sandbox, http,
                                                                                     browser_client):
    tenants = Tenant.objects.count()

    response = sign_in(browser_client, http, GOOGLE, email="pavel@stroyka.ru", name="Павел", verified=False)

    assert login_page_messages(browser_client, response) == [
        "Ваш e-mail не подтверждён в Google. Подтвердите адрес в настройках аккаунта Google "
        "или зарегистрируйтесь по e-mail и паролю."
    ]
    assert logged_in_user(browser_client) is None
    assert not User.objects.exists()
    assert not UserSocialAuth.objects.exists()
    assert Tenant.objects.count() == tenants
    # And the login page shows it.
    page = browser_client.get("/login")
    assert "Ваш e-mail не подтверждён в Google." in page.content.decode()


def test_forged_code_fails_without_creating_a_user(sandbox, http, browser_client):
    sandbox_page = begin(browser_client, GOOGLE)
    state = dict(parse_qsl(urlsplit(sandbox_page).query))["state"]

    response = complete(browser_client, f"http://localhost/oauth/complete/google-oauth2/?code=forged&state={state}")

    assert login_page_messages(browser_client, response) == [
        "Не удалось войти через Google. Попробуйте ещё раз или войдите по e-mail и паролю."
    ]
    assert logged_in_user(browser_client) is None
    assert not User.objects.exists()
    assert not UserSocialAuth.objects.exists()


def test_replayed_code_and_callback_fail(sandbox, http, client_for):
    victim = client_for()
    callback = consent(http, begin(victim, GOOGLE), email="egor@romashka.ru", name="Егор")
    complete(victim, callback)
    assert User.objects.count() == 1

    # The same callback again: the state was used up.
    again = complete(victim, callback)
    assert login_page_messages(victim, again) == [
        "Не удалось войти через Google. Попробуйте ещё раз или войдите по e-mail и паролю."
    ]

    # The intercepted code with an attacker's own fresh state: the provider has already spent it.
    attacker = client_for()
    state = dict(parse_qsl(urlsplit(begin(attacker, GOOGLE)).query))["state"]
    code = dict(parse_qsl(urlsplit(callback).query))["code"]
    response = complete(attacker, f"http://localhost/oauth/complete/google-oauth2/?code={code}&state={state}")
    assert login_page_messages(attacker, response) == [
        "Не удалось войти через Google. Попробуйте ещё раз или войдите по e-mail и паролю."
    ]
    assert logged_in_user(attacker) is None
    assert User.objects.count() == 1
    assert UserSocialAuth.objects.count() == 1


def test_cancel_on_the_consent_page_returns_to_login(sandbox, http, browser_client):
    response = sign_in(browser_client, http, YANDEX, email="ivan@yandex.ru", name="Иван", decision="deny")

    assert login_page_messages(browser_client, response) == ["Вход через Яндекс ID отменён."]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("email", "name", "company"),
    [
        ("anna@romashka.ru", "Анна", "romashka"),
        ("anna@mail.romashka.com.ru", "Анна", "romashka"),
        ("anna@gmail.com", "Анна Петрова", "Рабочее пространство Анна"),
        ("ivan@yandex.ru", "", "Рабочее пространство ivan"),
    ],
)
def test_company_for_an_oauth_sign_up(email, name, company):
    assert company_for(email, name) == company


def test_platform_staff_see_a_persons_google_and_yandex_logins_on_their_page_in_russian(make_user, client_for):
    staff = client_for(None, make_user("staff@fastlead.ru", is_staff=True, is_superuser=True))
    person = make_user("anna@example.ru")
    UserSocialAuth.objects.create(user=person, provider="yandex-oauth2", uid="ya-123")
    index = staff.get("/admin/").content.decode()
    assert "Python Social Auth" not in index
    assert "Nonces" not in index
    page = staff.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert "входы через google и яндекс" in page.lower()
    assert "ya-123" in page
