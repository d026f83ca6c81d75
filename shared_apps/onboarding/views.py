"""Public-host pages of becoming a customer: sign-up, and creating a workspace (with a live subdomain check)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError, RateLimited
from core.net import client_ip
from shared_apps.accounts.continuation import after_login
from shared_apps.accounts.http import AuthenticatedRequest
from shared_apps.accounts.services import EmailTaken, FieldErrors
from shared_apps.accounts.sessions import sign_in
from shared_apps.accounts.views import ONBOARDING
from shared_apps.tenancy.handoff import handoff_url
from shared_apps.tenancy.services import ProvisioningError
from shared_apps.tenancy.timezones import timezone_choices
from shared_apps.tenancy.workspaces import TIMEZONES, subdomain_availability

from .services import create_workspace, register_user, why_no_new_workspace


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    values = {name: request.POST.get(name, "").strip() for name in ("name", "email", "company")}
    errors: dict[str, str] = {}
    status, refusal = 200, None
    if request.method == "POST":
        try:
            registration = register_user(email=values["email"], password=request.POST.get("password", ""),
                                         name=values["name"], company=values["company"], ip=client_ip(request))
        except EmailTaken:
            errors, status = {"email": "Аккаунт с этим e-mail уже есть."}, 409
        except FieldErrors as exc:
            errors, status = exc.fields, 400
        except RateLimited as exc:
            refusal, status = exc, exc.status
        else:
            sign_in(request, registration.user, method="signup")
            return redirect("accounts:email_check")
    response = render(request, "accounts/signup.html", {"values": values, "errors": errors, "refusal": refusal,
                                                        "email_taken": status == 409}, status=status)
    if refusal:
        response["Retry-After"] = str(refusal.retry_after)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def new_workspace(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.is_email_confirmed:
        return redirect("accounts:email_check")
    values = {"name": request.POST.get("name", "").strip(), "subdomain": request.POST.get("subdomain", "").strip(),
              "timezone": request.POST.get("timezone", "Europe/Moscow")}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            tenant = create_workspace(request.user, name=values["name"], slug=values["subdomain"] or None,
                                      timezone=values["timezone"] if values["timezone"] in TIMEZONES else "")
        except ProvisioningError as exc:
            errors, status = {{"slug": "subdomain"}.get(exc.field, exc.field): exc.message}, 400
        except DomainError as exc:  # the plan's workspace limit, an unpaid subscription
            errors, status = {"form": exc.message}, exc.status
        else:
            return HttpResponseRedirect(handoff_url(request, request.user, tenant, "/onboarding"))
    refusal = errors.get("form") or why_no_new_workspace(request.user)
    context = {"values": values, "errors": errors, "timezones": timezone_choices(), "refusal": refusal,
               "pricing_url": reverse("public_site:pricing"),
               "show_form": not refusal or request.method == "POST"}  # what was typed stays on the page
    return render(request, "tenancy/new_workspace.html", context, status=status)


@login_required
@require_GET
def subdomain_check(request: HttpRequest) -> HttpResponse:
    """htmx: the availability line under the subdomain field, as the user types."""
    slug = request.GET.get("subdomain", "")
    availability = subdomain_availability(slug) if slug.strip() else None
    return render(request, "tenancy/_subdomain_check.html", {"availability": availability})


@require_GET
def signup_continue(request: HttpRequest) -> HttpResponse:
    """After a sign-up through Google or Yandex ID (``SOCIAL_AUTH_NEW_USER_REDIRECT_URL``): into the new
    workspace's onboarding wizard, as after confirming the e-mail of a password sign-up."""
    if not request.user.is_authenticated:
        return redirect("login")
    return after_login(request, workspace_path=ONBOARDING)
