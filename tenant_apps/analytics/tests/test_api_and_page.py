"""The analytics API's refusals and CSV, the cabinet page with its links into the leads list, and who sees what."""

import re

import pytest
import time_machine
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.permissions import ROLE_PERMISSIONS, Perm
from tenant_apps.leads.models import Lead

from .conftest import PERIOD, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=10.03.2026", "from", "Укажите дату в формате ГГГГ-ММ-ДД."),
    ("to=2026-02-30", "to", "Укажите дату в формате ГГГГ-ММ-ДД."),
    ("from=2026-03-11&to=2026-03-10", "from", "Дата «с» позже даты «по»."),
    ("from=2025-03-10&to=2026-03-11", "to", "Период не длиннее 366 дней."),
])
@pytest.mark.parametrize("endpoint", ["dashboard", "channels", "funnel", "export"])
def test_bad_periods_are_refused_in_russian(admin, endpoint, query, field, message):
    response = admin.get(f"/api/v1/analytics/{endpoint}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: message}


def test_a_year_of_366_days_is_allowed_and_the_default_is_the_last_30_days(admin):
    assert admin.get("/api/v1/analytics/funnel?from=2025-03-11&to=2026-03-11").status_code == 200
    with time_machine.travel(at(11, 22), tick=False):  # 12 March already in Moscow
        body = admin.get("/api/v1/analytics/dashboard").json()
    assert body["period"] == {"from": "2026-02-11", "to": "2026-03-12"}
    assert body["current"]["leads"] == 5


def test_every_role_may_view_analytics_and_strangers_may_not(workspace, make_user, client_for):
    assert all(Perm.ANALYTICS_VIEW in permissions for permissions in ROLE_PERMISSIONS.values())
    stranger = client_for(workspace, make_user())
    assert stranger.get(f"/api/v1/analytics/dashboard?{PERIOD}").status_code == 403
    assert client_for(workspace).get(f"/api/v1/analytics/dashboard?{PERIOD}").status_code == 401


def test_the_csv_is_for_excel(admin):
    response = admin.get(f"/api/v1/analytics/export?{PERIOD}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="analytics-' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Показатель;10.03.2026–11.03.2026;08.03.2026–09.03.2026"
    assert "Лидов;4;1" in lines
    assert "Конверсия в запись, %;25,0;0,0" in lines
    assert "Время до первого контакта, медиана, с;90;120" in lines
    assert "Связались;3;75,0;75,0;1" in lines
    assert "Веб-форма;3;2;1;1;33,3;1" in lines
    assert "/price;2;2;1;1;50,0;0" in lines
    assert "spring;2;2;1;1;50,0;0" in lines
    assert "(не указано);2;1;0;0;0,0;1" in lines


def test_the_csv_follows_the_plan(workspace, admin):
    from conftest import set_plan

    set_plan(workspace, "start")
    assert admin.get(f"/api/v1/analytics/export?{PERIOD}").status_code == 403


def test_the_page_shows_the_figures_and_links_each_to_its_leads(admin):
    response = admin.get(f"/analytics?{PERIOD}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'src="/static/js/echarts.min.js"' in body
    assert "dashboard/analytics.js" in body
    assert 'id="analytics-data" type="application/json"' in body
    assert 'href="/leads?from=2026-03-10&amp;to=2026-03-11"' in body  # the leads card
    assert 'href="/leads?from=2026-03-10&amp;to=2026-03-11&amp;contacted=true"' in body
    assert 'href="/leads?from=2026-03-10&amp;to=2026-03-11&amp;status=booked"' in body
    assert 'href="/leads?from=2026-03-10&amp;to=2026-03-11&amp;channel=telegram"' in body
    assert 'href="/leads?from=2026-03-10&amp;to=2026-03-11&amp;source=%2Fprice"' in body
    assert 'href="/leads?from=2026-03-10&amp;to=2026-03-11&amp;utmCampaign=spring"' in body
    assert re.search(r'id="figure-leads"[^>]*>\s*<span[^>]*>Заявки</span>\s*<span[^>]*>4</span>', body)
    assert "/api/v1/analytics/export?from=2026-03-10&amp;to=2026-03-11" in body


def test_other_pages_do_not_load_echarts(admin):
    assert "echarts" not in admin.get("/leads").content.decode()


def test_presets_and_a_bad_custom_period(admin):
    with time_machine.travel(at(11, 12), tick=False):
        body = admin.get("/analytics?days=7").content.decode()
    assert 'value="2026-03-05"' in body
    assert 'value="2026-03-11"' in body
    assert 'aria-current="true">7&nbsp;дней' in body
    response = admin.get("/analytics?from=2026-03-12&to=2026-03-10")
    assert response.status_code == 400
    assert "Дата «с» позже даты «по»." in response.content.decode()
    for days in ("abc", "45"):  # not a preset: said, not silently replaced by 30 days
        refused = admin.get(f"/analytics?days={days}")
        assert refused.status_code == 400
        assert "Период задаётся кнопками 7, 30, 90 дней" in refused.content.decode()


def test_the_leads_list_takes_the_funnel_stage_filter(admin):
    assert admin.get(f"/api/v1/leads?contacted=true&{PERIOD}").json()["total"] == 3
    assert admin.get(f"/api/v1/leads?contacted=&{PERIOD}").json()["total"] == 4
    body = admin.get(f"/leads?contacted=true&{PERIOD}").content.decode()
    assert 'name="contacted" value="true" checked' in body
    assert len(set(re.findall(r'href="/leads/(\d+)"', body))) == 3


def test_an_analyst_sees_analytics_and_the_click_through_list_masks_contacts(workspace, make_user, add_member,
                                                                           client_for):
    analyst = make_user()
    add_member(analyst, workspace, Membership.Role.ANALYST)
    client = client_for(workspace, analyst)
    page = client.get(f"/analytics?{PERIOD}").content.decode()
    link = re.search(r'id="figure-booked" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    listed = client.get(link).content.decode()
    with tenant_context(workspace):
        booked = Lead.objects.get(status=Lead.Status.BOOKED)
    assert booked.name in listed or f"/leads/{booked.pk}" in listed
    assert "+79161234567" not in listed
    assert "+7 9** ***-**-67" in listed
    assert client.get(f"/api/v1/analytics/funnel?{PERIOD}").status_code == 200
