"""Onboarding wizard URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import step_calendar, step_channel, step_test, views

urlpatterns = [
    path("onboarding", views.resume, name="onboarding"),
    path("onboarding/<slug:step>", views.step, name="onboarding_step"),
    path("onboarding/<slug:step>/skip", views.skip, name="onboarding_skip"),
    path("onboarding/channel/connect/<slug:provider>", step_channel.connect, name="onboarding_channel_connect"),
    path("onboarding/calendar/event-types", step_calendar.event_types, name="onboarding_calendar_event_types"),
    path("onboarding/calendar/connect", step_calendar.connect, name="onboarding_calendar_connect"),
    path("onboarding/test/news", step_test.news, name="onboarding_test_news"),
]
