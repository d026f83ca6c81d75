"""The leads list: every filter, search by a phone typed in any format, sorting, keyset pages stable under inserts,
Russian 400s, isolation between workspaces and analysts' masking — through the API and the selectors."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from conftest import set_plan
from core.errors import InvalidInput
from shared_apps.tenancy.models import Membership
from tenant_apps.leads.models import Lead
from tenant_apps.leads.selectors import UNASSIGNED, LeadFilters, lead_list, lead_page, phone_digits

pytestmark = pytest.mark.django_db

# Moscow is UTC+3: 21:30 UTC on 1 March is already 2 March there.
MARCH_1_LATE_UTC = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)


@pytest.fixture
def world(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant(name="Клиника")
    set_plan(tenant, "pro")
    owner = tenant.memberships.get().user
    operator = make_user()
    add_member(operator, tenant)
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with tenant_context(tenant):
        rows = [
            dict(name="Анна", phone="+79161234567", email="anna@mail.ru", channel="telegram", status="new",
                 page_url="https://clinic.ru/prices?x=1", utm_source="yandex", utm_medium="cpc",
                 utm_campaign="spring", created_at=base, assigned_to=operator),
            dict(name="Борис", phone="+79035550011", email="boris@ya.ru", channel="web", status="booked",
                 page_url="https://clinic.ru/", utm_source="google", utm_medium="cpc", utm_campaign="spring",
                 created_at=MARCH_1_LATE_UTC),
            dict(name="Вера", phone="+74951112233", email="vera@clinic.ru", channel="web", status="contacted",
                 page_url="https://clinic.ru/doctors", utm_source="yandex", utm_medium="email",
                 utm_campaign="autumn", created_at=base + timedelta(days=5)),
        ]
        leads = {row["name"]: Lead.objects.create(**row) for row in rows}
    return tenant, owner, operator, leads, client_for(tenant, owner)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("status=booked", ["Борис"]),
    ("channel=web", ["Вера", "Борис"]),
    ("from=2026-03-02", ["Вера", "Борис"]),  # Борис came at 00:30 Moscow time on 2 March
    ("to=2026-03-01", ["Анна"]),
    ("from=2026-03-01&to=2026-03-01", ["Анна"]),
    ("from=2026-03-06&to=2026-03-06", ["Вера"]),  # one whole day, both ends included
    ("assigned=none", ["Вера", "Борис"]),
    ("sourcePage=PRICES", ["Анна"]),
    ("utmSource=yandex", ["Вера", "Анна"]),
    ("utmMedium=cpc", ["Борис", "Анна"]),
    ("utmCampaign=autumn", ["Вера"]),
    ("utmSource=yand", []),  # UTM is an exact match
    ("q=бор", ["Борис"]),
    ("q=CLINIC.RU", ["Вера"]),
    ("utmSource=yandex&utmMedium=cpc&status=new", ["Анна"]),
    ("channel=web&from=2026-03-02&q=вера", ["Вера"]),
])
def test_each_filter_and_their_combinations(world, query, expected):
    *_, client = world
    assert _names(client.get(f"/api/v1/leads?{query}")) == expected


def test_assigned_to_a_member(world):
    _, _, operator, _, client = world
    assert _names(client.get(f"/api/v1/leads?assigned={operator.pk}")) == ["Анна"]


@pytest.mark.parametrize("typed", ["8 916 123-45-67", "+7 (916) 123 45 67", "9161234567", "123-45", "79161234567"])
def test_a_phone_typed_in_any_format_finds_the_lead(world, typed):
    *_, client = world
    assert _names(client.get("/api/v1/leads", {"q": typed})) == ["Анна"]


def test_phone_digits_normalisation():
    assert phone_digits("8 916 123-45-67") == "79161234567"
    assert phone_digits("8 (495) 1") == "84951"  # not eleven digits: the 8 stays
    assert phone_digits("+7 (916) 123 45 67") == "79161234567"


@pytest.mark.parametrize(("sort", "expected"), [
    ("", ["Вера", "Борис", "Анна"]),
    ("-createdAt", ["Вера", "Борис", "Анна"]),
    ("createdAt", ["Анна", "Борис", "Вера"]),
    ("name", ["Анна", "Борис", "Вера"]),
    ("-name", ["Вера", "Борис", "Анна"]),
    ("status", ["Борис", "Вера", "Анна"]),  # booked < contacted < new
])
def test_sorting(world, sort, expected):
    *_, client = world
    assert _names(client.get("/api/v1/leads", {"sort": sort})) == expected


@pytest.mark.parametrize("sort", ["-createdAt", "createdAt", "name", "-name", "status"])
def test_cursor_pages_neither_repeat_nor_skip_when_leads_arrive_between_them(world, sort):
    tenant, *_, client = world
    with tenant_context(tenant):
        for _number in range(4):  # equal sort keys: the id breaks the tie
            Lead.objects.create(name="Анна", status="new", created_at=MARCH_1_LATE_UTC)
        before = set(Lead.objects.values_list("name", "pk"))
    first = client.get("/api/v1/leads", {"sort": sort, "limit": 3}).json()
    assert first["total"] == 7
    assert len(first["items"]) == 3
    assert first["nextCursor"]
    with tenant_context(tenant):  # arrives between page 1 and page 2, at the top and in the middle of any order
        Lead.objects.create(name="Ян", status="new", created_at=timezone.now())
        Lead.objects.create(name="Анна", status="lost", created_at=MARCH_1_LATE_UTC)
    seen = [item["id"] for item in first["items"]]
    cursor = first["nextCursor"]
    while cursor:
        page = client.get("/api/v1/leads", {"sort": sort, "limit": 3, "cursor": cursor}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
    assert len(seen) == len(set(seen)), "a lead was shown twice"
    assert {pk for _, pk in before} <= set(seen), "a lead that was there before was skipped"


def test_the_last_page_has_no_cursor(world):
    *_, client = world
    body = client.get("/api/v1/leads?limit=3").json()
    assert body["nextCursor"] is None
    assert body["total"] == 3
    assert len(body["items"]) == 3


@pytest.mark.parametrize(("query", "field", "message"), [
    ("cursor=не-курсор", "cursor", "Недействительный курсор: начните список с первой страницы."),
    ("cursor=WzEsMiwzXQ", "cursor", "Недействительный курсор: начните список с первой страницы."),  # [1,2,3]
    ("from=2026-13-01", "from", "Неверная дата, ожидается ГГГГ-ММ-ДД."),
    ("to=вчера", "to", "Неверная дата, ожидается ГГГГ-ММ-ДД."),
    ("from=2026-03-05&to=2026-03-01", "from", "Дата «с» позже даты «по»."),
    ("sort=price", "sort", "Недопустимое значение."),
    ("assigned=кто-то", "assigned", "Неверный формат."),
    ("assigned=999999", "assigned", "Нет такого сотрудника в рабочем пространстве."),
    ("limit=0", "limit", "Значение слишком маленькое."),
    ("limit=101", "limit", "Значение слишком большое."),
])
def test_bad_filters_are_refused_in_russian(world, query, field, message):
    *_, client = world
    for path in ("/api/v1/leads", "/api/v1/leads/export"):
        if field in {"cursor", "limit"} and path.endswith("export"):
            continue
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, response.content[:300]
        assert response.json()["error"]["fields"] == {field: message}


def test_a_cursor_of_another_sort_is_refused(world):
    *_, client = world
    cursor = client.get("/api/v1/leads?limit=1&sort=name").json()["nextCursor"]
    assert client.get("/api/v1/leads", {"limit": 1, "cursor": cursor}).status_code == 400


def test_a_member_of_another_workspace_is_not_an_operator_here(world, make_tenant):
    *_, client = world
    stranger = make_tenant().memberships.get().user
    response = client.get(f"/api/v1/leads?assigned={stranger.pk}")
    assert response.status_code == 400


def test_another_workspaces_leads_never_appear(world, make_tenant):
    *_, client = world
    other = make_tenant()
    with tenant_context(other):
        Lead.objects.create(name="Чужой", phone="+79161234567", utm_source="yandex", created_at=timezone.now())
    assert "Чужой" not in _names(client.get("/api/v1/leads?q=9161234567&limit=100"))
    assert "Чужой" not in _names(client.get("/api/v1/leads?utmSource=yandex"))


def test_analysts_see_masked_contacts_in_the_filtered_list_and_export(world, make_user, add_member, client_for):
    tenant, *_ = world
    analyst = make_user()
    add_member(analyst, tenant, Membership.Role.ANALYST)
    client = client_for(tenant, analyst)
    item = client.get("/api/v1/leads?q=8 916 123-45-67").json()["items"][0]
    assert item["name"] == "Анна"
    assert "1234567" not in item["phone"]
    assert item["email"] != "anna@mail.ru"
    exported = b"".join(client.get("/api/v1/leads/export?q=8 916 123-45-67").streaming_content).decode("utf-8-sig")
    assert "Анна" in exported
    assert "+79161234567" not in exported
    assert "anna@mail.ru" not in exported


def test_the_export_exports_what_the_list_shows(world):
    *_, client = world
    query = "channel=web&sort=name&utmMedium=cpc"
    shown = _names(client.get(f"/api/v1/leads?{query}"))
    lines = b"".join(client.get(f"/api/v1/leads/export?{query}").streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(";")[1] for line in lines[1:]] == shown == ["Борис"]


def test_selectors_directly(world):
    tenant, _, operator, _leads, _ = world
    with tenant_context(tenant):
        assert [lead.name for lead in lead_list(LeadFilters(assigned=UNASSIGNED, sort="name"))] == ["Борис", "Вера"]
        assert [lead.name for lead in lead_list(LeadFilters(assigned=operator.pk))] == ["Анна"]
        page = lead_page(LeadFilters(sort="createdAt"), cursor=None, limit=2)
        assert [lead.name for lead in page.items] == ["Анна", "Борис"]
        rest = lead_page(LeadFilters(sort="createdAt"), cursor=page.next_cursor, limit=2)
        assert [lead.name for lead in rest.items] == ["Вера"]
        assert rest.next_cursor is None
    with pytest.raises(InvalidInput) as refused:
        LeadFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert refused.value.fields == {"from": "Дата «с» позже даты «по»."}
