"""Fast Lead settings: one module, every value from the environment.

With no environment at all the project runs in development mode against
PostgreSQL and Redis on their default local ports. See ``.env.example``.
"""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from ..sentry import init_sentry
from .env import env_bool, env_int, env_list, env_missing, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

APP_ENV = env_str("APP_ENV", "development")
if APP_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("APP_ENV must be development, test or production")
IS_DEVELOPMENT = APP_ENV == "development"

# Off unless asked for, in development too: `make run` is what a newcomer sees, so it serves the
# product's Russian 404/500 pages (tracebacks go to the log). DEBUG=true brings Django's debug pages back.
DEBUG = env_bool("DEBUG", False)
if APP_ENV == "production":
    SECRET_KEY = env_str("SECRET_KEY")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-secret-key-change-me-0123456789abcdef")

PLATFORM_DOMAIN = env_str("PLATFORM_DOMAIN", "localhost").lower()
PLATFORM_SCHEME = env_str("PLATFORM_SCHEME", "http" if IS_DEVELOPMENT else "https")
# Port appended to generated links in development (acme.localhost:8000).
PLATFORM_PORT = env_str("PLATFORM_PORT", "8000" if IS_DEVELOPMENT else "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"])
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS",
    [
        f"{PLATFORM_SCHEME}://{PLATFORM_DOMAIN}" + (f":{PLATFORM_PORT}" if PLATFORM_PORT else ""),
        f"{PLATFORM_SCHEME}://*.{PLATFORM_DOMAIN}" + (f":{PLATFORM_PORT}" if PLATFORM_PORT else ""),
    ],
)

# --- applications -----------------------------------------------------------

