"""The weekly report: its figures against the week before, the chart (a real PNG inline), the plain-text part,
sent once per week after Monday 09:00 in the workspace's time zone, the opt-out and the signed unsubscribe link."""

import io
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from django.core import mail
from django_tenants.utils import tenant_context
from PIL import Image

from conftest import set_plan
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.analytics.facts import rebuild
from tenant_apps.leads.models import Lead
from tenant_apps.reports.models import ReportOptOut, WeeklyReport
from tenant_apps.reports.services import (
    send_weekly_reports,
    unsubscribe_token,
    unsubscribe_url,
    user_of_unsubscribe_token,
)

pytestmark = pytest.mark.django_db

# Novosibirsk is UTC+7: Monday 30 November 2026, 09:00 there is 02:00 UTC.
ZONE = "Asia/Novosibirsk"
MONDAY_9_LOCAL = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
REPORT_WEEK = datetime(2026, 11, 23, tzinfo=UTC) - timedelta(hours=7)  # Monday 23 November 00:00 local


@pytest.fixture
def world(make_tenant, make_user, add_member):
    tenant = make_tenant(name="Клиника «Улыбка»")
    set_plan(tenant, "pro")
    Tenant.objects.filter(pk=tenant.pk).update(timezone=ZONE, created_at=datetime(2026, 11, 1, tzinfo=UTC))
    tenant.refresh_from_db()
    owner = tenant.memberships.get().user
    second_admin, operator = make_user(full_name="Ольга"), make_user()
    add_member(second_admin, tenant, Membership.Role.ADMIN)
    add_member(operator, tenant, Membership.Role.OPERATOR)
    day = timedelta(days=1)
    rows = [
        # the report's week (Mon 23 – Sun 29 Nov, local): 4 leads
        ("Анна", "web", "booked", REPORT_WEEK + timedelta(hours=10), timedelta(minutes=2)),
        ("Борис", "telegram", "contacted", REPORT_WEEK + day + timedelta(hours=10), timedelta(minutes=6)),
        ("Вера", "web", "lost", REPORT_WEEK + 3 * day + timedelta(hours=12), timedelta(minutes=10)),
        ("Глеб", "web", "new", REPORT_WEEK + 6 * day + timedelta(hours=23, minutes=30), None),  # Sunday, late
        # the week before: 2 leads, 1 booked
        ("Дина", "web", "booked", REPORT_WEEK - 2 * day, timedelta(minutes=20)),
        ("Егор", "sms", "new", REPORT_WEEK - day, None),
        # after the week (Monday 00:10 local): not in the report
        ("Жанна", "web", "new", REPORT_WEEK + 7 * day + timedelta(minutes=10), None),
    ]
    with tenant_context(tenant):
        for name, channel, status, created, wait in rows:
            Lead.objects.create(name=name, channel=channel, status=status, created_at=created,
                                first_contact_at=created + wait if wait else None)
        rebuild()  # written straight to the table, past the lead services: the figures are rebuilt from it
    return tenant, owner, second_admin, operator


def _send(send_mail_now, now):
    with send_mail_now():
        return send_weekly_reports(now)


def test_the_report_goes_to_each_admin_once_after_monday_nine_local(world, send_mail_now):
    tenant, owner, second_admin, _ = world
    assert _send(send_mail_now, MONDAY_9_LOCAL - timedelta(minutes=1)) == 0  # 08:59 in Novosibirsk
    assert mail.outbox == []
    assert _send(send_mail_now, MONDAY_9_LOCAL) == 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, second_admin.email])
    assert _send(send_mail_now, MONDAY_9_LOCAL + timedelta(minutes=15)) == 0  # the next run: already sent
    assert _send(send_mail_now, MONDAY_9_LOCAL + timedelta(days=3)) == 0
    assert len(mail.outbox) == 2
    with tenant_context(tenant):
        [record] = WeeklyReport.objects.all()
    assert (str(record.week_start), record.recipients) == ("2026-11-30", 2)
    assert _send(send_mail_now, MONDAY_9_LOCAL + timedelta(days=7)) == 1  # the next Monday: the next report
    assert len(mail.outbox) == 4


