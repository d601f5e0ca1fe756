"""The embedded default used by ``make run``: static files found without collectstatic. Debug
pages are on unless DEBUG says otherwise; ``make run`` sets DEBUG=false."""

from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
