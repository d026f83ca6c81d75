"""Reads of a workspace's team: members, pending invitations, seats, invitation links."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from billing.selectors import plan_of
from shared_apps.accounts.models import User
from shared_apps.accounts.services import normalize_email
from shared_apps.tenancy.models import Invitation, Membership, Tenant

from .errors import InvitationRejected, NotFound

ROLE_DESCRIPTIONS: dict[str, str] = {
    Membership.Role.ADMIN: "всё, включая команду и биллинг",
    Membership.Role.OPERATOR: "работает с лидами, видит виджет и каналы",
    Membership.Role.ANALYST: "аналитика и лиды только для чтения, контакты скрыты",
}


@dataclass(frozen=True)
class TeamMember:
    user_id: int
    name: str
    email: str
    role: str
    role_label: str
    is_owner: bool
    joined_at: datetime


@dataclass(frozen=True)
class PendingInvitation:
    id: int
    email: str
    role: str
    role_label: str
    invited_by: str
    invited_at: datetime
    expires_at: datetime
    is_expired: bool


@dataclass(frozen=True)
class Seats:
    """Seats taken (members + open unexpired invitations) against the plan's limit (None = unlimited)."""

    members: int
    pending: int
    limit: int | None
    plan_name: str

    @property
    def used(self) -> int:
        return self.members + self.pending

    @property
    def is_full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def owner_id_of(tenant: Tenant) -> int | None:
    account = tenant.account
    return account.owner_id if account is not None else None


def members(tenant: Tenant) -> list[TeamMember]:
    """The workspace's members, the account owner first, then by the date they joined."""
    owner_id = owner_id_of(tenant)
    rows = Membership.objects.filter(tenant=tenant).select_related("user").order_by("created_at", "pk")
    team = [
        TeamMember(
            user_id=row.user_id, name=row.user.full_name, email=row.user.email, role=row.role,
            role_label=row.get_role_display(), is_owner=row.user_id == owner_id, joined_at=row.created_at,
        )
        for row in rows
    ]
    team.sort(key=lambda member: not member.is_owner)  # stable: the rest keep their order
    return team


def open_invitations(tenant: Tenant) -> Q:
    return Q(tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True)


def pending_invitations(tenant: Tenant) -> list[PendingInvitation]:
    """Invitations not accepted and not revoked, the expired ones too (they can be resent or revoked)."""
    now = timezone.now()
    rows = Invitation.objects.filter(open_invitations(tenant)).select_related("invited_by").order_by("created_at", "pk")
    return [
        PendingInvitation(
            id=row.pk, email=row.email, role=row.role, role_label=row.get_role_display(),
            invited_by=row.invited_by.get_full_name() if row.invited_by else "",
            invited_at=row.created_at, expires_at=row.expires_at, is_expired=row.expires_at <= now,
        )
        for row in rows
    ]


def seats(tenant: Tenant) -> Seats:
    plan = plan_of(tenant.client_account)
    return Seats(
        members=Membership.objects.filter(tenant=tenant).count(),
        pending=Invitation.objects.filter(open_invitations(tenant), expires_at__gt=timezone.now()).count(),
        limit=plan.max_members,
        plan_name=plan.name,
    )


def token_hash(raw: str) -> str:
    return hashlib.sha256((raw or "").encode()).hexdigest()


def refusal_reason(invitation: Invitation | None) -> str | None:
    """Why the invitation cannot be accepted, or None when it can."""
    if invitation is None:
        return "invalid"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return None


def invitation_for(raw_token: str) -> Invitation:
    """The open invitation a link's token belongs to (with its workspace and inviter), else InvitationRejected."""
    invitation = (
        Invitation.objects.select_related("tenant", "invited_by").filter(token_hash=token_hash(raw_token)).first()
        if raw_token else None
    )
    if invitation is None:
        raise InvitationRejected("invalid")
    reason = refusal_reason(invitation)
    if reason:
        raise InvitationRejected(reason)
    return invitation


def invitation_in(tenant: Tenant, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(tenant=tenant, pk=invitation_id).first()
    if invitation is None:
        raise NotFound("Приглашение не найдено.")
    return invitation


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email(email)).exists()


