"""With a flag off its feature is unreachable in pages and API, and the rest keeps working.

dashboard — the cabinet as a closed beta (an allowlist of accounts); onboarding — the wizard; billing — payments.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver

from billing import cycle
from billing.models import Payment, Subscription
from billing.services import start_trial
from config.api import tenant_api
from shared_apps.flags import flags
from shared_apps.flags.models import Flag
from shared_apps.tenancy.beta import CLOSED_BETA
from tenant_apps.channels.tests.widget_leads import post_widget_lead

from .helpers import set_flag

pytestmark = pytest.mark.django_db
Mode = Flag.Mode
Status = Subscription.Status


def cabinet_pages() -> list[str]:
    """Every cabinet address without parameters, read from the URLconf (a new page is covered)."""
    resolver = get_resolver("config.urls_tenant")
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route:
                found.append("/" + route)

    [dashboard] = [p for p in resolver.url_patterns if getattr(p, "namespace", None) == "dashboard"]
    walk(dashboard.url_patterns, "")
    return sorted(set(found))


def api_routes(tag: str | None = None) -> list[tuple[str, str, object]]:
    """The workspace API's routes (method, path with sample parameters, view), optionally only those of a tag."""
    routes = []
    for prefix, router in tenant_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if tag is not None and tag not in (operation.tags or router.tags or []):
                    continue
                sample = re.sub(r"{[^}]+}", "1", (prefix.rstrip("/") + path) or "/")
                routes.extend((method, f"/api/v1{sample}", operation.view_func) for method in operation.methods)
    return sorted(routes, key=lambda route: (route[1], route[0]))


def call(client, method: str, path: str):
    return getattr(client, method.lower())(path, content_type="application/json")


def html(response) -> str:
    return response.content.decode()


# --- dashboard: the closed beta ----------------------------------------------------------------------------------


def test_with_the_dashboard_off_members_get_the_closed_beta_on_every_page_and_api_call(admin_and_operator):
    _, admin, operator = admin_and_operator
    set_flag(flags.DASHBOARD, Mode.OFF)
    pages = cabinet_pages()
    assert {"/", "/leads", "/analytics", "/widget", "/channels", "/team", "/billing", "/onboarding"} <= set(pages)
    for path in pages:
        response = admin.get(path)
        assert response.status_code in (403, 405), path  # 405: a form's address (POST only)
        if response.status_code == 403:
            assert "закрытого бета-тестирования" in html(response), path
    beta_page = html(operator.get("/leads"))
    assert "Кабинет в&nbsp;закрытом бета-тестировании" in beta_page
    assert "Выйти" in beta_page

    routes = api_routes()
    assert len(routes) > 30
    for method, path, _ in routes:
        response = call(admin, method, path)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"] == {"code": "closed_beta", "message": CLOSED_BETA, "fields": {}}, path


def test_the_allowlist_lets_its_accounts_members_in_and_no_one_else(admin_and_operator, make_tenant, client_for):
    tenant, admin, operator = admin_and_operator
    outsider_tenant = make_tenant(name="Не в бете")
    outsider = client_for(outsider_tenant, outsider_tenant.account.owner)
    set_flag(flags.DASHBOARD, Mode.ALLOWLIST, (tenant.account,))
    for client in (admin, operator):
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/leads").status_code == 200
    assert outsider.get("/").status_code == 403
    assert outsider.get("/api/v1/leads").json()["error"]["code"] == "closed_beta"


def test_what_serves_leads_keeps_working_with_the_dashboard_off(make_tenant, client_for, channel_sandbox):
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    set_flag(flags.DASHBOARD, Mode.OFF)
    assert post_widget_lead(tenant).status_code == 201  # the widget's intake
    public = client_for()
    for path in ("/", "/pricing", "/signup", "/login"):
        assert public.get(path).status_code == 200, path
    workspace = client_for(tenant)
    login = workspace.get("/leads")  # logging in still starts, and ends on the refusal with a way out
    assert login.status_code == 302
    assert "/login" in login["Location"]
    assert workspace.post("/channels/inbound/telegram/unknown-key", b"{}",
                          content_type="application/json").status_code == 404  # a webhook's answer, not a 403


