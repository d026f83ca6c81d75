from django.urls import include, path

from shared_apps.accounts import tenant_views

from . import views, workspace_views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("onboarding", views.onboarding, name="onboarding"),
    path("leads", views.leads, name="leads"),
    path("leads/<int:lead_id>", views.lead, name="lead"),
    path("channels", views.channels, name="channels"),
    path("analytics", views.analytics, name="analytics"),
    path("workspace", workspace_views.workspace, name="workspace"),
    path("workspace/subdomain-check", workspace_views.subdomain_check, name="workspace_subdomain_check"),
    path("", include("dashboard.settings_urls")),
    path("", include("dashboard.team_urls")),
    path("", include("dashboard.widget_urls")),
    path("", include("dashboard.billing_urls")),
]

# Un-namespaced: LOGIN_URL ("login") and the templates' {% url 'logout' %} resolve to these on workspace hosts.
auth_urlpatterns = [
    path("login", tenant_views.login_redirect, name="login"),
    path("logout", tenant_views.logout_view, name="logout"),
    path("auth/handoff", tenant_views.handoff, name="handoff"),
]