SHARED_APPS = [
    "shared_apps.tenancy",  # first: its migrate/migrate_schemas commands wrap django-tenants'
    "django_tenants",
    "backoffice.apps.PlatformAdminConfig",  # django.contrib.admin with the platform's site (two-factor sign-in)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "social_django",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "shared_apps.audit",
    "shared_apps.accounts",
    "shared_apps.flags",
    "billing",
    "shared_apps.onboarding",
    "tenant_apps.team",
    "widget_cdn",
    "public_site",
    "dashboard",
    "backoffice",
]
# Development tooling (dev/): the sandboxes' commands, the dev mailbox (label "devmail") and the demo data
# (label "demo"). Never installed in production, and not in the production image (.dockerignore).
DEV_APPS = [] if APP_ENV == "production" else ["dev", "dev.mailbox", "dev.demo"]
SHARED_APPS += DEV_APPS
TENANT_APPS = [
    "tenant_apps.leads",
    "tenant_apps.analytics",
    "tenant_apps.widgets",
    "tenant_apps.channels",
    "tenant_apps.reports",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Tenant"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
# New tenants are cloned from this schema instead of replaying every migration.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Ready clones of the template kept for sign-ups (shared_apps.tenancy.pool); 0 turns the pool off.
TENANT_SCHEMA_POOL_SIZE = env_int("TENANT_SCHEMA_POOL_SIZE", 20 if APP_ENV == "production" else 3)
# Connections migrate_schemas applies a plan over, one schema per transaction (its --parallel overrides).
TENANT_MIGRATION_PARALLEL = env_int("TENANT_MIGRATION_PARALLEL", 4)
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# Reads go to the replica only inside core.db_router.reading_from_replica(); django-tenants decides migrations.
DATABASE_ROUTERS = ["core.db_router.ReadReplicaRouter", "django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    # Every request's route, status and time (not /metrics, not /healthz); then /metrics itself, answered on the
    # public host before sessions, tenancy and billing (core.metrics).
    "core.metrics.http.RequestMetricsMiddleware",
    "core.metrics.http.MetricsEndpointMiddleware",
    "shared_apps.flags.middleware.FlagStatesPerRequest",
    "core.middleware.HealthzMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # The public site's pages gzipped (public_site.compression); listed early, so it sees their final bytes.
    "public_site.compression.CompressPublicPages",
    "core.noindex.NoIndexWorkspaceHostsMiddleware",  # workspace hosts are never indexed (X-Robots-Tag)
    # Before any view reads it: NUL bytes, lone surrogates, deep JSON and oversized bodies (its limits below).
    "core.request_guard.RequestGuardMiddleware",
    "core.middleware.DomainErrorMiddleware",
    # The widget's config and loader from Redis, before host routing reads the database (widget_cdn.edge).
    "widget_cdn.middleware.WidgetEdgeMiddleware",
    # Static files first: pages of any host (an unknown workspace's 404 too) need their stylesheet.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shared_apps.tenancy.middleware.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the platform admin's second factor
    "shared_apps.accounts.middleware.LoginSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "billing.middleware.SubscriptionAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shared_apps.tenancy.context_processors.platform",
                "shared_apps.flags.context_processors.flags",
                "billing.context_processors.billing",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- database ---------------------------------------------------------------


# PostgreSQL's per-session limits in ms (statement, lock wait, idle transaction; 0 = none), so one locked table
# cannot hold every worker: a request gives up and answers 503. Celery processes (core.celery_signals) and
# migrations (migrate_schemas) switch to their own, longer ones.
DATABASE_TIMEOUTS = {
    "web": (env_int("DATABASE_STATEMENT_TIMEOUT_MS", 10_000), env_int("DATABASE_LOCK_TIMEOUT_MS", 3_000),
            env_int("DATABASE_IDLE_TRANSACTION_TIMEOUT_MS", 30_000)),
    "worker": (env_int("WORKER_STATEMENT_TIMEOUT_MS", 120_000), env_int("WORKER_LOCK_TIMEOUT_MS", 30_000),
               env_int("WORKER_IDLE_TRANSACTION_TIMEOUT_MS", 600_000)),
    "migration": (0, env_int("MIGRATION_LOCK_TIMEOUT_MS", 60_000), 0),
}
# The same as libpq's connection "options" (core.database.use_session_timeouts switches between them).
DATABASE_SESSION_OPTIONS = {
    kind: f"-c statement_timeout={statement} -c lock_timeout={lock} -c idle_in_transaction_session_timeout={idle}"
    for kind, (statement, lock, idle) in DATABASE_TIMEOUTS.items()
}
# Analytics' reads get their own, shorter limit: a slow report degrades to a notice, it does not hold a worker.
ANALYTICS_STATEMENT_TIMEOUT_MS = env_int("ANALYTICS_STATEMENT_TIMEOUT_MS", 5_000)
# PgBouncer refuses libpq's "options" above (or drops it, listed in ignore_startup_parameters): behind it the same
# limits are set by a query on each new connection instead (core.database.set_options_by_query, docs/DEPLOY.md).
DATABASE_BEHIND_PGBOUNCER = env_bool("DATABASE_BEHIND_PGBOUNCER", False)


def _database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL")
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or 5432),
        # runserver handles each request in a new thread, and a persistent connection outlives its thread:
        # in development every request would leave one open until PostgreSQL refuses new clients.
        # A persistent connection serves every workspace in turn: django-tenants sets the search_path on each
        # request's first cursor and again after a rollback (tenancy/tests/test_hot_paths.py). No psycopg pool: a
        # sync worker uses one connection at a time, and Django's pool rules out CONN_MAX_AGE.
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 0 if IS_DEVELOPMENT else 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5, "options": DATABASE_SESSION_OPTIONS["web"]},
        "TEST": {"NAME": env_str("DATABASE_TEST_NAME", "test_fastlead")},
    }


# How long a web process trusts what it read before a view (the host's workspace, a member's role, the account's
# subscription, the flags) when the change was made by another process (core.local_cache); its own changes at once.
HOT_CACHE_SECONDS = env_int("HOT_CACHE_SECONDS", 2)

DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/fastlead")
DATABASES = {"default": _database_from_url(DATABASE_URL)}
# A streaming standby of the primary (optional) for analytics and exports (core.db_router, docs/DEPLOY.md).
# In tests it is the default test database (TEST MIRROR), as the real replica is a copy of the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**_database_from_url(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, rate limits, Celery ----------------------------

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_URL = env_str("CACHE_URL", "redis://127.0.0.1:6379/1")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "fastlead")
CACHES = {
    # Tenant data: django-tenants prefixes every key with the current schema.
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    },
    # Platform-wide data (sessions, rate limits): no schema prefix.
    "platform": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:platform",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "platform"
