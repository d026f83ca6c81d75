"""Sign-up, confirmation, login, hand-off, logout and password reset as a browser sees them (test client)."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.text import wait_time
from shared_apps.accounts.models import LoginSession, OneTimeToken, User
from shared_apps.accounts.tests.test_api_auth import let_the_wait_pass
from shared_apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

PASSWORD = "Крепкий-пароль-2026"


def link_from(message, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", message.body).group(1)


def follow_handoff(response, tenant_client: Client):
    """The public host redirects to <slug>.localhost/auth/handoff?token=…: follow it on that host."""
    target = urlsplit(response["Location"])
    assert target.path == "/auth/handoff"
    return tenant_client.get(f"{target.path}?{target.query}")


@pytest.fixture
def public() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def member(make_tenant):
    user = User.objects.create_user("anna@ulybka.ru", PASSWORD, full_name="Анна", email_confirmed_at=timezone.now())
    return user, make_tenant(owner=user, name="Улыбка")


def test_signup_confirm_and_land_in_onboarding_logged_in(public, send_mail_now):
    with send_mail_now():
        response = public.post("/signup", {"name": "Ольга", "email": "olga@romashka.ru", "password": PASSWORD,
                                           "company": "Ромашка"})
    assert response.status_code == 302
    assert response["Location"] == "/email/check"
    check = public.get("/email/check")
    assert "olga@romashka.ru" in check.content.decode()
    tenant = Tenant.objects.get(slug="romashka")
    assert Client(HTTP_HOST=tenant.primary_host).get("/").status_code == 302  # cabinet closed until confirmed

    [message] = mail.outbox
    assert message.subject == "Подтвердите e-mail для Fast Lead"
    with send_mail_now():
        confirmed = public.get(link_from(message, "/email/confirm/"))
    assert confirmed.status_code == 302
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    landed = follow_handoff(confirmed, tenant_client)
    assert landed["Location"] == "/onboarding"
    onboarding = tenant_client.get("/onboarding", follow=True)  # the wizard's first step
    assert onboarding.redirect_chain == [("/onboarding/workspace", 302)]
    assert onboarding.status_code == 200
    assert "Добро пожаловать в Fast Lead, Ольга" in onboarding.content.decode()
    assert mail.outbox[-1].subject == "Добро пожаловать в Fast Lead"
    assert User.objects.get(email="olga@romashka.ru").is_email_confirmed


def test_signup_errors_are_shown_in_russian_and_keep_the_input(public):
    response = public.post("/signup", {"name": "Ольга", "email": "olga@", "password": "123", "company": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Введите корректный e-mail" in body
    assert "Укажите название компании." in body
    assert "Введённый пароль слишком короткий" in body
    assert 'value="Ольга"' in body
    assert 'value="olga@"' in body
    assert not User.objects.exists()


def test_signup_with_a_taken_email_offers_login_and_reset(public, member):
    response = public.post("/signup", {"name": "Анна", "email": "anna@ulybka.ru", "password": PASSWORD,
                                       "company": "Улыбка 2"})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'href="/login"' in body
    assert 'href="/password/reset"' in body


def test_confirmation_link_is_single_use_and_expires(public, send_mail_now):
    with send_mail_now():
        public.post("/signup", {"name": "Ольга", "email": "olga@romashka.ru", "password": PASSWORD,
                                "company": "Ромашка"})
    link = link_from(mail.outbox[0], "/email/confirm/")
    assert public.get(link).status_code == 302
    reused = Client(HTTP_HOST="localhost").get(link)
    assert reused.status_code == 400
    assert "уже использована" in reused.content.decode()
    again = public.get(link)  # the same person, logged in and confirmed, opens the letter's link once more
    assert again.status_code == 400
    assert "Ваш e-mail уже подтверждён" in again.content.decode()
    assert "Перейти в кабинет" in again.content.decode()

    user = User.objects.create_user("late@romashka.ru", PASSWORD, full_name="Поздний")
    with send_mail_now():
        from shared_apps.accounts.services import send_confirmation

        send_confirmation(user)
    OneTimeToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client(HTTP_HOST="localhost").get(link_from(mail.outbox[-1], "/email/confirm/"))
    assert expired.status_code == 400
    assert "Срок действия ссылки истёк" in expired.content.decode()
    assert not User.objects.get(pk=user.pk).is_email_confirmed


def test_resend_has_a_cooldown(public, send_mail_now):
    with send_mail_now():
        public.post("/signup", {"name": "Ольга", "email": "olga@romashka.ru", "password": PASSWORD,
                                "company": "Ромашка"})
        page = public.post("/email/check", follow=True)
    assert "Повторно можно запросить через" in page.content.decode()
    assert len(mail.outbox) == 1
    OneTimeToken.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with send_mail_now():
        page = public.post("/email/check", follow=True)
    assert "Мы отправили новое письмо" in page.content.decode()
    assert len(mail.outbox) == 2


def test_login_hands_off_to_the_page_the_user_asked_for(public, member):
    _user, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    to_login = tenant_client.get("/leads?status=new")
    assert to_login["Location"] == "/login?next=/leads%3Fstatus%3Dnew"
    to_public = tenant_client.get(to_login["Location"])
    public_login = urlsplit(to_public["Location"])
    assert public_login.netloc == "localhost:8000"
    next_url = parse_qs(public_login.query)["next"][0]
    assert next_url == f"http://{tenant.primary_host}:8000/leads?status=new"

    response = public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD, "next": next_url})
    landed = follow_handoff(response, tenant_client)
    assert landed["Location"] == "/leads?status=new"
    assert tenant_client.get("/leads?status=new").status_code == 200


def test_one_login_opens_every_workspace_of_the_user(public, member, make_tenant, add_member):
    user, first = member
    second = make_tenant(name="Улыбка-2")
    add_member(user, second)
    first_client, second_client = Client(HTTP_HOST=first.primary_host), Client(HTTP_HOST=second.primary_host)
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), first_client)
    # Already logged in on the public host: asking for the second workspace needs no password.
    again = public.get("/login", {"next": f"http://{second.primary_host}:8000/"})
    follow_handoff(again, second_client)
    assert second_client.get("/").status_code == 200
    assert first_client.get("/").status_code == 200
    assert LoginSession.objects.filter(user=user, parent__isnull=False).count() == 2


def test_wrong_password_and_the_wait_on_the_login_page(public, member, make_user, add_member):
    for _ in range(5):
        wrong = public.post("/login", {"email": "anna@ulybka.ru", "password": "нет"})
        assert wrong.status_code == 401
        assert "Неверный e-mail или пароль." in wrong.content.decode()
    waiting = public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD})
    assert waiting.status_code == 429
    retry_after = int(waiting["Retry-After"])
    assert 27 <= retry_after <= 30
    assert (f"Слишком много неудачных попыток входа. Попробуйте снова через {wait_time(retry_after)}."
            in waiting.content.decode())
    add_member(make_user("boris@ulybka.ru", PASSWORD), member[1])  # a colleague behind the same address is not held up
    assert Client(HTTP_HOST="localhost").post("/login", {"email": "boris@ulybka.ru",
                                                         "password": PASSWORD}).status_code == 302
    let_the_wait_pass("anna@ulybka.ru")
    assert public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}).status_code == 302


def with_cookie(host: str, session_key: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies["sessionid"] = session_key
    return client


def test_a_session_cookie_copied_to_another_host_does_not_log_in_there(public, member, make_tenant, add_member):
    user, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)
    public_key, workspace_key = public.cookies["sessionid"].value, tenant_client.cookies["sessionid"].value
    assert public_key != workspace_key

    on_workspace = with_cookie(tenant.primary_host, public_key).get("/")
    assert on_workspace.status_code == 302  # to the login: anonymous there
    assert "/login" in on_workspace["Location"]
    assert with_cookie(tenant.primary_host, public_key).get("/api/v1/leads").status_code == 401
    # A copied cookie is a leaked one: that login ends, on every host.
    assert tenant_client.get("/").status_code == 302
    assert public.get("/login").status_code == 200  # the form: logged out

    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)
    workspace_key = tenant_client.cookies["sessionid"].value
    other = make_tenant(name="Другая")
    add_member(user, other)
    assert with_cookie("localhost", workspace_key).get("/login").status_code == 200  # not logged in here
    assert with_cookie(other.primary_host, workspace_key).get("/").status_code == 302  # nor on another workspace


def test_handoff_token_is_single_use_and_bound_to_its_workspace(public, member, make_tenant):
    _user, tenant = member
    response = public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD})
    handoff = urlsplit(response["Location"])
    other = make_tenant()
    assert Client(HTTP_HOST=other.primary_host).get(f"{handoff.path}?{handoff.query}").status_code == 400
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    assert tenant_client.get(f"{handoff.path}?{handoff.query}").status_code == 400  # spent by the attempt above


def test_expired_handoff_is_refused(public, member):
    _, tenant = member
    response = public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD})
    OneTimeToken.objects.filter(purpose=OneTimeToken.Purpose.HANDOFF).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    refused = follow_handoff(response, Client(HTTP_HOST=tenant.primary_host))
    assert refused.status_code == 400
    assert "Срок действия ссылки истёк" in refused.content.decode()


def test_logout_on_a_workspace_ends_the_login_everywhere(public, member):
    _, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)
    assert tenant_client.get("/").status_code == 200

    out = tenant_client.post("/logout")
    assert out["Location"] == "http://localhost:8000/"
    assert tenant_client.get("/").status_code == 302
    assert public.get("/logout").status_code == 302  # the public session is gone too: nothing to log out of
    assert not LoginSession.objects.exists()


def test_password_reset_same_answer_single_use_and_ends_sessions(public, member, send_mail_now):
    user, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    follow_handoff(Client(HTTP_HOST="localhost").post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}),
                   tenant_client)

    with send_mail_now():
        unknown = public.post("/password/reset", {"email": "nobody@ulybka.ru"})
        known = public.post("/password/reset", {"email": "ANNA@ulybka.ru"})
    assert unknown.content == known.content
    [message] = mail.outbox
    link = link_from(message, "/password/reset/")

    weak = public.post(link, {"password": "123"})
    assert weak.status_code == 400
    assert "слишком короткий" in weak.content.decode()
    done = public.post(link, {"password": "Совсем-новый-2027"})
    assert done["Location"] == "/login"
    assert public.post(link, {"password": "Ещё-один-2028"}).status_code == 400  # single use
    assert tenant_client.get("/").status_code == 302  # the other session ended
    assert User.objects.get(pk=user.pk).check_password("Совсем-новый-2027")


RESET_REFUSED = "Слишком много запросов на восстановление пароля. Попробуйте снова через 60 минут."


def test_password_reset_is_limited_per_address_alike_for_known_and_unknown_ones(member, send_mail_now):
    def request_reset(email: str, number: int):
        return Client(HTTP_HOST="localhost", REMOTE_ADDR=f"198.51.100.{number}").post("/password/reset",
                                                                                      {"email": email})

    with send_mail_now():
        known = [request_reset("anna@ulybka.ru", number) for number in range(8)]
        unknown = [request_reset("nobody@ulybka.ru", number) for number in range(8)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * 3 + [429] * 5
    assert len(mail.outbox) == 3
    for refused in (known[-1], unknown[-1]):
        assert RESET_REFUSED in refused.content.decode()
        assert 3500 < int(refused["Retry-After"]) <= 3600


def test_password_reset_is_limited_per_ip(public, member, send_mail_now):
    with send_mail_now():
        statuses = [public.post("/password/reset", {"email": f"user{n}@ulybka.ru"}).status_code for n in range(10)]
        refused = public.post("/password/reset", {"email": "anna@ulybka.ru"})
    assert statuses == [200] * 10
    assert refused.status_code == 429
    assert RESET_REFUSED in refused.content.decode()
    assert 'value="anna@ulybka.ru"' in refused.content.decode()
    assert mail.outbox == []


def test_password_reset_link_expires_after_an_hour(public, member, send_mail_now):
    with send_mail_now():
        public.post("/password/reset", {"email": "anna@ulybka.ru"})
    OneTimeToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = public.get(link_from(mail.outbox[0], "/password/reset/"))
    assert response.status_code == 400
    assert "Срок действия ссылки истёк" in response.content.decode()


def test_login_form_has_csrf_protection(member):
    strict = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    response = strict.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD})
    assert response.status_code == 403


def test_session_cookie_flags(public, member, settings):
    response = public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["domain"] == ""  # host-only: a workspace cannot read or plant it


def test_registration_is_logged_without_the_email(public, caplog):
    with caplog.at_level("INFO"):
        public.post("/signup", {"name": "Ольга", "email": "olga@romashka.ru", "password": PASSWORD,
                                "company": "Ромашка"})
    [record] = [r for r in caplog.records if r.getMessage() == "user_registered"]
    assert record.userId == User.objects.get().pk
    assert (record.source, record.emailDomain) == ("email", "romashka.ru")
    assert "olga@romashka.ru" not in str(vars(record))


# --- bad input: a 400 with the Russian message under the field, never a 500, never a silent cut ---------------

LONG_EMAIL = "a" * 289 + "@romashka.ru"  # 300 characters: a valid address, but longer than the column


def field_error(body: str, name: str, message: str) -> None:
    """The message sits under the field, which points at it for screen readers."""
    assert f'<p id="id_{name}-error" class="field-error">{message}</p>' in body
    assert re.search(rf'name="{name}"[^>]*aria-invalid="true" aria-describedby="id_{name}-error"', body, re.S)


def test_signup_refuses_over_long_input_with_400_and_keeps_it(public):
    typed = {"name": "Я" * 151, "email": LONG_EMAIL, "password": PASSWORD, "company": "К" * 201}
    response = public.post("/signup", typed)
    assert response.status_code == 400
    body = response.content.decode()
    field_error(body, "email", "Не длиннее 254 символов.")
    field_error(body, "name", "Не длиннее 150 символов.")
    field_error(body, "company", "Не длиннее 200 символов.")
    for value in (typed["name"], typed["email"], typed["company"]):
        assert f'value="{value}"' in body  # kept whole, not cut
    assert "Проверьте выделенные поля." in body
    assert not User.objects.exists()
    assert not Tenant.objects.filter(kind=Tenant.Kind.CLIENT).exists()


def test_signup_empty_form_says_what_is_missing(public):
    response = public.post("/signup", {})
    assert response.status_code == 400
    body = response.content.decode()
    field_error(body, "name", "Укажите ваше имя.")
    field_error(body, "email", "Введите e-mail.")
    field_error(body, "password", "Придумайте пароль.")
    field_error(body, "company", "Укажите название компании.")


def test_signup_form_lets_the_server_validate(public):
    body = public.get("/signup").content.decode()
    assert re.search(r"<form method=\"post\"[^>]*novalidate", body)
    assert "maxlength" not in body


def test_login_with_empty_fields_says_what_is_missing(public):
    response = public.post("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    body = response.content.decode()
    field_error(body, "email", "Введите e-mail.")
    field_error(body, "password", "Введите пароль.")
    assert "Неверный e-mail или пароль." not in body


@pytest.mark.parametrize(("typed", "message"), [
    (LONG_EMAIL, "Не длиннее 254 символов."),
    ("anna.ulybka.ru", "Введите корректный e-mail, например anna@company.ru."),
])
def test_login_with_a_bad_email_says_so_and_keeps_it(public, member, typed, message):
    response = public.post("/login", {"email": typed, "password": PASSWORD})
    assert response.status_code == 400
    body = response.content.decode()
    field_error(body, "email", message)
    assert f'value="{typed}"' in body


def test_login_form_lets_the_server_validate(public):
    body = public.get("/login").content.decode()
    assert re.search(r"<form method=\"post\"[^>]*novalidate", body)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Введите e-mail."),
    ("anna@", "Введите корректный e-mail, например anna@company.ru."),
    (LONG_EMAIL, "Не длиннее 254 символов."),
])
def test_password_reset_with_a_bad_email_says_so(public, member, send_mail_now, typed, message):
    with send_mail_now():
        response = public.post("/password/reset", {"email": typed})
    assert response.status_code == 400
    body = response.content.decode()
    field_error(body, "email", message)
    assert f'value="{typed}"' in body
    assert not mail.outbox


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Введите новый пароль."),
    ("Ж" * 129, "Не длиннее 128 символов."),
])
def test_password_reset_confirm_with_a_bad_password_says_so(public, member, send_mail_now, typed, message):
    user, _ = member
    with send_mail_now():
        public.post("/password/reset", {"email": "anna@ulybka.ru"})
    link = link_from(mail.outbox[0], "/password/reset/")
    response = public.post(link, {"password": typed})
    assert response.status_code == 400
    field_error(response.content.decode(), "password", message)
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert public.get(link).status_code == 200  # the link still works


def test_opening_the_login_again_while_logged_in_keeps_the_login(public, member):
    """«Войти» on the landing while already logged in: a second hand-off to the same workspace, no 500, no logout."""
    _user, tenant = member
    tenant_client = Client(HTTP_HOST=tenant.primary_host)
    first = follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), tenant_client)
    assert first.status_code == 302
    again = public.get("/login")
    landed = follow_handoff(again, tenant_client)
    assert landed.status_code == 302
    assert tenant_client.get("/").status_code == 200  # still logged in on the workspace
    assert public.get("/login").status_code == 302  # and on the public host
