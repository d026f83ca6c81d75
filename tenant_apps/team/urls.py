"""The public-host page an invitation link opens."""

from django.urls import path

from . import views

app_name = "invitations"
urlpatterns = [
    path("invite/<str:token>", views.invitation, name="invitation"),
]
