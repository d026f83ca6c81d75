"""The cabinet header's «Помощь» menu and the guided tour's data (dashboard/profile/tour.py decides)."""

from django import template
from django.conf import settings
from django.urls import reverse

from core.links import INSTALL_GUIDE_PATH, platform_url
from dashboard.profile.tour import starts_by_itself, steps_for
from shared_apps.flags import flags
from shared_apps.tenancy.permissions import Perm, has_permission

register = template.Library()


@register.inclusion_tag("dashboard/_tour.html", takes_context=True)
def cabinet_tour(context: template.Context) -> dict:
    """The tour's steps for this member, and whether it starts by itself here (never inside the wizard)."""
    request = context["request"]
    if getattr(request, "membership", None) is None:
        return {"steps": None}
    return {"steps": steps_for(request), "csrf_token": context.get("csrf_token"),
            "autostart": context.get("section") != "onboarding" and starts_by_itself(request)}


@register.inclusion_tag("dashboard/_help_menu.html", takes_context=True)
def help_menu(context: template.Context) -> dict:
    """The tour for members; the wizard (any step, also after it was finished) for those who set the workspace up."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    runs_wizard = (membership is not None and has_permission(membership, Perm.TENANT_EDIT)
                   and flags.is_on(flags.ONBOARDING, request.tenant.account_id))
    return {"can_tour": membership is not None, "wizard_url": reverse("dashboard:onboarding") if runs_wizard else None,
            "guides_url": platform_url(INSTALL_GUIDE_PATH), "support_email": settings.LEGAL_EMAIL}
