"""The one settings module.

Every value that differs between a laptop demo and a production cluster is read from the
environment (see the configuration table in README.md). The defaults are the *embedded demo*:
SQLite and files under ``var/``, emails written to ``var/mail/``, a database-backed task queue.
Production must set ``SECRET_KEY``, ``DEBUG=false`` and ``ALLOWED_HOSTS``; ``check --deploy``
is run by CI with such an environment.
"""

import os
import re
import sys
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# The embedded defaults write under var/ (database, media, mail): make sure it exists.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
# The demo key is only accepted while DEBUG is on: a production server without SECRET_KEY
# refuses to start instead of signing sessions with a key published in the repository.
_DEMO_SECRET_KEY = "demo-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEMO_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base URL used in emails (links must work outside a request, e.g. from the worker).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Mounted under a sub-path (https://host/candidatures/): FORCE_SCRIPT_NAME=/candidatures and
# SITE_URL=https://host. Once set, Django ignores any SCRIPT_NAME the server passes on, and
# the worker's links carry the prefix too (django.setup() installs it as the script prefix).
FORCE_SCRIPT_NAME = env.str("FORCE_SCRIPT_NAME", default=None) or None

INSTITUTION_NAME = env.str("INSTITUTION_NAME", default="Université de Rouen Normandie")
# Optional 1-2 character prefix replacing the first characters of every dossier number.
DOSSIER_NUMBER_PREFIX = env.str("DOSSIER_NUMBER_PREFIX", default="")
ACTIVATION_DAYS = env.int("ACTIVATION_DAYS", default=5)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_SECONDS", default=3600)
EMAIL_CHANGE_DAYS = env.int("EMAIL_CHANGE_DAYS", default=2)
# Two-factor authentication (TOTP) for staff: available to every staff member, required for
# administrators and the central office when this is on (default: on in production).
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="eCandidat")
# Antivirus: clamd at tcp://host:3310 or unix:///run/clamav/clamd.ctl; empty = no scan.
CLAMAV_URL = env.str("CLAMAV_URL", default="")
CLAMAV_TIMEOUT = env.float("CLAMAV_TIMEOUT", default=30)
# When clamd cannot be reached: "refuse" the upload, or "accept" it marked for a rescan.
CLAMAV_UNAVAILABLE_POLICY = env.str("CLAMAV_UNAVAILABLE_POLICY", default="refuse")
# While this file exists /readyz answers 503, so the load balancer stops sending requests
# to this server before it stops (deploy/run-web.sh creates it on SIGTERM); empty: never.
DRAIN_FILE = env.str("DRAIN_FILE", default="")
# Uploads (ecandidat/www/upload_limits.py): a file larger than the institution's
# upload limit (5 MB by default) is stopped while it is received, a request declaring more is
# refused without being read; the stock handlers spool what is accepted (memory, then disk).
FILE_UPLOAD_HANDLERS = [
    "ecandidat.www.upload_limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Form fields other than files: no form of ours sends more than a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Days before the return deadline when candidates with untransmitted applications are reminded.
APPLICATION_REMINDER_DAYS = env.int("APPLICATION_REMINDER_DAYS", default=3)
# Bearer token the student information system uses on /staff/api/registrations/ (empty: off).
REGISTRATION_API_TOKEN = env.str("REGISTRATION_API_TOKEN", default="")
# Days before the confirmation deadline when candidates who have not answered are reminded.
CONFIRMATION_REMINDER_DAYS = env.int("CONFIRMATION_REMINDER_DAYS", default=2)
# Whether a French national must have typed an INE before applying (checked when applying).
INE_REQUIRED_FOR_FRENCH = env.bool("INE_REQUIRED_FOR_FRENCH", default=True)

# LDAP directory: the university's people, searched when the central office creates a
# staff account and checked by the "missing from the directory" review (docs/directory.md).
# LDAP_URL empty = no directory: accounts are typed by hand. The bind password comes from
# the environment only, never from the database.
LDAP_URL = env.str("LDAP_URL", default="")  # ldap://ldap.univ.fr or ldaps://ldap.univ.fr:636
LDAP_BIND_DN = env.str("LDAP_BIND_DN", default="")  # empty: anonymous bind
LDAP_BIND_PASSWORD = env.str("LDAP_BIND_PASSWORD", default="")
LDAP_PEOPLE_BASE = env.str("LDAP_PEOPLE_BASE", default="")  # ou=people,dc=univ,dc=fr
LDAP_PEOPLE_FILTER = env.str("LDAP_PEOPLE_FILTER", default="(objectClass=inetOrgPerson)")
LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
LDAP_CA_FILE = env.str("LDAP_CA_FILE", default="")  # CA bundle for ldaps:// or StartTLS
LDAP_TIMEOUT = env.int("LDAP_TIMEOUT", default=5)  # seconds: connect, bind, each search
# The attribute whose value is the person's university identifier: stored on the staff
# account (User.university_id) and matched by the university sign-in (CAS, SAML, OIDC).
LDAP_ID_ATTRIBUTE = env.str("LDAP_ID_ATTRIBUTE", default="uid")
# Which directory attribute holds what (SUPANN / inetOrgPerson / eduPerson names).
LDAP_ATTRIBUTES = {
    "login": env.str("LDAP_LOGIN_ATTRIBUTE", default="uid"),
    "first_name": env.str("LDAP_FIRST_NAME_ATTRIBUTE", default="givenName"),
    "last_name": env.str("LDAP_LAST_NAME_ATTRIBUTE", default="sn"),
    "email": env.str("LDAP_EMAIL_ATTRIBUTE", default="mail"),
    "eppn": env.str("LDAP_EPPN_ATTRIBUTE", default="eduPersonPrincipalName"),
    "student_number": env.str("LDAP_STUDENT_NUMBER_ATTRIBUTE", default="supannEtuId"),
    "ine": env.str("LDAP_INE_ATTRIBUTE", default="supannCodeINE"),
    "affiliations": env.str("LDAP_AFFILIATION_ATTRIBUTE", default="eduPersonAffiliation"),
}

INSTALLED_APPS = [
    "ecandidat.www.admin_site.SuperuserAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "djangosaml2",
    "ecandidat.core",
    "ecandidat.sitemode",
    "ecandidat.audit",
    "ecandidat.accounts",
    "ecandidat.notifications",
    "ecandidat.referentials",
    "ecandidat.catalog",
    "ecandidat.applications",
    "ecandidat.decisions",
    "ecandidat.review",
    "ecandidat.exports",
    "ecandidat.jobs",
    "ecandidat.dossier",
    "ecandidat.identity",
    "ecandidat.www",
    "ecandidat.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First of ours: every audit row the request writes carries the client address.
    "ecandidat.www.middleware.AuditContextMiddleware",
    # Outside whitenoise so static files get the CSP and Permissions-Policy too (see below).
    "csp.middleware.CSPMiddleware",
    "ecandidat.www.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ecandidat.www.nul.RejectNulMiddleware",  # 400 for a NUL byte (PostgreSQL refuses them)
    # Before CSRF, which would read the body: upload size limits (see "Uploads" above).
    "ecandidat.www.upload_limits.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The SAML exchange's own cookie (SameSite=None on HTTPS: the IdP posts from its site).
    "djangosaml2.middleware.SamlSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ecandidat.www.middleware.StaffTwoFactorMiddleware",
    "ecandidat.www.middleware.UserLanguageMiddleware",
    # After the user's language (the maintenance and read-only pages are in it).
    "ecandidat.www.sitemode.SiteModeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ecandidat.urls"
WSGI_APPLICATION = "ecandidat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ecandidat" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ecandidat.www.context_processors.site",
                "ecandidat.www.context_processors.dossier",
                "ecandidat.www.context_processors.staff",
                "ecandidat.www.context_processors.site_mode",
            ],
        },
    },
]

