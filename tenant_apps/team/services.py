"""A workspace's team: members with roles, invitations by e-mail, the plan's seat limit.

Writes of the team (reads are in selectors.py, refusals in errors.py); the API (api.py), the cabinet
pages (dashboard) and the invitation pages on the public host (views.py) all go through them.

Rules:
- Seats: members plus open, unexpired invitations may not exceed the plan's ``max_members``
  (None = unlimited) → ``PlanLimitReached`` (403, code ``plan_limit``). An invitation holds its seat
  until it is accepted, revoked or expires; accepting one only checks that the members themselves
  still fit (a downgrade meanwhile may have shrunk the limit).
- Invitations: a random token (``secrets.token_urlsafe(32)``) travels in the link, only its SHA-256 is
  stored; valid 7 days, single use. Resending issues a new token and a new 7 days: the old link stops
  working. One open invitation per (workspace, e-mail).
- The account owner is always an administrator of their workspaces: nobody (themselves included) can
  change their role or remove them (403, code ``owner_protected``).
- A workspace keeps at least one administrator: demoting or removing the last one is refused with
  409 (code ``last_admin``): the request is valid but conflicts with the team's current state.
- Every change to the team happens under a row lock on the tenant, so two admins inviting at the same
  moment cannot both take the last seat, nor demote the last two admins at once.
"""

import logging
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import entitlements
from billing.models import Plan
from billing.selectors import plan_of
from core import email, events
from core.links import platform_url
from core.text import plural
from core.validation import CHECK_FIELDS, max_length_of, name_error, one_line
from shared_apps.accounts import services as accounts
from shared_apps.accounts.models import User
from shared_apps.accounts.services import normalize_email
from shared_apps.audit import services as audit
from shared_apps.tenancy.models import Invitation, Membership, Tenant

from .errors import (
    AccountExists,
    AlreadyMember,
    InvalidInput,
    InvitationClosed,
    InvitationExists,
    InvitationRejected,
    LastAdmin,
    NotFound,
    OwnerProtected,
    PlanLimitReached,
)
from .selectors import (
    ROLE_DESCRIPTIONS,
    account_exists,
    invitation_for,
    open_invitations,
    owner_id_of,
    refusal_reason,
    seats,
    token_hash,
)

logger = logging.getLogger(__name__)

INVITATION_TTL = timedelta(days=7)
PEOPLE_AFTER_AT_MOST = ("человека", "человек", "человек")  # «не больше 1 человека», «не больше 3 человек»


# --- seat limit -----------------------------------------------------------------------------------------


def _upgrade_hint(plan: Plan) -> str:
    bigger = entitlements.bigger_team_plan(plan)
    free_up = "удалите участника или отзовите приглашение"
    if bigger is None:
        return f"Чтобы пригласить кого-то ещё, {free_up}."
    more = "команда без ограничений" if bigger.max_members is None else f"до {bigger.max_members} человек"
    return f"Перейдите на тариф «{bigger.name}» ({more}) или {free_up}."


def limit_message(plan: Plan) -> str:
    limit = plan.max_members
    if limit is None:  # an unlimited team is never full
        return ""
    people = plural(limit, PEOPLE_AFTER_AT_MOST)
    return (
        f"На тарифе «{plan.name}» в команде может быть не больше {limit} {people}, включая приглашённых. "
        + _upgrade_hint(plan)
    )


def _check_seat_for_invitation(tenant: Tenant) -> None:
    plan = plan_of(tenant.client_account)
    if plan.max_members is not None and seats(tenant).used >= plan.max_members:
        raise PlanLimitReached(limit_message(plan))


def _check_seat_for_member(tenant: Tenant) -> None:
    """On acceptance the invitation already holds a seat; only the members themselves must still fit.

    A workspace that is read-only or blocked for non-payment takes no new members either.
    """
    try:
        entitlements.check_writable(tenant.client_account)
    except entitlements.LimitReached as exc:
        raise PlanLimitReached(exc.message) from None
    plan = plan_of(tenant.client_account)
    if plan.max_members is not None and Membership.objects.filter(tenant=tenant).count() >= plan.max_members:
        raise PlanLimitReached(
            f"В команде «{tenant.name}» нет свободных мест на тарифе «{plan.name}». Попросите администратора "
            "освободить место или перейти на тариф побольше."
        )


def _lock(tenant: Tenant) -> None:
    """Serialise the team changes of one workspace (call inside a transaction)."""
    Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk", flat=True).first()


# --- invitations --------------------------------------------------------------------------------------------


def _role_error(role: str) -> str | None:
    if role in Membership.Role.values:
        return None
    return "Выберите роль: администратор, оператор или аналитик."


