"""Workspace API of the team: members, roles, invitations (tenant host, JSON in camelCase).

Every route needs an administrator: reading the team is ``team.view``, changing it ``team.manage``.
Refusals come from shared_apps.tenancy.team with their status and code (plan_limit, owner_protected,
last_admin, already_member, ...) inside the usual error envelope.
"""

from dataclasses import asdict
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from shared_apps.accounts.api import FieldErrorsHttp
from shared_apps.accounts.api_auth import TENANT_AUTH, requires

from . import team
from .models import Invitation
from .permissions import Perm

router = Router(tags=["team"], auth=TENANT_AUTH)


class MemberOut(Schema):
    user_id: int = Field(serialization_alias="userId")
    name: str
    email: str
    role: str
    is_owner: bool = Field(serialization_alias="isOwner")
    joined_at: datetime = Field(serialization_alias="joinedAt")


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    invited_at: datetime = Field(serialization_alias="invitedAt")
    expires_at: datetime = Field(serialization_alias="expiresAt")
    is_expired: bool = Field(serialization_alias="isExpired")


class SeatsOut(Schema):
    used: int
    limit: int | None
    plan: str


class TeamOut(Schema):
    members: list[MemberOut]
    invitations: list[InvitationOut]
    seats: SeatsOut


class InviteIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field(max_length=16)


class RoleIn(Schema):
    role: str = Field(max_length=16)


def _refused(exc: team.TeamError) -> FieldErrorsHttp:
    return FieldErrorsHttp(exc.status, exc.message, exc.fields, code=exc.code)


def _invitation_out(invitation: Invitation) -> dict:
    return {"id": invitation.pk, "email": invitation.email, "role": invitation.role,
            "invited_at": invitation.created_at, "expires_at": invitation.expires_at,
            "is_expired": invitation.expires_at <= timezone.now()}


def _member_out(request: HttpRequest, user_id: int) -> dict:
    member = next(member for member in team.members(request.tenant) if member.user_id == user_id)
    return asdict(member)


@router.get("/team", response=TeamOut, by_alias=True, summary="listTeamMembers")
@requires(Perm.TEAM_VIEW)
def list_team(request: HttpRequest):
    tenant = request.tenant
    seats = team.seats(tenant)
    return {
        "members": [asdict(member) for member in team.members(tenant)],
        "invitations": [asdict(invitation) for invitation in team.pending_invitations(tenant)],
        "seats": {"used": seats.used, "limit": seats.limit, "plan": seats.plan_name},
    }


@router.post("/team/invitations", response={201: InvitationOut}, by_alias=True, summary="inviteTeamMember")
@requires(Perm.TEAM_MANAGE)
def invite_member(request: HttpRequest, payload: InviteIn):
    try:
        invitation = team.invite(request.tenant, request.user, payload.email, payload.role)
    except team.TeamError as exc:
        raise _refused(exc) from exc
    return Status(201, _invitation_out(invitation))


@router.post("/team/invitations/{invitation_id}/resend", response=InvitationOut, by_alias=True,
             summary="resendInvitation")
@requires(Perm.TEAM_MANAGE)
def resend_invitation(request: HttpRequest, invitation_id: int):
    try:
        invitation = team.resend(team.invitation_in(request.tenant, invitation_id))
    except team.TeamError as exc:
        raise _refused(exc) from exc
    return _invitation_out(invitation)


@router.delete("/team/invitations/{invitation_id}", response={204: None}, summary="revokeInvitation")
@requires(Perm.TEAM_MANAGE)
def revoke_invitation(request: HttpRequest, invitation_id: int):
    try:
        team.revoke(team.invitation_in(request.tenant, invitation_id))
    except team.TeamError as exc:
        raise _refused(exc) from exc
    return Status(204, None)


@router.patch("/team/{user_id}", response=MemberOut, by_alias=True, summary="updateTeamMember")
@requires(Perm.TEAM_MANAGE)
def update_member(request: HttpRequest, user_id: int, payload: RoleIn):
    try:
        team.change_role(request.tenant, request.user, user_id, payload.role)
    except team.TeamError as exc:
        raise _refused(exc) from exc
    return _member_out(request, user_id)


@router.delete("/team/{user_id}", response={204: None}, summary="removeTeamMember")
@requires(Perm.TEAM_MANAGE)
def remove_member(request: HttpRequest, user_id: int):
    try:
        team.remove_member(request.tenant, request.user, user_id)
    except team.TeamError as exc:
        raise _refused(exc) from exc
    return Status(204, None)
