"""The weekly report and the staff alerts: who gets what, when, and that each goes out once.

Both run from periodic tasks over every workspace (:mod:`.tasks`); what they send is recorded in the workspace's
schema in the same transaction that enqueues the e-mails (through the outbox), so a re-run sends nothing twice
and a crash after the commit loses nothing.
"""

from __future__ import annotations

import base64
import logging
from datetime import date, datetime, time, timedelta
from email.mime.image import MIMEImage
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import usage
from billing.selectors import plan_of
from core import email, outbox
from core.email import header_safe
from core.errors import InvalidInput
from core.links import platform_url
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.analytics.wording import duration_text
from tenant_apps.leads.models import Lead

from .alerts import send_to_staff
from .chart import leads_chart
from .models import AlertSettings, LeadAlert, LimitAlert, ReportOptOut, WeeklyReport
from .selectors import alert_settings, day_start, week_report

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)

REPORT_WEEKDAY, REPORT_TIME = 0, time(9, 0)  # Monday 09:00 in the workspace's time zone
UNSUBSCRIBE_SALT = "reports.weekly-unsubscribe"
UNSUBSCRIBE_PATH = "reports/unsubscribe/"
CHART_CID = "leads-chart"
WAITING_LOOKBACK = timedelta(days=1)  # leads older than this are not alerted about (e.g. right after an upgrade)
WAITING_MINUTES_RANGE = (1, 1440)
LIMIT_THRESHOLDS = (80, 100)


def current_workspace() -> Tenant:
    """The workspace whose schema this runs in (an outbox handler has the schema, not a request's tenant)."""
    return Tenant.objects.get(schema_name=cast("DatabaseWrapper", connection).schema_name)


def _client_workspaces() -> list[Tenant]:
    return list(Tenant.objects.filter(kind=Tenant.Kind.CLIENT).select_related("account").order_by("pk"))


def _admins(tenant: Tenant) -> list[User]:
    return [m.user for m in Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN)
            .select_related("user").order_by("user_id")]


