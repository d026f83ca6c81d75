"""The journal of actions' URL; included by dashboard/urls.py, so the name lives in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("workspace/audit", views.journal, name="audit"),
]
