"""The cabinet as a closed beta: while the ``dashboard`` flag is not on for a workspace's account, its members get
neither the cabinet's pages nor the workspace API. What serves leads (the widget, channels' webhooks, booking
links) does not go through membership and keeps working; so do logging in and the hand-off, which end on the
refusal below with a way to log out."""

from shared_apps.flags import flags

from .models import Tenant

CLOSED_BETA = ("Личный кабинет пока открыт только участникам закрытого бета-тестирования. "
               "Заявки с виджета на вашем сайте по-прежнему принимаются.")


def in_beta(tenant: Tenant) -> bool:
    return flags.is_on(flags.DASHBOARD, tenant.account_id)
