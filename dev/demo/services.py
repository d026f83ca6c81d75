"""The demo workspace a newcomer sees after ``make run``: deterministic, idempotent."""

import base64
import contextlib
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from backoffice import services as business_metrics
from billing import invoicing, lifecycle, payments, usage
from billing.models import Document, Payment, Plan, Subscription, SubscriptionEvent
from billing.providers.base import ProviderPayment, SavedMethod
from billing.services import start_trial
from core.models import OutboxMessage
from shared_apps.accounts.models import Account, User
from shared_apps.onboarding.wizard import STEPS, complete_step, is_finished
from shared_apps.tenancy.models import Membership, Tenant
from shared_apps.tenancy.services import provision_tenant
from shared_apps.tenancy.slugs import transliterate
from tenant_apps.analytics.receivers import DISPATCH_UID as ANALYTICS_RECEIVER
from tenant_apps.analytics.receivers import lead_changed_received
from tenant_apps.channels.models import Booking
from tenant_apps.leads import services as lead_services
from tenant_apps.leads.models import Channel, ConsentRecord, Lead, LeadEvent
from tenant_apps.leads.signals import lead_changed
from tenant_apps.widgets.services import WidgetDraft, get_widget, update_widget

DEMO_EMAIL = "demo@fastlead.ru"
DEMO_PASSWORD = "demo-fastlead-2026"
DEMO_SLUG = "demo"
DEMO_PLAN = "business"  # «Бизнес»: API access, so README's `curl` example answers on the demo workspace
DEMO_COLLEAGUES = [
    ("operator@fastlead.ru", "Игорь Светлов", Membership.Role.OPERATOR),
    ("operator2@fastlead.ru", "Ольга Кравец", Membership.Role.OPERATOR),
    ("analyst@fastlead.ru", "Марина Орлова", Membership.Role.ANALYST),
]
ADMIN_EMAIL = "admin@fastlead.ru"
ADMIN_PASSWORD = "admin-fastlead-2026"
# The demo staff member's second factor, known so `make run` users can sign in to the platform admin: add it to an
# authenticator app, or print the current code with `manage.py staff_otp_code admin@fastlead.ru`. Development only.
ADMIN_TOTP_SECRET = "FASTLEADDEVONLYSTAFFSECRET234567"
DEMO_LEADS = 300
DEMO_DAYS = 90
DEMO_HISTORY_DAYS = DEMO_DAYS + 7  # the account and its workspace exist a week before their first lead

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
OPERATOR_ANSWERS = ["Консультация бесплатная, длится около 30 минут.", "Есть окна в субботу с 10:00 до 14:00.",
                    "Да, рассрочка на 12 месяцев без переплаты.", "Хорошо, перезвоним после 18:00.",
                    "Пришлю ссылку для записи — выберите удобное время."]
NOTES = ["Просит перезвонить вечером", "Боится боли — рассказать про анестезию", "Нужен детский врач",
         "Сравнивает цены с клиникой на Тверской", "Пришёл по рекомендации знакомых"]
ESCALATIONS = ["клиент недоволен ожиданием", "просит скидку больше стандартной", "жалоба на прошлый приём"]
TOPICS = ["", "Консультация", "Имплантация", "Отбеливание", "Детский стоматолог"]
LOST_REASONS = {Lead.LostReason.NO_ANSWER: 35, Lead.LostReason.PRICE: 20, Lead.LostReason.COMPETITOR: 15,
                Lead.LostReason.CHANGED_MIND: 15, Lead.LostReason.NOT_OUR_SERVICE: 8, Lead.LostReason.SPAM: 5,
                Lead.LostReason.OTHER: 2}
USER_AGENTS = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
               "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
               "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 YaBrowser/24.6"]
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


# How busy each hour of the day is (Moscow time): a morning peak, a lunch dip, an evening peak after work.
HOUR_WEIGHTS = [0.08, 0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.45, 0.75, 0.95, 1.0, 0.9, 0.7, 0.8, 0.85, 0.85,
                0.8, 0.9, 1.0, 0.9, 0.6, 0.35, 0.15]
WEEKDAY_WEIGHTS = [1.0, 0.95, 0.9, 0.9, 0.8, 0.55, 0.45]  # Monday … Sunday


