import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.leads.models import Channel, Lead, LeadEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(make_tenant, client_for):
    tenant = make_tenant(name="Автосервис «Мотор»")
    admin = tenant.memberships.get().user
    now = timezone.now()
    with tenant_context(tenant):
        booked = Lead.objects.create(name="Олег Смирнов", phone="+79161112233", channel=Channel.TELEGRAM,
                                     status=Lead.Status.BOOKED, created_at=now)
        LeadEvent.objects.create(lead=booked, kind=LeadEvent.Kind.BOOKED, text="Записан на диагностику",
                                 created_at=now)
        Lead.objects.create(name="Вера Новикова", phone="+79035554433", status=Lead.Status.NEW, created_at=now)
    return tenant, client_for(tenant, admin), booked


def test_home_shows_the_workspace_metrics(workspace):
    _, client, _ = workspace
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Автосервис «Мотор»" in body
    assert response.context["summary"].total == 2
    assert response.context["summary"].conversion_percent == 50.0
    assert "Олег Смирнов" in body


def test_leads_list_filters_by_status_and_channel(workspace):
    _, client, _ = workspace
    body = client.get("/leads?status=new").content.decode()
    assert "Вера Новикова" in body
    assert "Олег Смирнов" not in body
    body = client.get("/leads?channel=telegram").content.decode()
    assert "Олег Смирнов" in body
    assert "Вера Новикова" not in body


def test_bad_filters_are_refused_in_russian_not_500(workspace):
    _, client, _ = workspace
    response = client.get("/leads?status=hacked&channel=<script>&page=-5")
    assert response.status_code == 400
    assert response.context["errors"] == {"status": "Недопустимое значение.", "channel": "Недопустимое значение."}
    assert "<script>" not in response.content.decode()


def test_a_bad_page_number_alone_is_not_a_bad_filter(workspace):
    _, client, _ = workspace
    response = client.get("/leads?page=-5")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2


@pytest.mark.parametrize(("page", "shown"), [("0", 1), ("-1", 1), ("abc", 1), ("2", 2), ("99999999999999999999", 2)])
def test_a_page_number_out_of_range_shows_the_nearest_page(workspace, page, shown):
    tenant, client, _ = workspace
    with tenant_context(tenant):
        Lead.objects.bulk_create(Lead(name=f"Лид {n}", phone="+79160000000", created_at=timezone.now())
                                 for n in range(30))
    response = client.get(f"/leads?page={page}")
    assert response.status_code == 200
    assert response.context["page"].number == shown


def test_htmx_filter_returns_only_the_table(workspace):
    _, client, _ = workspace
    response = client.get("/leads?status=booked", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Олег Смирнов" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_lead_page_shows_the_timeline(workspace):
    _, client, booked = workspace
    body = client.get(f"/leads/{booked.pk}").content.decode()
    assert "Записан на диагностику" in body
    assert 'href="tel:+79161112233"' in body
    assert "+7 916 111-22-33" in body
    assert client.get("/leads/999999").status_code == 404


def test_logout_is_post_only_and_ends_the_session(workspace):
    _, client, _ = workspace
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response["Location"] == "http://localhost:8000/"
    assert client.get("/").status_code == 302
