"""The OAuth pipeline step that signs a new person up (Google, Yandex ID): see shared_apps.accounts.oauth."""

import logging

from shared_apps.accounts.models import User
from shared_apps.accounts.oauth import (
    SOURCES,
    company_for,
    confirm_linked_email,
    full_name_from,
    provider_title,
    refuse,
)
from shared_apps.accounts.services import EmailTaken, FieldErrors, normalize_email

from .services import register_user

logger = logging.getLogger(__name__)


def link_or_register(backend, details, response, *args, user=None, **kwargs):
    """A known provider account → its user; a known e-mail → link; otherwise a new sign-up."""
    title = provider_title(backend)
    if user is not None:
        if not user.is_active:
            return refuse(backend, "Этот аккаунт отключён. Обратитесь в поддержку Fast Lead.")
        return None
    email = normalize_email(details.get("email"))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        name = full_name_from(details, email)
        try:
            registration = register_user(
                email=email, password=None, name=name, company=company_for(email, name),
                source=SOURCES.get(backend.name, backend.name), email_verified=True,
            )
        except EmailTaken:  # signed up in a parallel request a moment ago
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                raise
        except FieldErrors as exc:
            logger.warning("oauth_signup_rejected", extra={"provider": SOURCES.get(backend.name, backend.name),
                                                           "fields": sorted(exc.fields)})
            return refuse(backend, f"Не удалось зарегистрироваться через {title}: "
                                   + " ".join(exc.fields.values()))
        else:
            return {"user": registration.user, "is_new": True}
    if not existing.is_active:
        return refuse(backend, "Этот аккаунт отключён. Обратитесь в поддержку Fast Lead.")
    confirm_linked_email(existing)
    return {"user": existing, "is_new": False}


