"""Analytics listens to leads (a lower layer) and never the other way round."""

from typing import Any

from tenant_apps.leads.models import Lead

from . import facts

DISPATCH_UID = "analytics.lead_changed"


def lead_changed_received(sender: Any, lead: Lead, previous_status: str | None = None, **kwargs: Any) -> None:
    facts.record(lead)
