"""The cabinet's home section: the overview."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.templatetags.live_leads import remember_new_leads
from shared_apps.onboarding.wizard import STEPS, number_of, progress_for, step_of
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.analytics.wording import duration_text
from tenant_apps.leads.selectors import LeadFilters, lead_list, lead_summary, waiting_leads
from tenant_apps.reports.selectors import overview_cards

from .checklist import checklist

WAITING_SHOWN = 8  # the overview's «Ждут ответа дольше всех»


@require_GET
@permission_required(Perm.TENANT_VIEW)
def home(request: WorkspaceRequest) -> HttpResponse:
    """Today, 7 and 30 days against the periods before, the leads waiting longest and what is left to set up."""
    tenant = request.tenant
    now = timezone.now()
    waiting = [(lead, duration_text((now - lead.created_at).total_seconds())) for lead in waiting_leads(WAITING_SHOWN)]
    # The setup is the admins' work: the others are not shown links to pages they may not open.
    sets_up = has_permission(request.membership, Perm.TENANT_EDIT)
    steps = checklist(tenant) if sets_up else None
    progress = progress_for(tenant) if sets_up else None
    wizard = None
    if progress is not None and progress.completed_at is None:
        wizard = {"step": step_of(progress.current), "number": number_of(progress.current), "total": len(STEPS)}
    summary = lead_summary()
    remember_new_leads(request, summary.new)
    context = {
        "section": "home", "cards": overview_cards(now, tenant.timezone), "waiting": waiting,
        "waiting_total": summary.waiting, "checklist": steps, "wizard": wizard,
        "checklist_done": sum(step.done for step in steps or []),
        "summary": summary, "total": summary.total, "recent_leads": lead_list(LeadFilters())[:8],
    }
    return render(request, "dashboard/home.html", context)
