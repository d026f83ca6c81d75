"""The guided tour: when a cabinet page starts it by itself, its stops for each member, and the dismissal endpoint."""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from core.links import INSTALL_GUIDE_PATH, platform_url
from shared_apps.flags import flags
from shared_apps.flags.models import Flag
from shared_apps.flags.tests.helpers import set_flag
from shared_apps.onboarding.models import WizardProgress
from shared_apps.tenancy.models import Membership

pytestmark = pytest.mark.django_db
DRIVER = '<script src="/static/js/driver.js"'


def tour_of(response) -> dict:
    page = response.content.decode()
    assert response.status_code == 200
    autostart = re.search(r'id="cabinet-tour" hidden data-autostart="(true|false)"', page)
    steps = re.search(r'<script id="cabinet-tour-steps" type="application/json">(.*?)</script>', page, re.S)
    assert autostart, "every cabinet page carries the tour for the «Помощь» menu"
    assert steps
    return {"autostart": autostart.group(1) == "true", "driver": DRIVER in page,
            "stops": [step["section"] for step in json.loads(steps.group(1))], "page": page}


def test_the_install_guide_of_the_help_menu_and_the_snippet_is_a_real_post(client_for):
    response = client_for().get(INSTALL_GUIDE_PATH)
    assert response.status_code == 200
    assert "Как установить виджет заявок на Tilda, WordPress и 1С-Битрикс" in response.content.decode()


def finish_wizard(tenant) -> None:
    WizardProgress.objects.update_or_create(tenant=tenant, defaults={"completed_at": timezone.now()})


def test_it_waits_for_the_wizard_then_starts_by_itself_for_an_admin(admin_and_operator):
    tenant, admin, _ = admin_and_operator
    before = tour_of(admin.get("/"))
    assert (before["autostart"], before["driver"]) == (False, False)  # driver.js is not even loaded
    assert "Экскурсия по кабинету" in before["page"]
    assert f'href="{platform_url(INSTALL_GUIDE_PATH)}"' in before["page"]
    assert "Инструкция по установке виджета" in before["page"]
    assert "mailto:support@fastlead.ru" in before["page"]

    finish_wizard(tenant)
    after = tour_of(admin.get("/leads"))
    assert (after["autostart"], after["driver"]) == (True, True)
    assert after["stops"] == ["", "leads", "analytics", "widget", "channels", "team", "billing", "help"]
    for section in ("leads", "analytics", "widget", "channels", "team", "billing"):
        assert f'data-tour="{section}"' in after["page"]


def test_an_invited_member_gets_it_at_once_with_the_sections_of_their_role(admin_and_operator, make_user, add_member):
    tenant, _, operator = admin_and_operator
    operator_tour = tour_of(operator.get("/"))
    assert operator_tour["autostart"]  # not theirs to run the wizard
    assert operator_tour["stops"] == ["", "leads", "analytics", "widget", "channels", "help"]
    analyst = make_user()
    add_member(analyst, tenant, Membership.Role.ANALYST)
    client = Client(HTTP_HOST=tenant.primary_host)
    client.force_login(analyst)
    assert tour_of(client.get("/"))["stops"] == ["", "leads", "analytics", "help"]


def test_with_onboarding_off_it_starts_at_once_and_without_billing_it_skips_that_stop(admin_and_operator):
    _, admin, _ = admin_and_operator
    set_flag(flags.ONBOARDING, Flag.Mode.OFF)
    set_flag(flags.BILLING, Flag.Mode.OFF)
    tour = tour_of(admin.get("/"))
    assert tour["autostart"]
    assert "billing" not in tour["stops"]


def test_not_inside_the_wizard(admin_and_operator):
    tenant, admin, _ = admin_and_operator
    set_flag(flags.ONBOARDING, Flag.Mode.ALLOWLIST)  # not this account's: the tour would start…
    assert tour_of(admin.get("/"))["autostart"]
    set_flag(flags.ONBOARDING, Flag.Mode.ALLOWLIST, (tenant.account,))
    finish_wizard(tenant)
    assert not tour_of(admin.get("/onboarding/workspace"))["autostart"]  # …but never over a wizard's step


def test_once_dismissed_it_never_starts_by_itself_again_but_the_menu_still_offers_it(admin_and_operator):
    _, _, operator = admin_and_operator
    assert operator.post("/settings/tour/dismiss").status_code == 204
    tour = tour_of(operator.get("/"))
    assert (tour["autostart"], tour["driver"]) == (False, False)
    assert "data-tour-start" in tour["page"]
    assert tour["stops"]  # what the menu's restart walks through


def test_the_help_menu_leads_admins_back_to_the_wizard_even_after_it_was_finished(admin_and_operator):
    tenant, admin, operator = admin_and_operator
    finish_wizard(tenant)
    wizard_link = re.compile(r'<a href="/onboarding" [^>]*>Мастер настройки</a>')
    assert wizard_link.search(admin.get("/").content.decode())
    assert not wizard_link.search(operator.get("/").content.decode())  # not theirs to set up
    set_flag(flags.ONBOARDING, Flag.Mode.OFF)
    assert not wizard_link.search(admin.get("/").content.decode())


def test_the_dismissal_is_kept_once_and_idempotent(admin_and_operator):
    tenant, _, operator = admin_and_operator
    user = tenant.memberships.get(role=Membership.Role.OPERATOR).user
    assert user.tour_dismissed_at is None
    assert operator.post("/settings/tour/dismiss").status_code == 204
    user.refresh_from_db()
    first = user.tour_dismissed_at
    assert first is not None
    assert operator.post("/settings/tour/dismiss").status_code == 204
    user.refresh_from_db()
    assert user.tour_dismissed_at == first
    assert operator.get("/settings/tour/dismiss").status_code == 405


def test_the_dismissal_needs_the_csrf_token_and_a_member(admin_and_operator, make_user):
    tenant, _, _ = admin_and_operator
    user = tenant.memberships.get(role=Membership.Role.OPERATOR).user
    guarded = Client(HTTP_HOST=tenant.primary_host, enforce_csrf_checks=True)
    guarded.force_login(user)
    assert guarded.post("/settings/tour/dismiss").status_code == 403
    user.refresh_from_db()
    assert user.tour_dismissed_at is None
    token = re.search(r'data-csrf="([^"]+)"', guarded.get("/").content.decode()).group(1)
    assert guarded.post("/settings/tour/dismiss", headers={"X-CSRFToken": token}).status_code == 204

    anonymous = Client(HTTP_HOST=tenant.primary_host)
    assert anonymous.post("/settings/tour/dismiss").status_code == 302  # to the login
    stranger = Client(HTTP_HOST=tenant.primary_host)
    stranger.force_login(make_user())
    assert stranger.post("/settings/tour/dismiss").status_code == 403
