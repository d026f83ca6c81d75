"""Leads' pages outside the cabinet's sections: the file of a large export, behind its e-mailed link."""

from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("leads/exports/<str:token>", views.download, name="export_download"),
]
