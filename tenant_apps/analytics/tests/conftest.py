"""A workspace in Moscow with five leads made through the leads services at fixed moments (time-machine): the
figures below are worked out by hand from them.

    lead        arrives (UTC)       Moscow day, hour   channel   page      campaign  first contact  then
    previous    09.03 10:00         09.03 13           web       /         —         +120 s         —
    price       10.03 09:00         10.03 12 (Tue)     web       /price    spring    +30 s          booked
    late        10.03 20:59         10.03 23 (Tue)     telegram  /         —         +90 s          —
    midnight    10.03 23:30         11.03 02 (Wed)     web       /price    spring    +600 s         lost
    fresh       11.03 10:00         11.03 13 (Wed)     web       /contacts —         —              —

The 23:30 UTC lead is a Wednesday lead in Moscow (UTC+3): a UTC day would put it on the 10th.
"""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django_tenants.utils import tenant_context

from conftest import set_plan
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead

UTC = dt.UTC
PERIOD = "from=2026-03-10&to=2026-03-11"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def arrive(when: dt.datetime, **fields) -> Lead:
    with time_machine.travel(when, tick=False):
        return services.create_lead(name=fields.pop("name", "Клиент"), phone=fields.pop("phone", "+79161234567"),
                                    **fields)


def contact(lead: Lead, seconds: int) -> None:
    with transaction.atomic():
        services.record_first_contact(services.locked(lead.pk), lead.created_at + dt.timedelta(seconds=seconds))


def book(lead: Lead) -> None:
    with transaction.atomic():
        services.record_booking(services.locked(lead.pk), lead.created_at + dt.timedelta(days=2))


@pytest.fixture
def workspace(make_tenant):
    tenant = make_tenant(name="Клиника «Тест»")
    set_plan(tenant, "pro")
    with tenant_context(tenant):
        previous = arrive(at(9, 10), page_url="https://site.ru/")
        contact(previous, 120)
        price = arrive(at(10, 9), page_url="https://site.ru/price?utm_source=ya", utm={"campaign": "spring"})
        contact(price, 30)
        book(price)
        late = arrive(at(10, 20, 59), channel="telegram", page_url="https://site.ru/")
        contact(late, 90)
        midnight = arrive(at(10, 23, 30), page_url="https://site.ru/price", utm={"campaign": "spring"})
        contact(midnight, 600)
        services.change_status(midnight.pk, Lead.Status.LOST, None, lost_reason=Lead.LostReason.PRICE)
        arrive(at(11, 10), page_url="https://site.ru/contacts#form", name="Новый")
    return tenant


@pytest.fixture
def admin(workspace, client_for):
    return client_for(workspace, workspace.memberships.get().user)
