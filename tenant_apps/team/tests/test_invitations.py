"""The invitation link on the public host, as a browser sees it (test client): new and existing users,
the wrong login, and every link that must not work (expired, revoked, reused, replaced by a resend)."""

import re
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Invitation, Membership
from tenant_apps.team import services as team_services

pytestmark = pytest.mark.django_db

PASSWORD = "Крепкий-пароль-2026"


@pytest.fixture
def public() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def workspace(make_tenant, make_user):
    owner = make_user("anna@ulybka.ru", full_name="Анна Главная")
    return make_tenant(owner=owner, name="Стоматология «Улыбка»")


@pytest.fixture
def invite(workspace, send_mail_now):
    """Invite an e-mail through the service; returns the path of the link from the e-mail."""

    def make(email: str = "ivan@ulybka.ru", role: str = "operator") -> str:
        with send_mail_now():
            team_services.invite(workspace, workspace.account.owner, email, role)
        return re.search(r"https?://[^/\s]+(/invite/\S+)", mail.outbox[-1].body).group(1)

    return make


def land_in_workspace(response, workspace) -> Client:
    """Follow the hand-off redirect on the workspace host; returns that host's logged-in client."""
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}/" == workspace.url
    assert target.path == "/auth/handoff"
    tenant_client = Client(HTTP_HOST=workspace.primary_host)
    landed = tenant_client.get(f"{target.path}?{target.query}")
    assert landed.status_code == 302
    assert landed["Location"] == "/"
    return tenant_client


def test_the_link_shows_workspace_inviter_and_role(public, invite):
    link = invite(role="analyst")
    response = public.get(link)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Стоматология «Улыбка»" in body
    assert "Анна Главная" in body
    assert "Аналитик" in body
    assert "Аналитика и лиды только для чтения, контакты скрыты" in body


