"""The leads API's status and channel filters: empty values (a filter form's «Все») mean "all"."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from conftest import set_plan
from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(make_tenant, client_for):
    tenant = make_tenant(name="Клиника")
    set_plan(tenant, "pro")
    with tenant_context(tenant):
        Lead.objects.create(name="Анна", phone="+79160000001", channel="telegram", status="new",
                            created_at=timezone.now())
        Lead.objects.create(name="Борис", phone="+79160000002", channel="web", status="booked",
                            created_at=timezone.now())
    return client_for(tenant, tenant.memberships.get().user)


def _csv_names(response) -> list[str]:
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    return sorted(line.split(";")[1] for line in lines[1:])


@pytest.mark.parametrize("query", ["", "?status=&channel=", "?status=", "?channel="])
def test_export_with_blank_filters_exports_every_lead(workspace, query):
    response = workspace.get("/api/v1/leads/export" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert _csv_names(response) == ["Анна", "Борис"]


def test_export_with_one_filter_chosen_and_the_other_blank(workspace):
    response = workspace.get("/api/v1/leads/export?status=booked&channel=")
    assert _csv_names(response) == ["Борис"]
    response = workspace.get("/api/v1/leads/export?status=&channel=telegram")
    assert _csv_names(response) == ["Анна"]


def test_list_with_blank_filters_lists_every_lead(workspace):
    body = workspace.get("/api/v1/leads?status=&channel=").json()
    assert body["total"] == 2


@pytest.mark.parametrize("path", ["/api/v1/leads?status=lost-forever", "/api/v1/leads/export?channel=pigeon"])
def test_unknown_filter_values_are_refused_in_russian(workspace, path):
    response = workspace.get(path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {path.split("?")[1].split("=")[0]: "Недопустимое значение."}



def test_an_email_that_looks_like_a_formula_is_neutralised_in_the_csv(make_tenant, client_for):
    """Leads may come from forms that are not ours: an «e-mail» typed as a formula must not run in Excel."""
    tenant = make_tenant()
    set_plan(tenant, "pro")
    with tenant_context(tenant):
        Lead.objects.create(name="Ева", phone="+79160000003", email="=1+2@evil.ru", created_at=timezone.now())
    csv_text = b"".join(client_for(tenant, tenant.memberships.get().user).get("/api/v1/leads/export")
                        .streaming_content).decode("utf-8-sig")
    assert ";'=1+2@evil.ru;" in csv_text
    assert ";=1+2@evil.ru" not in csv_text
