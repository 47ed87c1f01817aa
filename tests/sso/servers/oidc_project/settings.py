"""The test OpenID provider: django-oauth-toolkit with OpenID Connect in a project of its
own; its database, signing keys and switches in ``SSO_SERVER_DIR``."""

import os
from pathlib import Path

DATA = Path(os.environ["SSO_SERVER_DIR"])
ISSUER = os.environ["SSO_ISSUER"]  # http://127.0.0.1:PORT/o

SECRET_KEY = os.environ["SSO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.sso.servers.oidc_project.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tests.sso.servers.oidc_project.switches.RedirectUrisMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA / "oidc.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# A throwaway database: its tables created from the models at once, no migrations replayed.
MIGRATION_MODULES = {app.rsplit(".", 1)[-1]: None for app in INSTALLED_APPS}
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test accounts only
LOGIN_URL = "/accounts/login/"
# Cookies ignore the port: names of their own, so the portal's cookies on 127.0.0.1 survive.
SESSION_COOKIE_NAME = "oidc_sessionid"
CSRF_COOKIE_NAME = "oidc_csrftoken"
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "oauth2_provider": {"handlers": ["console"], "level": "INFO"},
        "oauthlib": {"handlers": ["console"], "level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "WARNING"},
    },
}

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": (DATA / "oidc-key.pem").read_text(),
    "OAUTH2_VALIDATOR_CLASS": "tests.sso.servers.oidc_project.validators.PersonValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Name, birth date, student number, INE",
        "email": "Email address",
    },
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only, "plain" refused
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
}
