"""Settings from the environment (and an optional ``.env`` file), one class per mode."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
load_dotenv(ROOT / ".env")

INSECURE_DEFAULT_KEY = "dev-insecure-change-me"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgresql://`` / ``postgres://`` forms and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Settings shared by every mode; each value can be overridden from the environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_KEY)
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'conference.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Links in mails and feeds; without BASE_URL, the local server on PORT (as `make run`).
    BASE_URL = (
        os.environ.get("BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    ).rstrip("/")
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Seconds any Redis call may take (connect and answer): a down or hung Redis costs a
    # request at most this long, then rate limits fall back to memory and jobs to a thread.
    REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "conference@localhost")
    MAIL_SEND_AFTER_REQUEST = _bool("MAIL_SEND_AFTER_REQUEST", True)
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # Mailings to groups (conference/mailings): messages a worker sends per minute (0: no
    # limit), seconds one delivery job runs before handing the rest to a new job, and seconds
    # after which a message left "sending" by a killed worker counts as interrupted (it is then
    # marked failed, never sent twice).
    MAILING_RATE_PER_MINUTE = int(os.environ.get("MAILING_RATE_PER_MINUTE", "120"))
    MAILING_JOB_SECONDS = int(os.environ.get("MAILING_JOB_SECONDS", "240"))
    MAILING_STALE_SECONDS = int(os.environ.get("MAILING_STALE_SECONDS", "300"))
    # Seconds the page after sign-up waits for the first delivery attempt of the confirmation
    # mail, so that it can say whether the mail went out (0: do not wait; the page then says
    # "queued" and links to a check). Production keeps 0: a hung mail server must not hold a
    # request (issue 22); `make run` waits 2 s for its local mail catcher.
    SIGNUP_MAIL_WAIT = float(os.environ.get("SIGNUP_MAIL_WAIT", "0"))
    # Seconds between two runs of the reminders by the worker (0: only `flask mail reminders`).
    REMINDERS_INTERVAL = int(os.environ.get("REMINDERS_INTERVAL", "3600"))
    # Show the secret links of mails (confirmation, password, invitation, nomination, calendar
    # feed) in the mail log; off in production, where they are shown as "[hidden]".
    MAIL_LOG_SHOW_SECRET_LINKS = _bool("MAIL_LOG_SHOW_SECRET_LINKS", True)

    # /readyz: a pending mail older than this many seconds is reported as a warning.
    READY_MAIL_MAX_AGE = int(os.environ.get("READY_MAIL_MAX_AGE", "900"))
    # Where `flask backup` writes (default: <INSTANCE_DIR>/backups).
    BACKUP_DIR = os.environ.get("BACKUP_DIR") or None

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-password-2027")
    # Two-factor authentication: the demo accounts' TOTP secret (seed-demo only), WebAuthn's
    # relying party (default: the host of each request) and the second step's rate limit.
    DEMO_TOTP_SECRET = os.environ.get("DEMO_TOTP_SECRET", "DEMOTOTPDEMOTOTPDEMOTOTPDEMOTOTP")
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID") or None
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN") or None
    TWO_FACTOR_RATE_LIMIT = os.environ.get("TWO_FACTOR_RATE_LIMIT", "5 per minute;30 per hour")
    BADGE_KEY_DIR = Path(os.environ.get("BADGE_KEY_DIR", INSTANCE_DIR / "badge-keys"))
    # Issue 20: files answering registration questions are kept here, outside the web root
    # (default: <INSTANCE_DIR>/uploads), at most QUESTION_FILE_MAX_BYTES each.
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", INSTANCE_DIR / "uploads"))
    QUESTION_FILE_MAX_BYTES = int(os.environ.get("QUESTION_FILE_MAX_BYTES", str(1024 * 1024)))
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Scans per API token (or per staff member on the scanner page): a busy door scans a
    # badge every 2-3 seconds; 600 a minute leaves room for offline queues being replayed.
    CHECKIN_RATE_LIMIT = os.environ.get("CHECKIN_RATE_LIMIT", "600 per minute")
    # The scanner page ignores the same code at the same checkpoint for this many seconds.
    CHECKIN_REPEAT_SECONDS = int(os.environ.get("CHECKIN_REPEAT_SECONDS", "5"))
    # Invalid codes logged one by one per device, checkpoint and minute; the rest are counted.
    INVALID_SCANS_LOGGED_PER_MINUTE = 5

    # Issue 22: public pages and exports cached per programme version (conference/pagecache.py);
    # responses over 1 KB compressed (gzip, brotli when asked) unless a proxy does it.
    PAGE_CACHE_ENABLED = _bool("PAGE_CACHE_ENABLED", True)
    COMPRESS_ENABLED = _bool("COMPRESS_ENABLED", True)

    # Issue 15: the languages pages are offered in (an edition may offer fewer or others);
    # the first is the fallback. Catalogues: conference/translations/<lang>/LC_MESSAGES.
    LANGUAGES = os.environ.get("LANGUAGES", "en,fr,de")
    # Tests only: offer the pseudo-locale en-XA, whose strings all come out as ⟦…⟧.
    I18N_PSEUDO = False

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024)))
    # Issue 21: speakers' materials and photos. Files are kept outside the web root in
    # MATERIALS_DIR (default <INSTANCE_DIR>/materials), or in another store given as
    # MATERIALS_STORE=package.module:factory (e.g. an S3-compatible bucket; see the README).
    # The upload routes alone accept bodies up to these sizes (in bytes).
    MATERIALS_DIR = os.environ.get("MATERIALS_DIR") or None
    MATERIALS_STORE = os.environ.get("MATERIALS_STORE") or None
    MATERIALS_MAX_BYTES = int(os.environ.get("MATERIALS_MAX_BYTES", str(50 * 1024 * 1024)))
    PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Redis down: count in this process's memory (a warning is logged) rather than refuse.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")
    # Login limits count failed attempts only (a shared office address logs in all day):
    # LOGIN_RATE_LIMIT per client address, LOGIN_ACCOUNT_RATE_LIMIT per e-mail address typed
    # (whether or not it has an account), from any number of client addresses.
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
    # Mails a person makes the application send to an address they typed (co-speaker
    # invitations): at most so many per sender and per recipient address, counted in the
    # outbox over a sliding window.
    MAIL_LIMIT_PER_SENDER = os.environ.get("MAIL_LIMIT_PER_SENDER", "10 per hour;30 per day")
    MAIL_LIMIT_PER_RECIPIENT = os.environ.get("MAIL_LIMIT_PER_RECIPIENT", "3 per hour;5 per day")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    JSON_SORT_KEYS = False
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24 * 3
    RESET_TOKEN_MAX_AGE = 60 * 60
    LOG_JSON = _bool("LOG_JSON", False)
    # werkzeug's scrypt: memory-hard, the recommended default.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOG_JSON = _bool("LOG_JSON", True)
    MAIL_LOG_SHOW_SECRET_LINKS = _bool("MAIL_LOG_SHOW_SECRET_LINKS", False)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_SEND_AFTER_REQUEST = False
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1
    BASE_URL = "http://conference.test"
    # Fast hashing keeps the suite quick; never used outside tests.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 (a method name)
    SERVER_NAME = None


def config_for(mode: str | None) -> type[Config]:
    """The configuration class for APP_ENV (development, production, testing)."""
    mode = (mode or os.environ.get("APP_ENV") or "development").lower()
    return {
        "production": ProductionConfig,
        "testing": TestingConfig,
        "development": DevelopmentConfig,
    }.get(mode, DevelopmentConfig)
