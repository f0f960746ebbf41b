"""A programme with one session per TLP label, open and restricted, plus a Chatham House
session, each carrying unique marker strings; and the viewers of the leak tests (issue 23).

Markers (``marks(key)``): ``Ttl`` title, ``Dsc`` description, ``Spk`` speaker's name, ``Org``
speaker's organisation, ``Ctt``/``Ctd`` contribution title/description, ``Mat`` material title,
``Rec`` recording link. A key is the label's code and ``o`` (open) or ``x`` (restricted to
the MSE category); ``CHHo`` is a CLEAR session under the Chatham House Rule.
"""

from __future__ import annotations

import datetime as dt

from conference.extensions import db
from conference.programme.models import Contribution, ContributionKind, SessionSpeaker
from conference.programme.speaker_models import SessionMaterial
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import accredit, make_category, make_room, make_session

LABELS = {"CLR": "CLEAR", "GRN": "GREEN", "AMB": "AMBER", "AMS": "AMBER+STRICT", "RED": "RED"}
KEYS = [f"{code}{access}" for code in LABELS for access in "ox"] + ["CHHo"]
FIELDS = ("Ttl", "Dsc", "Spk", "Org", "Ctt", "Ctd", "Mat", "Rec")
CONTENT = ("Dsc", "Spk", "Org", "Ctt", "Ctd", "Mat", "Rec")  # everything but the title
NAMES = ("Spk", "Org")
VIEWERS = ["anonymous", "outsider", "participant", "cleared", "speaker", "organiser"]
# The viewers the access rule clears for the sessions restricted to the MSE category.
CLEARED_FOR_RESTRICTED = {"cleared", "speaker", "organiser"}


def mark(field: str, key: str) -> str:
    if field == "Rec":
        return f"https://recordings.example.org/zq{key}"
    return f"Zq{field}{key}"


def label_of(key: str) -> str:
    return "CLEAR" if key.startswith("CHH") else LABELS[key[:3]]


def expected(key: str, viewer: str, channel: str) -> str:
    """What ``viewer`` may receive of session ``key`` on ``channel`` ("page" or another):
    "full", "neutral" or "none" — written out from the issue, not computed by the rule."""
    if key.endswith("x") and viewer not in CLEARED_FOR_RESTRICTED:
        return "none"  # the access rule: a "Restricted session" placeholder
    label = label_of(key)
    if label == "CLEAR":
        return "full"
    if label == "GREEN":
        return "neutral" if viewer in ("anonymous", "outsider") else "full"
    if viewer in ("anonymous", "outsider"):
        return "none"
    if label == "RED" and channel != "page":
        return "none"
    return "full"


def names_allowed(key: str, viewer: str, channel: str) -> bool:
    """Chatham House: names only on the site, to logged-in people cleared for the session."""
    if not key.startswith("CHH"):
        return True
    return channel == "page" and viewer not in ("anonymous", "outsider")


def forbidden(key: str, viewer: str, channel: str) -> set[str]:
    """The markers of ``key`` that must not reach ``viewer`` on ``channel``."""
    level = expected(key, viewer, channel)
    if level == "none":
        return {mark(f, key) for f in FIELDS}
    if level == "neutral":
        return {mark(f, key) for f in CONTENT}
    out = set()
    if not names_allowed(key, viewer, channel):
        out |= {mark(f, key) for f in NAMES}
    if key.startswith("CHH"):
        out.add(mark("Rec", key))  # no recording links of a Chatham House session
    return out


def build(year: int = 2027) -> dict:
    edition = make_edition(year)
    mse = make_category(edition, code="MSE", name="Member State experts")
    general = make_category(edition, code="GEN", name="General")
    viewers: dict = {"anonymous": None}
    viewers["outsider"] = make_user(full_name="Olga Outsider")
    viewers["participant"] = make_user(full_name="Paul Participant")
    accredit(viewers["participant"], general, edition)
    viewers["cleared"] = make_user(full_name="Clara Cleared")
    accredit(viewers["cleared"], mse, edition)
    viewers["speaker"] = make_user(full_name="Sam Speaker")
    accredit(viewers["speaker"], general, edition)
    viewers["organiser"] = grant(make_user(full_name="Otto Organiser"), "organiser", edition)
    room = make_room(edition, name="Plenary hall")
    sessions = {}
    start = dt.datetime(year, 6, 9, 7, 0, tzinfo=dt.UTC)
    for n, key in enumerate(KEYS):
        session = make_session(
            edition,
            title=mark("Ttl", key),
            description=f"About {mark('Dsc', key)}.",
            starts_at=start + dt.timedelta(minutes=30 * n),
            ends_at=start + dt.timedelta(minutes=30 * n + 30),
            restricted_to=[mse] if key.endswith("x") else None,
            room=room,
            tlp=label_of(key),
            chatham_house=key.startswith("CHH"),
            booking_required=True,
            capacity=50,
        )
        db.session.add(
            SessionSpeaker(
                session_id=session.id,
                user_id=viewers["speaker"].id,
                name=mark("Spk", key),
                organisation=mark("Org", key),
                position=0,
            )
        )
        db.session.add(
            Contribution(
                session_id=session.id,
                position=0,
                kind=ContributionKind.ITEM,
                title=mark("Ctt", key),
                description=f"On {mark('Ctd', key)}.",
                duration_minutes=30,
            )
        )
        db.session.add(
            SessionMaterial(
                edition_id=edition.id,
                session_id=session.id,
                title=mark("Mat", key),
                kind="slides",
                storage_key=f"leaktest{key.lower()}",
                filename=f"slides-{key}.pdf",
                content_type="application/pdf",
            )
        )
        db.session.add(
            SessionMaterial(
                edition_id=edition.id,
                session_id=session.id,
                title=f"Recording {key}",
                kind="recording",
                url=mark("Rec", key),
            )
        )
        sessions[key] = session
    db.session.commit()
    return {
        "edition": edition,
        "viewers": viewers,
        "sessions": sessions,
        "categories": {"MSE": mse, "GEN": general},
    }


def unfold(text: str) -> str:
    """``text`` with iCalendar line folding undone (a marker may be cut by a fold)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def leaks(text: str, viewer: str, channel: str, keys=KEYS) -> list[tuple[str, str]]:
    """(session key, marker) pairs found in ``text`` that the label forbids here."""
    text = unfold(text)
    found = []
    for key in keys:
        for marker in forbidden(key, viewer, channel):
            if marker.casefold() in text.casefold():
                found.append((key, marker))
    return sorted(found)


def missing_titles(text: str, viewer: str, channel: str, keys=KEYS) -> list[str]:
    """Sessions whose title ``viewer`` should receive here but which ``text`` lacks."""
    text = unfold(text)
    return [
        key
        for key in keys
        if expected(key, viewer, channel) != "none" and mark("Ttl", key) not in text
    ]