def _send_invitation(invitation: Invitation, raw: str) -> None:
    tenant = invitation.tenant
    inviter = invitation.invited_by
    context = {
        "workspace": tenant.name,
        "inviter": inviter.get_full_name() if inviter else "",
        "role": invitation.get_role_display(),
        "role_description": ROLE_DESCRIPTIONS.get(invitation.role, ""),
        "link": platform_url(f"/invite/{raw}"),
        "expires_at": invitation.expires_at,
        "days": INVITATION_TTL.days,
    }
    email.send("invitation", invitation.email, f"Приглашение в «{tenant.name}» — Fast Lead", context)


def invite(tenant: Tenant, inviter: User, email: str, role: str) -> Invitation:
    """Invite an e-mail to the workspace with a role and mail the link.

    Returns the invitation; its transient ``raw_token`` attribute holds the secret of the link
    (not stored anywhere, only in the e-mail).
    """
    email = normalize_email(email)
    errors: dict[str, str] = {}
    if email_error := accounts.email_error(email, required="Введите e-mail сотрудника."):
        errors["email"] = email_error
    if role_error := _role_error(role):
        errors["role"] = role_error
    if errors:
        raise InvalidInput(CHECK_FIELDS, fields=errors)
    now = timezone.now()
    with transaction.atomic():
        _lock(tenant)
        if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
            raise AlreadyMember(f"{email} уже в команде.", fields={"email": "Этот человек уже в команде."})
        existing = Invitation.objects.select_for_update().filter(open_invitations(tenant), email__iexact=email).first()
        if existing is not None and existing.expires_at > now:
            raise InvitationExists(
                f"Приглашение на {email} уже отправлено. Его можно отправить повторно или отозвать в списке ниже.",
                fields={"email": "На этот e-mail уже отправлено приглашение."},
            )
        _check_seat_for_invitation(tenant)
        raw = secrets.token_urlsafe(32)
        if existing is not None:  # an expired invitation to the same address: renew it in place
            invitation = existing
            invitation.role, invitation.invited_by = role, inviter
            invitation.token_hash, invitation.expires_at = token_hash(raw), now + INVITATION_TTL
            invitation.save(update_fields=["role", "invited_by", "token_hash", "expires_at"])
        else:
            invitation = Invitation.objects.create(
                tenant=tenant, email=email, role=role, invited_by=inviter, token_hash=token_hash(raw),
                expires_at=now + INVITATION_TTL,
            )
        invitation.tenant = tenant
        _send_invitation(invitation, raw)
        audit.record("team.member_invited", actor=inviter, workspace=tenant, target=email,
                     details={"role": invitation.get_role_display()})
    events.emit("team_member_invited", tenantId=tenant.slug or "", inviterUserId=inviter.pk,
                inviteeEmailDomain=events.email_domain(invitation.email), role=invitation.role)
    invitation.raw_token = raw
    return invitation


def _locked_invitation(invitation: Invitation) -> Invitation:
    _lock(invitation.tenant)
    rows = Invitation.objects.select_for_update(of=("self",)).select_related("tenant", "invited_by")
    return rows.get(pk=invitation.pk)


def resend(invitation: Invitation) -> Invitation:
    """Mail a new link valid another 7 days; the previous link stops working. The transient
    ``raw_token`` attribute of the result holds the new secret."""
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        if invitation.accepted_at is not None:
            raise InvitationClosed("Приглашение уже принято.")
        if invitation.revoked_at is not None:
            raise InvitationClosed("Приглашение отозвано. Отправьте новое.")
        tenant = invitation.tenant
        if Membership.objects.filter(tenant=tenant, user__email__iexact=invitation.email).exists():
            raise AlreadyMember(f"{invitation.email} уже в команде.")
        if invitation.expires_at <= timezone.now():  # an expired invitation holds no seat: it takes one again
            _check_seat_for_invitation(tenant)
        raw = secrets.token_urlsafe(32)
        invitation.token_hash, invitation.expires_at = token_hash(raw), timezone.now() + INVITATION_TTL
        invitation.save(update_fields=["token_hash", "expires_at"])
        _send_invitation(invitation, raw)
    logger.info("team_invitation_resent", extra={"tenantId": tenant.slug, "invitationId": invitation.pk})
    invitation.raw_token = raw
    return invitation


def revoke(invitation: Invitation, actor: User) -> Invitation:
    """The link stops working and the seat is free again. Revoking twice is harmless."""
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        if invitation.accepted_at is not None:
            raise InvitationClosed("Приглашение уже принято: чтобы закрыть доступ, удалите участника из команды.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit.record("team.invitation_revoked", actor=actor, workspace=invitation.tenant,
                         target=invitation.email, details={"role": invitation.get_role_display()})
    logger.info("team_invitation_revoked",
                extra={"tenantId": invitation.tenant.slug, "invitationId": invitation.pk})
    return invitation


