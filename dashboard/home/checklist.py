"""The overview's setup checklist: what a new workspace still has to do, read from the apps that know."""

from dataclasses import dataclass

from django.urls import reverse

from shared_apps.flags import flags
from shared_apps.tenancy.models import Tenant
from tenant_apps.channels.models import CalendarConnection, Channel
from tenant_apps.leads.models import Lead
from tenant_apps.widgets.services import get_widget
from widget_cdn.models import WidgetPublication


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    url: str
    done: bool
    optional: bool = False


def wizard_step(slug: str) -> str:
    return reverse("dashboard:onboarding_step", kwargs={"step": slug})


def setup_steps(tenant: Tenant) -> list[Step]:
    """Each step links to the wizard's page for it, or, with the wizard switched off, to the section."""
    wizard = flags.is_on(flags.ONBOARDING, tenant.account_id)
    channels = reverse("dashboard:channels")
    widget = get_widget()
    # Saved by a member (the editor, or the wizard) and published: a new workspace's default widget
    # is published too, but nobody has looked at it yet.
    published = widget.updated_by_id is not None and WidgetPublication.objects.filter(tenant=tenant).exists()
    return [
        Step("site", "Домены сайта и политика конфиденциальности",
             "Без них виджет не принимает заявки.",
             wizard_step("workspace") if wizard else reverse("dashboard:workspace"),
             bool(tenant.site_domains and widget.privacy_policy_url)),
        Step("widget", "Виджет настроен и опубликован", "Цвета, тексты и каналы для посетителей.",
             reverse("dashboard:widget"), published),
        Step("channel", "Подключён канал связи", "SMS, e-mail или мессенджер — для первого ответа клиенту.",
             f"{channels}#content", Channel.objects.filter(status=Channel.Status.CONNECTED).exists()),
        Step("calendar", "Подключён календарь", "Клиенты записываются сами по ссылке.",
             f"{channels}#calendar", CalendarConnection.objects.exists(), optional=True),
        Step("first_lead", "Получена первая заявка", "Установите код виджета на сайт и отправьте пробную заявку.",
             wizard_step("snippet") if wizard else f"{reverse('dashboard:widget')}#snippet", Lead.objects.exists()),
    ]


def checklist(tenant: Tenant) -> list[Step] | None:
    """The steps while any required one is left; None once the workspace is set up (the block is hidden)."""
    steps = setup_steps(tenant)
    return steps if any(not step.done and not step.optional for step in steps) else None
