"""No N+1 anywhere: every list of the workspace API and of the cabinet runs as many SQL statements for 3 rows as
for 9 (core.testing.assert_num_queries_constant), and a bounded number.

The API's GET routes are read from the API itself: each is either a list here (with what adds its rows) or named
in NOT_LISTS with the reason, so a new route fails this test until someone decides which it is."""

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Document, Payment, Plan
from config.api import tenant_api
from conftest import set_plan
from core.testing import assert_num_queries_constant
from shared_apps.accounts.models import User
from shared_apps.audit.models import AuditEntry
from shared_apps.tenancy.models import Invitation, Membership, Tenant
from tenant_apps.channels import crypto
from tenant_apps.channels.kinds import PROVIDERS
from tenant_apps.channels.models import Channel
from tenant_apps.leads.models import ConsentRecord, Lead, LeadEvent, SavedView

pytestmark = pytest.mark.django_db

# GET routes whose answer has no rows that grow with the workspace: one object, or sums over a period.
NOT_LISTS = {
    "/tenant": "the workspace itself",
    "/leads/export": "a file, streamed (tenant_apps/leads/tests: export tests)",
    "/leads/exports/{job_id}": "one export job",
    "/leads/{lead_id}/personal-data": "one lead's file",
    "/widget": "the widget's settings",
    "/widget/snippet": "one snippet",
    "/channels/first-contact": "one policy",
    "/calendar": "one connection",
    "/billing/subscription": "one subscription",
    "/billing/payments/{payment_id}": "one payment",
    "/billing/requisites": "one account's requisites",
    "/analytics/dashboard": "day sums of a period: a fixed number of reads whatever the leads",
    "/analytics/channels": "sums per channel: one read",
    "/analytics/funnel": "three sums",
    "/analytics/export": "sums of a period as a file",
    "/onboarding": "the wizard's fixed steps",
}
_numbers = itertools.count(1)


class World:
    def __init__(self, tenant: Tenant, owner) -> None:
        self.tenant, self.owner = tenant, owner
        with tenant_context(tenant):
            self.lead = Lead.objects.create(name="Карточка", phone="+79160000000", created_at=timezone.now())

    def members(self, n: int) -> list:
        users = []
        for _ in range(n):
            number = next(_numbers)
            user = User.objects.create_user(f"member{number}@example.ru", full_name=f"Сотрудник {number}")
            Membership.objects.create(user=user, tenant=self.tenant, role=Membership.Role.OPERATOR)
            users.append(user)
        return users

    def leads(self, n: int) -> None:
        members = self.members(n)
        with tenant_context(self.tenant):
            for member in members:
                lead = Lead.objects.create(name=f"Лид {next(_numbers)}", phone="+79161234567", email="a@mail.ru",
                                           created_at=timezone.now(), assigned_to=member)
                LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.NOTE, text="заметка", actor=member,
                                         created_at=timezone.now())
                ConsentRecord.objects.create(lead=lead, consent_version="1", consent_text="Согласен",
                                             personal_data=True, given_at=timezone.now())

    def events(self, n: int) -> None:
        members = self.members(n)
        with tenant_context(self.tenant):
            for member in members:
                LeadEvent.objects.create(lead=self.lead, kind=LeadEvent.Kind.NOTE, text="заметка", actor=member,
                                         created_at=timezone.now())

    def saved_views(self, n: int) -> None:
        with tenant_context(self.tenant):
            for _ in range(n):
                SavedView.objects.create(user=self.owner, name=f"Вид {next(_numbers)}", query="status=new")

    def team(self, n: int) -> None:
        self.members(n)
        for _ in range(n):
            Invitation.objects.create(tenant=self.tenant, email=f"invitee{next(_numbers)}@example.ru",
                                      role=Membership.Role.OPERATOR, invited_by=self.owner,
                                      token_hash=f"{next(_numbers):064d}",
                                      expires_at=timezone.now() + timedelta(days=7))

    def channels(self, n: int) -> None:
        with tenant_context(self.tenant):
            have = Channel.objects.count()
            for provider in PROVIDERS[have:have + n]:
                Channel.objects.create(provider=provider.code, kind=provider.kind,
                                       credentials_token=crypto.encrypt({}), secret_hint="••••0000")

    def audit(self, n: int) -> None:
        for _ in range(n):
            AuditEntry.objects.create(action="export.leads", actor_id=self.owner.pk, actor_label=self.owner.email,
                                      account_id=self.tenant.account_id, workspace_id=self.tenant.pk,
                                      workspace_label=self.tenant.name, target="Лиды")

    def payments(self, n: int) -> None:
        plan = Plan.objects.get(code="pro")
        for _ in range(n):
            order = f"n1-{next(_numbers)}"
            Payment.objects.create(account=self.tenant.account, plan=plan, purpose=Payment.Purpose.SUBSCRIBE,
                                   provider="yookassa", order_id=order, idempotence_key=order,
                                   amount_kopecks=plan.month_price_kopecks, receipt_email=self.owner.email)

    def documents(self, n: int) -> None:
        plan = Plan.objects.get(code="pro")
        for _ in range(n):
            Document.objects.create(account=self.tenant.account, kind=Document.Kind.INVOICE, year=2026,
                                    sequence=next(_numbers), plan=plan, description="Тариф «Про»",
                                    amount_kopecks=plan.month_price_kopecks, vat_code=1, seller={}, buyer={},
                                    issued_at=timezone.now())

    def plans(self, n: int) -> None:
        for _ in range(n):
            number = next(_numbers)
            Plan.objects.create(code=f"extra-{number}", name=f"Тариф {number}", price_kopecks=100_00,
                                sort_order=100 + number)


