"""Profile settings URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import settings_views

urlpatterns = [
    path("settings", settings_views.settings_page, name="settings"),
    path("settings/name", settings_views.update_name, name="settings_name"),
    path("settings/avatar", settings_views.upload_avatar, name="settings_avatar"),
    path("settings/avatar/delete", settings_views.delete_avatar, name="settings_avatar_delete"),
    path("settings/email", settings_views.change_email, name="settings_email"),
    path("settings/password", settings_views.change_password, name="settings_password"),
    path("settings/logins/<int:login_id>/end", settings_views.end_login, name="settings_login_end"),
    path("settings/logins/end-others", settings_views.end_other_logins, name="settings_logins_end_others"),
]
