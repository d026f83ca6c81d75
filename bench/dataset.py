"""The benchmark's data set: client workspaces made by the real provisioning service, leads written in bulk.

Workspaces ``bench-0001`` … ``bench-NNNN`` each have an owner (admin) and one to four colleagues, their own
account with a subscription (trials and paid plans), a widget saved and published through the widget services
(its own site domain, so the intake accepts that Origin), and leads with everything a real lead leaves behind:
the consent record of web leads, the timeline (created, queued, assigned, first message, the conversation, notes,
escalations, bookings with their Cal.com row, losses with a reason), dated over the last 90 days the way the demo
data is (busy hours, weekdays); then the analytics' facts and sums rebuilt (``analytics.facts.rebuild``) and the
accounts' monthly lead counters reconciled (``billing.usage``). Leads go in with COPY, a workspace at a time.

Roles: the first ``big`` workspaces hold ``big_leads`` leads each (the leads list, card, analytics and cabinet
are measured on ``bench-0001``), the next one exactly ``export_leads`` (the export is of all of its leads), the
next one takes the intake's load, the next one is the floor endpoint's small workspace; the remaining leads are
spread over the rest with a long tail.

A finished build is recorded in ``public.bench_dataset`` with its spec; a later run with the same spec reuses it
(``missing_parts`` says what an existing database lacks). An interrupted build resumes: workspaces already made are
kept, a workspace's leads are written in one transaction.
"""

import json
import random
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # Django is set up by the caller: this module's models are imported where they are used
    import psycopg
    from django.db.models import Model

    from shared_apps.tenancy.models import Tenant

SLUG_PREFIX = "bench-"
PASSWORD = "bench-password-2026"  # noqa: S105 (a throwaway bench database) — every bench user's; bcrypt is run once and the hash shared
GENERATOR_VERSION = 1  # bump when the generator writes different rows: a stored data set is then rebuilt


@dataclass(frozen=True)
class Spec:
    workspaces: int = 1000
    leads: int = 100_000
    big: int = 3
    big_leads: int = 20_000
    export_leads: int = 10_000
    version: int = GENERATOR_VERSION

    def check(self) -> None:
        fixed = self.big * self.big_leads + self.export_leads
        if self.workspaces < self.big + 3:
            raise ValueError(f"--workspaces must be at least {self.big + 3} (big ones, export, intake, floor)")
        if self.leads < fixed:
            raise ValueError(f"--leads ({self.leads}) must cover the big workspaces and the export ({fixed})")

    def slug(self, index: int) -> str:
        return f"{SLUG_PREFIX}{index + 1:04d}"

    @property
    def big_slug(self) -> str:
        return self.slug(0)

    @property
    def export_slug(self) -> str:
        return self.slug(self.big)

    @property
    def intake_slug(self) -> str:
        return self.slug(self.big + 1)

    @property
    def floor_slug(self) -> str:
        return self.slug(self.big + 2)

    def lead_counts(self) -> list[int]:
        """Leads per workspace, in slug order; they add up to ``leads``."""
        fixed = [self.big_leads] * self.big + [self.export_leads, 0]
        rest = self.workspaces - len(fixed)
        remaining = self.leads - sum(fixed)
        rng = random.Random(20261127)
        weights = [rng.paretovariate(1.6) for _ in range(rest)]
        total = sum(weights)
        counts = [int(remaining * w / total) for w in weights]
        for i in range(remaining - sum(counts)):  # what rounding down left over
            counts[i % rest] += 1
        return fixed + counts


def missing_parts(spec: dict, marker: dict | None, workspaces_found: int) -> list[str]:
    """Why a stored data set cannot be reused for ``spec`` (empty: it can)."""
    if marker is None:
        return ["no finished build recorded"]
    problems = []
    if marker.get("spec") != spec:
        problems.append(f"built for {marker.get('spec')}, asked for {spec}")
    if workspaces_found != spec["workspaces"]:
        problems.append(f"{workspaces_found} bench workspaces present, {spec['workspaces']} expected")
    return problems


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered), round(share * len(ordered))) - 1)]


# --- everything below needs Django set up ---------------------------------------------------------------------