SESSION_COOKIE_AGE = 14 * 24 * 3600
# Host-only cookies: a tenant subdomain must not plant cookies for the others.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not IS_DEVELOPMENT and APP_ENV != "test"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Moscow"
# A task is acknowledged when it has run, and put back in the queue when its worker process dies mid-task;
# the outbox's delivery marks each message done in the handler's own transaction, so a re-run repeats nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message taken by a worker that was killed outright goes back to the queue after this long (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The outbox relay republishes a message published this long ago and still not done (a queue lost with a
# broker restarted without persistence); the delivery is idempotent, so an early republish costs one no-op.
OUTBOX_REDELIVER_SECONDS = env_int("OUTBOX_REDELIVER_SECONDS", 600)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "fastlead")
CELERY_BEAT_SCHEDULE = {
    "ops-heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": 30.0,
    },
    "billing-cycle": {
        "task": "billing.tasks.run_billing_cycle",
        "schedule": env_int("BILLING_CYCLE_SECONDS", 300),
    },
    "billing-reconcile-lead-usage": {  # the monthly lead counters against a recount, at night (CELERY_TIMEZONE)
        "task": "billing.tasks.reconcile_lead_usage",
        "schedule": crontab(hour=3, minute=30),
    },
    "billing-issue-due-acts": {  # acts for the paid periods that ended, dated their end (CELERY_TIMEZONE)
        "task": "billing.tasks.issue_due_acts",
        "schedule": crontab(hour=0, minute=15),
    },
    "leads-purge-expired-exports": {  # the files of leads exports whose links expired
        "task": "tenant_apps.leads.tasks.purge_expired_exports",
        "schedule": crontab(minute=20),
    },
    "leads-erase-expired-personal-data": {  # 152-FZ: each workspace's retention period of leads' personal data
        "task": "tenant_apps.leads.tasks.erase_expired_personal_data",
        "schedule": crontab(hour=4, minute=10),
    },
    "reports-weekly": {  # each workspace's report once its Monday 09:00 (own time zone) has passed
        "task": "tenant_apps.reports.tasks.send_weekly_reports",
        "schedule": crontab(minute="*/15"),
    },
    "reports-alerts": {  # leads waiting for a first answer, the plan's lead limit
        "task": "tenant_apps.reports.tasks.run_alerts",
        "schedule": 60.0,
    },
    "tenancy-refill-schema-pool": {  # the safety net: a refill after a sign-up may have been lost
        "task": "shared_apps.tenancy.tasks.refill_schema_pool",
        "schedule": 60.0,
    },
    "backoffice-business-metrics": {  # today's and yesterday's rows of the platform's business metrics
        "task": "backoffice.tasks.record_business_metrics",
        "schedule": crontab(minute="*/15"),
    },
}

