"""Workspace API of the team: members, roles, invitations (tenant host, JSON in camelCase).

Every route needs an administrator: reading the team is ``team.view``, changing it ``team.manage``.
Refusals are the team's DomainErrors (errors.py) with their status and code (plan_limit, owner_protected,
last_admin, already_member, ...) inside the usual error envelope.
"""

from dataclasses import asdict
from datetime import datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from core.api_errors import ErrorOut
from core.api_schema import Email
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.models import Invitation
from shared_apps.tenancy.permissions import Perm

from . import selectors as team_selectors
from . import services as team_services

router = Router(tags=["team"], auth=TENANT_AUTH)


class MemberOut(Schema):
    user_id: int = Field(serialization_alias="userId")
    name: str
    email: Email
    role: str
    is_owner: bool = Field(serialization_alias="isOwner")
    joined_at: datetime = Field(serialization_alias="joinedAt")


class InvitationOut(Schema):
    id: int
    email: Email
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
    email: Email = Field(max_length=254)
    role: str = Field(max_length=16)


class RoleIn(Schema):
    role: str = Field(max_length=16)


def _invitation_out(invitation: Invitation) -> dict:
    return {"id": invitation.pk, "email": invitation.email, "role": invitation.role,
            "invited_at": invitation.created_at, "expires_at": invitation.expires_at,
            "is_expired": invitation.expires_at <= timezone.now()}


def _member_out(request: WorkspaceRequest, user_id: int) -> dict:
    member = next(member for member in team_selectors.members(request.tenant) if member.user_id == user_id)
    return asdict(member)


@router.get("/team", response=TeamOut, by_alias=True, summary="listTeamMembers")
@requires(Perm.TEAM_VIEW)
def list_team(request: WorkspaceRequest):
    tenant = request.tenant
    seats = team_selectors.seats(tenant)
    return {
        "members": [asdict(member) for member in team_selectors.members(tenant)],
        "invitations": [asdict(invitation) for invitation in team_selectors.pending_invitations(tenant)],
        "seats": {"used": seats.used, "limit": seats.limit, "plan": seats.plan_name},
    }


@router.post("/team/invitations", response={201: InvitationOut, 409: ErrorOut}, by_alias=True,
             summary="inviteTeamMember")
@requires(Perm.TEAM_MANAGE)
def invite_member(request: WorkspaceRequest, payload: InviteIn):
    invitation = team_services.invite(request.tenant, request.user, payload.email, payload.role)
    return Status(201, _invitation_out(invitation))


@router.post("/team/invitations/{invitation_id}/resend", response={200: InvitationOut, 409: ErrorOut}, by_alias=True,
             summary="resendInvitation")
@requires(Perm.TEAM_MANAGE)
def resend_invitation(request: WorkspaceRequest, invitation_id: int):
    invitation = team_services.resend(team_selectors.invitation_in(request.tenant, invitation_id))
    return _invitation_out(invitation)


@router.delete("/team/invitations/{invitation_id}", response={204: None, 409: ErrorOut}, summary="revokeInvitation")
@requires(Perm.TEAM_MANAGE)
def revoke_invitation(request: WorkspaceRequest, invitation_id: int):
    team_services.revoke(team_selectors.invitation_in(request.tenant, invitation_id), request.user)
    return Status(204, None)


@router.patch("/team/{user_id}", response={200: MemberOut, 409: ErrorOut}, by_alias=True, summary="updateTeamMember")
@requires(Perm.TEAM_MANAGE)
def update_member(request: WorkspaceRequest, user_id: int, payload: RoleIn):
    team_services.change_role(request.tenant, request.user, user_id, payload.role)
    return _member_out(request, user_id)


@router.delete("/team/{user_id}", response={204: None, 409: ErrorOut}, summary="removeTeamMember")
@requires(Perm.TEAM_MANAGE)
def remove_member(request: WorkspaceRequest, user_id: int):
    team_services.remove_member(request.tenant, request.user, user_id)
    return Status(204, None)
