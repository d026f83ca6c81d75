"""«Каналы» page URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("channels", views.channels_page, name="channels"),
    path("channels/connect/<slug:provider>", views.connect, name="channels_connect"),
    path("channels/first-contact", views.first_contact, name="channels_first_contact"),
    path("channels/<int:channel_id>/keys", views.replace_keys, name="channels_keys"),
    path("channels/<int:channel_id>/test", views.test, name="channels_test"),
    path("channels/<int:channel_id>/toggle", views.toggle, name="channels_toggle"),
    path("channels/<int:channel_id>/delete", views.delete, name="channels_delete"),
]
