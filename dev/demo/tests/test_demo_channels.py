"""The demo workspace's channels: connected through the real connect (checked live against the channel sandbox),
waiting for the sandbox while `make run` starts it, checked again on the next run."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from dev.demo.channels import connect_demo_channels
from dev.demo.services import DEMO_SLUG
from tenant_apps.channels.models import Channel

pytestmark = pytest.mark.django_db


def _channels(tenant) -> dict[str, str]:
    with tenant_context(tenant):
        return dict(Channel.objects.values_list("provider", "status"))


def test_the_demo_gets_sms_email_and_telegram_connected_and_checked_again_next_time(make_tenant, channel_sandbox):
    tenant = make_tenant(slug=DEMO_SLUG)
    out = io.StringIO()
    call_command("connect_demo_channels", stdout=out)
    assert _channels(tenant) == {"twilio": "connected", "sendgrid": "connected", "telegram": "connected"}
    assert "Демо-канал twilio: подключен" in out.getvalue()

    with tenant_context(tenant):
        Channel.objects.filter(provider="sendgrid").update(status="disabled")
    again = {outcome.provider: outcome.text for outcome in connect_demo_channels()}
    assert again == {"twilio": "уже подключен, ключи проверены", "telegram": "уже подключен, ключи проверены",
                     "sendgrid": "отключен администратором — не трогаем"}
    assert _channels(tenant)["sendgrid"] == "disabled"


def test_it_waits_for_the_sandbox_and_gives_up_in_time(make_tenant, channel_sandbox):
    tenant = make_tenant(slug=DEMO_SLUG)
    channel_sandbox.set_fault("twilio", "http_500", times=3)  # the sandbox "starting": three failed answers
    pauses = []
    outcomes = connect_demo_channels(wait_seconds=60, pause=0.5, sleep=pauses.append)
    assert all(outcome.ok for outcome in outcomes)
    assert pauses == [0.5, 0.5, 0.5]
    assert _channels(tenant)["twilio"] == "connected"

    channel_sandbox.set_fault("telegram", "http_500", times=1000)
    [*_, telegram] = connect_demo_channels(wait_seconds=0)
    assert telegram.provider == "telegram"
    assert not telegram.ok
    assert telegram.text.startswith("песочница не ответила: Telegram временно недоступен (ошибка 500)")


def test_without_the_demo_workspace_the_command_says_what_to_do(db):
    with pytest.raises(CommandError, match=r"сначала выполните manage\.py seed_demo"):
        call_command("connect_demo_channels")