FIRST_NAMES = ["Александр", "Мария", "Дмитрий", "Анна", "Сергей", "Елена", "Андрей", "Ольга", "Алексей", "Наталья",
               "Максим", "Татьяна", "Иван", "Ирина", "Михаил", "Екатерина", "Артём", "Светлана", "Никита", "Юлия"]
LAST_NAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
              "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров"]
FEMALE = {"Мария", "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана", "Юлия"}
LATIN = str.maketrans({"А": "a", "Б": "b", "В": "v", "Г": "g", "Д": "d", "Е": "e", "Ж": "zh", "З": "z", "И": "i",
                       "К": "k", "Л": "l", "М": "m", "Н": "n", "О": "o", "П": "p", "Р": "r", "С": "s", "Т": "t",
                       "Ф": "f", "Ю": "yu", "Я": "ya", "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e",
                       "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n",
                       "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
                       "ч": "ch", "ш": "sh", "щ": "sch", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ъ": ""})
MAIL_DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru"]
CHANNEL_WEIGHTS = {"web": 45, "telegram": 20, "whatsapp": 15, "sms": 8, "email": 7, "max": 5}
PAGES = ["/", "/uslugi/implantatsiya", "/uslugi/otbelivanie", "/uslugi/detskaya-stomatologiya", "/tseny",
         "/akcii/chistka-za-2990", "/kontakty"]
UTM = [("", "", ""), ("yandex", "cpc", "implant_msk"), ("yandex", "cpc", "brand"), ("vk", "social", "autumn_promo"),
       ("google", "organic", ""), ("telegram", "post", "channel_ulybka"), ("2gis", "referral", "")]
TOPICS = ["", "Консультация", "Имплантация", "Отбеливание", "Детский стоматолог"]
FIRST_MESSAGE = "Здравствуйте! Вы оставили заявку, удобно ли сейчас поговорить?"
REPLIES = ["Да, удобно", "Сколько стоит консультация?", "Можно в субботу утром?", "Перезвоните после 18:00"]
ANSWERS = ["Консультация бесплатная, длится около 30 минут.", "Есть окна в субботу с 10:00 до 14:00.",
           "Хорошо, перезвоним после 18:00."]
NOTES = ["Просит перезвонить вечером", "Нужен детский врач", "Сравнивает цены", "Пришёл по рекомендации"]
LOST_REASONS = {"no_answer": 35, "price": 20, "competitor": 15, "changed_mind": 15, "not_our_service": 8, "spam": 5,
                "other": 2}
LOST_LABELS = {"no_answer": "Не отвечает", "price": "Не устроила цена", "competitor": "Выбрал другую компанию",
               "changed_mind": "Передумал", "not_our_service": "Нужна услуга, которой нет",
               "spam": "Спам или ошибочная заявка", "other": "Другое"}
USER_AGENTS = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
               "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
               "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"]
HOUR_WEIGHTS = [0.08, 0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.45, 0.75, 0.95, 1.0, 0.9, 0.7, 0.8, 0.85, 0.85,
                0.8, 0.9, 1.0, 0.9, 0.6, 0.35, 0.15]
MOSCOW = ZoneInfo("Europe/Moscow")
DAYS = 90
PLAN_MIX = [("trial", 15), ("start", 30), ("pro", 35), ("business", 20)]


class Leads:
    """One workspace's leads as rows of their tables, ids given here (the tables are COPYed, sequences moved)."""

    def __init__(self, rng: random.Random, now: datetime, admin_id: int, operator_ids: list[int], site: str,
                 consent: dict, first_ids: dict[str, int]):
        self.rng, self.now, self.admin, self.operators, self.site, self.consent = (
            rng, now, admin_id, operator_ids, site, consent)
        self.ids = dict(first_ids)
        self.rows: dict[str, list[dict]] = {"lead": [], "consent": [], "event": [], "booking": []}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def _moment(self) -> datetime:
        while True:
            moment = self.now - timedelta(days=self.rng.random() * DAYS)
            if self.rng.random() < HOUR_WEIGHTS[moment.astimezone(MOSCOW).hour]:
                return moment

    def _event(self, lead_id: int, kind: str, text: str, at: datetime, actor: int | None = None,
               channel: str = "") -> datetime:
        self.rows["event"].append({"id": self._next("event"), "lead_id": lead_id, "kind": kind, "text": text[:500],
                                   "channel": channel, "request_id": "", "actor_id": actor, "created_at": at})
        return at

    def add(self) -> None:
        rng = self.rng
        lead_id = self._next("lead")
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES) + ("а" if first in FEMALE else "")
        email = (f"{first.translate(LATIN).lower()}.{last.translate(LATIN).lower()}{rng.randint(1, 99)}"
                 f"@{rng.choice(MAIL_DOMAINS)}") if rng.random() < 0.6 else ""
        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        created = self._moment()
        age = self.now - created
        roll = rng.random()
        if age < timedelta(hours=2):
            status = rng.choice(["new", "new", "contacted"])
        else:
            status = "new" if roll < 0.06 else "contacted" if roll < 0.36 else "booked" if roll < 0.68 else "lost"
        source, medium, campaign = rng.choice(UTM)
        page_url = f"https://{self.site}{rng.choice(PAGES)}" + (f"?utm_source={source}" if source else "")
        lead = {"id": lead_id, "name": f"{first} {last}", "phone": "+79" + str(rng.randrange(10**8, 10**9)),
                "email": email, "channel": channel, "status": status, "page_url": page_url,
                "utm_source": source, "utm_medium": medium, "utm_campaign": campaign, "utm_term": "",
                "utm_content": "", "timezone": "Europe/Moscow", "created_at": created, "lost_reason": "",
                "preferred_channel": rng.choice(["", "whatsapp", "telegram"]) if channel == "web" else ""}
        self.rows["lead"].append(lead)
        if channel == "web":
            self.rows["consent"].append({
                "id": self._next("consent"), "lead_id": lead_id, **self.consent, "page_url": page_url,
                "personal_data": True, "marketing": rng.random() < 0.3, "given_at": created,
                "ip": f"95.{rng.randint(24, 220)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                "user_agent": rng.choice(USER_AGENTS)})
        topic = rng.choice(TOPICS)
        moment = self._event(lead_id, "created", f"Заявка получена · тема: {topic}" if topic else "Заявка получена",
                             created, channel=channel)
        moment = self._event(lead_id, "queued", "Лид передан в обработку", min(created + timedelta(seconds=2),
                                                                                  self.now))
        operator = rng.choice(self.operators)
        if status != "new" or rng.random() < 0.4:
            lead["assigned_to_id"] = operator
            moment = self._event(lead_id, "assigned", "Ответственный назначен",
                                 min(created + timedelta(minutes=rng.randint(1, 20)), self.now),
                                 actor=self.admin if rng.random() < 0.5 else None)
        if status != "new":
            contacted = min(created + timedelta(minutes=rng.choice([1, 2, 3, 5, 10, 25, 90, 600])), self.now)
            lead["first_contact_at"] = moment = self._event(lead_id, "message_out", FIRST_MESSAGE, contacted,
                                                            channel=channel)
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                moment = self._event(lead_id, "message_in", rng.choice(REPLIES),
                                     min(moment + timedelta(minutes=rng.randint(2, 180)), self.now), channel=channel)
                moment = self._event(lead_id, "message_out", rng.choice(ANSWERS),
                                     min(moment + timedelta(minutes=rng.randint(1, 30)), self.now), actor=operator,
                                     channel=channel)
            if rng.random() < 0.3:
                moment = self._event(lead_id, "note", rng.choice(NOTES),
                                     min(moment + timedelta(minutes=rng.randint(1, 60)), self.now), actor=operator)
            if rng.random() < 0.08:
                lead["escalated_at"] = moment = self._event(
                    lead_id, "escalated", "Эскалация: клиент недоволен ожиданием",
                    min(moment + timedelta(minutes=rng.randint(5, 120)), self.now), actor=operator)
        if status == "booked":
            moment = min(moment + timedelta(hours=rng.randint(1, 30)), self.now)
            visit = (moment + timedelta(days=rng.randint(1, 10))).replace(minute=0, second=0, microsecond=0)
            lead["booked_at"] = visit
            self.rows["booking"].append({"id": self._next("booking"), "uid": f"bench-{lead_id}-{rng.random():.12f}",
                                         "lead_id": lead_id, "starts_at": visit, "status": "booked",
                                         "event_created_at": moment, "created_at": moment})
            self._event(lead_id, "booked", f"Записан на консультацию {visit.astimezone(MOSCOW):%d.%m.%Y в %H:%M}",
                        moment, channel=channel)
        elif status == "lost":
            reason = rng.choices(list(LOST_REASONS), list(LOST_REASONS.values()))[0]
            lead["lost_reason"] = reason
            moment = self._event(lead_id, "status_changed",
                                 f"Статус «Связались» → «Потерян» · причина: {LOST_LABELS[reason]}",
                                 min(moment + timedelta(days=rng.randint(1, 5)), self.now), actor=operator)
        lead["updated_at"] = moment


def _copy(cursor: "psycopg.Cursor", schema: str, model: "type[Model]", rows: Iterable[dict]) -> None:
    """COPY the rows into the model's table in ``schema``; a column a row lacks takes the field's default."""
    fields = model._meta.concrete_fields
    columns = ", ".join(f'"{field.column}"' for field in fields)
    table = f'"{schema}"."{model._meta.db_table}"'
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[f.attname] if f.attname in row else f.get_default() for f in fields])


