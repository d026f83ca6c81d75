from django.urls import path

from . import views

app_name = "widget_cdn"
urlpatterns = [
    path("w/<str:public_key>.js", views.widget_script, name="script"),
    path("w/<str:public_key>/config.json", views.published_config, name="config"),
    path("w/<str:public_key>/config/<int:version>.json", views.published_config_version, name="config_version"),
    path("w/<str:public_key>/leads", views.lead_intake, name="leads"),
    path("w/<str:public_key>/demo", views.demo_page, name="demo"),
]