# Widgets may use the project's templates (e.g. widgets/datalist_input.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Serving pages (gunicorn, runserver, the test suite), as opposed to a management command.
_argv = [os.path.basename(arg) for arg in sys.argv[:2]]
WEB_PROCESS = not (_argv[:1] == ["manage.py"] and _argv[1:] != ["runserver"])

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ecandidat.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the timeout absorbs short locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A web request never waits on one statement longer than this: a runaway query answers
    # an error page instead of holding a worker and a connection. The worker, the scheduler
    # and other management commands (exports, migrations, purges) are not bounded.
    if WEB_PROCESS and (timeout_ms := env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c statement_timeout={timeout_ms}"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis is a speed-up, never a dependency (docs/operations.md, "When Redis fails"): short
# socket timeouts, and a circuit breaker (common.breaker) that keeps a process off Redis
# for a few seconds after a failure. Sessions live in the database and are read through
# the cache (www.sessions); the login rate limits count in this process's memory while
# Redis is down (common.failover_cache).
CACHE_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.25)
_LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ecandidat",
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT,
                "socket_timeout": CACHE_TIMEOUT,
            },
        },
        "local": _LOCAL_CACHE,
        "ratelimit": {
            "BACKEND": "ecandidat.common.failover_cache.FailoverCache",
            "OPTIONS": {"primary": "default", "fallback": "local"},
        },
    }
    SESSION_ENGINE = "ecandidat.www.sessions"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "local": _LOCAL_CACHE,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
