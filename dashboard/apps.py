from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Личный кабинет"

    def ready(self) -> None:
        # Channels and widgets are siblings that may not import each other; the cabinet, above both, composes them:
        # the widget's visitor may choose the connected channels, and the greeting knows the business hours.
        from tenant_apps.channels.first_contact import business_hours_sources
        from tenant_apps.channels.selectors import visitor_kinds
        from tenant_apps.widgets.selectors import business_hours
        from tenant_apps.widgets.services import visitor_channel_sources

        if visitor_kinds not in visitor_channel_sources:
            visitor_channel_sources.append(visitor_kinds)
        if business_hours not in business_hours_sources:
            business_hours_sources.append(business_hours)

        # Reports' staff alerts also go to the members' chats with the workspace's Telegram bot.
        from tenant_apps.channels.staff import alert_staff
        from tenant_apps.reports.alerts import staff_senders

        if alert_staff not in staff_senders:
            staff_senders.append(alert_staff)
