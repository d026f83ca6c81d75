"""Staff alerts in Telegram: a member links their chat with the workspace's bot by a one-time deep link from the
profile page (``/start staff-<token>``, through the channel sandbox's Telegram), then gets the alerts there."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_TELEGRAM, STARTED_CHAT
from tenant_apps.channels import crypto, services
from tenant_apps.channels.models import Channel, StaffChat
from tenant_apps.channels.staff import BAD_LINK, LINKED
from tenant_apps.leads.models import Lead
from tenant_apps.reports.services import run_alerts

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_and_operator, channel_sandbox):
    tenant, admin, operator = admin_and_operator
    with tenant_context(tenant):
        bot = services.connect("telegram", {"botToken": DEFAULT_TELEGRAM}, actor=None)
        secret = crypto.decrypt(Channel.objects.get(pk=bot.pk).credentials_token)["inboundSecret"]
    return tenant, admin, operator, bot, secret


def _update(tenant, bot, secret, text: str, message_id: int):
    body = json.dumps({"update_id": message_id, "message": {
        "message_id": message_id, "date": 1767225600, "text": text,
        "from": {"id": STARTED_CHAT, "is_bot": False, "first_name": "Ольга"},
        "chat": {"id": STARTED_CHAT, "first_name": "Ольга", "type": "private"}}}).encode()
    return Client(HTTP_HOST=tenant.primary_host).post(
        f"/channels/inbound/telegram/{bot.inbound_key}", body, content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def _texts(channel_sandbox) -> list[str]:
    return [message["text"] for message in channel_sandbox.messages("telegram") if message["to"] == str(STARTED_CHAT)]


def test_a_member_links_telegram_and_gets_alerts_there(world, channel_sandbox, send_mail_now):
    tenant, admin, _, bot, secret = world
    settings_page = admin.get("/settings")
    page = settings_page.content.decode()
    # The browser follows the form's redirect to the bot only if the page's policy lets a form go there.
    form_action = next(d for d in settings_page["Content-Security-Policy"].split("; ") if d.startswith("form-action"))
    assert "https://t.me" in form_action.split()
    assert "Оповещения в Telegram" in page
    assert "Подключить Telegram" in page
    response = admin.post("/settings/telegram/link")
    assert response.status_code == 302
    link = urlsplit(response["Location"])
    assert (link.netloc, link.path) == ("t.me", "/fastlead_sandbox_bot")
    payload = parse_qs(link.query)["start"][0]
    assert payload.startswith("staff-")

    with send_mail_now():
        assert _update(tenant, bot, secret, f"/start {payload}", 1).status_code == 200
    assert _texts(channel_sandbox) == [LINKED]
    with tenant_context(tenant):
        assert not Lead.objects.exists()  # a member, not a lead
        chat = StaffChat.objects.get()
    assert chat.chat_id == str(STARTED_CHAT)
    assert chat.link_token is None
    assert "Отключить Telegram" in admin.get("/settings").content.decode()

    with send_mail_now():  # the link is used up: opening it again links nothing
        _update(tenant, bot, secret, f"/start {payload}", 2)
    assert _texts(channel_sandbox)[-1] == BAD_LINK

    now = timezone.now()
    with tenant_context(tenant):
        Lead.objects.create(name="Анна", created_at=now - timedelta(minutes=20))
    with send_mail_now():
        assert run_alerts(now) == 1
    alert = _texts(channel_sandbox)[-1]
    assert alert.startswith(f"⏰ {tenant.name}: заявка «Анна» (Веб-форма) ждёт ответа 20 мин.")
    assert len(mail.outbox) == 1  # and the e-mail

    assert admin.post("/settings/telegram/unlink").status_code == 302
    with tenant_context(tenant):
        assert not StaffChat.objects.exists()
        Lead.objects.create(name="Борис", created_at=now - timedelta(minutes=20))
    sent = len(_texts(channel_sandbox))
    with send_mail_now():
        run_alerts(now)
    assert len(_texts(channel_sandbox)) == sent


def test_an_unknown_staff_token_gets_an_explanation_and_no_lead(world, channel_sandbox, send_mail_now):
    tenant, _, _, bot, secret = world
    with send_mail_now():
        assert _update(tenant, bot, secret, "/start staff-NotAToken123", 1).status_code == 200
    assert _texts(channel_sandbox) == [BAD_LINK]
    with tenant_context(tenant):
        assert not Lead.objects.exists()
        assert not StaffChat.objects.exists()


def test_without_a_bot_the_profile_says_how_to_connect_one(admin_and_operator):
    _tenant, admin, _operator = admin_and_operator
    page = admin.get("/settings").content.decode()
    assert "Бот пока не подключён" in page
    response = admin.post("/settings/telegram/link")
    assert response.status_code == 302
    assert response["Location"] == "/settings"
    followed = admin.get("/settings").content.decode()
    assert "Telegram-бот рабочего пространства не подключён" in followed
