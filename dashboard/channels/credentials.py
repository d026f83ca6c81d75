"""A provider's credential form, shared by «Каналы» and the onboarding wizard's channel step: its inputs, the values
typed into it, and what a refusal shows (the reason, per-field errors, the non-secret values typed; secrets never)."""

from dataclasses import dataclass, field

from core.errors import DomainError
from shared_apps.tenancy.http import WorkspaceRequest
from tenant_apps.channels.transport import Transport


@dataclass
class Form:
    """What one of a card's forms shows after a refusal: the error above it, per-field errors, typed values."""

    action: str = ""  # "connect", "keys" or "test"
    error: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def credential_fields(cls: type[Transport] | None, code: str, form: Form) -> list[dict[str, str]]:
    """The inputs of ``_credentials.html``: typed non-secret values and field errors come back after a refusal."""
    keys = form.action in ("connect", "keys")
    return [{"name": item.name, "label": item.label, "help_text": item.help_text, "id": f"{code}-{item.name}",
             "type": "password" if item.secret else "text",
             "value": form.values.get(item.name, "") if keys and not item.secret else "",
             "error": form.errors.get(item.name, "") if keys else ""}
            for item in (cls.fields if cls is not None else ())]


def typed_credentials(request: WorkspaceRequest, cls: type[Transport]) -> tuple[dict[str, str], dict[str, str]]:
    """The typed credentials, and the non-secret ones to show again if they are refused."""
    typed = {item.name: request.POST.get(item.name, "")[:1000] for item in cls.fields}
    return typed, {item.name: typed[item.name] for item in cls.fields if not item.secret}


def refused_form(action: str, exc: DomainError, values: dict[str, str] | None = None) -> Form:
    """A refusal of the services: the provider's reason above the form, or the fields' own messages at them."""
    errors = {name.removeprefix("credentials."): message for name, message in exc.fields.items()}
    return Form(action, "" if errors else exc.message, errors, values or {})
