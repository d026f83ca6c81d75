"""Leads section URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("leads", views.leads, name="leads"),
    path("leads/views", views.save_view, name="leads_save_view"),
    path("leads/views/<int:view_id>/delete", views.delete_view, name="leads_delete_view"),
    path("leads/news", views.news, name="leads_news"),
    path("leads/badge", views.badge, name="leads_badge"),
    path("leads/<int:lead_id>", views.lead, name="lead"),
    path("leads/<int:lead_id>/timeline", views.timeline, name="lead_timeline"),
    path("leads/<int:lead_id>/reply", views.reply, name="lead_reply"),
    path("leads/<int:lead_id>/actions", views.lead_action, name="lead_action"),
    path("leads/<int:lead_id>/personal-data", views.personal_data, name="lead_personal_data"),
    path("leads/<int:lead_id>/erase", views.erase, name="lead_erase"),
]