def test_a_staff_toggle_of_the_dashboard_takes_effect_without_a_restart(admin_and_operator, make_user, client_for):
    tenant, admin, _ = admin_and_operator
    staff = client_for(None, make_user(is_staff=True, is_superuser=True))
    dashboard = Flag.objects.get(name=flags.DASHBOARD)
    assert admin.get("/").status_code == 200
    staff.post("/admin/flags/flag/", {"action": "switch_off", "_selected_action": [dashboard.pk]})
    assert admin.get("/").status_code == 403
    staff.post(f"/admin/flags/flag/{dashboard.pk}/change/", {"mode": Mode.ALLOWLIST, "accounts": [tenant.account.pk],
                                                             "note": ""})
    assert admin.get("/").status_code == 200


# --- onboarding: the wizard --------------------------------------------------------------------------------------


def test_every_address_of_the_wizard_is_behind_the_onboarding_flag():
    from dashboard.onboarding import urls

    for pattern in urls.urlpatterns:
        assert getattr(pattern.callback, "feature_flag", None) == flags.ONBOARDING, pattern.name
    wizard_api = [view for _, path, view in api_routes() if path.startswith("/api/v1/onboarding")]
    assert wizard_api
    assert all(getattr(view, "feature_flag", None) == flags.ONBOARDING for view in wizard_api)


def test_with_onboarding_off_the_wizard_is_gone_and_its_entry_leads_to_the_overview(admin_and_operator, client_for):
    tenant, admin, _ = admin_and_operator
    assert admin.get("/onboarding")["Location"] == "/onboarding/workspace"
    assert 'id="overview-wizard"' in html(admin.get("/"))  # the overview's call to the wizard
    set_flag(flags.ONBOARDING, Mode.OFF)
    assert 'id="overview-wizard"' not in html(admin.get("/"))
    entry = admin.get("/onboarding")  # where the confirmation of the e-mail lands
    assert (entry.status_code, entry["Location"]) == (302, "/")
    for response in (admin.get("/onboarding/widget"), admin.post("/onboarding/widget/skip")):
        assert response.status_code == 404
        assert "Раздел недоступен." in html(response)
        assert 'aria-label="Боковое меню"' in html(response)  # refused inside the cabinet
    assert client_for(tenant).get("/onboarding/widget")["Location"] == "/login?next=/onboarding/widget"
    for client in (admin, client_for(tenant)):  # before authentication: the route is not there
        answer = client.get("/api/v1/onboarding")
        assert answer.status_code == 404
        assert answer.json()["error"] == {"code": "feature_off", "message": "Раздел недоступен.", "fields": {}}
    assert admin.post("/api/v1/onboarding/steps/widget/skip").status_code == 404
    assert admin.get("/").status_code == 200  # the rest still works
    assert admin.get("/leads").status_code == 200
    assert admin.get("/api/v1/leads").status_code == 200


def test_onboarding_for_the_allowlist_only(admin_and_operator, make_tenant, client_for):
    tenant, admin, _ = admin_and_operator
    other = make_tenant()
    set_flag(flags.ONBOARDING, Mode.ALLOWLIST, (tenant.account,))
    assert admin.get("/onboarding/workspace").status_code == 200
    assert client_for(other, other.account.owner).get("/onboarding/workspace").status_code == 404


# --- billing ----------------------------------------------------------------------------------------------------


@pytest.fixture
def trial_workspace(admin_and_operator):
    tenant, admin, operator = admin_and_operator
    start_trial(tenant.account)
    return tenant, admin, operator


def test_every_workspace_billing_route_is_behind_the_billing_flag():
    routes = api_routes("billing")
    assert len(routes) >= 10
    assert all(getattr(view, "feature_flag", None) == flags.BILLING for _, _, view in routes)