# --- auth -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# The platform admin's second factor (backoffice.two_factor): TOTP codes of a 30 s step, one step either way.
# Failed codes are limited by core.ratelimit (per staff user), not by django-otp's per-device back-off.
OTP_TOTP_ISSUER = "Fast Lead"
OTP_TOTP_THROTTLE_FACTOR = 0
PASSWORD_HASHERS = [
    "shared_apps.accounts.hashers.BCrypt12PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenancy:continue"
AUTHENTICATION_BACKENDS = [
    "shared_apps.accounts.oauth.GoogleOAuth2",
    "shared_apps.accounts.oauth.YandexOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]

# JWT for the API. Keys as "kid:secret,kid2:secret2"; tokens are signed with JWT_ACTIVE_KID and
# verified with any listed key, so a new key can be rolled in while old tokens run out (README).
JWT_KEYS = dict(
    item.split(":", 1)
    for item in env_list("JWT_KEYS", [] if APP_ENV == "production" else ["dev1:dev-jwt-secret-change-me-0123456789"])
)
JWT_ACTIVE_KID = env_str("JWT_ACTIVE_KID", next(iter(JWT_KEYS), ""))
if JWT_ACTIVE_KID not in JWT_KEYS:
    raise ImproperlyConfigured("JWT_ACTIVE_KID must name one of the keys in JWT_KEYS")
JWT_ACCESS_TTL_SECONDS = 15 * 60
JWT_REFRESH_TTL_SECONDS = 7 * 24 * 3600

EMAIL_CONFIRMATION_TTL_HOURS = 48
EMAIL_RESEND_COOLDOWN_SECONDS = env_int("EMAIL_RESEND_COOLDOWN_SECONDS", 60)
PASSWORD_RESET_TTL_MINUTES = 60
HANDOFF_TTL_SECONDS = 60
# Password guessing (OWASP ASVS V2.2): per account 5 attempts, then a doubling wait between attempts (30 s, 1 min,
# … 15 min at most) instead of a lock anyone could trigger; forgotten after 15 quiet minutes or a correct password.
# Per IP far more (one office behind a NAT shares an address): 100 failed attempts in 15 minutes.
LOGIN_FREE_ATTEMPTS = 5
LOGIN_DELAY_BASE_SECONDS = 30
LOGIN_DELAY_CAP_SECONDS = 15 * 60
LOGIN_ATTEMPTS_MEMORY_SECONDS = 15 * 60
LOGIN_IP_FAILURE_LIMIT = 100
LOGIN_IP_WINDOW_SECONDS = 15 * 60
# Sign-ups (each creates a workspace schema) and password-reset e-mails: per IP and per address, an hour.
SIGNUP_LIMIT_PER_IP = 5
SIGNUP_LIMIT_PER_EMAIL = 3
PASSWORD_RESET_LIMIT_PER_IP = 10
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 100)
# While Redis is unreachable rate limits count in each process's memory; Redis is tried again this often.
RATELIMIT_REDIS_RETRY_SECONDS = 5

# OAuth (social-auth-app-django). Endpoints are configurable so development and tests talk to the
# local sandbox (`manage.py run_oauth_sandbox`, port 8025) instead of Google and Yandex.
OAUTH_SANDBOX_URL = env_str("OAUTH_SANDBOX_URL", "http://127.0.0.1:8025" if APP_ENV != "production" else "")
GOOGLE_OAUTH_BASE_URL = env_str("GOOGLE_OAUTH_BASE_URL", f"{OAUTH_SANDBOX_URL}/google" if OAUTH_SANDBOX_URL else "")
YANDEX_OAUTH_BASE_URL = env_str("YANDEX_OAUTH_BASE_URL", f"{OAUTH_SANDBOX_URL}/yandex" if OAUTH_SANDBOX_URL else "")
SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = env_str("GOOGLE_OAUTH_CLIENT_ID", "sandbox-google-client")
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = env_str("GOOGLE_OAUTH_CLIENT_SECRET", "sandbox-google-secret")
SOCIAL_AUTH_YANDEX_OAUTH2_KEY = env_str("YANDEX_OAUTH_CLIENT_ID", "sandbox-yandex-client")
SOCIAL_AUTH_YANDEX_OAUTH2_SECRET = env_str("YANDEX_OAUTH_CLIENT_SECRET", "sandbox-yandex-secret")
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_REDIRECT_IS_HTTPS = PLATFORM_SCHEME == "https"
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/login/continue"
SOCIAL_AUTH_NEW_USER_REDIRECT_URL = "/signup/continue"  # a sign-up lands in the onboarding wizard
SOCIAL_AUTH_LOGIN_ERROR_URL = "/login"
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    "shared_apps.accounts.oauth.require_verified_email",
    "shared_apps.onboarding.oauth.link_or_register",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "shared_apps.accounts.oauth.log_sign_in",
)

# --- channels ----------------------------------------------------------------
# Outside production the providers talk to the local channel sandbox (`manage.py run_channel_sandbox`, port 8027),
# which emulates Twilio and the Telegram Bot API on loopback.
CHANNEL_SANDBOX_URL = env_str("CHANNEL_SANDBOX_URL", "http://127.0.0.1:8027" if APP_ENV != "production" else "")
if APP_ENV == "production" and CHANNEL_SANDBOX_URL:
    raise ImproperlyConfigured("CHANNEL_SANDBOX_URL must not be set in production")
TWILIO_API_URL = env_str("TWILIO_API_URL", f"{CHANNEL_SANDBOX_URL}/twilio" if CHANNEL_SANDBOX_URL
                         else "https://api.twilio.com")
