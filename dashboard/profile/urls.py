"""Profile settings URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import notifications, tour, views

urlpatterns = [
    path("settings", views.settings_page, name="settings"),
    path("settings/name", views.update_name, name="settings_name"),
    path("settings/avatar", views.upload_avatar, name="settings_avatar"),
    path("settings/avatar/delete", views.delete_avatar, name="settings_avatar_delete"),
    path("settings/email", views.change_email, name="settings_email"),
    path("settings/password", views.change_password, name="settings_password"),
    path("settings/logins/<int:login_id>/end", views.end_login, name="settings_login_end"),
    path("settings/logins/end-others", views.end_other_logins, name="settings_logins_end_others"),
    path("settings/weekly-report", notifications.weekly_report, name="settings_weekly_report"),
    path("settings/alerts", notifications.alerts, name="settings_alerts"),
    path("settings/telegram/link", notifications.telegram_link, name="settings_telegram_link"),
    path("settings/telegram/unlink", notifications.telegram_unlink, name="settings_telegram_unlink"),
    path("settings/tour/dismiss", tour.dismiss, name="settings_tour_dismiss"),
    path("reports/unsubscribe/<str:token>", notifications.unsubscribe, name="report_unsubscribe"),
]
