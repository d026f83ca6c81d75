"""Widget editor URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("widget", views.widget_editor, name="widget"),
    path("widget/media/<str:name>", views.widget_media, name="widget_media"),
]
