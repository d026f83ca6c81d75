"""What a request reads before its view is kept in process memory (core.local_cache) — the host's workspace, the
token's user, the membership, the subscription, the flags — and every change still takes effect: at once in the
process that made it, within HOT_CACHE_SECONDS in the others. Through the real API, with real commits (caches are
bypassed inside a transaction, so these tests are transactional)."""

import time
from datetime import timedelta

import pytest
import redis.connection
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import lifecycle, staff
from billing.lifecycle import Event
from conftest import set_plan
from shared_apps.accounts.models import User
from shared_apps.accounts.services import issue_token_pair, logout_refresh_token, revoke_everything
from shared_apps.flags.models import Flag
from shared_apps.tenancy.models import Domain, Membership, Tenant
from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hot_cache_seconds(settings) -> float:
    settings.HOT_CACHE_SECONDS = 1
    return 1


@pytest.fixture
def workspace(make_tenant) -> Tenant:
    tenant = make_tenant()
    set_plan(tenant, "business")  # the plan has API access
    return tenant


@pytest.fixture
def owner(workspace) -> User:
    return workspace.memberships.get().user


def api(client_for, tenant: Tenant, user: User, host: str | None = None):
    """A function GET/PATCH-ing the workspace API with a fresh access token of the user for this workspace."""
    client = client_for(tenant)
    pair = issue_token_pair(user, tenant.slug)
    headers = {"Authorization": f"Bearer {pair.access}", **({"Host": host} if host else {})}

    def call(method: str, path: str, body: dict | None = None):
        return getattr(client, method)(path, body or {}, content_type="application/json", headers=headers) \
            if method != "get" else client.get(path, headers=headers)

    call.refresh = pair.refresh
    return call


class RedisRoundTrips:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        send = redis.connection.Connection.send_packed_command

        def counted(conn, command, check_health=True):
            self.count += 1
            return send(conn, command, check_health)

        monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)


@pytest.fixture
def redis_round_trips(monkeypatch) -> RedisRoundTrips:
    return RedisRoundTrips(monkeypatch)


def test_a_warm_request_reads_nothing_before_its_view_and_makes_one_redis_round_trip(
        workspace, owner, client_for, redis_round_trips, settings):
    settings.HOT_CACHE_SECONDS = 60  # however slow the first request of the process is
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/tenant").status_code == 200
    redis_round_trips.count = 0
    with CaptureQueriesContext(connection) as queries:
        response = call("get", "/api/v1/tenant")
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    # host → workspace, token → user, membership, subscription and plan, flags: all from memory; the revocation
    # check and the API limit: one pipeline.
    assert [q["sql"] for q in queries.captured_queries] == []
    assert redis_round_trips.count == 1


def test_the_api_limit_still_counts_every_request(workspace, owner, client_for, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    call = api(client_for, workspace, owner)
    assert [call("get", "/api/v1/tenant").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_role_change_and_a_removal_take_effect_on_the_next_request(workspace, owner, client_for, make_user):
    member = make_user()
    Membership.objects.create(user=member, tenant=workspace, role=Membership.Role.ADMIN)
    as_member, as_owner = api(client_for, workspace, member), api(client_for, workspace, owner)
    assert as_member("get", "/api/v1/team").status_code == 200

    assert as_owner("patch", f"/api/v1/team/{member.pk}", {"role": "analyst"}).status_code == 200
    refused = as_member("get", "/api/v1/team")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert as_member("get", "/api/v1/tenant").json()["role"] == "analyst"

    assert as_owner("delete", f"/api/v1/team/{member.pk}").status_code == 204
    assert as_member("get", "/api/v1/tenant").status_code == 401  # the workspace's tokens end with the membership


def test_a_membership_is_refused_without_a_token_revocation_too(workspace, client_for, make_user):
    member = make_user()
    membership = Membership.objects.create(user=member, tenant=workspace, role=Membership.Role.OPERATOR)
    as_member = api(client_for, workspace, member)
    assert as_member("get", "/api/v1/tenant").status_code == 200
    Membership.objects.filter(pk=membership.pk).delete()  # a bulk delete still sends post_delete
    assert as_member("get", "/api/v1/tenant").status_code in (401, 403)


def test_a_change_made_by_another_process_is_seen_within_the_bound(workspace, client_for, make_user,
                                                                   hot_cache_seconds):
    member = make_user()
    membership = Membership.objects.create(user=member, tenant=workspace, role=Membership.Role.ADMIN)
    as_member = api(client_for, workspace, member)
    assert as_member("get", "/api/v1/team").status_code == 200
    # An UPDATE sends no signal: to this process it looks like another process's change.
    Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.ANALYST)
    assert as_member("get", "/api/v1/team").status_code == 200  # this process still trusts what it read …
    time.sleep(hot_cache_seconds + 0.1)
    assert as_member("get", "/api/v1/team").status_code == 403  # … for HOT_CACHE_SECONDS at most


def test_deactivation_and_token_revocations_take_effect_on_the_next_request(workspace, owner, client_for,
                                                                             make_user):
    member = make_user()
    Membership.objects.create(user=member, tenant=workspace, role=Membership.Role.OPERATOR)
    as_member = api(client_for, workspace, member)
    assert as_member("get", "/api/v1/tenant").status_code == 200
    member.is_active = False
    member.save()
    assert as_member("get", "/api/v1/tenant").status_code == 401
    member.is_active = True
    member.save()
    assert as_member("get", "/api/v1/tenant").status_code == 200

    logout_refresh_token(as_member.refresh)  # the token's family
    assert as_member("get", "/api/v1/tenant").status_code == 401

    again = api(client_for, workspace, member)
    assert again("get", "/api/v1/tenant").status_code == 200
    time.sleep(1.1)  # revoked-before compares whole seconds of the token's issue time
    revoke_everything(member)  # a password change
    assert again("get", "/api/v1/tenant").status_code == 401


def test_a_revoked_token_does_not_spend_its_owners_limit(workspace, owner, client_for, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    stolen = api(client_for, workspace, owner)
    logout_refresh_token(stolen.refresh)
    assert [stolen("get", "/api/v1/tenant").status_code for _ in range(3)] == [401, 401, 401]
    fresh = api(client_for, workspace, owner)
    assert [fresh("get", "/api/v1/tenant").status_code for _ in range(3)] == [200, 200, 429]


def test_a_token_once_verified_still_expires_and_dies_with_its_key(workspace, owner, client_for, settings,
                                                                    time_machine):
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/tenant").status_code == 200
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS + 1))
    assert call("get", "/api/v1/tenant").status_code == 401

    time_machine.move_to(timezone.now() - timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS + 1))
    again = api(client_for, workspace, owner)
    assert again("get", "/api/v1/tenant").status_code == 200
    settings.JWT_KEYS = {"2027-01": "new-rotated-secret-0123456789abcdef"}
    settings.JWT_ACTIVE_KID = "2027-01"
    assert again("get", "/api/v1/tenant").status_code == 401


