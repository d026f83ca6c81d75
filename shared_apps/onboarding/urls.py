from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("signup/continue", views.signup_continue, name="signup_continue"),
    path("workspaces/new", views.new_workspace, name="new_workspace"),
    path("workspaces/subdomain-check", views.subdomain_check, name="subdomain_check"),
]
