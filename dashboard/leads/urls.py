"""Leads section URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("leads", views.leads, name="leads"),
    path("leads/<int:lead_id>", views.lead, name="lead"),
    path("leads/<int:lead_id>/timeline", views.timeline, name="lead_timeline"),
    path("leads/<int:lead_id>/reply", views.reply, name="lead_reply"),
]
