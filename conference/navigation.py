"""Navigation by role: each area lists its pages with the permission that shows them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user

from conference.permissions import can


@dataclass(frozen=True)
class Link:
    label: str
    endpoint: str
    action: str | None = None  # permission needed to see the link; None = everyone
    class_: str = ""
    url: str = ""


# Shown in the header for the current edition.
NAV: list[Link] = [
    Link("Programme", "programme.programme"),
    Link("My conference", "accreditation.me", "login"),
    Link("Scan", "checkin.scanner", "checkin.scan"),
    Link("Review", "review.my_reviews", "review.participate"),
    Link("Organise", "dashboard.overview", "edition.manage"),
    Link("Registrations", "accreditation.queue", "registration.view_all"),
    Link("Programme admin", "programme.admin_index", "programme.admin"),
    Link("Submissions", "submissions.admin_list", "submissions.list_all"),
    Link("Badges", "badges.index", "badges.manage"),
    Link("Check-in", "checkin.monitor", "checkin.monitor"),
]

# Shown as buttons on the edition's landing page.
EDITION_LINKS: list[Link] = [
    Link("Programme", "programme.programme"),
    Link("Register", "accreditation.register", "registration.offered", "button-primary"),
    Link("Call for abstracts", "submissions.call"),
    Link("Calendar (.ics)", "calendar.programme_ics", None, "button-secondary"),
]


def _visible(links: list[Link], edition) -> list[Link]:
    out = []
    for link in links:
        if link.endpoint not in current_app.view_functions:
            continue
        if link.action == "login":
            if not current_user.is_authenticated:
                continue
        elif link.action and not can(current_user, link.action, edition=edition):
            continue
        out.append(
            Link(
                link.label,
                link.endpoint,
                link.action,
                link.class_,
                url_for(link.endpoint, year=edition.year),
            )
        )
    return out


def register(app) -> None:
    app.jinja_env.globals["nav_items"] = lambda edition: _visible(NAV, edition)
    app.jinja_env.globals["edition_links"] = lambda edition: _visible(EDITION_LINKS, edition)