RATELIMIT_USE_CACHE = "ratelimit"

_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
TASKS = {"default": _TASK_BACKENDS[env.str("TASKS_BACKEND", default="database")]}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "ecandidat.accounts.backends.LoginBackend",
    # mozilla-django-oidc's callback authenticates through it; inert for anything else.
    "ecandidat.www.sso.oidc.UniversityOIDCBackend",
]
LOGIN_URL = "public:home"
LOGIN_REDIRECT_URL = "candidate:home"
LOGOUT_REDIRECT_URL = "public:home"

PASSWORD_HASHERS = [
    "ecandidat.accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Rate limits ("count/period", period in s, m, h): per client IP and per targeted account.
# A whole campus can sit behind one NAT address, so the per-IP limits are generous and the
# per-account limits are the real brake on password guessing.
RATELIMITS = {
    "login_ip": env.str("RATELIMIT_LOGIN_IP", default="300/h"),
    "login_account": env.str("RATELIMIT_LOGIN_ACCOUNT", default="10/15m"),
    # Staff logins: the same limits as candidates unless told otherwise.
    "staff_login_ip": env.str("RATELIMIT_STAFF_LOGIN_IP", default="300/h"),
    "staff_login_account": env.str("RATELIMIT_STAFF_LOGIN_ACCOUNT", default="10/15m"),
    "two_factor_account": env.str("RATELIMIT_TWO_FACTOR_ACCOUNT", default="10/15m"),
    "signup_ip": env.str("RATELIMIT_SIGNUP_IP", default="30/h"),
    "signup_account": env.str("RATELIMIT_SIGNUP_ACCOUNT", default="3/h"),
    "recovery_ip": env.str("RATELIMIT_RECOVERY_IP", default="30/h"),
    "recovery_account": env.str("RATELIMIT_RECOVERY_ACCOUNT", default="3/h"),
}
# Uploads per signed-in account (each one costs a content check and an antivirus scan).
RATELIMITS["upload_account"] = env.str("RATELIMIT_UPLOAD_ACCOUNT", default="60/h")
# Behind a reverse proxy set this to the header carrying the client address, e.g.
# HTTP_X_REAL_IP; the proxy must overwrite it.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "ecandidat" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
WHITENOISE_USE_FINDERS = DEBUG  # the demo serves static files without collectstatic
STATICFILES_DIRS = [BASE_DIR / "ecandidat" / "static"]
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"  # documents are only served through permission-checked views
# Documents on local disk by default; on S3-compatible object storage when S3_BUCKET is set.
S3_BUCKET = env.str("S3_BUCKET", default="")
_DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("S3_SECRET_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: EMAIL_URL (smtp://user:password@host:587, smtp+tls://…, consolemail://) or, by
# default, one file per message under var/mail/ so the demo needs no mail server.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="eCandidat <no-reply@ecandidat.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# The outbox (docs/operations.md, "Outgoing email"): a slow relay costs one batch at most
# EMAIL_TIMEOUT seconds, after which the batch is retried with back-off; a failing email is
# retried for EMAIL_RETRY_HOURS, at most EMAIL_RETRY_MAX_MINUTES apart, before it is failed.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_RETRY_HOURS = env.float("EMAIL_RETRY_HOURS", default=24)
EMAIL_RETRY_MAX_MINUTES = env.float("EMAIL_RETRY_MAX_MINUTES", default=60)
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=100)
# How long a worker holds the emails it claimed (renewed while it sends); a killed worker's
# emails are sent again (same Message-ID) after this.
EMAIL_LEASE_SECONDS = env.float("EMAIL_LEASE_SECONDS", default=300)
# One delivery task sends for at most this long, then hands over to a new task.
EMAIL_TASK_SECONDS = env.float("EMAIL_TASK_SECONDS", default=60)

# Security headers and cookies. Production (DEBUG off) gets HTTPS-only cookies and HSTS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every response: our own scripts and stylesheets
# only, no inline script, style attribute or eval anywhere (tests/www/test_security_headers.py
# scans the templates). img-src allows data: for the SVG icons inside Bootstrap's CSS.
# Permissions-Policy and Cache-Control: no-store come from ecandidat/www/headers.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The load balancer's health probes speak plain HTTP to each server, behind the proxy
    # that terminates TLS: they are answered, not redirected (ecandidat/www/health.py).
    _prefix = f"{FORCE_SCRIPT_NAME.strip('/')}/" if FORCE_SCRIPT_NAME else ""
    SECURE_REDIRECT_EXEMPT = [rf"^{re.escape(_prefix)}(?:healthz|readyz)$"]
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Every module logs through its own named logger (logging.getLogger(__name__)). Production
# writes one JSON object per line (for the log collector), the demo readable lines;
# LOG_FORMAT overrides either.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        # pysaml2 and its schema library log every document they load at INFO.
        "saml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
        "djangosaml2": {"level": "WARNING"},
    },
}


