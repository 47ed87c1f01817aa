"""The test CAS server: django-mama-cas in a project of its own, its SQLite database in the
directory the fixture gives it (``SSO_SERVER_DIR``)."""

import os
from pathlib import Path

DATA = Path(os.environ["SSO_SERVER_DIR"])

SECRET_KEY = os.environ["SSO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.sso.servers.cas_project.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "mama_cas",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA / "cas.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# A throwaway database: its tables created from the models at once, no migrations replayed.
MIGRATION_MODULES = {app.rsplit(".", 1)[-1]: None for app in INSTALLED_APPS}
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test accounts only
# The servers and the portal all listen on 127.0.0.1, and cookies ignore the port: names of
# their own, so that a browser signed in here keeps the portal's session and CSRF cookies.
SESSION_COOKIE_NAME = "cas_sessionid"
CSRF_COOKIE_NAME = "cas_csrftoken"
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"mama_cas": {"handlers": ["console"], "level": "INFO"}},
}

MAMA_CAS_LOGIN_TEMPLATE = "cas/login.html"  # mama-cas's own loads Bootstrap from a CDN
MAMA_CAS_FOLLOW_LOGOUT_URL = True
# Any service on the loopback interface (the portal's live server has a random port); each
# is sent the person's attributes and a single sign-out request at logout.
MAMA_CAS_SERVICES = [
    {
        "SERVICE": r"^http://(127\.0\.0\.1|localhost):\d+/",
        "CALLBACKS": ["tests.sso.servers.cas_project.callbacks.person_attributes"],
        "LOGOUT_ALLOW": True,
        "PROXY_ALLOW": False,
    }
]
