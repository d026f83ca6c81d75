"""The leads export: one set of columns written as CSV or XLSX, both streamed (core/xlsx.py).

Small exports answer the request itself; above ``settings.LEAD_EXPORT_ASYNC_ROWS`` rows an :class:`ExportJob` is
built by a worker (``tasks.start_export`` → ``tasks.build_export``) into a private folder (never served as media)
and fetched through ``views.download`` with the job's token before it expires.

Rows are read as tuples (``values_list``) with a server-side cursor and the members' names looked up once, so the
memory stays flat whatever the number of leads. Visitor-typed text never runs as a formula: CSV cells that start
with = + - @ tab or CR get a leading apostrophe; XLSX cells are written as strings, never as formulas.
"""

import csv
import dataclasses
import io
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core import xlsx
from core.database import statement_timeout
from core.db_router import reading_from_replica
from shared_apps.accounts.models import User
from shared_apps.audit import services as audit
from shared_apps.audit.services import Workspace
from shared_apps.tenancy.masking import mask_email, mask_phone

from .models import Channel, ExportJob, Lead
from .selectors import UNASSIGNED, LeadFilters, lead_list

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)

# (header, XLSX column width in characters); CSV and XLSX have the same columns in the same order.
COLUMNS: list[tuple[str, int]] = [
    ("id", 8), ("Имя", 24), ("Телефон", 18), ("E-mail", 26), ("Канал", 12), ("Статус", 12),
    ("Причина потери", 22), ("Ответственный", 22), ("Страница", 40), ("utm_source", 14), ("utm_medium", 14),
    ("utm_campaign", 18), ("utm_term", 14), ("utm_content", 14), ("Создан", 17), ("Первый контакт", 17),
]
HEADERS = [header for header, _ in COLUMNS]
FIELDS = ("id", "name", "phone", "email", "channel", "status", "lost_reason", "assigned_to_id", "page_url",
          "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
TEXT_COLUMNS = range(1, 14)
DATE_COLUMNS = (14, 15)
# The times are turned into the workspace's time zone and into text (CSV) or Excel's day numbers (XLSX) by
# PostgreSQL: parsing 2 timestamps a row into Python datetimes would cost more than everything else of the row.
CSV_TIME_SQL = "to_char(timezone(%s, {}), 'DD.MM.YYYY HH24:MI')"
XLSX_TIME_SQL = "extract(epoch from timezone(%s, {}))::float8 / 86400 + 25569"  # days since 1899-12-30
FORMULA_STARTS = frozenset("=+-@\t\r")
# A whole workspace's leads stream in chunks; one chunk may take longer than a request's usual limit.
EXPORT_STATEMENT_TIMEOUT_SECONDS = 120
CHUNK_ROWS = 5000
CSV_BATCH_ROWS = 500
PROGRESS_EVERY_ROWS = 5000
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FAILED_MESSAGE = "Не удалось сформировать выгрузку. Попробуйте ещё раз; если ошибка повторится, напишите в поддержку."

Row = list[Any]  # one lead's cells: the id, text, and the two times as the SQL made them (or None)


def safe_cell(value: str) -> str:
    """Visitor-typed text must not run as a spreadsheet formula (CSV injection)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def member_names(leads: QuerySet[Lead]) -> dict[int, str]:
    """Names of everyone the exported leads are assigned to, in one query (users live in the public schema)."""
    ids = leads.order_by().filter(assigned_to__isnull=False).values("assigned_to_id").distinct()
    return {pk: full_name or email for pk, full_name, email in
            User.objects.filter(pk__in=ids).values_list("pk", "full_name", "email")}


def rows(leads: QuerySet[Lead], *, unmasked: bool, time_zone: str, time_sql: str) -> Iterator[Row]:
    """Each lead as its cells, masked for those who may not see contacts; text cells not yet guarded; the two
    times as ``time_sql`` makes them (None for no first contact yet)."""
    names = member_names(leads)
    channels, statuses = dict(Channel.choices), dict(Lead.Status.choices)
    reasons = dict(Lead.LostReason.choices)
    # Our own constant SQL around our own column names; the time zone is a query parameter.
    times = leads.annotate(created_cell=RawSQL(time_sql.format("created_at"), [time_zone]),  # noqa: S611
                           first_contact_cell=RawSQL(time_sql.format("first_contact_at"), [time_zone]))  # noqa: S611
    for (pk, name, phone, email, channel, status, lost_reason, assigned_id, page_url, utm_source, utm_medium,
         utm_campaign, utm_term, utm_content, created, first_contact) in (
            times.values_list(*FIELDS, "created_cell", "first_contact_cell").iterator(chunk_size=CHUNK_ROWS)):
        yield [
            pk, name, phone if unmasked else mask_phone(phone), email if unmasked else mask_email(email),
            channels.get(channel, channel), statuses.get(status, status), reasons.get(lost_reason, lost_reason),
            names.get(assigned_id, "") if assigned_id else "", page_url, utm_source, utm_medium, utm_campaign,
            utm_term, utm_content, created, first_contact,
        ]


def csv_lines(leads: QuerySet[Lead], *, unmasked: bool, time_zone: str,
              progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """UTF-8 with BOM and ';' so that Russian Excel opens it as a table; lines come in batches of a few hundred."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADERS)
    yield "\ufeff" + buffer.getvalue()
    batch: list[Row] = []
    count = 0
    with reading_from_replica(), statement_timeout(EXPORT_STATEMENT_TIMEOUT_SECONDS):
        for count, row in enumerate(rows(leads, unmasked=unmasked, time_zone=time_zone, time_sql=CSV_TIME_SQL),
                                    start=1):
            for column in TEXT_COLUMNS:
                if column != 2:  # the phone: a stored E.164 number (or its mask), never visitor-typed text
                    row[column] = safe_cell(row[column])
            batch.append(row)
            if count % CSV_BATCH_ROWS == 0:
                yield _csv_batch(buffer, writer, batch)
            if progress is not None and count % PROGRESS_EVERY_ROWS == 0:
                progress(count)
        if batch:
            yield _csv_batch(buffer, writer, batch)
    if progress is not None:
        progress(count)  # the last word: every row


def _csv_batch(buffer: io.StringIO, writer: Any, batch: list[Row]) -> str:
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(batch)
    batch.clear()
    return buffer.getvalue()


def xlsx_chunks(leads: QuerySet[Lead], *, unmasked: bool, time_zone: str,
                progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The workbook as a stream of bytes (rows go out as they are read: memory stays flat). Text is written as
    text, never as a formula, so no guard character is needed; the two times are real date cells."""
    counted = [0]

    def cells() -> Iterator[Row]:
        for count, row in enumerate(rows(leads, unmasked=unmasked, time_zone=time_zone, time_sql=XLSX_TIME_SQL),
                                    start=1):
            counted[0] = count
            if progress is not None and count % PROGRESS_EVERY_ROWS == 0:
                progress(count)
            yield row

    with reading_from_replica(), statement_timeout(EXPORT_STATEMENT_TIMEOUT_SECONDS):
        yield from xlsx.stream("Лиды", COLUMNS, cells(), date_columns=DATE_COLUMNS)
    if progress is not None:
        progress(counted[0])  # the last word: every row


def filters_summary(filters: LeadFilters) -> str:
    """The export's filters in words, for the audit log; the text searched for (it may be a lead's name or phone)
    is not repeated."""
    parts = []
    if filters.status:
        parts.append(f"статус «{Lead.Status(filters.status).label}»")
    if filters.channel:
        parts.append(f"канал «{Channel(filters.channel).label}»")
    if filters.date_from or filters.date_to:
        start, end = (f"{day:%d.%m.%Y}" if day else "…" for day in (filters.date_from, filters.date_to))
        parts.append(f"период {start}–{end}")
    if filters.assigned == UNASSIGNED:
        parts.append("без ответственного")
    elif filters.assigned:
        parts.append(f"ответственный #{filters.assigned}")
    if filters.contacted:
        parts.append("только со связью")
    for name in ("page", "utm_source", "utm_medium", "utm_campaign"):
        if value := getattr(filters, name):
            parts.append(f"{'страница' if name == 'page' else name} «{value}»")
    if filters.search:
        parts.append("поиск по тексту")
    return "; ".join(parts) or "все лиды"


def audit_requested(actor: User, workspace: Workspace, file_format: str, filters: LeadFilters, *, total: int,
                    unmasked: bool, background: bool) -> None:
    """The export in the audit log, when it is asked for (in the transaction of its job, when it has one)."""
    details: dict[str, Any] = {"format": file_format.upper(), "rows": total, "filters": filters_summary(filters),
                               "contacts": "полностью" if unmasked else "скрыты"}
    if background:
        details["background"] = True
    audit.record("export.leads", actor=actor, workspace=workspace, target="Лиды", details=details)


def file_name(slug: str | None, file_format: str) -> str:
    return f"leads-{slug or 'workspace'}-{timezone.localdate():%Y-%m-%d}.{file_format}"


# --- jobs (large exports built by a worker) ---------------------------------------------------------------------


def filters_to_json(filters: LeadFilters) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in dataclasses.asdict(filters).items()}


def filters_from_json(stored: dict[str, Any]) -> LeadFilters:
    known = {field.name for field in dataclasses.fields(LeadFilters)}
    values = {name: value for name, value in stored.items() if name in known}
    for name in ("date_from", "date_to"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return LeadFilters(**values)


def create_job(user: User, file_format: str, filters: LeadFilters, *, unmasked: bool, total: int) -> ExportJob:
    return ExportJob.objects.create(user=user, format=file_format, filters=filters_to_json(filters),
                                    unmasked=unmasked, total=total, token=secrets.token_urlsafe(32))


def schema_folder() -> Path:
    return Path(settings.LEAD_EXPORT_ROOT) / cast("DatabaseWrapper", connection).schema_name


def job_path(job: ExportJob) -> Path:
    return Path(settings.LEAD_EXPORT_ROOT) / job.file


def is_expired(job: ExportJob, now: datetime | None = None) -> bool:
    return job.expires_at is not None and job.expires_at <= (now or timezone.now())


def progress_percent(job: ExportJob) -> int:
    if job.status == ExportJob.Status.DONE:
        return 100
    return min(99, int(100 * job.done / job.total)) if job.total else 0


def build(job: ExportJob, time_zone: str) -> None:
    """Write the job's file (to a temporary name, renamed when complete), keeping ``done`` current for the page."""
    leads = lead_list(filters_from_json(job.filters))
    job.total = leads.count()
    job.status, job.done = ExportJob.Status.RUNNING, 0
    job.save(update_fields=["status", "total", "done"])

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    folder = schema_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{job.token}.{job.format}"
    partial = folder / f"{name}.part"
    written: list[int] = [0]

    def counted(rows_done: int) -> None:
        written[0] = rows_done
        progress(rows_done)

    with partial.open("wb") as out:
        if job.format == ExportJob.Format.XLSX:
            for chunk in xlsx_chunks(leads, unmasked=job.unmasked, time_zone=time_zone, progress=counted):
                out.write(chunk)
        else:
            for lines in csv_lines(leads, unmasked=job.unmasked, time_zone=time_zone, progress=counted):
                out.write(lines.encode())
    done = written[0]
    partial.replace(folder / name)
    now = timezone.now()
    job.file = f"{folder.name}/{name}"
    job.status, job.done, job.total = ExportJob.Status.DONE, done, max(job.total, done)
    job.finished_at, job.expires_at = now, now + timedelta(hours=settings.LEAD_EXPORT_LINK_HOURS)
    job.save(update_fields=["file", "status", "done", "total", "finished_at", "expires_at"])


def fail(job: ExportJob) -> None:
    for path in schema_folder().glob(f"{job.token}.*"):
        path.unlink(missing_ok=True)
    job.status, job.error, job.finished_at = ExportJob.Status.FAILED, FAILED_MESSAGE, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def purge_expired(jobs: Iterable[ExportJob]) -> int:
    """Delete the files of expired jobs (the rows stay: their links answer «ссылка истекла»)."""
    purged = 0
    for job in jobs:
        if job.file:
            job_path(job).unlink(missing_ok=True)
            ExportJob.objects.filter(pk=job.pk).update(file="")
            purged += 1
    return purged