def test_a_new_user_registers_through_the_link_and_lands_in_the_workspace(public, invite, workspace):
    link = invite()
    form = public.get(link)
    body = form.content.decode()
    assert 'value="ivan@ulybka.ru" readonly' in body
    assert 'name="password"' in body

    bad = public.post(link, {"name": "Иван", "password": "123"})
    assert bad.status_code == 400
    assert "Введённый пароль слишком короткий" in bad.content.decode()
    assert 'value="Иван"' in bad.content.decode()
    assert not User.objects.filter(email="ivan@ulybka.ru").exists()

    response = public.post(link, {"name": "Иван Петров", "password": PASSWORD,
                                  "email": "attacker@evil.ru"})  # the address comes from the invitation only
    assert response.status_code == 302
    user = User.objects.get(email="ivan@ulybka.ru")
    assert user.full_name == "Иван Петров"
    assert user.is_email_confirmed
    assert not User.objects.filter(email="attacker@evil.ru").exists()
    assert not Account.objects.filter(owner=user).exists()
    assert Membership.objects.get(user=user, tenant=workspace).role == "operator"

    cabinet = land_in_workspace(response, workspace)
    home = cabinet.get("/")
    assert home.status_code == 200
    assert cabinet.get("/leads").status_code == 200
    assert cabinet.get("/team").status_code == 403


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"name": "", "password": ""}, "name", "Укажите ваше имя."),
    ({"name": "Иван", "password": ""}, "password", "Придумайте пароль."),
    ({"name": "Я" * 151, "password": PASSWORD}, "name", "Не длиннее 150 символов."),
    ({"name": "Иван", "password": "Ж" * 129}, "password", "Не длиннее 128 символов."),
])
def test_registration_through_the_link_explains_bad_input_under_the_field(public, invite, typed, field, message):
    link = invite()
    form = public.get(link).content.decode()
    assert "maxlength" not in form
    assert re.search(r'<form method="post"[^>]*novalidate', form)
    response = public.post(link, typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<p id="id_{field}-error" class="field-error">{message}</p>' in body
    assert f'aria-describedby="id_{field}-error"' in body
    assert f'value="{typed["name"]}"' in body
    assert "Проверьте выделенные поля." in body
    assert not User.objects.filter(email="ivan@ulybka.ru").exists()


def test_an_existing_user_logs_in_then_joins(public, invite, workspace, make_user):
    user = make_user("ivan@ulybka.ru", PASSWORD)
    link = invite(role="analyst")
    page = public.get(link)
    body = page.content.decode()
    assert "Войдите, чтобы принять приглашение" in body
    login_url = f"/login?next={quote(link, safe='')}"
    assert f'href="{login_url}"' in body
    assert 'name="password"' not in body

    logged_in = public.post("/login", {"email": "ivan@ulybka.ru", "password": PASSWORD, "next": link})
    assert logged_in.status_code == 302
    assert logged_in["Location"] == link
    join = public.get(link)
    assert "Присоединиться" in join.content.decode()
    assert not Membership.objects.filter(user=user, tenant=workspace).exists()

    response = public.post(link)
    assert Membership.objects.get(user=user, tenant=workspace).role == "analyst"
    land_in_workspace(response, workspace)


def test_the_email_match_ignores_letter_case(public, invite, workspace):
    user = User.objects.create(email="Ivan@Ulybka.RU", email_confirmed_at=timezone.now())  # stored as typed
    link = invite("ivan@ulybka.ru")
    public.force_login(user)
    assert "Присоединиться" in public.get(link).content.decode()
    assert public.post(link).status_code == 302
    assert Membership.objects.filter(user=user, tenant=workspace).exists()


def test_logged_in_as_someone_else(public, invite, workspace, make_user):
    link = invite("ivan@ulybka.ru")
    other = make_user("maria@ulybka.ru")
    public.force_login(other)
    page = public.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Вы вошли как" in body
    assert "maria@ulybka.ru" in body
    assert "Выйти и" in body
    assert "Присоединиться</button>" not in body

    refused = public.post(link)  # trying to join anyway changes nothing
    assert refused.status_code == 403
    assert not Membership.objects.filter(user=other, tenant=workspace).exists()

    logged_out = public.post(link, {"action": "logout"})
    assert logged_out.status_code == 302
    assert logged_out["Location"] == link
    assert 'name="password"' in public.get(link).content.decode()  # now the registration form for ivan@


def test_an_expired_link(public, invite):
    link = invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = public.get(link)
    assert response.status_code == 400
    assert "Срок действия приглашения истёк" in response.content.decode()
    assert public.post(link, {"name": "Иван", "password": PASSWORD}).status_code == 400
    assert not User.objects.filter(email="ivan@ulybka.ru").exists()


def test_a_revoked_link(public, invite):
    link = invite()
    invitation = Invitation.objects.get()
    team_services.revoke(invitation, invitation.invited_by)
    response = public.get(link)
    assert response.status_code == 400
    assert "Приглашение отозвано администратором" in response.content.decode()
    assert public.post(link, {"name": "Иван", "password": PASSWORD}).status_code == 400
    assert not User.objects.filter(email="ivan@ulybka.ru").exists()


def test_a_link_works_once(public, invite):
    link = invite()
    assert public.post(link, {"name": "Иван", "password": PASSWORD}).status_code == 302
    again = Client(HTTP_HOST="localhost").get(link)
    assert again.status_code == 400
    assert "Это приглашение уже принято" in again.content.decode()
    assert User.objects.filter(email="ivan@ulybka.ru").count() == 1


def test_resend_invalidates_the_old_link(public, invite, workspace, send_mail_now):
    old_link = invite()
    with send_mail_now():
        team_services.resend(Invitation.objects.get())
    new_link = re.search(r"https?://[^/\s]+(/invite/\S+)", mail.outbox[-1].body).group(1)
    assert new_link != old_link
    old = public.get(old_link)
    assert old.status_code == 400
    assert "из последнего письма" in old.content.decode()
    assert public.post(new_link, {"name": "Иван", "password": PASSWORD}).status_code == 302
    assert Membership.objects.filter(user__email="ivan@ulybka.ru", tenant=workspace).exists()


def test_a_made_up_link(public):
    response = public.get("/invite/not-a-real-token")
    assert response.status_code == 400
    assert "Ссылка-приглашение недействительна" in response.content.decode()


def test_an_account_created_meanwhile_is_asked_to_log_in(public, invite, make_user):
    link = invite()
    assert 'name="password"' in public.get(link).content.decode()
    make_user("ivan@ulybka.ru")  # registered in another tab between the form and its submission
    response = public.post(link, {"name": "Иван", "password": PASSWORD})
    assert response.status_code == 403  # the page now asks to log in; nothing was created
    assert "Войдите, чтобы принять приглашение" in response.content.decode()
    assert User.objects.filter(email="ivan@ulybka.ru").count() == 1


def test_a_full_team_refuses_at_acceptance(public, invite, workspace, add_member, make_user):
    from billing.models import Plan, Subscription

    Subscription.objects.create(account=workspace.account, plan=Plan.objects.get(code="pro"), status="active")
    link = invite()
    add_member(make_user(), workspace)
    add_member(make_user(), workspace)
    Subscription.objects.filter(account=workspace.account).update(plan=Plan.objects.get(code="start"))
    response = public.post(link, {"name": "Иван", "password": PASSWORD})
    assert response.status_code == 403
    assert "нет свободных мест" in response.content.decode()
    assert not User.objects.filter(email="ivan@ulybka.ru").exists()
