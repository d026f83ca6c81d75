from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("logout", views.logout_view, name="logout"),
    path("email/check", views.email_check, name="email_check"),
    path("email/confirm/<str:token>", views.email_confirm, name="email_confirm"),
    path("email/change/<str:token>", views.email_change_confirm, name="email_change_confirm"),
    path("password/reset", views.password_reset, name="password_reset"),
    path("password/reset/<str:token>", views.password_reset_confirm, name="password_reset_confirm"),
]

# "login" stays un-namespaced: Django's LOGIN_URL and redirect_to_login use it.
login_urlpatterns = [path("login", views.login_view, name="login")]
