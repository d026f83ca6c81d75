"""Becoming a customer: sign-up (user, account, first workspace, trial) and creating more workspaces."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import entitlements
from billing.services import start_trial
from core import events
from core.errors import DomainError, RateLimited
from core.ratelimit import RateLimit, hit_each
from core.text import wait_time
from core.validation import max_length_of, name_error, one_line
from shared_apps.accounts import emails
from shared_apps.accounts.models import Account, User
from shared_apps.accounts.services import (
    EmailTaken,
    FieldErrors,
    email_error,
    new_password_error,
    normalize_email,
    send_confirmation,
)
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import ProvisioningError, free_slug_for, provision_tenant
from shared_apps.tenancy.workspaces import TIMEZONES, check_workspace_description, check_workspace_name


@dataclass(frozen=True)
class Registration:
    user: User
    account: Account
    tenant: Tenant


def _validate_registration(email: str, password: str | None, name: str, company: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if error := email_error(email):
        errors["email"] = error
    if error := name_error(name, max_length_of(User, "full_name"), "Укажите ваше имя."):
        errors["name"] = error
    company_limit = min(max_length_of(Account, "name"), max_length_of(Tenant, "name"))
    if error := name_error(company, company_limit, "Укажите название компании."):
        errors["company"] = error
    if password is not None and (error := new_password_error(User(email=email, full_name=name), password)):
        errors["password"] = error
    return errors


def register_user(
    *, email: str, password: str | None, name: str, company: str, source: str = "email", email_verified: bool = False,
    ip: str | None = None,
) -> Registration:
    """Create the user, their account, the first workspace and a 14-day trial, all or nothing.

    ``password=None`` (OAuth sign-ups) leaves the user without a usable password.
    Unverified e-mails get a confirmation link; verified ones (from an OAuth
    provider) are confirmed at once. Valid sign-ups are limited per IP and per address (RateLimited).
    """
    email, name, company = normalize_email(email), one_line(name), one_line(company)
    errors = _validate_registration(email, password, name, company)
    if errors:
        raise FieldErrors(errors)
    verdict = hit_each((RateLimit("signup-ip", settings.SIGNUP_LIMIT_PER_IP, 3600), ip),
                       (RateLimit("signup-email", settings.SIGNUP_LIMIT_PER_EMAIL, 3600), email))
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after,
                          f"Слишком много регистраций подряд. Попробуйте снова через {wait_time(verdict.retry_after)}.")
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.create_user(
            email, password, full_name=name, email_confirmed_at=now if email_verified else None
        )
        account = Account.objects.create(name=company, owner=user)
        tenant = provision_tenant(account=account, owner=user, name=company, slug=free_slug_for(company))
        start_trial(account)
        if email_verified:
            emails.send_welcome(user, tenant.url)
        else:
            send_confirmation(user)
    events.emit("user_registered", userId=user.pk, emailDomain=events.email_domain(email), source=source)
    return Registration(user=user, account=account, tenant=tenant)



# --- more workspaces --------------------------------------------------------------------------------


def _owned_account(user: User, company: str) -> Account:
    account = Account.objects.filter(owner=user).order_by("pk").first()
    if account is None:  # a user who so far only joined others' workspaces becomes a customer
        account = Account.objects.create(name=company, owner=user)
        start_trial(account)
    return account


def why_no_new_workspace(user: User) -> str | None:
    """What stops the user creating a workspace now (the plan's limit, an unpaid subscription), or None."""
    account = Account.objects.filter(owner=user).order_by("pk").first()
    if account is None:  # joins a trial as a new customer
        return None
    try:
        check_can_create(user, account)
    except DomainError as exc:
        return exc.message
    return None


def check_can_create(user: User, account: Account) -> None:
    owned = Tenant.objects.filter(account__owner=user, kind=Tenant.Kind.CLIENT).count()
    entitlements.check_new_tenant(account, owned)


def create_workspace(user: User, *, name: str, slug: str | None = None, description: str = "",
                     timezone: str = "Europe/Moscow") -> Tenant:
    name = one_line(name)
    check_workspace_name(name)
    check_workspace_description(description.strip())
    if timezone not in TIMEZONES:
        raise ProvisioningError("Выберите часовой пояс из списка.", field="timezone")
    with transaction.atomic():
        account = _owned_account(user, name)
        check_can_create(user, account)
        tenant = provision_tenant(account=account, owner=user, name=name, slug=slug or free_slug_for(name))
        tenant.description = description.strip()
        tenant.timezone = timezone
        tenant.save(update_fields=["description", "timezone"])
    return tenant