def _apply(tenant: Tenant, event: Event) -> None:
    with transaction.atomic():
        assert lifecycle.apply(lifecycle.locked(tenant.account_id), event, now=timezone.now())


def test_a_staff_block_and_a_payment_take_effect_on_the_next_request(workspace, owner, client_for, make_user):
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/leads").status_code == 200
    assert call("patch", "/api/v1/tenant", {"description": "Клиника"}).status_code == 200

    _apply(workspace, Event.PERIOD_ENDED_UNPAID)  # grace: read only
    assert call("get", "/api/v1/leads").status_code == 200
    refused = call("patch", "/api/v1/tenant", {"description": "Снова"})
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "subscription_read_only"
    _apply(workspace, Event.PAYMENT_SUCCEEDED)
    assert call("patch", "/api/v1/tenant", {"description": "Снова"}).status_code == 200

    staff_user = make_user(is_staff=True)
    staff.block(workspace.account, staff=staff_user)
    blocked = call("get", "/api/v1/leads")
    assert blocked.status_code == 402
    assert blocked.json()["error"]["code"] == "subscription_blocked"
    staff.unblock(workspace.account, staff=staff_user)
    assert call("get", "/api/v1/leads").status_code == 200


def test_a_plan_without_api_access_refuses_tokens_at_once(workspace, owner, client_for):
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/tenant").status_code == 200
    set_plan(workspace, "start")  # no API access on this plan
    refused = call("get", "/api/v1/tenant")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "plan_feature"


def test_closing_the_beta_takes_effect_on_the_next_request(workspace, owner, client_for):
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/tenant").status_code == 200
    Flag.objects.update_or_create(name=Flag.Name.DASHBOARD, defaults={"mode": Flag.Mode.OFF})
    refused = call("get", "/api/v1/tenant")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "closed_beta"


def test_a_renamed_workspace_moves_host_at_once(workspace, owner, client_for):
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/tenant").status_code == 200
    old_host = workspace.primary_host
    renamed = call("patch", "/api/v1/tenant", {"subdomain": f"{workspace.slug}-new"})
    assert renamed.status_code == 200
    assert client_for(workspace).get("/api/v1/tenant", headers={"Host": old_host}).status_code == 404
    workspace.refresh_from_db()
    moved = api(client_for, workspace, owner)
    assert moved("get", "/api/v1/tenant").json()["subdomain"] == workspace.slug


def test_a_deleted_domain_stops_answering_at_once(workspace, owner, client_for):
    call = api(client_for, workspace, owner)
    assert call("get", "/api/v1/tenant").status_code == 200
    Domain.objects.filter(tenant=workspace).delete()
    assert call("get", "/api/v1/tenant").status_code == 404


def _count_and_roll_back(tenant: Tenant) -> None:
    """Read in another workspace inside a transaction (or a savepoint, when already in one) that is rolled back."""
    try:
        with transaction.atomic():
            connection.set_tenant(tenant)
            Lead.objects.count()
            raise RuntimeError
    except RuntimeError:
        pass


def test_each_workspace_sees_only_its_own_data_on_one_persistent_connection(make_tenant, client_for):
    """CONN_MAX_AGE > 0: one PostgreSQL session serves the requests of every workspace in turn; django-tenants sets
    the search_path anew for each (and forgets it after a rollback, which undoes a SET made in the transaction)."""
    first, second = make_tenant(), make_tenant()
    for tenant, names in ((first, ["Анна"]), (second, ["Борис", "Вера"])):
        set_plan(tenant, "business")
        with tenant_context(tenant):
            for name in names:
                Lead.objects.create(name=name, phone="+79160000000", created_at=timezone.now())
    calls = {tenant: api(client_for, tenant, tenant.memberships.get().user) for tenant in (first, second)}
    expected = {first: ["Анна"], second: ["Борис", "Вера"]}
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        sessions = set()
        for step in range(6):
            tenant = (first, second)[step % 2]
            response = calls[tenant]("get", "/api/v1/leads?limit=50")
            assert sorted(item["name"] for item in response.json()["items"]) == expected[tenant]
            sessions.add(connection.connection.info.backend_pid)
            if step == 2:  # a transaction that set the other workspace's path is rolled back
                _count_and_roll_back(second)
            if step == 3:  # and a savepoint
                with transaction.atomic():
                    _count_and_roll_back(first)
        assert len(sessions) == 1  # the same PostgreSQL session all along
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
