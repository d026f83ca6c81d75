import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from core import email, outbox
from core.context import request_id_var
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant

from . import exports
from .models import ExportJob, Lead, LeadEvent
from .signals import lead_accepted

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)


def quoted(name: str) -> str:
    """«Улыбка» for Улыбка; a name with quotes of its own (Стоматология «Улыбка») is left as it is."""
    name = name.strip()
    return name if any(mark in name for mark in "«»\"„“”") else f"«{name}»"


@outbox.handler
def lead_created(lead_id: int) -> None:
    """Runs in the lead's workspace schema: notes on the timeline that a worker took the lead and announces it
    (``lead_accepted``: channels sends the first contact), once however often the task is delivered."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return
    _, created = LeadEvent.objects.get_or_create(
        lead=lead,
        kind=LeadEvent.Kind.QUEUED,
        defaults={"text": "Лид передан в обработку", "request_id": request_id_var.get() or "",
                  "created_at": timezone.now()},
    )
    if created:
        lead_accepted.send(sender=Lead, lead=lead)


# --- large exports ----------------------------------------------------------------------------------------------


@outbox.handler
def start_export(job_id: int) -> None:
    """The outbox's step (survives a broker outage at the request): hand the job to a worker of its own once this
    commits. The export runs outside the outbox's transaction, so that its progress shows on the page as it goes."""
    transaction.on_commit(lambda: build_export.delay(job_id))


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def build_export(job_id: int) -> None:
    """Runs in the job's workspace schema: writes the file, then e-mails the member a link (or the failure)."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in {ExportJob.Status.DONE, ExportJob.Status.FAILED}:
        return  # a redelivery of a finished job
    tenant = Tenant.objects.get(schema_name=cast("DatabaseWrapper", connection).schema_name)
    user = User.objects.filter(pk=job.user_id).first()
    try:
        exports.build(job, tenant.timezone)
    except Exception:
        logger.exception("lead_export_failed", extra={"tenantId": tenant.slug, "jobId": job.pk})
        exports.fail(job)
        if user is not None:
            email.send("lead_export_failed", user.email, f"Выгрузка лидов не сформирована — {tenant.name}",
                       {"user": user, "tenant": tenant, "error": job.error, "leads_url": tenant.url + "leads",
                        "workspace_name": quoted(tenant.name)})
        return
    if user is not None:
        link = tenant.url + f"leads/exports/{job.token}"
        expires = timezone.localtime(job.expires_at, ZoneInfo(tenant.timezone)) if job.expires_at else None
        email.send("lead_export_ready", user.email, f"Выгрузка лидов готова — {tenant.name}",
                   {"user": user, "tenant": tenant, "link": link, "rows": job.done, "expires_at": expires,
                    "format_label": job.get_format_display(), "workspace_name": quoted(tenant.name)})


@shared_task(ignore_result=True)
def purge_expired_exports() -> int:
    """Beat: delete the files of expired exports in every workspace that has any, the partial files a dead worker
    left behind, and give up on jobs that stopped long ago (their worker died and nobody will finish them)."""
    root = Path(settings.LEAD_EXPORT_ROOT)
    if not root.is_dir():
        return 0
    now = timezone.now()
    for leftover in root.glob("*/*.part"):
        if leftover.stat().st_mtime < now.timestamp() - 3600:
            leftover.unlink(missing_ok=True)
    schemas = [folder.name for folder in root.iterdir() if folder.is_dir()]
    purged = 0
    for tenant in Tenant.objects.filter(schema_name__in=schemas):
        with tenant_context(tenant):
            purged += exports.purge_expired(ExportJob.objects.filter(expires_at__lte=now).exclude(file=""))
            stale = now - timedelta(minutes=settings.LEAD_EXPORT_STALE_MINUTES)
            for job in ExportJob.objects.filter(status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
                                                created_at__lt=stale):
                exports.fail(job)
    return purged


# --- 152-FZ retention ---------------------------------------------------------------------------------------------


@shared_task(ignore_result=True)
def erase_expired_personal_data() -> int:
    """Beat, daily: in every client workspace with a retention period, erase the personal data of the leads that
    arrived longer ago (statistics stay). Returns how many leads were erased."""
    from . import privacy  # imported here: privacy uses services, which import this module

    erased = 0
    workspaces = Tenant.objects.filter(kind=Tenant.Kind.CLIENT, personal_data_retention_months__isnull=False)
    for tenant in workspaces.order_by("pk"):
        try:
            with tenant_context(tenant):
                count = privacy.erase_expired(tenant)
        except DatabaseError:  # one broken workspace must not keep the others' data past its term
            logger.exception("retention_purge_failed", extra={"tenantId": tenant.slug})
            continue
        if count:
            logger.info("retention_purge", extra={"tenantId": tenant.slug, "leads": count})
        erased += count
    return erased