def test_the_report_says_the_weeks_figures_against_the_week_before(world, send_mail_now):
    tenant, owner, *_ = world
    _send(send_mail_now, MONDAY_9_LOCAL)
    message = next(message for message in mail.outbox if message.to == [owner.email])
    assert message.subject == "Отчёт за неделю 23.11–29.11.2026 — Клиника «Улыбка»"
    text = message.body
    assert "Заявки: 4 (рост на 100 %)" in text  # 4 against 2
    assert "Связались: 3 (рост на 200 %)" in text  # 3 against 1
    assert "Записались: 1 (без изменений)" in text
    assert "Конверсия в запись: 25 % (снижение на 25 п.п.)" in text  # 25 % against 50 %
    assert "Медиана до первого контакта: 6 мин (снижение на 70 %)" in text  # 6 min against 20
    assert "Потеряно: 1" in text
    assert "29.11: 1" in text
    assert "23.11: 1" in text
    assert "25.11: 0" in text
    assert "Веб-форма: 3" in text
    assert "Telegram: 1" in text
    assert "Жанна" not in text
    # The link is signed with the second it was made in: read it back rather than make it again.
    link = re.search(r"https?://\S+/reports/unsubscribe/(\S+)", text)
    assert link is not None
    assert link.group(0).startswith(unsubscribe_url(tenant, owner.pk).rsplit("/", 1)[0] + "/")
    assert user_of_unsubscribe_token(tenant, link.group(1)) == owner.pk


def test_the_chart_is_an_inline_png_pillow_can_read(world, send_mail_now):
    _send(send_mail_now, MONDAY_9_LOCAL)
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes())
    parts = {part.get_content_type(): part for part in parsed.walk()}
    assert {"text/plain", "text/html", "image/png"} <= set(parts)
    html = parts["text/html"].get_payload(decode=True).decode()
    assert 'src="cid:leads-chart"' in html
    image = parts["image/png"]
    assert image["Content-ID"] == "<leads-chart>"
    assert image.get_content_disposition() == "inline"
    picture = Image.open(io.BytesIO(image.get_payload(decode=True)))
    picture.verify()
    assert picture.format == "PNG"
    assert picture.size == (560, 220)
    assert parsed["List-Unsubscribe"].strip().startswith("<http")


def test_an_admin_who_opted_out_gets_no_report(world, send_mail_now):
    tenant, owner, second_admin, _ = world
    with tenant_context(tenant):
        ReportOptOut.objects.create(user=owner)
    _send(send_mail_now, MONDAY_9_LOCAL)
    assert [message.to for message in mail.outbox] == [[second_admin.email]]


def test_the_profile_switch_turns_the_report_off_and_on(world, client_for):
    tenant, owner, *_ = world
    client = client_for(tenant, owner)
    page = client.get("/settings").content.decode()
    assert "Еженедельный отчёт на e-mail" in page
    assert 'name="weekly_report"' in page
    assert client.post("/settings/weekly-report", {}).status_code == 302
    with tenant_context(tenant):
        assert ReportOptOut.objects.filter(user_id=owner.pk).exists()
    assert client.post("/settings/weekly-report", {"weekly_report": "on"}).status_code == 302
    with tenant_context(tenant):
        assert not ReportOptOut.objects.exists()


def test_the_unsubscribe_link_works_without_login_and_is_signed(world, client_for, make_tenant):
    tenant, owner, *_ = world
    anonymous = client_for(tenant)
    token = unsubscribe_token(tenant, owner.pk)
    page = anonymous.get(f"/reports/unsubscribe/{token}")
    assert page.status_code == 200
    assert "Отписаться от еженедельного отчёта?" in page.content.decode()
    with tenant_context(tenant):
        assert not ReportOptOut.objects.exists()  # opening the link (a mail scanner does) changes nothing
    done = anonymous.post(f"/reports/unsubscribe/{token}")
    assert done.status_code == 200
    assert "Вы отписались" in done.content.decode()
    with tenant_context(tenant):
        assert list(ReportOptOut.objects.values_list("user_id", flat=True)) == [owner.pk]

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert anonymous.post(f"/reports/unsubscribe/{forged}").status_code == 404
    other = make_tenant()
    foreign = unsubscribe_token(other, owner.pk)  # another workspace's link does not work here
    response = anonymous.post(f"/reports/unsubscribe/{foreign}")
    assert response.status_code == 404
    assert "Ссылка недействительна" in response.content.decode()


def test_a_workspace_created_this_week_waits_for_next_monday(world, make_tenant, send_mail_now):
    _tenant, *_ = world
    fresh = make_tenant()
    Tenant.objects.filter(pk=fresh.pk).update(timezone=ZONE, created_at=MONDAY_9_LOCAL + timedelta(hours=1))
    assert _send(send_mail_now, MONDAY_9_LOCAL + timedelta(hours=2)) == 1  # only the older workspace
