"""Where staff alerts go besides e-mail: senders registered by the cabinet (``dashboard/apps.py``), such as the
workspace's Telegram bot. Reports may not import the channels app, so it only knows this registry.

A sender is called inside the alert's transaction in the workspace's schema with the recipients' user ids and
the alert's text; it must not do network I/O there (enqueue through the outbox instead)."""

from collections.abc import Callable

StaffSender = Callable[[list[int], str], None]

staff_senders: list[StaffSender] = []


def send_to_staff(user_ids: list[int], text: str) -> None:
    for sender in staff_senders:
        sender(user_ids, text)
