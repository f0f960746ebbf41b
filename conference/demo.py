"""The demo data set (``flask seed-demo``): editions 2025 and 2027 and one account per role.

Each area adds its part in its own ``demo.py`` (listed in ``DEMO_STEPS``); every step is
idempotent, so running the command twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from conference.accounts import services as accounts
from conference.accounts import twofactor_services
from conference.accounts.models import Role, User
from conference.editions.models import Edition, EditionState
from conference.extensions import db

BRUSSELS = ZoneInfo("Europe/Brussels")

# Areas' demo steps, run in this order after the base (each module has ``seed(demo)``).
DEMO_STEPS: list[str] = [
    "conference.accreditation.demo",
    # Registration questions and their answers: after the registrations they answer.
    "conference.accreditation.question_demo",
    "conference.accreditation.invitation_demo",  # 2027: invitations, a full waiting list
    "conference.programme.demo",  # after accreditation: restricted sessions use its categories
    "conference.programme.agenda_demo",  # the demo attendee's stars (issue 18)
    "conference.submissions.demo",  # after the programme's step: it uses the programme's tracks
    # conference.review.demo needs the submissions: keep it after conference.submissions.demo.
    "conference.review.demo",
    # Speakers (issue 21): after the programme, submissions and review steps.
    "conference.submissions.speaker_demo",
    # Labelled materials (issue 23): after the speakers' step and the programme's labels.
    "conference.programme.material_demo",
    # Running orders of chaired sessions: after the review demo (it places accepted talks).
    "conference.review.placement_demo",
    # A released programme version and later draft changes: after the running orders.
    "conference.programme.release_demo",
    # Badges: after the accreditation and programme steps (badges for the accredited people,
    # a door for a restricted session).
    "conference.badges.demo",
    "conference.checkin.demo",  # after badges: scanner token, invalid-code counts
    # Mailings: after accreditation, programme and submissions (recipients and their sessions).
    "conference.mailings.demo",
    "conference.editions.demo",  # the mail log in every state, reminder settings (last)
]

DEMO_ACCOUNTS = [
    ("admin@demo.test", "Ada Admin", "administrator", None),
    ("organiser@demo.test", "Olga Organiser", "organiser", Role.ORGANISER),
    ("chair@demo.test", "Chris Chair", "programme chair", Role.CHAIR),
    ("reviewer@demo.test", "Rita Reviewer", "programme-committee member", Role.REVIEWER),
    ("staff@demo.test", "Stan Staff", "door staff", Role.STAFF),
    ("attendee@demo.test", "Anna Attendee", "attendee", None),
]


@dataclass
class Demo:
    """What the steps share: the editions and the demo accounts by e-mail."""

    password: str
    # The privileged demo accounts' TOTP secret (DEMO_TOTP_SECRET).
    totp_secret: str = field(default_factory=lambda: current_app.config["DEMO_TOTP_SECRET"])
    editions: dict[int, Edition] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def user(self, email: str, full_name: str, **profile) -> User:
        """Get or create a verified demo account."""
        user = accounts.find_user(email)
        if user is None:
            user = accounts.create_user(
                email, self.password, full_name=full_name, verified=True, **profile
            )
        self.users[email] = user
        return user


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A Brussels wall-clock time as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BRUSSELS).astimezone(dt.UTC)


def _edition(year: int, **values) -> Edition:
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    if edition is None:
        edition = Edition(year=year, **values)
        db.session.add(edition)
        db.session.flush()
    return edition


def seed_base(demo: Demo) -> None:
    demo.editions[2025] = _edition(
        2025,
        title="European Flagship Conference on Research Security 2025",
        acronym="EFCRS 2025",
        venue="Charlemagne Building",
        address="Rue de la Loi 170, 1040 Brussels, Belgium",
        start_date=dt.date(2025, 6, 11),
        end_date=dt.date(2025, 6, 12),
        state=EditionState.ARCHIVED,
        capacity=300,
        registration_opens_at=local(2025, 1, 15),
        registration_closes_at=local(2025, 5, 31),
        cfp_opens_at=local(2024, 10, 1),
        cfp_closes_at=local(2025, 1, 31),
        review_deadline=local(2025, 3, 1),
    )
    demo.editions[2027] = _edition(
        2027,
        title="European Flagship Conference on Research Security 2027",
        acronym="EFCRS 2027",
        venue="Square – Brussels Meeting Centre",
        address="Mont des Arts, 1000 Brussels, Belgium",
        start_date=dt.date(2027, 6, 9),
        end_date=dt.date(2027, 6, 10),
        state=EditionState.OPEN,
        capacity=400,
        registration_opens_at=local(2026, 9, 1),
        registration_closes_at=local(2027, 5, 31, 23, 59),
        cfp_opens_at=local(2026, 9, 1),
        cfp_closes_at=local(2027, 1, 31, 23, 59),
        review_deadline=local(2027, 3, 15, 23, 59),
        cfp_guidance="We welcome contributions on research security policy and practice: "
        "risk assessment, due diligence, export control, foreign interference and "
        "international cooperation.",
    )
    for email, name, _label, role in DEMO_ACCOUNTS:
        user = demo.user(email, name, organisation="Demo organisation", country="BE")
        if email == "admin@demo.test" and not user.is_admin:
            accounts.set_admin(user, True)
        if role is not None:
            for edition in demo.editions.values():
                accounts.grant_role(user, edition, role)
        # Privileged accounts need a second factor: the demo ones share a known TOTP secret
        # (DEMO_TOTP_SECRET) so that the demo stays usable. Only these demo accounts.
        if role is not None or user.is_admin:
            twofactor_services.enrol_demo_totp(user, demo.totp_secret)
    db.session.commit()


def seed_demo() -> Demo:
    """Create (or complete) the whole demo data set."""
    demo = Demo(
        password=current_app.config["DEMO_PASSWORD"],
        totp_secret=current_app.config["DEMO_TOTP_SECRET"],
    )
    seed_base(demo)
    for path in DEMO_STEPS:
        importlib.import_module(path).seed(demo)
        db.session.commit()
    return demo
