"""The demo workspace a newcomer sees after ``make run``: deterministic, idempotent."""

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import invoicing, lifecycle, payments, usage
from billing.models import Document, Payment, Plan, Subscription
from billing.providers.base import ProviderPayment, SavedMethod
from billing.services import start_trial
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Membership, Tenant
from shared_apps.tenancy.services import provision_tenant
from shared_apps.tenancy.slugs import transliterate
from tenant_apps.leads.models import Channel, Lead, LeadEvent
from tenant_apps.widgets.services import WidgetDraft, get_widget, update_widget

DEMO_EMAIL = "demo@fastlead.ru"
DEMO_PASSWORD = "demo-fastlead-2026"
DEMO_SLUG = "demo"
DEMO_PLAN = "business"  # «Бизнес»: API access, so README's `curl` example answers on the demo workspace
DEMO_COLLEAGUES = [
    ("operator@fastlead.ru", "Игорь Светлов", Membership.Role.OPERATOR),
    ("analyst@fastlead.ru", "Марина Орлова", Membership.Role.ANALYST),
]
ADMIN_EMAIL = "admin@fastlead.ru"
ADMIN_PASSWORD = "admin-fastlead-2026"
DEMO_LEADS = 2000
DEMO_DAYS = 90

FIRST_NAMES = [
    "Александр", "Мария", "Дмитрий", "Анна", "Сергей", "Елена", "Андрей", "Ольга", "Алексей", "Наталья",
    "Максим", "Татьяна", "Иван", "Ирина", "Михаил", "Екатерина", "Артём", "Светлана", "Никита", "Юлия",
    "Павел", "Анастасия", "Роман", "Дарья", "Владимир", "Ксения", "Егор", "Полина", "Кирилл", "Виктория",
]
LAST_NAMES = [
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
    ("Васильев", "Васильева"), ("Петров", "Петрова"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"),
    ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"), ("Егоров", "Егорова"),
]
FEMALE_NAMES = {"Мария", "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана", "Юлия",
                "Анастасия", "Дарья", "Ксения", "Полина", "Виктория"}
MAIL_DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru"]
CHANNEL_WEIGHTS = {Channel.WEB: 45, Channel.TELEGRAM: 20, Channel.WHATSAPP: 15, Channel.SMS: 8, Channel.EMAIL: 7,
                   Channel.MAX: 5}
PAGES = ["/", "/uslugi/implantatsiya", "/uslugi/otbelivanie", "/uslugi/detskaya-stomatologiya", "/tseny",
         "/akcii/chistka-za-2990", "/kontakty"]
UTM = [("", "", ""), ("yandex", "cpc", "implant_msk"), ("yandex", "cpc", "brand"), ("vk", "social", "autumn_promo"),
       ("google", "organic", ""), ("telegram", "post", "channel_ulybka"), ("2gis", "referral", "")]
FIRST_MESSAGES = {
    Channel.WEB: "Здравствуйте! Вы оставили заявку на сайте, удобно ли сейчас поговорить?",
    Channel.TELEGRAM: "Добрый день! Это клиника «Улыбка». Подскажите, на какую услугу хотите записаться?",
    Channel.WHATSAPP: "Здравствуйте! Получили вашу заявку. Когда вам удобно прийти на консультацию?",
    Channel.SMS: "Клиника «Улыбка»: спасибо за заявку! Перезвоним в течение 10 минут.",
    Channel.EMAIL: "Спасибо за обращение в клинику «Улыбка»! Предлагаем время для консультации.",
    Channel.MAX: "Здравствуйте! Клиника «Улыбка» на связи. Подберём удобное время?",
}
REPLIES = ["Да, удобно", "Сколько стоит консультация?", "Можно в субботу утром?", "Перезвоните после 18:00",
           "Интересует имплантация", "А есть рассрочка?"]


@dataclass(frozen=True)
class DemoResult:
    user: User
    tenant: Tenant
    leads_created: int


def _random_person(rng: random.Random) -> tuple[str, str, str]:
    first = rng.choice(FIRST_NAMES)
    male, female = rng.choice(LAST_NAMES)
    last = female if first in FEMALE_NAMES else male
    phone = "+79" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    email = ""
    if rng.random() < 0.6:
        email = f"{transliterate(first)}.{transliterate(last)}{rng.randint(1, 99)}@{rng.choice(MAIL_DOMAINS)}"
    return f"{first} {last}", phone, email


def _random_moment(rng: random.Random, now: datetime) -> datetime:
    """A moment in the last 90 days, busier on weekdays and in working hours (Moscow time)."""
    while True:
        day = now - timedelta(days=rng.random() * DEMO_DAYS)
        local = timezone.localtime(day)
        hour_weight = 1.0 if 9 <= local.hour < 21 else 0.15
        day_weight = 1.0 if local.weekday() < 5 else 0.6
        if rng.random() < hour_weight * day_weight:
            return day


def _status_for(rng: random.Random, age: timedelta) -> str:
    if age < timedelta(hours=2):
        return rng.choice([Lead.Status.NEW, Lead.Status.NEW, Lead.Status.CONTACTED])
    roll = rng.random()
    if roll < 0.06:
        return Lead.Status.NEW
    if roll < 0.36:
        return Lead.Status.CONTACTED
    if roll < 0.68:
        return Lead.Status.BOOKED
    return Lead.Status.LOST


def _build_leads(rng: random.Random, now: datetime) -> list[tuple[Lead, list[LeadEvent]]]:
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    built = []
    for _ in range(DEMO_LEADS):
        name, phone, email = _random_person(rng)
        channel = rng.choices(channels, weights)[0]
        created = _random_moment(rng, now)
        status = _status_for(rng, now - created)
        source, medium, campaign = rng.choice(UTM)
        lead = Lead(
            name=name, phone=phone, email=email, channel=channel, status=status, created_at=created,
            page_url=f"https://ulybka-dent.ru{rng.choice(PAGES)}",
            utm_source=source, utm_medium=medium, utm_campaign=campaign,
        )
        events = [
            LeadEvent(kind=LeadEvent.Kind.CREATED, channel=channel, text="Заявка получена", created_at=created),
            LeadEvent(kind=LeadEvent.Kind.QUEUED, text="Лид передан в обработку",
                      created_at=min(created + timedelta(seconds=rng.randint(1, 5)), now)),
        ]
        if status != Lead.Status.NEW:
            contacted = min(created + timedelta(minutes=rng.choice([1, 1, 2, 3, 5, 8, 15, 40])), now)
            lead.first_contact_at = contacted
            events.append(LeadEvent(kind=LeadEvent.Kind.MESSAGE_OUT, channel=channel, text=FIRST_MESSAGES[channel],
                                    created_at=contacted))
            if rng.random() < 0.7:
                events.append(LeadEvent(kind=LeadEvent.Kind.MESSAGE_IN, channel=channel, text=rng.choice(REPLIES),
                                        created_at=min(contacted + timedelta(minutes=rng.randint(1, 90)), now)))
        if status == Lead.Status.BOOKED:
            booked = min(created + timedelta(hours=rng.randint(1, 48)), now)
            visit = timezone.localtime(booked + timedelta(days=rng.randint(1, 10))).replace(
                hour=rng.randint(9, 19), minute=rng.choice([0, 30]))
            lead.booked_at = booked
            events.append(LeadEvent(kind=LeadEvent.Kind.BOOKED,
                                    text=f"Записан на консультацию {visit:%d.%m.%Y в %H:%M}", created_at=booked))
        elif status == Lead.Status.LOST:
            events.append(LeadEvent(kind=LeadEvent.Kind.STATUS_CHANGED, text="Статус: потерян — не отвечает",
                                    created_at=min(created + timedelta(days=rng.randint(1, 5)), now)))
        built.append((lead, events))
    return built


def _configure_demo_widget(tenant: Tenant, user: User) -> None:
    """The clinic's own widget (once): colours, texts, business hours, its site and privacy policy."""
    widget = get_widget()
    if widget.privacy_policy_url:
        return
    weekdays = [["09:00", "21:00"]]
    draft = WidgetDraft(
        primary_color="#0f766e", theme="light", position="right", button_label="Записаться на приём",
        title="Стоматология «Улыбка»",
        greeting="Здравствуйте! Оставьте телефон — администратор перезвонит в течение 5 минут и подберёт время.",
        quick_replies=["Консультация", "Имплантация", "Отбеливание", "Детский стоматолог"],
        success_message="Спасибо! Администратор клиники перезвонит вам в ближайшее время.",
        off_hours_message="Клиника сейчас закрыта, но заявку мы примем и перезвоним утром.",
        channels=["web"], consent_text=widget.consent_text,
        privacy_policy_url="https://ulybka-dent.ru/privacy", marketing_enabled=True,
        marketing_text="Хочу получать напоминания о профилактических осмотрах и акции клиники.",
        business_hours={"enabled": True, "days": {
            **{day: weekdays for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [["10:00", "18:00"]], "sun": [],
        }},
        site_domains=["ulybka-dent.ru"],
    )
    update_widget(tenant, user, draft, expected_version=widget.version)


def _demo_billing(account: Account, now: datetime) -> None:
    """«Бизнес» (so README's API example works: the plan has API access), paid by card twice — the second month
    is running — by a legal entity: two paid invoices and the act of the month that has ended."""
    if Subscription.objects.filter(account=account).exists():
        # Seeded by an earlier version on another plan: README's API example needs «Бизнес».
        Subscription.objects.filter(account=account).exclude(plan__code=DEMO_PLAN).update(
            plan=Plan.objects.get(code=DEMO_PLAN))
        return
    account.legal_name, account.inn, account.kpp = "ООО «Улыбка»", "7707083893", "770701001"
    account.legal_address = "125009, г. Москва, ул. Тверская, д. 7, офис 12"
    account.save()
    plan = Plan.objects.get(code=DEMO_PLAN)
    price = plan.price_kopecks
    if price is None:
        raise ValueError(f"the {DEMO_PLAN} plan has no price")
    first_start = now - timedelta(days=40)
    subscription = start_trial(account)
    subscription.trial_ends_at = first_start
    subscription.save(update_fields=["trial_ends_at"])
    card = ProviderPayment(provider_payment_id="", order_id="", state="succeeded", provider_status="succeeded",
                           amount_kopecks=price,
                           saved_method=SavedMethod(token=f"demo-card-{account.pk}", title="Bank card *4444"))
    for index, paid_at in enumerate((first_start, lifecycle.add_month(first_start))):
        order_id = f"demo-{account.pk}-{index + 1}"
        payment = Payment.objects.create(
            account=account, plan=plan, purpose=Payment.Purpose.SUBSCRIBE if index == 0 else Payment.Purpose.RENEWAL,
            provider="yookassa", order_id=order_id, idempotence_key=order_id, provider_payment_id=order_id,
            amount_kopecks=price, receipt_email=account.owner.email, status=Payment.Status.PENDING,
        )
        payments.record_provider_state(payment.pk, replace(card, provider_payment_id=order_id, order_id=order_id),
                                       now=paid_at)
        Payment.objects.filter(pk=payment.pk).update(created_at=paid_at)
        for document in Document.objects.filter(payment=payment):  # dated as if issued on the day of payment
            document.issued_at = paid_at
            document.save(update_fields=["issued_at"])
            invoicing.render_and_store(document)
    invoicing.issue_due_acts(now)  # the first month has ended: its act, dated its last day


def seed_demo(now: datetime | None = None) -> DemoResult:
    """Create (or find) the demo user, account and workspace, and fill it with leads once."""
    now = now or timezone.now()
    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        User.objects.create_superuser(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Администратор платформы",
                                      email_confirmed_at=now)
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Анна Демова", email_confirmed_at=now)
    account, _ = Account.objects.get_or_create(owner=user, defaults={"name": "Стоматология «Улыбка»"})
    tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
    if tenant is None:
        tenant = provision_tenant(account=account, owner=user, name="Стоматология «Улыбка»", slug=DEMO_SLUG)
    _demo_billing(account, now)
    for email, name, role in DEMO_COLLEAGUES:
        colleague = User.objects.filter(email=email).first() or User.objects.create_user(
            email, DEMO_PASSWORD, full_name=name, email_confirmed_at=now
        )
        Membership.objects.get_or_create(user=colleague, tenant=tenant, defaults={"role": role})

    with tenant_context(tenant):
        _configure_demo_widget(tenant, user)
        if Lead.objects.exists():
            return DemoResult(user=user, tenant=tenant, leads_created=0)
        built = _build_leads(random.Random(20261126), now)
        with transaction.atomic():
            leads = Lead.objects.bulk_create([lead for lead, _ in built], batch_size=500)
            events = []
            for lead, (_, lead_events) in zip(leads, built, strict=True):
                for event in lead_events:
                    event.lead = lead
                    events.append(event)
            LeadEvent.objects.bulk_create(events, batch_size=2000)
    usage.reconcile_account(tenant.client_account.pk, now)  # written around the intake: count this month's leads now
    return DemoResult(user=user, tenant=tenant, leads_created=len(built))
