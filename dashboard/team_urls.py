"""Team page URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import team_views

urlpatterns = [
    path("team", team_views.team_page, name="team"),
    path("team/invite", team_views.invite, name="team_invite"),
    path("team/<int:user_id>/role", team_views.change_role, name="team_role"),
    path("team/<int:user_id>/remove", team_views.remove, name="team_remove"),
    path("team/invitations/<int:invitation_id>/resend", team_views.resend, name="team_resend"),
    path("team/invitations/<int:invitation_id>/revoke", team_views.revoke, name="team_revoke"),
]
