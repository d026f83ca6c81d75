"""Writing the audit log: one call per audited action, in the caller's transaction (an undone action leaves no
entry)."""

from dataclasses import dataclass
from typing import Any, Protocol

from core.context import client_ip_var, request_id_var

from .actions import ACTIONS
from .models import AuditEntry

SYSTEM = "Система"


class Actor(Protocol):
    pk: Any
    email: str
    is_staff: bool


class Workspace(Protocol):
    pk: Any
    name: str
    account_id: Any


@dataclass
class Unknown:
    """Someone who named no account of ours: a failed sign-in with an e-mail nobody registered (never kept)."""

    pk: None = None
    email: str = "Неизвестный пользователь"
    is_staff: bool = False


UNKNOWN = Unknown()


def record(
    action: str,
    *,
    actor: Actor | None = None,
    workspace: Workspace | None = None,
    account_id: int | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
    ip: str | None = None,
    staff: bool = False,
) -> AuditEntry:
    """Append one entry. ``actor`` None is the platform itself (a scheduled task); ``staff`` marks platform staff
    acting on a customer's account from the platform admin. ``details`` must hold no lead's personal data.
    ``ip`` defaults to the address of the request in progress (none in a task)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to audit.actions.ACTIONS")
    if account_id is None and workspace is not None:
        account_id = workspace.account_id
    return AuditEntry.objects.create(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor.email if actor is not None else SYSTEM,
        is_staff_action=staff,
        account_id=account_id,
        workspace_id=workspace.pk if workspace is not None else None,
        workspace_label=workspace.name[:200] if workspace is not None else "",
        target=target[:200],
        details=details or {},
        ip=ip or client_ip_var.get(),
        request_id=(request_id_var.get() or "")[:128],
    )
