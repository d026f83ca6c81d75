"""Cal.com on «Каналы»; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("channels/calendar/event-types", views.event_types, name="calendar_event_types"),
    path("channels/calendar/connect", views.connect, name="calendar_connect"),
    path("channels/calendar/delete", views.disconnect, name="calendar_delete"),
]
