"""The overview: today / 7 / 30 days against the periods before (the workspace's own «today»), the leads waiting
longest for a first answer, and the setup checklist until the workspace is set up."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_tenants.utils import tenant_context

from shared_apps.flags import flags
from shared_apps.flags.models import Flag
from shared_apps.flags.tests.helpers import set_flag
from shared_apps.tenancy.models import Tenant
from tenant_apps.analytics.facts import rebuild
from tenant_apps.channels.models import Channel
from tenant_apps.leads.models import Lead
from tenant_apps.reports.selectors import overview_cards
from tenant_apps.widgets.services import get_widget
from widget_cdn.models import WidgetPublication

pytestmark = pytest.mark.django_db

# Vladivostok is UTC+10: at 15:00 UTC on 26 November it is already 01:00 on the 27th there (Moscow: 18:00, 26th).
ZONE = "Asia/Vladivostok"
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TODAY_START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 27 November 00:00 local
DAY = timedelta(days=1)


@pytest.fixture
def world(admin_and_operator):
    tenant, admin, operator = admin_and_operator
    Tenant.objects.filter(pk=tenant.pk).update(timezone=ZONE)
    tenant.refresh_from_db()
    rows = [
        # today (local): 2 leads, one contacted after 4 minutes and booked
        ("Анна", "booked", TODAY_START + timedelta(minutes=30), timedelta(minutes=4)),
        ("Борис", "new", TODAY_START + timedelta(minutes=50), None),
        # yesterday (local) — «today» in Moscow: 1 lead contacted after 10 minutes
        ("Вера", "contacted", TODAY_START - timedelta(hours=1), timedelta(minutes=10)),
        # 3 and 6 days ago: in the 7 days
        ("Глеб", "lost", TODAY_START - 3 * DAY, timedelta(minutes=30)),
        ("Дина", "new", TODAY_START - 6 * DAY + timedelta(hours=2), None),
        # 8 and 12 days ago: the 7 days before; 20 days ago: in the 30 days only
        ("Егор", "booked", TODAY_START - 8 * DAY, timedelta(minutes=2)),
        ("Жанна", "booked", TODAY_START - 12 * DAY, timedelta(minutes=6)),
        ("Зоя", "contacted", TODAY_START - 20 * DAY, timedelta(hours=2)),
        # 40 days ago: the 30 days before
        ("Ира", "contacted", TODAY_START - 40 * DAY, timedelta(hours=1)),
    ]
    with tenant_context(tenant):
        leads = {name: Lead.objects.create(name=name, status=status, created_at=created,
                                           first_contact_at=created + wait if wait else None)
                 for name, status, created, wait in rows}
        rebuild()  # written straight to the table, past the lead services: the figures are rebuilt from it
    return tenant, admin, operator, leads


def _figures(card) -> dict[str, tuple[str, str]]:
    return {figure.key: (figure.value, figure.trend.text) for figure in card.figures}


def test_the_cards_match_hand_counted_figures_in_the_workspace_time_zone(world):
    tenant, *_ = world
    with tenant_context(tenant):
        today, week, month = overview_cards(NOW, ZONE)
    assert _figures(today) == {
        "leads": ("2", "рост на 100 %"),  # against yesterday's 1 (Вера)
        "contacted": ("1", "без изменений"),
        "booked": ("1", "рост: в прошлом периоде было 0"),
        "conversion": ("50 %", "рост на 50 п.п."),
        "first_contact": ("4 мин", "снижение на 60 %"),  # 4 min against 10
    }
    assert _figures(week) == {  # Анна, Борис, Вера, Глеб, Дина against Егор, Жанна
        "leads": ("5", "рост на 150 %"),
        "contacted": ("3", "рост на 50 %"),
        "booked": ("1", "снижение на 50 %"),
        "conversion": ("20 %", "снижение на 80 п.п."),
        "first_contact": ("10 мин", "рост на 150 %"),  # median of 4, 10, 30 against of 2, 6
    }
    assert _figures(month) == {  # 8 leads against Ира's 1
        "leads": ("8", "рост на 700 %"),
        "contacted": ("6", "рост на 500 %"),
        "booked": ("3", "рост: в прошлом периоде было 0"),
        "conversion": ("37,5 %", "рост на 37,5 п.п."),
        "first_contact": ("8 мин", "снижение на 87 %"),  # median of 2, 4, 6, 10, 30, 120 against 60
    }
    assert today.figures[4].trend.good is True  # a faster first contact is for the better
    assert week.figures[4].trend.good is False


def test_the_page_shows_the_cards_with_arrows_and_accessible_trend_text(world):
    _tenant, admin, *_ = world
    with time_machine.travel(NOW, tick=False):
        html = admin.get("/").content.decode()
    today = html[html.index('id="overview-today"'):html.index('id="overview-7d"')]
    assert re.search(r'data-figure="leads".*?data-value>2<.*?▲&nbsp;100&nbsp;%.*?рост на 100 %', today, re.S)
    assert re.search(r'data-figure="first_contact".*?4 мин.*?text-green-700.*?▼&nbsp;60&nbsp;%', today, re.S)
    assert 'class="sr-only">снижение на 60 %<' in today


def test_waiting_leads_are_the_oldest_unanswered_first_with_links(world):
    _tenant, _admin, operator, leads = world
    with time_machine.travel(NOW, tick=False):
        html = operator.get("/").content.decode()
    waiting = html[html.index('id="overview-waiting"'):]
    ids = [int(found) for found in re.findall(r'data-waiting-lead="(\d+)"', waiting)]
    assert ids == [leads["Дина"].pk, leads["Борис"].pk]  # the new ones without a first contact, oldest first
    assert f'href="/leads/{leads["Дина"].pk}"' in waiting
    assert "ждёт 5 дн 23 ч" in waiting
    assert "ждёт 10 мин" in waiting
    assert "Все новые (2)" in waiting


def test_the_checklist_shows_what_is_left_and_disappears_when_done(admin_and_operator):
    tenant, admin, _ = admin_and_operator

    def steps() -> dict[str, str]:
        html = admin.get("/").content.decode()
        return dict(re.findall(r'data-step="(\w+)" data-done="(\w+)"', html))

    assert steps() == {"site": "false", "widget": "false", "channel": "false", "calendar": "false",
                       "first_lead": "false"}
    html = admin.get("/").content.decode()
    assert 'href="/onboarding/workspace" class="link text-sm font-medium">Домены сайта' in html  # the wizard's steps
    assert 'href="/onboarding/snippet" class="link text-sm font-medium">Получена первая заявка' in html
    Tenant.objects.filter(pk=tenant.pk).update(site_domains=["clinic.ru"])
    with tenant_context(tenant):
        widget = get_widget()
        widget.privacy_policy_url = "https://clinic.ru/privacy"
        widget.save()
    assert steps()["site"] == "true"
    assert steps()["widget"] == "false"
    with tenant_context(tenant):
        widget.updated_by_id = admin.session["_auth_user_id"]
        widget.save()
        assert WidgetPublication.objects.filter(tenant=tenant).exists()  # published with the defaults
        Channel.objects.create(provider="telegram", kind="telegram", credentials_token="x", secret_hint="••••")
    assert steps() == {"site": "true", "widget": "true", "channel": "true", "calendar": "false",
                       "first_lead": "false"}
    with tenant_context(tenant):
        Lead.objects.create(name="Анна", created_at=NOW)
    html = admin.get("/").content.decode()
    assert 'id="overview-checklist"' not in html  # the calendar is optional: the workspace is set up
    assert "Настройка рабочего пространства" not in html


def test_with_the_wizard_switched_off_the_checklist_links_to_the_sections(admin_and_operator):
    _, admin, _ = admin_and_operator
    set_flag(flags.ONBOARDING, Flag.Mode.OFF)
    html = admin.get("/").content.decode()
    assert 'href="/workspace" class="link text-sm font-medium">Домены сайта' in html
    assert 'href="/widget#snippet" class="link text-sm font-medium">Получена первая заявка' in html
    assert "/onboarding" not in html


def test_only_admins_see_the_checklist(admin_and_operator):
    _, admin, operator = admin_and_operator
    assert 'id="overview-checklist"' in admin.get("/").content.decode()
    assert 'id="overview-checklist"' not in operator.get("/").content.decode()
