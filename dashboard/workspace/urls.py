"""Workspace settings URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("workspace", views.workspace, name="workspace"),
    path("workspace/subdomain-check", views.subdomain_check, name="workspace_subdomain_check"),
    path("workspace/retention", views.retention_period, name="workspace_retention"),
]
