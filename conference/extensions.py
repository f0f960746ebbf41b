"""Flask extensions, created once here and bound to the app in ``create_app``."""

from flask import request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from conference.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Translations (gettext catalogues under conference/translations); the locale selector is set
# in create_app.
babel = Babel()


def _client_address() -> str:
    # ProxyFix (configured with the number of trusted proxies) has already rewritten
    # remote_addr; X-Forwarded-For is never read directly here.
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=_client_address, default_limits=[])


# Responses over 1 KB compressed (brotli when the client asks, else gzip); off with
# COMPRESS_ENABLED=0 behind a proxy that compresses. PDFs and images are not in the types list.
compress = Compress()
COMPRESS_DEFAULTS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Streamed responses (static files) are left alone: Flask-Compress would not close the file.
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIN_SIZE": 1024,
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/calendar",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/xml",
        "text/xml",
        "image/svg+xml",
    ],
}
