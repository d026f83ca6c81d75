"""The cabinet's URLs: one URLconf per section (``dashboard/<section>/urls.py``), all in the ``dashboard`` namespace."""

from django.urls import include, path

from shared_apps.tenancy import login_views

app_name = "dashboard"
urlpatterns = [
    path("", include("dashboard.home.urls")),
    path("", include("dashboard.onboarding.urls")),
    path("", include("dashboard.leads.urls")),
    path("", include("dashboard.analytics.urls")),
    path("", include("dashboard.workspace.urls")),
    path("", include("dashboard.audit.urls")),
    path("", include("dashboard.profile.urls")),
    path("", include("dashboard.team.urls")),
    path("", include("dashboard.widget.urls")),
    path("", include("dashboard.channels.urls")),
    path("", include("dashboard.calendar.urls")),
    path("", include("dashboard.billing.urls")),
]

# Un-namespaced: LOGIN_URL ("login") and the templates' {% url 'logout' %} resolve to these on workspace hosts.
auth_urlpatterns = [
    path("login", login_views.login_redirect, name="login"),
    path("logout", login_views.logout_view, name="logout"),
    path("auth/handoff", login_views.handoff, name="handoff"),
]
