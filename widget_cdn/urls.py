from django.urls import path

from . import views

app_name = "widget_cdn"
urlpatterns = [
    path("w/<str:public_key>/config.json", views.published_config, name="config"),
]
