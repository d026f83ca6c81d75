"""The leads export in CSV and XLSX, parsed back: columns, Cyrillic, the workspace's time zone, masking for analysts,
formula guards, the list's filters, Russian 400s and the plan's gate; above the threshold a real Celery worker builds
the file, the page polls its progress, the member gets an e-mail with a link that downloads it until it expires."""

import csv
import io
import re
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from django.utils import timezone
from django_tenants.utils import tenant_context

from conftest import set_plan
from core.models import OutboxMessage
from dev.mailbox.models import DevMessage
from shared_apps.tenancy.models import Membership
from tenant_apps.leads import exports
from tenant_apps.leads.models import ExportJob, Lead
from tenant_apps.leads.selectors import LeadFilters
from tenant_apps.leads.tasks import build_export, purge_expired_exports

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
EVIL = '=HYPERLINK("http://evil.example/","Жми")'
# Europe/Samara is UTC+4: 21:30 UTC on 1 March is 01:30 on 2 March there.
CREATED = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(content: bytes) -> tuple[list[list[object]], str]:
    """The first sheet as rows of values (inline or shared strings as text, numbers as floats), and its raw XML."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        shared: list[str] = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in item.iter(f"{{{NS['m']}}}t")) for item in root.findall("m:si", NS)]
    table: list[list[object]] = []
    for row in ElementTree.fromstring(sheet).find("m:sheetData", NS).findall("m:row", NS):
        cells: list[object] = []
        for cell in row.findall("m:c", NS):
            column = _column_index(cell.get("r"))
            cells.extend([""] * (column - len(cells)))
            kind = cell.get("t")
            if kind == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t")))
            elif kind == "s":
                cells.append(shared[int(cell.find("m:v", NS).text)])
            else:
                cells.append(float(cell.find("m:v", NS).text))
        table.append(cells)
    return table, sheet


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference).group()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def excel_date(serial: float) -> datetime:
    return datetime(1899, 12, 30) + timedelta(days=serial)


def xlsx_of(response) -> tuple[list[list[object]], str]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    return read_xlsx(b"".join(response.streaming_content))


@pytest.fixture
def world(make_tenant, make_user, add_member, client_for, settings, tmp_path):
    settings.LEAD_EXPORT_ROOT = tmp_path / "exports"
    tenant = make_tenant(name="Клиника «Север»")
    tenant.timezone = "Europe/Samara"
    tenant.save()
    set_plan(tenant, "pro")
    admin = tenant.memberships.get().user
    operator, analyst = make_user(full_name="Ольга Операторова"), make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    add_member(analyst, tenant, Membership.Role.ANALYST)
    with tenant_context(tenant):
        Lead.objects.create(name="Анна Щукина", phone="+79161234567", email="anna@mail.ru", channel="telegram",
                            status="lost", lost_reason="price", assigned_to=operator,
                            page_url="https://clinic.ru/цены", utm_source="yandex", utm_medium="cpc",
                            utm_campaign="весна", utm_term="зубы", utm_content="баннер", created_at=CREATED,
                            first_contact_at=CREATED + timedelta(minutes=3))
        Lead.objects.create(name=EVIL, phone="+79035550011", email="-boris@ya.ru", utm_source="@cmd",
                            created_at=CREATED - timedelta(days=1))
    clients = {"admin": client_for(tenant, admin), "operator": client_for(tenant, operator),
               "analyst": client_for(tenant, analyst)}
    return tenant, {"admin": admin, "operator": operator, "analyst": analyst}, clients


@pytest.mark.django_db
def test_csv_has_every_column_in_russian_with_the_workspace_time(world):
    _, _, clients = world
    table = read_csv(clients["operator"].get("/api/v1/leads/export?status=lost"))
    assert table[0] == exports.HEADERS
    assert table[0][:8] == ["id", "Имя", "Телефон", "E-mail", "Канал", "Статус", "Причина потери", "Ответственный"]
    assert table[1][1:] == ["Анна Щукина", "+79161234567", "anna@mail.ru", "Telegram", "Потерян", "Не устроила цена",
                            "Ольга Операторова", "https://clinic.ru/цены", "yandex", "cpc", "весна", "зубы", "баннер",
                            "02.03.2026 01:30", "02.03.2026 01:33"]
    assert len(table) == 2


@pytest.mark.django_db
def test_xlsx_has_the_same_columns_real_dates_and_widths(world):
    _, _, clients = world
    response = clients["operator"].get("/api/v1/leads/export?format=xlsx&status=lost")
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    table, sheet = xlsx_of(response)
    assert table[0] == exports.HEADERS
    row = table[1]
    assert row[1:14] == ["Анна Щукина", "+79161234567", "anna@mail.ru", "Telegram", "Потерян", "Не устроила цена",
                         "Ольга Операторова", "https://clinic.ru/цены", "yandex", "cpc", "весна", "зубы", "баннер"]
    # Dates are numbers (real date cells) in the workspace's time zone, with a date format.
    assert abs(excel_date(row[14]) - datetime(2026, 3, 2, 1, 30)) < timedelta(seconds=1)
    assert abs(excel_date(row[15]) - datetime(2026, 3, 2, 1, 33)) < timedelta(seconds=1)
    assert '<col min="2" max="2" width=' in sheet
    assert "<f>" not in sheet


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_analysts_get_masked_contacts(world, file_format):
    _, _, clients = world
    response = clients["analyst"].get(f"/api/v1/leads/export?format={file_format}&status=lost")
    table = read_csv(response) if file_format == "csv" else xlsx_of(response)[0]
    assert table[1][2:4] == ["+7 9** ***-**-67", "a***@mail.ru"]
    flat = str(table)
    assert "+79161234567" not in flat
    assert "anna@mail.ru" not in flat


@pytest.mark.django_db
def test_formulas_stay_text_in_both(world):
    _, _, clients = world
    table = read_csv(clients["admin"].get("/api/v1/leads/export?status=new"))
    assert table[1][1] == "'" + EVIL
    assert table[1][3] == "'-boris@ya.ru"
    assert table[1][9] == "'@cmd"
    table, sheet = xlsx_of(clients["admin"].get("/api/v1/leads/export?status=new&format=xlsx"))
    # A string cell (inline string), never a formula: Excel shows the text as typed.
    assert table[1][1] == EVIL
    assert table[1][3] == "-boris@ya.ru"
    assert "<f>" not in sheet
    assert 't="inlineStr"' in sheet


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_lists_filters_apply(world, file_format):
    _, users, clients = world
    client = clients["admin"]
    for query, names in [(f"assigned={users['operator'].pk}", ["Анна Щукина"]), ("assigned=none", [EVIL]),
                         ("from=2026-03-02", ["Анна Щукина"]), ("q=8 903 555-00-11", [EVIL]),
                         ("sort=createdAt", [EVIL, "Анна Щукина"]), ("utmSource=nobody", [])]:
        response = client.get(f"/api/v1/leads/export?format={file_format}&{query}")
        table = read_csv(response) if file_format == "csv" else xlsx_of(response)[0]
        expected = names if file_format == "xlsx" else [
            ("'" + name if name.startswith("=") else name) for name in names]
        assert [row[1] for row in table[1:]] == expected, query


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [("format=pdf", "format"), ("format=xlsx&channel=pigeon", "channel"),
                                              ("from=2026-03-05&to=2026-03-01", "from")])
def test_bad_input_is_a_russian_400(world, query, field):
    _, _, clients = world
    response = clients["admin"].get(f"/api/v1/leads/export?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert re.search("[а-яА-Я]", error["message"])
    assert field in error.get("fields", {}) or field in str(error)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_plans_without_export_refuse_it(world, file_format):
    tenant, _, clients = world
    set_plan(tenant, "start")
    response = clients["admin"].get(f"/api/v1/leads/export?format={file_format}")
    assert response.status_code == 403
    assert "«Старт»" in response.json()["error"]["message"]
    with tenant_context(tenant):
        assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_xlsx_streams_and_opens_in_an_independent_reader(world):
    """The workbook goes out as it is written (no file on disk) and openpyxl, which shares no code with our
    writer, reads the same table: Cyrillic, a formula-looking name as text, real dates, a frozen header."""
    _, _, clients = world
    response = clients["admin"].get("/api/v1/leads/export?format=xlsx")
    assert response.streaming
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["Лиды"]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0] == exports.HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    names = {row[1] for row in table[1:]}
    assert "Анна Щукина" in names
    assert all(sheet.cell(row=n, column=15).is_date for n in range(2, sheet.max_row + 1))
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.django_db
def test_a_csv_job_writes_and_counts_every_row_of_its_filters(world, settings):
    tenant, users, clients = world
    with tenant_context(tenant):
        Lead.objects.bulk_create(Lead(name=f"Клиент {n}", created_at=CREATED, status="booked") for n in range(7))
        job = exports.create_job(users["operator"], "csv", LeadFilters(status="booked", time_zone=tenant.timezone),
                                 unmasked=True, total=0)
        build_export(job.pk)  # what the worker runs, here in the test's own process
        job.refresh_from_db()
        queued_mail = OutboxMessage.objects.get(handler="core.email.send_email")
    assert (job.status, job.total, job.done, exports.progress_percent(job)) == ("done", 7, 7, 100)
    assert queued_mail.args[0] == users["operator"].email
    assert f"/leads/exports/{job.token}" in queued_mail.args[2]
    lines = (Path(settings.LEAD_EXPORT_ROOT) / job.file).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("id;Имя;Телефон;E-mail;Канал;Статус;Причина потери;Ответственный;")
    downloaded = clients["operator"].get(f"/leads/exports/{job.token}")
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == exports.CONTENT_TYPES["csv"]
    assert b"".join(downloaded.streaming_content).decode("utf-8-sig").splitlines() == lines
    assert clients["admin"].get(f"/leads/exports/{job.token}").status_code == 403  # not the admin's export


# --- above the threshold: a real worker -------------------------------------------------------------------------


@pytest.fixture
def export_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture
def worker_env(export_root) -> dict[str, str]:
    return {"LEAD_EXPORT_ROOT": str(export_root), "LEAD_EXPORT_LINK_HOURS": "24"}


def wait_for(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_a_large_export_runs_in_a_worker_and_is_emailed(celery_worker_process, make_tenant, make_user, add_member,
                                                        client_for, settings, export_root):
    settings.LEAD_EXPORT_ROOT = export_root
    settings.LEAD_EXPORT_ASYNC_ROWS = 5
    tenant = make_tenant(name="Большая клиника")
    set_plan(tenant, "pro")
    analyst, operator = make_user(full_name="Аня Аналитик"), make_user()
    add_member(analyst, tenant, Membership.Role.ANALYST)
    add_member(operator, tenant, Membership.Role.OPERATOR)
    with tenant_context(tenant):
        Lead.objects.bulk_create(
            Lead(name=f"Клиент {n:02d}", phone=f"+7916000{n:04d}", email=f"client{n}@mail.ru",
                 status="new" if n % 2 else "booked", created_at=CREATED + timedelta(minutes=n))
            for n in range(12))
    client = client_for(tenant, analyst)

    small = client.get("/api/v1/leads/export?status=booked&channel=web&q=Клиент 0")  # 5 rows: streamed at once
    assert len(read_csv(small)) == 6

    accepted = client.get("/api/v1/leads/export?format=xlsx&status=new")  # 6 rows: a job
    assert accepted.status_code == 202, accepted.content
    body = accepted.json()
    assert body["status"] == "queued"
    assert body["statusUrl"] == f"/api/v1/leads/exports/{body['jobId']}"

    def finished():
        answer = client.get(body["statusUrl"]).json()
        return answer if answer["status"] in {"done", "failed"} else None

    status = wait_for(finished)
    assert status, "the worker never finished the export"
    assert status["status"] == "done", status
    assert (status["total"], status["done"], status["progress"]) == (6, 6, 100)
    link = status["downloadUrl"]
    assert link.startswith("/leads/exports/")
    # Another member sees the progress, not the link.
    assert client_for(tenant, operator).get(body["statusUrl"]).json()["downloadUrl"] is None

    def mail():
        return DevMessage.objects.filter(to=analyst.email, subject__contains="Выгрузка лидов готова").first()

    message = wait_for(mail)
    assert message is not None, "no e-mail with the link"
    assert tenant.url.rstrip("/") + link in message.text
    assert tenant.url.rstrip("/") + link in message.html

    downloaded = client.get(link)
    assert downloaded.status_code == 200
    assert downloaded["Content-Disposition"].startswith('attachment; filename="leads-')
    table, _ = read_xlsx(b"".join(downloaded.streaming_content))
    assert [row[1] for row in table[1:]] == [f"Клиент {n:02d}" for n in (11, 9, 7, 5, 3, 1)]
    assert table[1][2] == "+7 9** ***-**-11"  # the analyst's job: masked
    with tenant_context(tenant):
        job = ExportJob.objects.get(pk=body["jobId"])
    assert job.user_id == analyst.pk
    stored = Path(export_root) / job.file
    assert stored.is_file()
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))

    # Not the analyst: refused, logged in or not; another workspace does not know the token.
    assert client_for(tenant, operator).get(link).status_code == 403
    anonymous = client_for(tenant)
    assert anonymous.get(link).status_code == 302
    neighbour = make_tenant(name="Соседи")
    set_plan(neighbour, "pro")
    assert client_for(neighbour, neighbour.memberships.get().user).get(link).status_code == 404

    # After the link expires: 410 with a Russian page, and the beat's cleanup removes the file.
    with tenant_context(tenant):
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    gone = client.get(link)
    assert gone.status_code == 410
    assert "Срок действия ссылки истёк" in gone.content.decode()
    assert purge_expired_exports() == 1
    assert not stored.exists()
    assert client.get(link).status_code == 410
    assert client.get(body["statusUrl"]).json()["downloadUrl"] is None


@pytest.mark.django_db(transaction=True)
def test_a_failed_export_says_so_and_tells_the_member(celery_worker_process, make_tenant, client_for, settings,
                                                     export_root):
    settings.LEAD_EXPORT_ROOT = export_root
    settings.LEAD_EXPORT_ASYNC_ROWS = 1
    tenant = make_tenant(name="Сбойная клиника")
    set_plan(tenant, "pro")
    admin = tenant.memberships.get().user
    with tenant_context(tenant):
        Lead.objects.bulk_create(Lead(name=f"Клиент {n}", created_at=CREATED) for n in range(3))
    # The worker cannot write where the files go: a file stands where the workspace's folder should be.
    export_root.mkdir(parents=True, exist_ok=True)
    (export_root / tenant.schema_name).write_text("не папка")
    client = client_for(tenant, admin)
    accepted = client.get("/api/v1/leads/export")
    assert accepted.status_code == 202

    def finished():
        answer = client.get(accepted.json()["statusUrl"]).json()
        return answer if answer["status"] in {"done", "failed"} else None

    status = wait_for(finished)
    assert status
    assert status["status"] == "failed"
    assert status["error"].startswith("Не удалось сформировать выгрузку")
    assert status["downloadUrl"] is None
    message = wait_for(lambda: DevMessage.objects.filter(to=admin.email, subject__contains="не сформирована").first())
    assert message is not None
    assert "Не удалось сформировать выгрузку" in message.text


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_ten_thousand_leads_come_out_whole_in_both(world, settings, file_format):
    """The streamed export's size class: every one of 10,000 leads, once, in the list's order, every column."""
    settings.LEAD_EXPORT_ASYNC_ROWS = 20_000
    tenant, _, clients = world
    with tenant_context(tenant):
        Lead.objects.bulk_create(Lead(name=f"Клиент {number}", phone=f"+7916{number:07d}", email=f"c{number}@mail.ru",
                                      created_at=CREATED + timedelta(minutes=number)) for number in range(9_998))
        expected = [str(pk) for pk in Lead.objects.order_by("-created_at", "-id").values_list("id", flat=True)]
    response = clients["admin"].get(f"/api/v1/leads/export?format={file_format}")
    rows = read_csv(response) if file_format == "csv" else xlsx_of(response)[0]
    assert len(expected) == 10_000
    assert rows[0] == exports.HEADERS
    assert [str(row[0]).removesuffix(".0") for row in rows[1:]] == expected
    newest = rows[1]
    assert newest[1:4] == ["Клиент 9997", "+79160009997", "c9997@mail.ru"]
    assert newest[14]  # the time of arrival, in both
    assert len({len(row) for row in rows[1:] if row[1].startswith("Клиент")}) == 1  # the same columns on each row
