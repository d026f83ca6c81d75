"""The public-host page an invitation link opens."""

from django.urls import path

from . import invitation_views

app_name = "invitations"
urlpatterns = [
    path("invite/<str:token>", invitation_views.invitation, name="invitation"),
]
