"""The staff's actions in the platform admin: each one's effect, its subscription history row, its audit entry, and
the refusals with their reasons."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing import invoicing, payments
from billing.models import Document, Payment, Plan, Subscription
from billing.providers.base import ProviderPayment
from billing.services import start_trial
from core.text import rubles
from shared_apps.audit import services as audit
from shared_apps.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
Status = Subscription.Status
ACCOUNTS = "/admin/accounts/account/"


@pytest.fixture
def staff_user(make_user):
    return make_user("ops@fastlead.ru", is_staff=True, is_superuser=True)


@pytest.fixture
def staff(staff_user, client_for):
    return client_for(None, staff_user)


@pytest.fixture
def trial_account(make_tenant):
    account = make_tenant(name="Кофейня «Зерно»").account
    start_trial(account)
    return account


def pay(account, plan_code: str = "start") -> Payment:
    plan = Plan.objects.get(code=plan_code)
    order = f"test-{account.pk}-{Payment.objects.count()}"
    payment = Payment.objects.create(account=account, plan=plan, purpose=Payment.Purpose.SUBSCRIBE,
                                     provider="yookassa", order_id=order, idempotence_key=order,
                                     provider_payment_id=order, amount_kopecks=plan.month_price_kopecks,
                                     receipt_email=account.owner.email, status=Payment.Status.PENDING)
    state = ProviderPayment(provider_payment_id=order, order_id=order, state="succeeded", provider_status="succeeded",
                            amount_kopecks=plan.month_price_kopecks)
    return payments.record_provider_state(payment.pk, state)


def act(client, action: str, accounts, **extra):
    """The action as confirmed on its intermediate page (block, unblock) or filled in on it (extend_trial)."""
    data = {"action": action, "_selected_action": [account.pk for account in accounts], "confirm": "1", **extra}
    return client.post(ACCOUNTS, data, follow=True)


def subscription(account) -> Subscription:
    return Subscription.objects.get(account=account)


def staff_entries(action: str, staff_user, account):
    return AuditEntry.objects.filter(action=action, actor_id=staff_user.pk, is_staff_action=True,
                                     account_id=account.pk)


def test_the_accounts_list_shows_the_owner_workspaces_and_subscription(staff, trial_account):
    trial_account.inn = "7707083893"
    trial_account.save()
    html = staff.get(ACCOUNTS, {"q": "7707083893"}).content.decode()
    for text in ("Кофейня «Зерно»", trial_account.owner.email, "7707083893", "Пробный период", "Пробный"):
        assert text in html
    assert "Кофейня «Зерно»" in staff.get(ACCOUNTS, {"status": "trialing", "plan": "trial"}).content.decode()
    assert "Кофейня «Зерно»" not in staff.get(ACCOUNTS, {"status": "active"}).content.decode()
    workspaces = staff.get("/admin/tenancy/tenant/").content.decode()
    tenant = trial_account.tenants.get()
    assert f'href="{tenant.url}"' in workspaces
    assert "tenant_template" not in workspaces  # system schemas are not listed
    assert staff.get(f"/admin/tenancy/tenant/{tenant.pk}/change/").status_code == 200


def test_extend_a_running_trial_through_the_intermediate_form(staff, staff_user, trial_account):
    before = subscription(trial_account).trial_ends_at
    form = staff.post(ACCOUNTS, {"action": "extend_trial", "_selected_action": [trial_account.pk]})
    assert form.status_code == 200
    assert "На сколько дней продлить" in form.content.decode()
    too_many = act(staff, "extend_trial", [trial_account], apply="1", days="91")
    assert "Не больше 90 дней." in too_many.content.decode()
    assert subscription(trial_account).trial_ends_at == before

    done = act(staff, "extend_trial", [trial_account], apply="1", days="10")
    assert "пробный период продлён до" in done.content.decode()
    after = subscription(trial_account)
    assert after.status == Status.TRIALING
    assert after.trial_ends_at == before + timedelta(days=10)
    assert after.history.last().reason == "trial_extended"
    entry = staff_entries("billing.trial_extended", staff_user, trial_account).get()
    assert entry.details["days"] == 10


def test_an_expired_trial_in_grace_starts_again_from_today(staff, staff_user, trial_account):
    from billing import cycle

    Subscription.objects.filter(account=trial_account).update(trial_ends_at=timezone.now() - timedelta(days=1),
                                                              reminders_sent=["trial_3d", "trial_1d"])
    cycle.advance(trial_account.pk, timezone.now())
    assert subscription(trial_account).status == Status.GRACE
    act(staff, "extend_trial", [trial_account], apply="1", days="7")
    after = subscription(trial_account)
    assert after.status == Status.TRIALING
    assert after.grace_ends_at is None
    assert after.reminders_sent == []  # the reminders come again before the new end
    assert timedelta(days=6, hours=23) < after.trial_ends_at - timezone.now() <= timedelta(days=7)
    assert [e.reason for e in after.history.all()][-2:] == ["trial_expired", "trial_extended"]


def test_a_paid_account_gets_no_trial(staff, trial_account):
    pay(trial_account)
    refused = act(staff, "extend_trial", [trial_account], apply="1", days="7")
    assert "пробный период продлевают только до первой оплаты" in refused.content.decode()
    assert subscription(trial_account).status == Status.ACTIVE
    assert not AuditEntry.objects.filter(action="billing.trial_extended").exists()


def test_block_and_unblock_a_paying_account(staff, staff_user, trial_account):
    pay(trial_account)
    blocked = act(staff, "block", [trial_account])
    assert "Кофейня «Зерно»: аккаунт заблокирован." in blocked.content.decode()  # no «» around its own «»
    assert subscription(trial_account).status == Status.BLOCKED
    assert subscription(trial_account).history.last().reason == "blocked_by_staff"
    assert staff_entries("billing.account_blocked", staff_user, trial_account).get().details["fromStatus"] == "active"
    assert "аккаунт уже заблокирован" in act(staff, "block", [trial_account]).content.decode()
    refused = act(staff, "extend_trial", [trial_account], apply="1", days="7")
    assert "пробный период продлевают только до первой оплаты" in refused.content.decode()

    unblocked = act(staff, "unblock", [trial_account])
    assert "аккаунт разблокирован, статус подписки — «Активна»" in unblocked.content.decode()
    assert subscription(trial_account).history.last().reason == "unblocked_paid"
    assert staff_entries("billing.account_unblocked", staff_user, trial_account).exists()
    assert "аккаунт не заблокирован" in act(staff, "unblock", [trial_account]).content.decode()


def test_paying_does_not_lift_a_block_by_staff(staff, make_tenant, client_for):
    tenant = make_tenant(name="Салон «Луч»")
    account = tenant.account
    start_trial(account)
    in_flight = Payment.objects.create(
        account=account, plan=Plan.objects.get(code="start"), purpose=Payment.Purpose.SUBSCRIBE, provider="yookassa",
        order_id="in-flight", idempotence_key="in-flight", provider_payment_id="in-flight",
        amount_kopecks=Plan.objects.get(code="start").month_price_kopecks, receipt_email=account.owner.email,
        status=Payment.Status.PENDING)
    act(staff, "block", [account])
    owner = client_for(tenant, account.owner)

    page = owner.get("/billing").content.decode()
    assert "Доступ приостановлен администрацией Fast&nbsp;Lead" in page
    assert 'name="plan"' not in page  # no plan's button to pay
    refused = owner.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    assert refused.status_code == 403
    assert "Аккаунт заблокирован администрацией Fast Lead" in refused.content.decode()
    assert not Payment.objects.filter(account=account).exclude(pk=in_flight.pk).exists()

    # A checkout started before the block succeeds afterwards: the money and the month are kept, the block stays.
    state = ProviderPayment(provider_payment_id="in-flight", order_id="in-flight", state="succeeded",
                            provider_status="succeeded", amount_kopecks=in_flight.amount_kopecks)
    payments.record_provider_state(in_flight.pk, state)
    after = subscription(account)
    assert after.status == Status.BLOCKED
    assert after.current_period_end > timezone.now()
    act(staff, "unblock", [account])
    assert subscription(account).status == Status.ACTIVE


def test_unblock_goes_back_to_what_the_dates_allow(staff, trial_account, make_tenant):
    act(staff, "block", [trial_account])
    assert "сначала разблокируйте" in act(staff, "extend_trial", [trial_account], apply="1",
                                          days="7").content.decode()
    act(staff, "unblock", [trial_account])
    assert subscription(trial_account).status == Status.TRIALING  # the trial still runs

    expired = make_tenant().account
    start_trial(expired)
    act(staff, "block", [expired])
    Subscription.objects.filter(account=expired).update(trial_ends_at=timezone.now() - timedelta(hours=1))
    act(staff, "unblock", [expired])
    after = subscription(expired)
    assert after.status == Status.GRACE  # a week to pay, then the billing clock blocks it again
    assert timedelta(days=6, hours=23) < after.grace_ends_at - timezone.now() <= timedelta(days=7)
    assert after.history.last().reason == "unblocked_unpaid"


def test_the_actions_work_from_the_subscriptions_list_too(staff, trial_account):
    response = staff.post("/admin/billing/subscription/", {"action": "block", "confirm": "1",
                                                           "_selected_action": [subscription(trial_account).pk]})
    assert response.status_code == 302
    assert subscription(trial_account).status == Status.BLOCKED


@pytest.mark.parametrize("action", ["block", "unblock"])
def test_blocking_and_unblocking_ask_for_confirmation_first(staff, trial_account, action):
    if action == "unblock":
        act(staff, "block", [trial_account])
    before = subscription(trial_account).status
    page = staff.post(ACCOUNTS, {"action": action, "_selected_action": [trial_account.pk]})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Кофейня «Зерно» — " in html
    assert "Подтвердить" in html
    assert "Отмена" in html
    assert 'name="confirm"' in html
    assert f'value="{action}"' in html
    assert subscription(trial_account).status == before  # nothing happens until «Подтвердить»


@pytest.fixture
def unpaid_invoice(trial_account):
    trial_account.legal_name, trial_account.inn, trial_account.kpp = "ООО «Зерно»", "7707083893", "770701001"
    trial_account.legal_address = "г. Москва, ул. Тверская, д. 1"
    trial_account.save()
    plan = Plan.objects.get(code="pro")
    document = invoicing.issue(trial_account, Document.Kind.INVOICE, plan, plan.month_price_kopecks,
                               status=Document.Status.UNPAID)
    return document


def test_resend_an_invoice_with_its_pdf(staff, staff_user, unpaid_invoice, send_mail_now):
    with send_mail_now():
        done = staff.post("/admin/billing/document/", {"action": "resend", "_selected_action": [unpaid_invoice.pk]},
                          follow=True)
    owner = unpaid_invoice.account.owner.email
    assert f"отправлен повторно на {owner}" in done.content.decode()
    message = mail.outbox[-1]
    assert message.to == [owner]
    assert unpaid_invoice.number in message.subject
    assert message.attachments[0][0] == f"Счёт-{unpaid_invoice.number}.pdf"
    assert staff_entries("billing.invoice_resent", staff_user, unpaid_invoice.account).get().target == \
        str(unpaid_invoice)
    Document.objects.filter(pk=unpaid_invoice.pk).update(status=Document.Status.VOID)
    refused = staff.post("/admin/billing/document/", {"action": "resend", "_selected_action": [unpaid_invoice.pk]},
                         follow=True)
    assert "документ аннулирован" in refused.content.decode()


def test_mark_a_bank_transfer_paid(staff, staff_user, unpaid_invoice):
    page = staff.post("/admin/billing/document/", {"action": "mark_paid", "_selected_action": [unpaid_invoice.pk]})
    assert str(unpaid_invoice) in page.content.decode()
    assert "Подтвердить" in page.content.decode()
    unpaid_invoice.refresh_from_db()
    assert unpaid_invoice.status == Document.Status.UNPAID  # not before «Подтвердить»
    done = staff.post("/admin/billing/document/", {"action": "mark_paid", "confirm": "1",
                                                    "_selected_action": [unpaid_invoice.pk]},
                      follow=True)
    assert "оплата учтена, подписка продлена" in done.content.decode()
    unpaid_invoice.refresh_from_db()
    assert unpaid_invoice.status == Document.Status.PAID
    account = unpaid_invoice.account
    assert subscription(account).status == Status.ACTIVE
    assert subscription(account).plan.code == "pro"
    assert subscription(account).history.last().reason == "payment_succeeded"
    assert staff_entries("billing.bank_transfer_paid", staff_user, account).count() == 1
    again = staff.post("/admin/billing/document/", {"action": "mark_paid", "confirm": "1",
                                                    "_selected_action": [unpaid_invoice.pk]},
                       follow=True)
    assert "только у неоплаченного счёта на банковский перевод" in again.content.decode()
    assert staff_entries("billing.bank_transfer_paid", staff_user, account).count() == 1


def test_a_card_payments_invoice_is_not_a_bank_transfer(staff, trial_account):
    payment = pay(trial_account)
    invoice = Document.objects.get(payment=payment, kind=Document.Kind.INVOICE)
    Document.objects.filter(pk=invoice.pk).update(status=Document.Status.UNPAID)  # even if it looked unpaid
    refused = staff.post("/admin/billing/document/", {"action": "mark_paid", "confirm": "1",
                                                       "_selected_action": [invoice.pk]},
                         follow=True)
    assert "только у неоплаченного счёта на банковский перевод" in refused.content.decode()
    assert Payment.objects.filter(account=trial_account).count() == 1


def test_the_admin_screens_speak_russian(staff, staff_user, unpaid_invoice):
    account = unpaid_invoice.account
    act(staff, "block", [account])
    html = staff.get("/admin/billing/subscription/").content.decode()
    assert "<h1>Подписки</h1>" in html  # not «Выберите подписка для изменения»
    assert "column-account" in html
    assert ">Аккаунт<" in html
    assert ">Тариф<" in html
    page = staff.get(f"/admin/billing/subscription/{subscription(account).pk}/change/").content.decode()
    assert "Пробный период → Заблокирована" in page
    assert "<h1>Подписка</h1>" in page  # not «Изменить подписка»
    assert "заблокирован сотрудником" in page
    assert "blocked_by_staff" not in page
    document = staff.get(f"/admin/billing/document/{unpaid_invoice.pk}/change/").content.decode()
    assert "<strong>ИНН:</strong> 7707083893" in document
    assert "<strong>КПП:</strong> 770701001" in document
    assert "&quot;inn&quot;" not in document
    listing = staff.get("/admin/billing/document/").content.decode()
    assert "Сумма" in listing
    assert rubles(unpaid_invoice.amount_kopecks) in listing
    assert "Кофейня «Зерно»" in staff.get(ACCOUNTS).content.decode()
    metrics = staff.get("/admin/metrics/").content.decode()
    assert "Аналитика платформы" in metrics
    assert 'href="/admin/metrics/"' in metrics
    assert "Бизнес-метрики" in staff.get("/admin/").content.decode()


def test_a_forbidden_admin_page_is_refused_in_russian(staff, staff_user):
    entry = audit.record("auth.login", actor=staff_user)
    response = staff.get(f"/admin/audit/auditentry/{entry.pk}/delete/")
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()
