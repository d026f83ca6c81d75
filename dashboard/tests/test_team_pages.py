"""The Team page of the cabinet: listing, inviting, roles, removal, resend/revoke, and who may see it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import Plan, Subscription
from shared_apps.tenancy.models import Invitation, Membership
from tenant_apps.team import services as team_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(make_tenant, make_user):
    owner = make_user("owner@motor.ru", full_name="Олег Владелец")
    return make_tenant(owner=owner, name="Автосервис «Мотор»")


@pytest.fixture
def owner(workspace):
    return workspace.account.owner


@pytest.fixture
def page(workspace, owner, client_for):
    return client_for(workspace, owner)


@pytest.fixture
def operator(workspace, make_user, add_member):
    user = make_user("petr@motor.ru", full_name="Пётр Оператор")
    add_member(user, workspace, Membership.Role.OPERATOR)
    return user


def test_admin_sees_members_invitations_roles_and_seats(page, workspace, owner, operator):
    team_services.invite(workspace, owner, "ivan@motor.ru", "analyst")
    response = page.get("/team")
    assert response.status_code == 200
    assert response.context["section"] == "team"
    body = response.content.decode()
    for text in ("Олег Владелец", "Владелец", "Это вы", "Пётр Оператор", "petr@motor.ru", "ivan@motor.ru",
                 "Пригласить в команду", "Отправить ещё раз", "Отозвать", "Удалить"):
        assert text in body, text
    assert "3 из 3" in body
    assert "тариф «Пробный»" in body
    # the role options explain themselves
    assert "Всё, включая команду и биллинг" in body
    assert "Работает с лидами, видит виджет и каналы" in body
    assert "Аналитика и лиды только для чтения, контакты скрыты" in body
    # the owner's role cannot be changed, so there is no remove button and the select is disabled
    assert f'action="/team/{owner.pk}/remove"' not in body
    assert f'action="/team/{operator.pk}/remove"' in body
    assert re.search(rf'id="role-of-{owner.pk}"[^>]*disabled', body)
    assert not re.search(rf'id="role-of-{operator.pk}"[^>]*disabled', body)
    # the seats are all taken: the form says why it is closed
    assert "На тарифе «Пробный» в команде может быть не больше 3 человек" in body


def test_seats_show_the_plan_limit(page, workspace):
    Subscription.objects.create(account=workspace.account, plan=Plan.objects.get(code="pro"), status="active")
    body = page.get("/team").content.decode()
    assert "1 из 10" in body
    assert "тариф «Про»" in body
    Subscription.objects.filter(account=workspace.account).update(plan=Plan.objects.get(code="business"))
    assert "1 · без ограничений" in page.get("/team").content.decode()


def test_invite_redirects_with_a_message_and_mails_the_link(page, workspace, send_mail_now):
    with send_mail_now():
        response = page.post("/team/invite", {"email": "Ivan@Motor.ru", "role": "operator"})
    assert response.status_code == 302
    assert response["Location"] == "/team"
    listing = page.get("/team").content.decode()
    assert "Приглашение отправлено на ivan@motor.ru" in listing
    assert "ivan@motor.ru" in listing
    [message] = mail.outbox
    assert message.to == ["ivan@motor.ru"]
    assert "/invite/" in message.body
    assert Invitation.objects.get(tenant=workspace).role == "operator"


def test_invite_errors_keep_the_input(page):
    response = page.post("/team/invite", {"email": "ivan@", "role": "analyst"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Введите корректный e-mail" in body
    assert 'value="ivan@"' in body
    assert re.search(r'value="analyst"[^>]*checked', body)
    assert not re.search(r'value="operator"[^>]*checked', body)
    bad_role = page.post("/team/invite", {"email": "ivan@motor.ru", "role": "owner"})
    assert bad_role.status_code == 400
    assert "Выберите роль" in bad_role.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Введите e-mail сотрудника."),
    ("i" * 290 + "@motor.ru", "Не длиннее 254 символов."),
])
def test_invite_with_a_missing_or_over_long_email_says_so_under_the_field(page, typed, message):
    form = page.get("/team").content.decode()
    assert "maxlength" not in form
    assert all("novalidate" in tag for tag in re.findall(r"<form\b[^>]*>", form))
    response = page.post("/team/invite", {"email": typed, "role": "analyst"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<p id="id_email-error" class="field-error">{message}</p>' in body
    assert re.search(r'name="email"[^>]*aria-invalid="true" aria-describedby="id_email-error"', body, re.S)
    assert f'value="{typed}"' in body
    assert re.search(r'value="analyst"[^>]*checked', body)
    assert not Invitation.objects.exists()


def test_invite_over_the_limit_is_403_with_the_plan_message(page, workspace, owner, add_member, make_user):
    Subscription.objects.create(account=workspace.account, plan=Plan.objects.get(code="start"), status="active")
    add_member(make_user(), workspace)
    team_services.invite(workspace, owner, "third@motor.ru", "operator")
    response = page.post("/team/invite", {"email": "fourth@motor.ru", "role": "operator"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "На тарифе «Старт» в команде может быть не больше 3 человек, включая приглашённых." in body
    assert 'value="fourth@motor.ru"' in body
    assert not Invitation.objects.filter(email="fourth@motor.ru").exists()


def test_inviting_a_member_again_is_409(page, operator):
    response = page.post("/team/invite", {"email": "PETR@motor.ru", "role": "analyst"})
    assert response.status_code == 409
    assert "Этот человек уже в команде." in response.content.decode()


def test_change_role(page, workspace, operator):
    response = page.post(f"/team/{operator.pk}/role", {"role": "analyst"})
    assert response.status_code == 302
    assert Membership.objects.get(user=operator, tenant=workspace).role == "analyst"
    assert "Роль участника Пётр Оператор: «Аналитик»." in page.get("/team").content.decode()
    assert page.post(f"/team/{operator.pk}/role", {"role": "boss"}).status_code == 400


def test_owner_is_protected_and_the_last_admin_stays(workspace, owner, make_user, add_member, client_for):
    admin = make_user("anna@motor.ru")
    add_member(admin, workspace, Membership.Role.ADMIN)
    client = client_for(workspace, admin)
    demote = client.post(f"/team/{owner.pk}/role", {"role": "operator"})
    assert demote.status_code == 403
    assert "Роль владельца аккаунта изменить нельзя" in demote.content.decode()
    remove = client.post(f"/team/{owner.pk}/remove")
    assert remove.status_code == 403
    assert "Владельца аккаунта нельзя удалить из команды." in remove.content.decode()

    Membership.objects.filter(user=owner, tenant=workspace).delete()  # a workspace without its owner in the team
    last = client.post(f"/team/{admin.pk}/role", {"role": "operator"})
    assert last.status_code == 409
    assert "хотя бы один администратор" in last.content.decode()
    assert Membership.objects.get(user=admin, tenant=workspace).role == "admin"


def test_an_admin_who_steps_down_lands_on_the_overview(workspace, owner, make_user, add_member, client_for):
    admin = make_user()
    add_member(admin, workspace, Membership.Role.ADMIN)
    client = client_for(workspace, admin)
    response = client.post(f"/team/{admin.pk}/role", {"role": "operator"})
    assert response["Location"] == "/"
    assert client.get("/team").status_code == 403


def test_remove_member(page, workspace, operator, client_for):
    their = client_for(workspace, operator)
    response = page.post(f"/team/{operator.pk}/remove")
    assert response.status_code == 302
    assert "Пётр Оператор больше не в команде." in page.get("/team").content.decode()
    assert not Membership.objects.filter(user=operator, tenant=workspace).exists()
    assert their.get("/leads").status_code == 403


def test_leaving_the_team_goes_back_to_the_public_host(workspace, make_user, add_member, client_for):
    admin = make_user()
    add_member(admin, workspace, Membership.Role.ADMIN)
    response = client_for(workspace, admin).post(f"/team/{admin.pk}/remove")
    assert response["Location"] == "http://localhost:8000/login/continue"
    assert not Membership.objects.filter(user=admin, tenant=workspace).exists()


def test_unknown_member_or_invitation_is_404(page, make_user, make_tenant):
    stranger = make_user()
    assert page.post(f"/team/{stranger.pk}/role", {"role": "analyst"}).status_code == 404
    assert page.post(f"/team/{stranger.pk}/remove").status_code == 404
    other = make_tenant()
    foreign = team_services.invite(other, other.account.owner, "x@motor.ru", "operator")
    assert page.post(f"/team/invitations/{foreign.pk}/revoke").status_code == 404
    assert page.post(f"/team/invitations/{foreign.pk}/resend").status_code == 404


def test_resend_and_revoke(page, workspace, owner, send_mail_now):
    invitation = team_services.invite(workspace, owner, "ivan@motor.ru", "operator")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert "Истекло" in page.get("/team").content.decode()
    with send_mail_now():
        resent = page.post(f"/team/invitations/{invitation.pk}/resend")
    assert resent.status_code == 302
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert "Прежняя ссылка больше не работает" in page.get("/team").content.decode()

    revoked = page.post(f"/team/invitations/{invitation.pk}/revoke")
    assert revoked.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    body = page.get("/team").content.decode()
    assert "Приглашение для ivan@motor.ru отозвано." in body
    assert "Нет приглашений, ожидающих ответа." in body
    again = page.post(f"/team/invitations/{invitation.pk}/resend")
    assert again.status_code == 409


@pytest.mark.parametrize("role", [Membership.Role.OPERATOR, Membership.Role.ANALYST])
def test_operators_and_analysts_are_kept_out(workspace, owner, make_user, add_member, client_for, role):
    member = make_user()
    add_member(member, workspace, role)
    invitation = team_services.invite(workspace, owner, "ivan@motor.ru", "operator")
    client = client_for(workspace, member)
    page = client.get("/team")
    assert page.status_code == 403
    assert "Недостаточно прав" in page.content.decode()
    for path, data in [
        ("/team/invite", {"email": "x@motor.ru", "role": "admin"}),
        (f"/team/{owner.pk}/role", {"role": "operator"}),
        (f"/team/{owner.pk}/remove", {}),
        (f"/team/invitations/{invitation.pk}/resend", {}),
        (f"/team/invitations/{invitation.pk}/revoke", {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert Membership.objects.get(user=owner, tenant=workspace).role == "admin"
    assert not Invitation.objects.filter(email="x@motor.ru").exists()


def test_the_team_page_needs_a_login_and_post_for_actions(workspace, page, client_for):
    anonymous = client_for(workspace).get("/team")
    assert anonymous.status_code == 302
    assert "/login" in anonymous["Location"]
    assert page.get("/team/invite").status_code == 405
