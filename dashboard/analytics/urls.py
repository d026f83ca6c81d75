"""Analytics section URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("analytics", views.analytics, name="analytics"),
]
