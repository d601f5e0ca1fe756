"""Production: PostgreSQL, Redis, separate Celery workers. Refuses to start half-configured."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")  # noqa: F405
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])  # noqa: F405
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("prod settings need SECRET_KEY set in the environment")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("prod settings need ALLOWED_HOSTS set in the environment")
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured("prod settings need REDIS_URL (Celery broker and channel layer)")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])  # noqa: F405
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)  # noqa: F405
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A connection pool per process (psycopg's): under ASGI each request may run on a thread of its
# own, and persistent per-thread connections (CONN_MAX_AGE) then pile up until PostgreSQL refuses
# more; the fault tests' load found it. The pool caps them and reuses them.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
    "min_size": env.int("DB_POOL_MIN", default=2),  # noqa: F405
    "max_size": env.int("DB_POOL_MAX", default=10),  # noqa: F405
    "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),  # noqa: F405
}
# a pooled connection is checked as it is handed out: one broken by a PostgreSQL restart while
# it waited in the pool is replaced, not given to a request or a reading job
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# health and metrics are probed over plain HTTP from inside the plant network
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