TELEGRAM_API_URL = env_str("TELEGRAM_API_URL", f"{CHANNEL_SANDBOX_URL}/telegram" if CHANNEL_SANDBOX_URL
                           else "https://api.telegram.org")
SMSC_API_URL = env_str("SMSC_API_URL", f"{CHANNEL_SANDBOX_URL}/smsc" if CHANNEL_SANDBOX_URL else "https://smsc.ru")
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", f"{CHANNEL_SANDBOX_URL}/whatsapp" if CHANNEL_SANDBOX_URL
                           else "https://graph.facebook.com")
SENDGRID_API_URL = env_str("SENDGRID_API_URL", f"{CHANNEL_SANDBOX_URL}/sendgrid" if CHANNEL_SANDBOX_URL
                           else "https://api.sendgrid.com")
# Empty: https://email.{the channel's region}.amazonaws.com.
SES_API_URL = env_str("SES_API_URL", f"{CHANNEL_SANDBOX_URL}/ses" if CHANNEL_SANDBOX_URL else "")
MAX_API_URL = env_str("MAX_API_URL", f"{CHANNEL_SANDBOX_URL}/max" if CHANNEL_SANDBOX_URL
                      else "https://platform-api2.max.ru")
# MAX's certificate chains to the Russian Ministry of Digital Development's root CA, which certifi lacks: a PEM bundle
# with it (and the usual roots) for MAX's requests; empty = the default bundle.
MAX_CA_BUNDLE = env_str("MAX_CA_BUNDLE", "")
CALCOM_API_URL = env_str("CALCOM_API_URL", f"{CHANNEL_SANDBOX_URL}/calcom" if CHANNEL_SANDBOX_URL
                         else "https://api.cal.com")
CHANNEL_TIMEOUT_SECONDS = env_int("CHANNEL_TIMEOUT_SECONDS", 10)
# Who greets a new lead (tenant_apps.channels.first_contact.FirstContact); an external orchestrator may replace it.
FIRST_CONTACT_ORCHESTRATOR = env_str("FIRST_CONTACT_ORCHESTRATOR",
                                     "tenant_apps.channels.first_contact.DefaultFirstContact")
# SMS between 21:00 and 09:00 in the workspace's time zone wait for the morning unless this allows them.
SMS_AT_NIGHT = env_bool("SMS_AT_NIGHT", False)
# Fernet keys for the channels' credentials, comma-separated: the first encrypts, all decrypt (rotation:
# put a new key first, run `manage.py rotate_channel_keys`, then drop the old one). Outside production a fixed
# development key, so a local database stays readable across restarts.
CHANNEL_SECRET_KEYS = env_list(
    "CHANNEL_SECRET_KEYS", [] if APP_ENV == "production" else ["GuZxWaGYekhw72jIXb0O2kgjSmobe4cLE7ZigGGezM0="]
)
if APP_ENV == "production" and not CHANNEL_SECRET_KEYS:
    raise ImproperlyConfigured("CHANNEL_SECRET_KEYS is required in production")

# --- billing -----------------------------------------------------------------
# Outside production both providers talk to the local payment sandbox
# (`manage.py run_payment_sandbox`, port 8026), which emulates YooKassa v3 and T-Bank v2 on loopback.
PAYMENT_SANDBOX_URL = env_str("PAYMENT_SANDBOX_URL", "http://127.0.0.1:8026" if APP_ENV != "production" else "")
if APP_ENV == "production" and PAYMENT_SANDBOX_URL:
    raise ImproperlyConfigured("PAYMENT_SANDBOX_URL must not be set in production")
