import pytest
from django_tenants.utils import tenant_context

from tenant_apps.leads.models import Lead

from .widget_leads import post_widget_lead


@pytest.fixture(autouse=True)
def _sandbox_smtp_port(request, monkeypatch):
    """The SMTP credentials of ``test_channels_api.PROVIDERS`` name the sandbox's SMTP port, known once it runs."""
    if "channel_sandbox" in request.fixturenames:
        from .test_channels_api import PROVIDERS

        port = str(request.getfixturevalue("channel_sandbox").smtp_port)
        for credentials in PROVIDERS["smtp"][:2]:
            monkeypatch.setitem(credentials, "port", port)


@pytest.fixture
def submit(workspace, send_mail_now):
    """``submit(**changes)``: a widget lead to ``workspace`` (a module's fixture giving the Tenant); the outbox runs
    its handlers in-process after the commit. Returns the stored lead."""

    def post(**changes) -> Lead:
        with send_mail_now():
            response = post_widget_lead(workspace, **changes)
        with tenant_context(workspace):
            return Lead.objects.get(pk=response.json()["leadId"])

    return post