def _random_moment(rng: random.Random, now: datetime) -> datetime:
    """A moment in the last 90 days, as busy as real traffic at that hour and weekday (Moscow time)."""
    while True:
        day = now - timedelta(days=rng.random() * DEMO_DAYS)
        local = timezone.localtime(day)
        if rng.random() < HOUR_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()]:
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


@dataclass
class Timeline:
    """One demo lead's history: the lead services write the changes (each one event, dated afterwards: ``times``
    in the same order); the plain entries — messages, the queueing, the escalation, the booking — are collected
    in ``events`` with their moments and written together at the end."""

    lead: Lead
    times: list[datetime] = field(default_factory=list)
    events: list[LeadEvent] = field(default_factory=list)
    extra: dict[str, datetime] = field(default_factory=dict)  # the lead's own moments: first contact, escalation

    def event(self, kind: str, text: str, at: datetime, *, actor: User | None = None, channel: str = "") -> None:
        self.events.append(LeadEvent(lead=self.lead, kind=kind, text=text[:500], actor=actor, channel=channel,
                                     created_at=at))

    def step(self, at: datetime) -> None:
        """A lead service wrote its own event."""
        self.times.append(at)


def _minutes(rng: random.Random, created: datetime) -> int:
    """Minutes to the first answer: quick in working hours, until the morning at night (Moscow time)."""
    local = timezone.localtime(created)
    if 9 <= local.hour < 21:
        return rng.choice([1, 1, 2, 2, 3, 4, 5, 7, 10, 15, 25, 40])
    morning = (local + timedelta(days=1 if local.hour >= 21 else 0)).replace(hour=9, minute=0, second=0)
    return max(1, int((morning - local).total_seconds() // 60) + rng.randint(2, 45))


def _seed_lead(rng: random.Random, now: datetime, people: dict[str, list[User]], consent: dict) -> Timeline:
    name, phone, email = _random_person(rng)
    channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
    created = _random_moment(rng, now)
    status = _status_for(rng, now - created)
    source, medium, campaign = rng.choice(UTM)
    page_url = f"https://ulybka-dent.ru{rng.choice(PAGES)}"
    lead = lead_services.create_lead(
        name=name, phone=phone, email=email, channel=channel, page_url=page_url, time_zone="Europe/Moscow",
        preferred_channel=rng.choice(["", Channel.WHATSAPP, Channel.TELEGRAM]) if channel == Channel.WEB else "",
        utm={"source": source, "medium": medium, "campaign": campaign}, topic=rng.choice(TOPICS),
        consent={**consent, "page_url": page_url, "marketing": rng.random() < 0.3,
                 "ip": f"95.{rng.randint(24, 220)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                 "user_agent": rng.choice(USER_AGENTS)} if channel == Channel.WEB else None,
    )
    timeline = Timeline(lead, [created])
    timeline.event(LeadEvent.Kind.QUEUED, "Лид передан в обработку", min(created + timedelta(seconds=2), now))
    operator = rng.choice(people["operators"])
    admin = people["admins"][0]
    assigned_at = min(created + timedelta(minutes=rng.randint(1, 20)), now)
    if status != Lead.Status.NEW or rng.random() < 0.4:
        lead_services.assign(lead.pk, operator, admin if rng.random() < 0.5 else None)
        timeline.step(assigned_at)
    if status == Lead.Status.NEW:
        return timeline

    contacted = min(created + timedelta(minutes=_minutes(rng, created)), now)
    timeline.event(LeadEvent.Kind.MESSAGE_OUT, FIRST_MESSAGES[channel], contacted, channel=channel)
    with transaction.atomic():
        lead_services.record_first_contact(lead_services.locked(lead.pk), contacted)
    timeline.extra["first_contact_at"] = contacted
    moment = contacted
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):  # a conversation: the client answers, the operator too
        moment = min(moment + timedelta(minutes=rng.randint(2, 180)), now)
        timeline.event(LeadEvent.Kind.MESSAGE_IN, rng.choice(REPLIES), moment, channel=channel)
        moment = min(moment + timedelta(minutes=rng.randint(1, 30)), now)
        timeline.event(LeadEvent.Kind.MESSAGE_OUT, rng.choice(OPERATOR_ANSWERS), moment, actor=operator,
                       channel=channel)
    if rng.random() < 0.3:
        moment = min(moment + timedelta(minutes=rng.randint(1, 60)), now)
        lead_services.add_note(lead.pk, rng.choice(NOTES), operator)
        timeline.step(moment)
    if rng.random() < 0.08:
        # Marked by hand (dated with the rest), not through ``escalate``: history must not alert today's admins.
        moment = min(moment + timedelta(minutes=rng.randint(5, 120)), now)
        timeline.event(LeadEvent.Kind.ESCALATED, f"Эскалация: {rng.choice(ESCALATIONS)}", moment, actor=operator)
        timeline.extra["escalated_at"] = moment
    if status == Lead.Status.BOOKED:
        moment = min(moment + timedelta(hours=rng.randint(1, 30)), now)
        visit = timezone.localtime(moment + timedelta(days=rng.randint(1, 10))).replace(
            hour=rng.randint(9, 19), minute=rng.choice([0, 30]), second=0, microsecond=0)
        with transaction.atomic():
            lead_services.record_booking(lead_services.locked(lead.pk), visit)
        Booking.objects.create(uid=f"demo-{lead.pk}", lead=lead, starts_at=visit, event_created_at=moment)
        timeline.event(LeadEvent.Kind.BOOKED, f"Записан на консультацию {visit:%d.%m.%Y в %H:%M}", moment,
                       channel=channel)
    elif status == Lead.Status.LOST:
        moment = min(moment + timedelta(days=rng.randint(1, 5)), now)
        reason = rng.choices(list(LOST_REASONS), list(LOST_REASONS.values()))[0]
        comment = "Не дозвонились три раза" if reason == Lead.LostReason.NO_ANSWER and rng.random() < 0.5 else ""
        lead_services.change_status(lead.pk, Lead.Status.LOST, operator, lost_reason=reason, comment=comment)
        timeline.step(moment)
    return timeline


def _backdate(timelines: list[Timeline]) -> None:
    """Date every lead, its consent and the services' events as they happened (the services wrote «now»); one
    statement per table."""
    by_lead = {timeline.lead.pk: timeline for timeline in timelines}
    events: list[tuple[int, datetime]] = []
    written: dict[int, list[int]] = {}
    for event_id, lead_id in LeadEvent.objects.filter(lead_id__in=by_lead).order_by("pk").values_list("pk", "lead_id"):
        written.setdefault(lead_id, []).append(event_id)
    for lead_id, timeline in by_lead.items():
        ids = written.get(lead_id, [])
        if len(ids) != len(timeline.times):
            raise RuntimeError(f"demo lead {lead_id}: {len(ids)} events written, {len(timeline.times)} planned")
        events.extend(zip(ids, timeline.times, strict=True))
    leads = [(lead_id, timeline.times[0], max([*timeline.times, *(e.created_at for e in timeline.events)]),
              timeline.extra.get("first_contact_at"), timeline.extra.get("escalated_at"))
             for lead_id, timeline in by_lead.items()]
    _update_from_values(LeadEvent._meta.db_table, ["created_at"], events)
    _update_from_values(Lead._meta.db_table, ["created_at", "updated_at", "first_contact_at", "escalated_at"], leads)
    ConsentRecord.objects.filter(lead_id__in=by_lead).update(
        given_at=Subquery(Lead.objects.filter(pk=OuterRef("lead_id")).values("created_at")[:1]))
    LeadEvent.objects.bulk_create([event for timeline in timelines for event in timeline.events], batch_size=2000)


def _update_from_values(table: str, columns: list[str], rows: list[tuple]) -> None:
    """``UPDATE table SET columns FROM (VALUES …) WHERE id = …``: thousands of rows in one statement."""
    if not rows:
        return
    width = len(columns) + 1
    values = ", ".join(["(" + ", ".join(["%s::bigint"] + ["%s::timestamptz"] * (width - 1)) + ")"] * len(rows))
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            # The table and columns are the models' own names; every value is a parameter.
            f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v(id, {', '.join(columns)}) "  # noqa: S608
            "WHERE t.id = v.id",
            [value for row in rows for value in row],
        )


def _seed_leads(tenant: Tenant, now: datetime) -> int:
    """~300 leads of the last 90 days written through the lead services (so every timeline, counter and signal
    is what real traffic leaves), then dated back. The outbox messages they queued are history: dropped."""
    rng = random.Random(20261126)
    members = Membership.objects.filter(tenant=tenant).select_related("user").order_by("pk")
    people = {"admins": [m.user for m in members if m.role == Membership.Role.ADMIN],
              "operators": [m.user for m in members if m.role == Membership.Role.OPERATOR]}
    shown = tenant.widget_publication.versions.order_by("-version").first()
    consent = {"consent_version": shown.consent_version if shown else "demo",
               "consent_text": get_widget().consent_text, "privacy_policy_url": "https://ulybka-dent.ru/privacy",
               "personal_data": True}
    started = timezone.now()
    with transaction.atomic(), _analytics_rebuilt_after():
        timelines = [_seed_lead(rng, now, people, consent) for _ in range(DEMO_LEADS)]
        _backdate(timelines)
        OutboxMessage.objects.filter(schema_name=tenant.schema_name, created_at__gte=started).delete()
    return len(timelines)


@contextlib.contextmanager
def _analytics_rebuilt_after() -> Iterator[None]:
    """The per-day figures would follow every step at today's date only to be recounted from the dated-back
    leads at the end (``_rebuild_analytics``): analytics stops listening while the history is written."""
    lead_changed.disconnect(dispatch_uid=ANALYTICS_RECEIVER)
    try:
        yield
    finally:
        lead_changed.connect(lead_changed_received, dispatch_uid=ANALYTICS_RECEIVER)


def _rebuild_analytics(tenant: Tenant) -> None:
    """The per-day figures, counted from the dated-back leads."""
    call_command("rebuild_analytics", schema=tenant.schema_name, stdout=io.StringIO())


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


def _staff_totp(staff: User) -> None:
    """The demo staff member's authenticator, confirmed with the known secret (an enrolled one is kept)."""
    if not TOTPDevice.objects.filter(user=staff, confirmed=True).exists():
        TOTPDevice.objects.create(user=staff, name="Демо-ключ (только для разработки)", confirmed=True, tolerance=1,
                                  key=base64.b32decode(ADMIN_TOTP_SECRET).hex())


def _date_back_the_account(account: Account, tenant: Tenant, origin: datetime) -> None:
    """Made today, the account, its workspace, people and trial are dated before the first dated-back lead and
    payment, so the platform admin's business metrics (registrations, active workspaces, MRR) read a past that
    holds together."""
    User.objects.filter(memberships__tenant=tenant).update(date_joined=origin)
    Account.objects.filter(pk=account.pk).update(created_at=origin)
    Tenant.objects.filter(pk=tenant.pk).update(created_at=origin)
    Membership.objects.filter(tenant=tenant).update(created_at=origin)
    Subscription.objects.filter(account=account).update(created_at=origin)
    SubscriptionEvent.objects.filter(subscription__account=account, reason="subscription_created").update(
        created_at=origin)


def seed_demo(now: datetime | None = None) -> DemoResult:
    """Create (or find) the demo user, account and workspace, and fill it with leads once."""
    now = now or timezone.now()
    staff = User.objects.filter(email=ADMIN_EMAIL).first() or User.objects.create_superuser(
        ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Администратор платформы", email_confirmed_at=now)
    _staff_totp(staff)
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Анна Демова", email_confirmed_at=now)
    account, _ = Account.objects.get_or_create(owner=user, defaults={"name": "Стоматология «Улыбка»"})
    tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
    if tenant is None:
        tenant = provision_tenant(account=account, owner=user, name="Стоматология «Улыбка»", slug=DEMO_SLUG)
    _demo_billing(account, now)
    if not is_finished(tenant):  # the demo workspace is set up already: no wizard to go through
        for step in STEPS:
            complete_step(tenant, step.slug)
    for email, name, role in DEMO_COLLEAGUES:
        colleague = User.objects.filter(email=email).first() or User.objects.create_user(
            email, DEMO_PASSWORD, full_name=name, email_confirmed_at=now
        )
        Membership.objects.get_or_create(user=colleague, tenant=tenant, defaults={"role": role})

    with tenant_context(tenant):
        _configure_demo_widget(tenant, user)
        if Lead.objects.exists():
            return DemoResult(user=user, tenant=tenant, leads_created=0)
        created = _seed_leads(tenant, now)
        _rebuild_analytics(tenant)
    usage.reconcile_account(tenant.client_account.pk, now)  # written around the intake: count this month's leads now
    _date_back_the_account(account, tenant, now - timedelta(days=DEMO_HISTORY_DAYS))
    business_metrics.backfill(DEMO_HISTORY_DAYS + 1, now)  # the platform admin's charts, at once
    return DemoResult(user=user, tenant=tenant, leads_created=created)
