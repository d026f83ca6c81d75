"""Chromium, phone and desktop: the leads page exports what it shows. A small export (CSV) downloads at once; a large
one (Excel, above the threshold) is built by a real Celery worker while a progress bar polls it, and ends with
«Скачать» — the file downloads and parses back with the page's filter applied — and the same link in the mailbox."""

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from conftest import set_plan
from dev.mailbox.models import DevMessage
from tenant_apps.leads.models import Lead
from tenant_apps.leads.tests.test_export import read_xlsx
from tests.conftest import ARTIFACTS, DEVICES, log_in

ADMIN_EMAIL, ADMIN_PASSWORD = "irina@zubik.ru", "Пароль-Зубика-2026"
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def export_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture
def worker_env(site, export_root) -> dict[str, str]:
    return {"PLATFORM_PORT": str(site), "EMAIL_BACKEND": "dev.mailbox.backends.DevMailboxBackend",
            "DEV_MAILBOX_ENABLED": "true", "LEAD_EXPORT_ROOT": str(export_root)}


@pytest.fixture
def clinic(site, make_user, make_tenant, settings, export_root):
    settings.LEAD_EXPORT_ROOT = export_root
    settings.LEAD_EXPORT_ASYNC_ROWS = 4  # 3 booked leads stream, 6 new ones go to the worker
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ирина Зубова")
    tenant = make_tenant(owner=admin, name="Стоматология «Зубик»")
    set_plan(tenant, "pro")
    with tenant_context(tenant):
        Lead.objects.bulk_create(
            Lead(name=f"Пациент {n}", phone=f"+7916555{n:04d}", status="booked" if n < 3 else "new",
                 created_at=CREATED + timedelta(hours=n)) for n in range(9))
    return tenant


def test_the_leads_page_exports_small_at_once_and_large_through_the_worker(clinic, browser, device,
                                                                           celery_worker_process):
    context = browser.new_context(locale="ru-RU", accept_downloads=True, **DEVICES[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(clinic.url + "leads")
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(clinic.url + "leads")

    # Small: «Записан» shown, CSV downloads at once with the filter applied.
    page.get_by_label("Статус").select_option(label="Записан")
    expect(page).to_have_url(re.compile(r"status=booked"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Экспорт в CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")), delimiter=";"))
    assert sorted(row[1] for row in rows[1:]) == ["Пациент 0", "Пациент 1", "Пациент 2"]

    # Large: «Новый» shown, Excel goes to the worker; the bar, then «Скачать» and the note about the e-mail.
    page.get_by_label("Статус").select_option(label="Новый")
    expect(page).to_have_url(re.compile(r"status=new"))
    page.get_by_role("button", name="Экспорт в Excel").click()
    status = page.locator("#leads-export-status")
    download_link = status.get_by_role("link", name="Скачать")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(status.get_by_text("Ссылка также отправлена на почту.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"], \
        "the leads page scrolls sideways"
    page.screenshot(path=str(ARTIFACTS / f"leads-export-{device}.png"), full_page=True)

    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    table, _ = read_xlsx(Path(download.value.path()).read_bytes())
    assert [row[1] for row in table[1:]] == [f"Пациент {n}" for n in range(8, 2, -1)]

    href = download_link.get_attribute("href")
    deadline = time.monotonic() + 30
    while not DevMessage.objects.filter(to=ADMIN_EMAIL, text__contains=href).exists():
        assert time.monotonic() < deadline, "no e-mail with the download link"
        time.sleep(0.3)
    assert not errors, errors
    context.close()