PAYMENT_PROVIDERS = env_list("PAYMENT_PROVIDERS", ["yookassa", "tinkoff"])
PAYMENT_TIMEOUT_SECONDS = env_int("PAYMENT_TIMEOUT_SECONDS", 10)
YOOKASSA_SHOP_ID = env_str("YOOKASSA_SHOP_ID", "100500" if PAYMENT_SANDBOX_URL else "")
YOOKASSA_SECRET_KEY = env_str("YOOKASSA_SECRET_KEY", "test_sandbox_secret" if PAYMENT_SANDBOX_URL else "")
YOOKASSA_API_URL = env_str(
    "YOOKASSA_API_URL", f"{PAYMENT_SANDBOX_URL}/yookassa/v3" if PAYMENT_SANDBOX_URL else "https://api.yookassa.ru/v3"
)
# Senders YooKassa notifications may come from (yookassa.ru/developers/using-api/webhooks#ip).
YOOKASSA_TRUSTED_NETWORKS = env_list("YOOKASSA_TRUSTED_NETWORKS", [
    "185.71.76.0/27", "185.71.77.0/27", "77.75.153.0/25", "77.75.156.11/32", "77.75.156.35/32",
    "77.75.154.128/25", "2a02:5180::/32",
    *(["127.0.0.0/8", "::1/128"] if PAYMENT_SANDBOX_URL else []),
])
TINKOFF_TERMINAL_KEY = env_str("TINKOFF_TERMINAL_KEY", "1234567890DEMO" if PAYMENT_SANDBOX_URL else "")
TINKOFF_PASSWORD = env_str("TINKOFF_PASSWORD", "SandboxPass123" if PAYMENT_SANDBOX_URL else "")
TINKOFF_API_URL = env_str(
    "TINKOFF_API_URL", f"{PAYMENT_SANDBOX_URL}/tinkoff/v2" if PAYMENT_SANDBOX_URL else "https://securepay.tinkoff.ru/v2"
)
# An enabled provider without its credentials would, for T-Bank, accept notifications signed with an empty password.
_PAYMENT_CREDENTIALS = {"yookassa": {"YOOKASSA_SHOP_ID": YOOKASSA_SHOP_ID, "YOOKASSA_SECRET_KEY": YOOKASSA_SECRET_KEY},
                        "tinkoff": {"TINKOFF_TERMINAL_KEY": TINKOFF_TERMINAL_KEY, "TINKOFF_PASSWORD": TINKOFF_PASSWORD}}
if APP_ENV == "production":
    for _provider in PAYMENT_PROVIDERS:
        if _missing := [name for name, value in _PAYMENT_CREDENTIALS.get(_provider, {}).items() if not value]:
            raise ImproperlyConfigured(f"PAYMENT_PROVIDERS enables {_provider}, but {', '.join(_missing)} is not set")
# 54-FZ receipt: YooKassa vat_code (1 без НДС, 4 НДС 20 %, 11 НДС 22 %, ...) and the tax system.
BILLING_VAT_CODE = env_int("BILLING_VAT_CODE", 1)
BILLING_TAX_SYSTEM = env_str("BILLING_TAX_SYSTEM", "usn_income")
BILLING_PAYMENT_SUBJECT = env_str("BILLING_PAYMENT_SUBJECT", "service")
BILLING_GRACE_DAYS = 7
BILLING_AUTOPAY_ATTEMPTS = 3
BILLING_AUTOPAY_INTERVAL_DAYS = 3
# Seller requisites printed on invoices and acts.
SELLER_NAME = env_str("SELLER_NAME", "ООО «Фаст Лид»")
SELLER_INN = env_str("SELLER_INN", "7701234567")
SELLER_KPP = env_str("SELLER_KPP", "" if APP_ENV == "production" else "770101001")  # none for a sole trader (ИП)
SELLER_OGRN = env_str("SELLER_OGRN", "1237700000001")
SELLER_ADDRESS = env_str("SELLER_ADDRESS", "123112, г. Москва, Пресненская наб., д. 12, офис 501")
SELLER_BANK = env_str("SELLER_BANK", "АО «ТБанк»")
SELLER_BIK = env_str("SELLER_BIK", "044525974")
SELLER_ACCOUNT = env_str("SELLER_ACCOUNT", "40702810910000000001")
SELLER_CORR_ACCOUNT = env_str("SELLER_CORR_ACCOUNT", "30101810145250000974")
SELLER_DIRECTOR = env_str("SELLER_DIRECTOR", "Иванов И. И.")

