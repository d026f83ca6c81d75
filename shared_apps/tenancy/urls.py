from django.urls import path

from . import login_views

app_name = "tenancy"
urlpatterns = [
    path("login/continue", login_views.login_continue, name="continue"),
]
