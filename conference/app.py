"""The application factory: wires configuration, extensions and every area together.

The top layer: it imports every area (and nothing imports it but ``conference.create_app``).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import sys
import time
from pathlib import Path

import flask_babel
import sqlalchemy as sa
from flask import Flask, g, request, request_started
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

# Every model module, so that the metadata is complete (for Alembic too).
import conference.accounts.models
import conference.accounts.twofactor_models
import conference.accreditation.models
import conference.accreditation.question_models
import conference.audit
import conference.badges.models
import conference.calendar.models
import conference.checkin.models
import conference.editions.models
import conference.mail
import conference.mailings.models
import conference.programme.models
import conference.review.models
import conference.submissions.models  # noqa: F401
from conference import (
    accounts,
    accreditation,
    api,
    badges,
    calendar,
    checkin,
    dashboard,
    editions,
    errors_http,
    health,
    i18n,
    mailings,
    pagecache,
    programme,
    review,
    security,
    submissions,
    templating,
)
from conference.accounts import scopes
from conference.cli import register_cli
from conference.config import INSECURE_DEFAULT_KEY, ROOT, config_for
from conference.editions.models import Edition
from conference.extensions import (
    COMPRESS_DEFAULTS,
    babel,
    compress,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
)
from conference.jobs import in_background
from conference.permissions import can
from conference.safe_json import SafeJSONProvider
from conference.security import DatabaseIntConverter

# The areas' packages, registered in this order; each lists its route modules in VIEWS.
BLUEPRINTS = [
    accounts,
    editions,
    accreditation,
    programme,
    submissions,
    review,
    badges,
    checkin,
    calendar,
    mailings,
    dashboard,
    api,
]


class ConferenceFlask(Flask):
    """Flask, with cached public pages answered before the request hooks run."""

    def preprocess_request(self):
        # One statement reads the page's version; a recorded response for it is answered
        # (200 or 304) without the edition loaded, the user looked up, or a transaction.
        # The after-request hooks (security headers, Vary, logging) still run.
        early = pagecache.early_response()
        if early is not None:
            return early
        return super().preprocess_request()


def create_app(config: dict | None = None, *, mode: str | None = None) -> Flask:
    """Build the application.

    ``mode`` is development, production or testing (default: the APP_ENV variable);
    ``config`` overrides individual settings.
    """
    app = ConferenceFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(config_for(mode).INSTANCE_DIR),
    )
    app.config.from_object(config_for(mode))
    if config:
        app.config.update(config)
    _check_production_secret(app)
    app.json = SafeJSONProvider(app)
    app.instance_path = str(app.config["INSTANCE_DIR"])
    app.config["INSTANCE_DIR"] = Path(app.config["INSTANCE_DIR"])
    app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)

    if app.config["TRUSTED_PROXIES"] > 0:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_prefix=n)

    _configure_logging(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app)
    # Rate-limit counters live in Redis when there is one (shared by every worker process).
    if config and "REDIS_URL" in config and "RATELIMIT_STORAGE_URI" not in config:
        app.config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        timeout = app.config["REDIS_TIMEOUT"]
        options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **options,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    limiter.init_app(app)
    limiter._storage_dead = False  # one limiter object: a new app starts trusting its storage
    if app.config.get("COMPRESS_ENABLED", True):
        for name, value in COMPRESS_DEFAULTS.items():
            app.config.setdefault(name, value)
        compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Flashed in the visitor's language (a plain string in the session, not a lazy one).
    login_manager.login_message = flask_babel.lazy_gettext("Please log in to see this page.")
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"

    app.url_map.converters["int"] = DatabaseIntConverter

    for package in BLUEPRINTS:
        # Route modules by name: they import their own package (for ``bp``), so the package
        # cannot import them while it is being imported.
        for name in getattr(package, "VIEWS", ()):
            importlib.import_module(f"{package.__name__}.{name}")
        app.register_blueprint(package.bp)

    scopes.register(app)
    errors_http.register(app)
    security.register(app)
    health.register(app)
    i18n.register(app)
    templating.register(app)
    register_cli(app)
    _register_edition_urls(app)
    _register_mail_after_request(app)
    # Last of the after-request hooks (they run in reverse): the response as sent is recorded.
    app.after_request_funcs.setdefault(None, []).insert(0, pagecache.remember)
    return app


def _check_production_secret(app: Flask) -> None:
    if app.config.get("ENV_NAME") == "production":
        key = app.config.get("SECRET_KEY") or ""
        if key == INSECURE_DEFAULT_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production (APP_ENV=production); e.g. python -c 'import secrets; "
                "print(secrets.token_hex(32))'"
            )


def _register_edition_urls(app: Flask) -> None:
    """URLs carry the year (``/2027/…``); load the edition into ``g.edition`` once."""

    @app.url_value_preprocessor
    def load_edition(endpoint, values):
        if not values or "year" not in values:
            return
        year = values.pop("year")
        if not 1900 <= year <= 9999:  # no edition there; and the database cannot hold 10**30
            raise NotFound(f"There is no edition {year}.")
        edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
        # Known before the user is loaded, so that a Bearer token's roles in this edition
        # come with the token in one statement.
        g.edition = edition
        if edition is None or not can(current_user, "edition.view", edition, edition=edition):
            g.pop("edition", None)
            raise NotFound(f"There is no edition {year}.")

    @app.url_defaults
    def add_year(endpoint, values):
        if "year" in values or not g.get("edition"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "year"):
            values["year"] = g.edition.year


def _register_mail_after_request(app: Flask) -> None:
    """Hand mail queued by a request to a worker (RQ) or this process's background thread.

    Never sent in the worker serving requests: a slow or hung mail server must not make any
    request wait. The outbox keeps the mail until it is sent.
    """

    @app.after_request
    def send_queued_mail(response):
        if not g.get("mail_queued") or not app.config["MAIL_SEND_AFTER_REQUEST"]:
            return response
        in_background("conference.mail.send_pending")
        return response


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("method", "path", "status", "duration_ms", "request_id", "user_id"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload)


def _configure_logging(app: Flask) -> None:
    if app.config.get("TESTING"):
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("LOG_JSON"):
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)

    # On the request_started signal, not a before_request hook: responses answered early
    # (pagecache.early_response) skip those hooks but are logged like any other.
    def start_timer(sender, **extra):
        g.request_started = time.perf_counter()
        g.request_id = (
            request.headers.get("X-Request-ID")
            or hashlib.sha1(  # noqa: S324
                f"{time.time_ns()}{id(request)}".encode()
            ).hexdigest()[:16]
        )

    request_started.connect(start_timer, app, weak=False)

    @app.after_request
    def log_request(response):
        if request.path.startswith("/static/"):
            return response
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        app.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
                "request_id": g.get("request_id"),
            },
        )
        return response