def _member(tenant: Tenant, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    membership = Membership.objects.filter(tenant=tenant, user_id=user_id).select_related("user").first()
    return membership.user if membership else None


# --- the weekly report -------------------------------------------------------------------------------------


def unsubscribe_token(tenant: Tenant, user_id: int) -> str:
    return signing.dumps({"t": tenant.pk, "u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(tenant: Tenant, user_id: int) -> str:
    return f"{tenant.url}{UNSUBSCRIBE_PATH}{unsubscribe_token(tenant, user_id)}"


def user_of_unsubscribe_token(tenant: Tenant, token: str) -> int | None:
    """The user a valid token of this workspace names, or None (a forged, altered or another workspace's one)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != tenant.pk or not isinstance(data.get("u"), int):
        return None
    return int(data["u"])


def set_weekly_report(user_id: int, wanted: bool) -> None:
    """A member's choice whether to get this workspace's weekly report (the current schema's)."""
    if wanted:
        ReportOptOut.objects.filter(user_id=user_id).delete()
    else:
        ReportOptOut.objects.get_or_create(user_id=user_id)


def report_week(tenant: Tenant, now: datetime) -> date | None:
    """The Monday whose report is due at ``now`` (Monday 09:00 local has passed this week), or None. A workspace
    created during this week has no complete week to report yet."""
    zone = ZoneInfo(tenant.timezone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, REPORT_TIME, tzinfo=zone):
        return None
    if tenant.created_at and tenant.created_at >= day_start(monday, tenant.timezone):
        return None
    return monday


def send_weekly_reports(now: datetime | None = None) -> int:
    """Every workspace whose report of this week is due and not sent yet: e-mail it to its admins. Returns how
    many workspaces sent one."""
    now = now or timezone.now()
    sent = 0
    for tenant in _client_workspaces():
        try:
            with tenant_context(tenant):
                sent += send_weekly_report(tenant, now)
        except DatabaseError:  # one broken workspace must not stop the others' reports
            logger.exception("weekly_report_failed", extra={"tenantId": tenant.slug})
    return sent


def send_weekly_report(tenant: Tenant, now: datetime) -> int:
    """This workspace's report of the week, once (run in its schema); 1 when it went out now."""
    monday = report_week(tenant, now)
    if monday is None:
        return 0
    with transaction.atomic():
        record, created = WeeklyReport.objects.get_or_create(week_start=monday, defaults={"sent_at": now})
        if not created:
            return 0
        opted_out = set(ReportOptOut.objects.values_list("user_id", flat=True))
        recipients = [user for user in _admins(tenant) if user.pk not in opted_out]
        report = week_report(monday - timedelta(days=7))
        png = base64.b64encode(leads_chart(report.per_day)).decode()
        subject = header_safe(f"Отчёт за неделю {report.first_day:%d.%m}–{report.last_day:%d.%m.%Y} — {tenant.name}")
        for user in recipients:
            link = unsubscribe_url(tenant, user.pk)
            context = {"user": user, "tenant": tenant, "report": report, "chart_cid": CHART_CID,
                       "overview_url": tenant.url, "unsubscribe_url": link, "platform_home_url": platform_url("/")}
            text = render_to_string("emails/weekly_report.txt", context)
            html = render_to_string("emails/weekly_report.html", context)
            outbox.enqueue(send_report_email, user.email, subject, text, html, png, link)
        record.recipients = len(recipients)
        record.save(update_fields=["recipients"])
    logger.info("weekly_report_sent", extra={"tenantId": tenant.slug, "recipients": len(recipients)})
    return 1


class _RelatedEmail(EmailMultiAlternatives):
    """multipart/related: the HTML part and the images it shows by ``cid:``."""

    mixed_subtype = "related"


@outbox.handler
def send_report_email(to: str, subject: str, text: str, html: str, png_base64: str, unsubscribe: str) -> None:
    """The report with its chart inline (``cid:``) in the HTML part, the plain text as the alternative."""
    message = _RelatedEmail(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                            headers={"List-Unsubscribe": f"<{unsubscribe}>"})
    message.attach_alternative(html, "text/html")
    image = MIMEImage(base64.b64decode(png_base64), "png")
    image.add_header("Content-ID", f"<{CHART_CID}>")
    image.add_header("Content-Disposition", "inline", filename="leads.png")
    message.attach(image)
    message.send()


# --- alert settings ------------------------------------------------------------------------------------------


def update_alert_settings(*, waiting_enabled: bool, waiting_minutes: str | int, escalation_enabled: bool,
                          limit_enabled: bool) -> AlertSettings:
    """Save the workspace's alert settings; a bad number of minutes → :class:`InvalidInput` (nothing saved)."""
    low, high = WAITING_MINUTES_RANGE
    try:
        minutes = int(str(waiting_minutes).strip())
    except ValueError:
        minutes = 0
    if not low <= minutes <= high:
        message = f"Укажите число минут от {low} до {high}."
        raise InvalidInput(message, fields={"waiting_minutes": message})
    return AlertSettings.objects.update_or_create(singleton=True, defaults={
        "waiting_enabled": waiting_enabled, "waiting_minutes": minutes,
        "escalation_enabled": escalation_enabled, "limit_enabled": limit_enabled})[0]


# --- alerts ------------------------------------------------------------------------------------------------


def _alert(tenant: Tenant, users: list[User], template: str, subject: str, context: dict, staff_text: str) -> None:
    """E-mail each user (once each) and hand the text to the other staff senders (the Telegram bot)."""
    unique = list({user.pk: user for user in users}.values())
    for user in unique:
        email.send(template, user.email, f"{subject} — {tenant.name}",
                   {"user": user, "tenant": tenant, "workspace_name": tenant.name, **context})
    if unique:
        send_to_staff([user.pk for user in unique], staff_text)


def lead_url(tenant: Tenant, lead_id: int) -> str:
    return f"{tenant.url}leads/{lead_id}"


def run_alerts(now: datetime | None = None) -> int:
    """The periodic check of every workspace: leads waiting too long and the plan's lead limit. Returns how many
    alerts went out."""
    now = now or timezone.now()
    sent = 0
    for tenant in _client_workspaces():
        try:
            with tenant_context(tenant):
                sent += alert_waiting_leads(tenant, now) + alert_lead_limit(tenant, now)
        except DatabaseError:
            logger.exception("alerts_failed", extra={"tenantId": tenant.slug})
    return sent


def alert_waiting_leads(tenant: Tenant, now: datetime) -> int:
    """New leads nobody answered for the workspace's N minutes: the admins and the assigned member, once a lead."""
    found = alert_settings()
    if not found.waiting_enabled:
        return 0
    due = (Lead.objects.filter(status=Lead.Status.NEW, first_contact_at__isnull=True,
                               created_at__lte=now - timedelta(minutes=found.waiting_minutes),
                               created_at__gte=now - WAITING_LOOKBACK)
           .exclude(pk__in=LeadAlert.objects.filter(kind=LeadAlert.Kind.WAITING).values("lead_id"))
           .order_by("created_at", "id"))
    sent = 0
    admins = _admins(tenant)
    for lead in due[:100]:
        with transaction.atomic():
            _, created = LeadAlert.objects.get_or_create(lead=lead, kind=LeadAlert.Kind.WAITING,
                                                         defaults={"sent_at": now})
            if not created:
                continue
            waited = duration_text((now - lead.created_at).total_seconds())
            assignee = _member(tenant, lead.assigned_to_id)
            url = lead_url(tenant, lead.pk)
            _alert(tenant, [*admins, *([assignee] if assignee else [])], "alert_waiting",
                   f"Заявка ждёт ответа {waited}",
                   {"lead": lead, "waited": waited, "lead_url": url, "channel": lead.get_channel_display()},
                   f"⏰ {tenant.name}: заявка «{lead.name}» ({lead.get_channel_display()}) ждёт ответа {waited}. "
                   f"{url}")
            sent += 1
    return sent


def alert_lead_limit(tenant: Tenant, now: datetime) -> int:
    """80 % and 100 % of the plan's monthly lead limit: the admins, once a month per threshold (both reached at
    once → one alert, about 100 %)."""
    if tenant.account_id is None or not alert_settings().limit_enabled:
        return 0
    plan = plan_of(tenant.client_account)
    limit = plan.leads_per_month
    if not limit:
        return 0
    count = usage.leads_this_month(tenant.account_id, now)
    reached = [threshold for threshold in LIMIT_THRESHOLDS if count * 100 >= threshold * limit]
    if not reached:
        return 0
    month = usage.month_of(now)
    with transaction.atomic():
        new = [threshold for threshold in reached
               if LimitAlert.objects.get_or_create(month=month, threshold=threshold, defaults={"sent_at": now})[1]]
        if not new:
            return 0
        threshold = max(new)
        pricing_url = platform_url("/pricing")
        if threshold >= 100:
            subject = "Лимит заявок исчерпан"
            staff = (f"⛔ {tenant.name}: принято {count} из {limit} заявок в месяц — лимит тарифа «{plan.name}» "
                     f"исчерпан. {pricing_url}")
        else:
            subject = f"Использовано {threshold} % лимита заявок"
            staff = (f"⚠️ {tenant.name}: принято {count} из {limit} заявок в месяц — {threshold} % лимита тарифа "
                     f"«{plan.name}». {pricing_url}")
        _alert(tenant, _admins(tenant), "alert_limit", subject,
               {"count": count, "limit": limit, "threshold": threshold, "plan_name": plan.name,
                "pricing_url": pricing_url}, staff)
    return 1


def on_lead_escalated(sender: object, lead: Lead, actor: User | None = None, comment: str = "",
                      **kwargs: object) -> None:
    """``lead_escalated`` (inside the escalation's transaction): the alert goes through the outbox."""
    outbox.enqueue(alert_escalation, lead.pk, getattr(actor, "pk", None), comment or "")


@outbox.handler
def alert_escalation(lead_id: int, actor_id: int | None, comment: str) -> None:
    """The admins and the lead's assigned member (not the one who escalated) learn of the escalation."""
    if not alert_settings().escalation_enabled:
        return
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return
    tenant = current_workspace()
    actor = _member(tenant, actor_id)
    assignee = _member(tenant, lead.assigned_to_id)
    users = [user for user in [*_admins(tenant), *([assignee] if assignee else [])] if user.pk != actor_id]
    who = (actor.get_full_name() or actor.email) if actor else "Сотрудник"
    url = lead_url(tenant, lead.pk)
    note = f" Комментарий: {comment}" if comment else ""
    _alert(tenant, users, "alert_escalation", f"Эскалация: {lead.name}",
           {"lead": lead, "who": who, "comment": comment, "lead_url": url},
           f"🚨 {tenant.name}: {who} эскалировал(а) заявку «{lead.name}».{note} {url}")
