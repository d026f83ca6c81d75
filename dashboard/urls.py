from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("leads", views.leads, name="leads"),
    path("leads/<int:lead_id>", views.lead, name="lead"),
]

auth_urlpatterns = [
    path(
        "login",
        auth_views.LoginView.as_view(template_name="dashboard/login.html", authentication_form=LoginForm,
                                     redirect_authenticated_user=True),
        name="login",
    ),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
]
