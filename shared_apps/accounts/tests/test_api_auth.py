"""The platform's auth API: every status the plan names, token rotation, revocation, forgery."""

import threading
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connections
from django.test import Client
from django.utils import timezone

from conftest import caches_at, free_port
from core.errors import RateLimited
from core.text import wait_time
from shared_apps.accounts.api_auth import throttle
from shared_apps.accounts.models import RefreshToken, User
from shared_apps.tenancy.models import Membership, Tenant

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Крепкий-пароль-2026"


@pytest.fixture
def api() -> Client:
    return Client(HTTP_HOST="localhost")


def post(client: Client, path: str, body: dict, **headers):
    return client.post(f"/api/v1{path}", body, content_type="application/json", headers=headers)


def leads_with(tenant: Tenant, access_token: str):
    client = Client(HTTP_HOST=tenant.primary_host)
    return client.get("/api/v1/leads", headers={"Authorization": f"Bearer {access_token}"})


def register(api, email="olga@romashka.ru", company="Салон «Ромашка»"):
    return post(api, "/auth/register", {"email": email, "password": GOOD_PASSWORD, "name": "Ольга", "company": company})


@pytest.fixture
def confirmed_user(db):
    user = User.objects.create_user("ivan@motor.ru", GOOD_PASSWORD, full_name="Иван", email_confirmed_at=timezone.now())
    return user


def test_register_creates_user_account_workspace_and_trial(api, send_mail_now):
    with send_mail_now():
        response = register(api)
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"userId", "accessToken", "refreshToken", "tenantId"}
    user = User.objects.get(pk=body["userId"])
    assert user.email == "olga@romashka.ru"
    assert not user.is_email_confirmed
    tenant = Tenant.objects.get(slug=body["tenantId"])
    assert tenant.slug == "salon-romashka"
    assert tenant.account.owner == user
    assert Membership.objects.get(tenant=tenant, user=user).role == Membership.Role.ADMIN
    subscription = tenant.account.subscription
    assert subscription.plan.code == "trial"
    assert subscription.status == "trialing"
    assert timedelta(days=13, hours=23) < subscription.trial_ends_at - timezone.now() <= timedelta(days=14)
    [confirmation] = mail.outbox
    assert confirmation.to == ["olga@romashka.ru"]
    assert "/email/confirm/" in confirmation.body
    assert confirmation.alternatives[0][1] == "text/html"


def test_register_derives_a_unique_subdomain(api):
    first = register(api, "a@romashka.ru").json()["tenantId"]
    second = register(api, "b@romashka.ru").json()["tenantId"]
    assert (first, second) == ("salon-romashka", "salon-romashka-2")


@pytest.mark.parametrize(
    ("override", "field", "fragment"),
    [
        ({"password": "123"}, "password", "Введённый пароль слишком короткий"),
        ({"password": "12345678901"}, "password", "состоит только из цифр"),
        ({"password": "password123"}, "password", "слишком широко распространён"),
        ({"email": "не-почта"}, "email", "корректный e-mail"),
        ({"company": "   "}, "company", "название компании"),
        ({"name": ""}, "name", "ваше имя"),
    ],
)
def test_register_400_with_russian_field_messages(api, override, field, fragment):
    body = {"email": "olga@romashka.ru", "password": GOOD_PASSWORD, "name": "Ольга", "company": "Ромашка", **override}
    response = post(api, "/auth/register", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert fragment in error["fields"][field]
    assert not User.objects.exists()
    assert not Tenant.objects.filter(kind=Tenant.Kind.CLIENT).exists()


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"email": "a" * 289 + "@romashka.ru"}, "email", "Не длиннее 254 символов."),
        ({"name": "Я" * 151}, "name", "Не длиннее 150 символов."),
        ({"company": "К" * 201}, "company", "Не длиннее 200 символов."),
        ({"password": "Ж" * 129}, "password", "Не длиннее 128 символов."),
    ],
)
def test_register_400_for_over_long_input_in_the_words_of_the_page(api, override, field, message):
    body = {"email": "olga@romashka.ru", "password": GOOD_PASSWORD, "name": "Ольга", "company": "Ромашка", **override}
    response = post(api, "/auth/register", body)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "validation_error", "message": "Проверьте выделенные поля.",
                                        "fields": {field: message}}
    assert not User.objects.exists()


