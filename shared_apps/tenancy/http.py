"""What tenancy adds to Django's request, for the type checker: annotate views and API operations with these.

django-tenants' middleware (``TenantRoutingMiddleware``) sets ``request.tenant`` on every host, the public one
included; a workspace page behind ``member_required`` / ``permission_required`` or an API operation behind
``TENANT_AUTH`` also has a logged-in member and their ``membership`` of this workspace.
"""

from django.http import HttpRequest

from shared_apps.accounts.models import User

from .models import Membership, Tenant


class TenantRequest(HttpRequest):
    """Any request: ``tenant`` is the workspace of the host (the public tenant on the platform's own host)."""

    tenant: Tenant


class WorkspaceRequest(TenantRequest):
    """A member's request on a workspace host: past ``member_required`` (pages) or ``TENANT_AUTH`` (the API,
    where ``auth`` is the same membership)."""

    user: User
    membership: Membership
    auth: Membership
