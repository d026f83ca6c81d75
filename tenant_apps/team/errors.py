"""Why a team operation was refused (each a DomainError with its status and code)."""

from core.errors import DomainError


class TeamError(DomainError):
    """A refused team operation: ``message`` for people, ``status`` and ``code`` for the API,
    ``fields`` per-field messages (bad input)."""


class InvalidInput(TeamError):
    status, code = 400, "validation_error"


class PlanLimitReached(TeamError):
    status, code = 403, "plan_limit"


class OwnerProtected(TeamError):
    status, code = 403, "owner_protected"


class NotFound(TeamError):
    status, code = 404, "not_found"


class AlreadyMember(TeamError):
    status, code = 409, "already_member"


class InvitationExists(TeamError):
    status, code = 409, "invitation_exists"


class InvitationClosed(TeamError):
    """Resend or revoke of an invitation that was already accepted or revoked."""

    status, code = 409, "invitation_closed"


class LastAdmin(TeamError):
    status, code = 409, "last_admin"


class AccountExists(TeamError):
    """Registration through an invitation for an e-mail that already has an account: log in instead."""

    status, code = 409, "email_taken"


class InvitationRejected(TeamError):
    """The link cannot be used; ``reason`` is one of: invalid, expired, revoked, used, wrong_user."""

    MESSAGES = {
        "invalid": "Ссылка-приглашение недействительна. Проверьте, что она скопирована целиком. Если приглашение "
                   "отправляли повторно, откройте ссылку из последнего письма.",
        "expired": "Срок действия приглашения истёк: оно действует 7 дней. Попросите администратора рабочего "
                   "пространства отправить приглашение ещё раз.",
        "revoked": "Приглашение отозвано администратором рабочего пространства.",
        "used": "Это приглашение уже принято. Войдите, чтобы открыть рабочее пространство.",
        "wrong_user": "Приглашение отправлено на другой e-mail. Войдите с адресом, на который пришло письмо.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason], status=403 if reason == "wrong_user" else 400,
                         code=f"invitation_{reason}")
        self.reason = reason


