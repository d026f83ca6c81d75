"""Team services and the team API: seat limits per plan, invitations, roles, owner and last-admin protection."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import set_plan
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Invitation, Membership
from tenant_apps.team import errors as team_errors
from tenant_apps.team import selectors as team_selectors
from tenant_apps.team import services as team_services

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Крепкий-пароль-2026"


def token_from(message) -> str:
    return re.search(r"/invite/([A-Za-z0-9_-]+)", message.body).group(1)


@pytest.fixture
def workspace(make_tenant, make_user):
    owner = make_user("owner@lotos.ru", full_name="Ольга Владелица")
    return make_tenant(owner=owner, name="Салон «Лотос»")


@pytest.fixture
def owner(workspace):
    return workspace.account.owner


@pytest.fixture
def api(workspace, owner, client_for):
    return client_for(workspace, owner)


def fill(tenant, add_member, make_user, members: int = 0, pending: int = 0, inviter=None) -> None:
    """Add ``members`` operators and ``pending`` open invitations to the workspace."""
    for _ in range(members):
        add_member(make_user(), tenant)
    for number in range(pending):
        team_services.invite(tenant, inviter or tenant.account.owner, f"pending{number}@lotos.ru",
                             Membership.Role.OPERATOR)


# --- invitations ----------------------------------------------------------------------------------------


def test_invite_stores_only_the_hash_mails_the_link_and_logs_without_the_email(workspace, owner, send_mail_now,
                                                                               caplog):
    with caplog.at_level("INFO"), send_mail_now():
        invitation = team_services.invite(workspace, owner, "  Ivan@Lotos.RU ", "operator")
    invitation.refresh_from_db()
    assert invitation.email == "ivan@lotos.ru"
    assert invitation.role == "operator"
    assert invitation.invited_by == owner
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)

    [message] = mail.outbox
    assert message.to == ["ivan@lotos.ru"]
    assert message.subject == "Приглашение в «Салон «Лотос»» — Fast Lead"
    raw = token_from(message)
    assert f"http://localhost:8000/invite/{raw}" in message.body
    assert "Ольга Владелица приглашает вас" in message.body
    assert "«Оператор»" in message.body
    assert invitation.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in invitation.token_hash
    assert len(raw) >= 43  # 32 random bytes

    [record] = [r for r in caplog.records if r.getMessage() == "team_member_invited"]
    assert record.tenantId == workspace.slug
    assert record.inviterUserId == owner.pk
    assert (record.inviteeEmailDomain, record.role) == ("lotos.ru", "operator")
    ours = [r for r in caplog.records if r.name.startswith("shared_apps.")]
    assert not any("ivan@lotos.ru" in str(r.__dict__).lower() for r in ours)


def test_api_invite_answers_201_in_camel_case(api):
    response = api.post("/api/v1/team/invitations", {"email": "ivan@lotos.ru", "role": "analyst"},
                        content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ivan@lotos.ru"
    assert body["role"] == "analyst"
    assert body["isExpired"] is False
    assert {"id", "expiresAt", "invitedAt"} <= body.keys()
    assert Invitation.objects.filter(pk=body["id"], role="analyst").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"email": "не-почта", "role": "operator"}, "email"), ({"email": "ivan@lotos.ru", "role": "owner"}, "role")],
)
def test_invite_400_for_bad_email_or_role(api, payload, field):
    response = api.post("/api/v1/team/invitations", payload, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {field}
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Введите e-mail сотрудника."), ("  ", "Введите e-mail сотрудника."),
     ("a" * 289 + "@lotos.ru" + "x" * 2, "Не длиннее 254 символов."), ("ivan@", "Введите корректный e-mail")],
)
def test_invite_explains_a_missing_or_over_long_email(workspace, owner, email, message):
    with pytest.raises(team_errors.InvalidInput) as refused:
        team_services.invite(workspace, owner, email, "operator")
    assert refused.value.fields["email"].startswith(message)
    assert refused.value.message == "Проверьте выделенные поля."
    assert not Invitation.objects.exists()


def test_invite_409_for_a_member_and_for_an_open_invitation(workspace, owner, api, add_member, make_user):
    add_member(make_user("petr@lotos.ru"), workspace)
    member = api.post("/api/v1/team/invitations", {"email": "PETR@lotos.ru", "role": "operator"},
                      content_type="application/json")
    assert member.status_code == 409
    assert member.json()["error"]["code"] == "already_member"

    team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    again = api.post("/api/v1/team/invitations", {"email": "Ivan@Lotos.ru", "role": "admin"},
                     content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invitation_exists"
    assert "повторно" in again.json()["error"]["message"]
    assert Invitation.objects.filter(email="ivan@lotos.ru").count() == 1


def test_an_expired_invitation_to_the_same_address_is_renewed(workspace, owner):
    first = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    renewed = team_services.invite(workspace, owner, "ivan@lotos.ru", "analyst")
    assert renewed.pk == first.pk
    renewed.refresh_from_db()
    assert renewed.role == "analyst"
    assert renewed.expires_at > timezone.now() + timedelta(days=6)
    with pytest.raises(team_errors.InvitationRejected) as rejected:
        team_selectors.invitation_for(first.raw_token)
    assert rejected.value.reason == "invalid"
    assert team_selectors.invitation_for(renewed.raw_token).pk == first.pk


def test_resend_issues_a_new_token_and_extends_the_expiry(workspace, owner, api, send_mail_now):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    with send_mail_now():
        response = api.post(f"/api/v1/team/invitations/{invitation.pk}/resend")
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    new_raw = token_from(mail.outbox[-1])
    assert new_raw != invitation.raw_token
    assert team_selectors.invitation_for(new_raw).pk == invitation.pk
    with pytest.raises(team_errors.InvitationRejected):
        team_selectors.invitation_for(invitation.raw_token)


def test_revoke_answers_204_frees_the_seat_and_closes_the_link(workspace, owner, api):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    assert team_selectors.seats(workspace).used == 2
    response = api.delete(f"/api/v1/team/invitations/{invitation.pk}")
    assert response.status_code == 204
    assert team_selectors.seats(workspace).used == 1
    with pytest.raises(team_errors.InvitationRejected) as rejected:
        team_selectors.invitation_for(invitation.raw_token)
    assert rejected.value.reason == "revoked"
    assert api.delete(f"/api/v1/team/invitations/{invitation.pk}").status_code == 204  # idempotent
    resend = api.post(f"/api/v1/team/invitations/{invitation.pk}/resend")
    assert resend.status_code == 409
    assert resend.json()["error"]["code"] == "invitation_closed"


def test_an_accepted_invitation_cannot_be_revoked_or_resent(workspace, owner, make_user):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    team_services.accept_existing(invitation.raw_token, make_user("ivan@lotos.ru"))
    with pytest.raises(team_errors.InvitationClosed):
        team_services.revoke(invitation, owner)
    with pytest.raises(team_errors.InvitationClosed):
        team_services.resend(invitation)


def test_invitations_of_another_workspace_are_404(workspace, owner, api, make_tenant):
    other = make_tenant(name="Чужой салон")
    foreign = team_services.invite(other, other.account.owner, "ivan@lotos.ru", "operator")
    assert api.post(f"/api/v1/team/invitations/{foreign.pk}/resend").status_code == 404
    assert api.delete(f"/api/v1/team/invitations/{foreign.pk}").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- accepting ------------------------------------------------------------------------------------------


def test_accept_existing_joins_with_the_role_and_confirms_the_email(workspace, owner, make_user, caplog):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "analyst")
    user = make_user("ivan@lotos.ru", email_confirmed_at=None)
    with caplog.at_level("INFO"):
        membership = team_services.accept_existing(invitation.raw_token, user)
    assert (membership.tenant, membership.user, membership.role) == (workspace, user, "analyst")
    user.refresh_from_db()
    assert user.is_email_confirmed
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert any(r.getMessage() == "team_member_joined" for r in caplog.records)
    with pytest.raises(team_errors.InvitationRejected) as reused:
        team_services.accept_existing(invitation.raw_token, user)
    assert reused.value.reason == "used"


def test_accept_existing_refuses_another_users_email(workspace, owner, make_user):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    with pytest.raises(team_errors.InvitationRejected) as rejected:
        team_services.accept_existing(invitation.raw_token, make_user("maria@lotos.ru"))
    assert rejected.value.reason == "wrong_user"
    assert rejected.value.status == 403
    assert Membership.objects.filter(tenant=workspace).count() == 1


def test_accept_with_registration_creates_a_confirmed_user_without_an_account(workspace, owner):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    user, membership = team_services.accept_with_registration(invitation.raw_token, "  Иван   Петров ", GOOD_PASSWORD)
    assert user.email == "ivan@lotos.ru"
    assert user.full_name == "Иван Петров"
    assert user.is_email_confirmed
    assert user.check_password(GOOD_PASSWORD)
    assert membership.role == "operator"
    assert not Account.objects.filter(owner=user).exists()
    assert list(user.memberships.values_list("tenant", flat=True)) == [workspace.pk]


def test_accept_with_registration_validates_name_and_password_in_russian(workspace, owner):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    with pytest.raises(team_errors.InvalidInput) as bad:
        team_services.accept_with_registration(invitation.raw_token, "", "12345")
    assert bad.value.fields["name"] == "Укажите ваше имя."
    assert "Введённый пароль слишком короткий" in bad.value.fields["password"]
    with pytest.raises(team_errors.InvalidInput) as long:
        team_services.accept_with_registration(invitation.raw_token, "Я" * 151, "Ж" * 129)
    assert long.value.fields == {"name": "Не длиннее 150 символов.", "password": "Не длиннее 128 символов."}
    with pytest.raises(team_errors.InvalidInput) as common:
        team_services.accept_with_registration(invitation.raw_token, "Иван", "password123")
    assert "слишком широко распространён" in common.value.fields["password"]
    assert not User.objects.filter(email="ivan@lotos.ru").exists()


def test_accept_with_registration_refuses_an_existing_email(workspace, owner, make_user):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    make_user("Ivan@lotos.ru")
    with pytest.raises(team_errors.AccountExists):
        team_services.accept_with_registration(invitation.raw_token, "Иван", GOOD_PASSWORD)
    assert User.objects.filter(email__iexact="ivan@lotos.ru").count() == 1


@pytest.mark.parametrize(("change", "reason"), [
    ({"expires_at": timezone.now() - timedelta(seconds=1)}, "expired"),
    ({"revoked_at": timezone.now()}, "revoked"),
    ({"accepted_at": timezone.now()}, "used"),
])
def test_closed_links_are_refused_with_a_clear_reason(workspace, owner, change, reason):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    with pytest.raises(team_errors.InvitationRejected) as rejected:
        team_services.accept_with_registration(invitation.raw_token, "Иван", GOOD_PASSWORD)
    assert rejected.value.reason == reason
    assert rejected.value.message == team_errors.InvitationRejected.MESSAGES[reason]
    assert not User.objects.filter(email="ivan@lotos.ru").exists()
    with pytest.raises(team_errors.InvitationRejected):
        team_selectors.invitation_for("not-a-token")


# --- seat limits ----------------------------------------------------------------------------------------


def test_start_plan_two_members_and_one_pending_is_full(workspace, owner, api, add_member, make_user):
    set_plan(workspace, "start")
    fill(workspace, add_member, make_user, members=1, pending=1)  # owner + 1 member + 1 invitation = 3
    assert team_selectors.seats(workspace).used == 3
    response = api.post("/api/v1/team/invitations", {"email": "fourth@lotos.ru", "role": "operator"},
                        content_type="application/json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "plan_limit"
    assert error["message"].startswith(
        "На тарифе «Старт» в команде может быть не больше 3 человек, включая приглашённых."
    )
    assert "«Про»" in error["message"]
    assert not Invitation.objects.filter(email="fourth@lotos.ru").exists()


def test_start_plan_third_seat_is_still_free(workspace, owner, add_member, make_user):
    set_plan(workspace, "start")
    fill(workspace, add_member, make_user, members=1)
    team_services.invite(workspace, owner, "third@lotos.ru", "operator")
    assert team_selectors.seats(workspace).used == 3


def test_trial_allows_three_people(workspace, owner, add_member, make_user):
    # make_tenant's account has no subscription: plan_of falls back to the trial plan (3 members)
    fill(workspace, add_member, make_user, pending=2)
    with pytest.raises(team_errors.PlanLimitReached) as refused:
        team_services.invite(workspace, owner, "fourth@lotos.ru", "operator")
    assert "На тарифе «Пробный» в команде может быть не больше 3 человек" in refused.value.message
    assert refused.value.status == 403


def test_pro_allows_ten_people(workspace, owner, add_member, make_user):
    set_plan(workspace, "pro")
    fill(workspace, add_member, make_user, members=5, pending=3)  # 1 + 5 + 3 = 9
    team_services.invite(workspace, owner, "tenth@lotos.ru", "operator")
    with pytest.raises(team_errors.PlanLimitReached) as refused:
        team_services.invite(workspace, owner, "eleventh@lotos.ru", "operator")
    assert "не больше 10 человек" in refused.value.message
    assert "«Бизнес» (команда без ограничений)" in refused.value.message


def test_business_is_unlimited(workspace, owner, add_member, make_user):
    set_plan(workspace, "business")
    fill(workspace, add_member, make_user, members=10, pending=5)
    team_services.invite(workspace, owner, "seventeenth@lotos.ru", "operator")
    seats = team_selectors.seats(workspace)
    assert (seats.used, seats.limit, seats.is_full) == (17, None, False)


def test_expired_and_revoked_invitations_hold_no_seat(workspace, owner):
    set_plan(workspace, "start")
    expired = team_services.invite(workspace, owner, "old@lotos.ru", "operator")
    revoked = team_services.invite(workspace, owner, "gone@lotos.ru", "operator")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    team_services.revoke(revoked, owner)
    team_services.invite(workspace, owner, "new1@lotos.ru", "operator")
    team_services.invite(workspace, owner, "new2@lotos.ru", "operator")
    with pytest.raises(team_errors.PlanLimitReached):
        team_services.resend(expired)  # renewing the expired one would need a fourth seat


def test_accepting_checks_the_members_still_fit_after_a_downgrade(workspace, owner, add_member, make_user):
    set_plan(workspace, "pro")
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    fill(workspace, add_member, make_user, members=2)  # owner + 2 = 3 members
    set_plan(workspace, "start")
    with pytest.raises(team_errors.PlanLimitReached):
        team_services.accept_existing(invitation.raw_token, make_user("ivan@lotos.ru"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_takes_the_seat_the_invitation_held(workspace, owner, add_member, make_user):
    set_plan(workspace, "start")
    fill(workspace, add_member, make_user, members=1)
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")  # 3 of 3
    team_services.accept_existing(invitation.raw_token, make_user("ivan@lotos.ru"))
    seats = team_selectors.seats(workspace)
    assert (seats.members, seats.pending, seats.is_full) == (3, 0, True)


# --- roles and removal ----------------------------------------------------------------------------------


def test_get_team_lists_members_invitations_and_seats(workspace, owner, api, add_member, make_user):
    operator = make_user("petr@lotos.ru", full_name="Пётр")
    add_member(operator, workspace, "operator")
    team_services.invite(workspace, owner, "ivan@lotos.ru", "analyst")
    response = api.get("/api/v1/team")
    assert response.status_code == 200
    body = response.json()
    assert [m["email"] for m in body["members"]] == ["owner@lotos.ru", "petr@lotos.ru"]
    first = body["members"][0]
    assert first == {"userId": owner.pk, "name": "Ольга Владелица", "email": "owner@lotos.ru", "role": "admin",
                     "isOwner": True, "joinedAt": first["joinedAt"]}
    assert body["members"][1]["isOwner"] is False
    [invitation] = body["invitations"]
    assert (invitation["email"], invitation["role"], invitation["isExpired"]) == ("ivan@lotos.ru", "analyst", False)
    assert "expiresAt" in invitation
    assert body["seats"] == {"used": 3, "limit": 3, "plan": "Пробный"}


def test_patch_changes_a_role(workspace, api, add_member, make_user):
    operator = make_user()
    add_member(operator, workspace, "operator")
    response = api.patch(f"/api/v1/team/{operator.pk}", {"role": "analyst"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["role"] == "analyst"
    assert Membership.objects.get(user=operator, tenant=workspace).role == "analyst"
    bad = api.patch(f"/api/v1/team/{operator.pk}", {"role": "boss"}, content_type="application/json")
    assert bad.status_code == 400
    assert "role" in bad.json()["error"]["fields"]


def test_unknown_member_is_404(api, make_user):
    stranger = make_user()
    assert api.patch(f"/api/v1/team/{stranger.pk}", {"role": "analyst"},
                     content_type="application/json").status_code == 404
    assert api.delete(f"/api/v1/team/{stranger.pk}").status_code == 404


def test_delete_removes_the_member_and_their_access(workspace, api, add_member, make_user, client_for):
    operator = make_user()
    add_member(operator, workspace, "operator")
    their_client = client_for(workspace, operator)
    assert their_client.get("/api/v1/leads").status_code == 200
    assert api.delete(f"/api/v1/team/{operator.pk}").status_code == 204
    assert not Membership.objects.filter(user=operator, tenant=workspace).exists()
    assert their_client.get("/api/v1/leads").status_code == 403


def test_the_owner_cannot_be_demoted_or_removed_by_another_admin(workspace, owner, add_member, make_user, client_for):
    admin = make_user()
    add_member(admin, workspace, "admin")
    client = client_for(workspace, admin)
    demote = client.patch(f"/api/v1/team/{owner.pk}", {"role": "operator"}, content_type="application/json")
    assert demote.status_code == 403
    assert demote.json()["error"]["code"] == "owner_protected"
    remove = client.delete(f"/api/v1/team/{owner.pk}")
    assert remove.status_code == 403
    assert remove.json()["error"]["code"] == "owner_protected"
    assert Membership.objects.get(user=owner, tenant=workspace).role == "admin"


def test_the_owner_stays_admin_even_by_their_own_hand(workspace, owner, add_member, make_user):
    add_member(make_user(), workspace, "admin")
    with pytest.raises(team_errors.OwnerProtected, match="Вы владелец аккаунта"):
        team_services.change_role(workspace, owner, owner.pk, "operator")
    with pytest.raises(team_errors.OwnerProtected):
        team_services.remove_member(workspace, owner, owner.pk)


def test_another_admin_can_be_demoted_and_can_leave(workspace, owner, add_member, make_user):
    admin = make_user()
    add_member(admin, workspace, "admin")
    assert team_services.change_role(workspace, admin, admin.pk, "operator").role == "operator"
    team_services.remove_member(workspace, owner, admin.pk)
    assert not Membership.objects.filter(user=admin, tenant=workspace).exists()


def test_the_last_admin_cannot_be_demoted_or_removed(workspace, owner, add_member, make_user, client_for):
    # A workspace whose account owner is not in its team: its only admin is an ordinary member.
    Membership.objects.filter(user=owner, tenant=workspace).delete()
    admin = make_user()
    add_member(admin, workspace, "admin")
    client = client_for(workspace, admin)
    demote = client.patch(f"/api/v1/team/{admin.pk}", {"role": "operator"}, content_type="application/json")
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "last_admin"
    assert "хотя бы один администратор" in demote.json()["error"]["message"]
    remove = client.delete(f"/api/v1/team/{admin.pk}")
    assert remove.status_code == 409
    assert remove.json()["error"]["code"] == "last_admin"
    # with a second admin the first one may step down
    second = make_user()
    add_member(second, workspace, "admin")
    assert client.patch(f"/api/v1/team/{admin.pk}", {"role": "operator"},
                        content_type="application/json").status_code == 200


# --- who may call the team API --------------------------------------------------------------------------

TEAM_ROUTES = [
    ("get", "/api/v1/team", None),
    ("post", "/api/v1/team/invitations", {"email": "x@lotos.ru", "role": "operator"}),
    ("patch", "/api/v1/team/{owner}", {"role": "operator"}),
    ("delete", "/api/v1/team/{owner}", None),
    ("post", "/api/v1/team/invitations/{invitation}/resend", None),
    ("delete", "/api/v1/team/invitations/{invitation}", None),
]


@pytest.mark.parametrize("role", ["operator", "analyst"])
@pytest.mark.parametrize(("method", "path", "body"), TEAM_ROUTES)
def test_operators_and_analysts_get_403_on_every_team_route(workspace, owner, add_member, make_user, client_for,
                                                           role, method, path, body):
    invitation = team_services.invite(workspace, owner, "ivan@lotos.ru", "operator")
    member = make_user()
    add_member(member, workspace, role)
    client = client_for(workspace, member)
    url = path.format(owner=owner.pk, invitation=invitation.pk)
    kwargs = {"data": body, "content_type": "application/json"} if body else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Membership.objects.get(user=owner, tenant=workspace).role == "admin"
    assert not Invitation.objects.filter(email="x@lotos.ru").exists()


def test_team_api_needs_a_login(workspace, client_for):
    assert client_for(workspace).get("/api/v1/team").status_code == 401


def test_team_routes_declare_their_permissions():
    from shared_apps.tenancy.permissions import Perm
    from tenant_apps.team.api import router

    declared = {
        (method, path): operation.view_func.required_permission
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    }
    assert declared[("GET", "/team")] == Perm.TEAM_VIEW
    assert {perm for key, perm in declared.items() if key != ("GET", "/team")} == {Perm.TEAM_MANAGE}
    assert len(declared) == 6
