from shared_apps.tenancy.models import Tenant

from .models import WidgetPublication


def default_widget_config(tenant: Tenant) -> dict:
    return {
        "title": tenant.name,
        "greeting": "Здравствуйте! Оставьте контакты — мы перезвоним в течение 5 минут.",
        "buttonLabel": "Оставить заявку",
        "primaryColor": "#2563eb",
        "theme": "light",
        "position": "right",
        "quickReplies": ["Узнать цену", "Записаться", "Задать вопрос"],
        "successMessage": "Спасибо! Мы свяжемся с вами в ближайшее время.",
        "channels": ["web"],
    }


def publish_default_widget(tenant: Tenant) -> WidgetPublication:
    publication, _ = WidgetPublication.objects.get_or_create(
        tenant=tenant, defaults={"config": default_widget_config(tenant)}
    )
    return publication
