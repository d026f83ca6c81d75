"""Wizard step 6 «Проверка»: the demo page opens with the workspace's widget in a new tab; the user leaves a test
lead there and watches it arrive here live, then its greeting go out through the connected channel.

The page remembers (in the session, per workspace) the newest lead when it was first opened; a poll every 2 s asks
for a lead after it and answers 204 while nothing changed, else the live part again: the lead (name, contact, time,
a link to its card) and where its greeting is (writing → sending through «…» → sent or not, with the reason). Once
the greeting is settled the part stops asking. «Завершить настройку» finishes the wizard.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shared_apps.flags import flags
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.channels import selectors as channels
from tenant_apps.channels.kinds import BY_CODE
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.leads import live
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.widgets.snippet import snippet_for

from .flow import advance, step_context

SLUG = "test"
NO_CHANNEL = ("Канал связи не подключён — приветствие не отправлено. Подключите SMS или e-mail, и новые клиенты "
              "будут получать его сразу после заявки.")


@dataclass(frozen=True)
class Greeting:
    """Where the lead's greeting is: ``state`` (writing, pending, postponed, sent, failed, no_channel), a Russian
    text, the channel's name, the message; ``settled`` — it will not change by itself any more."""

    state: str
    text: str
    channel: str = ""
    message: str = ""
    recipient: str = ""

    @property
    def settled(self) -> bool:
        return self.state in ("sent", "failed", "no_channel")


def greeting_of(lead: Lead) -> Greeting:
    attempt = channels.greeting(lead.pk)
    if attempt is not None:
        label = BY_CODE[attempt.provider].label
        found = {"channel": label, "message": attempt.text, "recipient": attempt.recipient}
        if attempt.status == DeliveryAttempt.Status.SENT:
            return Greeting("sent", f"Отправлено через «{label}»: провайдер принял сообщение.", **found)
        if attempt.status == DeliveryAttempt.Status.FAILED:
            return Greeting("failed", f"Не отправлено через «{label}»: {attempt.error}", **found)
        retry = f" Провайдер не ответил, повторим: {attempt.error}" if attempt.error else ""
        return Greeting("pending", f"Отправляется через «{label}»…{retry}", **found)
    if not any(found.status == Channel.Status.CONNECTED for found in channels.channels()):
        return Greeting("no_channel", NO_CHANNEL)
    note = live.message_note(lead.pk)
    if note is not None:
        state = "postponed" if note.kind == LeadEvent.Kind.MESSAGE_POSTPONED else "failed"
        return Greeting(state, note.text)
    return Greeting("writing", "Готовим приветствие…")


def _live(after: int) -> dict:
    """The live part's context: the newest lead after ``after`` and its greeting, and the poll's version."""
    lead = live.latest_after(after)
    greeting = greeting_of(lead) if lead is not None else None
    seen = f"{lead.pk}.{greeting.state}" if lead is not None and greeting is not None else ""
    return {"after": after, "lead": lead, "greeting": greeting, "seen": seen,
            "polling": greeting is None or not greeting.settled}


def view(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return advance(request, SLUG)
    key = f"onboarding_test_after:{request.tenant.pk}"
    after = request.session.get(key)
    if not isinstance(after, int):
        after = request.session[key] = live.newest_lead_id()
    context = {**step_context(request, SLUG), **_live(after), "demo_url": snippet_for(request.tenant)["demo_url"]}
    return render(request, "dashboard/onboarding/test.html", context)


@require_GET
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING)
def news(request: WorkspaceRequest) -> HttpResponse:
    """The poll: 204 while there is no new lead or its greeting did not move, else the live part."""
    value = request.GET.get("after", "")
    after = int(value) if value.isdigit() and len(value) < 19 else 0
    context = _live(after)
    if context["lead"] is None or context["seen"] == request.GET.get("seen"):
        return HttpResponse(status=204)
    return render(request, "dashboard/onboarding/_test_live.html", context)