# --- legal entity (public site) ---------------------------------------------
# The operator on the legal pages (offer, privacy policy, requisites) is the seller above: the SELLER_* values
# plus the contacts below. The defaults are development placeholders (the pages say so, LEGAL_PLACEHOLDERS
# names them); production refuses to start until every one of these is set, so a payment provider never reads
# a made-up ИНН. SELLER_KPP stays optional: a sole trader (ИП) has none, and the pages then say ОГРНИП.
LEGAL_EMAIL = env_str("LEGAL_EMAIL", "support@fastlead.ru")
LEGAL_PHONE = env_str("LEGAL_PHONE", "+7 (495) 000-00-00")
LEGAL_HOURS = env_str("LEGAL_HOURS", "пн–пт, 10:00–19:00 по московскому времени")
LEGAL_PLACEHOLDERS = env_missing([
    "SELLER_NAME", "SELLER_INN", "SELLER_OGRN", "SELLER_ADDRESS", "SELLER_BANK", "SELLER_BIK", "SELLER_ACCOUNT",
    "SELLER_CORR_ACCOUNT", "SELLER_DIRECTOR", "LEGAL_EMAIL", "LEGAL_PHONE", "LEGAL_HOURS",
])
if APP_ENV == "production" and LEGAL_PLACEHOLDERS:
    raise ImproperlyConfigured(
        f"The legal entity's requisites are required in production: {', '.join(LEGAL_PLACEHOLDERS)}")

# --- public site ------------------------------------------------------------
# Markdown posts of the blog (public_site/blog), read from the repository.
BLOG_POSTS_DIR = BASE_DIR / "public_site" / "blog" / "posts"
# The «Демо» links of the landing, features and pricing pages open /w/<key>/demo of this published widget
# (its public key, any real workspace's). Empty: outside production the demo workspace that
# `manage.py seed_demo` creates; in production no demo links at all.
DEMO_WIDGET_KEY = env_str("DEMO_WIDGET_KEY", "")

# --- i18n -------------------------------------------------------------------

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------

STATIC_URL = "/static/"
# bench/lighthouse.py collects the production (hashed, compressed) files into a folder of its own.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
# dist/ is built by `npm run build` (not committed); public/ holds committed files such as the favicon.
STATICFILES_DIRS = [BASE_DIR / "static" / "dist", BASE_DIR / "static" / "public"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
AVATAR_MAX_BYTES = 2 * 1024 * 1024
# Request bodies (core.request_guard): forms and JSON up to 256 KB; multipart up to 8 MB, so that an upload
# over its own limit (2 MB for avatars and logos) still hears why from its form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
UPLOAD_REQUEST_MAX_BYTES = 8 * 1024 * 1024
TENANT_MEDIA_QUOTA_BYTES = env_int("TENANT_MEDIA_QUOTA_BYTES", 100 * 1024 * 1024)
# Leads exports: above this many rows a worker builds the file and e-mails a link that works this many hours.
# The files stay on the local disk outside MEDIA_ROOT (never served as media): only views.download hands them out.
LEAD_EXPORT_ROOT = Path(env_str("LEAD_EXPORT_ROOT", str(BASE_DIR / "var" / "exports")))
LEAD_EXPORT_ASYNC_ROWS = env_int("LEAD_EXPORT_ASYNC_ROWS", 20_000)
LEAD_EXPORT_LINK_HOURS = env_int("LEAD_EXPORT_LINK_HOURS", 24)
LEAD_EXPORT_STALE_MINUTES = env_int("LEAD_EXPORT_STALE_MINUTES", 120)  # a job still unfinished by then has failed
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production (the image runs collectstatic); elsewhere the files as built,
    # served from static/ by WhiteNoise (development) or the test server, fresh after every `npm run build`.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if APP_ENV == "production"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600
# A name with a content hash is cached forever: the manifest's names in production, and in every environment the
# widget that static/build.mjs names so (widget_cdn.script).
WHITENOISE_IMMUTABLE_FILE_TEST = r"\.[0-9a-f]{12}\.\w+$"
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = APP_ENV != "production"

# --- media storage: S3-compatible bucket when configured (widget logos and avatars) ---------
# Without S3_BUCKET uploads stay on the local disk (MEDIA_ROOT). With it, django-storages writes
# to the bucket: AWS S3, Yandex Object Storage, VK Cloud, MinIO... (S3_ENDPOINT_URL for non-AWS).
# The widget runs on clients' sites, so objects must be publicly readable at stable URLs: point
# S3_CUSTOM_DOMAIN at a CDN or give the bucket a public-read policy; no signed, expiring URLs.
S3_BUCKET = env_str("S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "custom_domain": env_str("S3_CUSTOM_DOMAIN", "") or None,
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "") or None,  # "path" for MinIO and the like
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    # Invoices and acts are private: a separate prefix, private ACL, read back only through the cabinet.
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**STORAGES["default"]["OPTIONS"], "location": "documents", "default_acl": "private",
                    "custom_domain": None, "object_parameters": {"CacheControl": "private, no-store"}},
    }
