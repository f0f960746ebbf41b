"""A small but complete edition for the cross-cutting tests (escaping, caching, accessibility):
one of everything each area has, with ``text`` in every name and title a person can type.

``build_world(text)`` returns the users by role and the ids a URL can need (``year``,
``session_id``, ``submission_id``, ``registration_id``, ``badge_id``, ``user_id``,
``category_id``, ``feed_token``…). Parts whose area has not landed are simply left out.
"""

from __future__ import annotations

import contextlib

from conference.extensions import db
from tests.factories import grant, make_edition, make_user


def build_world(text: str = "") -> dict:
    edition = make_edition(
        title=f"Research Security Conference {text}".strip(), venue=text or "Hall"
    )
    suffix = f" {text}" if text else ""
    users = {
        "attendee": make_user(
            "attendee@example.org",
            full_name=f"Ada Attendee{suffix}",
            organisation=f"Org{suffix}",
            position=text,
        ),
        "newcomer": make_user("newcomer@example.org", full_name=f"Nina Newcomer{suffix}"),
        "organiser": make_user(
            "organiser@example.org",
            full_name=f"Olga Organiser{suffix}",
            role="organiser",
            edition=edition,
        ),
        "reviewer": make_user(
            "reviewer@example.org",
            full_name=f"Rita Reviewer{suffix}",
            role="reviewer",
            edition=edition,
        ),
        "chair": make_user(
            "chair@example.org", full_name=f"Carl Chair{suffix}", role="chair", edition=edition
        ),
        "staff": make_user(
            "staff@example.org", full_name=f"Sam Staff{suffix}", role="staff", edition=edition
        ),
        "admin": make_user("admin@example.org", full_name=f"Adam Admin{suffix}", admin=True),
    }
    for role in ("organiser", "chair", "staff"):
        grant(users["admin"], role, edition)
    world = {"edition": edition, "year": edition.year, "users": users}
    world["user_id"] = users["attendee"].id

    with contextlib.suppress(ImportError):
        from tests.badges.factories import accredited, keys_for, make_category, make_session

        keys_for(edition.year)
        category = make_category(edition, name=f"Participant{suffix}")
        registration = accredited(
            users["attendee"],
            edition,
            category,
            full_name=users["attendee"].full_name,
            organisation=f"Org{suffix}",
            dietary_needs=text,
        )
        session = make_session(edition, title=f"Opening session{suffix}")
        world.update(
            category_id=category.id,
            registration_id=registration.id,
            session_id=session.id,
        )
        from conference.badges.services import valid_badge

        badge = valid_badge(registration)
        if badge is not None:
            world["badge_id"] = badge.id

    with contextlib.suppress(ImportError):
        from tests.review.factories import assign, make_submission

        submission = make_submission(
            edition,
            author=users["newcomer"],
            title=f"Abstract title{suffix}",
            abstract=f"An abstract{suffix}",
        )
        assign(submission, users["reviewer"])
        world["submission_id"] = submission.id

    with contextlib.suppress(ImportError):
        from conference.calendar.services import regenerate_token

        world["token"] = regenerate_token(users["attendee"])
        db.session.commit()

    return world


def fill(rule, world: dict) -> str | None:
    """A URL for ``rule`` from the world's ids, or None when an argument is unknown."""
    values = {}
    for name in rule.arguments:
        if name not in world or isinstance(world[name], dict):
            return None
        values[name] = world[name]
    return rule.build(values, append_unknown=False)[1]
