"""Team page URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("team", views.team_page, name="team"),
    path("team/invite", views.invite, name="team_invite"),
    path("team/<int:user_id>/role", views.change_role, name="team_role"),
    path("team/<int:user_id>/remove", views.remove, name="team_remove"),
    path("team/invitations/<int:invitation_id>/resend", views.resend, name="team_resend"),
    path("team/invitations/<int:invitation_id>/revoke", views.revoke, name="team_revoke"),
]