def test_with_billing_off_its_pages_api_nav_and_banners_are_gone(trial_workspace, client_for):
    tenant, admin, _ = trial_workspace
    overview = html(admin.get("/"))
    assert 'href="/billing"' in overview
    assert "Пробный период до" in overview
    set_flag(flags.BILLING, Mode.OFF)
    for response in (admin.get("/billing"), admin.post("/billing/pay", {"plan": "pro", "provider": "yookassa"}),
                     admin.get("/billing/return")):
        assert response.status_code == 404
        assert "Раздел недоступен." in html(response)
        assert 'aria-label="Боковое меню"' in html(response)  # refused inside the cabinet, its menu still there
    for method, path, _ in api_routes("billing"):
        for client in (admin, client_for(tenant)):
            response = call(client, method, path)
            assert response.status_code == 404, (method, path)
            assert response.json()["error"]["code"] == "feature_off"
    overview = html(admin.get("/"))
    assert 'href="/billing"' not in overview
    assert "Пробный период до" not in overview
    assert 'id="billing-banner"' not in overview
    assert "сменить тариф" not in html(admin.get("/leads"))
    assert admin.get("/api/v1/leads").status_code == 200  # the rest still works
    assert client_for().get("/api/v1/billing/plans").status_code == 200  # the public plans (pricing page)


def test_with_billing_off_an_unpaid_account_is_not_held_back(trial_workspace):
    tenant, admin, _ = trial_workspace
    Subscription.objects.filter(account=tenant.account).update(status=Status.BLOCKED)
    assert admin.get("/leads")["Location"] == "/billing"
    assert admin.patch("/api/v1/tenant", {"description": "Новое"}, content_type="application/json").status_code == 402
    set_flag(flags.BILLING, Mode.OFF)
    assert admin.get("/leads").status_code == 200
    response = admin.patch("/api/v1/tenant", {"description": "Новое"}, content_type="application/json")
    assert response.status_code == 200, response.content


def test_the_billing_clock_leaves_accounts_with_billing_off_alone(trial_workspace, make_tenant, send_mail_now):
    tenant, _, _ = trial_workspace
    paying = make_tenant()
    start_trial(paying.account)
    set_flag(flags.BILLING, Mode.ALLOWLIST, (paying.account,))
    ends = Subscription.objects.get(account=tenant.account).trial_ends_at
    for moment in (ends - timedelta(days=2), ends + timedelta(minutes=1), ends + timedelta(days=30)):
        with time_machine.travel(moment, tick=False), send_mail_now():
            cycle.run()
    left_alone = Subscription.objects.get(account=tenant.account)
    assert (left_alone.status, left_alone.reminders_sent, left_alone.grace_ends_at) == (Status.TRIALING, [], None)
    assert Subscription.objects.get(account=paying.account).status == Status.BLOCKED  # the clock runs for the others
    assert tenant.account.owner.email not in {address for message in mail.outbox for address in message.to}

    set_flag(flags.BILLING, Mode.ON)
    with time_machine.travel(ends + timedelta(days=30, minutes=1), tick=False), send_mail_now():
        cycle.run()
    assert Subscription.objects.get(account=tenant.account).status == Status.GRACE


def test_payment_notifications_are_still_accepted_with_billing_off(make_tenant, client_for, payment_sandbox):
    from billing.tests.test_yookassa_notifications import CARD, WEBHOOK, control, sent

    payment_sandbox.yookassa_webhook_url = "http://127.0.0.1:9/unreachable"  # deliveries are recorded, we post them
    tenant = make_tenant()
    start_trial(tenant.account)
    admin = client_for(tenant, tenant.account.owner)
    started = admin.post("/api/v1/billing/payments", {"planId": "pro", "paymentMethod": "yookassa"},
                         content_type="application/json").json()
    payment = Payment.objects.get(order_id=started["paymentId"])
    control(payment_sandbox, "complete", {"provider": "yookassa", "id": payment.provider_payment_id, "card": CARD})
    [notification] = [n for n in sent(payment_sandbox, "payment.succeeded")
                      if n["object"]["id"] == payment.provider_payment_id]

    set_flag(flags.BILLING, Mode.OFF)
    response = client_for().post(WEBHOOK, notification, content_type="application/json", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert Subscription.objects.get(account=tenant.account).status == Status.ACTIVE  # nothing lost
