"""Staff alerts through the workspace's Telegram bot (run in the workspace's schema).

A bot can only write to a chat that started it. A member asks for a link on the profile page
(:func:`staff_link`): the bot's deep link ``https://t.me/<bot>?start=staff-<token>``. Opening it sends
``/start staff-<token>`` to our webhook; :func:`link_chat` (called from the conversation's intake) ties that chat
to the member, who then gets the alerts there (:func:`alert_staff`, registered with the reports' senders)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict

from .kinds import Kind
from .models import Channel, StaffChat
from .sending import send_message
from .services import transport_for

if TYPE_CHECKING:
    from shared_apps.accounts.models import User

logger = logging.getLogger(__name__)

STAFF_PREFIX = "staff-"
LINK_LIFETIME = timedelta(hours=1)
LINKED = "Готово: оповещения Fast Lead о заявках будут приходить в этот чат. Отключить можно в настройках профиля."
BAD_LINK = ("Ссылка для подключения оповещений устарела или уже использована. "
            "Получите новую в настройках профиля в кабинете Fast Lead.")
NO_BOT = "Telegram-бот рабочего пространства не подключён: подключите его в разделе «Каналы»."


def staff_bot() -> Channel | None:
    """The workspace's connected Telegram bot, if any."""
    return Channel.objects.filter(kind=Kind.TELEGRAM).exclude(status=Channel.Status.DISABLED).first()


@dataclass(frozen=True)
class StaffTelegram:
    available: bool  # the workspace has a Telegram bot
    linked: bool
    linked_at: datetime | None


def staff_telegram(user: User) -> StaffTelegram:
    chat = StaffChat.objects.filter(user_id=user.pk).exclude(chat_id="").first()
    return StaffTelegram(staff_bot() is not None, chat is not None, chat.linked_at if chat else None)


def staff_link(user: User) -> str:
    """A fresh deep link for the member (the previous unused one stops working); :class:`Conflict` without a bot
    or when the bot's name is unknown."""
    bot = staff_bot()
    if bot is None:
        raise Conflict(NO_BOT)
    token = secrets.token_urlsafe(24)
    url = transport_for(bot).deep_link(f"{STAFF_PREFIX}{token}")
    if not url:
        raise Conflict("Не удалось получить имя Telegram-бота: переподключите бота в разделе «Каналы».")
    StaffChat.objects.update_or_create(user_id=user.pk, defaults={
        "link_token": token, "link_expires_at": timezone.now() + LINK_LIFETIME})
    return url


def unlink(user: User) -> bool:
    return StaffChat.objects.filter(user_id=user.pk).delete()[0] > 0


def is_staff_start(token: str) -> bool:
    return token.startswith(STAFF_PREFIX)


def link_chat(channel: Channel, chat_id: str, token: str) -> None:
    """``/start staff-<token>`` from a chat: link it to the member whose unexpired token it is, and say so in the
    chat; a stale token gets an explanation. Never a lead."""
    now = timezone.now()
    with transaction.atomic():
        chat = (StaffChat.objects.select_for_update()
                .filter(link_token=token.removeprefix(STAFF_PREFIX), link_expires_at__gt=now).first())
        if chat is None:
            send_message(channel, None, chat_id, BAD_LINK, automatic=True)
            return
        chat.channel, chat.chat_id, chat.linked_at = channel, chat_id, now
        chat.link_token, chat.link_expires_at = None, None
        chat.save(update_fields=["channel", "chat_id", "linked_at", "link_token", "link_expires_at"])
        send_message(channel, None, chat_id, LINKED, automatic=True)
    logger.info("staff_chat_linked", extra={"userId": chat.user_id, "provider": channel.provider})


def alert_staff(user_ids: list[int], text: str) -> None:
    """A staff alert to the members' linked chats through the bot (queued in the caller's transaction)."""
    chats = (StaffChat.objects.filter(user_id__in=user_ids).exclude(chat_id="").select_related("channel")
             .exclude(channel=None).exclude(channel__status=Channel.Status.DISABLED))
    for chat in chats:
        if chat.channel is not None:
            send_message(chat.channel, None, chat.chat_id, text[:4000])
