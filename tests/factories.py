"""Small factories for tests; each builds just what a test asks for and commits it."""

from __future__ import annotations

import datetime as dt
import itertools

from conference.accounts import services as account_services
from conference.accounts.models import User
from conference.db import utcnow
from conference.editions.models import Edition, EditionState
from conference.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)

__all__ = [
    "PASSWORD",
    "TEST_TOTP_SECRET",
    "make_user",
    "make_edition",
    "grant",
    "login_client",
    "api_token",
    "bearer",
    "enrol_totp",
    "totp_code",
    "pass_second_factor",
]


def make_user(
    email: str | None = None,
    *,
    role: str | None = None,
    edition: Edition | None = None,
    admin: bool = False,
    password: str = PASSWORD,
    verified: bool = True,
    **profile,
) -> User:
    """A user; ``role`` is granted in ``edition`` (the 2027 test edition by default)."""
    n = next(_seq)
    email = email or f"user{n}@example.org"
    profile.setdefault("full_name", f"Test Person {n}")
    user = account_services.create_user(email, password, verified=verified, **profile)
    if admin:
        user.is_admin = True
    if role:
        account_services.grant_role(user, edition or make_edition(), role)
    db.session.commit()
    return user


def make_edition(year: int = 2027, *, state: str = EditionState.OPEN, **values) -> Edition:
    """An edition (returned as is if that year exists) with open registration and call."""
    existing = db.session.scalar(db.select(Edition).where(Edition.year == year))
    if existing is not None:
        return existing
    now = utcnow()
    defaults = dict(
        title=f"Research Security Conference {year}",
        venue="Test venue",
        address="Rue de la Loi 1, Brussels",
        start_date=dt.date(year, 6, 9),
        end_date=dt.date(year, 6, 10),
        state=state,
        registration_opens_at=now - dt.timedelta(days=30),
        registration_closes_at=now + dt.timedelta(days=30),
        cfp_opens_at=now - dt.timedelta(days=30),
        cfp_closes_at=now + dt.timedelta(days=30),
        review_deadline=now + dt.timedelta(days=60),
    )
    defaults.update(values)
    edition = Edition(year=year, **defaults)
    db.session.add(edition)
    db.session.commit()
    return edition


def grant(user: User, role: str, edition: Edition | None = None) -> User:
    account_services.grant_role(user, edition or make_edition(), role)
    db.session.commit()
    return user


def login_client(client, user: User):
    """Log ``client`` in as ``user`` by setting the session (no form round trip).

    Shortcut: the session is also marked as having passed the second factor (two-factor
    authentication), as after a real login with a code, so that tests of privileged pages
    need not enrol a factor. Tests of the two-factor flows log in through ``/login``.
    """
    from conference.accounts.twofactor import VERIFIED_KEY

    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[VERIFIED_KEY] = user.id
    return client


def api_token(user: User, name: str = "test", *, scope: str = "full", **options) -> str:
    """A new API token of ``user`` (``full`` unless ``scope`` says otherwise); ``options``
    go to ``create_api_token`` (``expires``, ``edition``)."""
    _token, plain = account_services.create_api_token(user, name, scope, **options)
    db.session.commit()
    return plain


def bearer(user: User, *, scope: str = "full", **options) -> dict[str, str]:
    """Headers authenticating as ``user`` with a new API token."""
    return {"Authorization": f"Bearer {api_token(user, scope=scope, **options)}"}


# --- two-factor authentication (for tests of real logins through /login) -------------------

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user: User, secret: str = TEST_TOTP_SECRET) -> str:
    """Give ``user`` a confirmed authenticator app with ``secret`` (no set-up round trip)."""
    from conference.accounts.twofactor_models import TotpSecret

    db.session.add(TotpSecret(user_id=user.id, secret=secret))
    db.session.commit()
    return secret


def totp_code(secret: str = TEST_TOTP_SECRET, *, steps: int = 0) -> str:
    """The code an authenticator app with ``secret`` shows now (or ``steps`` × 30 s away),
    by the application's clock (``conference.db.freeze`` applies)."""
    import pyotp

    return pyotp.TOTP(secret).at(utcnow().timestamp() + 30 * steps)


def pass_second_factor(client, user: User, secret: str = TEST_TOTP_SECRET):
    """After a correct password at ``/login``: give a TOTP code at the second step (enrolling
    ``secret`` first when the account has no factor). Forgets the last used code first, so a
    test may log in several times within one 30-second step."""
    from conference.accounts.twofactor_models import TotpSecret

    totp = db.session.scalar(db.select(TotpSecret).where(TotpSecret.user_id == user.id))
    if totp is None:
        enrol_totp(user, secret)
    else:
        totp.last_used_step = None
        secret = totp.secret
        db.session.commit()
    return client.post("/login/second-factor", data={"code": totp_code(secret)})
