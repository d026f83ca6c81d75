"""Providers' webhooks on a workspace's host (no session, no CSRF: each is authenticated the provider's way) and the
short booking links of the SMS greetings (no login: the lead opens them)."""

from django.urls import path

from . import calendar_views, views

app_name = "channels"
urlpatterns = [
    path("channels/calcom/<str:key>", calendar_views.calcom_webhook, name="calcom_webhook"),
    path("b/<str:code>", calendar_views.short_link, name="booking_short_link"),
    path("channels/inbound/<str:provider>/<str:key>", views.inbound, name="inbound"),
]
