"""Home section URLs (overview, first run); included by dashboard/urls.py, so the
names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