else:
    STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("DOCUMENTS_ROOT", str(BASE_DIR / "var" / "documents"))},
    }
# Origin the media URLs are served from when not this site (CDN/bucket): allowed as an image source in the CSP.
MEDIA_PUBLIC_ORIGIN = env_str("MEDIA_PUBLIC_ORIGIN", "")
# --- end of media storage ---------------------------------------------------------------------

# --- e-mail -----------------------------------------------------------------

# Development keeps a copy of every message in the dev mailbox (/dev/mailbox on the public host)
# and hands it on to EMAIL_DELIVERY_BACKEND; production sends through EMAIL_BACKEND directly.
DEV_MAILBOX_ENABLED = env_bool("DEV_MAILBOX_ENABLED", APP_ENV != "production")
if APP_ENV == "production" and DEV_MAILBOX_ENABLED:
    raise ImproperlyConfigured("DEV_MAILBOX_ENABLED must not be set in production: the dev mailbox is not installed")
# After the dev mailbox: one log line per message (dev/mailbox/backends.py), never the message with its links.
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_DELIVERY_BACKEND",
    "dev.mailbox.backends.LogLineBackend" if DEV_MAILBOX_ENABLED else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "dev.mailbox.backends.DevMailboxBackend"
    if DEV_MAILBOX_ENABLED
    else "django.core.mail.backends.smtp.EmailBackend",
)
if APP_ENV == "production" and (EMAIL_BACKEND.startswith("dev.") or EMAIL_DELIVERY_BACKEND.startswith("dev.")):
    raise ImproperlyConfigured("EMAIL_BACKEND must not name a development backend (dev.*) in production")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Fast Lead <noreply@fastlead.ru>")

# --- security headers -------------------------------------------------------

# Django's debug pages (DEBUG=true) and error reports list the settings: hide the URLs that carry passwords.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.logging.SecretSettingsFilter"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Our own reverse proxies (networks); behind them the client address comes from X-Forwarded-For
# (rate limits, login records, consent evidence, the YooKassa sender check). Empty: REMOTE_ADDR as is.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if IS_DEVELOPMENT else 31536000)
# Workspaces live on subdomains of the platform domain: HTTPS-only for them too (sent only while HSTS is on).
SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# --- logging ----------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logging.RequestIdFilter"},
        "redact_pii": {"()": "core.logging.RedactPiiFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(tenant)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "ts", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_pii"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults print these through handlers of their own, unredacted (runserver's access lines with
        # one-time links in them): through the root's console handler instead.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
        # The business events (core/events.py, docs/EVENTS.md) are written whatever LOG_LEVEL says.
        "fastlead.events": {"level": "INFO"},
        # httpx logs every request's full URL at INFO, and the Telegram Bot API carries the bot's token in it.
        "httpx": {"level": "WARNING"},
    },
}

HEALTHZ_TIMEOUT_SECONDS = 2

# --- observability ----------------------------------------------------------
# Prometheus scrapes /metrics on the public host with "Authorization: Bearer <METRICS_TOKEN>" (docs/OBSERVABILITY.md).
METRICS_TOKEN = env_str("METRICS_TOKEN", None if APP_ENV == "production" else "dev-metrics-token")
if APP_ENV == "production" and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters in production")
# Errors go to Sentry (or a compatible service, e.g. GlitchTip) when SENTRY_DSN is set, personal data scrubbed
# (config/sentry.py). SENTRY_TRACES_SAMPLE_RATE: the share of requests sent as performance traces, 0 to 1.
SENTRY_DSN = env_str("SENTRY_DSN", "")
init_sentry(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", APP_ENV), release=env_str("SENTRY_RELEASE", ""),
            traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0")))
