"""What the audit log records: each action's code and its Russian label (the journal's pages show the label)."""

ACTIONS: dict[str, str] = {
    # sign-ins
    "auth.login": "Вход в систему",
    "auth.login_failed": "Неудачная попытка входа",
    "auth.logout": "Выход из системы",
    "auth.staff_otp_enrolled": "Сотрудник платформы подключил двухфакторный вход",
    # team
    "team.member_invited": "Приглашение в команду",
    "team.invitation_revoked": "Приглашение отозвано",
    "team.member_joined": "Участник присоединился",
    "team.role_changed": "Изменена роль участника",
    "team.member_removed": "Участник удалён из команды",
    # exports
    "export.leads": "Выгрузка лидов",
    "export.analytics": "Выгрузка аналитики",
    "export.lead_personal_data": "Выгрузка персональных данных лида",
    # channels
    "channel.connected": "Канал подключён",
    "channel.credentials_changed": "Изменены ключи канала",
    "channel.enabled": "Канал включён",
    "channel.disabled": "Канал выключен",
    "channel.disconnected": "Канал отключён",
    "calendar.connected": "Календарь подключён",
    "calendar.disconnected": "Календарь отключён",
    # billing
    "billing.plan_changed": "Изменён тариф",
    "billing.checkout_started": "Начата оплата",
    "billing.payment_succeeded": "Платёж прошёл",
    "billing.payment_failed": "Платёж не прошёл",
    "billing.canceled": "Подписка отменена",
    "billing.resumed": "Подписка возобновлена",
    "billing.payment_method_removed": "Карта для автоплатежа удалена",
    "billing.requisites_changed": "Изменены реквизиты для счетов",
    "billing.invoice_issued": "Выставлен счёт",
    "billing.invoice_resent": "Счёт отправлен повторно",
    "billing.act_resent": "Акт отправлен повторно",
    "billing.bank_transfer_paid": "Отмечена оплата по счёту",
    "billing.trial_extended": "Продлён пробный период",
    "billing.account_blocked": "Аккаунт заблокирован",
    "billing.account_unblocked": "Аккаунт разблокирован",
    # data
    "data.lead_erased": "Персональные данные лида удалены",
    "data.retention_changed": "Изменён срок хранения персональных данных",
    "data.retention_purge": "Персональные данные лидов удалены по сроку хранения",
    "data.workspace_deleted": "Рабочее пространство удалено",
    # platform staff
    "platform.flag_changed": "Изменён флаг функции",
}


# The journal's filter for workspace admins: a group → its Russian name and the prefixes of its actions' codes.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "auth": ("Входы", ("auth.",)),
    "team": ("Команда", ("team.",)),
    "exports": ("Выгрузки", ("export.",)),
    "channels": ("Каналы", ("channel.", "calendar.")),
    "billing": ("Оплата", ("billing.",)),
    "data": ("Данные", ("data.",)),
}


def label(action: str) -> str:
    return ACTIONS.get(action, action)