# Each list → what adds its rows.
API_LISTS: dict[str, Callable[[World, int], None]] = {
    "/leads": World.leads,
    "/leads/views": World.saved_views,
    "/leads/{lead_id}": World.events,
    "/team": World.team,
    "/channels": World.channels,
    "/channels/stats": World.channels,
    "/billing/plans": World.plans,
    "/billing/payments": World.payments,
    "/billing/invoices": World.documents,
    "/audit": World.audit,
}
CABINET_LISTS: dict[str, Callable[[World, int], None]] = {
    "/leads": World.leads,
    "/leads/{lead_id}": World.events,
    "/team": World.team,
    "/channels": World.channels,
    "/billing": World.documents,
    "/workspace/audit": World.audit,
}


def get_routes() -> set[str]:
    return {path for _, router in tenant_api._routers for path, view in router.path_operations.items()
            if any("GET" in operation.methods for operation in view.operations)}


def test_every_get_route_of_the_workspace_api_is_a_checked_list_or_named_as_none():
    routes = get_routes()
    assert routes - API_LISTS.keys() - NOT_LISTS.keys() == set(), "a new GET route: add it to API_LISTS or NOT_LISTS"
    assert API_LISTS.keys() | NOT_LISTS.keys() <= routes, "a route named here no longer exists"


@pytest.fixture
def world(make_tenant) -> World:
    tenant = make_tenant(name="Клиника")
    set_plan(tenant, "business")
    return World(tenant, tenant.memberships.get().user)


@pytest.mark.parametrize("route", sorted(API_LISTS))
def test_api_list_reads_the_same_for_3_rows_as_for_9(route, world, client_for):
    client = client_for(world.tenant, world.owner)
    path = "/api/v1" + route.replace("{lead_id}", str(world.lead.pk))

    def call() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]

    assert_num_queries_constant(call, lambda n: API_LISTS[route](world, n))


@pytest.mark.parametrize("page", sorted(CABINET_LISTS))
def test_cabinet_list_page_reads_the_same_for_3_rows_as_for_9(page, world, client_for):
    client = client_for(world.tenant, world.owner)
    path = page.replace("{lead_id}", str(world.lead.pk))

    def call() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]

    assert_num_queries_constant(call, lambda n: CABINET_LISTS[page](world, n))
