"""A large export's file on the workspace's host: only for the member who asked for it, only while the link works."""

from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from . import exports
from .models import ExportJob

GONE = "Срок действия ссылки истёк, файл удалён. Сформируйте выгрузку заново на странице «Лиды»."
NOT_READY = "Выгрузка ещё формируется. Ссылка заработает, как только файл будет готов: мы пришлём её на почту."
FAILED = "Выгрузку не удалось сформировать. Сформируйте её заново на странице «Лиды»."
NOT_YOURS = "Эту выгрузку заказал другой сотрудник: скачать её может только он. Сформируйте свою на странице «Лиды»."


def _refusal(request: WorkspaceRequest, title: str, message: str, status: int) -> TemplateResponse:
    return TemplateResponse(request, "leads/export_unavailable.html", {"title": title, "message": message},
                            status=status)


@require_GET
@permission_required(Perm.LEADS_EXPORT)
def download(request: WorkspaceRequest, token: str) -> HttpResponseBase:
    """The e-mailed link: a stranger (not logged in) is sent to log in first; another member is refused, so is
    anyone after the link expired (410). Contacts come as they were allowed to the member who asked."""
    job = ExportJob.objects.filter(token=token).first()
    if job is None:
        raise Http404("Выгрузка не найдена")
    if job.user_id != request.user.pk:
        return _refusal(request, "Чужая выгрузка", NOT_YOURS, 403)
    if exports.is_expired(job) or (job.status == ExportJob.Status.DONE and not job.file):
        return _refusal(request, "Ссылка больше не действует", GONE, 410)
    if job.status == ExportJob.Status.FAILED:
        return _refusal(request, "Выгрузка не сформирована", FAILED, 409)
    if job.status != ExportJob.Status.DONE:
        return _refusal(request, "Выгрузка ещё не готова", NOT_READY, 409)
    try:
        handle = exports.job_path(job).open("rb")
    except FileNotFoundError:
        return _refusal(request, "Ссылка больше не действует", GONE, 410)
    name = exports.file_name(request.tenant.slug, job.format)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=exports.CONTENT_TYPES[job.format])
