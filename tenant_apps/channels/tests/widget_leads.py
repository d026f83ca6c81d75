"""Leads sent through the real widget intake, as a visitor's browser does."""

import json

from django.http import HttpResponse
from django.test import Client

from shared_apps.tenancy.models import Tenant

SITE = "https://ulybka-dent.ru"


def post_widget_lead(tenant: Tenant, **changes) -> HttpResponse:
    """A visitor on the workspace's site sends the widget's form: Анна with a Moscow mobile unless ``changes``
    (the widget's field names) say otherwise. The workspace's site domains must include ulybka-dent.ru."""
    publication = tenant.widget_publication
    body = {"name": "Анна", "phone": "8 (916) 123-45-67", "email": "", "preferredChannel": "web",
            "consentPersonalData": True, "consentMarketing": False,
            "consentVersion": publication.config["consent"]["version"], "pageUrl": f"{SITE}/uslugi",
            "utm": {"source": "", "medium": "", "campaign": "", "term": "", "content": ""}, "website": "", **changes}
    response = Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7").post(
        f"/w/{publication.public_key}/leads", json.dumps(body), content_type="application/json",
        headers={"Origin": SITE, "User-Agent": "Test/1.0"})
    assert response.status_code == 201, response.content
    return response