def _log(message: str) -> None:
    print(f"  [data] {message}", flush=True)


def build(spec: Spec, *, progress: Callable[[str], None] = _log) -> dict:
    """Make (or finish) the data set; returns its record (``public.bench_dataset``). Reused as is when complete."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from billing.services import sync_plans
    from core.database import ensure_database
    from shared_apps.tenancy.models import Tenant
    from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME, ensure_platform_tenants

    spec.check()
    created = ensure_database(settings.DATABASES["default"])
    marker = _marker() if not created else None
    found = Tenant.objects.filter(slug__startswith=SLUG_PREFIX).count() if marker is not None else 0
    problems = missing_parts(asdict(spec), marker, found)
    if not problems:
        progress(f"reusing the data set built {marker['built_at']} in {marker['build_seconds']:.0f} s")
        return marker
    progress("building: " + "; ".join(problems))
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, verbosity=0)
    ensure_platform_tenants()
    call_command("migrate_schemas", tenant=True, schema_name=TEMPLATE_SCHEMA_NAME, verbosity=0)
    sync_plans()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS public.bench_dataset (id int PRIMARY KEY, record jsonb NOT NULL)")
    provisioning = _workspaces(spec, progress)
    _members(spec)
    _subscriptions(spec)
    _widgets(spec, progress)
    _all_leads(spec, progress)
    record = {"spec": asdict(spec), "built_at": datetime.now(MOSCOW).isoformat(timespec="seconds"),
              "build_seconds": time.perf_counter() - started, "provisioning": provisioning or
              (marker or {}).get("provisioning", {})}
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO public.bench_dataset (id, record) VALUES (1, %s) "
                       "ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record", [json.dumps(record)])
    progress(f"data set built in {record['build_seconds']:.0f} s")
    return record


def _marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.bench_dataset') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT record FROM public.bench_dataset WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def owner_email(slug: str) -> str:
    return f"owner@{slug}.bench.test"


def _workspaces(spec: Spec, progress: Callable[[str], None]) -> dict:
    """Owners, accounts and the workspaces still missing, each through ``provision_tenant`` (timed)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from shared_apps.accounts.models import Account, User
    from shared_apps.tenancy.models import Tenant
    from shared_apps.tenancy.services import provision_tenant

    slugs = [spec.slug(i) for i in range(spec.workspaces)]
    have = set(Tenant.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    todo = [slug for slug in slugs if slug not in have]
    if not todo:
        return {}
    password = make_password(PASSWORD)
    now = timezone.now()
    known = set(User.objects.filter(email__in=[owner_email(s) for s in todo]).values_list("email", flat=True))
    User.objects.bulk_create([User(email=owner_email(s), full_name=f"Владелец {s}", password=password,
                                   email_confirmed_at=now) for s in todo if owner_email(s) not in known])
    owners = {u.email: u for u in User.objects.filter(email__in=[owner_email(s) for s in todo])}
    accounts = {a.owner_id: a for a in Account.objects.filter(owner__in=owners.values())}
    Account.objects.bulk_create([Account(owner=u, name=f"ООО «Клиника {u.email.split('@')[1].split('.')[0]}»")
                                 for u in owners.values() if u.pk not in accounts])
    accounts = {a.owner_id: a for a in Account.objects.filter(owner__in=owners.values())}
    progress(f"provisioning {len(todo)} workspaces through provision_tenant ({len(have)} present)")
    samples: list[float] = []
    for n, slug in enumerate(todo, 1):
        owner = owners[owner_email(slug)]
        begun = time.perf_counter()
        provision_tenant(account=accounts[owner.pk], owner=owner, name=f"Клиника {slug}", slug=slug)
        samples.append(time.perf_counter() - begun)
        if n % 100 == 0 or n == len(todo):
            progress(f"  {len(have) + n} workspaces; last 100: p50 {statistics.median(samples[-100:]) * 1000:.0f} ms")
    return {"count": len(samples), "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": percentile(samples, 0.95) * 1000, "total_s": sum(samples)}


def _members(spec: Spec) -> None:
    """One to four colleagues per workspace (operators, an analyst in the big ones), sharing the password hash."""
    from shared_apps.accounts.models import User
    from shared_apps.tenancy.models import Membership, Tenant

    hashed = User.objects.get(email=owner_email(spec.slug(0))).password
    wanted: list[tuple[str, str, str]] = []  # (slug, email, role)
    for i in range(spec.workspaces):
        slug = spec.slug(i)
        count = 4 if i < spec.big else 1 + i % 3
        for k in range(count):
            role = Membership.Role.ANALYST if i < spec.big and k == count - 1 else Membership.Role.OPERATOR
            wanted.append((slug, f"op{k + 1}@{slug}.bench.test", role))
    confirmed = User.objects.get(email=owner_email(spec.slug(0))).email_confirmed_at
    known = set(User.objects.filter(email__in=[w[1] for w in wanted]).values_list("email", flat=True))
    User.objects.bulk_create([User(email=email, full_name=f"Оператор {email.split('@')[0][2:]}", password=hashed,
                                   email_confirmed_at=confirmed) for _, email, _ in wanted if email not in known],
                             batch_size=2000)
    users = dict(User.objects.filter(email__in=[w[1] for w in wanted]).values_list("email", "pk"))
    tenants = dict(Tenant.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", "pk"))
    Membership.objects.bulk_create([Membership(user_id=users[email], tenant_id=tenants[slug], role=role)
                                    for slug, email, role in wanted], ignore_conflicts=True, batch_size=2000)


def _subscriptions(spec: Spec) -> None:
    """A trial for every account (``start_trial``), then most of them paid: an active period on a plan. The
    workspaces the routes use are on «Бизнес» (API access, exports, no monthly lead cap)."""
    from django.utils import timezone

    from billing.models import Plan, Subscription, SubscriptionEvent
    from billing.services import start_trial
    from shared_apps.tenancy.models import Tenant

    tenants = list(Tenant.objects.filter(slug__startswith=SLUG_PREFIX).select_related("account").order_by("slug"))
    with_subscription = set(Subscription.objects.filter(account__in=[t.account for t in tenants])
                            .values_list("account_id", flat=True))
    fresh = {t.pk for t in tenants if t.account_id not in with_subscription}
    for tenant in tenants:
        if tenant.pk in fresh:
            start_trial(tenant.account)
    rng = random.Random(5)
    plans = {plan.code: plan for plan in Plan.objects.all()}
    now = timezone.now()
    for index, tenant in enumerate(tenants):
        drawn = rng.choices(*zip(*PLAN_MIX, strict=True))[0]
        code = "business" if index < spec.big + 3 else drawn
        subscription = Subscription.objects.get(account=tenant.account)
        if code == "trial" or (tenant.pk not in fresh and subscription.plan.code == code):
            continue
        start = now - timedelta(days=rng.randint(1, 29))
        Subscription.objects.filter(pk=subscription.pk).update(
            plan=plans[code], status=Subscription.Status.ACTIVE, current_period_start=start,
            current_period_end=start + timedelta(days=30), provider="yookassa", status_changed_at=start,
            trial_ends_at=None)
        SubscriptionEvent.objects.create(subscription=subscription, from_status=subscription.status,
                                         to_status=Subscription.Status.ACTIVE, reason="payment_succeeded",
                                         plan=plans[code], created_at=start)


def site_of(slug: str) -> str:
    return f"{slug}.example.ru"


def _widgets(spec: Spec, progress: Callable[[str], None]) -> None:
    """Each workspace's widget saved through the editor's service (published at once), with its own site."""
    from django_tenants.utils import tenant_context

    from shared_apps.accounts.models import User
    from shared_apps.tenancy.models import Tenant
    from tenant_apps.widgets.services import draft_of, get_widget, update_widget

    tenants = Tenant.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug")
    todo = [t for t in tenants if t.site_domains != [site_of(t.slug)]]
    if todo:
        progress(f"saving and publishing {len(todo)} widgets")
    for tenant in todo:
        owner = User.objects.get(email=owner_email(tenant.slug))
        with tenant_context(tenant):
            widget = get_widget()
            draft = replace(
                draft_of(widget, [site_of(tenant.slug)]), title=f"Клиника {tenant.slug}",
                greeting="Здравствуйте! Оставьте телефон — администратор перезвонит в течение 5 минут.",
                quick_replies=["Консультация", "Имплантация", "Отбеливание"],
                privacy_policy_url=f"https://{site_of(tenant.slug)}/privacy")
            update_widget(tenant, owner, draft, expected_version=widget.version)


def _all_leads(spec: Spec, progress: Callable[[str], None]) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from billing import usage
    from shared_apps.tenancy.models import Tenant
    from tenant_apps.analytics import facts
    from tenant_apps.leads.models import Lead

    counts = spec.lead_counts()
    tenants = {t.slug: t for t in Tenant.objects.filter(slug__startswith=SLUG_PREFIX)}
    begun, written = time.perf_counter(), 0
    for i, want in enumerate(counts):
        tenant = tenants[spec.slug(i)]
        if tenant.slug == spec.intake_slug:  # holds what the intake stored, nothing else
            continue
        with tenant_context(tenant):
            have = Lead.objects.count()
            if have == want:
                continue
            if have:
                _clear_leads(tenant)
            _write_leads(tenant, want, random.Random(i))
            facts.rebuild(ZoneInfo(tenant.timezone))
        connection.set_schema_to_public()
        usage.reconcile_account(tenant.account_id)
        written += want
        if i < spec.big + 1 or i % 100 == 0:
            rate = written / max(time.perf_counter() - begun, 1e-6)
            progress(f"  {tenant.slug}: {want} leads ({written} so far, {rate:.0f} leads/s with timelines)")


def _clear_leads(tenant: "Tenant") -> None:
    """A workspace written for another spec: its leads go, with every row that hangs on them."""
    from django.db import connection

    from tenant_apps.leads.models import Lead

    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{tenant.schema_name}"."{Lead._meta.db_table}" CASCADE')


def _write_leads(tenant: "Tenant", count: int, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from shared_apps.tenancy.models import Membership
    from tenant_apps.channels.models import Booking
    from tenant_apps.leads.models import ConsentRecord, Lead, LeadEvent
    from tenant_apps.widgets.services import get_widget

    members = list(Membership.objects.filter(tenant=tenant).order_by("pk").values_list("user_id", "role"))
    admin = next(user for user, role in members if role == Membership.Role.ADMIN)
    operators = [user for user, role in members if role == Membership.Role.OPERATOR] or [admin]
    widget = get_widget()
    consent = {"consent_version": tenant.widget_publication.config["consent"]["version"],
               "consent_text": widget.consent_text, "privacy_policy_url": widget.privacy_policy_url}
    tables = {"lead": Lead, "consent": ConsentRecord, "event": LeadEvent, "booking": Booking}
    with transaction.atomic(), connection.cursor() as cursor:
        first_ids = {}
        for name, model in tables.items():
            cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{tenant.schema_name}"."{model._meta.db_table}"')  # noqa: S608
            first_ids[name] = cursor.fetchone()[0]
        leads = Leads(rng, timezone.now(), admin, operators, site_of(tenant.slug), consent, first_ids)
        for _ in range(count):
            leads.add()
        raw = cursor.cursor
        for name, model in tables.items():
            _copy(raw, tenant.schema_name, model, leads.rows[name])
            table = f'"{tenant.schema_name}"."{model._meta.db_table}"'
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                           [table, max(leads.ids[name], 1), leads.ids[name] > 0])
        for model in tables.values():
            cursor.execute(f'ANALYZE "{tenant.schema_name}"."{model._meta.db_table}"')