def test_register_400_for_missing_fields(api):
    response = post(api, "/auth/register", {"email": "x@y.ru"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "password": "Обязательное поле.", "name": "Обязательное поле.", "company": "Обязательное поле.",
    }


def test_register_409_when_the_email_exists(api, confirmed_user):
    response = register(api, email="IVAN@motor.ru")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    assert User.objects.count() == 1


def test_login_returns_tokens_and_profile(api, confirmed_user, make_tenant):
    tenant = make_tenant(owner=confirmed_user)
    response = post(api, "/auth/login", {"email": "Ivan@Motor.ru", "password": GOOD_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["tenantId"] == tenant.slug
    assert body["user"] == {"id": confirmed_user.pk, "email": "ivan@motor.ru", "name": "Иван",
                            "emailConfirmed": True, "tenants": [tenant.slug]}
    assert leads_with(tenant, body["accessToken"]).status_code == 200


def test_login_401_for_wrong_credentials(api, confirmed_user):
    for body in ({"email": "ivan@motor.ru", "password": "wrong"}, {"email": "nobody@motor.ru", "password": "x"}):
        response = post(api, "/auth/login", body)
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "Неверный e-mail или пароль."


def wrong(client: Client, email: str = "ivan@motor.ru"):
    return post(client, "/auth/login", {"email": email, "password": "wrong"})


def right(client: Client):
    return post(client, "/auth/login", {"email": "ivan@motor.ru", "password": GOOD_PASSWORD})


def let_the_wait_pass(email: str) -> None:
    """What the clock would do: the account's current wait is over (its attempts still count)."""
    cache = caches["platform"]
    redis = cache.client.get_client(write=True)
    key = cache.make_key(f"ratelimit:login-account:{email}")
    attempts, _ = redis.get(key).split()
    redis.set(key, f"{int(attempts)} 0", keepttl=True)


def assert_waits(response, seconds: int) -> None:
    """Refused with the wait in the header and in words (a loaded machine may take a second off it)."""
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert seconds - 3 <= retry_after <= seconds
    message = "Слишком много неудачных попыток входа. Попробуйте снова через "
    assert response.json()["error"]["message"] == f"{message}{wait_time(retry_after)}."


def test_after_five_failures_each_attempt_waits_longer_and_a_right_password_then_works(api, confirmed_user):
    assert [wrong(api).status_code for _ in range(5)] == [401] * 5
    waiting = right(api)  # not even checked: the account waits
    assert waiting.status_code == 429
    assert_waits(waiting, 30)
    assert waiting.json()["error"]["code"] == "too_many_requests"
    let_the_wait_pass("ivan@motor.ru")
    assert wrong(api).status_code == 401  # one more attempt after the wait …
    assert_waits(right(api), 60)  # … and the next wait is twice as long
    let_the_wait_pass("ivan@motor.ru")
    assert right(api).status_code == 200
    assert [wrong(api).status_code for _ in range(5)] == [401] * 5  # the success forgot the failures


def test_the_wait_never_grows_beyond_15_minutes(api, confirmed_user):
    assert [wrong(api).status_code for _ in range(5)] == [401] * 5
    cache = caches["platform"]
    cache.client.get_client(write=True).set(cache.make_key("ratelimit:login-account:ivan@motor.ru"), "40 0",
                                            keepttl=True)  # 40 attempts so far, the current wait over
    assert wrong(api).status_code == 401
    assert_waits(right(api), 900)


def test_a_mistyping_colleague_does_not_lock_out_the_office_behind_the_same_ip(api, confirmed_user, make_user):
    make_user("olga@motor.ru", GOOD_PASSWORD)
    assert [wrong(api).status_code for _ in range(7)] == [401] * 5 + [429] * 2
    same_ip = Client(HTTP_HOST="localhost")
    assert post(same_ip, "/auth/login", {"email": "olga@motor.ru", "password": GOOD_PASSWORD}).status_code == 200


def test_per_ip_limit_is_far_above_the_per_account_one_and_counts_failures_only(api, confirmed_user, settings):
    assert settings.LOGIN_IP_FAILURE_LIMIT >= 20 * settings.LOGIN_FREE_ATTEMPTS
    settings.LOGIN_IP_FAILURE_LIMIT = 8  # 100 by default: the same rule, fewer bcrypt checks
    assert right(api).status_code == 200  # a success does not count against the address
    statuses = [wrong(api, f"guess{number}@motor.ru").status_code for number in range(8)]
    assert statuses == [401] * 8
    refused = right(api)
    assert refused.status_code == 429
    assert 800 < int(refused["Retry-After"]) <= 900
    other_ip = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.0.0.7")
    assert right(other_ip).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_are_counted_atomically(confirmed_user):
    start, statuses = threading.Barrier(10), []

    def attempt() -> None:
        client = Client(HTTP_HOST="localhost")
        start.wait()
        try:
            statuses.append(wrong(client).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 5 + [429] * 5  # only 5 passwords were checked


def test_with_redis_down_the_login_api_works_and_still_slows_guessing(api, confirmed_user, redis_unreachable):
    assert right(api).status_code == 200
    assert [wrong(api).status_code for _ in range(7)] == [401] * 5 + [429] * 2


def test_with_redis_down_the_api_throttle_counts_in_memory(confirmed_user, redis_unreachable, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    throttle(confirmed_user)
    throttle(confirmed_user)
    with pytest.raises(RateLimited) as refused:
        throttle(confirmed_user)
    assert refused.value.status == 429
    assert 1 <= refused.value.retry_after <= 60


def test_with_redis_down_access_tokens_work_and_revocations_still_hold(api, confirmed_user, settings):
    kept, logged_out = login_tokens(api), login_tokens(api)
    assert post(api, "/auth/logout", {"refreshToken": logged_out["refreshToken"]}).status_code == 204
    settings.CACHES = caches_at(f"redis://127.0.0.1:{free_port()}/1")  # Redis goes down after the logout

    def tenants_with(token: str) -> int:
        return api.get("/api/v1/tenants", headers={"Authorization": f"Bearer {token}"}).status_code

    assert tenants_with(kept["accessToken"]) == 200
    assert tenants_with(logged_out["accessToken"]) == 401  # the revoked family, read from the database


def login_tokens(api) -> dict:
    return post(api, "/auth/login", {"email": "ivan@motor.ru", "password": GOOD_PASSWORD}).json()


def test_a_removed_members_refresh_and_access_tokens_stop_working(api, confirmed_user, make_tenant, add_member,
                                                                   client_for):
    tenant = make_tenant(name="Мотор")
    add_member(confirmed_user, tenant)
    tokens = post(api, "/auth/login", {"email": "ivan@motor.ru", "password": GOOD_PASSWORD,
                                       "tenantId": tenant.slug}).json()
    assert leads_with(tenant, tokens["accessToken"]).status_code == 200
    admin = client_for(tenant, tenant.account.owner)
    assert admin.delete(f"/api/v1/team/{confirmed_user.pk}").status_code == 204

    refused = post(api, "/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Сессия истекла или отозвана. Войдите заново."
    assert leads_with(tenant, tokens["accessToken"]).status_code == 401


def test_removing_a_member_leaves_their_tokens_for_other_workspaces_alone(api, confirmed_user, make_tenant,
                                                                          add_member, client_for):
    own = make_tenant(owner=confirmed_user)
    other = make_tenant(name="Мотор")
    add_member(confirmed_user, other)
    kept = post(api, "/auth/login", {"email": "ivan@motor.ru", "password": GOOD_PASSWORD,
                                     "tenantId": own.slug}).json()
    assert client_for(other, other.account.owner).delete(f"/api/v1/team/{confirmed_user.pk}").status_code == 204
    assert leads_with(own, kept["accessToken"]).status_code == 200
    assert post(api, "/auth/refresh", {"refreshToken": kept["refreshToken"]}).status_code == 200


def test_refresh_rotates_and_the_old_token_stops_working(api, confirmed_user):
    tokens = login_tokens(api)
    rotated = post(api, "/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refreshToken"] != tokens["refreshToken"]
    assert post(api, "/auth/refresh", {"refreshToken": new["refreshToken"]}).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(api, confirmed_user, make_tenant):
    tenant = make_tenant(owner=confirmed_user)
    tokens = login_tokens(api)
    new = post(api, "/auth/refresh", {"refreshToken": tokens["refreshToken"]}).json()

    reuse = post(api, "/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "unauthorized"
    assert post(api, "/auth/refresh", {"refreshToken": new["refreshToken"]}).status_code == 401
    assert not RefreshToken.objects.filter(user=confirmed_user, revoked_at__isnull=True).exists()
    assert leads_with(tenant, new["accessToken"]).status_code == 401


def test_logout_revokes_refresh_and_access(api, confirmed_user, make_tenant):
    tenant = make_tenant(owner=confirmed_user)
    tokens = login_tokens(api)
    assert post(api, "/auth/logout", {"refreshToken": tokens["refreshToken"]}).status_code == 204
    assert post(api, "/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    assert leads_with(tenant, tokens["accessToken"]).status_code == 401


def test_refresh_401_for_garbage_and_access_tokens(api, confirmed_user):
    tokens = login_tokens(api)
    assert post(api, "/auth/refresh", {"refreshToken": "garbage"}).status_code == 401
    assert post(api, "/auth/refresh", {"refreshToken": tokens["accessToken"]}).status_code == 401  # wrong type


class TestForgedTokens:
    """Every forged or stale access token is a 401 in the error envelope, never a 500 or a 200."""

    @pytest.fixture
    def target(self, confirmed_user, make_tenant):
        tenant = make_tenant(owner=confirmed_user)
        return tenant, confirmed_user

    def claims(self, user, tenant, **overrides):
        now = int(time.time())
        return {"sub": str(user.pk), "tid": tenant.slug, "typ": "access", "jti": uuid.uuid4().hex, "iat": now,
                "exp": now + 600, **overrides}

    def call(self, tenant, token):
        return Client(HTTP_HOST=tenant.primary_host).get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"})

    def assert_401(self, response):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"

    def test_a_correct_token_passes(self, target, settings):
        tenant, user = target
        token = jwt.encode(self.claims(user, tenant), settings.JWT_KEYS["dev1"], "HS256", headers={"kid": "dev1"})
        assert self.call(tenant, token).status_code == 200

    def test_alg_none(self, target):
        tenant, user = target
        self.assert_401(self.call(tenant, jwt.encode(self.claims(user, tenant), None, "none", headers={"kid": "dev1"})))

    def test_wrong_algorithm(self, target, settings):
        tenant, user = target
        token = jwt.encode(self.claims(user, tenant), settings.JWT_KEYS["dev1"], "HS512", headers={"kid": "dev1"})
        self.assert_401(self.call(tenant, token))

    def test_wrong_signature(self, target):
        tenant, user = target
        token = jwt.encode(self.claims(user, tenant), "attacker-secret-0123456789abcdef", "HS256",
                           headers={"kid": "dev1"})
        self.assert_401(self.call(tenant, token))

    def test_expired(self, target, settings):
        tenant, user = target
        past = int(time.time()) - 3600
        token = jwt.encode(self.claims(user, tenant, iat=past - 900, exp=past), settings.JWT_KEYS["dev1"], "HS256",
                           headers={"kid": "dev1"})
        self.assert_401(self.call(tenant, token))

    def test_wrong_token_type(self, target, settings):
        tenant, user = target
        token = jwt.encode(self.claims(user, tenant, typ="refresh"), settings.JWT_KEYS["dev1"], "HS256",
                           headers={"kid": "dev1"})
        self.assert_401(self.call(tenant, token))

    def test_unknown_kid(self, target, settings):
        tenant, user = target
        token = jwt.encode(self.claims(user, tenant), settings.JWT_KEYS["dev1"], "HS256", headers={"kid": "old"})
        self.assert_401(self.call(tenant, token))

    def test_not_a_jwt(self, target):
        tenant, _ = target
        self.assert_401(self.call(tenant, "not.a.jwt"))

    def test_token_for_another_workspace_is_refused(self, target, make_tenant, settings):
        tenant, user = target
        other = make_tenant(owner=user)
        token = jwt.encode(self.claims(user, tenant), settings.JWT_KEYS["dev1"], "HS256", headers={"kid": "dev1"})
        response = self.call(other, token)
        assert response.status_code == 403


def test_key_rotation_keeps_old_tokens_valid_until_the_old_key_is_removed(api, confirmed_user, make_tenant, settings):
    tenant = make_tenant(owner=confirmed_user)
    old_access = login_tokens(api)["accessToken"]
    settings.JWT_KEYS = {"dev1": settings.JWT_KEYS["dev1"], "2027-01": "new-rotated-secret-0123456789abcdef"}
    settings.JWT_ACTIVE_KID = "2027-01"
    new_access = login_tokens(api)["accessToken"]
    assert jwt.get_unverified_header(new_access)["kid"] == "2027-01"
    tenant_api = Client(HTTP_HOST=tenant.primary_host)
    for token in (old_access, new_access):
        assert tenant_api.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    settings.JWT_KEYS = {"2027-01": "new-rotated-secret-0123456789abcdef"}
    assert tenant_api.get("/api/v1/leads", headers={"Authorization": f"Bearer {old_access}"}).status_code == 401


def test_api_rate_limit_per_user(api, confirmed_user, make_tenant, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    tenant = make_tenant(owner=confirmed_user)
    headers = {"Authorization": f"Bearer {login_tokens(api)['accessToken']}"}
    tenant_api = Client(HTTP_HOST=tenant.primary_host)
    statuses = [tenant_api.get("/api/v1/leads", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = tenant_api.get("/api/v1/leads", headers=headers)
    assert limited.json()["error"]["message"] == "Слишком много запросов. Попробуйте позже."
    assert 1 <= int(limited["Retry-After"]) <= 60


def test_unconfirmed_user_is_kept_out_of_the_workspace_api(api):
    body = register(api).json()
    tenant = Tenant.objects.get(slug=body["tenantId"])
    response = Client(HTTP_HOST=tenant.primary_host).get(
        "/api/v1/leads", headers={"Authorization": f"Bearer {body['accessToken']}"}
    )
    assert response.status_code == 403
    assert "Подтвердите e-mail" in response.json()["error"]["message"]


def test_password_change_revokes_api_tokens(api, confirmed_user, make_tenant):
    from shared_apps.accounts.services import change_password

    tenant = make_tenant(owner=confirmed_user)
    tokens = login_tokens(api)
    time.sleep(1.05)  # iat has one-second resolution
    change_password(confirmed_user, GOOD_PASSWORD, "Новый-пароль-2027", keep_session_key=None)
    assert post(api, "/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    assert leads_with(tenant, tokens["accessToken"]).status_code == 401
