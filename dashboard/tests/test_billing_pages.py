"""The Billing page of the cabinet ("Оплата"): subscription, usage, plans, payments, documents, requisites,
who may see it, the subscription banners and the payment return page against the payment sandbox.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing import invoicing
from billing.models import Document, Payment, PaymentMethod, Plan, Subscription
from billing.services import start_trial
from shared_apps.flags import flags
from shared_apps.flags.models import Flag
from shared_apps.flags.tests.helpers import set_flag
from shared_apps.tenancy.models import Invitation, Membership

pytestmark = pytest.mark.django_db
Status = Subscription.Status


@pytest.fixture
def workspace(make_tenant, make_user):
    owner = make_user("owner@lotos.ru", full_name="Ольга Владелец")
    tenant = make_tenant(owner=owner, name="Салон «Лотос»")
    start_trial(tenant.account)
    return tenant


@pytest.fixture
def owner(workspace):
    return workspace.account.owner


@pytest.fixture
def page(workspace, owner, client_for):
    return client_for(workspace, owner)


def subscribe(tenant, code: str = "pro", *, status: str = Status.ACTIVE, days_left: int = 20, **extra) -> Subscription:
    """Put the account on a paid period of ``code`` that started 30 - ``days_left`` days ago."""
    now = timezone.now()
    Subscription.objects.filter(account=tenant.account).update(
        plan=Plan.objects.get(code=code), status=status, trial_ends_at=None,
        current_period_start=now - timedelta(days=30 - days_left), current_period_end=now + timedelta(days=days_left),
        **extra,
    )
    return Subscription.objects.get(account=tenant.account)


def body(response) -> str:
    return response.content.decode()


# --- the page -------------------------------------------------------------------------------------------


def test_admin_sees_plan_status_usage_and_the_plan_picker(page, workspace):
    response = page.get("/billing")
    assert response.status_code == 200
    assert response.context["section"] == "billing"
    html = body(response)
    for text in ("Оплата", "Тариф «<span id=\"current-plan\">Пробный</span>»", "Пробный период до",
                 "Лиды в этом месяце", "0 из 50", "Рабочие пространства", "1 из 1", "Участники команды",
                 "Старт", "Про", "Бизнес", "4\u00a0990\u00a0₽", "9\u00a0990\u00a0₽", "19\u00a0990\u00a0₽",
                 "До 2 000 лидов в месяц", "Корпоративный", "цена по&nbsp;запросу", "mailto:sales@fastlead.ru",
                 "ЮKassa", "T-Bank", "Карта не&nbsp;сохранена", "Платежей пока не&nbsp;было",
                 "Документов пока нет", "Реквизиты для&nbsp;счетов"):
        assert text in html, text
    assert re.search(r'id="subscription-status"[^>]*>.*Пробный период', html)
    assert 'class="badge bg-blue-100 text-blue-800" id="subscription-status"' in html
    # one "Оплатить" per purchasable plan, the provider radio preselects ЮKassa
    assert len(re.findall(r'name="plan" value="(start|pro|business)"', html)) == 3
    assert 'name="plan" value="enterprise"' not in html
    assert re.search(r'value="yookassa"[^>]*checked', html)
    # the navigation: "Оплата" is a real link in the main list, nothing "скоро" about it
    assert 'href="/billing"' in html
    assert "Биллинг" not in html


def test_paid_plan_shows_dates_card_history_and_documents(page, workspace):
    subscription = subscribe(workspace, "pro")
    account = workspace.account
    PaymentMethod.objects.create(account=account, provider="yookassa", token="pm-1", title="Bank card *4444")
    pro = Plan.objects.get(code="pro")
    Payment.objects.create(account=account, plan=pro, purpose="subscribe", provider="yookassa", order_id="fl-ok",
                           idempotence_key="k1", amount_kopecks=999_000, status="succeeded",
                           receipt_email="owner@lotos.ru")
    Payment.objects.create(account=account, plan=pro, purpose="subscribe", provider="tinkoff", order_id="fl-no",
                           idempotence_key="k2", amount_kopecks=999_000, status="failed",
                           failure_reason="insufficient_funds", receipt_email="owner@lotos.ru")
    invoice = invoicing.issue(account, Document.Kind.INVOICE, pro, 999_000)
    html = body(page.get("/billing"))
    assert "Тариф «<span id=\"current-plan\">Про</span>»" in html
    assert 'class="badge bg-green-100 text-green-800" id="subscription-status"' in html
    assert "Активна" in html
    end = timezone.localtime(subscription.current_period_end)
    assert "Оплачено до" in html
    assert "Следующее списание" in html
    assert f"{end.day} " in html
    assert "Карта *4444" in html
    assert "Отменить подписку" in html
    # usage against the Pro limits
    assert "0 из 2\u00a0000" in html
    assert "1 из 3" in html
    assert "1 из 10" in html
    # the picker knows what each plan does now
    assert "Ваш тариф" in html
    assert re.search(r'value="business"[^>]*>Перейти на тариф', html)
    assert "доплата за оставшиеся дни ≈" in html
    assert re.search(r'value="start"[^>]*>Перейти на тариф', html)
    # history: amounts in rubles, providers, statuses and the reason of the failure
    assert "9\u00a0990,00\u00a0₽" in html
    assert "Оплачен" in html
    assert "Не прошёл" in html
    assert "Недостаточно средств на карте" in html
    assert "T-Bank" in html
    # documents with their PDF links
    assert f"Счёт №&nbsp;{invoice.number}" in html
    assert f'href="/billing/documents/{invoice.pk}.pdf"' in html


def test_unlimited_limits_say_so(page, workspace):
    subscribe(workspace, "business")
    assert body(page.get("/billing")).count("· без ограничений") == 3


@pytest.mark.parametrize("role", [Membership.Role.OPERATOR, Membership.Role.ANALYST])
def test_other_roles_get_the_forbidden_page(workspace, make_user, add_member, client_for, role):
    user = make_user()
    add_member(user, workspace, role)
    client = client_for(workspace, user)
    invoice = invoicing.issue(workspace.account, Document.Kind.INVOICE, Plan.objects.get(code="pro"), 999_000)
    for response in (client.get("/billing"), client.post("/billing/pay", {"plan": "pro", "provider": "yookassa"}),
                     client.post("/billing/cancel"), client.get(f"/billing/documents/{invoice.pk}.pdf"),
                     client.post("/billing/requisites", {"inn": "1"})):
        assert response.status_code == 403
        assert "Недостаточно прав" in body(response)
    home = body(client.get("/"))
    assert 'href="/billing"' not in home
    assert "Оплата" not in home


# --- requisites and the bank invoice -----------------------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("legal_name", 300), ("legal_address", 500)])
def test_over_long_requisites_are_explained_under_their_own_field(page, workspace, field, limit):
    html = body(page.get("/billing"))
    assert "maxlength" not in html
    assert all("novalidate" in tag for tag in re.findall(r"<form\b[^>]*>", html))
    typed = {"legal_name": "ООО «Лотос»", "inn": "7712345678", "kpp": "771201001", "legal_address": "Москва",
             field: "Я" * (limit + 1)}
    response = page.post("/billing/requisites", typed)
    assert response.status_code == 400
    html = body(response)
    assert f'<p id="id_{field}-error" class="field-error">Не длиннее {limit} символов.</p>' in html
    assert html.count('class="field-error"') == 1
    assert "Я" * (limit + 1) in html  # kept whole
    workspace.account.refresh_from_db()
    assert workspace.account.inn == ""


def test_requisites_errors_then_saved_then_a_bank_invoice(page, workspace, send_mail_now):
    html = body(page.get("/billing"))
    assert "Выставить счёт на&nbsp;оплату" not in html  # not a legal entity yet
    bad = page.post("/billing/requisites", {"legal_name": "ООО «Лотос»", "inn": "12345", "kpp": "",
                                            "legal_address": ""})
    assert bad.status_code == 400
    html = body(bad)
    assert "ИНН — 10 цифр для организации или 12 для ИП." in html
    assert "Укажите юридический адрес." in html
    assert 'id="id_inn-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="ООО «Лотос»"' in html
    assert 'value="12345"' in html
    workspace.account.refresh_from_db()
    assert workspace.account.inn == ""

    kpp_missing = page.post("/billing/requisites", {"legal_name": "ООО «Лотос»", "inn": "7712345678",
                                                    "legal_address": "Москва"})
    assert kpp_missing.status_code == 400
    assert "Для организации укажите КПП." in body(kpp_missing)

    good = page.post("/billing/requisites", {"legal_name": "ООО «Лотос»", "inn": "7712345678", "kpp": "771201001",
                                             "legal_address": "101000, г. Москва, ул. Мясницкая, д. 1"})
    assert good.status_code == 302
    assert good["Location"] == "/billing#requisites"
    account = workspace.account
    account.refresh_from_db()
    assert (account.legal_name, account.inn, account.kpp) == ("ООО «Лотос»", "7712345678", "771201001")
    html = body(page.get("/billing"))
    assert "Реквизиты сохранены" in html
    assert "Выставить счёт на&nbsp;оплату" in html

    with send_mail_now():
        issued = page.post("/billing/invoice", {"plan": "pro"})
    assert issued.status_code == 302
    document = Document.objects.get(account=account, kind=Document.Kind.INVOICE)
    assert document.status == Document.Status.UNPAID
    assert document.amount_kopecks == 999_000
    assert [m.subject for m in mail.outbox] == [f"Счёт на оплату № {document.number}"]
    html = body(page.get("/billing"))
    assert f"Счёт № {document.number}" in html.replace("&nbsp;", " ")
    assert "Ожидает оплаты" in html

    refused = page.post("/billing/invoice", {"plan": "enterprise"})
    assert refused.status_code == 400
    assert "подключается по запросу" in body(refused)


# --- cancel and resume ---------------------------------------------------------------------------------


def test_cancel_at_period_end_and_resume(page, workspace):
    subscription = subscribe(workspace, "pro")
    response = page.post("/billing/cancel")
    assert response.status_code == 302
    assert response["Location"] == "/billing"
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    assert subscription.status == Status.ACTIVE
    html = body(page.get("/billing"))
    assert "Автопродление отключено" in html
    assert "отмена в&nbsp;конце периода" in html
    assert "Возобновить подписку" in html
    assert "Отменить подписку" not in html
    assert "Следующее списание" not in html

    response = page.post("/billing/resume")
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end
    html = body(page.get("/billing"))
    assert "Подписка возобновлена" in html
    assert "Отменить подписку" in html

    again = page.post("/billing/resume")
    assert again.status_code == 409
    assert "возобновлять нечего" in body(again)


def test_a_trial_cannot_be_canceled(page):
    response = page.post("/billing/cancel")
    assert response.status_code == 409
    assert "Отменить можно только действующую оплаченную подписку." in body(response)
    assert "Отменить подписку" not in body(page.get("/billing"))


# --- plan choice without the provider ---------------------------------------------------------------


@pytest.mark.parametrize(("plan", "message"), [
    ("platinum", "Такого тарифа нет. Выберите тариф из списка."),
    ("enterprise", "Тариф «Корпоративный» подключается по запросу"),
    ("trial", "Пробный период не покупается"),
])
def test_a_plan_that_cannot_be_bought_is_refused_with_400(page, plan, message):
    response = page.post("/billing/pay", {"plan": plan, "provider": "yookassa"})
    assert response.status_code == 400
    html = body(response)
    assert message in html
    assert 'id="plan-error"' in html
    assert not Payment.objects.exists()


def test_an_unknown_provider_is_refused(page):
    response = page.post("/billing/pay", {"plan": "pro", "provider": "paypal"})
    assert response.status_code == 400
    assert "Выберите способ оплаты: ЮKassa или T-Bank." in body(response)


def test_downgrade_is_scheduled_and_can_be_withdrawn(page, workspace):
    subscription = subscribe(workspace, "pro")
    response = page.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.plan.code == "pro"
    assert subscription.scheduled_plan.code == "start"
    end = timezone.localtime(subscription.current_period_end).strftime("%d.%m.%Y")
    html = body(page.get("/billing"))
    assert f"Тариф «Старт» начнёт действовать с {end}" in html
    assert 'id="scheduled-plan"' in html
    assert "Остаться на тарифе «Про»" in html
    assert not Payment.objects.exists()

    response = page.post("/billing/pay", {"plan": "pro", "provider": "yookassa"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.scheduled_plan is None
    assert "Переход отменён: остаётесь на тарифе «Про»." in body(page.get("/billing"))


def test_downgrade_that_does_not_fit_is_refused(page, workspace, make_user, add_member):
    subscribe(workspace, "pro")
    for _ in range(3):
        add_member(make_user(), workspace)
    response = page.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    assert response.status_code == 400
    assert "Нельзя перейти на тариф «Старт»: сейчас в команде 4 участников" in body(response)


# --- grace and blocked -----------------------------------------------------------------------------------


def test_grace_shows_the_banner_and_refuses_changes_outside_billing(page, workspace):
    grace_end = timezone.now() + timedelta(days=5)
    Subscription.objects.filter(account=workspace.account).update(status=Status.GRACE, grace_ends_at=grace_end)
    team = page.get("/team")
    assert team.status_code == 200
    html = body(team)
    assert "Кабинет доступен только для чтения: подписка не оплачена." in html
    assert "Виджет продолжает принимать заявки до&nbsp;" in html
    assert f'datetime="{timezone.localtime(grace_end).isoformat()}"' in html
    assert re.search(r'<a href="/billing" class="btn[^"]*">Оплатить</a>', html)

    refused = page.post("/team/invite", {"email": "ivan@lotos.ru", "role": "operator"}, HTTP_REFERER="/team")
    assert refused.status_code == 302
    assert refused["Location"] == "/team"
    assert not Invitation.objects.exists()
    assert "доступно только для чтения" in body(page.get("/team"))

    # the billing page stays open for reading and writing
    html = body(page.get("/billing"))
    assert "Льготный период" in html
    assert 'id="grace-ends"' in html
    assert "Кабинет доступен только для чтения" in html
    saved = page.post("/billing/requisites", {"legal_name": "", "inn": "", "kpp": "", "legal_address": ""})
    assert saved.status_code == 302


def test_grace_banner_for_an_operator_names_the_administrator(workspace, make_user, add_member, client_for):
    Subscription.objects.filter(account=workspace.account).update(status=Status.GRACE,
                                                                  grace_ends_at=timezone.now() + timedelta(days=3))
    user = make_user()
    add_member(user, workspace, Membership.Role.OPERATOR)
    html = body(client_for(workspace, user).get("/leads"))
    assert "Кабинет доступен только для чтения" in html
    assert "Оплатить тариф может администратор рабочего пространства." in html
    assert 'href="/billing"' not in html


@pytest.mark.parametrize("status", [Status.BLOCKED, Status.CANCELED])
def test_blocked_sends_every_page_to_billing(page, workspace, status):
    Subscription.objects.filter(account=workspace.account).update(status=status)
    for path in ("/", "/leads", "/team", "/widget"):
        response = page.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/billing", path
    response = page.get("/billing")
    assert response.status_code == 200
    html = body(response)
    assert "Доступ приостановлен" in html
    assert "данные сохранены" in html
    assert re.search(r'name="plan" value="pro"[^>]*>Оплатить', html)


@pytest.mark.parametrize("by_staff", [False, True])
def test_a_member_without_billing_gets_why_not_a_dead_end(workspace, make_user, add_member, client_for, by_staff):
    Subscription.objects.filter(account=workspace.account).update(status=Status.BLOCKED)
    if by_staff:
        subscription = Subscription.objects.get(account=workspace.account)
        subscription.history.create(from_status=Status.ACTIVE, to_status=Status.BLOCKED, reason="blocked_by_staff",
                                    plan=subscription.plan, created_at=timezone.now())
    operator = make_user()
    add_member(operator, workspace, Membership.Role.OPERATOR)
    client = client_for(workspace, operator)
    assert client.get("/leads")["Location"] == "/billing"
    response = client.get("/billing")
    assert response.status_code == 403
    html = body(response)
    assert "Доступ к&nbsp;кабинету приостановлен" in html
    if by_staff:
        assert "приостановлен администрацией Fast&nbsp;Lead" in html
        assert "mailto:" in html
    else:
        assert "обратитесь к&nbsp;администратору рабочего пространства" in html
    assert "Нет доступа" not in html
    assert "К обзору" not in html  # no link back into the redirect
    assert 'id="billing-banner"' not in html  # said once, in the page
    assert 'data-autostart="false"' in html  # nor does the tour start over it
    assert client.get("/settings").status_code == 200  # the link it offers is open


def test_the_tour_waits_while_access_is_held_back(workspace, owner, page):
    owner.tour_dismissed_at = None
    owner.save()
    set_flag(flags.ONBOARDING, Flag.Mode.OFF)
    for status in (Status.BLOCKED, Status.GRACE):
        Subscription.objects.filter(account=workspace.account).update(status=status)
        path = "/billing" if status == Status.BLOCKED else "/leads"
        assert 'data-autostart="false"' in body(page.get(path)), status
    Subscription.objects.filter(account=workspace.account).update(status=Status.TRIALING)
    assert 'data-autostart="true"' in body(page.get("/leads"))


def test_past_due_shows_a_soft_banner(page, workspace):
    subscribe(workspace, "pro", status=Status.PAST_DUE, days_left=-1,
              next_autopay_at=timezone.now() + timedelta(days=2))
    html = body(page.get("/leads"))
    assert "Не удалось списать оплату за тариф «Про»" in html
    assert "Кабинет доступен только для чтения" not in html


def test_no_banner_when_all_is_well(page, workspace):
    subscribe(workspace, "pro")
    assert 'id="billing-banner"' not in body(page.get("/"))


# --- documents -----------------------------------------------------------------------------------------------


def test_document_pdf_is_served_to_its_account_only(page, workspace, make_tenant, owner):
    pro = Plan.objects.get(code="pro")
    invoice = invoicing.issue(workspace.account, Document.Kind.INVOICE, pro, 999_000)
    act = invoicing.issue(workspace.account, Document.Kind.ACT, pro, 999_000)
    response = page.get(f"/billing/documents/{invoice.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="schet-{invoice.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response = page.get(f"/billing/documents/{act.pk}.pdf")
    assert response["Content-Disposition"] == f'inline; filename="akt-{act.number}.pdf"'

    other = make_tenant(name="Чужая компания")
    foreign = invoicing.issue(other.account, Document.Kind.INVOICE, pro, 999_000)
    assert page.get(f"/billing/documents/{foreign.pk}.pdf").status_code == 404
    assert page.get("/billing/documents/999999.pdf").status_code == 404
    Document.objects.filter(pk=invoice.pk).update(pdf="")
    assert page.get(f"/billing/documents/{invoice.pk}.pdf").status_code == 404


# --- payments against the sandbox ---------------------------------------------------------------------------


def test_paying_on_trial_goes_to_the_checkout_and_back(page, workspace, payment_sandbox, send_mail_now):
    response = page.post("/billing/pay", {"plan": "pro", "provider": "yookassa"})
    assert response.status_code == 303
    payment = Payment.objects.get(account=workspace.account)
    assert (payment.plan.code, payment.provider, payment.status) == ("pro", "yookassa", Payment.Status.PENDING)
    assert payment.amount_kopecks == 999_000
    assert response["Location"] == payment.payment_url
    assert response["Location"].startswith(payment_sandbox.base_url + "/checkout/yookassa/")

    # back before the card was entered: still pending, the page re-checks itself
    back = page.get(f"/billing/return?order={payment.order_id}")
    assert back.status_code == 200
    html = body(back)
    assert "Проверяем оплату…" in html
    assert 'hx-trigger="every 2s"' in html
    assert '<meta http-equiv="refresh" content="2">' in html
    partial = page.get(f"/billing/return?order={payment.order_id}", HTTP_HX_REQUEST="true")
    assert "<html" not in body(partial)
    assert "Проверяем оплату…" in body(partial)
    assert "HX-Refresh" not in partial

    # the card is paid at the sandbox (its notification goes nowhere here): the return page asks the provider
    payment_sandbox.complete("yookassa", payment.provider_payment_id, "5555555555554444")
    with send_mail_now():
        partial = page.get(f"/billing/return?order={payment.order_id}", HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"
    [receipt] = mail.outbox
    assert receipt.subject == "Оплата получена — спасибо!"
    assert receipt.to == ["owner@lotos.ru"]
    [(filename, pdf, mimetype)] = receipt.attachments
    invoice = Document.objects.get(account=workspace.account, kind=Document.Kind.INVOICE)
    assert (filename, mimetype) == (f"Счёт-{invoice.number}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")
    back = page.get(f"/billing/return?order={payment.order_id}")
    html = body(back)
    assert "Оплата прошла" in html
    assert "Подписка активна до" in html
    assert 'hx-trigger="every 2s"' not in html  # the payment's status is no longer asked for
    assert "Кабинет доступен только для чтения" not in html
    subscription = Subscription.objects.get(account=workspace.account)
    assert (subscription.status, subscription.plan.code) == (Status.ACTIVE, "pro")

    html = body(page.get("/billing"))
    assert "Активна" in html
    assert 'id="paid-until"' in html
    assert "Карта *4444" in html
    assert Document.objects.filter(account=workspace.account, kind=Document.Kind.INVOICE, status="paid").exists()


def test_a_declined_card_shows_the_reason_and_a_retry(page, workspace, payment_sandbox):
    page.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    payment = Payment.objects.get(account=workspace.account)
    payment_sandbox.complete("yookassa", payment.provider_payment_id, "5555555555554535")
    html = body(page.get(f"/billing/return?order={payment.order_id}"))
    assert "Оплата не прошла" in html
    assert "Причина: недостаточно средств на карте." in html
    assert "Попробовать снова" in html
    assert 'name="plan" value="start"' in html
    assert Subscription.objects.get(account=workspace.account).status == Status.TRIALING

    retry = page.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    assert retry.status_code == 303
    assert Payment.objects.filter(account=workspace.account).count() == 2


def test_the_return_page_finds_only_this_accounts_payments(page, workspace, make_tenant, payment_sandbox,
                                                          client_for):
    other = make_tenant(name="Чужая компания")
    start_trial(other.account)
    client_for(other, other.account.owner).post("/billing/pay", {"plan": "pro", "provider": "yookassa"})
    foreign = Payment.objects.get(account=other.account)
    assert page.get(f"/billing/return?order={foreign.order_id}").status_code == 404
    assert page.get("/billing/return?order=fl-unknown").status_code == 404
    assert page.get("/billing/return").status_code == 404


def test_provider_down_offers_the_other_one(page, workspace, payment_sandbox):
    payment_sandbox.set_fault("yookassa", "http_500", times=10)
    response = page.post("/billing/pay", {"plan": "pro", "provider": "yookassa"})
    assert response.status_code == 503
    html = body(response)
    assert "ЮKassa сейчас не отвечает. Попробуйте оплатить через T-Bank." in html
    assert "Оплатить через T-Bank" in html
    assert re.search(r'name="provider" value="tinkoff">\s*<button', html)
    payment_sandbox.set_fault("yookassa", "none")

    response = page.post("/billing/pay", {"plan": "pro", "provider": "tinkoff"})
    assert response.status_code == 303
    assert response["Location"].startswith(payment_sandbox.base_url)


def test_upgrade_charges_the_saved_card(page, workspace, payment_sandbox):
    # the first month through the checkout saves the card
    page.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    first = Payment.objects.get(account=workspace.account)
    payment_sandbox.complete("yookassa", first.provider_payment_id, "5555555555554444")
    page.get(f"/billing/return?order={first.order_id}")
    subscription = Subscription.objects.get(account=workspace.account)
    assert subscription.status == Status.ACTIVE
    assert subscription.plan.code == "start"
    assert PaymentMethod.objects.filter(account=workspace.account, is_active=True).exists()

    response = page.post("/billing/pay", {"plan": "business", "provider": "yookassa"})
    assert response.status_code == 302, body(response)
    upgrade = Payment.objects.get(account=workspace.account, purpose=Payment.Purpose.UPGRADE)
    assert upgrade.status == Payment.Status.SUCCEEDED
    html = body(page.get("/billing"))
    assert "Тариф «Бизнес» подключён. Списано" in html
    assert "Доплата за смену тарифа" in html
    subscription.refresh_from_db()
    assert subscription.plan.code == "business"


def test_upgrade_with_a_failing_card_is_refused_with_402(page, workspace, payment_sandbox):
    page.post("/billing/pay", {"plan": "start", "provider": "yookassa"})
    first = Payment.objects.get(account=workspace.account)
    payment_sandbox.complete("yookassa", first.provider_payment_id, "5555555555554444")
    page.get(f"/billing/return?order={first.order_id}")
    payment_sandbox.set_autopay("insufficient_funds")

    response = page.post("/billing/pay", {"plan": "pro", "provider": "yookassa"})
    assert response.status_code == 402
    assert "Платёж не прошёл: недостаточно средств на карте. Тариф не изменён." in body(response)
    assert Subscription.objects.get(account=workspace.account).plan.code == "start"


def test_usage_bars_warn_near_the_limit_and_alarm_when_it_stops_something():
    from dashboard.billing.views import Meter

    assert Meter("Рабочие пространства", 1, 1).tone == "warn"  # all used: fine, but no room left
    assert Meter("Рабочие пространства", 2, 1).tone == "danger"  # over the limit after a downgrade
    assert Meter("Лиды", 50, 50, blocking=True).tone == "danger"  # the widget takes no more leads
    assert Meter("Лиды", 39, 50, blocking=True).tone == "ok"
    assert Meter("Лиды", 40, 50, blocking=True).tone == "warn"
    assert Meter("Лиды", 5000, None).tone == "ok"
    assert (Meter("Лиды", 1500, 2000).used_label, Meter("Лиды", 1500, 2000).limit_label) == ("1\u00a0500", "2\u00a0000")
    assert Meter("Лиды", 3, 0).percent == 100


def test_the_payment_form_may_lead_to_the_checkout_page(page, payment_sandbox):
    """Chromium checks the 303 after "Оплатить" against form-action: the checkout's origin is allowed there."""
    policy = page.get("/billing")["Content-Security-Policy"]
    form_action = next(d for d in policy.split("; ") if d.startswith("form-action "))
    assert payment_sandbox.base_url in form_action.split()
    assert "'self'" in form_action.split()
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in page.get("/team")["Content-Security-Policy"]


def test_production_allows_only_the_real_checkout_pages(settings):
    from core.middleware import content_security_policy

    settings.PAYMENT_SANDBOX_URL = ""
    form_action = next(d for d in content_security_policy().split("; ") if d.startswith("form-action ")).split()
    assert {"https://yoomoney.ru", "https://securepay.tinkoff.ru", "https://pay.tbank.ru"} <= set(form_action)
    assert "http://127.0.0.1:8026" not in form_action


def test_trial_shows_its_end_date_to_admins_only(page, workspace, make_user, add_member, client_for):
    html = body(page.get("/"))
    assert "Пробный период до" in html
    assert "неиспользованные дни сохранятся" in html
    assert "неиспользованные дни сохранятся" not in body(page.get("/billing"))  # the page says it itself
    operator = make_user()
    add_member(operator, workspace)
    assert 'id="billing-banner"' not in body(client_for(workspace, operator).get("/"))
