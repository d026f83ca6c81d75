"""«Журнал действий»: who did what and when in the workspace (administrators only), with its filters in the address.

The filters are the API's (``tenancy.audit_api.JournalQuery``); a filter the journal cannot apply answers 400 with
the reason above the list instead of silently showing everything.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from pydantic import ValidationError

from core.api_errors import validation_fields
from core.errors import InvalidInput
from core.validation import page_number
from shared_apps.audit.actions import GROUPS, label
from shared_apps.audit.display import detail_lines, for_customer
from shared_apps.audit.selectors import PAGE_SIZE
from shared_apps.tenancy.audit_api import JournalQuery
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

FILTER_NAMES = ("group", "from", "to")
BAD_FILTER = "Фильтр не применён: {}"


@require_GET
@permission_required(Perm.AUDIT_VIEW)
def journal(request: WorkspaceRequest) -> HttpResponse:
    values = {name: request.GET.get(name, "").strip() for name in FILTER_NAMES}
    errors: dict[str, str] = {}
    page = None
    try:
        entries = JournalQuery.model_validate(values).entries(request.tenant)
    except ValidationError as exc:
        errors = validation_fields([dict(error) for error in exc.errors()])
    except InvalidInput as exc:
        errors = exc.fields or {"__all__": exc.message}
    else:
        page = Paginator(entries, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    rows = [{"entry": entry, "label": label(entry.action), "details": detail_lines(entry.details),
             **for_customer(entry)}
            for entry in (page.object_list if page else [])]
    context = {
        "section": "audit", "page": page, "rows": rows, "values": values, "errors": errors,
        "error": BAD_FILTER.format(" ".join(errors.values())) if errors else "",
        "groups": [(code, name) for code, (name, _) in GROUPS.items()],
        "filtered": any(values.values()),
        "querystring": urlencode({name: value for name, value in values.items() if value}),
    }
    return render(request, "dashboard/audit.html", context, status=400 if errors else 200)