def accept_existing(raw_token: str, user: User) -> Membership:
    """The logged-in user whose e-mail the invitation names joins the workspace with its role.

    The link proves the address, so an unconfirmed e-mail becomes confirmed. Someone who is already a
    member keeps their role; the invitation is spent either way.
    """
    found = invitation_for(raw_token)
    with transaction.atomic():
        invitation = _locked_invitation(found)
        if reason := refusal_reason(invitation):
            raise InvitationRejected(reason)
        if normalize_email(user.email) != normalize_email(invitation.email):
            raise InvitationRejected("wrong_user")
        tenant = invitation.tenant
        membership = Membership.objects.filter(tenant=tenant, user=user).select_related("tenant").first()
        if membership is None:
            _check_seat_for_member(tenant)
            membership = Membership.objects.create(tenant=tenant, user=user, role=invitation.role)
            audit.record("team.member_joined", actor=user, workspace=tenant, target=user.email,
                         details={"role": membership.get_role_display()})
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        if not user.is_email_confirmed:
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["email_confirmed_at"])
    logger.info("team_member_joined",
                extra={"tenantId": tenant.slug, "userId": user.pk, "invitationId": invitation.pk})
    return membership


def accept_with_registration(raw_token: str, name: str, password: str) -> tuple[User, Membership]:
    """Create the invitee's login (e-mail confirmed by the link; no account or workspace of their own) and
    join them to the workspace. Bad name or password → InvalidInput with Russian field messages."""
    invitation = invitation_for(raw_token)
    name = one_line(name)
    errors: dict[str, str] = {}
    if name_problem := name_error(name, max_length_of(User, "full_name"), "Укажите ваше имя."):
        errors["name"] = name_problem
    if password_error := accounts.new_password_error(User(email=invitation.email, full_name=name), password):
        errors["password"] = password_error
    if errors:
        raise InvalidInput(CHECK_FIELDS, fields=errors)
    exists = AccountExists("Аккаунт с этим e-mail уже есть: войдите, чтобы принять приглашение.")
    if account_exists(invitation.email):
        raise exists
    try:
        with transaction.atomic():
            user = User.objects.create_user(invitation.email, password, full_name=name,
                                            email_confirmed_at=timezone.now())
            membership = accept_existing(raw_token, user)
    except IntegrityError as exc:  # the same address registered at the same moment
        raise exists from exc
    events.emit("user_registered", userId=user.pk, emailDomain=events.email_domain(user.email), source="invitation")
    return user, membership


# --- members ----------------------------------------------------------------------------------------------


def _member_for_update(tenant: Tenant, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("user")
        .filter(tenant=tenant, user_id=user_id)
        .first()
    )
    if membership is None:
        raise NotFound("Участник не найден.")
    return membership


def _other_admins(tenant: Tenant, membership: Membership) -> int:
    return Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN).exclude(pk=membership.pk).count()


def change_role(tenant: Tenant, actor: User, user_id: int, role: str) -> Membership:
    if role_error := _role_error(role):
        raise InvalidInput(role_error, fields={"role": role_error})
    with transaction.atomic():
        _lock(tenant)
        membership = _member_for_update(tenant, user_id)
        if membership.role == role:
            return membership
        if membership.user_id == owner_id_of(tenant):
            raise OwnerProtected(
                "Вы владелец аккаунта: ваша роль всегда «Администратор»." if actor.pk == membership.user_id
                else "Роль владельца аккаунта изменить нельзя: он всегда администратор."
            )
        if membership.role == Membership.Role.ADMIN and not _other_admins(tenant, membership):
            raise LastAdmin("В рабочем пространстве должен остаться хотя бы один администратор. "
                            "Сначала назначьте администратором другого участника.")
        from_role = membership.get_role_display()
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record("team.role_changed", actor=actor, workspace=tenant, target=membership.user.email,
                     details={"fromRole": from_role, "toRole": membership.get_role_display()})
    logger.info("team_member_role_changed",
                extra={"tenantId": tenant.slug, "actorUserId": actor.pk, "userId": user_id, "role": role})
    return membership


def remove_member(tenant: Tenant, actor: User, user_id: int) -> None:
    """The member loses access at once: every page and API call checks the membership."""
    with transaction.atomic():
        _lock(tenant)
        membership = _member_for_update(tenant, user_id)
        if membership.user_id == owner_id_of(tenant):
            raise OwnerProtected("Владельца аккаунта нельзя удалить из команды.")
        if membership.role == Membership.Role.ADMIN and not _other_admins(tenant, membership):
            raise LastAdmin("Нельзя удалить единственного администратора: сначала назначьте администратором "
                            "другого участника.")
        membership.delete()
        audit.record("team.member_removed", actor=actor, workspace=tenant, target=membership.user.email,
                     details={"role": membership.get_role_display()})
    logger.info("team_member_removed", extra={"tenantId": tenant.slug, "actorUserId": actor.pk, "userId": user_id})
