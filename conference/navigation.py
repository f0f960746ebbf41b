"""Navigation by role: each area lists its pages with the permission that shows them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from conference.permissions import can


@dataclass(frozen=True)
class Link:
    label: object  # a lazily translated string
    endpoint: str
    action: str | None = None  # permission needed to see the link; None = everyone
    class_: str = ""
    url: str = ""


# Shown in the header for the current edition.
NAV: list[Link] = [
    Link(_l("Programme"), "programme.programme"),
    Link(_l("My conference"), "accreditation.me", "login"),
    Link(_l("Scan"), "checkin.scanner", "checkin.scan"),
    Link(_l("Review"), "review.my_reviews", "review.participate"),
    Link(_l("Organise"), "dashboard.overview", "edition.manage"),
    Link(_l("Registrations"), "accreditation.queue", "registration.view_all"),
    Link(_l("Programme admin"), "programme.admin_index", "programme.admin"),
    Link(_l("Submissions"), "submissions.admin_list", "submissions.list_all"),
    Link(_l("Badges"), "badges.index", "badges.manage"),
    Link(_l("Check-in"), "checkin.monitor", "checkin.monitor"),
    Link(_l("Mailings"), "mailings.index", "mailing.view"),
]

# Shown as buttons on the edition's landing page.
EDITION_LINKS: list[Link] = [
    Link(_l("Programme"), "programme.programme"),
    Link(_l("Register"), "accreditation.register", "registration.offered", "button-primary"),
    Link(_l("Call for abstracts"), "submissions.call"),
    Link(_l("Calendar (.ics)"), "calendar.programme_ics", None, "button-secondary"),
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
