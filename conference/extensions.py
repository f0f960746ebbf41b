"""Flask extensions, created once here and bound to the app in ``create_app``."""

from flask import request
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


def _client_address() -> str:
    # ProxyFix (configured with the number of trusted proxies) has already rewritten
    # remote_addr; X-Forwarded-For is never read directly here.
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=_client_address, default_limits=[])
