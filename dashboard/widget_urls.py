"""Widget editor URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import widget_views

urlpatterns = [
    path("widget", widget_views.widget_editor, name="widget"),
    path("widget/media/<str:name>", widget_views.widget_media, name="widget_media"),
]
