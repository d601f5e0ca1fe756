"""Settings shared by every environment.

With no environment set, TraceLens runs embedded: SQLite under ``var/``, Celery on the in-memory
transport with an in-process worker, and the in-memory channel layer. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL, Celery over Redis with separate workers, and channels-redis.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "accounts",
    "traceability",
    "inspection",
    "ocr",
    "frontend",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "traceability.context.CorrelationIdMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
]
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.lockout.LockoutBackend"]  # the model backend with lockout
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=12) * 3600  # a shift, then log in again
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tracelens.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process worker write while pages read; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=wal;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # Short queries only: JIT compilation (tens of ms) costs more than any query it would speed
    # up, and PostgreSQL switches it on from estimated costs that recursive traces easily reach.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: the whole file is needed to hash it, so cap the request body and the image itself.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=40 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=80_000_000)
# Every HTTP request body, before Django reads it (config.limits): larger is refused at once by
# its Content-Length or as it streams; a body that stalls for UPLOAD_IDLE_SECONDS or takes longer
# than UPLOAD_SECONDS in all is refused, so slow clients cannot hold the server's connections.
MAX_REQUEST_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
UPLOAD_IDLE_SECONDS = env.float("UPLOAD_IDLE_SECONDS", default=20)
UPLOAD_SECONDS = env.float("UPLOAD_SECONDS", default=300)
# Remove the GPS position from a photo's EXIF before it is stored (JPEG; the pixels are kept).
STRIP_GPS = env.bool("STRIP_GPS", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.HasRole"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "traceability.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TraceLens API",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",  # served by the app: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # several models have a "status"; each choice set gets its own name in the schema
    "ENUM_NAME_OVERRIDES": {
        "ReturnStatusEnum": "traceability.choices.ReturnStatus",
        "ShipmentStatusEnum": "traceability.choices.ShipmentStatus",
        "TrainingStatusEnum": "inspection.choices.TrainingStatus",
    },
}

# Celery and channels: Redis when REDIS_URL is set, otherwise everything in this process.
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED_WORKER = not REDIS_URL
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    _REDIS_HOSTS = [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}]
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, as long as channels-redis's
            # blocking BZPOPMIN: consumers then die at random (django/channels_redis#422).
            "CONFIG": {"hosts": _REDIS_HOSTS},
        },
        # The dashboard feed: one PUBLISH per result whatever the number of server processes,
        # read by each process's hub (frontend.hub). The list-based layer above delivers ~350
        # messages/s to one reader and drops past 100 waiting; pub/sub keeps up at >1,000/s.
        "fanout": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": _REDIS_HOSTS},
        },
    }
else:
    CELERY_BROKER_URL = "memory://"
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
        "fanout": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    }
CELERY_RESULT_BACKEND = None  # the job row is the truth, not the result backend
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "ocr.tasks.run_reading": {"queue": "ocr"},
    "inspection.tasks.train_detector": {"queue": "gpu"},
    "integrations.tasks.relay_webhooks": {"queue": "webhooks"},
    "integrations.tasks.read_supplier_document": {"queue": "ocr"},  # OCR of scans and photos
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Periodic work (seconds): ``celery beat`` in production, frontend.embedded's thread otherwise.
CELERY_BEAT_SCHEDULE = {
    "reading-relay": {
        "task": "ocr.tasks.relay_reading_jobs",
        "schedule": env.float("RELAY_EVERY_S", default=10.0),
    },
    "stale-displays": {"task": "inspection.tasks.check_stale_displays", "schedule": 300.0},
    "audit-chain": {"task": "traceability.tasks.verify_audit_chain", "schedule": 3600.0},
    "epcis-subscriptions": {"task": "integrations.tasks.run_epcis_subscriptions", "schedule": 5.0},
    "supplier-documents": {"task": "integrations.tasks.resend_pending_documents", "schedule": 60.0},
    "mqtt-republish": {"task": "inspection.tasks.republish_to_broker", "schedule": 10.0},
}
if not EMBEDDED_WORKER:  # embedded, the relay has a thread of its own (frontend.embedded)
    CELERY_BEAT_SCHEDULE["webhooks"] = {"task": "integrations.tasks.relay_webhooks", "schedule": 10.0}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A prefork reading process is replaced after its current job once its resident memory passes
# this (kB): a guard; with the allocator trimmed with the heartbeat (config.observability) they
# stay flat.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("WORKER_MAX_MEMORY_KB", default=700_000)
# Celery's Django fixup closes the database connections before and after every task, and with
# psycopg's pool (prod settings) it closes the whole pool: every reading job then opened new
# PostgreSQL connections. It does so only every this many tasks; after each task the task's
# connections go back to the pool, as at the end of a request (config.celery).
CELERY_DB_REUSE_MAX = 1000

# Reading: which engine the default reading job uses, and where local model files live.
OCR_ENGINE = env("OCR_ENGINE", default="rapidocr")
# Reading jobs: a job running longer than this is taken as lost (its worker died) and sent again;
# one sent this long ago that no worker has claimed is sent again too (ocr.services.relay_jobs).
JOB_TIME_LIMIT = env.int("JOB_TIME_LIMIT", default=300)
JOB_REDISPATCH_SECONDS = env.int("JOB_REDISPATCH_SECONDS", default=900)
# Backpressure: with this many jobs waiting in a queue, new photos are refused with 503 and
# Retry-After (ocr.services.queue_depth counts them).
QUEUE_LIMIT = env.int("QUEUE_LIMIT", default=500)
# /metrics for a bearer of this token; unset: loopback clients and signed-in admins only
METRICS_TOKEN = env("METRICS_TOKEN", default="")
BUSY_RETRY_AFTER_S = env.int("BUSY_RETRY_AFTER_S", default=30)
# ONNX Runtime threads per reading process: one per process when separate worker processes share
# the cores (run `celery worker -c <cores>`: two processes read twice as many photos as two that
# each take every core); 0 lets the engine use every core (the embedded single worker).
OCR_THREADS = env.int("OCR_THREADS", default=0 if EMBEDDED_WORKER else 1)
MODELS_DIR = Path(env("MODELS_DIR", default=str(BASE_DIR / "models")))
# The plant's MQTT broker: readings, verdicts, sort decisions and alerts are published to it, and
# "part present" triggers are taken from it (`manage.py mqtt_listen`); unset: none of that.
MQTT_URL = env("MQTT_URL", default="")
# The trigger listener's client id: its session (and the triggers sent while it was away) is kept
# by the broker under this name, so run one listener per id.
MQTT_CLIENT_ID = env("MQTT_CLIENT_ID", default="tracelens-triggers")
# How long a "part present" waits for the station's next fixed-camera capture (a message may say).
TRIGGER_TTL_S = env.float("TRIGGER_TTL_S", default=60.0)
# A sort decision the broker missed is published again only this long after it was made.
SORT_REPUBLISH_S = env.float("SORT_REPUBLISH_S", default=60.0)
# Labelled defect datasets (YOLO folders) that detectors train on, one folder per dataset name.
TRAINING_DATA_DIR = Path(env("TRAINING_DATA_DIR", default=str(MEDIA_ROOT / "datasets")))

# GS1's EPCIS 2.0 JSON Schema, read locally (it is not redistributed with TraceLens).
EPCIS_SCHEMA_PATH = Path(
    env("EPCIS_SCHEMA_PATH", default=str(BASE_DIR.parent / "shared/standards/epcis/EPCIS-JSON-Schema.json"))
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.observability.JsonFormatter"},
    },
    # LOG_FORMAT=json (production's default): one JSON object per line, with the correlation id
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", default="plain")}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"RapidOCR": {"level": "WARNING"}},
}
