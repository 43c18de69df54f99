"""Settings shared by every environment.

With no environment variables the portal runs on the embedded default:
SQLite in the project folder and Celery tasks run in-process. ``DATABASE_URL``
(PostgreSQL) and ``REDIS_URL`` (Celery broker, results and cache) switch to
the production shape.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# A checkout keeps templates/, static/ and locale/ beside manage.py and its
# data (db.sqlite3, var/) there too. An installed copy (``pip install .``)
# carries the three folders inside the package (setup.py copies them to
# refundportal/project/) and keeps its data in the folder it is run from.
if (PACKAGE_DIR.parent / "manage.py").is_file():
    BASE_DIR = PACKAGE_DIR.parent
    PROJECT_FILES_DIR = BASE_DIR
else:
    BASE_DIR = Path.cwd()
    PROJECT_FILES_DIR = PACKAGE_DIR / "project"
VAR_DIR = Path(os.environ.get("REFUNDPORTAL_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    # Django's admin, on a site whose log-in has the failed log-in limit.
    "accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "refundportal",
    "accounts",
    "audit",
    "orders",
    "refunds",
    "payouts",
    "analytics",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    # First, so that every response carries the request id and is counted.
    "refundportal.logs.RequestIdMiddleware",
    "refundportal.metrics.MetricsMiddleware",
    # The request's address, for the audit's records made below the views.
    "audit.middleware.RemoteAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "refundportal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "refundportal.middleware.RejectUnreadableRequestsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "refundportal.urls"
WSGI_APPLICATION = "refundportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_FILES_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles_context",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Row locks are table locks on SQLite: wait for them instead of
            # failing at once when the tick loop and a request overlap.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_RESULT_BACKEND: str | None
if REDIS_URL:
    CACHES = {
        "default": {
            # Falls back to this process's memory while Redis is down.
            "BACKEND": "refundportal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "refundportal",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("payouts", Exchange("payouts"), routing_key="payouts"),
)
CELERY_TASK_ROUTES = {"payouts.tasks.*": {"queue": "payouts", "routing_key": "payouts"}}
# A task is acknowledged only once it has run, and handed back to the broker
# when its worker dies, so that a crash mid-payout loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": 0.4,
    "socket_timeout": 5,
}
# Nothing in the portal reads a task's result: the web never waits on the
# result store (a dead Redis held each publish 19 s reconnecting to it). A
# caller that wants a result asks for it with ``ignore_result=False``.
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.4
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# The settings seed missing jobs; the admin owns them after that (refundportal.beat).
CELERY_BEAT_SCHEDULER = "refundportal.beat:Scheduler"
# The same jobs ``manage.py tick`` runs, each on its own queue: the payout
# sweep on ``payouts`` so that it never waits behind e-mail.
CELERY_BEAT_SCHEDULE = {
    "payout-sweep": {"task": "payouts.tasks.payout_sweep_task", "schedule": timedelta(minutes=1)},
    "sla-sweep": {"task": "refunds.tasks.sla_sweep_task", "schedule": timedelta(minutes=1)},
    "merchant-answer-timeout": {
        "task": "refunds.tasks.merchant_answer_timeout_task",
        "schedule": timedelta(minutes=1),
    },
    "customer-reply-timeout": {
        "task": "refunds.tasks.customer_reply_timeout_task",
        "schedule": timedelta(minutes=1),
    },
    "kpi-rollup": {"task": "analytics.tasks.kpi_rollup_task", "schedule": timedelta(hours=1)},
    "anomaly-check": {
        "task": "analytics.tasks.anomaly_check_task",
        "schedule": timedelta(hours=1),
    },
    "evidence-purge": {"task": "refunds.tasks.evidence_purge_task", "schedule": timedelta(hours=1)},
    "token-purge": {"task": "accounts.tasks.token_purge_task", "schedule": timedelta(hours=1)},
}

# --- Auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
CSRF_FAILURE_VIEW = "refundportal.views.csrf_failure"
# Log-in compares user names normalized (full width, case): accounts.users.
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18n, time -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PROJECT_FILES_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------
# The dashboard ranks a merchant's refund rate only from this many orders in
# the month: three orders and one refund is no 33 % merchant.
KPI_LEAGUE_MIN_ORDERS = int(os.environ.get("KPI_LEAGUE_MIN_ORDERS", "20"))
# Photos of a closed request (refunded, cancelled, rejected past its appeal
# window) are deleted this many days after the request last changed; photos
# never attached to a request, after a day.
EVIDENCE_RETENTION_DAYS = int(os.environ.get("EVIDENCE_RETENTION_DAYS", "180"))

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [PROJECT_FILES_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Evidence photos live outside any public URL; they are served only
        # through an authorized view.
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- E-mail -----------------------------------------------------------------
# SMTP when EMAIL_HOST is set, else the console (which production refuses
# unless EMAIL_BACKEND chose it: refundportal.checks).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "").lower() in ("1", "true", "yes")
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "").lower() in ("1", "true", "yes")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND_CHOSEN = bool(os.environ.get("EMAIL_BACKEND"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "refunds@refundportal.local")
# E-mails link to the portal's pages under this absolute address.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Production sets it: mail written to the console would reach nobody.
EMAIL_CONSOLE_REFUSED = False

# --- API --------------------------------------------------------------------
# API tokens end after this long without use, and this long after they
# were issued, whatever their use (a log-in gives a new one).
API_TOKEN_IDLE_HOURS = float(os.environ.get("API_TOKEN_IDLE_HOURS", "72"))
API_TOKEN_MAX_HOURS = float(os.environ.get("API_TOKEN_MAX_HOURS", str(30 * 24)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenWithRolesAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the photo upload names its own multipart parser. A form or
    # multipart body elsewhere answers 415 ``unsupported_media_type``.
    "DEFAULT_PARSER_CLASSES": ["refundportal.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Every list's filters are a django-filter set: a bad value is 400.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "refundportal.api.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "refundportal.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "refundportal.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "600/min"),
        "user": os.environ.get("THROTTLE_USER", "3000/min"),
        "uploads": os.environ.get("THROTTLE_UPLOADS", "300/hour"),
        "filing": os.environ.get("THROTTLE_FILING", "120/hour"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Refund portal API",
    "DESCRIPTION": "Refund requests, auto-review, payouts and KPIs of the delivery platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids: the path after /api/v1/, then the action (list,
    # retrieve, create, or the action's name): ``refunds_list``,
    # ``refunds_claim_create``, ``analytics_monthly_retrieve``.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Every enum has one name, the same in bodies, answers and query
    # parameters (refundportal.schema.parameter_enums_hook).
    "ENUM_SUFFIX": "",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatus": "orders.states.OrderStatus.choices",
        "RefundStatus": "refunds.states.RefundStatus.choices",
        "PayoutStatus": "payouts.states.PayoutStatus.choices",
        "TenderMethod": "orders.models.TenderMethod.choices",
        "DiscountKind": "orders.models.DiscountKind.choices",
        "Reason": "refunds.models.Reason.choices",
        "DecisionSource": "refunds.models.DecisionSource.choices",
        "AttemptOutcome": "payouts.models.AttemptOutcome.choices",
        "DisputeResolution": "refunds.models.DisputeResolution.choices",
        "DisputeState": [
            ("none", "none"),
            ("open", "open"),
            ("confirmed", "confirmed"),
            ("moved", "moved"),
        ],
        "PreviewOutcome": [
            ("approved", "approved"),
            ("rejected", "rejected"),
            ("pending_review", "pending_review"),
        ],
        "AgentDecision": [("approve", "approve"), ("reject", "reject")],
        "MerchantDecision": [("approve", "approve"), ("refuse", "refuse")],
        "DisputeDecision": [("confirm", "confirm"), ("move", "move")],
        "RerouteMethod": [("wallet", "wallet")],
        "Liability": "refunds.models.Liability.choices",
        "MovedLiability": [("courier", "courier"), ("platform", "platform")],
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "refundportal.schema.optional_fields_hook",
        "refundportal.schema.parameter_enums_hook",
    ],
}

# Every request that is not the API is a page; keep request bodies bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# ``json``: one JSON object per line (refundportal/logs.py); anything else:
# plain text lines. Both carry the request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "refundportal.logs.RequestIdFilter"},
        "client_errors": {"()": "refundportal.logs.NoTracebackForClientErrors"},
    },
    "formatters": {
        "json": {"()": "refundportal.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "client_errors"],
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task run is noise on the embedded default's console.
        "celery.app.trace": {"level": "WARNING"},
        # One line per request: refundportal.request's (status included).
        # django.request repeats a 4xx as a warning (a 403 with its
        # traceback); its 5xx errors stay. runserver's own access lines go.
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": [], "propagate": False},
    },
}

# /metrics answers loopback callers, and others that send
# ``Authorization: Bearer <METRICS_TOKEN>`` when it is set.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Celery beat touches this file each time it has sent a task;
# ``manage.py beat_health`` (beat's health check) reads its age.
BEAT_HEARTBEAT_FILE = os.environ.get(
    "BEAT_HEARTBEAT_FILE", os.path.join(tempfile.gettempdir(), "refundportal-beat-heartbeat")
)

# --- Payouts ------------------------------------------------------------------
# Dotted paths of real gateway adapters per method; unset methods use the
# sandbox, which keeps its own ledger.
PAYOUT_GATEWAYS: dict[str, str] = {}
PAYOUT_MAX_ATTEMPTS = 8
PAYOUT_BACKOFF_BASE_MINUTES = 5
PAYOUT_BACKOFF_CAP_MINUTES = 360
PAYOUT_STUCK_MINUTES = 5
PAYOUT_SLA_HOURS = 24
SANDBOX_SLOW_SECONDS = float(os.environ.get("SANDBOX_SLOW_SECONDS", "5"))
# A dead broker must not hold a request: fail fast and leave it to the sweep.
# One try, then the sweep: a publish gives up within the connect timeout.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 0.4

# --- Analytics ------------------------------------------------------------------
# A closed month's roll-up is recomputed once this many days after it closed.
KPI_ROLLUP_SETTLE_DAYS = 3
# Anomaly alerts to managers (daily): a merchant's 7-day refund rate at least
# ANOMALY_RATE_JUMP times its 8 weeks before and ANOMALY_MIN_RATE_POINTS above
# it, on at least ANOMALY_MIN_ORDERS orders; the 7-day review SLA met share
# below ANOMALY_SLA_TARGET over at least ANOMALY_SLA_MIN_DECISIONS decisions.
ANOMALY_RATE_JUMP = float(os.environ.get("ANOMALY_RATE_JUMP", "2.0"))
ANOMALY_MIN_RATE_POINTS = float(os.environ.get("ANOMALY_MIN_RATE_POINTS", "0.05"))
ANOMALY_MIN_ORDERS = int(os.environ.get("ANOMALY_MIN_ORDERS", "30"))
ANOMALY_SLA_TARGET = float(os.environ.get("ANOMALY_SLA_TARGET", "0.9"))
ANOMALY_SLA_MIN_DECISIONS = int(os.environ.get("ANOMALY_SLA_MIN_DECISIONS", "10"))
