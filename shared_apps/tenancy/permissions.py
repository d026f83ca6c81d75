"""Role-based access: one table from roles to permissions, used by every page and API route.

Pages use ``@permission_required(...)`` (shared_apps.tenancy.decorators); API operations
use ``@requires(...)`` (shared_apps.accounts.api_auth). Both ask ``has_permission``.
"""

from enum import StrEnum

from .models import Membership


class Perm(StrEnum):
    TENANT_VIEW = "tenant.view"
    TENANT_EDIT = "tenant.edit"
    LEADS_VIEW = "leads.view"
    LEADS_ACT = "leads.act"  # escalate, close, change status
    LEADS_EXPORT = "leads.export"
    CONTACTS_UNMASKED = "contacts.unmasked"  # see full phone numbers and e-mails
    LEADS_PERSONAL_DATA = "leads.personal_data"  # 152-FZ: export or erase one lead's personal data (admins only)
    WIDGET_VIEW = "widget.view"
    WIDGET_EDIT = "widget.edit"
    CHANNELS_VIEW = "channels.view"
    CHANNELS_EDIT = "channels.edit"
    ANALYTICS_VIEW = "analytics.view"
    TEAM_VIEW = "team.view"
    TEAM_MANAGE = "team.manage"
    BILLING_VIEW = "billing.view"
    BILLING_MANAGE = "billing.manage"
    AUDIT_VIEW = "audit.view"  # the journal of actions: administrators only


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Membership.Role.ADMIN: frozenset(Perm),
    Membership.Role.OPERATOR: frozenset(
        {Perm.TENANT_VIEW, Perm.LEADS_VIEW, Perm.LEADS_ACT, Perm.LEADS_EXPORT, Perm.CONTACTS_UNMASKED,
         Perm.WIDGET_VIEW, Perm.CHANNELS_VIEW, Perm.ANALYTICS_VIEW}
    ),
    Membership.Role.ANALYST: frozenset(
        {Perm.TENANT_VIEW, Perm.LEADS_VIEW, Perm.LEADS_EXPORT, Perm.ANALYTICS_VIEW}
    ),
}

DENIED_MESSAGE = "Недостаточно прав: обратитесь к администратору рабочего пространства."


def has_permission(membership: Membership | None, permission: Perm) -> bool:
    return membership is not None and permission in ROLE_PERMISSIONS.get(membership.role, frozenset())


def permissions_of(membership: Membership | None) -> frozenset[Perm]:
    return ROLE_PERMISSIONS.get(membership.role, frozenset()) if membership else frozenset()