# Sign-in with the university (docs/sso.md) -----------------------------------------------
# Each protocol is on when its provider is configured; any combination; the local login stays.
SSO_TIMEOUT = env.float("SSO_TIMEOUT", default=5)  # seconds, each call to a provider
# The identity provider's multi-factor claim counts as our second factor for staff.
SSO_TRUST_IDP_MFA = env.bool("SSO_TRUST_IDP_MFA", default=False)
# What an identity provider sends when a second factor was used: a SAML AuthnContextClassRef,
# an OIDC amr/acr value, a CAS attribute value (CAS_MFA_ATTRIBUTE).
SSO_MFA_VALUES = env.list(
    "SSO_MFA_VALUES", default=["https://refeds.org/profile/mfa", "mfa", "otp", "hwk"]
)
# The protocol of "I am a student of the university" on the home page ("" = not offered).
SSO_STUDENT_PROTOCOL = env.str("SSO_STUDENT_PROTOCOL", default="")

# CAS 2.0 / 3.0 (python-cas, the client of django-cas-ng).
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="")  # e.g. https://cas.univ.fr/cas/
CAS_VERSION = env.str("CAS_VERSION", default="3")
CAS_ID_ATTRIBUTE = env.str("CAS_ID_ATTRIBUTE", default="")  # "" = the CAS user (uid)
CAS_MFA_ATTRIBUTE = env.str("CAS_MFA_ATTRIBUTE", default="authnContextClass")
CAS_SINGLE_LOGOUT = env.bool("CAS_SINGLE_LOGOUT", default=True)

# OpenID Connect (mozilla-django-oidc): authorization code with PKCE, nonce and state.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")  # "" = OIDC off
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_ID_CLAIM = env.str("OIDC_ID_CLAIM", default="preferred_username")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_TIMEOUT = SSO_TIMEOUT
OIDC_CREATE_USER = False  # signing in never creates a staff account
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:oidc_callback"
OIDC_AUTHENTICATE_CLASS = "ecandidat.www.sso.oidc.OIDCStartView"
OIDC_CALLBACK_CLASS = "ecandidat.www.sso.oidc.OIDCCallbackView"

# SAML 2.0 service provider (djangosaml2 / pysaml2 with xmlsec1): one IdP's metadata, or a
# federation's (Renater, eduGAIN) refreshed by a periodic job that checks its signature.
SAML_SP_KEY_FILE = env.str("SAML_SP_KEY_FILE", default="")
SAML_SP_CERT_FILE = env.str("SAML_SP_CERT_FILE", default="")
SAML_IDP_METADATA_URL = env.str("SAML_IDP_METADATA_URL", default="")
SAML_FEDERATION_METADATA_URL = env.str("SAML_FEDERATION_METADATA_URL", default="")
SAML_FEDERATION_CERT_FILE = env.str("SAML_FEDERATION_CERT_FILE", default="")
SAML_ID_ATTRIBUTE = env.str("SAML_ID_ATTRIBUTE", default="eduPersonPrincipalName")
SAML_XMLSEC_BINARY = env.str("SAML_XMLSEC_BINARY", default="/usr/bin/xmlsec1")
SAML_CONFIG_LOADER = "ecandidat.www.sso.saml.config_loader"
SAML_CREATE_UNKNOWN_USER = False
SAML_SESSION_COOKIE_NAME = "saml_session"
SAML_SESSION_COOKIE_SAMESITE = "None" if SITE_URL.startswith("https://") else "Lax"
SAML_DJANGO_USER_MAIN_ATTRIBUTE = "university_id"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_IGNORE_LOGOUT_ERRORS = True
